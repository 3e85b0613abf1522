//! A config as one JSON document (the shape of the shared vectors' `config`
//! object), for bindings that hand the core a whole config at once.
//!
//! Translation only: every value still goes through the builder's validation.
//! Serde's own messages are never shown, because they can quote a value
//! (a secret in the wrong field, say).

use serde::Deserialize;

use crate::client_auth::{BasicAuthEncoding, ClientAuthMethod};
use crate::config::{BodyFormat, ClientConfig, RefreshPolicy, RetryPolicy};
use crate::discovery::ServerMetadata;
use crate::error::{ConfigError, ConfigErrorKind as Kind};
use crate::secret::ClientSecret;
use crate::signing_key::{JwsAlgorithm, PrivateKey};
use zeroize::Zeroizing;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    token_endpoint: String,
    client_id: String,
    client_secret: Option<ClientSecret>,
    auth_method: Option<String>,
    basic_auth_encoding: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    include_scope: Option<bool>,
    audience: Option<String>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    extra_body_params: Vec<(String, String)>,
    #[serde(default)]
    extra_query_params: Vec<(String, String)>,
    #[serde(default)]
    extra_headers: Vec<(String, String)>,
    body_format: Option<String>,
    #[serde(default)]
    danger_accept_insecure_http: bool,
    max_response_bytes: Option<usize>,
    refresh: Option<RefreshDocument>,
    retry: Option<RetryDocument>,
    private_key: Option<KeyText>,
    client_assertion_alg: Option<String>,
    #[serde(default)]
    external_client_assertion: bool,
    key_id: Option<String>,
    assertion_audience: Option<String>,
    assertion_lifetime_ms: Option<u64>,
    dpop_key: Option<KeyText>,
    issuer: Option<String>,
    server_metadata: Option<serde_json::Value>,
}

