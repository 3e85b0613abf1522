//! Host-signed keys through the UniFFI surface: the ticket lists what to
//! sign, `complete_request` takes the signatures (DER or `r || s`), a
//! failing signer is a retried attempt, and a DPoP-bound API call hands its
//! proof out to sign.

use std::sync::Arc;

use crate::{
    options::PrivateKey, CcauthError, ClientConfig, FetchOutcome, Header, SigningPurpose,
    TokenDecision, TokenLifecycle,
};

const NOW: u64 = 1_700_000_000_000;
/// An ECDSA signature with r = s = 1, raw (`r || s`) and DER: the core
/// checks the encoding and range, not the math (the server does).
fn raw_signature() -> Vec<u8> {
    let mut raw = vec![0; 64];
    raw[31] = 1;
    raw[63] = 1;
    raw
}
const DER_SIGNATURE: [u8; 8] = [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01];

fn public_jwk() -> String {
    ccauth::PrivateKey::generate_p256(&[9; 32])
        .unwrap()
        .public_jwk()
}

fn document() -> String {
    let jwk = public_jwk();
    format!(
        r#"{{"token_endpoint":"https://as.example.com/token","client_id":"c","auth_method":"private_key_jwt",
            "key_id":"kms-1","host_signed_key":{{"alg":"ES256"}},
            "host_signed_dpop_key":{{"alg":"ES256","public_jwk":{jwk}}}}}"#
    )
}

fn fetch(lifecycle: &TokenLifecycle, now_ms: u64) -> crate::FetchTicket {
    match lifecycle.poll(now_ms) {
        TokenDecision::Fetch { ticket } => ticket,
        _ => panic!("a cold lifecycle fetches"),
    }
}

#[test]
fn a_ticket_lists_what_to_sign_and_complete_request_takes_the_signatures() {
    let lifecycle = TokenLifecycle::new(document(), 3).unwrap();
    lifecycle.seed_entropy(vec![5; 32]).unwrap();
    let ticket = fetch(&lifecycle, NOW);
    let inputs = &ticket.signing_inputs;
    assert_eq!(
        inputs.iter().map(|i| i.purpose).collect::<Vec<_>>(),
        [SigningPurpose::ClientAssertion, SigningPurpose::DpopProof]
    );
    assert!(inputs.iter().all(|i| i.alg == "ES256"));
    assert_eq!(inputs[0].key_id.as_deref(), Some("kms-1"));
    // The ticket's own request carries neither half-made JWT.
    let template = String::from_utf8(ticket.request.body.clone()).unwrap();
    assert!(!template.contains("client_assertion="));
    assert!(!ticket.request.headers.iter().any(|h| h.name == "DPoP"));
    // One signature per input, in order; DER and raw give the same JWS.
    let wrong_count = lifecycle.complete_request(ticket.id, vec![raw_signature()], None, NOW);
    let Err(CcauthError::Config { info }) = wrong_count else {
        panic!("one signature per input")
    };
    assert_eq!(info.code, "INVALID_SIGNATURE");

    let lifecycle = TokenLifecycle::new(document(), 3).unwrap();
    lifecycle.seed_entropy(vec![5; 32]).unwrap();
    let ticket = fetch(&lifecycle, NOW);
    let inputs = ticket.signing_inputs.clone();
    let parts = lifecycle
        .complete_request(
            ticket.id,
            vec![DER_SIGNATURE.to_vec(), raw_signature()],
            None,
            NOW,
        )
        .unwrap();
    let body = String::from_utf8(parts.body.clone()).unwrap();
    let assertion_input = String::from_utf8(inputs[0].bytes.clone()).unwrap();
    let sig =
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQ";
    assert!(
        body.contains(&format!("client_assertion={assertion_input}.{sig}")),
        "{body}"
    );
    let dpop = parts.headers.iter().find(|h| h.name == "DPoP").unwrap();
    let dpop_input = String::from_utf8(inputs[1].bytes.clone()).unwrap();
    assert_eq!(dpop.value, format!("{dpop_input}.{sig}"));
    assert!(!format!("{parts:?}").contains(sig));
}

