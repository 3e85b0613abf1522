//! Key reading (JWK and PEM) on arbitrary text: a typed error or a key, never a panic.
#![no_main]

use ccauth::{JwsAlgorithm, PrivateKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for alg in [None, Some(JwsAlgorithm::Es256), Some(JwsAlgorithm::Rs256), Some(JwsAlgorithm::EdDsa)] {
        match PrivateKey::parse(text, alg, "private_key") {
            Ok(key) => {
                let again = PrivateKey::parse(&key.private_jwk(), None, "private_key");
                assert!(again.is_ok() || key.private_jwk().is_empty());
            }
            Err(error) => assert_eq!(error.code(), "INVALID_KEY"),
        }
    }
});
