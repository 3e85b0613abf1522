//! The values that cross the boundary: records for what is safe to print,
//! objects (redacted `Debug`) for what holds a secret, and a ticket whose
//! request prints redacted (`TokenRequestParts`).

use std::sync::Arc;

use ccauth::Error;

use crate::sansio::TokenRequestParts;

/// One HTTP header (or any name/value pair).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Header {
    /// The name as sent.
    pub name: String,
    /// The value (on a token request, may be a credential: do not log).
    pub value: String,
}

/// One `WWW-Authenticate` challenge, e.g. `Bearer error="invalid_token"`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Challenge {
    /// The scheme as sent.
    pub scheme: String,
    /// Parameters in order; names lower-cased.
    pub params: Vec<Header>,
}

/// Where a failure comes from: the one classification every binding's
/// error type maps from (no binding guesses it from codes or fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ErrorKind {
    /// The configuration was rejected (`field` names the option).
    Config,
    /// The token endpoint sent an RFC 6749 error (`error`, …).
    OAuth,
    /// Any other response that is not a token (status, HTML page, bad JSON, …).
    Response,
    /// No response: timeout, connection or TLS failure.
    Transport,
    /// An exported token document could not be imported.
    TokenDocument,
    /// A misuse of the core's API (not reachable through these bindings).
    Other,
}

/// A failure, flattened: every field a binding's error type needs. The
/// message and excerpt are the core's sanitized texts (no secret or token).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ErrorInfo {
    /// Where it comes from.
    pub kind: ErrorKind,
    /// The stable code, e.g. `TOKEN_ENDPOINT_ERROR`.
    pub code: String,
    /// A one-line description.
    pub message: String,
    /// Whether trying again later may succeed.
    pub retryable: bool,
    /// The HTTP status of the response, when there was one.
    pub status: Option<u16>,
    /// RFC 6749 `error`.
    pub error: Option<String>,
    /// RFC 6749 `error_description`.
    pub error_description: Option<String>,
    /// RFC 6749 `error_uri`.
    pub error_uri: Option<String>,
    /// From `Retry-After`.
    pub retry_after_ms: Option<u64>,
    /// `json`, `form`, `html`, `text`, `empty`, … (responses only).
    pub body_kind: Option<String>,
    /// A short sanitized excerpt of a non-2xx body.
    pub excerpt: Option<String>,
    /// Parsed `WWW-Authenticate` of the response.
    pub www_authenticate: Vec<Challenge>,
    /// The config option at fault (config errors only), in the core's
    /// snake_case spelling; bindings show their own option name.
    pub field: Option<String>,
    /// Why the option was refused, without its name (config errors only).
    pub reason: Option<String>,
    /// Position within a list option (config errors only).
    pub index: Option<u32>,
    /// The response's `Content-Type`.
    pub content_type: Option<String>,
    /// The response body's length (or its declared `Content-Length`).
    pub body_len: Option<u64>,
    /// The server's other members of an error body, as a JSON object text
    /// (`{}` when none): Entra's `trace_id`, `correlation_id`, ….
    pub extras_json: String,
    /// The `DPoP-Nonce` of a `use_dpop_nonce` error.
    pub dpop_nonce: Option<String>,
    /// `timeout`, `connect`, `tls`, `reset` or `other` (transport errors only).
    pub transport_kind: Option<String>,
    /// The platform's code for a transport failure (`ECONNREFUSED`, …).
    pub cause: Option<String>,
    /// Whether the request had been sent when the transport failed.
    pub request_sent: Option<bool>,
}

