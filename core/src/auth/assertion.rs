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
    /// The SHA-256 thumbprint of the key's X.509 certificate (base64url), when
    /// given: the `x5t#S256` header, and the `kid` unless one is configured.
    pub(crate) x5t_s256: Option<String>,
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
    #[serde(rename = "x5t#S256", skip_serializing_if = "Option::is_none")]
    x5t_s256: Option<&'a str>,
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
    // A configured key id, else the JWK's own, else the certificate's
    // thumbprint (servers holding several keys for a client pick the
    // verifying one by it).
    let kid = settings
        .key_id
        .as_deref()
        .or_else(|| settings.key.as_ref().and_then(PrivateKey::key_id))
        .or(settings.x5t_s256.as_deref());
    let header = Header {
        alg: signer.algorithm().as_str(),
        typ: "JWT",
        kid,
        x5t_s256: settings.x5t_s256.as_deref(),
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

/// The `x5t#S256` of a DER certificate (RFC 7515 §4.1.8): base64url SHA-256.
pub(crate) fn certificate_thumbprint(der: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(der))
}
