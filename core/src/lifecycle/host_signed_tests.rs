//! Host-signed keys give the same request bytes as keys the core holds: every
//! asymmetric case of the signing vectors, rebuilt with a host-signed key
//! whose signatures come from the same key (as DER for ECDSA, to exercise
//! the conversion), must match the pinned bytes.

use serde_json::{json, Value};

use crate::auth::jws::{derive, SigningPurpose};
use crate::auth::key::{JwsAlgorithm, PrivateKey};
use crate::auth::method::ClientAuthMethod;
use crate::config::ClientConfig;
use crate::endpoints::token_request::RequestContext;
use crate::endpoints::token_request::{build_token_request_at, prepare_token_request};
use crate::lifecycle::decision::{FetchOutcome, FetchTicket, TokenDecision};
use crate::lifecycle::manager::TokenManager;

const VECTORS: &str = include_str!("../../../tests/vectors/signing.json");

/// The host-signed stand-in for a key text: its algorithm and public JWK
/// (with the private JWK's `kid`, as a platform key would carry it).
fn host_signed(key_text: &Value, alg: Option<&str>) -> (Value, PrivateKey) {
    let text = key_text
        .as_str()
        .map_or_else(|| key_text.to_string(), str::to_owned);
    let alg = alg.and_then(|a| a.parse().ok());
    let key = PrivateKey::parse(&text, alg, "private_key").unwrap();
    let mut public: Value = serde_json::from_str(&key.public_jwk()).unwrap();
    if let Some(kid) = key_text.get("kid") {
        public["kid"] = kid.clone();
    }
    (
        json!({"alg": key.algorithm().as_str(), "public_jwk": public}),
        key,
    )
}

/// What a platform signer returns: DER for ECDSA (JCA, KMS), raw otherwise.
fn platform_signature(key: &PrivateKey, input: &[u8], entropy: &[u8; 32]) -> Vec<u8> {
    let raw = key.sign(input, entropy).unwrap();
    match raw.len() {
        64 if key.algorithm() == JwsAlgorithm::Es256 => p256::ecdsa::Signature::from_slice(&raw)
            .unwrap()
            .to_der()
            .as_bytes()
            .to_vec(),
        _ => raw,
    }
}

#[test]
fn host_signed_keys_give_the_pinned_bytes() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let mut checked = 0;
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut config_doc = case["config"].clone();
        let object = config_doc.as_object_mut().unwrap();
        let mut keys = Vec::new();
        let alg = object
            .get("client_assertion_alg")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(text) = object.remove("private_key") {
            let (host, key) = host_signed(&text, alg.as_deref());
            object.insert("host_signed_key".into(), host);
            keys.push(key);
        }
        if let Some(text) = object.remove("dpop_key") {
            let (host, key) = host_signed(&text, None);
            object.insert("host_signed_dpop_key".into(), host);
            keys.push(key);
        }
        if keys.is_empty() {
            continue;
        }
        let ctx = &case["context"];
        let entropy: [u8; 32] = hex::decode(ctx["entropy"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let context = RequestContext {
            now_ms: ctx["now_ms"].as_u64().unwrap(),
            entropy,
            dpop_nonce: ctx["dpop_nonce"].as_str(),
        };
        let config = ClientConfig::from_json(&config_doc.to_string())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let unsigned = prepare_token_request(&config, &context);
        let inputs = unsigned.signing_inputs();
        assert_eq!(inputs.len(), keys.len(), "{name}");
        let signatures: Vec<Vec<u8>> = inputs
            .iter()
            .zip(&keys)
            .map(|(input, key)| {
                let label: &[u8] = match input.purpose() {
                    SigningPurpose::ClientAssertion => b"client_assertion",
                    SigningPurpose::DpopProof => b"dpop",
                };
                // The in-core path's PS256 salt, so that it matches too.
                let seed = derive(&derive(&entropy, label), b"sign");
                platform_signature(key, input.bytes(), &seed)
            })
            .collect();
        let request = unsigned.finish(&signatures).unwrap();
        let body = String::from_utf8(request.body().to_vec()).unwrap();
        assert_eq!(body, case["expect"]["body"], "{name}: body");
        assert_eq!(
            request.header("dpop"),
            case["expect"]["dpop"].as_str(),
            "{name}: DPoP"
        );
        // The plain builder leaves host-signed JWTs out, never sends them half-made.
        let plain = build_token_request_at(&config, &context);
        assert!(plain.header("dpop").is_none());
        assert!(!String::from_utf8_lossy(plain.body()).contains("client_assertion="));
        checked += 1;
    }
    assert!(checked >= 9, "{checked}");
}

