//! Errors: one type per concern, each with a stable upper-case `code()`.
//!
//! Codes are upper-case so they are never confused with the server's
//! lower-case RFC 6749 `error` value, which travels as a separate field.
//! Messages are fixed templates filled with non-secret values only: no error
//! ever holds a secret, a token or a raw response body.

use std::borrow::Cow;
use std::fmt;

use serde_json::{Map, Value};

mod code;

pub use code::ErrorCode;

use crate::http::challenge::Challenge;
use crate::http::BodyKind;

/// What is wrong with a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The token endpoint is not an absolute `http(s)` URL without credentials or fragment.
    InvalidTokenEndpoint,
    /// `http` to a non-loopback host without the explicit insecure opt-in.
    InsecureEndpoint,
    /// Empty client id, a control character, or a `:` with raw Basic encoding.
    InvalidClientId,
    /// The auth method needs a client secret and none was given.
    MissingClientSecret,
    /// A client secret was given to an auth method that never sends one.
    UnexpectedClientSecret,
    /// The client secret contains a control character (often a trailing newline from a file).
    InvalidClientSecret,
    /// A scope is not a valid RFC 6749 §3.3 scope-token.
    InvalidScope,
    /// An audience, resource or extra parameter is malformed.
    InvalidParameter,
    /// An extra parameter would overwrite one the core sets itself.
    ReservedParameter,
    /// An extra header has an invalid name or a value that could break the header block.
    InvalidHeader,
    /// An extra header would overwrite one the core or the HTTP stack sets.
    ReservedHeader,
    /// A refresh or retry policy value is out of range.
    InvalidPolicy,
    /// A JSON config document that could not be read.
    InvalidConfigDocument,
    /// A signing key that cannot be read or does not fit its algorithm.
    InvalidKey,
    /// A client assertion the host supplied is not a JWT or has expired.
    InvalidClientAssertion,
    /// A signature the host's signer returned does not fit the algorithm
    /// (malformed DER, wrong length, a value out of range).
    InvalidSignature,
}

impl ConfigErrorKind {
    /// The stable code.
    pub fn code(self) -> &'static str {
        self.error_code().as_str()
    }

    /// The stable code, as the catalogue's enum.
    pub fn error_code(self) -> ErrorCode {
        match self {
            Self::InvalidTokenEndpoint => ErrorCode::InvalidTokenEndpoint,
            Self::InsecureEndpoint => ErrorCode::InsecureEndpoint,
            Self::InvalidClientId => ErrorCode::InvalidClientId,
            Self::MissingClientSecret => ErrorCode::MissingClientSecret,
            Self::UnexpectedClientSecret => ErrorCode::UnexpectedClientSecret,
            Self::InvalidClientSecret => ErrorCode::InvalidClientSecret,
            Self::InvalidScope => ErrorCode::InvalidScope,
            Self::InvalidParameter => ErrorCode::InvalidParameter,
            Self::ReservedParameter => ErrorCode::ReservedParameter,
            Self::InvalidHeader => ErrorCode::InvalidHeader,
            Self::ReservedHeader => ErrorCode::ReservedHeader,
            Self::InvalidPolicy => ErrorCode::InvalidPolicy,
            Self::InvalidConfigDocument => ErrorCode::InvalidConfigDocument,
            Self::InvalidKey => ErrorCode::InvalidKey,
            Self::InvalidClientAssertion => ErrorCode::InvalidClientAssertion,
            Self::InvalidSignature => ErrorCode::InvalidSignature,
        }
    }
}

/// A configuration was rejected. Names the field and says why; never echoes a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    kind: ConfigErrorKind,
    field: Cow<'static, str>,
    reason: Cow<'static, str>,
    index: Option<usize>,
}

impl ConfigError {
    /// `INVALID_PARAMETER` for a host-side input (`field`) that is not what
    /// the core expects, e.g. malformed headers handed across a binding.
    pub fn invalid_parameter(field: &'static str, reason: &'static str) -> Self {
        Self::new(ConfigErrorKind::InvalidParameter, field, reason)
    }

