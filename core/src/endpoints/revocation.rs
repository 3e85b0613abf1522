//! Token revocation (RFC 7009): tell the server a token is no longer needed.

use crate::config::ClientConfig;
use crate::endpoints::token_request::{build_for, RequestContext, UnsignedRequest};
use crate::endpoints::token_response::check_reply;
use crate::error::{ConfigError, ResponseError};
use crate::http::HttpRequest;
use crate::http::HttpResponse;

/// Which kind of token is revoked or introspected (`token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenTypeHint {
    /// `access_token`.
    AccessToken,
    /// `refresh_token`.
    RefreshToken,
}

impl TokenTypeHint {
    /// The registered hint value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessToken => "access_token",
            Self::RefreshToken => "refresh_token",
        }
    }
}

/// A `token` (+ `token_type_hint`) POST to a revocation or introspection
/// endpoint (`field` names it in errors), with the config's client
/// authentication (its assertion to sign, for a host-signed key).
pub(crate) fn token_admin_request(
    config: &ClientConfig,
    endpoint: &str,
    field: &'static str,
    token: &str,
    hint: Option<TokenTypeHint>,
    context: &RequestContext<'_>,
) -> Result<UnsignedRequest, ConfigError> {
    crate::config::validate_other_endpoint(endpoint, field, config.danger_accept_insecure_http)?;
    let mut params = vec![("token", token)];
    if let Some(hint) = hint {
        params.push(("token_type_hint", hint.as_str()));
    }
    Ok(build_for(config, endpoint, &params, false, Some(context)))
}

/// The request itself, for the functions that return one: a host-signed
/// key's assertion is signed through the lifecycle
/// ([`TokenManager::prepare_revocation_request`](crate::TokenManager::prepare_revocation_request)).
pub(crate) fn signed_in_core(
    unsigned: UnsignedRequest,
    field: &'static str,
) -> Result<HttpRequest, ConfigError> {
    if unsigned.needs_signatures() {
        return Err(ConfigError::invalid_parameter(
            field,
            "a host-signed key signs this request: use the lifecycle's prepare_revocation_request / prepare_introspection_request",
        ));
    }
    Ok(unsigned.into_request())
}

/// The revocation request for `token` at `endpoint`, with the config's client
/// authentication (a fresh assertion for the JWT methods).
pub fn build_revocation_request(
    config: &ClientConfig,
    endpoint: &str,
    token: &str,
    hint: Option<TokenTypeHint>,
    context: &RequestContext<'_>,
) -> Result<HttpRequest, ConfigError> {
    let unsigned = token_admin_request(
        config,
        endpoint,
        "revocation_endpoint",
        token,
        hint,
        context,
    )?;
    signed_in_core(unsigned, "revocation_endpoint")
}

/// Reads the revocation endpoint's answer: any 2xx is success (RFC 7009
/// §2.2: also for a token that was already invalid).
pub fn parse_revocation_response(
    config: &ClientConfig,
    response: &HttpResponse,
    now_ms: u64,
) -> Result<(), ResponseError> {
    check_reply(config, response, now_ms, None).map(|_| ())
}
