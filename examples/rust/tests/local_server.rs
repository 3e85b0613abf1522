//! The Rust driver against a real authorization server (node-oidc-provider)
//! that this test starts on 127.0.0.1. No mocks: tokens, Basic decoding and
//! errors all come from a certified OpenID provider.

use std::sync::OnceLock;

use ccauth::{BasicAuthEncoding, ClientAuthMethod, ClientConfig};
use ccauth_example::{agent, call_api, fetch_token, now_ms, DriverError, SharedTokens};

mod common;

use common::Server;

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| common::start(&["--short-ttl", "4"]))
}

/// The secret of `ccauth-basic` holds every character RFC 6749 §2.3.1 encoding must handle.
const BASIC_SECRET: &str = "s3cr3t+/:%&= \"~*";

fn config(client_id: &str, secret: &str, method: ClientAuthMethod) -> ccauth::ClientConfigBuilder {
    ClientConfig::builder(&server().token_endpoint, client_id)
        .client_secret(secret)
        .auth_method(method)
        .scope("api.read")
}

#[test]
fn client_secret_basic_gets_a_token_the_api_accepts() {
    let agent = agent();
    let config = config(
        "ccauth-basic",
        BASIC_SECRET,
        ClientAuthMethod::ClientSecretBasic,
    )
    .build()
    .unwrap();
    let token = fetch_token(&agent, &config).unwrap();
    assert!(token.is_bearer());
    assert!(token.expires_at_ms() > token.issued_at_ms());
    let (status, body) = call_api(&agent, &server().api, &token).unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ccauth-basic"), "{body}");
}

#[test]
fn client_secret_post_gets_a_token_the_api_accepts() {
    let agent = agent();
    let config = config(
        "ccauth-post",
        "post-secret-0123456789",
        ClientAuthMethod::ClientSecretPost,
    )
    .build()
    .unwrap();
    let token = fetch_token(&agent, &config).unwrap();
    let (status, body) = call_api(&agent, &server().api, &token).unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ccauth-post"), "{body}");
}

#[test]
fn wrong_secret_is_invalid_client() {
    let agent = agent();
    for method in [
        ClientAuthMethod::ClientSecretBasic,
        ClientAuthMethod::ClientSecretPost,
    ] {
        let client_id = if method == ClientAuthMethod::ClientSecretBasic {
            "ccauth-basic"
        } else {
            "ccauth-post"
        };
        let config = config(client_id, "wrong-secret-value", method)
            .build()
            .unwrap();
        match fetch_token(&agent, &config) {
            Err(DriverError::Token(error)) => {
                assert_eq!(error.code(), "TOKEN_ENDPOINT_ERROR");
                assert_eq!(error.error(), Some("invalid_client"));
                assert!(!error.is_retryable());
                assert!(!format!("{error} {error:?}").contains("wrong-secret-value"));
            }
            other => panic!("{method}: want invalid_client, got {other:?}"),
        }
    }
}

#[test]
fn raw_basic_encoding_is_rejected_by_a_spec_following_server() {
    // The same secret, not form-urlencoded first: a server that decodes per
    // RFC 6749 §2.3.1 reads a different secret. Proves the default matters.
    let config = config(
        "ccauth-basic",
        BASIC_SECRET,
        ClientAuthMethod::ClientSecretBasic,
    )
    .basic_auth_encoding(BasicAuthEncoding::Raw)
    .build()
    .unwrap();
    // node-oidc-provider answers `invalid_request` ("not properly encoded"):
    // `%&=` is not valid form encoding. Either way the token is refused.
    match fetch_token(&agent(), &config) {
        Err(DriverError::Token(error)) => {
            assert_eq!(error.code(), "TOKEN_ENDPOINT_ERROR");
            assert!(
                matches!(error.error(), Some("invalid_request" | "invalid_client")),
                "{error}"
            );
        }
        other => panic!("want a token endpoint error, got {other:?}"),
    }
}

#[test]
fn an_invalid_token_is_refused_by_the_api_with_a_bearer_challenge() {
    let agent = agent();
    let response = agent
        .get(&server().api)
        .header("Authorization", "Bearer not-a-real-token")
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let header = response
        .headers()
        .get("www-authenticate")
        .unwrap()
        .to_str()
        .unwrap();
    let challenges = ccauth::parse_www_authenticate([header]);
    assert!(challenges[0].is_scheme("Bearer"));
    assert_eq!(challenges[0].param("error"), Some("invalid_token"));
}

/// The server's own count of token requests from `client_id`.
fn token_requests(client_id: &str) -> u64 {
    server().token_requests(client_id)
}