    pub(crate) fn new(kind: ConfigErrorKind, field: &'static str, reason: &'static str) -> Self {
        Self {
            kind,
            field: Cow::Borrowed(field),
            reason: Cow::Borrowed(reason),
            index: None,
        }
    }

    /// An error about a field known only at run time (an unknown option in a
    /// config document); the name is the caller's, never a value.
    pub(crate) fn named(kind: ConfigErrorKind, field: String, reason: String) -> Self {
        Self {
            kind,
            field: Cow::Owned(field),
            reason: Cow::Owned(reason),
            index: None,
        }
    }

    /// The same error about a member of the nested document `parent`
    /// (`host_signed_key.public_jwk`).
    pub(crate) fn in_field(mut self, parent: &str) -> Self {
        self.field = Cow::Owned(format!("{parent}.{}", self.field));
        self
    }

    pub(crate) fn at(mut self, index: usize) -> Self {
        self.index = Some(index);
        self
    }

    /// What is wrong.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }

    /// The stable code, e.g. `INSECURE_ENDPOINT`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The config field at fault, in the snake_case spelling of the vectors
    /// (`refresh.min_leeway_ms` for a nested one). Bindings map it to their
    /// own option names.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Why, without the field name (bindings build their own message from it).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Position within a list field (`scopes`, `extra_headers`, …), when relevant.
    pub fn index(&self) -> Option<usize> {
        self.index
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: invalid `{}`", self.code(), self.field)?;
        if let Some(index) = self.index {
            write!(f, " (item {index})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for ConfigError {}

/// Why a token endpoint response is not a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseErrorKind {
    /// The body is longer than `max_response_bytes`.
    ResponseTooLarge,
    /// HTTP 429.
    RateLimited,
    /// The server sent an RFC 6749 §5.2 error (`error` field), at any status.
    TokenEndpointError,
    /// A 5xx without an RFC error body.
    ServerError,
    /// Any other non-success status without an RFC error body (3xx, 4xx).
    UnexpectedStatus,
    /// A success status whose body is neither JSON nor form-encoded.
    ResponseNotJson,
    /// A success status with JSON that is not a token response object.
    InvalidTokenResponse,
    /// No usable `access_token` (absent, empty or not a string).
    MissingAccessToken,
    /// An `access_token` that could not be sent in a header (spaces, control or non-ASCII characters).
    InvalidAccessToken,
    /// A `token_type` this client cannot use (RFC 6749 §7.1: not Bearer, or
    /// DPoP without a DPoP key in the config).
    UnsupportedTokenType,
    /// An introspection answer without a boolean `active` (RFC 7662 §2.2).
    InvalidIntrospectionResponse,
    /// A metadata document that is not a JSON object with an `issuer` and a `token_endpoint`.
    InvalidServerMetadata,
    /// The metadata's `issuer` is not the issuer it was fetched for (RFC 8414 §3.3).
    IssuerMismatch,
}

impl ResponseErrorKind {
    /// The stable code.
    pub fn code(self) -> &'static str {
        self.error_code().as_str()
    }

    /// The stable code, as the catalogue's enum.
    pub fn error_code(self) -> ErrorCode {
        match self {
            Self::ResponseTooLarge => ErrorCode::ResponseTooLarge,
            Self::RateLimited => ErrorCode::RateLimited,
            Self::TokenEndpointError => ErrorCode::TokenEndpointError,
            Self::ServerError => ErrorCode::ServerError,
            Self::UnexpectedStatus => ErrorCode::UnexpectedStatus,
            Self::ResponseNotJson => ErrorCode::ResponseNotJson,
            Self::InvalidTokenResponse => ErrorCode::InvalidTokenResponse,
            Self::MissingAccessToken => ErrorCode::MissingAccessToken,
            Self::InvalidAccessToken => ErrorCode::InvalidAccessToken,
            Self::UnsupportedTokenType => ErrorCode::UnsupportedTokenType,
            Self::InvalidIntrospectionResponse => ErrorCode::InvalidIntrospectionResponse,
            Self::InvalidServerMetadata => ErrorCode::InvalidServerMetadata,
            Self::IssuerMismatch => ErrorCode::IssuerMismatch,
        }
    }
}

/// A token endpoint response that did not yield a token.
///
/// Carries what a caller can act on (status, RFC 6749 fields, challenges,
/// retry hint) and what helps debugging (body kind, length, a sanitized
/// excerpt of non-2xx bodies). Never the raw body: a malformed 200 may hold
/// a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseError {
    pub(crate) kind: ResponseErrorKind,
    pub(crate) status: u16,
    pub(crate) error: Option<String>,
    pub(crate) error_description: Option<String>,
    pub(crate) error_uri: Option<String>,
    pub(crate) www_authenticate: Vec<Challenge>,
    pub(crate) retry_after_ms: Option<u64>,
    pub(crate) content_type: Option<String>,
    pub(crate) body_kind: BodyKind,
    pub(crate) body_len: usize,
    pub(crate) excerpt: Option<String>,
    pub(crate) extras: Map<String, Value>,
    pub(crate) dpop_nonce: Option<String>,
}

impl ResponseError {
    /// What went wrong.
    pub fn kind(&self) -> ResponseErrorKind {
        self.kind
    }

