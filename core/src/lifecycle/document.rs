//! The cache key, and the versioned JSON document a cached token is exported
//! to and imported from (to survive restarts or be shared through a store).
//!
//! Version 1:
//! `{"version":1,"key":"…","access_token":"…","token_type":"Bearer",
//!   "issued_at_ms":…,"expires_at_ms":…,"refresh_at_ms":…,"scope":"…"|null}`

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Map;
use zeroize::Zeroizing;

use crate::config::ClientConfig;
use crate::error::TokenDocumentError;
use crate::secret::AccessTokenValue;
use crate::token::{AccessToken, ExpirySource};

/// The document format this library writes.
pub const TOKEN_DOCUMENT_VERSION: u32 = 1;

/// Everything that makes two configs get different tokens; no secret.
/// Scopes and resources are sorted, so their order does not matter.
pub(crate) fn cache_key(config: &ClientConfig) -> String {
    let mut scopes: Vec<&str> = config
        .scope
        .as_deref()
        .map(|s| s.split(' ').collect())
        .unwrap_or_default();
    scopes.sort_unstable();
    scopes.dedup();
    let mut resources: Vec<&str> = config.resources.iter().map(String::as_str).collect();
    resources.sort_unstable();
    let parts = serde_json::json!([
        "ccauth-v1",
        config.request_url,
        config.client_id,
        config.auth_method.as_str(),
        scopes,
        config.audience,
        resources,
    ]);
    parts.to_string()
}

/// An exported token: JSON text that holds the token, so a secret itself.
#[derive(Clone)]
pub struct TokenDocument(Zeroizing<String>);

impl TokenDocument {
    /// The JSON text. Call sites say why they need it (usually: to store it).
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenDocument([REDACTED])")
    }
}

#[derive(Serialize)]
struct DocumentV1<'a> {
    version: u32,
    key: &'a str,
    access_token: &'a str,
    token_type: &'a str,
    issued_at_ms: u64,
    expires_at_ms: u64,
    refresh_at_ms: u64,
    scope: Option<&'a str>,
}

pub(crate) fn export(key: &str, token: &AccessToken) -> TokenDocument {
    let document = DocumentV1 {
        version: TOKEN_DOCUMENT_VERSION,
        key,
        // Exported on purpose: the host asked to persist the token.
        access_token: token.value.expose_secret(),
        token_type: &token.token_type,
        issued_at_ms: token.issued_at_ms,
        expires_at_ms: token.expires_at_ms,
        refresh_at_ms: token.refresh_at_ms,
        scope: token.scope.as_deref(),
    };
    // Serializing plain strings and numbers cannot fail.
    TokenDocument(Zeroizing::new(
        serde_json::to_string(&document).unwrap_or_default(),
    ))
}

#[derive(Deserialize)]
struct VersionOnly {
    version: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportedV1 {
    #[allow(dead_code)] // checked through `VersionOnly`
    version: u32,
    key: String,
    access_token: AccessTokenValue,
    token_type: String,
    issued_at_ms: u64,
    expires_at_ms: u64,
    refresh_at_ms: u64,
    scope: Option<String>,
}

pub(crate) fn import(
    key: &str,
    text: &str,
    now_ms: u64,
) -> Result<AccessToken, TokenDocumentError> {
    let version: VersionOnly =
        serde_json::from_slice(text.as_bytes()).map_err(|_| TokenDocumentError::Invalid)?;
    if version.version != TOKEN_DOCUMENT_VERSION {
        return Err(TokenDocumentError::UnsupportedVersion);
    }
    let doc: ImportedV1 =
        serde_json::from_slice(text.as_bytes()).map_err(|_| TokenDocumentError::Invalid)?;
    if doc.key != key {
        return Err(TokenDocumentError::KeyMismatch);
    }
    // Read to check it can travel in a header.
    let value = doc.access_token.expose_secret();
    let valid_token = !value.is_empty()
        && crate::http::is_visible_ascii(value.as_bytes())
        && !doc.token_type.is_empty()
        && doc.token_type.bytes().all(|b| b.is_ascii_graphic());
    if !valid_token || doc.issued_at_ms > doc.expires_at_ms {
        return Err(TokenDocumentError::Invalid);
    }
    if now_ms >= doc.expires_at_ms {
        return Err(TokenDocumentError::Expired);
    }
    Ok(AccessToken {
        value: doc.access_token,
        token_type: doc.token_type,
        issued_at_ms: doc.issued_at_ms,
        expires_at_ms: doc.expires_at_ms,
        refresh_at_ms: doc.refresh_at_ms.clamp(doc.issued_at_ms, doc.expires_at_ms),
        expiry_source: ExpirySource::ExpiresIn,
        scope: doc.scope,
        refresh_token: None,
        id_token: None,
        refresh_in_ms: None,
        server_date_ms: None,
        extras: Map::new(),
        deviations: Vec::new(),
    })
}
