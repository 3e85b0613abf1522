//! Lifecycle events: what the token lifecycle did, for logs and metrics.
//!
//! The manager records an event on each lifecycle change (a fetch starts,
//! succeeds, is retried, fails for good; a token is dropped; a failure is
//! reset), never on a call served from the cache. Hosts drain them with
//! [`TokenManager::drain_events`](crate::TokenManager::drain_events) after
//! each report and hand them to their logger or listener. Events name a
//! cache entry and a token by short SHA-256 prefixes, and carry error codes
//! and sanitized messages only: never a secret, a token or a response body.

use std::collections::VecDeque;

use serde::Serialize;
use sha2::Digest as _;

/// Events kept for a host that does not drain them; older ones are dropped.
pub(crate) const MAX_PENDING_EVENTS: usize = 64;

/// What happened. The stable names (`as_str`) are the same in every binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventName {
    /// A token request was handed out (`reason`, `attempt`, `ticket`).
    FetchStarted,
    /// A token came back (`duration_ms`, `lifetime_ms`, `expires_at_ms`,
    /// `expiry_source`, `deviations`, `token_id`).
    FetchSucceeded,
    /// An attempt failed and another is scheduled (`delay_ms`, `until_ms`,
    /// `code`, `error`, `status`, `retry_after_ms`).
    RetryScheduled,
    /// The fetch failed for good: callers get the error until `until_ms`.
    FetchFailed,
    /// The cached token was dropped (`reason`: `api_401`, `revoked`, `user`).
    TokenInvalidated,
    /// The host reset a failure or backoff: the next caller fetches at once.
    FailureReset,
    /// A ticket was answered from the fleet's store (fields as `fetch_succeeded`).
    StoreHit,
    /// This process took the fleet's fetch lease.
    LeaseAcquired,
    /// Another process holds the lease: this one waits for its token (`until_ms`: at most).
    LeaseBusy,
    /// This process published its new token to the store.
    StorePublished,
    /// A store entry could not be used (`reason`: `truncated`, `tampered_or_foreign`).
    StoreEntryRejected,
    /// The store failed: this process fetches alone for a while.
    StoreUnavailable,
    /// The store answers again: sharing resumes.
    StoreRecovered,
}

impl EventName {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FetchStarted => "fetch_started",
            Self::FetchSucceeded => "fetch_succeeded",
            Self::RetryScheduled => "retry_scheduled",
            Self::FetchFailed => "fetch_failed",
            Self::TokenInvalidated => "token_invalidated",
            Self::FailureReset => "failure_reset",
            Self::StoreHit => "store_hit",
            Self::LeaseAcquired => "lease_acquired",
            Self::LeaseBusy => "lease_busy",
            Self::StorePublished => "store_published",
            Self::StoreEntryRejected => "store_entry_rejected",
            Self::StoreUnavailable => "store_unavailable",
            Self::StoreRecovered => "store_recovered",
        }
    }
}

/// Why a fetch started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FetchReason {
    /// No token was ever held (or the last fetch failed before one came).
    Cold,
    /// The token is in its refresh window and still serves callers.
    RefreshAhead,
    /// The same, on a config with `proactive_refresh` (the host's timer).
    Proactive,
    /// The token expired (or the clock stepped back past its issue time).
    Expired,
    /// The token was dropped (a 401, a revocation, the host).
    Invalidated,
    /// Another attempt after a failed one.
    Retry,
    /// The token endpoint asked for a DPoP nonce (RFC 9449 §8).
    DpopNonce,
}

impl FetchReason {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Cold => "cold",
            Self::RefreshAhead => "refresh_ahead",
            Self::Proactive => "proactive",
            Self::Expired => "expired",
            Self::Invalidated => "invalidated",
            Self::Retry => "retry",
            Self::DpopNonce => "dpop_nonce",
        }
    }
}

/// Why a cached token was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidationReason {
    /// A resource server answered 401 (`invalid_token`, or no error code).
    Api401,
    /// The token was revoked through this client.
    Revoked,
    /// The host (or its user) dropped it.
    User,
}

impl InvalidationReason {
    /// The stable name: `api_401`, `revoked`, `user`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api401 => "api_401",
            Self::Revoked => "revoked",
            Self::User => "user",
        }
    }
}