/// Name/value pairs as `Header` records.
pub(crate) fn owned_headers(pairs: &[(String, String)]) -> Vec<Header> {
    pairs
        .iter()
        .map(|(name, value)| Header {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

impl From<&Error> for ErrorInfo {
    fn from(error: &Error) -> Self {
        let kind = match error {
            Error::Config(_) => ErrorKind::Config,
            Error::Response(e) if e.kind() == ccauth::ResponseErrorKind::TokenEndpointError => {
                ErrorKind::OAuth
            }
            Error::Response(_) => ErrorKind::Response,
            Error::Transport(_) => ErrorKind::Transport,
            Error::TokenDocument(_) => ErrorKind::TokenDocument,
            _ => ErrorKind::Other,
        };
        let mut info = ErrorInfo {
            kind,
            code: error.code().to_owned(),
            message: error.to_string(),
            retryable: error.is_retryable(),
            status: None,
            error: None,
            error_description: None,
            error_uri: None,
            retry_after_ms: error.retry_after_ms(),
            body_kind: None,
            excerpt: None,
            www_authenticate: Vec::new(),
            field: None,
            reason: None,
            index: None,
            content_type: None,
            body_len: None,
            extras_json: "{}".to_owned(),
            dpop_nonce: None,
            transport_kind: None,
            cause: None,
            request_sent: None,
        };
        match error {
            Error::Response(e) => {
                info.status = Some(e.status());
                info.error = owned(e.error());
                info.error_description = owned(e.error_description());
                info.error_uri = owned(e.error_uri());
                info.body_kind = Some(e.body_kind().as_str().to_owned());
                info.excerpt = owned(e.excerpt());
                info.content_type = owned(e.content_type());
                info.body_len = Some(e.body_len() as u64);
                info.extras_json = serde_json::Value::Object(e.extras().clone()).to_string();
                info.dpop_nonce = owned(e.dpop_nonce());
                info.www_authenticate = e
                    .www_authenticate()
                    .iter()
                    .map(|c| Challenge {
                        scheme: c.scheme.clone(),
                        params: c
                            .params
                            .iter()
                            .map(|(n, v)| Header {
                                name: n.clone(),
                                value: v.clone(),
                            })
                            .collect(),
                    })
                    .collect();
            }
            Error::Config(e) => {
                info.field = Some(e.field().to_owned());
                info.reason = Some(e.reason().to_owned());
                info.index = e.index().and_then(|i| u32::try_from(i).ok());
            }
            Error::Transport(e) => {
                info.transport_kind = Some(e.kind().as_str().to_owned());
                info.cause = owned(e.cause());
                info.request_sent = e.request_sent();
            }
            _ => {}
        }
        info
    }
}

/// A token request to send. Its headers or body hold the client
/// credentials, so it prints redacted.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct TokenRequest(pub(crate) ccauth::HttpRequest);

#[uniffi::export]
impl TokenRequest {
    /// Always `POST`.
    pub fn method(&self) -> String {
        self.0.method().to_owned()
    }

    /// The token endpoint URL with any extra query parameters.
    pub fn url(&self) -> String {
        self.0.url().to_owned()
    }

    /// Headers in the order to send them (may hold credentials).
    pub fn headers(&self) -> Vec<Header> {
        owned_headers(self.0.headers())
    }

    /// The body bytes (form or JSON; may hold credentials).
    pub fn body(&self) -> Vec<u8> {
        self.0.body().to_vec()
    }
}

/// The right to send one token request; report its outcome by `id`. The
/// request comes as values (one crossing, no object to read field by field);
/// its headers and body carry credentials and print redacted.
#[derive(Debug, uniffi::Record)]
pub struct FetchTicket {
    /// Unique within its lifecycle.
    pub id: u64,
    /// 1 for the first attempt of a fetch cycle, 2 for the first retry, ….
    pub attempt: u32,
    /// The request to send (`POST` to the token endpoint).
    pub request: TokenRequestParts,
    /// The host must add its externally minted client assertion first
    /// (`TokenLifecycle::request_with_assertion` gives the request to send instead).
    pub needs_client_assertion: bool,
    /// What the host signs first, with a host-signed key (client assertion
    /// first, then the DPoP proof); empty when the core signs. The request
    /// to send is then `TokenLifecycle::complete_request`'s, not `request`.
    pub signing_inputs: Vec<SigningInput>,
}

impl From<ccauth::FetchTicket> for FetchTicket {
    fn from(ticket: ccauth::FetchTicket) -> Self {
        Self {
            id: ticket.id().get(),
            attempt: ticket.attempt(),
            request: TokenRequestParts::from(ticket.request()),
            needs_client_assertion: ticket.needs_client_assertion(),
            signing_inputs: ticket
                .signing_inputs()
                .iter()
                .map(SigningInput::from)
                .collect(),
        }
    }
}

/// What a JWT the host signs is for (a KMS policy or a log line may say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SigningPurpose {
    /// A client assertion (`private_key_jwt`, RFC 7523).
    ClientAssertion,
    /// A DPoP proof (RFC 9449).
    DpopProof,
}

/// A JWS to sign with a host-signed key (`PrivateKey::host_signed`): sign
/// `bytes` with `alg` using the key the host holds (WebCrypto, a key store,
/// a KMS). The input holds no secret; ECDSA signatures may be DER or
/// `r || s` (the core converts and checks them: `INVALID_SIGNATURE`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SigningInput {
    /// What the JWT is for.
    pub purpose: SigningPurpose,
    /// The JWS algorithm, e.g. `ES256`.
    pub alg: String,
    /// The key's id (the assertion's `kid`, or the key's own), for signers
    /// holding several keys.
    pub key_id: Option<String>,
    /// The bytes to sign: `base64url(header) . base64url(claims)` (ASCII).
    pub bytes: Vec<u8>,
}

impl From<&ccauth::SigningInput> for SigningInput {
    fn from(input: &ccauth::SigningInput) -> Self {
        Self {
            purpose: match input.purpose() {
                ccauth::SigningPurpose::DpopProof => SigningPurpose::DpopProof,
                _ => SigningPurpose::ClientAssertion,
            },
            alg: input.alg().as_str().to_owned(),
            key_id: input.key_id().map(str::to_owned),
            bytes: input.bytes().to_vec(),
        }
    }
}

/// Everything about a token except its secrets, in one call (each call
/// across the FFI costs microseconds in Python, so drivers read this once).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TokenInfo {
    /// The type as sent.
    pub token_type: String,
    /// The `Authorization` scheme: `Bearer` for any case of bearer, else the type.
    pub authorization_scheme: String,
    /// When the token was received (Unix ms).
    pub issued_at_ms: u64,
    /// When it expires (Unix ms).
    pub expires_at_ms: u64,
    /// When the core will start refreshing it (Unix ms).
    pub refresh_at_ms: u64,
    /// Where the expiry came from: `expires_in`, `jwt_exp`, `default`, ….
    pub expiry_source: String,
    /// The granted scope, when the server said.
    pub scope: Option<String>,
    /// The server's `refresh_in` hint (ms), if any.
    pub refresh_in_ms: Option<u64>,
    /// The response's `Date` header (Unix ms), if any.
    pub server_date_ms: Option<u64>,
    /// Fields the core does not model, as a JSON object.
    pub extras_json: String,
    /// Codes of the provider quirks tolerated in the response.
    pub deviations: Vec<String>,
    /// Whether `refresh_token()` has a value.
    pub has_refresh_token: bool,
    /// Whether `id_token()` has a value.
    pub has_id_token: bool,
}

