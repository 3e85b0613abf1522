//! A config as one JSON document (the shape of the shared vectors' `config`
//! object), for bindings that hand the core a whole config at once.
//!
//! Translation only: every value still goes through the builder's validation.
//! Serde's own messages are never shown, because they can quote a value
//! (a secret in the wrong field, say).

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::auth::key::{JwsAlgorithm, PrivateKey};
use crate::auth::method::{BasicAuthEncoding, ClientAuthMethod};
use crate::config::ServerMetadata;
use crate::config::{BodyFormat, ClientConfig, RefreshPolicy, RetryPolicy};
use crate::error::{ConfigError, ConfigErrorKind as Kind};
use crate::secret::ClientSecret;
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
    certificate: Option<String>,
    assertion_audience: Option<String>,
    assertion_lifetime_ms: Option<u64>,
    dpop_key: Option<KeyText>,
    host_signed_key: Option<HostSignedKeyDocument>,
    host_signed_dpop_key: Option<HostSignedKeyDocument>,
    issuer: Option<String>,
    server_metadata: Option<serde_json::Value>,
    revocation_endpoint: Option<String>,
    introspection_endpoint: Option<String>,
    #[serde(default)]
    proactive_refresh: bool,
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
        crate::secret::zeroize_value(&mut value);
        Ok(Self(Zeroizing::new(text)))
    }
}

/// A certificate given as PEM (`-----BEGIN CERTIFICATE-----`) or base64 DER.
fn certificate_der(text: &str) -> Result<Vec<u8>, ConfigError> {
    use base64::Engine as _;
    let body: String = text
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .flat_map(str::chars)
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| {
            ConfigError::new(
                Kind::InvalidKey,
                "certificate",
                "neither a PEM certificate nor base64 DER",
            )
        })
}

/// A key the host signs with: its algorithm and public half (see
/// [`PrivateKey::host_signed`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HostSignedKeyDocument {
    alg: String,
    public_jwk: Option<Value>,
}

