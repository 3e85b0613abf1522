//! Authorization server metadata (RFC 8414, OpenID Connect Discovery 1.0):
//! from an issuer identifier to its token endpoint and supported methods.

use serde::Deserialize;

use crate::config::ClientConfig;
use crate::endpoint;
use crate::error::{ConfigError, ConfigErrorKind, ResponseError, ResponseErrorKind};
use crate::request::HttpRequest;
use crate::response::{base_error, check_reply, BodyKind, HttpResponse};

/// Which well-known document to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataKind {
    /// RFC 8414: `/.well-known/oauth-authorization-server` inserted before the issuer's path.
    OAuth,
    /// OpenID Connect Discovery: `/.well-known/openid-configuration` appended to the issuer.
    OpenId,
}

/// The metadata members this client uses. Unknown members are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct ServerMetadata {
    /// The issuer identifier, equal to the one asked for.
    pub issuer: String,
    /// The token endpoint.
    pub token_endpoint: String,
    /// Client authentication methods the token endpoint accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// JWS algorithms accepted for client assertions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_signing_alg_values_supported: Option<Vec<String>>,
    /// RFC 7009 endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// RFC 7662 endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<String>,
    /// JWS algorithms accepted for DPoP proofs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
}

fn invalid_issuer(reason: &'static str) -> ConfigError {
    ConfigError::new(ConfigErrorKind::InvalidParameter, "issuer", reason)
}

/// The metadata URL of `issuer` for `kind`.
pub fn metadata_url(issuer: &str, kind: MetadataKind) -> Result<String, ConfigError> {
    let parsed =
        endpoint::parse(issuer).map_err(|_| invalid_issuer("not an absolute http(s) URL"))?;
    if issuer.contains(['?', '#']) {
        return Err(invalid_issuer(
            "an issuer has no query or fragment (RFC 8414 §2)",
        ));
    }
    let _ = parsed;
    let after_scheme = issuer.find("://").map_or(0, |i| i + 3);
    let path_start = issuer
        .get(after_scheme..)
        .and_then(|rest| rest.find('/'))
        .map_or(issuer.len(), |i| after_scheme + i);
    let (origin, path) = issuer.split_at(path_start);
    let path = path.trim_end_matches('/');
    Ok(match kind {
        MetadataKind::OAuth => format!("{origin}/.well-known/oauth-authorization-server{path}"),
        MetadataKind::OpenId => format!("{origin}{path}/.well-known/openid-configuration"),
    })
}

/// The GET request for `issuer`'s metadata. The https rule of token
/// endpoints applies (loopback excepted, or the explicit opt-in).
pub fn build_metadata_request(
    issuer: &str,
    kind: MetadataKind,
    danger_accept_insecure_http: bool,
) -> Result<HttpRequest, ConfigError> {
    let url = metadata_url(issuer, kind)?;
    let parsed =
        endpoint::parse(&url).map_err(|_| invalid_issuer("not an absolute http(s) URL"))?;
    if parsed.scheme != "https" && !parsed.host.is_loopback() && !danger_accept_insecure_http {
        return Err(ConfigError::new(
            ConfigErrorKind::InsecureEndpoint,
            "issuer",
            "http is allowed only to loopback hosts or with danger_accept_insecure_http",
        ));
    }
    Ok(HttpRequest::get(
        url,
        vec![("Accept".to_owned(), "application/json".to_owned())],
    ))
}

/// Reads a metadata response for `issuer`: a JSON object whose `issuer` is
/// exactly `issuer` (RFC 8414 §3.3, against mix-up) with a `token_endpoint`.
pub fn parse_metadata_response(
    issuer: &str,
    response: &HttpResponse,
    now_ms: u64,
) -> Result<ServerMetadata, ResponseError> {
    // Metadata is public; any config serves for the shared checks.
    let limits = ClientConfig::metadata_limits();
    let invalid = |kind| base_error(kind, response, BodyKind::Json, now_ms);
    let fields = check_reply(&limits, response, now_ms)?
        .ok_or_else(|| invalid(ResponseErrorKind::InvalidServerMetadata))?;
    let metadata: ServerMetadata = serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|_| invalid(ResponseErrorKind::InvalidServerMetadata))?;
    if metadata.issuer != issuer {
        return Err(invalid(ResponseErrorKind::IssuerMismatch));
    }
    Ok(metadata)
}

impl ServerMetadata {
    /// Reads metadata saved as JSON (e.g. a host's cache); the issuer is
    /// checked again against `issuer`.
    pub fn from_json(issuer: &str, text: &str) -> Result<Self, ConfigError> {
        let metadata: Self = serde_json::from_str(text).map_err(|_| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_urls_follow_both_specs() {
        let oauth = |i| metadata_url(i, MetadataKind::OAuth).unwrap();
        let oidc = |i| metadata_url(i, MetadataKind::OpenId).unwrap();
        assert_eq!(
            oauth("https://as.example"),
            "https://as.example/.well-known/oauth-authorization-server"
        );
        assert_eq!(
            oauth("https://as.example/tenant/1"),
            "https://as.example/.well-known/oauth-authorization-server/tenant/1"
        );
        assert_eq!(
            oidc("https://as.example/tenant/1/"),
            "https://as.example/tenant/1/.well-known/openid-configuration"
        );
        assert!(metadata_url("https://as.example/?x=1", MetadataKind::OAuth).is_err());
    }
}
