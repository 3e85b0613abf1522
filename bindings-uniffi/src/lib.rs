//! UniFFI surface over the ccauth core, for Python, Kotlin and Swift:
//! translation only, language-neutral.
//!
//! Anything that holds a secret (a token, a request with credentials)
//! crosses as an *object* whose `Debug` (and so the generated `repr`/
//! `toString`/`description`) is the core's redacted one, or as a record that
//! exports a redacted `Debug` and `Display` (`TokenRequestParts`); other
//! records carry only values that are safe to print. Each language adds its own idiomatic
//! driver on top (HTTP, clock, waiting); the protocol and timing decisions
//! stay in the core. Nothing here panics: every core error becomes a
//! [`CcauthError`].

// Errors and decisions are serialized across the FFI by value; boxing
// them would only add an allocation before that copy.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]

use std::sync::{Arc, Mutex, MutexGuard};

use ccauth::{Error, HttpResponse, RequestContext, TokenKey, TokenManager};

uniffi::setup_scaffolding!();

mod discovery;
mod doctor;
mod events;
mod fleet;
#[cfg(test)]
mod host_signed_tests;
mod lifecycle_api;
mod options;
mod sansio;
mod types;

pub use discovery::{Discovery, DiscoveryStep};
pub use doctor::{client_options, doctor_plan, doctor_report};
pub use events::{LifecycleEvent, TokenStats};
pub use fleet::{delete_if_equals_script, StoreCommand, StoreKeys, StoreReply, StoreStep};
pub use lifecycle_api::{ApiHeaders, ApiVerdict, UnsignedDpopProof};
pub use options::{
    BasicEncoding, BodyFormat, ClientAuth, ClientConfig, ClientSecret, PrivateKey, RefreshPolicy,
    RetryPolicy,
};
pub use sansio::{ParsedToken, TokenRequestParts, UnsignedTokenRequest};

pub use types::{
    AccessToken, Challenge, ErrorInfo, ErrorKind, FetchTicket, Header, SigningInput,
    SigningPurpose, TokenInfo, TokenRequest,
};

/// Every failure, grouped by where it comes from; `info.code` is the core's
/// stable code (`TOKEN_ENDPOINT_ERROR`, `INVALID_TOKEN_ENDPOINT`, …).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum CcauthError {
    /// The configuration was rejected (`info.field` names the option).
    #[error("{}", info.message)]
    Config {
        /// What went wrong.
        info: ErrorInfo,
    },
    /// The token endpoint answered with an error or an unusable response.
    #[error("{}", info.message)]
    Response {
        /// What went wrong, with the OAuth error fields the server sent.
        info: ErrorInfo,
    },
    /// No response: timeout, connection or TLS failure.
    #[error("{}", info.message)]
    Transport {
        /// What went wrong.
        info: ErrorInfo,
    },
    /// An exported token document could not be imported.
    #[error("{}", info.message)]
    TokenDocument {
        /// What went wrong.
        info: ErrorInfo,
    },
}

impl From<Error> for CcauthError {
    fn from(error: Error) -> Self {
        let info = ErrorInfo::from(&error);
        match error {
            Error::Config(_) => Self::Config { info },
            Error::Transport(_) => Self::Transport { info },
            Error::TokenDocument(_) => Self::TokenDocument { info },
            _ => Self::Response { info },
        }
    }
}

pub(crate) fn config_from(config_json: &str) -> Result<ccauth::ClientConfig, CcauthError> {
    ccauth::ClientConfig::from_json(config_json).map_err(|e| Error::from(e).into())
}

pub(crate) fn response_from(status: u16, headers: Vec<Header>, body: Vec<u8>) -> HttpResponse {
    let headers = headers.into_iter().map(|h| (h.name, h.value)).collect();
    HttpResponse::new(status, headers, body)
}

/// The default limit on reply bodies, for replies read before a config
/// exists (discovery metadata).
#[uniffi::export]
pub fn default_max_response_bytes() -> u64 {
    ccauth::DEFAULT_MAX_RESPONSE_BYTES as u64
}

