//! The signing vectors (`tests/vectors/signing.json`): client assertions and
//! DPoP proofs. Each signature is verified with `jsonwebtoken` (ring), an
//! implementation independent of the RustCrypto crates that sign; the claims
//! are checked one by one; the exact request bytes are pinned for the
//! bindings. `CCAUTH_BLESS=1` re-pins the bytes after an intended change.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use ccauth::{build_token_request_at, ClientConfig, HttpRequest, RequestContext};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/signing.json");

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&B64.decode(part).expect("base64url")).expect("json")
}

fn params(request: &HttpRequest) -> Vec<(String, String)> {
    if request.header("content-type") == Some("application/json") {
        let v: Value = serde_json::from_slice(request.body()).unwrap();
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map_or(v.to_string(), str::to_owned)))
            .collect()
    } else {
        form_urlencoded::parse(request.body())
            .into_owned()
            .collect()
    }
}

/// Verifies `jwt` with the independent implementation; returns (header, claims).
fn verify(jwt: &str, key: &DecodingKey, audience: Option<&str>) -> (Value, Value) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "compact JWS");
    let header = decode_part(parts[0]);
    let alg: Algorithm = header["alg"].as_str().unwrap().parse().unwrap();
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    match audience {
        Some(aud) => validation.set_audience(&[aud]),
        None => validation.validate_aud = false,
    }
    let data = jsonwebtoken::decode::<Value>(jwt, key, &validation)
        .unwrap_or_else(|e| panic!("signature does not verify: {e}"));
    (header, data.claims)
}

fn decoding_key(alg: &str, pem_or_secret: &str) -> DecodingKey {
    match alg {
        "HS256" | "HS384" | "HS512" => DecodingKey::from_secret(pem_or_secret.as_bytes()),
        "RS256" | "PS256" => DecodingKey::from_rsa_pem(pem_or_secret.as_bytes()).unwrap(),
        "ES256" | "ES384" => DecodingKey::from_ec_pem(pem_or_secret.as_bytes()).unwrap(),
        "EdDSA" => DecodingKey::from_ed_pem(pem_or_secret.as_bytes()).unwrap(),
        other => panic!("unexpected alg {other}"),
    }
}

