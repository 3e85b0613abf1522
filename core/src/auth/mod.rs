//! Client authentication and proof of possession: the auth methods, the
//! private keys, JWS signing, client assertions and DPoP proofs.

pub(crate) mod assertion;
pub(crate) mod client_auth;
pub(crate) mod dpop;
pub(crate) mod jws;
pub(crate) mod key;
pub(crate) mod method;
pub(crate) mod public_jwk;
pub(crate) mod signature;
