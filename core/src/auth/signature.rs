//! Signatures made outside the core (WebCrypto, a key store, a KMS), put in
//! JOSE form and checked before they go into a JWS.
//!
//! Platforms return ECDSA signatures as ASN.1 DER (`SEQUENCE { r, s }`: JCA,
//! Apple's Security framework, AWS/Google/Azure KMS) or already as JOSE's
//! fixed-size `r || s` (WebCrypto, CryptoKit's `rawRepresentation`). A JWS
//! needs the latter (RFC 7518 §3.4). The DER reader is written here, about
//! forty lines for exactly two INTEGERs, rather than pulling an ASN.1 crate
//! into the npm package's wasm, which carries no other ASN.1.

use crate::auth::key::JwsAlgorithm;
use crate::error::{ConfigError, ConfigErrorKind};

/// The orders of the P-256 and P-384 groups, big-endian: `r` and `s` lie in `[1, n-1]`.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
const P384_ORDER: [u8; 48] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
];

fn invalid(reason: &'static str) -> ConfigError {
    ConfigError::new(ConfigErrorKind::InvalidSignature, "signature", reason)
}

/// `signature` (as the host's signer returned it) in the JWS form of `alg`.
///
/// ECDSA: DER or `r || s`, each of `r` and `s` in `[1, n-1]`. EdDSA: 64
/// bytes. RSA: the modulus size when the public key is known
/// (`modulus_len`), else 256 to 1024 bytes. HMAC is never signed outside.
pub(crate) fn jose_signature(
    alg: JwsAlgorithm,
    signature: &[u8],
    modulus_len: Option<usize>,
) -> Result<Vec<u8>, ConfigError> {
    match alg {
        JwsAlgorithm::Es256 => ecdsa(signature, &P256_ORDER),
        JwsAlgorithm::Es384 => ecdsa(signature, &P384_ORDER),
        JwsAlgorithm::EdDsa if signature.len() == 64 => Ok(signature.to_vec()),
        JwsAlgorithm::EdDsa => Err(invalid("an Ed25519 signature is 64 bytes")),
        JwsAlgorithm::Rs256 | JwsAlgorithm::Ps256 => {
            let fits = match modulus_len {
                Some(len) => signature.len() == len,
                None => (256..=1024).contains(&signature.len()),
            };
            if fits {
                Ok(signature.to_vec())
            } else {
                Err(invalid(
                    "an RSA signature is as long as the key's modulus (256 bytes for 2048 bits)",
                ))
            }
        }
        _ => Err(invalid("HMAC signatures are made by the core")),
    }
}

fn ecdsa(signature: &[u8], order: &[u8]) -> Result<Vec<u8>, ConfigError> {
    let size = order.len();
    let mut out = vec![0u8; 2 * size];
    // A raw `r || s` may begin with 0x30 too (1 in 256): DER is taken only
    // when the whole input is one strict DER pair, raw only at its size.
    let der = signature
        .first()
        .and_then(|b| (*b == 0x30).then(|| der_pair(signature)))
        .flatten();
    if let Some((r, s)) = der {
        for (value, half) in [(r, 0), (s, size)] {
            if value.len() > size {
                return Err(invalid("an ECDSA value is longer than the curve's order"));
            }
            let start = half + size - value.len();
            out.get_mut(start..half + size)
                .ok_or_else(|| invalid("an ECDSA value does not fit"))?
                .copy_from_slice(value);
        }
    } else if signature.len() == 2 * size {
        out.copy_from_slice(signature);
    } else {
        return Err(invalid(
            "not an ECDSA signature: neither r || s (64 bytes for ES256, 96 for ES384) nor DER SEQUENCE { r, s }",
        ));
    }
    let (r, s) = out.split_at(size);
    for value in [r, s] {
        // Fixed-size big-endian bytes compare as the numbers they encode.
        if value.iter().all(|b| *b == 0) || value >= order {
            return Err(invalid(
                "an ECDSA value is out of range (zero or not below the order)",
            ));
        }
    }
    Ok(out)
}

