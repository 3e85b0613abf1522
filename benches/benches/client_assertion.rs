//! Signing a token request (private_key_jwt, DPoP), ccauth beside the
//! hand-rolled alternative a Rust user has: oauth2-rs has no JWT client
//! authentication, so one signs the assertion with `jsonwebtoken` (ring) and
//! adds it to the form. Same keys, same claims, one run; ratios with
//! `scripts/bench-report.sh`.

use std::hint::black_box;

use ccauth::{build_token_request_at, ClientConfig, PrivateKey, RequestContext};
use criterion::{criterion_group, criterion_main, Criterion};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

const ENDPOINT: &str = "https://as.example.com/oauth2/token";
const NOW_MS: u64 = 1_700_000_000_000;
const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/keys/");

fn key_text(file: &str) -> String {
    std::fs::read_to_string(format!("{KEYS}{file}")).unwrap()
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    jti: String,
    iat: u64,
    exp: u64,
}

/// The hand-rolled side: claims with a fresh jti, signed, then the form body.
fn jsonwebtoken_request(key: &EncodingKey, alg: Algorithm, counter: &mut u64) -> String {
    *counter += 1;
    let claims = Claims {
        iss: "my-service",
        sub: "my-service",
        aud: ENDPOINT,
        jti: format!("{counter:032x}"),
        iat: NOW_MS / 1000,
        exp: NOW_MS / 1000 + 60,
    };
    let jwt = jsonwebtoken::encode(&Header::new(alg), &claims, key).unwrap();
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", "my-service")
        .append_pair("scope", "api.read")
        .append_pair(
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        )
        .append_pair("client_assertion", &jwt)
        .finish()
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("signed_request");
    for (name, file, alg) in [
        ("ES256", "p256.pem", Algorithm::ES256),
        ("EdDSA", "ed25519.pem", Algorithm::EdDSA),
        ("RS256", "rsa.pem", Algorithm::RS256),
    ] {
        let pem = key_text(file);
        let config = ClientConfig::builder(ENDPOINT, "my-service")
            .auth_method(ccauth::ClientAuthMethod::PrivateKeyJwt)
            .private_key(PrivateKey::parse(&pem, None, "private_key").unwrap())
            .scope("api.read")
            .build()
            .unwrap();
        let mut seed = 0u8;
        group.bench_function(format!("ccauth/private_key_jwt/{name}"), |b| {
            b.iter(|| {
                seed = seed.wrapping_add(1);
                let context = RequestContext {
                    now_ms: NOW_MS,
                    entropy: [seed; 32],
                    dpop_nonce: None,
                };
                build_token_request_at(black_box(&config), &context)
            })
        });
        let key = match alg {
            Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(pem.as_bytes()),
            _ => EncodingKey::from_rsa_pem(pem.as_bytes()),
        }
        .unwrap();
        let mut counter = 0;
        group.bench_function(format!("jsonwebtoken/private_key_jwt/{name}"), |b| {
            b.iter(|| jsonwebtoken_request(black_box(&key), alg, &mut counter))
        });
    }
    // A DPoP proof per API call (RFC 9449 §7): the cost on the hot path of a DPoP client.
    let key = PrivateKey::parse(&key_text("p256.pem"), None, "dpop_key").unwrap();
    let config = ClientConfig::builder(ENDPOINT, "my-service")
        .client_secret("s3cr3t")
        .dpop_key(key)
        .build()
        .unwrap();
    let (mut manager, token_key) = ccauth::TokenManager::with_config(config, 7);
    group.bench_function("ccauth/dpop_api_proof/ES256", |b| {
        b.iter(|| {
            manager
                .dpop_proof(
                    token_key,
                    black_box("access-token-value"),
                    "GET",
                    "https://api.example.com/orders",
                    NOW_MS,
                )
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(signing, benches);
criterion_main!(signing);