/// Checks a config document (the shared vectors' `config` object, as JSON)
/// and returns its cache key (no secret in it).
#[uniffi::export]
pub fn validate_config(config_json: String) -> Result<String, CcauthError> {
    let config = config_from(&config_json)?;
    let (manager, key) = TokenManager::with_config(config, 0);
    Ok(manager.cache_key(key).unwrap_or_default().to_owned())
}

/// Builds the token request for a config document.
#[uniffi::export]
pub fn build_token_request(config_json: String) -> Result<Arc<TokenRequest>, CcauthError> {
    let config = config_from(&config_json)?;
    ccauth::build_token_request(&config)
        .map(|r| Arc::new(TokenRequest(r)))
        .map_err(|e| Error::from(e).into())
}

/// Parses a token endpoint response received at `now_ms` (Unix ms).
#[uniffi::export]
pub fn parse_token_response(
    config_json: String,
    status: u16,
    headers: Vec<Header>,
    body: Vec<u8>,
    now_ms: u64,
) -> Result<Arc<AccessToken>, CcauthError> {
    let config = config_from(&config_json)?;
    let response = response_from(status, headers, body);
    ccauth::parse_token_response(&config, &response, now_ms)
        .map(|t| Arc::new(AccessToken(Arc::new(t))))
        .map_err(|e| Error::from(e).into())
}

pub(crate) fn entropy(bytes: &[u8]) -> Result<[u8; 32], CcauthError> {
    RequestContext::entropy_from(bytes).map_err(|e| Error::from(e).into())
}

pub(crate) fn context<'a>(
    now_ms: u64,
    entropy_bytes: &[u8],
    dpop_nonce: Option<&'a str>,
) -> Result<RequestContext<'a>, CcauthError> {
    Ok(RequestContext {
        now_ms,
        entropy: entropy(entropy_bytes)?,
        dpop_nonce,
    })
}

/// Builds the token request at `now_ms`, signing what the config asks for
/// (client assertion, DPoP proof) with 32 bytes of host randomness.
#[uniffi::export]
pub fn build_token_request_at(
    config_json: String,
    now_ms: u64,
    entropy: Vec<u8>,
    dpop_nonce: Option<String>,
) -> Result<Arc<TokenRequest>, CcauthError> {
    let config = config_from(&config_json)?;
    let context = context(now_ms, &entropy, dpop_nonce.as_deref())?;
    Ok(Arc::new(TokenRequest(ccauth::build_token_request_at(
        &config, &context,
    ))))
}

/// A new P-256 key (DPoP, ES256) from 32 bytes of host randomness, as a
/// private JWK (a secret: it goes straight into a config document).
#[uniffi::export]
pub fn generate_dpop_key(entropy: Vec<u8>) -> Result<String, CcauthError> {
    let key = ccauth::PrivateKey::generate_p256(&self::entropy(&entropy)?)
        .map_err(|e| CcauthError::from(Error::from(e)))?;
    Ok(key.private_jwk().to_string())
}

/// Which token `revoke`/`introspect` concern (`token_type_hint`).
#[derive(uniffi::Enum)]
pub enum TokenTypeHint {
    /// `access_token`.
    AccessToken,
    /// `refresh_token`.
    RefreshToken,
}

impl From<TokenTypeHint> for ccauth::TokenTypeHint {
    fn from(hint: TokenTypeHint) -> Self {
        match hint {
            TokenTypeHint::AccessToken => Self::AccessToken,
            TokenTypeHint::RefreshToken => Self::RefreshToken,
        }
    }
}

/// The RFC 7009 revocation request for `token` at `endpoint`.
#[uniffi::export]
pub fn build_revocation_request(
    config_json: String,
    endpoint: String,
    token: String,
    hint: Option<TokenTypeHint>,
    now_ms: u64,
    entropy: Vec<u8>,
) -> Result<Arc<TokenRequest>, CcauthError> {
    let config = config_from(&config_json)?;
    let context = context(now_ms, &entropy, None)?;
    ccauth::build_revocation_request(&config, &endpoint, &token, hint.map(Into::into), &context)
        .map(|r| Arc::new(TokenRequest(r)))
        .map_err(|e| Error::from(e).into())
}