/// A key given as a PEM string or a JWK object; held zeroizing.
struct KeyText(Zeroizing<String>);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut value = serde_json::Value::deserialize(deserializer)?;
        let text = match &value {
            serde_json::Value::String(pem) => pem.clone(),
            other => other.to_string(),
        };
        crate::response::zeroize_value(&mut value);
        Ok(Self(Zeroizing::new(text)))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshDocument {
    min_leeway_ms: Option<u64>,
    max_leeway_ms: Option<u64>,
    leeway_percent: Option<u8>,
    default_lifetime_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetryDocument {
    max_attempts: Option<u32>,
    max_wait_ms: Option<u64>,
    failure_cooldown_ms: Option<u64>,
    attempt_timeout_ms: Option<u64>,
}

fn unknown(field: &'static str) -> ConfigError {
    ConfigError::new(Kind::InvalidParameter, field, "unknown value")
}

impl ClientConfig {
    /// A config from the JSON document of `tests/vectors/README.md`
    /// (snake_case fields, defaults as in the builder).
    pub fn from_json(text: &str) -> Result<ClientConfig, ConfigError> {
        let doc: Document = serde_json::from_slice(text.as_bytes()).map_err(|_| {
            ConfigError::new(
                Kind::InvalidConfigDocument,
                "config",
                "not a config document (unknown field, wrong type or missing token_endpoint/client_id)",
            )
        })?;
        let mut b = ClientConfig::builder(doc.token_endpoint, doc.client_id)
            .scopes(doc.scopes)
            .danger_accept_insecure_http(doc.danger_accept_insecure_http);
        if let Some(secret) = doc.client_secret {
            b = b.client_secret(secret);
        }
        if let Some(method) = doc.auth_method {
            b = b.auth_method(
                method
                    .parse::<ClientAuthMethod>()
                    .map_err(|_| unknown("auth_method"))?,
            );
        }
        if let Some(encoding) = doc.basic_auth_encoding {
            b = b.basic_auth_encoding(match encoding.as_str() {
                "form_urlencoded" => BasicAuthEncoding::FormUrlEncoded,
                "raw" => BasicAuthEncoding::Raw,
                _ => return Err(unknown("basic_auth_encoding")),
            });
        }
        if let Some(include) = doc.include_scope {
            b = b.include_scope(include);
        }
        if let Some(audience) = doc.audience {
            b = b.audience(audience);
        }
        for resource in doc.resources {
            b = b.resource(resource);
        }
        for (name, value) in doc.extra_body_params {
            b = b.extra_body_param(name, value);
        }
        for (name, value) in doc.extra_query_params {
            b = b.extra_query_param(name, value);
        }
        for (name, value) in doc.extra_headers {
            b = b.extra_header(name, value);
        }
        if let Some(format) = doc.body_format {
            b = b.body_format(match format.as_str() {
                "form" => BodyFormat::Form,
                "json" => BodyFormat::Json,
                _ => return Err(unknown("body_format")),
            });
        }
        if let Some(limit) = doc.max_response_bytes {
            b = b.max_response_bytes(limit);
        }
        if let Some(r) = doc.refresh {
            let d = RefreshPolicy::default();
            b = b.refresh_policy(RefreshPolicy {
                min_leeway_ms: r.min_leeway_ms.unwrap_or(d.min_leeway_ms),
                max_leeway_ms: r.max_leeway_ms.unwrap_or(d.max_leeway_ms),
                leeway_percent: r.leeway_percent.unwrap_or(d.leeway_percent),
                default_lifetime_ms: r.default_lifetime_ms.unwrap_or(d.default_lifetime_ms),
            });
        }
        if let Some(r) = doc.retry {
            let d = RetryPolicy::default();
            b = b.retry_policy(RetryPolicy {
                max_attempts: r.max_attempts.unwrap_or(d.max_attempts),
                max_wait_ms: r.max_wait_ms.unwrap_or(d.max_wait_ms),
                failure_cooldown_ms: r.failure_cooldown_ms.unwrap_or(d.failure_cooldown_ms),
                attempt_timeout_ms: r.attempt_timeout_ms.unwrap_or(d.attempt_timeout_ms),
            });
        }
        let alg = match doc.client_assertion_alg.as_deref() {
            Some(name) => Some(
                name.parse::<JwsAlgorithm>()
                    .map_err(|()| unknown("client_assertion_alg"))?,
            ),
            None => None,
        };
        if let Some(alg) = alg {
            b = b.client_assertion_alg(alg);
        }
        if let Some(key) = doc.private_key {
            b = b.private_key(PrivateKey::parse(
                &key.0,
                alg.filter(|a| !a.is_symmetric()),
                "private_key",
            )?);
        }
        b = b.external_client_assertion(doc.external_client_assertion);
        if let Some(kid) = doc.key_id {
            b = b.key_id(kid);
        }
        if let Some(aud) = doc.assertion_audience {
            b = b.assertion_audience(aud);
        }
        if let Some(ms) = doc.assertion_lifetime_ms {
            b = b.assertion_lifetime_ms(ms);
        }
        if let Some(key) = doc.dpop_key {
            b = b.dpop_key(PrivateKey::parse(&key.0, None, "dpop_key")?);
        }
        match (doc.issuer, doc.server_metadata) {
            (Some(issuer), Some(metadata)) => {
                b = b.server_metadata(ServerMetadata::from_json(&issuer, &metadata.to_string())?);
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    Kind::InvalidParameter,
                    "issuer",
                    "server_metadata needs the issuer it was fetched for",
                ));
            }
            _ => {}
        }
        b.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_builds_the_same_config_as_the_builder() {
        let from_json = ClientConfig::from_json(
            r#"{"token_endpoint":"https://as.example.com/t","client_id":"c","client_secret":"s",
                "scopes":["a","b"],"extra_headers":[["X-A","1"]],"retry":{"max_attempts":5}}"#,
        )
        .unwrap();
        let built = ClientConfig::builder("https://as.example.com/t", "c")
            .client_secret("s")
            .scopes(["a", "b"])
            .extra_header("X-A", "1")
            .retry_policy(RetryPolicy {
                max_attempts: 5,
                ..RetryPolicy::default()
            })
            .build()
            .unwrap();
        assert_eq!(format!("{from_json:?}"), format!("{built:?}"));
    }

    #[test]
    fn bad_documents_are_typed_errors_that_quote_nothing() {
        let err = ClientConfig::from_json(r#"{"token_endpoint":"https://a/t","client_id":"c","max_response_bytes":"leaky-secret"}"#)
            .unwrap_err();
        assert_eq!(err.code(), "INVALID_CONFIG_DOCUMENT");
        assert!(!err.to_string().contains("leaky-secret"));
        let err = ClientConfig::from_json(
            r#"{"token_endpoint":"https://a/t","client_id":"c","auth_method":"magic"}"#,
        )
        .unwrap_err();
        assert_eq!(
            (err.code(), err.field()),
            ("INVALID_PARAMETER", "auth_method")
        );
    }
}
