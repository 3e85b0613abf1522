//! Client assertions (RFC 7523 §2.2, OpenID Connect Core §9): the JWT that
//! `client_secret_jwt` and `private_key_jwt` send instead of a secret.

use serde::Serialize;

use crate::auth::jws::{derive, jti, sign_compact, Jws, JwsSigner, SigningPurpose};
use crate::auth::key::{JwsAlgorithm, PrivateKey};
use crate::secret::ClientSecret;

/// How client assertions are made (RFC 7523).
#[derive(Clone, Debug)]
pub(crate) struct AssertionConfig {
    pub(crate) alg: JwsAlgorithm,
    /// `None` for an assertion the host supplies per request.
    pub(crate) key: Option<PrivateKey>,
    pub(crate) key_id: Option<String>,
    pub(crate) audience: String,
    pub(crate) lifetime_ms: u64,
}

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

/// A fresh assertion at `now_ms` (or its signing input, for a host-signed
/// key), or `None` when the host supplies the whole assertion.
pub(crate) fn sign(
    client_id: &str,
    client_secret: Option<&ClientSecret>,
    settings: &AssertionConfig,
    now_ms: u64,
    entropy: &[u8; 32],
) -> Option<Jws> {
    let random = derive(entropy, b"client_assertion");
    let secret;
    let signer = match &settings.key {
        Some(key) => JwsSigner::Key(key),
        None => {
            // client_secret_jwt: the secret keys the HMAC and is sent nowhere.
            secret = client_secret?;
            JwsSigner::Hmac(settings.alg, secret.expose_secret().as_bytes())
        }
    };
    // A configured key id, else the JWK's own (servers holding several
    // keys for a client pick the verifying one by it).
    let kid = settings
        .key_id
        .as_deref()
        .or_else(|| settings.key.as_ref().and_then(PrivateKey::key_id));
    let header = Header {
        alg: signer.algorithm().as_str(),
        typ: "JWT",
        kid,
    };
    let iat = now_ms / 1000;
    let claims = Claims {
        iss: client_id,
        sub: client_id,
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
        SigningPurpose::ClientAssertion,
        kid,
    ))
}