/// Reads the revocation answer (any 2xx is success).
#[uniffi::export]
pub fn parse_revocation_response(
    config_json: String,
    status: u16,
    headers: Vec<Header>,
    body: Vec<u8>,
    now_ms: u64,
) -> Result<(), CcauthError> {
    let config = config_from(&config_json)?;
    ccauth::parse_revocation_response(&config, &response_from(status, headers, body), now_ms)
        .map_err(|e| Error::from(e).into())
}

/// The RFC 7662 introspection request for `token` at `endpoint`.
#[uniffi::export]
pub fn build_introspection_request(
    config_json: String,
    endpoint: String,
    token: String,
    hint: Option<TokenTypeHint>,
    now_ms: u64,
    entropy: Vec<u8>,
) -> Result<Arc<TokenRequest>, CcauthError> {
    let config = config_from(&config_json)?;
    let context = context(now_ms, &entropy, None)?;
    ccauth::build_introspection_request(&config, &endpoint, &token, hint.map(Into::into), &context)
        .map(|r| Arc::new(TokenRequest(r)))
        .map_err(|e| Error::from(e).into())
}

/// Reads the introspection answer: its members as a JSON object (with a boolean `active`).
#[uniffi::export]
pub fn parse_introspection_response(
    config_json: String,
    status: u16,
    headers: Vec<Header>,
    body: Vec<u8>,
    now_ms: u64,
) -> Result<String, CcauthError> {
    let config = config_from(&config_json)?;
    ccauth::parse_introspection_response(&config, &response_from(status, headers, body), now_ms)
        .map(|i| serde_json::Value::Object(i.fields().clone()).to_string())
        .map_err(|e| Error::from(e).into())
}

/// Which well-known metadata document.
#[derive(uniffi::Enum)]
pub enum MetadataKind {
    /// RFC 8414 `/.well-known/oauth-authorization-server`.
    OAuth,
    /// OpenID Connect `/.well-known/openid-configuration`.
    OpenId,
}

/// The GET request for `issuer`'s metadata.
#[uniffi::export]
pub fn build_metadata_request(
    issuer: String,
    kind: MetadataKind,
    danger_accept_insecure_http: bool,
) -> Result<Arc<TokenRequest>, CcauthError> {
    let kind = match kind {
        MetadataKind::OAuth => ccauth::MetadataKind::OAuth,
        MetadataKind::OpenId => ccauth::MetadataKind::OpenId,
    };
    ccauth::build_metadata_request(&issuer, kind, danger_accept_insecure_http)
        .map(|r| Arc::new(TokenRequest(r)))
        .map_err(|e| Error::from(e).into())
}

/// Reads `issuer`'s metadata response: the metadata as JSON (for the config
/// document's `server_metadata`), after checking the issuer.
#[uniffi::export]
pub fn parse_metadata_response(
    issuer: String,
    status: u16,
    headers: Vec<Header>,
    body: Vec<u8>,
    now_ms: u64,
) -> Result<String, CcauthError> {
    ccauth::parse_metadata_response(&issuer, &response_from(status, headers, body), now_ms)
        .map(|m| m.to_json())
        .map_err(|e| Error::from(e).into())
}

/// Discovered metadata by issuer, each kept for a TTL (the core's
/// `MetadataCache`); safe to share between threads.
#[derive(uniffi::Object)]
pub struct MetadataCache(Mutex<ccauth::MetadataCache>);

#[uniffi::export]
impl MetadataCache {
    /// A cache keeping each document `ttl_ms`.
    #[uniffi::constructor]
    pub fn new(ttl_ms: u64) -> Arc<Self> {
        Arc::new(Self(Mutex::new(ccauth::MetadataCache::new(ttl_ms))))
    }

