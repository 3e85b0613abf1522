//! What the lifecycle answers: a decision for a caller, a ticket to send,
//! the outcome of a report. Each says what may change it.

use std::sync::Arc;

use crate::auth::jws::SigningInput;
use crate::error::Error;
use crate::http::HttpRequest;
use crate::token::AccessToken;

/// How far the clock may step back before a cached token is distrusted.
pub(crate) const BACKWARD_TOLERANCE_MS: u64 = 5_000;
/// Least time between the starts of two fetches for one entry.
pub(crate) const MIN_FETCH_SPACING_MS: u64 = 1_000;
/// A handle to one cache entry (one config: endpoint, client, scopes, audience, resources).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenKey(pub(crate) usize);

/// A ticket's number, unique within its manager: reports name their ticket
/// by it (hosts across a binding pass it as a plain integer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketId(u64);

impl TicketId {
    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for TicketId {
    fn from(id: u64) -> Self {
        Self(id)
    }
}

impl std::fmt::Display for TicketId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The longest a host waits between two polls while a fetch is in flight:
/// a report the host failed to signal is noticed within this.
pub const MAX_WAIT_SLICE_MS: u64 = 1_000;

/// What a caller should do now.
#[derive(Debug, Clone)]
#[non_exhaustive]
#[must_use = "a decision says what the caller must do"]
pub enum TokenDecision {
    /// Use this token.
    Ready(Arc<AccessToken>),
    /// No usable token: send this request, then report the outcome.
    Fetch(FetchTicket),
    /// Use this token now, and send this request in the background.
    RefreshAhead(Arc<AccessToken>, FetchTicket),
    /// A fetch is in flight or a retry is scheduled: wait for its outcome,
    /// or until `until_ms` at the latest, then ask again.
    Wait {
        /// Ask again no later than this.
        until_ms: u64,
    },
    /// The last fetch failed for good; retried after a cool-down.
    Failed(Error),
}

/// The right to send one token request. Report its outcome by `id()`.
#[derive(Debug, Clone)]
#[must_use = "a ticket is the right to send one token request; its outcome must be reported"]
pub struct FetchTicket {
    pub(crate) id: u64,
    pub(crate) key: TokenKey,
    pub(crate) attempt: u32,
    pub(crate) request: HttpRequest,
    pub(crate) signing_inputs: Vec<SigningInput>,
    pub(crate) needs_client_assertion: bool,
}

impl FetchTicket {
    /// What the host signs before sending, with a host-signed key (client
    /// assertion first, then the DPoP proof): the signatures go to
    /// [`TokenManager::complete_request`](crate::TokenManager::complete_request),
    /// which gives the request to send. Empty when the core signs.
    pub fn signing_inputs(&self) -> &[SigningInput] {
        &self.signing_inputs
    }

    /// Whether the host must add a client assertion it holds
    /// ([`TokenManager::request_with_assertion`](crate::TokenManager::request_with_assertion)) before sending.
    pub fn needs_client_assertion(&self) -> bool {
        self.needs_client_assertion
    }

    /// The ticket number, unique within its manager.
    pub fn id(&self) -> TicketId {
        TicketId(self.id)
    }

    /// The cache entry it fetches for.
    pub fn key(&self) -> TokenKey {
        self.key
    }

    /// 1 for the first attempt of a fetch cycle, 2 for the first retry, ….
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The request to send (without an external assertion or host-signed
    /// JWTs: see [`needs_client_assertion`](Self::needs_client_assertion)
    /// and [`signing_inputs`](Self::signing_inputs)).
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }
}

/// What a reported outcome did.
#[derive(Debug, Clone)]
#[non_exhaustive]
#[must_use = "an outcome says whether waiters get a token, a retry or an error"]
pub enum FetchOutcome {
    /// A new token is cached.
    Token(Arc<AccessToken>),
    /// The attempt failed; the next one may start at `at_ms`.
    RetryScheduled {
        /// When the retry may start.
        at_ms: u64,
        /// Why the attempt failed.
        error: Error,
    },
    /// The fetch failed for good; callers get this error until `until_ms`.
    Failed {
        /// The error every caller now gets.
        error: Error,
        /// End of the cool-down.
        until_ms: u64,
    },
    /// The ticket was not the one in flight (late, duplicate or unknown): ignored.
    Stale,
}

impl TokenDecision {
    /// For `Ready`: the span of `now_ms` readings over which the core would
    /// give the same answer, as long as nothing is reported, invalidated or
    /// imported. Hosts may memoize the answer within it (the hot path then
    /// makes no call into the core): from a little before the token's issue
    /// time (clock steps back that far are tolerated) to its refresh time.
    pub fn ready_window(&self) -> Option<std::ops::Range<u64>> {
        match self {
            Self::Ready(token) => {
                Some(token.issued_at_ms.saturating_sub(BACKWARD_TOLERANCE_MS)..token.refresh_at_ms)
            }
            _ => None,
        }
    }

    /// For `Wait`: how long to wait at `now_ms` before asking again, between
    /// 1 ms and [`MAX_WAIT_SLICE_MS`] (hosts also wake at any report).
    pub fn wait_ms(&self, now_ms: u64) -> Option<u64> {
        match self {
            Self::Wait { until_ms } => {
                Some(until_ms.saturating_sub(now_ms).clamp(1, MAX_WAIT_SLICE_MS))
            }
            _ => None,
        }
    }
}

impl FetchOutcome {
    /// For `Token`: the span of `now_ms` readings over which a poll would
    /// answer `Ready` with it (as [`TokenDecision::ready_window`]), so hosts
    /// memoize it without polling again.
    pub fn ready_window(&self) -> Option<std::ops::Range<u64>> {
        match self {
            Self::Token(token) => {
                Some(token.issued_at_ms.saturating_sub(BACKWARD_TOLERANCE_MS)..token.refresh_at_ms)
            }
            _ => None,
        }
    }
}
