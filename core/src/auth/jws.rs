//! Compact JWS serialization (RFC 7515 §7.1) of the JWTs this client signs:
//! client assertions (RFC 7523) and DPoP proofs (RFC 9449).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::auth::key::{hmac_sign, JwsAlgorithm, PrivateKey};
use crate::error::ConfigError;

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

/// A JWT as the core made it: signed, or waiting for the host's signature.
pub(crate) enum Jws {
    Signed(Zeroizing<String>),
    ToSign(SigningInput),
}

/// What a JWT is for: its signer may be told (a KMS policy, a log line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigningPurpose {
    /// A client assertion (`private_key_jwt`, RFC 7523).
    ClientAssertion,
    /// A DPoP proof (RFC 9449).
    DpopProof,
}

impl SigningPurpose {
    /// `client_assertion` or `dpop_proof`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientAssertion => "client_assertion",
            Self::DpopProof => "dpop_proof",
        }
    }
}

/// A JWS whose signature the host makes with a host-signed key
/// ([`PrivateKey::host_signed`]): sign [`bytes`](Self::bytes) with
/// [`alg`](Self::alg), then [`to_jws`](Self::to_jws) assembles the JWT.
///
/// The input (`base64url(header) . base64url(claims)`) holds no secret; the
/// finished JWS is a credential for its short life.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningInput {
    purpose: SigningPurpose,
    alg: JwsAlgorithm,
    key_id: Option<String>,
    input: String,
    modulus_len: Option<usize>,
}

impl std::fmt::Debug for SigningInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningInput")
            .field("purpose", &self.purpose)
            .field("alg", &self.alg)
            .field("key_id", &self.key_id)
            .field("len", &self.input.len())
            .finish()
    }
}

impl SigningInput {
    /// The signing input `input` for `key` (as a host handed it back).
    pub(crate) fn for_key(purpose: SigningPurpose, key: &PrivateKey, input: &str) -> Self {
        Self {
            purpose,
            alg: key.algorithm(),
            key_id: key.key_id().map(str::to_owned),
            input: input.to_owned(),
            modulus_len: key.modulus_len(),
        }
    }

    /// What the JWT is for.
    pub fn purpose(&self) -> SigningPurpose {
        self.purpose
    }

    /// The algorithm to sign with (the JWS header's `alg`).
    pub fn alg(&self) -> JwsAlgorithm {
        self.alg
    }

    /// The key's id (the assertion's `kid`, or the key's own), for signers
    /// holding several keys.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The bytes to sign: `base64url(header) . base64url(claims)` (ASCII).
    pub fn bytes(&self) -> &[u8] {
        self.input.as_bytes()
    }

    /// The same bytes as text.
    pub fn as_str(&self) -> &str {
        &self.input
    }

    /// The compact JWS with `signature` (DER or `r || s` for ECDSA; the
    /// core converts and checks it, see `INVALID_SIGNATURE`).
    pub fn to_jws(&self, signature: &[u8]) -> Result<Zeroizing<String>, ConfigError> {
        let signature =
            crate::auth::signature::jose_signature(self.alg, signature, self.modulus_len)?;
        let mut out = Zeroizing::new(String::with_capacity(
            self.input.len() + 1 + signature.len().div_ceil(3) * 4,
        ));
        out.push_str(&self.input);
        out.push('.');
        B64.encode_string(&signature, &mut out);
        Ok(out)
    }
}

/// `base64url(header) . base64url(claims) . base64url(signature)`, or the
/// signing input of a host-signed key.
///
/// The JWT is a credential for its short life, so it is returned zeroizing.
pub(crate) fn sign_compact(
    header: &impl Serialize,
    claims: &impl Serialize,
    signer: &JwsSigner<'_>,
    entropy: &[u8; 32],
    purpose: SigningPurpose,
    key_id: Option<&str>,
) -> Jws {
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
        JwsSigner::Key(key) => match key.sign(out.as_bytes(), entropy) {
            Some(signature) => signature,
            None => {
                return Jws::ToSign(SigningInput {
                    purpose,
                    alg: key.algorithm(),
                    key_id: key_id.map(str::to_owned),
                    input: std::mem::take(&mut *out),
                    modulus_len: key.modulus_len(),
                })
            }
        },
    };
    out.push('.');
    B64.encode_string(&signature, &mut out);
    Jws::Signed(out)
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
