//! Token introspection (RFC 7662): ask the server whether a token is active.

use std::fmt;

use serde_json::{Map, Value};

use crate::config::ClientConfig;
use crate::endpoints::revocation::{signed_in_core, token_admin_request, TokenTypeHint};
use crate::endpoints::token_request::RequestContext;
use crate::endpoints::token_response::{base_error, check_reply};
use crate::error::{ConfigError, ResponseError, ResponseErrorKind};
use crate::http::HttpRequest;
use crate::http::{BodyKind, HttpResponse};

/// What the server said about a token.
#[derive(Clone, PartialEq)]
pub struct Introspection {
    active: bool,
    fields: Map<String, Value>,
}

impl Introspection {
    /// Whether the token is active (the only member RFC 7662 requires).
    pub fn active(&self) -> bool {
        self.active
    }

    /// `scope`, when given.
    pub fn scope(&self) -> Option<&str> {
        self.fields.get("scope").and_then(Value::as_str)
    }

    /// `client_id`, when given.
    pub fn client_id(&self) -> Option<&str> {
        self.fields.get("client_id").and_then(Value::as_str)
    }

    /// `exp` (Unix seconds), when given.
    pub fn exp(&self) -> Option<u64> {
        self.fields.get("exp").and_then(Value::as_u64)
    }

    /// `token_type`, when given (`DPoP` for a DPoP-bound token).
    pub fn token_type(&self) -> Option<&str> {
        self.fields.get("token_type").and_then(Value::as_str)
    }

    /// Every member as sent, `active` included.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }
}

impl fmt::Debug for Introspection {
    // Members are listed by name only: a server may echo claims that are secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.fields.keys().map(String::as_str).collect();
        f.debug_struct("Introspection")
            .field("active", &self.active)
            .field("members", &names)
            .finish()
    }
}

/// The introspection request for `token` at `endpoint`, with the config's
/// client authentication.
pub fn build_introspection_request(
    config: &ClientConfig,
    endpoint: &str,
    token: &str,
    hint: Option<TokenTypeHint>,
    context: &RequestContext<'_>,
) -> Result<HttpRequest, ConfigError> {
    let unsigned = token_admin_request(
        config,
        endpoint,
        "introspection_endpoint",
        token,
        hint,
        context,
    )?;
    signed_in_core(unsigned, "introspection_endpoint")
}

/// Reads the introspection answer: a JSON object with a boolean `active`.
pub fn parse_introspection_response(
    config: &ClientConfig,
    response: &HttpResponse,
    now_ms: u64,
) -> Result<Introspection, ResponseError> {
    let fields = check_reply(
        config,
        response,
        now_ms,
        Some(ResponseErrorKind::InvalidIntrospectionResponse),
    )?;
    let invalid = || {
        base_error(
            ResponseErrorKind::InvalidIntrospectionResponse,
            response,
            BodyKind::Json,
            now_ms,
        )
    };
    let fields = fields.ok_or_else(invalid)?;
    match fields.get("active") {
        Some(Value::Bool(active)) => Ok(Introspection {
            active: *active,
            fields,
        }),
        _ => Err(invalid()),
    }
}
