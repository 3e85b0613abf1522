//! Client assertions (RFC 7523 §2.2, OpenID Connect Core §9): the JWT that
//! `client_secret_jwt` and `private_key_jwt` send instead of a secret.

use serde::Serialize;
use zeroize::Zeroizing;

use crate::config::{AssertionConfig, ClientConfig};
use crate::jws::{derive, jti, sign_compact, JwsSigner};

/// The `client_assertion_type` of a JWT assertion.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    jti: String,
    iat: u64,
    exp: u64,
}

/// A fresh assertion at `now_ms`, or `None` when the host supplies it.
pub(crate) fn sign(
    config: &ClientConfig,
    settings: &AssertionConfig,
    now_ms: u64,
    entropy: &[u8; 32],
) -> Option<Zeroizing<String>> {
    let random = derive(entropy, b"client_assertion");
    let secret;
    let signer = match &settings.key {
        Some(key) => JwsSigner::Key(key),
        None => {
            // client_secret_jwt: the secret keys the HMAC and is sent nowhere.
            secret = config.client_secret.as_ref()?;
            JwsSigner::Hmac(settings.alg, secret.expose_secret().as_bytes())
        }
    };
    let header = Header {
        alg: signer.algorithm().as_str(),
        typ: "JWT",
        kid: settings.key_id.as_deref(),
    };
    let iat = now_ms / 1000;
    let claims = Claims {
        iss: &config.client_id,
        sub: &config.client_id,
        aud: &settings.audience,
        jti: jti(&random),
        iat,
        exp: iat + settings.lifetime_ms / 1000,
    };
    Some(sign_compact(
        &header,
        &claims,
        &signer,
        &derive(&random, b"sign"),
    ))
}
