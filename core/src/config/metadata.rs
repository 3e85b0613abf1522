//! Authorization server metadata (RFC 8414, OpenID Connect Discovery 1.0)
//! as the config reads it: the token endpoint, the supported auth methods
//! and algorithms. Fetching it is the discovery endpoint's job.

use serde_json::{Map, Value};

use crate::error::{ConfigError, ConfigErrorKind};

/// The metadata members this client uses. Unknown members are ignored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServerMetadata {
    /// The issuer identifier, equal to the one asked for.
    pub issuer: String,
    /// The token endpoint.
    pub token_endpoint: String,
    /// Client authentication methods the token endpoint accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// JWS algorithms accepted for client assertions.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub token_endpoint_auth_signing_alg_values_supported: Option<Vec<String>>,
    /// RFC 7009 endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub revocation_endpoint: Option<String>,
    /// RFC 7662 endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub introspection_endpoint: Option<String>,
    /// JWS algorithms accepted for DPoP proofs.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
}

impl ServerMetadata {
    /// The members this client uses; `None` without `issuer`/`token_endpoint`
    /// or with a member of the wrong type. (Read from a `Value`, not derived:
    /// it keeps the wasm build small.)
    pub(crate) fn from_object(object: &Map<String, Value>) -> Option<Self> {
        let text = |name: &str| match object.get(name) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => None,
        };
        let list = |name: &str| match object.get(name) {
            None | Some(Value::Null) => Some(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(Some),
            Some(_) => None,
        };
        Some(Self {
            issuer: text("issuer")??,
            token_endpoint: text("token_endpoint")??,
            token_endpoint_auth_methods_supported: list("token_endpoint_auth_methods_supported")?,
            token_endpoint_auth_signing_alg_values_supported: list(
                "token_endpoint_auth_signing_alg_values_supported",
            )?,
            revocation_endpoint: text("revocation_endpoint")?,
            introspection_endpoint: text("introspection_endpoint")?,
            dpop_signing_alg_values_supported: list("dpop_signing_alg_values_supported")?,
        })
    }

    /// Reads metadata saved as JSON (e.g. a host's cache); the issuer is
    /// checked again against `issuer`.
    pub fn from_json(issuer: &str, text: &str) -> Result<Self, ConfigError> {
        let object: Option<Map<String, Value>> = serde_json::from_str(text).ok();
        let metadata = object.as_ref().and_then(Self::from_object).ok_or_else(|| {
            ConfigError::new(
                ConfigErrorKind::InvalidConfigDocument,
                "server_metadata",
                "not a metadata object with issuer and token_endpoint",
            )
        })?;
        if metadata.issuer != issuer {
            return Err(ConfigError::new(
                ConfigErrorKind::InvalidParameter,
                "server_metadata",
                "its issuer differs from the configured issuer",
            ));
        }
        Ok(metadata)
    }

    /// The metadata as JSON, for a host that caches it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub(crate) fn supports_auth_method(&self, name: &str) -> bool {
        match &self.token_endpoint_auth_methods_supported {
            Some(list) => list.iter().any(|m| m == name),
            // RFC 8414 §2: omitted means client_secret_basic.
            None => name == "client_secret_basic",
        }
    }

    pub(crate) fn supports_signing_alg(&self, name: &str) -> Option<bool> {
        self.token_endpoint_auth_signing_alg_values_supported
            .as_ref()
            .map(|list| list.iter().any(|a| a == name))
    }
}
