//! Compact JWS serialization (RFC 7515 §7.1) of the JWTs this client signs:
//! client assertions (RFC 7523) and DPoP proofs (RFC 9449).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::auth::key::{hmac_sign, JwsAlgorithm, PrivateKey};

/// What signs a JWT: the client secret (HMAC) or a private key.
pub(crate) enum JwsSigner<'a> {
    Hmac(JwsAlgorithm, &'a [u8]),
    Key(&'a PrivateKey),
}

impl JwsSigner<'_> {
    pub(crate) fn algorithm(&self) -> JwsAlgorithm {
        match self {
            Self::Hmac(alg, _) => *alg,
            Self::Key(key) => key.algorithm(),
        }
    }
}

/// `base64url(header) . base64url(claims) . base64url(signature)`.
///
/// The JWT is a credential for its short life, so it is returned zeroizing.
pub(crate) fn sign_compact(
    header: &impl Serialize,
    claims: &impl Serialize,
    signer: &JwsSigner<'_>,
    entropy: &[u8; 32],
) -> Zeroizing<String> {
    // Serializing plain structs of strings and integers cannot fail.
    let header = serde_json::to_vec(header).unwrap_or_default();
    let claims = serde_json::to_vec(claims).unwrap_or_default();
    let mut out = Zeroizing::new(String::with_capacity(
        (header.len() + claims.len()) * 4 / 3 + 360,
    ));
    B64.encode_string(&header, &mut out);
    out.push('.');
    B64.encode_string(&claims, &mut out);
    let signature = match signer {
        JwsSigner::Hmac(alg, secret) => hmac_sign(*alg, secret, out.as_bytes()),
        JwsSigner::Key(key) => key.sign(out.as_bytes(), entropy),
    };
    out.push('.');
    B64.encode_string(&signature, &mut out);
    out
}

/// A base64url identifier (`jti`) from 128 random bits.
pub(crate) fn jti(random: &[u8]) -> String {
    B64.encode(random.get(..16).unwrap_or(random))
}

/// 32 bytes derived from `entropy` and a `label`: SHA-256 used as a PRF, so
/// one request's host randomness serves several independent values.
pub(crate) fn derive(entropy: &[u8; 32], label: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    let mut hash = sha2::Sha256::new();
    hash.update(entropy);
    hash.update(label);
    hash.finalize().into()
}

/// The claims of a JWT whose payload is not verified by this client, read
/// without checking the signature: only `exp`, to avoid sending an external
/// assertion that has already expired.
pub(crate) fn unverified_exp(jwt: &str) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct Claims {
        exp: Option<serde_json::Number>,
    }
    let payload = jwt.split('.').nth(1)?;
    let bytes = B64.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Claims = serde_json::from_slice(&bytes).ok()?;
    claims.exp?.as_f64().map(|exp| exp.max(0.0) as u64)
}
