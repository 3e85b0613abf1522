//! The policies a config carries: body format, refresh timing, retries and
//! the response size limit.

use crate::error::{ConfigError, ConfigErrorKind as Kind};

/// How the token request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`, as RFC 6749 specifies.
    #[default]
    Form,
    /// `application/json`, for the servers that take only that.
    Json,
}

/// When a cached token is refreshed.
///
/// The leeway before expiry scales with the token's lifetime:
/// `leeway = min(max(lifetime × leeway_percent / 100, min_leeway_ms), max_leeway_ms, lifetime / 2)`.
/// With the defaults a 24 h or 1 h token is refreshed 5 min early, a 60 s
/// token 30 s early (some APIs reject tokens within 30 s of expiry), a 10 s
/// token 5 s early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Smallest leeway, unless the token lives less than twice this.
    pub min_leeway_ms: u64,
    /// Largest leeway.
    pub max_leeway_ms: u64,
    /// Leeway as a share of the lifetime, 0 to 50.
    pub leeway_percent: u8,
    /// Lifetime assumed when the server states none (no `expires_in`, no JWT `exp`).
    pub default_lifetime_ms: u64,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            min_leeway_ms: 30_000,
            max_leeway_ms: 300_000,
            leeway_percent: 10,
            default_lifetime_ms: 3_600_000,
        }
    }
}

impl RefreshPolicy {
    /// The leeway for a token that lives `lifetime_ms`.
    pub fn leeway_ms(&self, lifetime_ms: u64) -> u64 {
        let scaled = lifetime_ms / 100 * u64::from(self.leeway_percent)
            + lifetime_ms % 100 * u64::from(self.leeway_percent) / 100;
        scaled
            .max(self.min_leeway_ms)
            .min(self.max_leeway_ms)
            .min(lifetime_ms / 2)
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |reason| Err(ConfigError::new(Kind::InvalidPolicy, "refresh", reason));
        if self.leeway_percent > 50 {
            return invalid("leeway_percent must be between 0 and 50");
        }
        if self.min_leeway_ms > self.max_leeway_ms {
            return invalid("min_leeway_ms must not exceed max_leeway_ms");
        }
        if self.default_lifetime_ms == 0 {
            return invalid("default_lifetime_ms must be positive");
        }
        Ok(())
    }
}

/// How often and how long a failed token request is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 3).
    pub max_attempts: u32,
    /// Longest total time spent waiting between attempts (default 60 s).
    pub max_wait_ms: u64,
    /// After a permanent failure (`invalid_client`, …), how long every ask
    /// gets that error before the next fetch is tried (default 30 s), so a
    /// fleet with a bad secret does not hammer the server.
    pub failure_cooldown_ms: u64,
    /// How long a fetch may stay unreported before another caller is given a
    /// new ticket (default 30 s); hosts should time out their requests sooner.
    pub attempt_timeout_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            max_wait_ms: 60_000,
            failure_cooldown_ms: 30_000,
            attempt_timeout_ms: 30_000,
        }
    }
}

impl RetryPolicy {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.max_attempts == 0 || self.max_attempts > 20 {
            return Err(ConfigError::new(
                Kind::InvalidPolicy,
                "retry",
                "max_attempts must be between 1 and 20",
            ));
        }
        if self.attempt_timeout_ms == 0 {
            return Err(ConfigError::new(
                Kind::InvalidPolicy,
                "retry",
                "attempt_timeout_ms must be positive",
            ));
        }
        Ok(())
    }
}

/// Default limit on a token response body.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;
