//! The token response parser on arbitrary status, headers and body.
#![no_main]

use ccauth::{parse_token_response, ClientConfig, HttpResponse, PrivateKey};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "fuzz-client-secret-7f3a";
const P256_JWK: &str = r#"{"kty":"EC","crv":"P-256","x":"GxbB_7KWByHc2t4AYSYE8br2Gkl5fBmVNNWsE_C9ycs","y":"8NOsg5Yg6Rm7_l4R1mPsjWRRzRAZTf7UxZO25P5xt_k","d":"cgOxqpa9P3l4jONjY5Of4n0bjjrGF890Ub1pQQZ3xd0"}"#;

fuzz_target!(|data: &[u8]| {
    // First bytes pick the status, header values and config; the rest is the body.
    let (head, body) = data.split_at(data.len().min(7));
    let status = match head {
        [a, b, ..] => 100 + (u16::from(*a) << 8 | u16::from(*b)) % 500,
        _ => 200,
    };
    let byte = |i: usize| head.get(i).copied().unwrap_or(0);
    let pick = |i: usize, options: &[&str]| -> String {
        options[byte(i) as usize % options.len()].to_owned()
    };
    let mut headers = vec![
        ("Content-Type".to_owned(), pick(2, &["application/json", "text/html", "application/x-www-form-urlencoded", "text/plain", ""])),
        ("Retry-After".to_owned(), pick(3, &["30", "Wed, 21 Oct 2015 07:28:00 GMT", "-1", "99999999999999999999", ""])),
        ("WWW-Authenticate".to_owned(), String::from_utf8_lossy(body.get(..body.len().min(64)).unwrap_or_default()).into_owned()),
        ("Date".to_owned(), "Wed, 21 Oct 2015 07:27:00 GMT".to_owned()),
        ("DPoP-Nonce".to_owned(), pick(4, &["n-0S6_WzA2Mj", "", "bad nonce \"q\"", "eyJ.a.b"])),
    ];
    let length = pick(5, &["", "0", "4096", "4097", "99999999999999999999999", "-3", " 12 "]);
    if !length.is_empty() {
        headers.push(("Content-Length".to_owned(), length));
    }
    let mut builder = ClientConfig::builder("https://as.example.com/token", "client")
        .client_secret(SECRET)
        .max_response_bytes(4096);
    if byte(6) % 2 == 1 {
        builder = builder.dpop_key(PrivateKey::parse(P256_JWK, None, "dpop_key").unwrap());
    }
    let config = builder.build().unwrap();
    // Half the time behind a UTF-8 BOM.
    let body = if byte(6) & 2 == 2 {
        [b"\xEF\xBB\xBF".as_slice(), body].concat()
    } else {
        body.to_vec()
    };
    let response = HttpResponse::new(status, headers, body);
    match parse_token_response(&config, &response, 1_700_000_000_000) {
        Ok(token) => {
            assert!(token.refresh_at_ms() <= token.expires_at_ms());
            let kind = token.token_type();
            assert!(kind.eq_ignore_ascii_case("bearer") || kind.eq_ignore_ascii_case("dpop"));
        }
        Err(error) => {
            let text = format!("{error} {error:?}");
            assert!(!text.contains(SECRET), "the secret reached an error: {text}");
            assert!(error.extras().len() <= 32);
            for (name, value) in error.extras() {
                assert!(!matches!(name.as_str(), "access_token" | "refresh_token" | "id_token"));
                assert!(!value.to_string().contains(SECRET));
            }
            if let Some(description) = error.error_description() {
                assert!(description.chars().count() <= 2000);
                assert!(description.chars().all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')));
            }
            assert!(!error.to_string().contains('\n'), "the message is one line");
            if error.dpop_nonce().is_some() {
                assert!(error.is_retryable());
            }
            let _ = (error.code(), error.is_retryable());
        }
    }
});