#[test]
fn a_bad_signature_fails_the_fetch_and_a_failed_signer_is_retried() {
    let lifecycle = TokenLifecycle::new(document(), 3).unwrap();
    lifecycle.seed_entropy(vec![5; 32]).unwrap();
    let ticket = fetch(&lifecycle, NOW);
    let Err(CcauthError::Config { info }) =
        lifecycle.complete_request(ticket.id, vec![vec![1, 2, 3], raw_signature()], None, NOW)
    else {
        panic!("garbage is not a signature")
    };
    assert_eq!(info.code, "INVALID_SIGNATURE");
    assert!(matches!(
        lifecycle.poll(NOW + 1),
        TokenDecision::Failed { error, .. } if error.code == "INVALID_SIGNATURE"
    ));

    let lifecycle = TokenLifecycle::new(document(), 3).unwrap();
    lifecycle.seed_entropy(vec![5; 32]).unwrap();
    let ticket = fetch(&lifecycle, NOW);
    let outcome = lifecycle.signer_failed(ticket.id, "AccessDeniedException".into(), NOW);
    let FetchOutcome::RetryScheduled { error, .. } = outcome else {
        panic!("a failed signer is retried")
    };
    assert_eq!(error.cause.as_deref(), Some("signer"));
    assert!(
        error.message.contains("AccessDeniedException"),
        "{}",
        error.message
    );
}

#[test]
fn a_dpop_bound_call_hands_its_proof_out_to_sign() {
    let lifecycle = TokenLifecycle::new(document(), 3).unwrap();
    lifecycle.seed_entropy(vec![5; 32]).unwrap();
    let ticket = fetch(&lifecycle, NOW);
    let _ = lifecycle
        .complete_request(ticket.id, vec![raw_signature(), raw_signature()], None, NOW)
        .unwrap();
    let body = br#"{"access_token":"at-host-signed","token_type":"DPoP","expires_in":3600}"#;
    let headers = vec![Header {
        name: "Content-Type".into(),
        value: "application/json".into(),
    }];
    let FetchOutcome::Token { token, .. } =
        lifecycle.handle_response(ticket.id, 200, headers, body.to_vec(), NOW)
    else {
        panic!("a token")
    };
    let answer = lifecycle
        .api_headers(token, "GET".into(), "https://api.example.com/r".into(), NOW)
        .unwrap();
    assert!(!answer.reusable);
    assert_eq!(
        answer
            .headers
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>(),
        ["Authorization"]
    );
    let pending = answer.dpop_to_sign.expect("a proof to sign");
    let input = pending.signing_input();
    assert_eq!(
        (input.purpose, input.alg.as_str()),
        (SigningPurpose::DpopProof, "ES256")
    );
    let text = String::from_utf8(input.bytes).unwrap();
    let proof = pending.proof(DER_SIGNATURE.to_vec()).unwrap();
    assert_eq!(proof, pending.proof(raw_signature()).unwrap());
    assert!(proof.starts_with(&format!("{text}.")));
    let Err(CcauthError::Config { info }) = pending.proof(vec![0; 64]) else {
        panic!("r = 0 is out of range")
    };
    assert_eq!(info.code, "INVALID_SIGNATURE");
    assert!(!format!("{pending:?}").contains(&text));
}

#[test]
fn typed_options_take_a_host_signed_key() {
    let key =
        PrivateKey::host_signed("ES256".into(), Some(public_jwk()), Some("hsm-7".into())).unwrap();
    assert!(key.is_host_signed() && key.algorithm() == "ES256");
    assert!(format!("{key:?}").contains("host-signed"));
    let Err(CcauthError::Config { info }) = PrivateKey::host_signed("HS256".into(), None, None)
    else {
        panic!("HMAC is not host-signed")
    };
    assert_eq!(info.code, "INVALID_KEY");
    let config = ClientConfig::new(crate::options::test_options(
        crate::ClientAuth::PrivateKeyJwt {
            key: Arc::clone(&key),
            key_id: None,
        },
    ))
    .unwrap();
    let lifecycle = TokenLifecycle::with_config(config, 1);
    let ticket = fetch(&lifecycle, NOW);
    assert_eq!(ticket.signing_inputs.len(), 1);
    assert_eq!(ticket.signing_inputs[0].key_id.as_deref(), Some("hsm-7"));

    // The sans-IO steps: prepare, sign, finish.
    let document = ClientConfig::from_document(document()).unwrap();
    let unsigned = document
        .prepare_token_request(NOW, vec![1; 32], None)
        .unwrap();
    assert_eq!(unsigned.signing_inputs().len(), 2);
    let parts = unsigned
        .finish(vec![raw_signature(), raw_signature()])
        .unwrap();
    assert!(parts.headers.iter().any(|h| h.name == "DPoP"));
    assert!(matches!(
        unsigned.finish(vec![raw_signature()]),
        Err(CcauthError::Config { .. })
    ));
}

