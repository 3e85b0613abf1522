//! DPoP proofs (RFC 9449): a fresh JWT per request, signed with the client's
//! key, binding the token to that key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde::Serialize;
use sha2::Digest as _;

use crate::auth::jws::{derive, jti, sign_compact, Jws, JwsSigner, SigningPurpose};
use crate::auth::key::PrivateKey;

#[derive(Serialize)]
struct Header<'a> {
    typ: &'static str,
    alg: &'static str,
    jwk: &'a serde_json::value::RawValue,
}

#[derive(Serialize)]
struct Claims<'a> {
    jti: String,
    htm: &'a str,
    htu: &'a str,
    iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<String>,
}

/// The `htu` of a proof: the URL without query and fragment (RFC 9449 §4.2).
pub(crate) fn htu(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    url.get(..end).unwrap_or(url)
}

/// A DPoP proof for `method` `url` at `now_ms` (or its signing input, for a
/// host-signed key); `access_token` adds the `ath` claim (proofs sent with
/// the token to a resource server).
pub(crate) fn proof(
    key: &PrivateKey,
    method: &str,
    url: &str,
    now_ms: u64,
    nonce: Option<&str>,
    access_token: Option<&str>,
    entropy: &[u8; 32],
) -> Jws {
    let random = derive(entropy, b"dpop");
    let jwk = key.public_jwk();
    // The core wrote this JWK itself, so it is valid JSON.
    let raw = serde_json::value::RawValue::from_string(jwk).ok();
    let empty = serde_json::value::RawValue::from_string("{}".to_owned()).ok();
    let Some(jwk) = raw.or(empty) else {
        return Jws::Signed(Default::default());
    };
    let header = Header {
        typ: "dpop+jwt",
        alg: key.algorithm().as_str(),
        jwk: &jwk,
    };
    let claims = Claims {
        jti: jti(&random),
        htm: method,
        htu: htu(url),
        iat: now_ms / 1000,
        nonce,
        ath: access_token.map(|t| B64.encode(sha2::Sha256::digest(t.as_bytes()))),
    };
    sign_compact(
        &header,
        &claims,
        &JwsSigner::Key(key),
        &derive(&random, b"sign"),
        SigningPurpose::DpopProof,
        key.key_id(),
    )
}

/// The JWK SHA-256 thumbprint (RFC 7638) of the key, as `jkt` in `cnf`.
pub fn jwk_thumbprint(key: &PrivateKey) -> String {
    B64.encode(sha2::Sha256::digest(key.public_jwk().as_bytes()))
}

/// RFC 9449 §8.1: `nonce = 1*NQCHAR`, visible ASCII without `"` and `\`.
pub(crate) fn is_nonce(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce.len() <= 512
        && nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_drops_query_and_fragment() {
        assert_eq!(htu("https://a.example/p?x=1#f"), "https://a.example/p");
        assert_eq!(htu("https://a.example/p#f"), "https://a.example/p");
        assert_eq!(htu("https://a.example/p"), "https://a.example/p");
    }
}
