//! Which failures are retried, and when: exponential backoff with full
//! jitter, honouring `Retry-After`, inside the policy's attempt and wait budget.

use crate::config::RetryPolicy;
use crate::error::{Error, ResponseErrorKind};
use crate::http::BodyKind;

/// First backoff ceiling; doubles per attempt.
const BASE_BACKOFF_MS: u64 = 500;
/// Largest backoff ceiling.
const MAX_BACKOFF_MS: u64 = 30_000;
/// How long waiters keep getting the error after retries ran out on a transient failure.
const TRANSIENT_COOLDOWN_MS: u64 = 5_000;

/// Whether a failure may go away by itself.
pub(crate) fn is_transient(error: &Error) -> bool {
    match error {
        Error::Transport(_) => true,
        Error::Response(e) => {
            e.is_retryable()
                || e.status() == 408
                // An HTML page instead of the token endpoint's answer is a proxy,
                // a WAF or a captive portal talking, not the authorization server.
                || (e.body_kind() == BodyKind::Html
                    && e.kind() != ResponseErrorKind::TokenEndpointError)
        }
        _ => false,
    }
}

/// Attempts and waits spent in one fetch cycle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RetryBudget {
    attempts: u32,
    waited_ms: u64,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterFailure {
    /// Try again after this many milliseconds.
    RetryIn(u64),
    /// Give up; hand the error to every caller for this long.
    GiveUp { cooldown_ms: u64 },
}

impl RetryBudget {
    /// Counts the attempt that just failed and decides what comes next.
    /// `random` is a uniform random `u64` (the jitter).
    pub(crate) fn after_failure(
        &mut self,
        policy: &RetryPolicy,
        error: &Error,
        random: u64,
    ) -> AfterFailure {
        self.attempts = self.attempts.saturating_add(1);
        if !is_transient(error) {
            return AfterFailure::GiveUp {
                cooldown_ms: policy.failure_cooldown_ms,
            };
        }
        let give_up = AfterFailure::GiveUp {
            cooldown_ms: policy.failure_cooldown_ms.min(TRANSIENT_COOLDOWN_MS),
        };
        if self.attempts >= policy.max_attempts {
            return give_up;
        }
        let shift = self.attempts.saturating_sub(1).min(16);
        let ceiling = BASE_BACKOFF_MS
            .saturating_mul(1 << shift)
            .min(MAX_BACKOFF_MS);
        let jittered = random % (ceiling + 1);
        let delay = error
            .retry_after_ms()
            .map_or(jittered, |server| server.max(jittered));
        if self.waited_ms.saturating_add(delay) > policy.max_wait_ms {
            return give_up;
        }
        self.waited_ms += delay;
        AfterFailure::RetryIn(delay)
    }

    /// Attempts made so far in this cycle.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{TransportError, TransportErrorKind};

    fn transport() -> Error {
        TransportError::new(TransportErrorKind::Connect, "refused").into()
    }

    #[test]
    fn three_attempts_by_default() {
        let policy = RetryPolicy::default();
        let mut budget = RetryBudget::default();
        assert!(matches!(
            budget.after_failure(&policy, &transport(), 7),
            AfterFailure::RetryIn(7)
        ));
        assert!(
            matches!(budget.after_failure(&policy, &transport(), u64::MAX), AfterFailure::RetryIn(d) if d <= 1000)
        );
        assert!(matches!(
            budget.after_failure(&policy, &transport(), 0),
            AfterFailure::GiveUp { .. }
        ));
        assert_eq!(budget.attempts(), 3);
    }

    #[test]
    fn wait_budget_is_never_exceeded() {
        let policy = RetryPolicy {
            max_attempts: 20,
            max_wait_ms: 2_000,
            ..RetryPolicy::default()
        };
        let mut budget = RetryBudget::default();
        let mut waited = 0;
        while let AfterFailure::RetryIn(delay) =
            budget.after_failure(&policy, &transport(), u64::MAX / 3)
        {
            waited += delay;
        }
        assert!(waited <= 2_000, "{waited}");
    }
}
