//! The metadata, introspection and revocation parsers on arbitrary replies.
#![no_main]

use ccauth::{
    parse_introspection_response, parse_metadata_response, parse_revocation_response,
    ClientConfig, HttpResponse,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (head, body) = data.split_at(data.len().min(3));
    let status = match head {
        [a, b, ..] => 100 + (u16::from(*a) << 8 | u16::from(*b)) % 500,
        _ => 200,
    };
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    // Sometimes a declared length (over the limit or not), sometimes a BOM.
    let variant = head.get(2).copied().unwrap_or(0);
    if variant % 3 == 1 {
        headers.push(("Content-Length".to_owned(), (u64::from(variant) * 64).to_string()));
    }
    let body = if variant % 5 == 2 {
        [b"\xEF\xBB\xBF".as_slice(), body].concat()
    } else {
        body.to_vec()
    };
    let body = body.as_slice();
    let response = HttpResponse::new(status, headers, body.to_vec());
    let config = ClientConfig::builder("https://as.example.com/token", "client")
        .client_secret("secret")
        .max_response_bytes(4096)
        .build()
        .unwrap();
    let now = 1_700_000_000_000;
    if let Ok(metadata) = parse_metadata_response("https://as.example.com", &response, now) {
        assert_eq!(metadata.issuer, "https://as.example.com");
        let _ = ccauth::ServerMetadata::from_json("https://as.example.com", &metadata.to_json()).unwrap();
    }
    if let Ok(seen) = parse_introspection_response(&config, &response, now) {
        assert_eq!(seen.fields().get("active").and_then(|v| v.as_bool()), Some(seen.active()));
    }
    let _ = parse_revocation_response(&config, &response, now);
});