/// An access token and what the core knows of it; prints redacted.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct AccessToken(pub(crate) Arc<ccauth::AccessToken>);

#[uniffi::export]
impl AccessToken {
    /// The token itself (a secret: do not log).
    pub fn access_token(&self) -> String {
        self.0.value().expose_secret().to_owned()
    }

    /// The type as sent (`Bearer`, `bearer`, `DPoP`, …).
    pub fn token_type(&self) -> String {
        self.0.token_type().to_owned()
    }

    /// The `Authorization` header value, e.g. `Bearer eyJ…` (a secret).
    pub fn authorization(&self) -> String {
        self.0.authorization_header().expose_secret().to_owned()
    }

    /// When the token was received (Unix ms).
    pub fn issued_at_ms(&self) -> u64 {
        self.0.issued_at_ms()
    }

    /// When it expires (Unix ms).
    pub fn expires_at_ms(&self) -> u64 {
        self.0.expires_at_ms()
    }

    /// When the core will start refreshing it (Unix ms).
    pub fn refresh_at_ms(&self) -> u64 {
        self.0.refresh_at_ms()
    }

    /// Where the expiry came from: `expires_in`, `jwt_exp`, `default`, ….
    pub fn expiry_source(&self) -> String {
        self.0.expiry_source().as_str().to_owned()
    }

    /// The granted scope, when the server said.
    pub fn scope(&self) -> Option<String> {
        owned(self.0.scope())
    }

    /// A refresh token, if the server sent one (a secret).
    pub fn refresh_token(&self) -> Option<String> {
        self.0.refresh_token().map(|t| t.expose_secret().to_owned())
    }

    /// An ID token, if the server sent one (a secret).
    pub fn id_token(&self) -> Option<String> {
        self.0.id_token().map(|t| t.expose_secret().to_owned())
    }

    /// The server's `refresh_in` hint (ms), if any.
    pub fn refresh_in_ms(&self) -> Option<u64> {
        self.0.refresh_in_ms()
    }

    /// The response's `Date` header (Unix ms), if any.
    pub fn server_date_ms(&self) -> Option<u64> {
        self.0.server_date_ms()
    }

    /// Fields the core does not model, as a JSON object.
    pub fn extras_json(&self) -> String {
        serde_json::Value::Object(self.0.extras().clone()).to_string()
    }

    /// Codes of the provider quirks tolerated in the response.
    pub fn deviations(&self) -> Vec<String> {
        self.0
            .deviations()
            .iter()
            .map(|d| d.code().to_owned())
            .collect()
    }

    /// Whether the token is expired at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.0.is_expired(now_ms)
    }

    /// Every non-secret field at once.
    pub fn info(&self) -> TokenInfo {
        let t = &self.0;
        TokenInfo {
            token_type: t.token_type().to_owned(),
            // The scheme the core writes into the header (Bearer, DPoP normalized).
            authorization_scheme: t
                .authorization_header()
                .expose_secret()
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_owned(),
            issued_at_ms: t.issued_at_ms(),
            expires_at_ms: t.expires_at_ms(),
            refresh_at_ms: t.refresh_at_ms(),
            expiry_source: t.expiry_source().as_str().to_owned(),
            scope: owned(t.scope()),
            refresh_in_ms: t.refresh_in_ms(),
            server_date_ms: t.server_date_ms(),
            extras_json: self.extras_json(),
            deviations: self.deviations(),
            has_refresh_token: t.refresh_token().is_some(),
            has_id_token: t.id_token().is_some(),
        }
    }
}
