//! JWT client authentication, discovery, DPoP, revocation and introspection
//! against node-oidc-provider on 127.0.0.1 (tests/server): every token here
//! is issued, bound, revoked and introspected by the real server.

use std::sync::OnceLock;

use ccauth::{
    add_client_assertion, build_introspection_request, build_metadata_request,
    build_revocation_request, build_token_request_at, parse_introspection_response,
    parse_metadata_response, parse_revocation_response, AccessToken, ClientAuthMethod,
    ClientConfig, MetadataKind, PrivateKey, RequestContext, TokenTypeHint,
};
use ccauth_example::{agent, entropy, fetch_token, now_ms, send, DriverError, SharedTokens};
use serde_json::Value;

mod common;

use common::{repo_root, Server};

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| common::start(&[]))
}

fn key(file: &str) -> PrivateKey {
    let text = std::fs::read_to_string(repo_root().join("tests/vectors/keys").join(file)).unwrap();
    PrivateKey::parse(&text, None, "private_key").unwrap()
}

fn token_requests(client_id: &str) -> u64 {
    let body = agent()
        .get(&server().stats)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let stats: Value = serde_json::from_str(&body).unwrap();
    stats["token_requests_by_client"][client_id]
        .as_u64()
        .unwrap_or(0)
}

/// GET the API with `authorization` (and a DPoP proof): status, DPoP-Nonce, body.
fn call(authorization: &str, proof: Option<&str>) -> (u16, Option<String>, Option<String>, String) {
    let mut call = agent()
        .get(&server().api)
        .header("Authorization", authorization);
    if let Some(proof) = proof {
        call = call.header("DPoP", proof);
    }
    let mut response = call.call().unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (nonce, challenge) = (header("dpop-nonce"), header("www-authenticate"));
    (
        response.status().as_u16(),
        nonce,
        challenge,
        response.body_mut().read_to_string().unwrap(),
    )
}

fn bearer_call(token: &AccessToken) -> (u16, String) {
    let (status, _, _, body) = call(token.authorization_header().expose_secret(), None);
    (status, body)
}

#[test]
fn every_jwt_method_gets_a_token_the_api_accepts() {
    let s = server();
    let configs = [
        ClientConfig::builder(&s.token_endpoint, "ccauth-secret-jwt")
            .auth_method(ClientAuthMethod::ClientSecretJwt)
            .client_secret("jwt-secret-0123456789-0123456789-abcdef"),
        ClientConfig::builder(&s.token_endpoint, "ccauth-rs256")
            .auth_method(ClientAuthMethod::PrivateKeyJwt)
            .private_key(key("rsa.pem")),
        ClientConfig::builder(&s.token_endpoint, "ccauth-es256")
            .auth_method(ClientAuthMethod::PrivateKeyJwt)
            .private_key(key("p256.jwk.json"))
            .assertion_audience(&s.issuer),
        ClientConfig::builder(&s.token_endpoint, "ccauth-eddsa")
            .auth_method(ClientAuthMethod::PrivateKeyJwt)
            .private_key(key("ed25519.pem")),
    ];
    for builder in configs {
        let config = builder.scope("api.read").build().unwrap();
        let client = config.client_id().to_owned();
        let token = fetch_token(&agent(), &config).unwrap_or_else(|e| panic!("{client}: {e:?}"));
        let (status, body) = bearer_call(&token);
        assert_eq!(status, 200, "{client}: {body}");
        assert!(body.contains(&client), "{body}");
    }
    // The wrong key is refused by the server: the signature is really checked.
    let config = ClientConfig::builder(&s.token_endpoint, "ccauth-es256")
        .auth_method(ClientAuthMethod::PrivateKeyJwt)
        .private_key(PrivateKey::generate_p256(&entropy()).unwrap())
        .build()
        .unwrap();
    match fetch_token(&agent(), &config) {
        Err(DriverError::Token(e)) => assert_eq!(e.error(), Some("invalid_client")),
        other => panic!("a foreign key must be refused: {other:?}"),
    }
}