#[test]
fn the_lifecycle_hands_out_signing_inputs_and_takes_signatures() {
    let key = PrivateKey::generate_p256(&[4; 32]).unwrap();
    let host = PrivateKey::host_signed(key.algorithm(), Some(&key.public_jwk()), None).unwrap();
    let config = ClientConfig::builder("https://as.example.com/token", "svc")
        .private_key(host.clone())
        .auth_method(ClientAuthMethod::PrivateKeyJwt)
        .dpop_key(host)
        .build()
        .unwrap();
    let (mut m, token_key) = TokenManager::with_config(config, 1);
    let TokenDecision::Fetch(ticket) = m.poll(token_key, 1_000).unwrap() else {
        panic!("a first poll fetches")
    };
    let purposes: Vec<_> = ticket
        .signing_inputs()
        .iter()
        .map(|i| i.purpose())
        .collect();
    assert_eq!(
        purposes,
        [SigningPurpose::ClientAssertion, SigningPurpose::DpopProof]
    );
    let signatures: Vec<Vec<u8>> = ticket
        .signing_inputs()
        .iter()
        .map(|i| platform_signature(&key, i.bytes(), &[0; 32]))
        .collect();
    // One signature short: refused, and the fetch fails for every waiter.
    let err = m
        .complete_request(ticket.id(), &signatures[..1], None, 1_000)
        .unwrap_err();
    assert_eq!(err.code(), "INVALID_SIGNATURE");

    // The next attempt (after the cool-down) completes.
    let TokenDecision::Fetch(ticket) = m.poll(token_key, 400_000).unwrap() else {
        panic!("after the cool-down a poll fetches again")
    };
    let signatures: Vec<Vec<u8>> = ticket
        .signing_inputs()
        .iter()
        .map(|i| platform_signature(&key, i.bytes(), &[0; 32]))
        .collect();
    let request = m
        .complete_request(ticket.id(), &signatures, None, 400_000)
        .unwrap();
    let body = String::from_utf8_lossy(request.body()).into_owned();
    let assertion = body.split("client_assertion=").nth(1).unwrap();
    assert_eq!(assertion.split('.').count(), 3);
    let proof = request.header("dpop").unwrap();
    assert!(proof.starts_with(signatures_input_head(&ticket)));
    // Completed once: a second completion has nothing left to sign.
    assert!(m
        .complete_request(ticket.id(), &signatures, None, 400_000)
        .is_err());
}

fn signatures_input_head(ticket: &FetchTicket) -> &str {
    ticket.signing_inputs()[1].as_str()
}

#[test]
fn a_failed_signer_is_retried_like_a_network_error() {
    let key = PrivateKey::generate_p256(&[4; 32]).unwrap();
    let host = PrivateKey::host_signed(key.algorithm(), None, Some("kms-1".into())).unwrap();
    let config = ClientConfig::builder("https://as.example.com/token", "svc")
        .private_key(host)
        .auth_method(ClientAuthMethod::PrivateKeyJwt)
        .build()
        .unwrap();
    let (mut m, token_key) = TokenManager::with_config(config, 1);
    let TokenDecision::Fetch(ticket) = m.poll(token_key, 1_000).unwrap() else {
        panic!("a first poll fetches")
    };
    assert_eq!(ticket.signing_inputs()[0].key_id(), Some("kms-1"));
    let outcome = m.signer_failed(ticket.id(), "KMS throttled", 1_000);
    let FetchOutcome::RetryScheduled { error, .. } = outcome else {
        panic!("a signer failure is retried: {outcome:?}")
    };
    assert!(error.to_string().contains("signer failed"), "{error}");
}