    /// The metadata JSON of `issuer` while fresh.
    pub fn get(&self, issuer: String, now_ms: u64) -> Option<String> {
        let cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(&issuer, now_ms)
            .map(ccauth::ServerMetadata::to_json)
    }

    /// Keeps metadata JSON (from `parse_metadata_response`) from `now_ms`.
    pub fn insert(
        &self,
        issuer: String,
        metadata_json: String,
        now_ms: u64,
    ) -> Result<(), CcauthError> {
        let metadata = ccauth::ServerMetadata::from_json(&issuer, &metadata_json)
            .map_err(|e| CcauthError::from(Error::from(e)))?;
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(metadata, now_ms);
        Ok(())
    }
}

/// What a caller should do now (the core's `TokenDecision`).
#[derive(uniffi::Enum)]
pub enum TokenDecision {
    /// Use this token.
    Ready {
        /// The cached token.
        token: Arc<AccessToken>,
        /// Its non-secret fields (saves a call).
        info: TokenInfo,
        /// The same answer holds for every `now_ms` in
        /// `valid_from_ms..valid_until_ms` until the host reports, invalidates
        /// or imports: memoize it for that span instead of calling again.
        valid_from_ms: u64,
        /// End (exclusive) of the span the answer holds for.
        valid_until_ms: u64,
    },
    /// Send the ticket's request, then report the outcome.
    Fetch {
        /// The right to send one token request.
        ticket: FetchTicket,
    },
    /// Use this token now and send the ticket's request in the background.
    RefreshAhead {
        /// The still valid token.
        token: Arc<AccessToken>,
        /// Its non-secret fields (saves a call).
        info: TokenInfo,
        /// The refresh to send.
        ticket: FetchTicket,
    },
    /// Another caller's fetch is in flight, or a retry is scheduled: ask
    /// again when it reports, or at `until_ms` at the latest.
    Wait {
        /// Ask again no later than this (Unix ms).
        until_ms: u64,
        /// How long to sleep before asking again (1 ms to 1 s), unless a
        /// report wakes the waiter first.
        wait_ms: u64,
    },
    /// The last fetch failed for good (until a cool-down ends).
    Failed {
        /// The error every caller gets.
        error: ErrorInfo,
        /// While the error is served from the cool-down after a failed
        /// fetch: its end (Unix ms); `reset_failure` ends it at once.
        cooldown_until_ms: Option<u64>,
    },
}

/// What a reported outcome did (the core's `FetchOutcome`).
#[derive(uniffi::Enum)]
pub enum FetchOutcome {
    /// A new token is cached.
    Token {
        /// The new token.
        token: Arc<AccessToken>,
        /// Its non-secret fields (saves a call).
        info: TokenInfo,
        /// A poll would answer `Ready` with it for `now_ms` in
        /// `valid_from_ms..valid_until_ms` (until the next report,
        /// invalidation or import): memoize it without polling.
        valid_from_ms: u64,
        /// End (exclusive) of that span.
        valid_until_ms: u64,
    },
    /// The attempt failed; a retry may start at `at_ms`.
    RetryScheduled {
        /// When the retry may start (Unix ms).
        at_ms: u64,
        /// Why the attempt failed.
        error: ErrorInfo,
    },
    /// The fetch failed for good; callers get `error` until `until_ms`.
    Failed {
        /// End of the cool-down (Unix ms).
        until_ms: u64,
        /// The error.
        error: ErrorInfo,
    },
    /// The ticket was late, duplicate or unknown: ignored.
    Stale,
}

/// What kind of network failure the host saw.
#[derive(uniffi::Enum)]
pub enum TransportKind {
    /// No response in time.
    Timeout,
    /// Connection refused or reset, DNS failure.
    Connect,
    /// TLS handshake or certificate failure.
    Tls,
    /// The connection was reset or closed after the request was sent.
    Reset,
    /// Anything else.
    Other,
}