#[test]
fn signing_vectors() {
    let text = std::fs::read_to_string(FILE).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    // A test's re-pin switch, not library configuration.
    #[allow(clippy::disallowed_methods)]
    let bless = std::env::var_os("CCAUTH_BLESS").is_some();
    let cases = doc["cases"].as_array_mut().unwrap();
    assert!(cases.len() >= 10);
    for case in cases.iter_mut() {
        let name = case["name"].as_str().unwrap().to_owned();
        let config_doc = &case["config"];
        let config = ClientConfig::from_json(&config_doc.to_string())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let ctx = &case["context"];
        let entropy: [u8; 32] = hex::decode(ctx["entropy"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let now_ms = ctx["now_ms"].as_u64().unwrap();
        let context = RequestContext {
            now_ms,
            entropy,
            dpop_nonce: ctx["dpop_nonce"].as_str(),
        };
        let request = build_token_request_at(&config, &context);
        let same = build_token_request_at(&config, &context);
        assert_eq!(request.body(), same.body(), "{name}: deterministic");
        let params = params(&request);
        let client_id = config_doc["client_id"].as_str().unwrap();
        let endpoint = config_doc["token_endpoint"].as_str().unwrap();

        // The client assertion, when the method sends one.
        let assertion = params.iter().find(|(k, _)| k == "client_assertion");
        let method = config_doc["auth_method"]
            .as_str()
            .unwrap_or("client_secret_basic");
        assert_eq!(assertion.is_some(), method.ends_with("_jwt"), "{name}");
        if let Some((_, jwt)) = assertion {
            assert!(params.iter().any(|(k, v)| k == "client_assertion_type"
                && v == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
            assert!(
                !params.iter().any(|(k, _)| k == "client_secret"),
                "{name}: no secret sent"
            );
            let alg = decode_part(jwt.split('.').next().unwrap())["alg"]
                .as_str()
                .unwrap()
                .to_owned();
            let key_text = if alg.starts_with("HS") {
                config_doc["client_secret"].as_str().unwrap().to_owned()
            } else {
                case["public_key"].as_str().unwrap().to_owned()
            };
            let audience = config_doc["assertion_audience"]
                .as_str()
                .unwrap_or(endpoint);
            let (header, claims) = verify(jwt, &decoding_key(&alg, &key_text), Some(audience));
            let expected_alg = case["assertion_alg"].as_str().unwrap();
            assert_eq!(header["alg"], expected_alg, "{name}");
            assert_eq!(header["typ"], "JWT", "{name}");
            // The configured key_id, else the JWK's own kid.
            let kid = config_doc
                .get("key_id")
                .or_else(|| config_doc["private_key"].get("kid"));
            assert_eq!(header.get("kid"), kid, "{name}: kid");
            assert_eq!(claims["iss"], client_id, "{name}");
            assert_eq!(claims["sub"], client_id, "{name}");
            assert_eq!(claims["aud"], audience, "{name}");
            let iat = now_ms / 1000;
            let lifetime = config_doc["assertion_lifetime_ms"]
                .as_u64()
                .unwrap_or(60_000)
                / 1000;
            assert_eq!(claims["iat"], iat, "{name}");
            assert_eq!(claims["exp"], iat + lifetime, "{name}");
            assert!(lifetime <= 300, "{name}: short-lived");
            assert_eq!(
                B64.decode(claims["jti"].as_str().unwrap()).unwrap().len(),
                16,
                "{name}: jti"
            );
        }

        // The DPoP proof, when the config binds tokens.
        let proof = request.header("dpop");
        assert_eq!(
            proof.is_some(),
            config_doc.get("dpop_key").is_some(),
            "{name}"
        );
        if let Some(proof) = proof {
            let pem = case["dpop_public_key"].as_str().unwrap();
            let alg = decode_part(proof.split('.').next().unwrap())["alg"]
                .as_str()
                .unwrap()
                .to_owned();
            let (header, claims) = verify(proof, &decoding_key(&alg, pem), None);
            assert_eq!(header["typ"], "dpop+jwt", "{name}");
            // The embedded JWK is the public key the proof verifies with.
            let jwk: jsonwebtoken::jwk::Jwk =
                serde_json::from_value(header["jwk"].clone()).unwrap();
            jsonwebtoken::decode::<Value>(proof, &DecodingKey::from_jwk(&jwk).unwrap(), &{
                let mut v = Validation::new(alg.parse().unwrap());
                v.validate_exp = false;
                v.validate_aud = false;
                v.required_spec_claims.clear();
                v
            })
            .unwrap_or_else(|e| panic!("{name}: header jwk does not verify: {e}"));
            assert!(
                header["jwk"].get("d").is_none(),
                "{name}: no private member"
            );
            assert_eq!(claims["htm"], "POST");
            assert_eq!(claims["htu"], endpoint);
            assert_eq!(claims["iat"], now_ms / 1000);
            assert_eq!(
                claims.get("nonce").and_then(Value::as_str),
                ctx["dpop_nonce"].as_str()
            );
            assert!(
                claims.get("ath").is_none(),
                "{name}: no ath at the token endpoint"
            );
            assert_eq!(
                B64.decode(claims["jti"].as_str().unwrap()).unwrap().len(),
                16
            );
        }

        let got = json!({
            "body": String::from_utf8(request.body().to_vec()).unwrap(),
            "dpop": proof,
        });
        if bless {
            case["expect"] = got;
        } else {
            assert_eq!(
                case["expect"], got,
                "{name}: bytes differ from the pinned vector"
            );
        }
    }
    if bless {
        std::fs::write(FILE, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    }
}