/// One lifecycle change. Fields a kind of event does not carry are `None`
/// (empty for `deviations`); the JSON form leaves them out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[non_exhaustive]
pub struct LifecycleEvent {
    /// What happened.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub event: EventName,
    /// The host's clock when it happened (the `now_ms` of the call).
    pub at_ms: u64,
    /// The cache entry: a SHA-256 prefix of its cache key (no client id in clear).
    pub key: String,
    /// The token request's ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<u64>,
    /// 1 for a fetch's first attempt, 2 for the first retry, ….
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// Why a fetch started (`cold`, `refresh_ahead`, `proactive`,
    /// `expired`, `invalidated`, `retry`, `dpop_nonce`) or a token was
    /// dropped (`api_401`, `revoked`, `user`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// From the ticket's start to its report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// The token's lifetime as read (expiry minus issue time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime_ms: Option<u64>,
    /// When the token expires, in the host's clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<u64>,
    /// Where the expiry came from (`expires_in`, `expires_on`, `jwt_exp`, `default`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_source: Option<&'static str>,
    /// What the response parser tolerated (codes of [`Deviation`](crate::Deviation)).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deviations: Vec<&'static str>,
    /// The token: a SHA-256 prefix, to correlate logs, useless to replay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    /// How long until the retry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// The retry's time, or the end of the cool-down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<u64>,
    /// The server's `Retry-After`, when it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// The error's stable code (`TOKEN_ENDPOINT_ERROR`, `TRANSPORT_ERROR`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// The server's RFC 6749 `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The HTTP status of the token endpoint's answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Whether the same request may succeed later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retryable: Option<bool>,
    /// The error's message (sanitized: no secret, token or body).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The server's request or trace ids, `name=value` (`x-request-id`,
    /// `x-ms-request-id`, the body's `trace_id`, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace_ids: Vec<String>,
}

impl LifecycleEvent {
    pub(crate) fn new(event: EventName, at_ms: u64, key: &str) -> Self {
        Self {
            event,
            at_ms,
            key: key.to_owned(),
            ticket: None,
            attempt: None,
            reason: None,
            duration_ms: None,
            lifetime_ms: None,
            expires_at_ms: None,
            expiry_source: None,
            deviations: Vec::new(),
            token_id: None,
            delay_ms: None,
            until_ms: None,
            retry_after_ms: None,
            code: None,
            error: None,
            status: None,
            retryable: None,
            message: None,
            trace_ids: Vec::new(),
        }
    }

    /// The event as one JSON object (absent fields left out).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Adds what an error says: code, RFC `error`, status, retryable,
    /// `Retry-After`, message and trace ids.
    pub(crate) fn with_error(mut self, error: &crate::error::Error) -> Self {
        self.code = Some(error.code());
        self.retryable = Some(error.is_retryable());
        self.retry_after_ms = error.retry_after_ms();
        self.message = Some(error.to_string());
        if let crate::error::Error::Response(response) = error {
            self.error = response.error().map(str::to_owned);
            self.status = Some(response.status());
            self.trace_ids = crate::http::trace::body_trace_ids(response.extras());
        }
        self
    }
}

/// The bounded queue of events not yet drained.
#[derive(Debug)]
pub(crate) struct EventLog {
    pending: VecDeque<LifecycleEvent>,
    /// Whether events are recorded at all (a host with no listener turns
    /// them off, and nothing is built).
    pub(crate) enabled: bool,
}

impl Default for EventLog {
    fn default() -> Self {
        Self {
            pending: VecDeque::new(),
            enabled: true,
        }
    }
}

impl EventLog {
    pub(crate) fn push(&mut self, event: LifecycleEvent) {
        if !self.enabled {
            return;
        }
        if self.pending.len() >= MAX_PENDING_EVENTS {
            self.pending.pop_front();
        }
        self.pending.push_back(event);
    }

    /// The events, oldest first; the queue's memory goes with them (events
    /// are rare, a manager per client is not).
    pub(crate) fn drain(&mut self) -> Vec<LifecycleEvent> {
        std::mem::take(&mut self.pending).into()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

/// A short, stable id for a secret-bearing or identifying string: the first
/// 8 bytes of its SHA-256, hex. Enough to correlate, useless to replay.
pub(crate) fn short_id(value: &str) -> String {
    use std::fmt::Write as _;
    let digest = sha2::Sha256::digest(value.as_bytes());
    let mut out = String::with_capacity(16);
    for byte in digest.iter().take(8) {
        let _ = write!(out, "{byte:02x}");
    }
    out
}