#[test]
fn revocation_and_introspection_with_a_host_signed_key_are_prepared_then_finished() {
    let endpoints = r#"{"token_endpoint":"https://as.example.com/token","client_id":"c","auth_method":"private_key_jwt",
        "key_id":"kms-1","host_signed_key":{"alg":"ES256"},
        "revocation_endpoint":"https://as.example.com/revoke",
        "introspection_endpoint":"https://as.example.com/introspect"}"#;
    let lifecycle = TokenLifecycle::new(endpoints.to_owned(), 3).unwrap();
    lifecycle.seed_entropy(vec![5; 32]).unwrap();
    // The request-returning forms still refuse the key, naming the prepare_* forms.
    for refused in [
        lifecycle.revocation_request("tok-1".into(), None, NOW),
        lifecycle.introspection_request("tok-1".into(), None, NOW),
    ] {
        let Err(CcauthError::Config { info }) = refused else {
            panic!("a host-signed key is refused by the request-returning forms")
        };
        assert_eq!(info.code, "INVALID_PARAMETER");
        assert!(info.message.contains("prepare_"), "{}", info.message);
    }
    for (unsigned, url) in [
        (
            lifecycle
                .prepare_revocation_request("tok-1".into(), None, NOW)
                .unwrap(),
            "https://as.example.com/revoke",
        ),
        (
            lifecycle
                .prepare_introspection_request("tok-1".into(), None, NOW)
                .unwrap(),
            "https://as.example.com/introspect",
        ),
    ] {
        let inputs = unsigned.signing_inputs();
        assert_eq!(inputs.len(), 1);
        assert_eq!(inputs[0].purpose, SigningPurpose::ClientAssertion);
        assert_eq!(inputs[0].alg, "ES256");
        assert_eq!(inputs[0].key_id.as_deref(), Some("kms-1"));
        assert!(matches!(
            unsigned.finish(vec![]),
            Err(CcauthError::Config { .. })
        ));
        let parts = unsigned.finish(vec![raw_signature()]).unwrap();
        assert_eq!(parts.url, url);
        let body = String::from_utf8(parts.body).unwrap();
        assert!(body.contains("token=tok-1"), "{body}");
        let assertion = body
            .split('&')
            .find_map(|p| p.strip_prefix("client_assertion="))
            .expect("the signed assertion is in the body");
        let signing_input = String::from_utf8(inputs[0].bytes.clone()).unwrap();
        assert!(assertion.starts_with(&format!("{signing_input}.")));
    }

    // A key the core holds: nothing to sign, finish with no signatures.
    let secret = r#"{"token_endpoint":"https://as.example.com/token","client_id":"c","client_secret":"s3cr3t-0123456789",
        "revocation_endpoint":"https://as.example.com/revoke"}"#;
    let lifecycle = TokenLifecycle::new(secret.to_owned(), 3).unwrap();
    let unsigned = lifecycle
        .prepare_revocation_request("tok-2".into(), None, NOW)
        .unwrap();
    assert!(unsigned.signing_inputs().is_empty());
    let parts = unsigned.finish(vec![]).unwrap();
    let old = lifecycle
        .revocation_request("tok-2".into(), None, NOW)
        .unwrap()
        .parts();
    assert_eq!((parts.url, parts.body), (old.url, old.body));
}