#[test]
fn discovery_from_the_issuer_only_picks_the_endpoint_and_method() {
    let s = server();
    for kind in [MetadataKind::OAuth, MetadataKind::OpenId] {
        let request = build_metadata_request(&s.issuer, kind, false).unwrap();
        let response = send(&agent(), &request, 1 << 20).unwrap();
        let metadata = parse_metadata_response(&s.issuer, &response, now_ms()).unwrap();
        assert_eq!(metadata.token_endpoint, s.token_endpoint);
        // Only the issuer, the client id and a key: the rest comes from the metadata.
        let config = ClientConfig::builder("", "ccauth-eddsa")
            .private_key(key("ed25519.pem"))
            .server_metadata(metadata)
            .scope("api.read")
            .build()
            .unwrap();
        assert_eq!(config.auth_method(), ClientAuthMethod::PrivateKeyJwt);
        let token = fetch_token(&agent(), &config).unwrap();
        assert_eq!(bearer_call(&token).0, 200);
    }
    // A document for another issuer is refused (RFC 8414 §3.3).
    let request = build_metadata_request(&s.issuer, MetadataKind::OAuth, false).unwrap();
    let response = send(&agent(), &request, 1 << 20).unwrap();
    let err = parse_metadata_response("http://127.0.0.1:1", &response, now_ms()).unwrap_err();
    assert_eq!(err.code(), "ISSUER_MISMATCH");
}

#[test]
fn dpop_bound_token_with_the_nonce_dance_and_a_protected_call() {
    let s = server();
    let config = ClientConfig::builder(&s.token_endpoint, "ccauth-dpop")
        .client_secret("dpop-secret-0123456789")
        .dpop_key(PrivateKey::generate_p256(&entropy()).unwrap())
        .scope("api.read")
        .build()
        .unwrap();
    let before = token_requests("ccauth-dpop");
    let tokens = SharedTokens::new(config, agent());
    // The server demands a nonce: the manager retries once with it, by itself.
    let token = tokens.token().unwrap();
    assert_eq!(token.token_type(), "DPoP");
    assert!(token
        .authorization_header()
        .expose_secret()
        .starts_with("DPoP "));
    assert_eq!(
        token_requests("ccauth-dpop") - before,
        2,
        "one use_dpop_nonce answer, one token"
    );

    // As a bearer token it is refused; with a proof the API asks for its nonce, then accepts.
    let (status, ..) = call(&format!("Bearer {}", token.value().expose_secret()), None);
    assert_eq!(status, 401);
    let authorization = token.authorization_header();
    let proof = tokens.dpop_proof(&token, "GET", &s.api).unwrap();
    let (status, nonce, challenge, _) = call(authorization.expose_secret(), Some(&proof));
    assert_eq!(status, 401);
    assert!(challenge.unwrap().contains("use_dpop_nonce"));
    assert!(tokens.remember_dpop_nonce(&s.api, &nonce.unwrap()));
    let proof = tokens.dpop_proof(&token, "GET", &s.api).unwrap();
    let (status, _, _, body) = call(authorization.expose_secret(), Some(&proof));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""dpop":true"#), "{body}");
    // The nonce is remembered: the next proof is accepted at once.
    let proof = tokens
        .dpop_proof(&token, "GET", &format!("{}?again=1", s.api))
        .unwrap();
    assert_eq!(call(authorization.expose_secret(), Some(&proof)).0, 200);
}

