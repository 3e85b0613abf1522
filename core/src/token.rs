//! `AccessToken`: a parsed token with its lifetime and everything the server sent.

use std::fmt;

use serde_json::{Map, Value};

use crate::secret::{AccessTokenValue, AuthorizationValue, IdToken, RefreshToken};

/// Where the expiry time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpirySource {
    /// The response's `expires_in`.
    ExpiresIn,
    /// Entra's absolute `expires_on`.
    ExpiresOn,
    /// The `exp` claim of a JWT access token (decoded, not verified).
    JwtExp,
    /// The configured `default_lifetime_ms`.
    Default,
}

impl ExpirySource {
    /// Stable name: `expires_in`, `expires_on`, `jwt_exp`, `default`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ExpiresIn => "expires_in",
            Self::ExpiresOn => "expires_on",
            Self::JwtExp => "jwt_exp",
            Self::Default => "default",
        }
    }
}

/// A departure from RFC 6749 that the parser tolerated, so hosts can log it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Deviation {
    /// Success came as HTTP 201, not 200.
    Status201,
    /// The body was form-encoded, not JSON (GitHub without `Accept`).
    FormEncodedBody,
    /// A JSON body under a non-JSON `Content-Type`.
    UnexpectedContentType,
    /// No `token_type`; read as `Bearer`.
    TokenTypeMissing,
    /// `expires_in` was absent.
    ExpiresInMissing,
    /// `expires_in` was a numeric string.
    ExpiresInString,
    /// `expires_in` had a fraction; rounded down.
    ExpiresInFloat,
    /// `expires_in` was zero, negative or not a number; ignored.
    ExpiresInInvalid,
    /// `expires_in` was over a year; clamped to a year.
    ExpiresInClamped,
    /// `scope` was a JSON array, joined with spaces.
    ScopeNotString,
}

impl Deviation {
    /// Stable snake_case code, as in the vectors.
    pub fn code(self) -> &'static str {
        match self {
            Self::Status201 => "status_201",
            Self::FormEncodedBody => "form_encoded_body",
            Self::UnexpectedContentType => "unexpected_content_type",
            Self::TokenTypeMissing => "token_type_missing",
            Self::ExpiresInMissing => "expires_in_missing",
            Self::ExpiresInString => "expires_in_string",
            Self::ExpiresInFloat => "expires_in_float",
            Self::ExpiresInInvalid => "expires_in_invalid",
            Self::ExpiresInClamped => "expires_in_clamped",
            Self::ScopeNotString => "scope_not_string",
        }
    }
}

/// An access token and what the server said about it.
///
/// Times are Unix milliseconds in the host's clock: `issued_at_ms` is the
/// `now_ms` the response was parsed at.
#[derive(Clone, PartialEq)]
pub struct AccessToken {
    pub(crate) value: AccessTokenValue,
    pub(crate) token_type: String,
    pub(crate) issued_at_ms: u64,
    pub(crate) expires_at_ms: u64,
    pub(crate) refresh_at_ms: u64,
    pub(crate) expiry_source: ExpirySource,
    pub(crate) scope: Option<String>,
    pub(crate) refresh_token: Option<RefreshToken>,
    pub(crate) id_token: Option<IdToken>,
    pub(crate) refresh_in_ms: Option<u64>,
    pub(crate) server_date_ms: Option<u64>,
    pub(crate) extras: Map<String, Value>,
    pub(crate) deviations: Vec<Deviation>,
}

impl AccessToken {
    /// The token value. Call sites say why they need it.
    pub fn value(&self) -> &AccessTokenValue {
        &self.value
    }

    /// `token_type` as the server sent it (`Bearer` when it sent none).
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// Whether the type is `Bearer`, in any case.
    pub fn is_bearer(&self) -> bool {
        self.token_type.eq_ignore_ascii_case("bearer")
    }

    /// The `Authorization` header value: `Bearer <token>` or `DPoP <token>`
    /// (normalised spelling for either in any case), else `<type> <token>`.
    pub fn authorization_header(&self) -> AuthorizationValue {
        // The header is the one place the token has to go.
        authorization_value(&self.token_type, self.value.expose_secret())
    }

    /// When the response was parsed (host clock).
    pub fn issued_at_ms(&self) -> u64 {
        self.issued_at_ms
    }

    /// When the token expires (host clock).
    pub fn expires_at_ms(&self) -> u64 {
        self.expires_at_ms
    }

    /// When to start refreshing: expiry minus the policy's leeway.
    pub fn refresh_at_ms(&self) -> u64 {
        self.refresh_at_ms
    }

    /// Where the expiry came from.
    pub fn expiry_source(&self) -> ExpirySource {
        self.expiry_source
    }

    /// `true` once `now_ms` has reached the expiry.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        now_ms >= self.expires_at_ms
    }

    /// `true` once `now_ms` is inside the refresh window (or past expiry).
    pub fn needs_refresh(&self, now_ms: u64) -> bool {
        now_ms >= self.refresh_at_ms
    }

    /// The granted `scope`, when the server stated it (RFC 6749: absent means as requested).
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// A `refresh_token`, which some servers return even for this grant.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// An `id_token`, when returned.
    pub fn id_token(&self) -> Option<&IdToken> {
        self.id_token.as_ref()
    }

    /// Entra's `refresh_in` hint, in milliseconds from issue.
    pub fn refresh_in_ms(&self) -> Option<u64> {
        self.refresh_in_ms
    }

    /// The response's `Date` header, for clock-skew estimates.
    pub fn server_date_ms(&self) -> Option<u64> {
        self.server_date_ms
    }

    /// Every other field of the response, kept as sent.
    pub fn extras(&self) -> &Map<String, Value> {
        &self.extras
    }

    /// What the parser tolerated, in the order found.
    pub fn deviations(&self) -> &[Deviation] {
        &self.deviations
    }
}

impl fmt::Debug for AccessToken {
    // Hand-written: extras may hold credentials too, so only their names show.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra_keys: Vec<&String> = self.extras.keys().collect();
        f.debug_struct("AccessToken")
            .field("value", &self.value)
            .field("token_type", &self.token_type)
            .field("issued_at_ms", &self.issued_at_ms)
            .field("expires_at_ms", &self.expires_at_ms)
            .field("refresh_at_ms", &self.refresh_at_ms)
            .field("expiry_source", &self.expiry_source)
            .field("scope", &self.scope)
            .field("refresh_token", &self.refresh_token)
            .field("id_token", &self.id_token)
            .field("extra_keys", &extra_keys)
            .field("deviations", &self.deviations)
            .finish_non_exhaustive()
    }
}

/// `<scheme> <token>`: `Bearer` or `DPoP` spelled as registered whatever
/// the case the server used, any other type as sent.
pub(crate) fn authorization_value(token_type: &str, token: &str) -> AuthorizationValue {
    let scheme = if token_type.eq_ignore_ascii_case("bearer") {
        "Bearer"
    } else if token_type.eq_ignore_ascii_case("dpop") {
        "DPoP"
    } else {
        token_type
    };
    let mut header = String::with_capacity(scheme.len() + 1 + token.len());
    header.push_str(scheme);
    header.push(' ');
    header.push_str(token);
    AuthorizationValue::new(header)
}