    /// The stable code, e.g. `TOKEN_ENDPOINT_ERROR`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The server's RFC 6749 `error` value (`invalid_client`, …), when it sent one.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The server's `error_description` as written (line breaks kept), with
    /// control characters, the client secret and JWT-shaped words removed.
    pub fn error_description(&self) -> Option<&str> {
        self.error_description.as_deref()
    }

    /// The server's `error_uri`.
    pub fn error_uri(&self) -> Option<&str> {
        self.error_uri.as_deref()
    }

    /// Parsed `WWW-Authenticate` challenges (typically on 401).
    pub fn www_authenticate(&self) -> &[Challenge] {
        &self.www_authenticate
    }

    /// How long the server asked to wait (`Retry-After`), in milliseconds.
    pub fn retry_after_ms(&self) -> Option<u64> {
        self.retry_after_ms
    }

    /// The response `Content-Type`, as sent.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// What the body looked like.
    pub fn body_kind(&self) -> BodyKind {
        self.body_kind
    }

    /// Body length in bytes (the `Content-Length` when the host refused to
    /// read a body declared too large).
    pub fn body_len(&self) -> usize {
        self.body_len
    }

    /// The other members of an error body (Entra's `error_codes`,
    /// `trace_id`, `correlation_id`, `timestamp`, a returned `scope`, …):
    /// what support asks for. At most 32, strings sanitized like the
    /// description, no member that may hold a token.
    pub fn extras(&self) -> &Map<String, Value> {
        &self.extras
    }

    /// The `DPoP-Nonce` sent with a `use_dpop_nonce` error (RFC 9449 §8):
    /// the same request with this nonce will succeed.
    pub fn dpop_nonce(&self) -> Option<&str> {
        self.dpop_nonce.as_deref()
    }

    /// A short sanitized excerpt of a non-2xx body (secrets and JWT-shaped words redacted).
    pub fn excerpt(&self) -> Option<&str> {
        self.excerpt.as_deref()
    }

    /// Whether sending the same request again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            ResponseErrorKind::RateLimited | ResponseErrorKind::ServerError => true,
            ResponseErrorKind::TokenEndpointError => {
                self.status >= 500
                    || matches!(
                        self.error.as_deref(),
                        Some("temporarily_unavailable" | "server_error")
                    )
                    || self.dpop_nonce.is_some()
            }
            _ => false,
        }
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: token endpoint answered HTTP {}",
            self.code(),
            self.status
        )?;
        if let Some(error) = &self.error {
            write!(f, " with error `{error}`")?;
        }
        if let Some(description) = &self.error_description {
            write!(f, ": {}", crate::sanitize::one_line_bounded(description))?;
        }
        if let Some(ms) = self.retry_after_ms {
            write!(f, " (retry after {ms} ms)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ResponseError {}

/// What kind of network failure the host saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No response in time.
    Timeout,
    /// Connection refused, reset, DNS failure.
    Connect,
    /// TLS handshake or certificate failure.
    Tls,
    /// The connection was reset or closed after the request was sent.
    Reset,
    /// Anything else.
    Other,
}

impl TransportErrorKind {
    /// Stable name: `timeout`, `connect`, `tls`, `reset`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Connect => "connect",
            Self::Tls => "tls",
            Self::Reset => "reset",
            Self::Other => "other",
        }
    }
}