/// The core's transport error from what a host saw.
pub(crate) fn transport_error(
    kind: TransportKind,
    message: &str,
    cause: Option<String>,
    request_sent: Option<bool>,
) -> ccauth::TransportError {
    let kind = match kind {
        TransportKind::Timeout => ccauth::TransportErrorKind::Timeout,
        TransportKind::Connect => ccauth::TransportErrorKind::Connect,
        TransportKind::Tls => ccauth::TransportErrorKind::Tls,
        TransportKind::Reset => ccauth::TransportErrorKind::Reset,
        TransportKind::Other => ccauth::TransportErrorKind::Other,
    };
    let mut error = ccauth::TransportError::new(kind, message);
    if let Some(cause) = cause {
        error = error.with_cause(&cause);
    }
    if let Some(sent) = request_sent {
        error = error.with_request_sent(sent);
    }
    error
}

/// One config's token lifecycle (the core's `TokenManager`), safe to share
/// between threads: every call takes a short lock and never blocks on IO.
#[derive(uniffi::Object)]
pub struct TokenLifecycle {
    state: Mutex<(TokenManager, TokenKey)>,
}

impl TokenLifecycle {
    pub(crate) fn from_core(config: ccauth::ClientConfig, seed: u64) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(TokenManager::with_config(config, seed)),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, (TokenManager, TokenKey)> {
        // A poisoned lock only means another thread panicked mid-call; the
        // manager's state is still consistent (every method is total).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub(crate) fn token(t: Arc<ccauth::AccessToken>) -> Arc<AccessToken> {
    Arc::new(AccessToken(t))
}

fn token_and_info(t: Arc<ccauth::AccessToken>) -> (Arc<AccessToken>, TokenInfo) {
    let token = token(t);
    let info = token.info();
    (token, info)
}

impl From<ccauth::FetchOutcome> for FetchOutcome {
    fn from(outcome: ccauth::FetchOutcome) -> Self {
        let window = outcome.ready_window().unwrap_or(0..0);
        match outcome {
            ccauth::FetchOutcome::Token(t) => {
                let (token, info) = token_and_info(t);
                Self::Token {
                    token,
                    info,
                    valid_from_ms: window.start,
                    valid_until_ms: window.end,
                }
            }
            ccauth::FetchOutcome::RetryScheduled { at_ms, error } => Self::RetryScheduled {
                at_ms,
                error: ErrorInfo::from(&error),
            },
            ccauth::FetchOutcome::Failed { error, until_ms } => Self::Failed {
                until_ms,
                error: ErrorInfo::from(&error),
            },
            _ => Self::Stale,
        }
    }
}

#[uniffi::export]
impl TokenLifecycle {
    /// A lifecycle for a config document; `seed` drives the refresh jitter.
    #[uniffi::constructor]
    pub fn new(config_json: String, seed: u64) -> Result<Arc<Self>, CcauthError> {
        Ok(Self::from_core(config_from(&config_json)?, seed))
    }