#[test]
fn revoked_token_gets_401_then_a_new_token_and_introspection_tells_both() {
    let s = server();
    let config = ClientConfig::builder(&s.token_endpoint, "ccauth-secret-jwt")
        .auth_method(ClientAuthMethod::ClientSecretJwt)
        .client_secret("jwt-secret-0123456789-0123456789-abcdef")
        .scope("api.read")
        .build()
        .unwrap();
    let tokens = SharedTokens::new(config.clone(), agent());
    let context = || RequestContext {
        now_ms: now_ms(),
        entropy: entropy(),
        dpop_nonce: None,
    };
    let introspect = |token: &AccessToken| {
        let request = build_introspection_request(
            &config,
            &s.introspection_endpoint,
            token.value().expose_secret(),
            Some(TokenTypeHint::AccessToken),
            &context(),
        )
        .unwrap();
        parse_introspection_response(
            &config,
            &send(&agent(), &request, 1 << 20).unwrap(),
            now_ms(),
        )
        .unwrap()
    };
    let first = tokens.token().unwrap();
    assert_eq!(bearer_call(&first).0, 200);
    let seen = introspect(&first);
    assert!(seen.active());
    assert_eq!(seen.client_id(), Some("ccauth-secret-jwt"));

    let request = build_revocation_request(
        &config,
        &s.revocation_endpoint,
        first.value().expose_secret(),
        Some(TokenTypeHint::AccessToken),
        &context(),
    )
    .unwrap();
    parse_revocation_response(
        &config,
        &send(&agent(), &request, 1 << 20).unwrap(),
        now_ms(),
    )
    .unwrap();
    assert!(!introspect(&first).active());

    let (status, _, challenge, _) = call(first.authorization_header().expose_secret(), None);
    assert_eq!(status, 401);
    assert!(
        tokens.invalidate(&first, challenge.as_deref()),
        "invalid_token drops it"
    );
    let second = tokens.token().unwrap();
    assert_ne!(
        second.value().expose_secret(),
        first.value().expose_secret()
    );
    assert_eq!(bearer_call(&second).0, 200);
    assert!(introspect(&second).active());
}

#[test]
fn an_external_assertion_is_read_per_request_and_never_sent_expired() {
    let s = server();
    // The "workload identity": a JWT minted elsewhere (here by a second,
    // key-holding config) and left in a file, as a Kubernetes token would be.
    let minter = ClientConfig::builder(&s.token_endpoint, "ccauth-es256")
        .auth_method(ClientAuthMethod::PrivateKeyJwt)
        .private_key(key("p256.pem"))
        .build()
        .unwrap();
    let mint = |now: u64| {
        let request = build_token_request_at(
            &minter,
            &RequestContext {
                now_ms: now,
                entropy: entropy(),
                dpop_nonce: None,
            },
        );
        form_assertion(request.body())
    };
    let config = ClientConfig::builder(&s.token_endpoint, "ccauth-es256")
        .auth_method(ClientAuthMethod::PrivateKeyJwt)
        .external_client_assertion(true)
        .scope("api.read")
        .build()
        .unwrap();
    let file = std::env::temp_dir().join(format!("ccauth-assertion-{}", std::process::id()));
    for _ in 0..2 {
        std::fs::write(&file, mint(now_ms())).unwrap();
        let template = build_token_request_at(
            &config,
            &RequestContext {
                now_ms: now_ms(),
                entropy: entropy(),
                dpop_nonce: None,
            },
        );
        let assertion = std::fs::read_to_string(&file).unwrap();
        let request = add_client_assertion(&config, &template, &assertion, now_ms()).unwrap();
        let response = send(&agent(), &request, 1 << 20).unwrap();
        let token = ccauth::parse_token_response(&config, &response, now_ms()).unwrap();
        assert_eq!(bearer_call(&token).0, 200);
    }
    std::fs::write(&file, mint(now_ms() - 3_600_000)).unwrap();
    let template = build_token_request_at(
        &config,
        &RequestContext {
            now_ms: now_ms(),
            entropy: entropy(),
            dpop_nonce: None,
        },
    );
    let stale = std::fs::read_to_string(&file).unwrap();
    let err = add_client_assertion(&config, &template, &stale, now_ms()).unwrap_err();
    assert_eq!(err.code(), "INVALID_CLIENT_ASSERTION");
    let _ = std::fs::remove_file(&file);
}

fn form_assertion(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .split('&')
        .find_map(|pair| pair.strip_prefix("client_assertion="))
        .unwrap()
        .to_owned()
}