impl HostSignedKeyDocument {
    fn key(self, field: &'static str) -> Result<PrivateKey, ConfigError> {
        let alg = self
            .alg
            .parse::<JwsAlgorithm>()
            .ok()
            .filter(|a| !a.is_symmetric())
            .ok_or_else(|| unknown(field, &["RS256", "PS256", "ES256", "ES384", "EdDSA"]))?;
        let jwk = self.public_jwk.map(|jwk| jwk.to_string());
        PrivateKey::host_signed(alg, jwk.as_deref(), None).map_err(|e| e.in_field(field))
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

/// A value outside an option's set, naming the allowed ones.
fn unknown(field: &'static str, allowed: &[&str]) -> ConfigError {
    ConfigError::named(
        Kind::InvalidParameter,
        field.to_owned(),
        format!("unknown value; expected one of: {}", allowed.join(", ")),
    )
}

const AUTH_METHODS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "tls_client_auth",
    "none",
];

/// Why a document could not be read, naming the option and never a value:
/// serde's own text is read only for the names it holds (an unknown or a
/// missing field), never shown (a wrong-type message quotes the value).
/// Which member has the wrong type is found by reading each one alone.
fn document_error(document: &Map<String, Value>, error: &serde_json::Error) -> ConfigError {
    let text = error.to_string();
    let quoted: Vec<&str> = text.split('`').skip(1).step_by(2).collect();
    let name = quoted.first().copied().unwrap_or("?");
    let (field, reason, index) = if text.starts_with("unknown field") {
        let known = quoted.get(1..).unwrap_or_default();
        // The nested documents are the only other objects.
        let parent = [
            "refresh",
            "retry",
            "host_signed_key",
            "host_signed_dpop_key",
        ]
        .into_iter()
        .find(|p| {
            !document.contains_key(name)
                && document
                    .get(*p)
                    .and_then(Value::as_object)
                    .is_some_and(|o| o.contains_key(name))
        });
        // An unknown name is echoed only when it reads as an option name and
        // holds none of the document's values: a key merged with its value by
        // a typo (`"client_secret=…"`) is not shown.
        let shown = if is_shown_name(name, document) {
            name
        } else {
            HIDDEN_NAME
        };
        let full = parent.map_or_else(|| shown.to_owned(), |p| format!("{p}.{shown}"));
        let reason = match closest(name, known) {
            Some(near) => format!("unknown option; did you mean `{near}`?"),
            None => "unknown option".to_owned(),
        };
        (full, reason, None)
    } else if text.starts_with("missing field") {
        (name.to_owned(), "required option missing".to_owned(), None)
    } else {
        let (field, index) = wrong_member(document);
        // Only a required option refuses null (an unset environment variable, say).
        let is_null = index.is_none() && document.get(&field).is_some_and(Value::is_null);
        let reason = if is_null {
            "required option missing (null)"
        } else {
            "wrong type or value out of range"
        };
        (field, reason.to_owned(), index)
    };
    let error = ConfigError::named(Kind::InvalidConfigDocument, sanitize_name(&field), reason);
    match index {
        Some(i) => error.at(i),
        None => error,
    }
}

/// The member (`retry.max_attempts`; a list item's position) that does not
/// read alone, beside a valid `client_id`.
fn wrong_member(document: &Map<String, Value>) -> (String, Option<usize>) {
    let reads = |name: &str, value: &Value| {
        let mut alone = Map::new();
        alone.insert("client_id".to_owned(), Value::String(String::new()));
        alone.insert(name.to_owned(), value.clone());
        let ok = Document::deserialize(&Value::Object(alone.clone())).is_ok();
        alone.values_mut().for_each(crate::secret::zeroize_value);
        ok
    };
    for (name, value) in document {
        if reads(name, value) {
            continue;
        }
        match value {
            Value::Object(members) => {
                for (inner, item) in members {
                    let one = Value::Object(Map::from_iter([(inner.clone(), item.clone())]));
                    if !reads(name, &one) {
                        return (format!("{name}.{inner}"), None);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if !reads(name, &Value::Array(vec![item.clone()])) {
                        return (name.clone(), Some(i));
                    }
                }
            }
            _ => {}
        }
        return (name.clone(), None);
    }
    ("config".to_owned(), None)
}

/// A field name from the document, bounded and printable.
fn sanitize_name(name: &str) -> String {
    let name: String = name.chars().filter(|c| !c.is_control()).take(80).collect();
    // An empty member name (`{"": 0}`) is still named, as JSON writes it.
    if name.is_empty() {
        "\"\"".to_owned()
    } else {
        name
    }
}

/// The known name nearest to `name` (edit distance ≤ 2, or one contains the other).
/// The field of an unknown option whose name is not shown.
const HIDDEN_NAME: &str = "(unknown option, name not shown)";

/// Whether an unknown option's name may be echoed: letters, digits, `_`,
/// `-` and `.`, at most 64 of them (or none), and none of the document's string values
/// (of 6 characters or more) inside it.
fn is_shown_name(name: &str, document: &Map<String, Value>) -> bool {
    fn holds_value(name: &str, value: &Value) -> bool {
        match value {
            Value::String(s) => s.len() >= 6 && name.contains(s.as_str()),
            Value::Array(items) => items.iter().any(|v| holds_value(name, v)),
            Value::Object(map) => map.values().any(|v| holds_value(name, v)),
            _ => false,
        }
    }
    name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !document.values().any(|v| holds_value(name, v))
}

fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(name, k), *k))
        .filter(|(d, k)| *d <= 2 || k.contains(name) || name.contains(k))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

