//! The WWW-Authenticate parser on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for challenge in ccauth::parse_www_authenticate([text.as_ref()]) {
        assert!(!challenge.scheme.is_empty());
    }
});
