//! The driver against hostile endpoints: a token response of hundreds of MiB
//! (chunked, or announced by Content-Length) and a port nobody listens on.
//! Its own test binary, so no other test's allocations blur the memory figure.

mod common;

use ccauth::{ClientConfig, Error, TransportErrorKind};
use ccauth_example::{agent, fetch_token, DriverError, SharedTokens};

/// Peak resident memory of this process so far (VmHWM, Linux): its growth
/// over a call is the most the call held at once.
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

fn last_stream(server: &common::Server) -> serde_json::Value {
    let body = agent()
        .get(&format!("{}/stats", server.oversized))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let streams: serde_json::Value = serde_json::from_str(&body).unwrap();
    streams.as_array().unwrap().last().unwrap().clone()
}

#[test]
fn oversized_token_responses_stop_at_the_limit_and_close_the_connection() {
    let server = common::start(&[]);
    for (query, label) in [
        ("mib=256", "chunked"),
        ("mib=256&length=declared", "declared"),
    ] {
        let endpoint = format!("{}/token?{query}", server.oversized);
        let config = ClientConfig::builder(endpoint, "ccauth-basic")
            .client_secret("basic-secret-0123456789")
            .build()
            .unwrap();
        let before = peak_rss_bytes();
        let error = match fetch_token(&agent(), &config) {
            Err(DriverError::Token(error)) => error,
            other => panic!("{label}: want RESPONSE_TOO_LARGE, got {other:?}"),
        };
        let grown = peak_rss_bytes().saturating_sub(before);
        assert_eq!(error.code(), "RESPONSE_TOO_LARGE", "{label}");
        // The server notices the close a moment later.
        std::thread::sleep(std::time::Duration::from_millis(300));
        let stream = last_stream(&server);
        eprintln!(
            "[oversized {label}] peak RSS +{:.1} MiB; server sent {:.1} MiB of 256 MiB, closed early: {}",
            grown as f64 / 1048576.0,
            stream["bytes_sent"].as_f64().unwrap() / 1048576.0,
            stream["closed_early"]
        );
        assert!(
            grown < 32 * 1024 * 1024,
            "{label}: peak RSS grew by {grown} bytes"
        );
        assert_eq!(
            stream["closed_early"], true,
            "{label}: the connection was drained"
        );
        assert!(
            stream["bytes_sent"].as_u64().unwrap() < 64 * 1024 * 1024,
            "{label}"
        );
    }
}

#[test]
fn a_refused_connection_is_a_connect_error_before_sending() {
    // A port that was free a moment ago: nobody listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = ClientConfig::builder(format!("http://127.0.0.1:{port}/token"), "client")
        .client_secret("secret-0123456789")
        .build()
        .unwrap();
    let tokens = SharedTokens::new(config, agent());
    let error = match tokens.token() {
        Err(DriverError::Lifecycle(Error::Transport(error))) => error,
        Err(DriverError::Lifecycle(other)) => panic!("want a transport error, got {other:?}"),
        other => panic!("want a transport error, got {:?}", other.map(|_| "a token")),
    };
    assert_eq!(error.kind(), TransportErrorKind::Connect);
    assert_eq!(error.cause(), Some("ConnectionRefused"));
    assert_eq!(error.request_sent(), Some(false));
    assert!(
        error.to_string().contains("before the request was sent"),
        "{error}"
    );
}