impl ClientConfig {
    /// A config from the JSON document of `tests/vectors/README.md`
    /// (snake_case fields, defaults as in the builder).
    pub fn from_json(text: &str) -> Result<ClientConfig, ConfigError> {
        let document_error =
            |reason| ConfigError::new(Kind::InvalidConfigDocument, "config", reason);
        let mut value: Value = serde_json::from_slice(text.as_bytes())
            .map_err(|_| document_error("not valid JSON"))?;
        let Value::Object(document) = &value else {
            return Err(document_error("not a JSON object"));
        };
        // Read from the parsed value, so a refusal can be traced to a member.
        let doc = Document::deserialize(&value).map_err(|e| self::document_error(document, &e));
        // Secrets and keys were copied out (into zeroizing holders) or refused.
        crate::secret::zeroize_value(&mut value);
        let doc = doc?;
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
                    .map_err(|_| unknown("auth_method", AUTH_METHODS))?,
            );
        }
        if let Some(encoding) = doc.basic_auth_encoding {
            b = b.basic_auth_encoding(match encoding.as_str() {
                "form_urlencoded" => BasicAuthEncoding::FormUrlEncoded,
                "raw" => BasicAuthEncoding::Raw,
                _ => return Err(unknown("basic_auth_encoding", &["form_urlencoded", "raw"])),
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
                _ => return Err(unknown("body_format", &["form", "json"])),
            });
        }
        if let Some(limit) = doc.max_response_bytes {
            b = b.max_response_bytes(limit);
        }
        if let Some(url) = doc.revocation_endpoint {
            b = b.revocation_endpoint(url);
        }
        if let Some(url) = doc.introspection_endpoint {
            b = b.introspection_endpoint(url);
        }
        b = b.proactive_refresh(doc.proactive_refresh);
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
            Some(name) => Some(name.parse::<JwsAlgorithm>().map_err(|()| {
                unknown(
                    "client_assertion_alg",
                    &[
                        "HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "ES384", "EdDSA",
                    ],
                )
            })?),
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
        if let Some(pem) = doc.certificate {
            b = b.certificate(certificate_der(&pem)?);
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
        if let Some(key) = doc.host_signed_key {
            if b.has_private_key() {
                return Err(ConfigError::new(
                    Kind::InvalidParameter,
                    "host_signed_key",
                    "given with private_key: one key signs the assertions",
                ));
            }
            b = b.private_key(key.key("host_signed_key")?);
        }
        if let Some(key) = doc.host_signed_dpop_key {
            if b.has_dpop_key() {
                return Err(ConfigError::new(
                    Kind::InvalidParameter,
                    "host_signed_dpop_key",
                    "given with dpop_key: one key signs the proofs",
                ));
            }
            b = b.dpop_key(key.key("host_signed_dpop_key")?);
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
        assert!(err
            .reason()
            .contains("client_secret_basic, client_secret_post"));
    }

    fn error_of(text: &str) -> (String, String, String) {
        let err = ClientConfig::from_json(text).unwrap_err();
        (
            err.code().to_owned(),
            err.field().to_owned(),
            err.reason().to_owned(),
        )
    }

    #[test]
    fn document_errors_name_the_option() {
        let (code, field, reason) =
            error_of(r#"{"token_endpoint":"https://a/t","client_id":"c","scope":["a"]}"#);
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("INVALID_CONFIG_DOCUMENT", "scope")
        );
        assert_eq!(reason, "unknown option; did you mean `scopes`?");
        let (_, field, reason) = error_of(r#"{"token_endpoint":"https://a/t"}"#);
        assert_eq!(
            (field.as_str(), reason.as_str()),
            ("client_id", "required option missing")
        );
        let (_, field, _) = error_of(r#"{"token_endpoint":"https://a/t","client_id":null}"#);
        assert_eq!(field, "client_id");
        let (_, field, reason) = error_of(
            r#"{"token_endpoint":"https://a/t","client_id":"c","retry":{"max_atempts":2}}"#,
        );
        assert_eq!(field, "retry.max_atempts");
        assert_eq!(reason, "unknown option; did you mean `max_attempts`?");
        // A key merged with a value by a typo is not echoed; the near option is named.
        let (_, field, reason) = error_of(
            r#"{"token_endpoint":"https://a/t","client_id":"c","client_secret=s3cr3t-value":1}"#,
        );
        assert_eq!(field, "(unknown option, name not shown)");
        assert_eq!(reason, "unknown option; did you mean `client_secret`?");
        let (_, field, _) = error_of(
            r#"{"token_endpoint":"https://a/t","client_id":"c","client_secretabcdef":1,"x":"abcdef"}"#,
        );
        assert_eq!(field, "(unknown option, name not shown)");
        let (_, field, reason) =
            error_of(r#"{"token_endpoint":"https://a/t","client_id":"c","scopes":["a",7]}"#);
        assert_eq!(
            (field.as_str(), reason.as_str()),
            ("scopes", "wrong type or value out of range")
        );
        let err = ClientConfig::from_json(
            r#"{"token_endpoint":"https://a/t","client_id":"c","scopes":["a",7]}"#,
        )
        .unwrap_err();
        assert_eq!(err.index(), Some(1));
        let (_, field, _) = error_of(
            r#"{"token_endpoint":"https://a/t","client_id":"c","retry":{"max_attempts":"x"}}"#,
        );
        assert_eq!(field, "retry.max_attempts");
        let (_, field, _) = error_of(r#"{"token_endpoint":"https://a/t","client_id":7}"#);
        assert_eq!(field, "client_id");
        let (_, field, reason) = error_of(r#"{"token_endpoint":null,"client_id":"c"}"#);
        assert_eq!(
            (field.as_str(), reason.as_str()),
            ("token_endpoint", "required option missing (null)")
        );
        let (_, field, _) = error_of(r#"{"token_endpoint":"https://a/t","client_id":"c","":0}"#);
        assert_eq!(field, r#""""#);
        let (_, field, reason) = error_of("[1]");
        assert_eq!(
            (field.as_str(), reason.as_str()),
            ("config", "not a JSON object")
        );
        let (_, field, reason) = error_of("{");
        assert_eq!(
            (field.as_str(), reason.as_str()),
            ("config", "not valid JSON")
        );
    }
}
