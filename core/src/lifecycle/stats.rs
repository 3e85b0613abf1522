//! Per-entry counters, for dashboards and a quick look at a live client.

use serde::Serialize;

/// What one cache entry has done since it was registered. Counting costs an
/// integer increment; tokens served from a binding's own fast path are
/// added by that binding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[non_exhaustive]
pub struct TokenStats {
    /// The cache entry: a SHA-256 prefix of its cache key, as in events.
    pub key: String,
    /// Calls answered with a token (cached or fresh).
    pub tokens_served: u64,
    /// Token requests handed out (every attempt).
    pub fetches: u64,
    /// Token requests that brought a token.
    pub fetch_successes: u64,
    /// Attempts that failed (each retried or final failure).
    pub attempt_failures: u64,
    /// Fetches that failed for good (cool-downs entered).
    pub fetch_failures: u64,
    /// Cached tokens dropped (a 401, a revocation, the host).
    pub invalidations: u64,
    /// When the last fetch started.
    pub last_fetch_at_ms: Option<u64>,
    /// The cached token's expiry.
    pub token_expires_at_ms: Option<u64>,
    /// The cached token's id (SHA-256 prefix), as in events.
    pub token_id: Option<String>,
    /// While a failure is served from the cool-down: until when.
    pub cooldown_until_ms: Option<u64>,
    /// The code of the last failed attempt.
    pub last_error_code: Option<&'static str>,
}

impl TokenStats {
    /// The stats as one JSON object.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The counters an entry keeps (the rest of [`TokenStats`] is read from its state).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counters {
    pub(crate) tokens_served: u64,
    pub(crate) fetches: u64,
    pub(crate) fetch_successes: u64,
    pub(crate) attempt_failures: u64,
    pub(crate) fetch_failures: u64,
    pub(crate) invalidations: u64,
    pub(crate) last_error_code: Option<&'static str>,
}
