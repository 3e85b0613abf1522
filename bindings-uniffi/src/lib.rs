//! UniFFI surface over the ccauth core, for Python, Kotlin and Swift:
//! translation only, language-neutral.
//!
//! Anything that holds a secret (a token, a request with credentials)
//! crosses as an *object* whose `Debug` (and so the generated `repr`/
//! `toString`/`description`) is the core's redacted one; plain records carry
//! only values that are safe to print. Each language adds its own idiomatic
//! driver on top (HTTP, clock, waiting); the protocol and timing decisions
//! stay in the core. Nothing here panics: every core error becomes a
//! [`CcauthError`].

// Errors and decisions are serialized across the FFI by value; boxing
// them would only add an allocation before that copy.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]

use std::sync::{Arc, Mutex, MutexGuard};

use ccauth::{ClientConfig, Error, HttpResponse, TokenKey, TokenManager};

uniffi::setup_scaffolding!();

mod types;

pub use types::{
    AccessToken, Challenge, ErrorInfo, ErrorKind, FetchTicket, Header, TokenInfo, TokenRequest,
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

fn config_from(config_json: &str) -> Result<ClientConfig, CcauthError> {
    ClientConfig::from_json(config_json).map_err(|e| Error::from(e).into())
}

fn response_from(status: u16, headers: Vec<Header>, body: Vec<u8>) -> HttpResponse {
    let headers = headers.into_iter().map(|h| (h.name, h.value)).collect();
    HttpResponse::new(status, headers, body)
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
    Ok(Arc::new(TokenRequest(ccauth::build_token_request(&config))))
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

/// What a caller should do now (the core's `TokenDecision`).
#[derive(uniffi::Enum)]
pub enum TokenDecision {
    /// Use this token.
    Ready {
        /// The cached token.
        token: Arc<AccessToken>,
        /// Its non-secret fields (saves a call).
        info: TokenInfo,
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
    },
    /// The last fetch failed for good (until a cool-down ends).
    Failed {
        /// The error every caller gets.
        error: ErrorInfo,
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
    /// Anything else.
    Other,
}

/// One config's token lifecycle (the core's `TokenManager`), safe to share
/// between threads: every call takes a short lock and never blocks on IO.
#[derive(uniffi::Object)]
pub struct TokenLifecycle {
    state: Mutex<(TokenManager, TokenKey)>,
}

impl TokenLifecycle {
    fn lock(&self) -> MutexGuard<'_, (TokenManager, TokenKey)> {
        // A poisoned lock only means another thread panicked mid-call; the
        // manager's state is still consistent (every method is total).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn token(t: Arc<ccauth::AccessToken>) -> Arc<AccessToken> {
    Arc::new(AccessToken(t))
}

fn token_and_info(t: Arc<ccauth::AccessToken>) -> (Arc<AccessToken>, TokenInfo) {
    let token = token(t);
    let info = token.info();
    (token, info)
}

impl From<ccauth::FetchOutcome> for FetchOutcome {
    fn from(outcome: ccauth::FetchOutcome) -> Self {
        match outcome {
            ccauth::FetchOutcome::Token(t) => {
                let (token, info) = token_and_info(t);
                Self::Token { token, info }
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
        let config = config_from(&config_json)?;
        Ok(Arc::new(Self {
            state: Mutex::new(TokenManager::with_config(config, seed)),
        }))
    }

    /// What to do at `now_ms`.
    pub fn poll(&self, now_ms: u64) -> TokenDecision {
        let (manager, key) = &mut *self.lock();
        match manager.poll(*key, now_ms) {
            Ok(ccauth::TokenDecision::Ready(t)) => {
                let (token, info) = token_and_info(t);
                TokenDecision::Ready { token, info }
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
            Ok(ccauth::TokenDecision::Wait { until_ms }) => TokenDecision::Wait { until_ms },
            Ok(ccauth::TokenDecision::Failed(error)) | Err(error) => TokenDecision::Failed {
                error: ErrorInfo::from(&error),
            },
            // A decision added to the core later: ask again shortly.
            Ok(_) => TokenDecision::Wait {
                until_ms: now_ms.saturating_add(100),
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
        manager.handle_response(ticket_id, &response, now_ms).into()
    }

    /// Reports that ticket `ticket_id` got no response.
    pub fn handle_transport_error(
        &self,
        ticket_id: u64,
        kind: TransportKind,
        message: String,
        now_ms: u64,
    ) -> FetchOutcome {
        let kind = match kind {
            TransportKind::Timeout => ccauth::TransportErrorKind::Timeout,
            TransportKind::Connect => ccauth::TransportErrorKind::Connect,
            TransportKind::Tls => ccauth::TransportErrorKind::Tls,
            TransportKind::Other => ccauth::TransportErrorKind::Other,
        };
        let error = ccauth::TransportError::new(kind, &message);
        let (manager, _) = &mut *self.lock();
        manager
            .handle_transport_error(ticket_id, error, now_ms)
            .into()
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

    /// The cache key (endpoint, client id, method, scopes, audience,
    /// resources; no secret).
    pub fn cache_key(&self) -> String {
        let (manager, key) = &*self.lock();
        manager.cache_key(*key).unwrap_or_default().to_owned()
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
        assert!(matches!(
            lifecycle.poll(NOW + 2),
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