    /// What to do at `now_ms`.
    pub fn poll(&self, now_ms: u64) -> TokenDecision {
        let (manager, key) = &mut *self.lock();
        let decision = manager.poll(*key, now_ms);
        let window = decision
            .as_ref()
            .ok()
            .and_then(ccauth::TokenDecision::ready_window);
        let wait_ms = decision
            .as_ref()
            .ok()
            .and_then(|d| d.wait_ms(now_ms))
            .unwrap_or(ccauth::MAX_WAIT_SLICE_MS);
        match decision {
            Ok(ccauth::TokenDecision::Ready(t)) => {
                let (token, info) = token_and_info(t);
                let window = window.unwrap_or(now_ms..now_ms);
                TokenDecision::Ready {
                    token,
                    info,
                    valid_from_ms: window.start,
                    valid_until_ms: window.end,
                }
            }
            Ok(ccauth::TokenDecision::Fetch(t)) => TokenDecision::Fetch { ticket: t.into() },
            Ok(ccauth::TokenDecision::RefreshAhead(t, ticket)) => {
                let (token, info) = token_and_info(t);
                TokenDecision::RefreshAhead {
                    token,
                    info,
                    ticket: ticket.into(),
                }
            }
            Ok(ccauth::TokenDecision::Wait { until_ms }) => {
                TokenDecision::Wait { until_ms, wait_ms }
            }
            Ok(ccauth::TokenDecision::Failed(error)) => TokenDecision::Failed {
                error: ErrorInfo::from(&error),
                cooldown_until_ms: manager.cooldown_until_ms(*key),
            },
            Err(error) => TokenDecision::Failed {
                error: ErrorInfo::from(&error),
                cooldown_until_ms: None,
            },
            // A decision added to the core later: ask again after one wait slice.
            Ok(_) => TokenDecision::Wait {
                until_ms: now_ms.saturating_add(ccauth::MAX_WAIT_SLICE_MS),
                wait_ms: ccauth::MAX_WAIT_SLICE_MS,
            },
        }
    }

    /// Reports the response to ticket `ticket_id`.
    pub fn handle_response(
        &self,
        ticket_id: u64,
        status: u16,
        headers: Vec<Header>,
        body: Vec<u8>,
        now_ms: u64,
    ) -> FetchOutcome {
        let response = response_from(status, headers, body);
        let (manager, _) = &mut *self.lock();
        manager
            .handle_response(ticket_id.into(), &response, now_ms)
            .into()
    }

    /// Reports that ticket `ticket_id` got no response: the kind, a short
    /// description, the platform's code (`ECONNREFUSED`, an exception class
    /// name, …) and whether the request had been sent, when known.
    pub fn handle_transport_error(
        &self,
        ticket_id: u64,
        kind: TransportKind,
        message: String,
        cause: Option<String>,
        request_sent: Option<bool>,
        now_ms: u64,
    ) -> FetchOutcome {
        let error = transport_error(kind, &message, cause, request_sent);
        let (manager, _) = &mut *self.lock();
        manager
            .handle_transport_error(ticket_id.into(), error, now_ms)
            .into()
    }

    /// The most body bytes to read from the token endpoint: hosts stop at
    /// this + 1 (and read nothing when `Content-Length` is over it), then
    /// hand what they have to the core, which answers `RESPONSE_TOO_LARGE`.
    pub fn max_response_bytes(&self) -> u64 {
        let (manager, key) = &*self.lock();
        manager
            .config(*key)
            .map_or(ccauth::DEFAULT_MAX_RESPONSE_BYTES, |c| {
                c.max_response_bytes()
            }) as u64
    }

    /// The API rejected `access_token` with this `WWW-Authenticate`;
    /// returns whether the core dropped the cached token (then a retry with
    /// a fresh one makes sense).
    pub fn invalidate(&self, access_token: String, www_authenticate: Option<String>) -> bool {
        let (manager, key) = &mut *self.lock();
        manager.invalidate(*key, &access_token, www_authenticate.as_deref())
    }

    /// The cached token as the core's versioned JSON document (it holds the
    /// token: the host asked for it to store it like a secret).
    pub fn export_token(&self) -> Option<String> {
        let (manager, key) = &*self.lock();
        manager.export(*key).map(|d| d.expose_secret().to_owned())
    }

    /// Loads a document from `export_token`.
    pub fn import_token(
        &self,
        document: String,
        now_ms: u64,
    ) -> Result<Arc<AccessToken>, CcauthError> {
        let (manager, key) = &mut *self.lock();
        manager
            .import(*key, &document, now_ms)
            .map(token)
            .map_err(CcauthError::from)
    }

    /// Seeds the randomness of signatures (`jti`, salts) with 32 bytes from
    /// the host's cryptographic random source. Call once for configs that sign.
    pub fn seed_entropy(&self, entropy: Vec<u8>) -> Result<(), CcauthError> {
        let bytes = self::entropy(&entropy)?;
        let (manager, _) = &mut *self.lock();
        manager.seed_entropy(bytes);
        Ok(())
    }