/// `SEQUENCE { INTEGER r, INTEGER s }` in strict DER: the two integers'
/// magnitudes (sign byte dropped), or `None` for anything else.
fn der_pair(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (tag, body, rest) = der_element(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (r, after_r) = der_integer(body)?;
    let (s, after_s) = der_integer(after_r)?;
    after_s.is_empty().then_some((r, s))
}

/// One positive, minimally encoded INTEGER and what follows it.
fn der_integer(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let (tag, value, rest) = der_element(input)?;
    let first = *value.first()?;
    let negative = first & 0x80 != 0;
    let padded = first == 0 && value.get(1).is_some_and(|b| b & 0x80 == 0);
    if tag != 0x02 || negative || padded {
        return None;
    }
    let magnitude = if first == 0 { value.get(1..)? } else { value };
    Some((magnitude, rest))
}

/// Tag, contents and the rest, for a definite length of up to two bytes.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, input) = input.split_first()?;
    let (&first, input) = input.split_first()?;
    let (len, input) = match first {
        0..=0x7f => (usize::from(first), input),
        0x81 => {
            let (&len, input) = input.split_first()?;
            // DER: the long form only for lengths the short form cannot say.
            (len >= 0x80).then_some((usize::from(len), input))?
        }
        _ => return None,
    };
    let (contents, rest) = (input.get(..len)?, input.get(len..)?);
    Some((tag, contents, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der(r: &[u8], s: &[u8]) -> Vec<u8> {
        let mut body = vec![0x02, r.len() as u8];
        body.extend_from_slice(r);
        body.extend([0x02, s.len() as u8]);
        body.extend_from_slice(s);
        let mut out = vec![0x30];
        if body.len() >= 0x80 {
            out.push(0x81);
        }
        out.push(body.len() as u8);
        out.extend(body);
        out
    }

    #[test]
    fn der_becomes_fixed_size_r_and_s() {
        // r with a sign byte (high bit set), s short (leading zeros dropped).
        let mut r = vec![0x00, 0x80];
        r.extend([0x11; 31]);
        let s = vec![0x01, 0x02];
        let out = jose_signature(JwsAlgorithm::Es256, &der(&r, &s), None).unwrap();
        assert_eq!(out.len(), 64);
        assert_eq!(&out[..32], &r[1..]);
        assert_eq!(&out[32..62], &[0u8; 30]);
        assert_eq!(&out[62..], &[0x01, 0x02]);
    }

    #[test]
    fn es384_der_becomes_96_bytes() {
        let mut r = vec![0x00, 0xc0];
        r.extend([0x22; 47]);
        let s = [0x33u8; 48];
        let signature = der(&r, &s);
        let out = jose_signature(JwsAlgorithm::Es384, &signature, None).unwrap();
        assert_eq!(out.len(), 96);
        assert_eq!(&out[48..], &s);
    }

    #[test]
    fn raw_signatures_pass_unchanged() {
        // Even one that begins like a DER SEQUENCE (a 1 in 256 draw).
        let mut like_der = [0x42u8; 64];
        like_der[0] = 0x30;
        assert_eq!(
            jose_signature(JwsAlgorithm::Es256, &like_der, None).unwrap(),
            like_der.to_vec()
        );
        let raw = [0x42u8; 64];
        assert_eq!(
            jose_signature(JwsAlgorithm::Es256, &raw, None).unwrap(),
            raw.to_vec()
        );
        assert_eq!(
            jose_signature(JwsAlgorithm::EdDsa, &raw, None).unwrap(),
            raw.to_vec()
        );
    }

    #[test]
    fn malformed_and_out_of_range_values_are_refused() {
        let one = [0x01u8];
        let cases: Vec<(JwsAlgorithm, Vec<u8>)> = vec![
            // Wrong length for raw.
            (JwsAlgorithm::Es256, vec![0x42; 63]),
            // A negative INTEGER.
            (JwsAlgorithm::Es256, der(&[0x80], &one)),
            // A needless leading zero.
            (JwsAlgorithm::Es256, der(&[0x00, 0x01], &one)),
            // Trailing bytes after the SEQUENCE.
            (JwsAlgorithm::Es256, [der(&one, &one), vec![0]].concat()),
            // r = 0.
            (JwsAlgorithm::Es256, der(&[0x00], &one)),
            // s = n (not below the order).
            (
                JwsAlgorithm::Es256,
                der(&one, &[&[0u8][..], &P256_ORDER[..]].concat()),
            ),
            // r too long for P-256.
            (JwsAlgorithm::Es256, der(&[0x01; 33], &one)),
            // Raw r || s with s = 0.
            (JwsAlgorithm::Es256, [vec![1; 32], vec![0; 32]].concat()),
            (JwsAlgorithm::EdDsa, vec![0; 63]),
            (JwsAlgorithm::Rs256, vec![0; 255]),
            (JwsAlgorithm::Hs256, vec![0; 32]),
        ];
        for (alg, signature) in cases {
            let err = jose_signature(alg, &signature, None).unwrap_err();
            assert_eq!(err.code(), "INVALID_SIGNATURE", "{alg} {signature:02x?}");
        }
        assert!(jose_signature(JwsAlgorithm::Rs256, &[1; 384], Some(256)).is_err());
        assert!(jose_signature(JwsAlgorithm::Ps256, &[1; 384], Some(384)).is_ok());
    }

    #[cfg(feature = "es256")]
    #[test]
    fn der_of_a_real_signature_matches_its_raw_form() {
        use p256::ecdsa::signature::Signer as _;
        let key = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
        // Enough signatures that some raw ones begin with 0x30 and some DER
        // ones carry short values.
        for i in 0u32..2_000 {
            let signature: p256::ecdsa::Signature = key.sign(&i.to_be_bytes());
            let raw = signature.to_bytes().to_vec();
            let der = signature.to_der();
            assert_eq!(
                jose_signature(JwsAlgorithm::Es256, der.as_bytes(), None).unwrap(),
                raw
            );
            assert_eq!(
                jose_signature(JwsAlgorithm::Es256, &raw, None).unwrap(),
                raw
            );
        }
    }
}