#[test]
fn api_calls_with_a_host_signed_dpop_key_get_a_proof_to_sign() {
    let key = PrivateKey::generate_p256(&[6; 32]).unwrap();
    let host = PrivateKey::host_signed(key.algorithm(), Some(&key.public_jwk()), None).unwrap();
    let config = ClientConfig::builder("https://as.example.com/token", "svc")
        .client_secret("s")
        .dpop_key(host)
        .build()
        .unwrap();
    let (mut m, token_key) = TokenManager::with_config(config, 1);
    let headers = m
        .api_headers_for(
            token_key,
            "tok",
            "DPoP",
            "GET",
            "https://api.example/x",
            1_000,
        )
        .unwrap();
    assert!(!headers.reusable());
    assert!(headers.dpop.is_none());
    let input = headers.dpop_to_sign.clone().unwrap();
    let signature = platform_signature(&key, input.bytes(), &[0; 32]);
    let headers = headers.with_dpop_signature(&signature).unwrap();
    let proof = headers.dpop.as_ref().unwrap().expose_secret();
    assert!(proof.starts_with(input.as_str()));
    assert_eq!(headers.pairs().len(), 2);
    // A garbage signature is a typed error, not a proof.
    let again = m
        .api_headers_for(
            token_key,
            "tok",
            "DPoP",
            "GET",
            "https://api.example/x",
            1_000,
        )
        .unwrap();
    assert_eq!(
        again.with_dpop_signature(&[1, 2, 3]).unwrap_err().code(),
        "INVALID_SIGNATURE"
    );
}

#[test]
fn a_host_signed_dpop_key_needs_its_public_half() {
    let host = PrivateKey::host_signed(JwsAlgorithm::Es256, None, None).unwrap();
    let err = ClientConfig::builder("https://as.example.com/token", "svc")
        .client_secret("s")
        .dpop_key(host)
        .build()
        .unwrap_err();
    assert_eq!(err.field(), "dpop_key");
}

#[test]
fn revocation_and_introspection_sign_through_prepare() {
    let key = PrivateKey::generate_p256(&[8; 32]).unwrap();
    let host = PrivateKey::host_signed(key.algorithm(), None, None).unwrap();
    let config = ClientConfig::builder("https://as.example.com/token", "svc")
        .private_key(host)
        .auth_method(ClientAuthMethod::PrivateKeyJwt)
        .revocation_endpoint("https://as.example.com/revoke")
        .introspection_endpoint("https://as.example.com/introspect")
        .build()
        .unwrap();
    let (mut m, token_key) = TokenManager::with_config(config, 1);
    // The request-returning forms cannot sign for the host: a typed error.
    let err = m
        .revocation_request(token_key, "tok", None, 1_000)
        .unwrap_err();
    assert_eq!(err.code(), "INVALID_PARAMETER");
    for unsigned in [
        m.prepare_revocation_request(token_key, "tok", None, 1_000)
            .unwrap(),
        m.prepare_introspection_request(token_key, "tok", None, 1_000)
            .unwrap(),
    ] {
        let inputs = unsigned.signing_inputs();
        assert_eq!(inputs.len(), 1);
        assert_eq!(inputs[0].purpose(), SigningPurpose::ClientAssertion);
        let signature = platform_signature(&key, inputs[0].bytes(), &[0; 32]);
        let request = unsigned.finish(&[signature]).unwrap();
        let body = String::from_utf8_lossy(request.body()).into_owned();
        assert!(body.starts_with("token=tok&"), "{body}");
        assert!(body.contains("&client_assertion=eyJ"), "{body}");
    }
}