    /// Ticket `ticket_id`'s request with the client assertion the host read
    /// from its source (workload identity). A bad or expired assertion fails
    /// the fetch for every waiter and is returned as the error.
    pub fn request_with_assertion(
        &self,
        ticket_id: u64,
        assertion: String,
        now_ms: u64,
    ) -> Result<TokenRequestParts, CcauthError> {
        let (manager, _) = &mut *self.lock();
        manager
            .request_with_assertion(ticket_id.into(), &assertion, now_ms)
            .map(|r| TokenRequestParts::from(&r))
            .map_err(CcauthError::from)
    }

    /// Ticket `ticket_id`'s request once the host has done its part: one
    /// signature per entry of the ticket's `signing_inputs`, in order (a
    /// host-signed key), and the client assertion when the ticket
    /// `needs_client_assertion`. A signature or assertion that does not fit
    /// (`INVALID_SIGNATURE`, `INVALID_CLIENT_ASSERTION`) fails the fetch for
    /// every waiter and is returned as the error.
    pub fn complete_request(
        &self,
        ticket_id: u64,
        signatures: Vec<Vec<u8>>,
        client_assertion: Option<String>,
        now_ms: u64,
    ) -> Result<TokenRequestParts, CcauthError> {
        let (manager, _) = &mut *self.lock();
        manager
            .complete_request(
                ticket_id.into(),
                &signatures,
                client_assertion.as_deref(),
                now_ms,
            )
            .map(|r| TokenRequestParts::from(&r))
            .map_err(CcauthError::from)
    }

    /// The host's signer failed for ticket `ticket_id` (`message`: short,
    /// no secret, e.g. the exception's class): one failed attempt, retried
    /// like a network failure.
    pub fn signer_failed(&self, ticket_id: u64, message: String, now_ms: u64) -> FetchOutcome {
        let (manager, _) = &mut *self.lock();
        manager
            .signer_failed(ticket_id.into(), &message, now_ms)
            .into()
    }

    /// The `DPoP` header value for an API call with `access_token` (None
    /// without DPoP, and for a host-signed DPoP key: see `api_headers`): a fresh proof with `ath` and the API's last nonce.
    pub fn dpop_proof(
        &self,
        access_token: String,
        method: String,
        url: String,
        now_ms: u64,
    ) -> Option<String> {
        let (manager, key) = &mut *self.lock();
        match manager.dpop_proof(*key, &access_token, &method, &url, now_ms) {
            // The host sends the proof with its API call.
            Ok(Some(proof)) => Some(proof.expose_secret().to_owned()),
            _ => None,
        }
    }

    /// Remembers a resource server's `DPoP-Nonce` for its next proofs.
    pub fn remember_dpop_nonce(&self, url: String, nonce: String) -> bool {
        let (manager, _) = &mut *self.lock();
        manager.remember_dpop_nonce(&url, &nonce)
    }

    /// The cache key (endpoint, client id, method, scopes, audience,
    /// resources; no secret).
    pub fn cache_key(&self) -> String {
        let (manager, key) = &*self.lock();
        manager.cache_key(*key).unwrap_or_default().to_owned()
    }

    /// The events since the last drain, oldest first (lifecycle changes
    /// only; at most 64 wait). Hosts drain after each report and hand them
    /// to their logger and listeners.
    pub fn drain_events(&self) -> Vec<LifecycleEvent> {
        let (manager, _) = &mut *self.lock();
        manager
            .drain_events()
            .into_iter()
            .map(LifecycleEvent::from)
            .collect()
    }

    /// Whether to record events (on by default). A host with no listener
    /// and no logger that wants them turns this off: nothing is built.
    pub fn record_events(&self, on: bool) {
        let (manager, _) = &mut *self.lock();
        manager.record_events(on);
    }

