//! Property tests: encodings round-trip, and the parser survives any input.

use base64::Engine as _;
use ccauth::{
    build_token_request, parse_token_response, parse_www_authenticate, ClientAuthMethod,
    ClientConfig, HttpResponse,
};
use proptest::prelude::*;

/// Client ids and secrets as users type them: any Unicode but control characters.
fn credential() -> impl Strategy<Value = String> {
    "[^\\p{Cc}]{1,40}"
}

fn form_decode(text: &str) -> String {
    // A form-encoded `a` decodes as the name of the single pair `a=`.
    form_urlencoded::parse(format!("{text}=").as_bytes())
        .next()
        .map(|(name, _)| name.into_owned())
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// RFC 6749 §2.3.1: what a spec-following server decodes is exactly what was configured.
    #[test]
    fn basic_credentials_round_trip(id in credential(), secret in credential()) {
        let config = ClientConfig::builder("https://as.example.com/token", id.clone())
            .client_secret(secret.clone())
            .build()
            .unwrap();
        let request = build_token_request(&config).unwrap();
        let header = request.header("Authorization").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(header.strip_prefix("Basic ").unwrap())
            .unwrap();
        let decoded = String::from_utf8(decoded).unwrap();
        let (encoded_id, encoded_secret) = decoded.split_once(':').unwrap();
        prop_assert_eq!(form_decode(encoded_id), id);
        prop_assert_eq!(form_decode(encoded_secret), secret);
        let debug = format!("{:?}", request);
        prop_assert!(!debug.contains(header));
    }

    /// client_secret_post and extra parameters survive form encoding.
    #[test]
    fn form_body_round_trips(id in credential(), secret in credential(), extra in ".{0,30}") {
        let config = ClientConfig::builder("https://as.example.com/token", id.clone())
            .client_secret(secret.clone())
            .auth_method(ClientAuthMethod::ClientSecretPost)
            .extra_body_param("x", extra.clone())
            .build()
            .unwrap();
        let request = build_token_request(&config).unwrap();
        let pairs: Vec<(String, String)> = form_urlencoded::parse(request.body())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let expected = vec![
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("client_id".to_owned(), id),
            ("client_secret".to_owned(), secret),
            ("x".to_owned(), extra),
        ];
        prop_assert_eq!(pairs, expected);
    }

    /// The parser never panics, whatever the status, headers and body.
    #[test]
    fn parser_never_panics(
        status in 0u16..1000,
        headers in proptest::collection::vec(
            (prop_oneof![
                Just("Content-Type".to_owned()),
                Just("WWW-Authenticate".to_owned()),
                Just("Retry-After".to_owned()),
                Just("Date".to_owned()),
                ".{0,12}",
            ], ".{0,80}"),
            0..5,
        ),
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..300),
            ".{0,300}".prop_map(String::into_bytes),
            json_like().prop_map(String::into_bytes),
        ],
        now_ms in any::<u64>(),
    ) {
        let config = ClientConfig::builder("https://as.example.com/token", "client")
            .client_secret("secret")
            .build()
            .unwrap();
        let response = HttpResponse::new(status, headers, body);
        match parse_token_response(&config, &response, now_ms) {
            Ok(token) => {
                prop_assert!(token.expires_at_ms() >= token.refresh_at_ms());
                let _ = format!("{token:?}");
            }
            Err(error) => {
                prop_assert!(!error.code().is_empty());
                let _ = format!("{error} {error:?}");
            }
        }
    }

    /// Config validation (the hand-written URL reader included) never panics.
    #[test]
    fn config_validation_never_panics(endpoint in "(https?://)?[\\PC]{0,40}", resource in "[\\PC]{0,20}") {
        let _ = ClientConfig::builder(endpoint, "client")
            .client_secret("secret")
            .resource(resource)
            .extra_query_param("q", "v")
            .build();
    }

    /// The WWW-Authenticate parser terminates on any input.
    #[test]
    fn challenge_parser_never_panics(value in ".{0,200}") {
        let _ = parse_www_authenticate([value.as_str()]);
    }
}

/// Token-response-shaped JSON with hostile values.
fn json_like() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| if f.is_finite() {
            f.to_string()
        } else {
            "1e308".to_owned()
        }),
        ".{0,20}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just("[\"a\",1]".to_owned()),
        Just("{}".to_owned()),
        Just("\"1e400\"".to_owned()),
        Just("\"eyJhbGciOiJub25lIn0.eyJleHAiOjF9.x\"".to_owned()),
    ];
    let key = prop_oneof![
        Just("access_token"),
        Just("token_type"),
        Just("expires_in"),
        Just("expires_on"),
        Just("scope"),
        Just("refresh_in"),
        Just("error"),
        Just("error_description"),
        Just("other"),
    ];
    proptest::collection::vec((key, value), 0..8).prop_map(|fields| {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", body.join(","))
    })
}
