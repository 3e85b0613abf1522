//! Token request building and response parsing, ccauth beside oauth2-rs.
//!
//! oauth2-rs is what a Rust user would otherwise pick. It has no sans-IO
//! split, so its side is measured through a stub HTTP client that returns the
//! same canned response: build + parse for both, in one run. Print ratios
//! with `scripts/bench-report.sh`.

use std::hint::black_box;

use ccauth::{
    build_token_request, parse_token_response, ClientConfig, HttpResponse, TokenDecision,
    TokenManager,
};
use criterion::{criterion_group, criterion_main, Criterion};
use oauth2::basic::BasicClient;
use oauth2::{ClientId, ClientSecret, Scope, TokenUrl};

const ENDPOINT: &str = "https://as.example.com/oauth2/token";
const NOW_MS: u64 = 1_700_000_000_000;

/// A typical ~1 KB success response: a JWT access token and a few extras.
fn typical_body() -> String {
    let payload = "eyJpc3MiOiJodHRwczovL2FzLmV4YW1wbGUuY29tIiwic3ViIjoibXktc2VydmljZSIsImF1ZCI6Imh0dHBzOi8vYXBpLmV4YW1wbGUuY29tIiwiZXhwIjoxNzAwMDAzNjAwLCJpYXQiOjE3MDAwMDAwMDAsImp0aSI6IjAxSEZYNEQ1NjdWUDhKWUJXTkE2TkRHOVpIIiwic2NvcGUiOiJhcGkucmVhZCBhcGkud3JpdGUiLCJjbGllbnRfaWQiOiJteS1zZXJ2aWNlIn0";
    let signature = "x".repeat(460);
    let token =
        format!("eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImsxIn0.{payload}.{signature}");
    let body = format!(
        r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":3600,"scope":"api.read api.write","ext_expires_in":3600,"issued_token_type":"urn:ietf:params:oauth:token-type:access_token"}}"#
    );
    assert!(
        (900..1200).contains(&body.len()),
        "body is {} bytes",
        body.len()
    );
    body
}

fn ccauth_config() -> ClientConfig {
    ClientConfig::builder(ENDPOINT, "my-service")
        .client_secret("s3cr3t-s3cr3t-s3cr3t")
        .scopes(["api.read", "api.write"])
        .build()
        .unwrap()
}

fn benches(c: &mut Criterion) {
    let body = typical_body();
    let config = ccauth_config();
    let response = HttpResponse::new(
        200,
        vec![("Content-Type".into(), "application/json".into())],
        body.clone().into_bytes(),
    );

    let mut group = c.benchmark_group("token");
    group.bench_function("ccauth/build_request", |b| {
        b.iter(|| build_token_request(black_box(&config)).unwrap())
    });
    group.bench_function("ccauth/parse_response", |b| {
        b.iter(|| parse_token_response(black_box(&config), black_box(&response), NOW_MS).unwrap())
    });
    group.bench_function("ccauth/build_and_parse", |b| {
        b.iter(|| {
            // Same work as the stub below: the host hands over a fresh body each time.
            let request = build_token_request(black_box(&config)).unwrap();
            black_box(request.body().len());
            let response = HttpResponse::new(
                200,
                vec![("Content-Type".into(), "application/json".into())],
                body.clone().into_bytes(),
            );
            parse_token_response(&config, black_box(&response), NOW_MS).unwrap()
        })
    });

    let client = BasicClient::new(ClientId::new("my-service".into()))
        .set_client_secret(ClientSecret::new("s3cr3t-s3cr3t-s3cr3t".into()))
        .set_token_uri(TokenUrl::new(ENDPOINT.into()).unwrap());
    let stub = |request: http::Request<Vec<u8>>| -> Result<http::Response<Vec<u8>>, std::convert::Infallible> {
        black_box(request.body().len());
        Ok(http::Response::builder()
            .status(200)
            .header("Content-Type", "application/json")
            .body(body.clone().into_bytes())
            .unwrap())
    };
    group.bench_function("oauth2-rs/build_and_parse", |b| {
        b.iter(|| {
            client
                .exchange_client_credentials()
                .add_scope(Scope::new("api.read".into()))
                .add_scope(Scope::new("api.write".into()))
                .request(&stub)
                .unwrap()
        })
    });

    // The hot path: a valid token is cached; every API call asks for it.
    let (mut manager, key) = TokenManager::with_config(ccauth_config(), 42);
    let TokenDecision::Fetch(ticket) = manager.poll(key, NOW_MS).unwrap() else {
        unreachable!()
    };
    let _ = manager.handle_response(ticket.id(), &response, NOW_MS);
    group.bench_function("ccauth/cached_token", |b| {
        b.iter(
            || match manager.poll(key, black_box(NOW_MS + 1_000)).unwrap() {
                TokenDecision::Ready(token) => token,
                other => panic!("{other:?}"),
            },
        )
    });
    group.finish();
}

criterion_group!(token, benches);
criterion_main!(token);