    /// The entry's counters and state.
    pub fn stats(&self) -> TokenStats {
        let (manager, key) = &*self.lock();
        manager
            .stats(*key)
            .map(TokenStats::from)
            .unwrap_or_else(|| TokenStats::from(ccauth::TokenStats::default()))
    }

    /// Ends a cool-down or backoff so the next caller fetches at once;
    /// whether there was one.
    pub fn reset_failure(&self, now_ms: u64) -> bool {
        let (manager, key) = &mut *self.lock();
        manager.reset_failure(*key, now_ms)
    }

    /// The end of the cool-down the last failure is served from, if any.
    pub fn cooldown_until_ms(&self) -> Option<u64> {
        let (manager, key) = &*self.lock();
        manager.cooldown_until_ms(*key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{"token_endpoint":"https://as.example.com/token","client_id":"c","client_secret":"ffi-secret-value"}"#;
    const NOW: u64 = 1_700_000_000_000;

    fn json_headers() -> Vec<Header> {
        vec![Header {
            name: "Content-Type".into(),
            value: "application/json".into(),
        }]
    }

    #[test]
    fn a_lifecycle_fetches_once_serves_then_refetches_after_invalidation() {
        let lifecycle = TokenLifecycle::new(CONFIG.into(), 7).unwrap();
        let TokenDecision::Fetch { ticket } = lifecycle.poll(NOW) else {
            panic!("first poll must fetch")
        };
        assert!(!format!("{ticket:?}").contains("ffi-secret-value"));
        assert!(matches!(lifecycle.poll(NOW), TokenDecision::Wait { .. }));
        let body = br#"{"access_token":"tok-0123456789","token_type":"Bearer","expires_in":3600}"#;
        let outcome = lifecycle.handle_response(ticket.id, 200, json_headers(), body.to_vec(), NOW);
        let FetchOutcome::Token { token, .. } = outcome else {
            panic!("a 200 with a token must cache it")
        };
        assert_eq!(token.authorization(), "Bearer tok-0123456789");
        let info = token.info();
        assert_eq!(
            format!("{} {}", info.authorization_scheme, token.access_token()),
            token.authorization()
        );
        assert_eq!(info.expires_at_ms, NOW + 3_600_000);
        assert!(!info.has_refresh_token && !format!("{info:?}").contains("tok-0123456789"));
        assert!(!format!("{token:?}").contains("tok-0123456789"));
        assert!(matches!(
            lifecycle.poll(NOW + 1),
            TokenDecision::Ready { .. }
        ));
        assert!(lifecycle.invalidate("tok-0123456789".into(), None));
        // Fetches start at least 1 s apart.
        assert!(matches!(
            lifecycle.poll(NOW + 2),
            TokenDecision::Wait { until_ms, wait_ms } if until_ms == NOW + 1_000 && wait_ms == 998
        ));
        assert!(matches!(
            lifecycle.poll(NOW + 1_000),
            TokenDecision::Fetch { .. }
        ));
    }

    #[test]
    fn errors_keep_their_category_code_and_fields() {
        let Err(CcauthError::Config { info }) = build_token_request(CONFIG.replace("https", "ftp"))
        else {
            panic!("ftp must be refused")
        };
        assert_eq!(
            (info.kind, info.code.as_str(), info.field.as_deref()),
            (
                ErrorKind::Config,
                "INVALID_TOKEN_ENDPOINT",
                Some("token_endpoint")
            )
        );
        let body = br#"{"error":"invalid_client","error_description":"bad ffi-secret-value"}"#;
        let Err(CcauthError::Response { info }) =
            parse_token_response(CONFIG.into(), 401, json_headers(), body.to_vec(), NOW)
        else {
            panic!("an RFC error must be a response error")
        };
        assert_eq!(info.error.as_deref(), Some("invalid_client"));
        assert_eq!(info.kind, ErrorKind::OAuth);
        assert_eq!(info.status, Some(401));
        assert!(!info.message.contains("ffi-secret-value"));
        assert!(!format!("{info:?}").contains("ffi-secret-value"));
    }
}