/// 200 threads ask at the same moment, then keep asking for 10 s while the
/// 4 s tokens expire: the server must see one token request per refresh.
#[test]
fn two_hundred_threads_share_one_fetch_per_refresh() {
    const THREADS: usize = 200;
    const RUN_MS: u64 = 10_000;
    let config = config(
        "ccauth-short",
        "short-secret-0123456789",
        ClientAuthMethod::ClientSecretBasic,
    )
    .build()
    .unwrap();
    let tokens = SharedTokens::new(config, agent());
    let before = token_requests("ccauth-short");
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(THREADS));
    let first_wave_done = std::sync::Arc::new(std::sync::Barrier::new(THREADS + 1));
    let start = now_ms();
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (tokens, barrier, wave) =
                (tokens.clone(), barrier.clone(), first_wave_done.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let first = tokens.token().expect("first token");
                assert!(!first.is_expired(now_ms()));
                wave.wait();
                let mut served = 1u64;
                let mut values = std::collections::BTreeSet::new();
                while now_ms() - start < RUN_MS {
                    let token = tokens.token().expect("token");
                    assert!(
                        !token.is_expired(now_ms()),
                        "an expired token was handed out"
                    );
                    values.insert(token.value().expose_secret().to_owned());
                    served += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                (served, values)
            })
        })
        .collect();
    first_wave_done.wait();
    let after_first_wave = token_requests("ccauth-short") - before;
    let mut served = 0;
    let mut distinct = std::collections::BTreeSet::new();
    for handle in handles {
        let (n, values) = handle.join().unwrap();
        served += n;
        distinct.extend(values);
    }
    std::thread::sleep(std::time::Duration::from_millis(500)); // let a last background refresh land
    let fetches = token_requests("ccauth-short") - before;
    eprintln!(
        "[single-flight] {THREADS} threads, {served} tokens served in {RUN_MS} ms: \
         {after_first_wave} token request(s) for the first wave, {fetches} in all, {} distinct tokens",
        distinct.len()
    );
    assert_eq!(
        after_first_wave, 1,
        "the first wave of {THREADS} threads must share one fetch"
    );
    // 4 s tokens refresh 2 s early, jittered up to 0.5 s: at most one fetch per 1.5 s.
    assert!(fetches >= 4, "refreshes should have happened: {fetches}");
    assert!(
        fetches <= 1 + RUN_MS / 1_500 + 1,
        "too many token requests: {fetches}"
    );
}

/// 200 threads released at once on a client with no usable token, 20 times
/// over: the server must count exactly one token request each time. (A
/// client no other test here uses: tests run in parallel, and the server's
/// count is per client.)
#[test]
fn two_hundred_threads_at_once_make_exactly_one_request_every_time() {
    const THREADS: usize = 200;
    const REPETITIONS: usize = 20;
    const CLIENT: &str = "ccauth-secret-jwt";
    let mut counts = Vec::new();
    for _ in 0..REPETITIONS {
        let config = config(
            CLIENT,
            "jwt-secret-0123456789-0123456789-abcdef",
            ClientAuthMethod::ClientSecretJwt,
        )
        .build()
        .unwrap();
        let tokens = SharedTokens::new(config, agent());
        let before = token_requests(CLIENT);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let (tokens, barrier) = (tokens.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let token = tokens.token().expect("token");
                    token.value().expose_secret().to_owned()
                })
            })
            .collect();
        let values: std::collections::BTreeSet<String> =
            handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(values.len(), 1, "every thread got the same token");
        counts.push(token_requests(CLIENT) - before);
    }
    eprintln!("[single-flight] {THREADS} threads x {REPETITIONS}: token requests per repetition {counts:?}");
    assert!(
        counts.iter().all(|&n| n == 1),
        "token requests per repetition: {counts:?}"
    );
}

/// The listener sees the lifecycle against the real server: a fetch and its
/// token, then a wrong secret's failure with its cool-down, then the drop
/// of a token the API refused; no event shows a secret or a token.
#[test]
fn lifecycle_events_reach_the_listener_without_secrets() {
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Vec<ccauth::LifecycleEvent>>> = Arc::default();
    let listener = |seen: &Arc<Mutex<Vec<ccauth::LifecycleEvent>>>| {
        let seen = Arc::clone(seen);
        Box::new(move |e: &ccauth::LifecycleEvent| seen.lock().unwrap().push(e.clone()))
            as ccauth_example::Listener
    };
    let good = config(
        "ccauth-post",
        "post-secret-0123456789",
        ClientAuthMethod::ClientSecretPost,
    )
    .build()
    .unwrap();
    let tokens = SharedTokens::with_listener(good, agent(), Some(listener(&seen)));
    let token = tokens.token().unwrap();
    assert!(tokens.invalidate(&token, Some(r#"Bearer error="invalid_token""#)));
    let wrong = config(
        "ccauth-post",
        "wrong-secret-value",
        ClientAuthMethod::ClientSecretPost,
    )
    .build()
    .unwrap();
    let failing = SharedTokens::with_listener(wrong, agent(), Some(listener(&seen)));
    assert!(failing.token().is_err());
    let events = seen.lock().unwrap().clone();
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        names,
        [
            "fetch_started",
            "fetch_succeeded",
            "token_invalidated",
            "fetch_started",
            "fetch_failed"
        ]
    );
    let failed = &events[4];
    assert_eq!(failed.error.as_deref(), Some("invalid_client"));
    assert_eq!(failed.status, Some(401));
    assert!(failed.until_ms.unwrap() > failed.at_ms);
    assert_eq!(events[2].reason, Some("user"));
    for event in &events {
        let json = event.to_json();
        for secret in [
            "post-secret-0123456789",
            "wrong-secret-value",
            token.value().expose_secret(),
        ] {
            assert!(!json.contains(secret), "{json}");
        }
    }
}
