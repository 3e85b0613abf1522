//! The token response parser on arbitrary status, headers and body.
#![no_main]

use ccauth::{parse_token_response, ClientConfig, HttpResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // First bytes pick the status and header values; the rest is the body.
    let (head, body) = data.split_at(data.len().min(4));
    let status = match head {
        [a, b, ..] => 100 + (u16::from(*a) << 8 | u16::from(*b)) % 500,
        _ => 200,
    };
    let pick = |i: usize, options: &[&str]| -> String {
        let n = head.get(i).copied().unwrap_or(0) as usize;
        options[n % options.len()].to_owned()
    };
    let headers = vec![
        ("Content-Type".to_owned(), pick(2, &["application/json", "text/html", "application/x-www-form-urlencoded", "text/plain", ""])),
        ("Retry-After".to_owned(), pick(3, &["30", "Wed, 21 Oct 2015 07:28:00 GMT", "-1", "99999999999999999999", ""])),
        ("WWW-Authenticate".to_owned(), String::from_utf8_lossy(body.get(..body.len().min(64)).unwrap_or_default()).into_owned()),
        ("Date".to_owned(), "Wed, 21 Oct 2015 07:27:00 GMT".to_owned()),
    ];
    let config = ClientConfig::builder("https://as.example.com/token", "client")
        .client_secret("secret")
        .max_response_bytes(4096)
        .build()
        .unwrap();
    let response = HttpResponse::new(status, headers, body.to_vec());
    match parse_token_response(&config, &response, 1_700_000_000_000) {
        Ok(token) => assert!(token.refresh_at_ms() <= token.expires_at_ms()),
        Err(error) => {
            let _ = (error.code(), error.to_string(), error.is_retryable());
        }
    }
});
