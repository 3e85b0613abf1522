//! The public half of a host-signed key, as a JWK the core can put in a DPoP
//! proof's header and hash into a thumbprint (RFC 7638).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde_json::Value;

use crate::error::{ConfigError, ConfigErrorKind};

/// Members that only a private JWK has (RFC 7518 §6.2.2, §6.3.2; RFC 8037).
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

fn invalid(field: &'static str, reason: &'static str) -> ConfigError {
    ConfigError::new(ConfigErrorKind::InvalidKey, field, reason)
}

/// The key type an algorithm signs with.
#[derive(Clone, Copy)]
pub(crate) enum KeyShape {
    /// EC on the named curve, coordinates of `size` bytes.
    Ec { crv: &'static str, size: usize },
    /// Ed25519.
    Ed25519,
    /// RSA.
    Rsa,
}

/// Reads a public JWK for `alg` (of key type `shape`) and writes it with
/// the required members only, in RFC 7638 order (so the same text is the
/// thumbprint's input). Returns that text, the JWK's `kid`, and an RSA
/// key's modulus size.
pub(crate) fn canonical(
    text: &str,
    alg: &str,
    shape: KeyShape,
    field: &'static str,
) -> Result<(String, Option<String>, Option<usize>), ConfigError> {
    let jwk: Value = serde_json::from_str(text)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| invalid(field, "not a JWK object"))?;
    if PRIVATE_MEMBERS.iter().any(|m| jwk.get(m).is_some()) {
        return Err(invalid(
            field,
            "holds private members: give the public JWK (the host keeps the private key)",
        ));
    }
    let member = |name: &str| jwk.get(name).and_then(Value::as_str);
    if let Some(named) = member("alg") {
        // RFC 9864 names Ed25519 signatures "Ed25519" (WebCrypto exports that).
        if named != alg && !(named == "Ed25519" && alg == "EdDSA") {
            return Err(invalid(field, "the JWK's alg differs from the key's"));
        }
    }
    let bytes = |name: &str, len: Option<usize>| -> Result<String, ConfigError> {
        let value = member(name).ok_or_else(|| {
            invalid(
                field,
                "lacks a member its key type needs (EC: x, y; OKP: x; RSA: n, e)",
            )
        })?;
        let decoded = B64
            .decode(value)
            .map_err(|_| invalid(field, "a JWK member is not base64url"))?;
        if len.is_some_and(|len| decoded.len() != len) {
            return Err(invalid(
                field,
                "a coordinate has the wrong size for its curve",
            ));
        }
        Ok(value.to_owned())
    };
    let kty = member("kty").unwrap_or_default();
    let crv = member("crv").unwrap_or_default();
    let mismatch = || {
        invalid(
            field,
            "the key type does not fit the algorithm (RS256/PS256: RSA, ES256: EC P-256, ES384: EC P-384, EdDSA: OKP Ed25519)",
        )
    };
    let (canonical, modulus_len) = match shape {
        KeyShape::Ec { crv: want, size } => {
            if kty != "EC" || crv != want {
                return Err(mismatch());
            }
            let (x, y) = (bytes("x", Some(size))?, bytes("y", Some(size))?);
            (
                format!(r#"{{"crv":"{crv}","kty":"EC","x":"{x}","y":"{y}"}}"#),
                None,
            )
        }
        KeyShape::Ed25519 => {
            if kty != "OKP" || crv != "Ed25519" {
                return Err(mismatch());
            }
            let x = bytes("x", Some(32))?;
            (
                format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#),
                None,
            )
        }
        KeyShape::Rsa => {
            if kty != "RSA" {
                return Err(mismatch());
            }
            let (n, e) = (bytes("n", None)?, bytes("e", None)?);
            let modulus = B64.decode(&n).unwrap_or_default();
            let len = modulus.len() - modulus.iter().take_while(|b| **b == 0).count();
            if len < 256 {
                return Err(invalid(field, "RSA keys must be at least 2048 bits"));
            }
            (format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#), Some(len))
        }
    };
    Ok((canonical, member("kid").map(str::to_owned), modulus_len))
}

#[cfg(test)]
mod tests {
    use super::*;

    const P256: (&str, KeyShape) = (
        "ES256",
        KeyShape::Ec {
            crv: "P-256",
            size: 32,
        },
    );
    const P384: (&str, KeyShape) = (
        "ES384",
        KeyShape::Ec {
            crv: "P-384",
            size: 48,
        },
    );
    const RSA: (&str, KeyShape) = ("RS256", KeyShape::Rsa);
    const X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    #[test]
    fn members_are_kept_in_thumbprint_order_and_extras_dropped() {
        let text =
            format!(r#"{{"y":"{Y}","use":"sig","kid":"k1","x":"{X}","kty":"EC","crv":"P-256"}}"#);
        let (jwk, kid, modulus) = canonical(&text, P256.0, P256.1, "public_jwk").unwrap();
        assert_eq!(
            jwk,
            format!(r#"{{"crv":"P-256","kty":"EC","x":"{X}","y":"{Y}"}}"#)
        );
        assert_eq!(kid.as_deref(), Some("k1"));
        assert_eq!(modulus, None);
    }

    #[test]
    fn private_or_mismatched_jwks_are_refused() {
        let cases = [
            (
                format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}","d":"AA"}}"#),
                P256,
                "private members",
            ),
            (
                format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}"}}"#),
                P384,
                "does not fit",
            ),
            (
                format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}"}}"#),
                P256,
                "lacks",
            ),
            (
                format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"AAAA"}}"#),
                P256,
                "wrong size",
            ),
            (
                r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#.to_owned(),
                RSA,
                "2048",
            ),
            ("[1]".to_owned(), P256, "not a JWK"),
        ];
        for (text, (alg, shape), why) in cases {
            let err = canonical(&text, alg, shape, "public_jwk").unwrap_err();
            assert_eq!(err.code(), "INVALID_KEY");
            assert!(err.to_string().contains(why), "{err}");
        }
    }
}