/// The host could not get an HTTP response. Always retryable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    cause: Option<String>,
    request_sent: Option<bool>,
}

impl TransportError {
    /// A transport failure with the host's short description (kept to one
    /// bounded line; never pass a request body or header here).
    pub fn new(kind: TransportErrorKind, message: &str) -> Self {
        Self {
            kind,
            message: crate::sanitize::description(message, None),
            cause: None,
            request_sent: None,
        }
    }

    /// With the platform's code for the failure (`ECONNREFUSED`,
    /// `ConnectException`, `cannotConnectToHost`, …); only `[A-Za-z0-9_.:-]`
    /// is kept, at most 64 characters.
    pub fn with_cause(mut self, code: &str) -> Self {
        self.cause = crate::sanitize::code_word(code);
        self
    }

    /// With whether the request had been sent when it failed (a reset after
    /// sending may mean the server acted on it).
    pub fn with_request_sent(mut self, sent: bool) -> Self {
        self.request_sent = Some(sent);
        self
    }

    /// What kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The platform's code, when the host gave one.
    pub fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }

    /// Whether the request had been sent, when the host knows.
    pub fn request_sent(&self) -> Option<bool> {
        self.request_sent
    }

    /// The stable code, `TRANSPORT_ERROR`.
    pub fn code(&self) -> &'static str {
        ErrorCode::TransportError.as_str()
    }

    /// The host's description.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TRANSPORT_ERROR: {}", self.kind.as_str())?;
        match self.request_sent {
            Some(true) => f.write_str(" after the request was sent")?,
            Some(false) => f.write_str(" before the request was sent")?,
            None => {}
        }
        if let Some(cause) = &self.cause {
            write!(f, " ({cause})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for TransportError {}

/// Why an exported token document could not be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenDocumentError {
    /// Not JSON, a missing or mistyped field, or an unusable token value.
    #[error("INVALID_TOKEN_DOCUMENT: not a ccauth token document")]
    Invalid,
    /// A `version` this library does not know.
    #[error("UNSUPPORTED_TOKEN_DOCUMENT_VERSION: unknown token document version")]
    UnsupportedVersion,
    /// The document was made for another client, endpoint, scope set or resource.
    #[error("TOKEN_DOCUMENT_KEY_MISMATCH: the document belongs to another cache key")]
    KeyMismatch,
    /// The token in it has expired.
    #[error("TOKEN_DOCUMENT_EXPIRED: the token in the document has expired")]
    Expired,
}

impl TokenDocumentError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The stable code, as the catalogue's enum.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::Invalid => ErrorCode::InvalidTokenDocument,
            Self::UnsupportedVersion => ErrorCode::UnsupportedTokenDocumentVersion,
            Self::KeyMismatch => ErrorCode::TokenDocumentKeyMismatch,
            Self::Expired => ErrorCode::TokenDocumentExpired,
        }
    }
}

/// Every error the core returns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration was rejected.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The token endpoint's response was not a token.
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// The host could not reach the token endpoint.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// An exported token document could not be imported.
    #[error(transparent)]
    TokenDocument(#[from] TokenDocumentError),
    /// A `TokenKey` that this manager did not hand out.
    #[error("UNKNOWN_TOKEN_KEY: the key was not registered with this manager")]
    UnknownTokenKey,
}

impl Error {
    /// The stable code of the underlying error.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The stable code, as the catalogue's enum.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::Config(e) => e.kind().error_code(),
            Self::Response(e) => e.kind().error_code(),
            Self::Transport(_) => ErrorCode::TransportError,
            Self::TokenDocument(e) => e.error_code(),
            Self::UnknownTokenKey => ErrorCode::UnknownTokenKey,
        }
    }

    /// Whether the same request may succeed later.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Response(e) => e.is_retryable(),
            Self::Transport(_) => true,
            _ => false,
        }
    }

    /// The server's requested wait, in milliseconds.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            Self::Response(e) => e.retry_after_ms(),
            _ => None,
        }
    }
}
