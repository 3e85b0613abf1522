//! Lifecycle events and stats as UniFFI records: the core's
//! `LifecycleEvent` and `TokenStats`, field for field (names snake_case in
//! Python, camelCase in Kotlin and Swift).

/// One lifecycle change (the core's `LifecycleEvent`). Fields the kind of
/// event does not carry are null (empty lists for `deviations` and `trace_ids`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LifecycleEvent {
    /// `fetch_started`, `fetch_succeeded`, `retry_scheduled`, `fetch_failed`,
    /// `token_invalidated`, `failure_reset`.
    pub event: String,
    /// The host's clock when it happened (Unix ms).
    pub at_ms: u64,
    /// The cache entry: a SHA-256 prefix of its cache key.
    pub key: String,
    /// The token request's ticket.
    pub ticket: Option<u64>,
    /// 1 for a fetch's first attempt, 2 for the first retry, ….
    pub attempt: Option<u32>,
    /// Why a fetch started or a token was dropped.
    pub reason: Option<String>,
    /// From the ticket's start to its report.
    pub duration_ms: Option<u64>,
    /// The token's lifetime as read.
    pub lifetime_ms: Option<u64>,
    /// When the token expires (Unix ms, host clock).
    pub expires_at_ms: Option<u64>,
    /// Where the expiry came from.
    pub expiry_source: Option<String>,
    /// What the response parser tolerated.
    pub deviations: Vec<String>,
    /// The token's SHA-256 prefix.
    pub token_id: Option<String>,
    /// How long until the retry.
    pub delay_ms: Option<u64>,
    /// The retry's time, or the end of the cool-down (Unix ms).
    pub until_ms: Option<u64>,
    /// The server's `Retry-After`.
    pub retry_after_ms: Option<u64>,
    /// The error's stable code.
    pub code: Option<String>,
    /// The server's RFC 6749 `error`.
    pub error: Option<String>,
    /// The HTTP status of the token endpoint's answer.
    pub status: Option<u16>,
    /// Whether the same request may succeed later.
    pub retryable: Option<bool>,
    /// The error's sanitized message.
    pub message: Option<String>,
    /// The server's request or trace ids, `name=value`.
    pub trace_ids: Vec<String>,
}

impl From<ccauth::LifecycleEvent> for LifecycleEvent {
    fn from(e: ccauth::LifecycleEvent) -> Self {
        Self {
            event: e.event.as_str().to_owned(),
            at_ms: e.at_ms,
            key: e.key,
            ticket: e.ticket,
            attempt: e.attempt,
            reason: e.reason.map(str::to_owned),
            duration_ms: e.duration_ms,
            lifetime_ms: e.lifetime_ms,
            expires_at_ms: e.expires_at_ms,
            expiry_source: e.expiry_source.map(str::to_owned),
            deviations: e.deviations.iter().map(|d| (*d).to_owned()).collect(),
            token_id: e.token_id,
            delay_ms: e.delay_ms,
            until_ms: e.until_ms,
            retry_after_ms: e.retry_after_ms,
            code: e.code.map(str::to_owned),
            error: e.error,
            status: e.status,
            retryable: e.retryable,
            message: e.message,
            trace_ids: e.trace_ids,
        }
    }
}

/// One cache entry's counters (the core's `TokenStats`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TokenStats {
    /// The cache entry: a SHA-256 prefix of its cache key.
    pub key: String,
    /// Calls the core answered with a token (a binding adds its memo hits).
    pub tokens_served: u64,
    /// Token requests handed out (every attempt).
    pub fetches: u64,
    /// Token requests that brought a token.
    pub fetch_successes: u64,
    /// Attempts that failed.
    pub attempt_failures: u64,
    /// Fetches that failed for good.
    pub fetch_failures: u64,
    /// Cached tokens dropped.
    pub invalidations: u64,
    /// When the last fetch started (Unix ms).
    pub last_fetch_at_ms: Option<u64>,
    /// The cached token's expiry (Unix ms).
    pub token_expires_at_ms: Option<u64>,
    /// The cached token's SHA-256 prefix.
    pub token_id: Option<String>,
    /// While a failure is served from the cool-down: until when (Unix ms).
    pub cooldown_until_ms: Option<u64>,
    /// The code of the last failed attempt.
    pub last_error_code: Option<String>,
}

impl From<ccauth::TokenStats> for TokenStats {
    fn from(s: ccauth::TokenStats) -> Self {
        Self {
            key: s.key,
            tokens_served: s.tokens_served,
            fetches: s.fetches,
            fetch_successes: s.fetch_successes,
            attempt_failures: s.attempt_failures,
            fetch_failures: s.fetch_failures,
            invalidations: s.invalidations,
            last_fetch_at_ms: s.last_fetch_at_ms,
            token_expires_at_ms: s.token_expires_at_ms,
            token_id: s.token_id,
            cooldown_until_ms: s.cooldown_until_ms,
            last_error_code: s.last_error_code.map(str::to_owned),
        }
    }
}
