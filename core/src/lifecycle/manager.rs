//! `TokenManager`: the token lifecycle as a sans-IO state machine.
//!
//! A caller asks [`TokenManager::poll`] at `now_ms` and gets a
//! [`TokenDecision`]: use the cached token; send this [`FetchTicket`] (handed
//! to exactly one caller however many ask); use the token *and* refresh it in
//! the background; wait for the fetch in flight; or take the error. The host
//! sends the ticket's request its own way and reports the outcome with
//! [`handle_response`](TokenManager::handle_response) or
//! [`handle_transport_error`](TokenManager::handle_transport_error); waiters
//! then ask again. Nothing here does IO or reads a clock.
//!
//! Refresh timing: a token is refreshed from `refresh_at_ms` (expiry minus
//! the policy's leeway, see [`RefreshPolicy`](crate::RefreshPolicy)), moved
//! earlier by a random jitter of up to a quarter of the leeway so a fleet
//! does not refresh in the same second; a server `refresh_in` hint wins.
//! Absolute expiries (JWT `exp`, `expires_on`) are corrected by the clock
//! skew seen in the response's `Date` header. A clock that jumps backwards
//! past a token's issue time (by more than 5 s) makes that token untrusted
//! and a new one is fetched; a clock that jumps forwards just expires it.
//!
//! Hosts read the clock before they take the lock around the manager, so
//! readings from many threads arrive out of order: a `now` up to 5 s older
//! than one already seen is a late reading, not a clock jump. A response to
//! a ticket the manager gave up on (its attempt timed out) is still used if
//! it is a token. Fetches for one entry start at least 1 s apart, so a
//! server that issues tokens valid for 0 s, or an API that rejects every
//! token, cannot drive a hot loop; such a token serves the callers of that
//! second.

use std::fmt;
use std::sync::Arc;

use crate::auth::dpop::is_nonce;
use crate::auth::jws::SigningInput;
use crate::config::ClientConfig;
use crate::endpoints::token_request::{
    build_token_request_at, prepare_token_request, RequestContext, UnsignedRequest,
};
use crate::endpoints::token_response::parse_token_response;
use crate::error::{ConfigError, Error, TransportError};
use crate::http::challenge::parse_www_authenticate;
use crate::http::HttpRequest;
use crate::http::HttpResponse;
use crate::lifecycle::decision::{
    FetchOutcome, FetchTicket, TicketId, TokenDecision, TokenKey, BACKWARD_TOLERANCE_MS,
    MIN_FETCH_SPACING_MS,
};
use crate::lifecycle::document::{self, TokenDocument};
use crate::lifecycle::events::{
    short_id, EventLog, EventName, FetchReason, InvalidationReason, LifecycleEvent,
};
use crate::lifecycle::nonces::ApiNonces;
use crate::lifecycle::retry::{AfterFailure, RetryBudget};
use crate::lifecycle::stats::{Counters, TokenStats};
use crate::token::{AccessToken, ExpirySource};

/// Skew below this is Date-header rounding, not a wrong clock.
const MIN_SKEW_MS: i64 = 2_000;
/// How many given-up tickets per entry may still deliver a token.
const MAX_GIVEN_UP: usize = 4;

#[derive(Debug, Clone)]
enum Flight {
    Idle,
    Fetching {
        ticket: u64,
        deadline_ms: u64,
        started_ms: u64,
        attempt: u32,
    },
    Backoff {
        until_ms: u64,
    },
    /// Boxed: errors are large and failures rare.
    Failed {
        error: Box<Error>,
        until_ms: u64,
    },
}

pub(super) struct Entry {
    pub(super) config: ClientConfig,
    pub(super) cache_key: String,
    /// The cache key's SHA-256 prefix: how events and stats name the entry.
    pub(super) key_id: String,
    counters: Counters,
    /// Why the token was dropped, until the fetch that replaces it starts.
    dropped_for: Option<InvalidationReason>,
    /// The backoff in progress is the send-again for a DPoP nonce.
    nonce_pending: bool,
    token: Option<Arc<AccessToken>>,
    flight: Flight,
    budget: RetryBudget,
    /// The token endpoint's last `DPoP-Nonce` (RFC 9449 §8).
    dpop_nonce: Option<String>,
    /// Whether the attempt in flight already answered a `use_dpop_nonce`.
    nonce_retried: bool,
    /// When the last fetch started, for [`MIN_FETCH_SPACING_MS`].
    last_start_ms: Option<u64>,
    /// Tickets declared lost by the attempt timeout (with their start),
    /// newest last: a token they still bring is used.
    given_up: Vec<(u64, u64)>,
    /// Fingerprints of the tokens this entry held before its current one
    /// (dropped or replaced), newest last: a 401 for one of them is a call
    /// made with an old token, to be sent again with the current one.
    retired: Vec<Fingerprint>,
    /// The request of the ticket in flight while the host signs its JWTs
    /// (a host-signed key).
    unsigned: Option<UnsignedRequest>,
    /// The fleet store this entry shares its token through, once attached.
    #[cfg(feature = "fleet")]
    pub(super) store: Option<Box<super::shared::StoreState>>,
    /// The ticket whose answer is the cached token.
    pub(super) token_ticket: Option<u64>,
}

/// A token's SHA-256 prefix: enough to recognise it, useless to replay it.
pub(super) type Fingerprint = [u8; 16];

/// How many retired tokens an entry remembers.
const MAX_RETIRED: usize = 4;

pub(super) fn fingerprint(token: &str) -> Fingerprint {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(token.as_bytes());
    let mut out = [0; 16];
    out.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
    out
}

impl Entry {
    /// Pushes the deadline of ticket `ticket`, in flight, to at least
    /// `deadline_ms`: a fetch waiting on the fleet's store is not lost.
    #[cfg(feature = "fleet")]
    pub(super) fn keep_alive(&mut self, ticket: u64, deadline_ms: u64) {
        if let Flight::Fetching {
            ticket: t,
            deadline_ms: d,
            ..
        } = &mut self.flight
        {
            if *t == ticket {
                *d = (*d).max(deadline_ms);
            }
        }
    }

    /// The ticket in flight, if any.
    #[cfg(feature = "fleet")]
    pub(super) fn flight_ticket(&self) -> Option<u64> {
        match self.flight {
            Flight::Fetching { ticket, .. } => Some(ticket),
            _ => None,
        }
    }

    /// The cached token.
    #[cfg(feature = "fleet")]
    pub(super) fn token(&self) -> Option<&Arc<AccessToken>> {
        self.token.as_ref()
    }

    /// Replaces the cached token, remembering the one it held.
    fn set_token(&mut self, token: Option<Arc<AccessToken>>) {
        if let Some(old) = self.token.take() {
            // Read to fingerprint it; the value is not kept.
            let print = fingerprint(old.value.expose_secret());
            self.retired.retain(|p| *p != print);
            if self.retired.len() >= MAX_RETIRED {
                self.retired.remove(0);
            }
            self.retired.push(print);
        }
        self.token = token;
    }
}

/// Caches tokens per key and decides, at each `now_ms`, who fetches and who waits.
pub struct TokenManager {
    pub(super) entries: Vec<Entry>,
    next_ticket: u64,
    pub(super) rng: fastrand::Rng,
    /// Randomness for signatures (`jti`, PS256 salt), seeded by the host:
    /// each use takes SHA-256(seed, counter).
    entropy_seed: [u8; 32],
    entropy_counter: u64,
    clock_skew_ms: i64,
    /// DPoP nonces of resource servers.
    pub(super) api_nonces: ApiNonces,
    pub(super) events: EventLog,
    /// The latest `now_ms` a call brought, for events of calls without one.
    last_now_ms: u64,
}

impl fmt::Debug for TokenManager {
    // Hand-written: shows keys and states, never a token or a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<(&str, bool, &Flight)> = self
            .entries
            .iter()
            .map(|e| (e.cache_key.as_str(), e.token.is_some(), &e.flight))
            .collect();
        f.debug_struct("TokenManager")
            .field("entries (key, has_token, flight)", &entries)
            .field("next_ticket", &self.next_ticket)
            .field("clock_skew_ms", &self.clock_skew_ms)
            .finish()
    }
}

impl TokenManager {
    /// An empty manager. `seed` drives the jitter; hosts pass a random seed
    /// (tests a fixed one, which makes every run repeatable).
    pub fn new(seed: u64) -> Self {
        Self {
            entries: Vec::new(),
            next_ticket: 1,
            rng: fastrand::Rng::with_seed(seed),
            entropy_seed: crate::auth::jws::derive(&[0; 32], &seed.to_be_bytes()),
            entropy_counter: 0,
            clock_skew_ms: 0,
            api_nonces: ApiNonces::default(),
            events: EventLog::default(),
            last_now_ms: 0,
        }
    }

    /// Reseeds the randomness used in signatures (`jti`, PS256 salt) with 32
    /// bytes from the host's cryptographic random source. Hosts that sign
    /// (JWT client authentication, DPoP) call this once after `new`.
    pub fn seed_entropy(&mut self, entropy: [u8; 32]) {
        self.entropy_seed = entropy;
    }

    /// Fresh 32 bytes for one request's signatures.
    pub(super) fn next_entropy(&mut self) -> [u8; 32] {
        next_entropy(&self.entropy_seed, &mut self.entropy_counter)
    }

    /// A manager holding one config; returns it with the config's key.
    pub fn with_config(config: ClientConfig, seed: u64) -> (Self, TokenKey) {
        let mut manager = Self::new(seed);
        let key = manager.register(config);
        (manager, key)
    }

    /// Adds a config and returns its key. A config that would get the same
    /// tokens as one already registered (same [`cache_key`](Self::cache_key))
    /// shares its entry and its cached token, and replaces the older config
    /// for the next fetch: that is how a rotated secret is taken in.
    pub fn register(&mut self, config: ClientConfig) -> TokenKey {
        let cache_key = document::cache_key(&config);
        if let Some(index) = self.entries.iter().position(|e| e.cache_key == cache_key) {
            if let Some(entry) = self.entries.get_mut(index) {
                entry.config = config;
            }
            return TokenKey(index);
        }
        self.entries.push(Entry {
            config,
            key_id: short_id(&cache_key),
            cache_key,
            counters: Counters::default(),
            dropped_for: None,
            nonce_pending: false,
            token: None,
            flight: Flight::Idle,
            budget: RetryBudget::default(),
            dpop_nonce: None,
            nonce_retried: false,
            last_start_ms: None,
            given_up: Vec::new(),
            retired: Vec::new(),
            unsigned: None,
            #[cfg(feature = "fleet")]
            store: None,
            token_ticket: None,
        });
        TokenKey(self.entries.len() - 1)
    }

    /// The config an entry fetches with (its `max_response_bytes` is the
    /// limit hosts stop reading at).
    pub fn config(&self, key: TokenKey) -> Option<&ClientConfig> {
        self.entries.get(key.0).map(|e| &e.config)
    }

    /// The cache key of an entry: endpoint, client id, auth method, sorted
    /// scopes, audience and sorted resources. No secret is part of it.
    pub fn cache_key(&self, key: TokenKey) -> Option<&str> {
        self.entries.get(key.0).map(|e| e.cache_key.as_str())
    }

    /// The clock skew estimated from the last token response's `Date` header
    /// (server minus host, in ms; 0 when unknown or under 2 s).
    pub fn clock_skew_ms(&self) -> i64 {
        self.clock_skew_ms
    }

    /// The cached token, if any, whatever its state.
    pub fn cached_token(&self, key: TokenKey) -> Option<Arc<AccessToken>> {
        self.entries.get(key.0).and_then(|e| e.token.clone())
    }

    /// What to do at `now_ms` to get a token for `key`. The hot path: a valid
    /// cached token is returned without allocating.
    pub fn poll(&mut self, key: TokenKey, now_ms: u64) -> Result<TokenDecision, Error> {
        let entry = self.entries.get_mut(key.0).ok_or(Error::UnknownTokenKey)?;
        if let Some(token) = usable_token(entry, now_ms) {
            if now_ms < token.refresh_at_ms {
                let token = Arc::clone(token);
                entry.counters.tokens_served += 1;
                self.last_now_ms = now_ms;
                return Ok(TokenDecision::Ready(token));
            }
        }
        self.last_now_ms = now_ms;
        // A ticket nobody reported within the attempt timeout is presumed lost:
        // it counts as a failed attempt (a timeout), retried per the policy.
        if let Flight::Fetching {
            deadline_ms,
            ticket,
            started_ms,
            ..
        } = entry.flight
        {
            if is_due(deadline_ms, now_ms, entry.config.retry.attempt_timeout_ms) {
                let lost = TransportError::new(
                    crate::error::TransportErrorKind::Timeout,
                    "no outcome was reported for the token request within attempt_timeout_ms",
                );
                if let Some(entry) = self.entries.get_mut(key.0) {
                    if entry.given_up.len() >= MAX_GIVEN_UP {
                        entry.given_up.remove(0);
                    }
                    entry.given_up.push((ticket, started_ms));
                }
                // Waiters see the outcome at their next poll.
                let _ = self.fail(key.0, lost.into(), None, now_ms);
            }
        }
        let entry = self.entries.get_mut(key.0).ok_or(Error::UnknownTokenKey)?;
        let usable = usable_token(entry, now_ms).cloned();
        let retry = &entry.config.retry;
        let spaced = entry.last_start_ms.map_or(true, |at| {
            !is_before(now_ms, at.saturating_add(MIN_FETCH_SPACING_MS))
        });
        let may_start = match &entry.flight {
            Flight::Idle => spaced,
            Flight::Fetching { .. } => false,
            Flight::Backoff { until_ms } => is_due(*until_ms, now_ms, retry.max_wait_ms),
            Flight::Failed { until_ms, .. } => is_due(*until_ms, now_ms, retry.failure_cooldown_ms),
        };
        if may_start {
            let reason = if matches!(entry.flight, Flight::Backoff { .. }) {
                if entry.nonce_pending {
                    FetchReason::DpopNonce
                } else {
                    FetchReason::Retry
                }
            } else if usable.is_some() {
                if entry.config.proactive_refresh {
                    FetchReason::Proactive
                } else {
                    FetchReason::RefreshAhead
                }
            } else if entry.dropped_for.is_some() {
                FetchReason::Invalidated
            } else if entry.token.is_some() {
                FetchReason::Expired
            } else {
                FetchReason::Cold
            };
            if matches!(entry.flight, Flight::Idle | Flight::Failed { .. }) {
                entry.budget = RetryBudget::default();
                entry.nonce_retried = false;
            }
            let id = self.next_ticket;
            self.next_ticket += 1;
            // A SHA-256 step per fetch only where something is signed.
            let entropy = if entry.config.token_request_signs() {
                next_entropy(&self.entropy_seed, &mut self.entropy_counter)
            } else {
                [0; 32]
            };
            let ticket = start_fetch(entry, key, id, now_ms, entropy);
            entry.dropped_for = None;
            entry.nonce_pending = false;
            entry.counters.fetches += 1;
            if self.events.enabled {
                let mut event = LifecycleEvent::new(EventName::FetchStarted, now_ms, &entry.key_id);
                event.ticket = Some(id);
                event.attempt = Some(ticket.attempt);
                event.reason = Some(reason.as_str());
                self.events.push(event);
            }
            if usable.is_some() {
                entry.counters.tokens_served += 1;
            }
            return Ok(match usable {
                Some(token) => TokenDecision::RefreshAhead(token, ticket),
                None => TokenDecision::Fetch(ticket),
            });
        }
        if let Some(token) = usable {
            // A refresh is under way or backing off: the valid token serves meanwhile.
            entry.counters.tokens_served += 1;
            return Ok(TokenDecision::Ready(token));
        }
        Ok(match &entry.flight {
            Flight::Fetching { deadline_ms, .. } => TokenDecision::Wait {
                until_ms: *deadline_ms,
            },
            Flight::Backoff { until_ms } => TokenDecision::Wait {
                until_ms: *until_ms,
            },
            Flight::Failed { error, .. } => TokenDecision::Failed((**error).clone()),
            Flight::Idle => TokenDecision::Wait {
                until_ms: entry
                    .last_start_ms
                    .map_or(now_ms, |at| at.saturating_add(MIN_FETCH_SPACING_MS)),
            },
        })
    }

    pub(super) fn entry_in_flight(&mut self, ticket: u64) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| matches!(e.flight, Flight::Fetching { ticket: t, .. } if t == ticket))
    }

    /// Reports the token endpoint's response to ticket `ticket`.
    pub fn handle_response(
        &mut self,
        ticket: TicketId,
        response: &HttpResponse,
        now_ms: u64,
    ) -> FetchOutcome {
        let ticket = ticket.get();
        self.last_now_ms = now_ms;
        let Some(index) = self.entry_in_flight(ticket) else {
            return self.late_response(ticket, response, now_ms);
        };
        let mut retry_with_nonce = false;
        if let Some(entry) = self.entries.get_mut(index) {
            if entry.config.dpop_key.is_some() {
                if let Some(nonce) = response.header("dpop-nonce").filter(|n| is_nonce(n)) {
                    let fresh = entry.dpop_nonce.as_deref() != Some(nonce);
                    entry.dpop_nonce = Some(nonce.to_owned());
                    retry_with_nonce = fresh || !entry.nonce_retried;
                }
            }
        }
        let parsed = self
            .entries
            .get(index)
            .map(|e| parse_token_response(&e.config, response, now_ms));
        match parsed {
            Some(Ok(token)) => {
                let origin = self.entries.get(index).and_then(in_flight);
                self.store(index, token, origin, EventName::FetchSucceeded, now_ms)
            }
            Some(Err(error)) if retry_with_nonce && error.error() == Some("use_dpop_nonce") => {
                // RFC 9449 §8: send again at once with the server's nonce; this
                // answer is not a failure and costs no attempt (once per fetch).
                let error = Error::from(error);
                if let Some(entry) = self.entries.get_mut(index) {
                    let mut event =
                        attempt_event(entry, EventName::RetryScheduled, now_ms).with_error(&error);
                    event.delay_ms = Some(0);
                    event.until_ms = Some(now_ms);
                    event.reason = Some(FetchReason::DpopNonce.as_str());
                    self.events.push(event);
                    entry.nonce_retried = true;
                    entry.nonce_pending = true;
                    entry.flight = Flight::Backoff { until_ms: now_ms };
                }
                FetchOutcome::RetryScheduled {
                    at_ms: now_ms,
                    error,
                }
            }
            Some(Err(error)) => self.fail(index, error.into(), Some(response), now_ms),
            None => FetchOutcome::Stale,
        }
    }

    /// A response to a ticket given up on: a token is used (it is as good as
    /// any, and throwing it away costs another request); anything else is stale.
    fn late_response(&mut self, ticket: u64, response: &HttpResponse, now_ms: u64) -> FetchOutcome {
        let Some(index) = self
            .entries
            .iter()
            .position(|e| e.given_up.iter().any(|(t, _)| *t == ticket))
        else {
            return FetchOutcome::Stale;
        };
        let Some(entry) = self.entries.get_mut(index) else {
            return FetchOutcome::Stale;
        };
        let started_ms = entry
            .given_up
            .iter()
            .find(|(t, _)| *t == ticket)
            .map_or(now_ms, |(_, started)| *started);
        entry.given_up.retain(|(t, _)| *t != ticket);
        let Ok(token) = parse_token_response(&entry.config, response, now_ms) else {
            return FetchOutcome::Stale;
        };
        let newer = entry
            .token
            .as_ref()
            .map_or(true, |current| current.issued_at_ms <= token.issued_at_ms);
        if !newer {
            return FetchOutcome::Stale;
        }
        self.store(
            index,
            token,
            Some((ticket, started_ms, None)),
            EventName::FetchSucceeded,
            now_ms,
        )
    }

    /// The request of ticket `ticket` with a client assertion minted outside
    /// this client (config with `external_client_assertion`; the ticket says
    /// [`needs_client_assertion`](FetchTicket::needs_client_assertion)). The host
    /// reads the assertion from its source for each token request. A bad or
    /// expired assertion fails the fetch (every waiter gets the error) and is
    /// returned as the error.
    pub fn request_with_assertion(
        &mut self,
        ticket: TicketId,
        assertion: &str,
        now_ms: u64,
    ) -> Result<HttpRequest, Error> {
        self.complete_request::<&[u8]>(ticket, &[], Some(assertion), now_ms)
    }

    /// The request of ticket `ticket` once the host has done its part: one
    /// signature per [`signing_inputs`](FetchTicket::signing_inputs) entry (a
    /// host-signed key), in order, and the client assertion when the ticket
    /// [`needs_client_assertion`](FetchTicket::needs_client_assertion). A
    /// signature or assertion that does not fit fails the fetch (every
    /// waiter gets the error) and is returned as the error.
    pub fn complete_request<S: AsRef<[u8]>>(
        &mut self,
        ticket: TicketId,
        signatures: &[S],
        client_assertion: Option<&str>,
        now_ms: u64,
    ) -> Result<HttpRequest, Error> {
        let ticket = ticket.get();
        let index = self.entry_in_flight(ticket).ok_or(Error::UnknownTokenKey)?;
        let entropy = self.next_entropy();
        let built = self.entries.get_mut(index).map(|entry| {
            let signed = match entry.unsigned.take() {
                Some(unsigned) => unsigned.finish(signatures)?,
                None if signatures.is_empty() => {
                    let context = RequestContext {
                        now_ms,
                        entropy,
                        dpop_nonce: entry.dpop_nonce.as_deref(),
                    };
                    build_token_request_at(&entry.config, &context)
                }
                None => {
                    return Err(ConfigError::new(
                        crate::error::ConfigErrorKind::InvalidSignature,
                        "signatures",
                        "this ticket has nothing to sign (or was completed already)",
                    ))
                }
            };
            match client_assertion {
                Some(assertion) => crate::endpoints::token_request::add_client_assertion(
                    &entry.config,
                    &signed,
                    assertion,
                    now_ms,
                ),
                None => Ok(signed),
            }
        });
        match built {
            Some(Ok(request)) => Ok(request),
            Some(Err(error)) => {
                let error = Error::from(error);
                // Every waiter sees it at its next poll; the caller gets it here.
                let _ = self.fail(index, error.clone(), None, now_ms);
                Err(error)
            }
            None => Err(Error::UnknownTokenKey),
        }
    }

    /// Reports that ticket `ticket` got no HTTP response.
    pub fn handle_transport_error(
        &mut self,
        ticket: TicketId,
        error: TransportError,
        now_ms: u64,
    ) -> FetchOutcome {
        let ticket = ticket.get();
        self.last_now_ms = now_ms;
        match self.entry_in_flight(ticket) {
            Some(index) => self.fail(index, error.into(), None, now_ms),
            None => FetchOutcome::Stale,
        }
    }

    /// Reports that the host's client assertion source (workload identity,
    /// a file, a callback) failed for ticket `ticket`, with its message (kept
    /// short and sanitized): a failed attempt, retried like a network error.
    pub fn assertion_source_failed(
        &mut self,
        ticket: TicketId,
        message: &str,
        now_ms: u64,
    ) -> FetchOutcome {
        let error = TransportError::new(
            crate::error::TransportErrorKind::Other,
            &format!("the client assertion source failed: {message}"),
        )
        .with_cause("client_assertion_source")
        .with_request_sent(false);
        self.handle_transport_error(ticket, error, now_ms)
    }

    /// Reports that the host's signer (WebCrypto, a key store, a KMS) failed
    /// to sign for ticket `ticket`, with its message (kept short and
    /// sanitized): a failed attempt, retried like a network error.
    pub fn signer_failed(&mut self, ticket: TicketId, message: &str, now_ms: u64) -> FetchOutcome {
        let error = TransportError::new(
            crate::error::TransportErrorKind::Other,
            &format!("the signer failed: {message}"),
        )
        .with_cause("signer")
        .with_request_sent(false);
        self.handle_transport_error(ticket, error, now_ms)
    }

    /// When a host that refreshes on a timer (config `proactive_refresh`)
    /// should next poll for `key`, so the refresh starts before any caller
    /// asks: the token's refresh time, or the end of a retry's backoff.
    /// `None` when the config does not ask for it, while a fetch is in
    /// flight (its report re-arms the timer), with no token, or after a fetch
    /// failed for good (the next caller retries).
    pub fn proactive_refresh_at(&self, key: TokenKey) -> Option<u64> {
        let entry = self.entries.get(key.0)?;
        if !entry.config.proactive_refresh {
            return None;
        }
        match entry.flight {
            // Never sooner than the next fetch may start: no timer loop on
            // tokens shorter-lived than the fetch spacing.
            Flight::Idle => entry.token.as_ref().map(|t| {
                let spacing = entry
                    .last_start_ms
                    .map_or(0, |s| s.saturating_add(MIN_FETCH_SPACING_MS));
                t.refresh_at_ms.max(spacing)
            }),
            Flight::Backoff { until_ms } => Some(until_ms),
            Flight::Fetching { .. } | Flight::Failed { .. } => None,
        }
    }

    /// Caches `token`, the answer to the ticket `origin` (number, start,
    /// attempt: `None` for a late token for a ticket given up on), with the
    /// event `name` (a fetch's success, or a token read from the store).
    pub(super) fn store(
        &mut self,
        index: usize,
        mut token: AccessToken,
        origin: Option<(u64, u64, Option<u32>)>,
        name: EventName,
        now_ms: u64,
    ) -> FetchOutcome {
        let answers_flight = origin.is_some_and(|(_, _, attempt)| attempt.is_some());
        if let Some(server_ms) = token.server_date_ms {
            let skew = server_ms as i64 - token.issued_at_ms as i64;
            self.clock_skew_ms = if skew.abs() >= MIN_SKEW_MS { skew } else { 0 };
        }
        let Some(entry) = self.entries.get_mut(index) else {
            return FetchOutcome::Stale;
        };
        let absolute = matches!(
            token.expiry_source,
            ExpirySource::JwtExp | ExpirySource::ExpiresOn
        );
        if absolute && self.clock_skew_ms != 0 && token.server_date_ms.is_some() {
            token.expires_at_ms = shift(token.expires_at_ms, -self.clock_skew_ms);
        }
        let lifetime = token.expires_at_ms.saturating_sub(token.issued_at_ms);
        let leeway = entry.config.refresh.leeway_ms(lifetime);
        token.refresh_at_ms = match token.refresh_in_ms {
            Some(hint) if hint < lifetime => token.issued_at_ms.saturating_add(hint),
            _ => {
                let jitter = self.rng.u64(..=leeway / 4);
                token
                    .expires_at_ms
                    .saturating_sub(leeway)
                    .saturating_sub(jitter)
                    .max(token.issued_at_ms)
            }
        };
        entry.token_ticket = origin.map(|(ticket, ..)| ticket);
        if self.events.enabled {
            let mut event = LifecycleEvent::new(name, now_ms, &entry.key_id);
            if let Some((ticket, started_ms, attempt)) = origin {
                event.ticket = Some(ticket);
                event.attempt = attempt;
                event.duration_ms = Some(now_ms.saturating_sub(started_ms));
            }
            event.lifetime_ms = Some(lifetime);
            event.expires_at_ms = Some(token.expires_at_ms);
            event.expiry_source = Some(token.expiry_source.as_str());
            event.deviations = token.deviations.iter().map(|d| d.code()).collect();
            event.token_id = Some(short_id(token.value.expose_secret()));
            self.events.push(event);
        }
        if name == EventName::FetchSucceeded {
            entry.counters.fetch_successes += 1;
        }
        let token = Arc::new(token);
        entry.set_token(Some(Arc::clone(&token)));
        // A fetch in flight (one started after a late token's ticket was given
        // up) keeps going: its answer replaces this one. Anything else ends.
        if !matches!(entry.flight, Flight::Fetching { .. }) || answers_flight {
            entry.flight = Flight::Idle;
            entry.nonce_retried = false;
            entry.budget = RetryBudget::default();
        }
        FetchOutcome::Token(token)
    }

    /// A failed attempt of the fetch in flight at `index` (`response`: the
    /// answer, when there was one): schedules a retry or gives up.
    fn fail(
        &mut self,
        index: usize,
        error: Error,
        response: Option<&HttpResponse>,
        now_ms: u64,
    ) -> FetchOutcome {
        let random = self.rng.u64(..);
        let Some(entry) = self.entries.get_mut(index) else {
            return FetchOutcome::Stale;
        };
        entry.counters.attempt_failures += 1;
        entry.counters.last_error_code = Some(error.code());
        let after = entry
            .budget
            .after_failure(&entry.config.retry, &error, random);
        let name = match after {
            AfterFailure::RetryIn(_) => EventName::RetryScheduled,
            AfterFailure::GiveUp { .. } => EventName::FetchFailed,
        };
        let mut event = attempt_event(entry, name, now_ms).with_error(&error);
        if let Some(response) = response {
            let mut ids = crate::http::trace::header_trace_ids(response);
            ids.append(&mut event.trace_ids);
            event.trace_ids = ids;
        }
        match after {
            AfterFailure::RetryIn(delay_ms) => {
                let at_ms = now_ms.saturating_add(delay_ms);
                event.delay_ms = Some(delay_ms);
                event.until_ms = Some(at_ms);
                self.events.push(event);
                entry.flight = Flight::Backoff { until_ms: at_ms };
                FetchOutcome::RetryScheduled { at_ms, error }
            }
            AfterFailure::GiveUp { cooldown_ms } => {
                let until_ms = now_ms.saturating_add(cooldown_ms);
                event.until_ms = Some(until_ms);
                self.events.push(event);
                entry.counters.fetch_failures += 1;
                entry.flight = Flight::Failed {
                    error: Box::new(error.clone()),
                    until_ms,
                };
                entry.budget = RetryBudget::default();
                FetchOutcome::Failed { error, until_ms }
            }
        }
    }

    /// The API rejected `rejected_token` (its `WWW-Authenticate`, if any, in
    /// `www_authenticate`). Drops the cached token when it is that token and
    /// the rejection says the token is bad (`invalid_token`, or no error code);
    /// `insufficient_scope` and other errors keep it. Returns whether it was
    /// dropped; a token already replaced is left alone (no double fetch).
    /// The event says the host dropped it (reason `user`).
    pub fn invalidate(
        &mut self,
        key: TokenKey,
        rejected_token: &str,
        www_authenticate: Option<&str>,
    ) -> bool {
        self.invalidate_for(
            key,
            rejected_token,
            www_authenticate,
            InvalidationReason::User,
        )
    }

    /// [`invalidate`](Self::invalidate), saying why in the event.
    pub(crate) fn invalidate_for(
        &mut self,
        key: TokenKey,
        rejected_token: &str,
        www_authenticate: Option<&str>,
        reason: InvalidationReason,
    ) -> bool {
        if !condemns(www_authenticate) {
            return false;
        }
        let Some(entry) = self.entries.get_mut(key.0) else {
            return false;
        };
        // Read to compare with the token the API rejected.
        let is_cached = entry
            .token
            .as_ref()
            .is_some_and(|t| t.value.expose_secret() == rejected_token);
        if is_cached {
            #[cfg(feature = "fleet")]
            if let Some(store) = entry.store.as_mut() {
                store.token_dropped(&fingerprint(rejected_token));
            }
            entry.set_token(None);
            entry.dropped_for = Some(reason);
            entry.counters.invalidations += 1;
            let mut event =
                LifecycleEvent::new(EventName::TokenInvalidated, self.last_now_ms, &entry.key_id);
            event.reason = Some(reason.as_str());
            event.token_id = Some(short_id(rejected_token));
            self.events.push(event);
        }
        is_cached
    }

    /// Ends a cool-down or a retry's backoff for `key` (the operator fixed
    /// the secret, the network is back): the next caller fetches at once,
    /// with a fresh retry budget. Returns whether there was one to end; a
    /// fetch in flight is left alone.
    pub fn reset_failure(&mut self, key: TokenKey, now_ms: u64) -> bool {
        let Some(entry) = self.entries.get_mut(key.0) else {
            return false;
        };
        if !matches!(entry.flight, Flight::Failed { .. } | Flight::Backoff { .. }) {
            return false;
        }
        entry.flight = Flight::Idle;
        entry.budget = RetryBudget::default();
        entry.nonce_retried = false;
        entry.nonce_pending = false;
        entry.last_start_ms = None;
        self.events.push(LifecycleEvent::new(
            EventName::FailureReset,
            now_ms,
            &entry.key_id,
        ));
        true
    }

    /// Until when callers of `key` get the last failure without a new
    /// fetch (the cool-down after a fetch failed for good), if they do.
    pub fn cooldown_until_ms(&self, key: TokenKey) -> Option<u64> {
        match self.entries.get(key.0)?.flight {
            Flight::Failed { until_ms, .. } => Some(until_ms),
            _ => None,
        }
    }

    /// The events recorded since the last drain, oldest first. Events come
    /// from lifecycle changes only (never from a call served from the
    /// cache); at most 64 wait, older ones are dropped.
    pub fn drain_events(&mut self) -> Vec<LifecycleEvent> {
        self.events.drain()
    }

    /// Whether events wait to be drained (a cheap check for hosts).
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// Whether to record events (on by default). A host with no listener
    /// and no logger that wants them turns this off: no event is built,
    /// no token is hashed for its id. Turning it off drops those waiting.
    pub fn record_events(&mut self, on: bool) {
        self.events.enabled = on;
        if !on {
            let _ = self.events.drain();
        }
    }

    /// The counters and state of `key`'s entry.
    pub fn stats(&self, key: TokenKey) -> Option<TokenStats> {
        let entry = self.entries.get(key.0)?;
        let c = entry.counters;
        Some(TokenStats {
            key: entry.key_id.clone(),
            tokens_served: c.tokens_served,
            fetches: c.fetches,
            fetch_successes: c.fetch_successes,
            attempt_failures: c.attempt_failures,
            fetch_failures: c.fetch_failures,
            invalidations: c.invalidations,
            last_fetch_at_ms: entry.last_start_ms,
            token_expires_at_ms: entry.token.as_ref().map(|t| t.expires_at_ms),
            token_id: entry
                .token
                .as_ref()
                .map(|t| short_id(t.value.expose_secret())),
            cooldown_until_ms: self.cooldown_until_ms(key),
            last_error_code: c.last_error_code,
        })
    }

    /// The SHA-256 prefix that names `key`'s entry in events and stats.
    pub fn key_id(&self, key: TokenKey) -> Option<&str> {
        self.entries.get(key.0).map(|e| e.key_id.as_str())
    }

    /// Whether `token` is one this entry held before its current token
    /// (dropped or replaced).
    pub(crate) fn is_retired(&self, key: TokenKey, token: &str) -> bool {
        let print = fingerprint(token);
        self.entries
            .get(key.0)
            .is_some_and(|e| e.retired.contains(&print))
    }

    /// The cached token as a versioned JSON document, to persist or share.
    pub fn export(&self, key: TokenKey) -> Option<TokenDocument> {
        let entry = self.entries.get(key.0)?;
        entry
            .token
            .as_ref()
            .map(|t| document::export(&entry.cache_key, t))
    }

    /// Loads an exported document into the cache for `key`. It must be for
    /// the same cache key and not expired at `now_ms`.
    pub fn import(
        &mut self,
        key: TokenKey,
        document: &str,
        now_ms: u64,
    ) -> Result<Arc<AccessToken>, Error> {
        let entry = self.entries.get_mut(key.0).ok_or(Error::UnknownTokenKey)?;
        let token = document::import(&entry.cache_key, document, now_ms)?;
        let token = Arc::new(token);
        entry.set_token(Some(Arc::clone(&token)));
        Ok(token)
    }
}

/// Whether a `WWW-Authenticate` answer says the token itself is bad:
/// every challenge's `error` is absent or `invalid_token` (no header: yes).
pub(crate) fn condemns(www_authenticate: Option<&str>) -> bool {
    match www_authenticate {
        None => true,
        Some(header) => parse_www_authenticate([header])
            .iter()
            .all(|c| matches!(c.param("error"), None | Some("invalid_token"))),
    }
}

/// The cached token, if valid at `now_ms` and not issued in what is now the
/// future. A token valid for less than the fetch spacing serves until the
/// next fetch may start.
fn usable_token(entry: &Entry, now_ms: u64) -> Option<&Arc<AccessToken>> {
    entry.token.as_ref().filter(|t| {
        let until = t
            .expires_at_ms
            .max(t.issued_at_ms.saturating_add(MIN_FETCH_SPACING_MS));
        now_ms < until && now_ms + BACKWARD_TOLERANCE_MS >= t.issued_at_ms
    })
}

/// Whether `now_ms` is before `at_ms`, a time set from an earlier reading.
/// A reading far older than that one (past the backward tolerance) is a
/// clock jump, not a late reading: the time is treated as come.
fn is_before(now_ms: u64, at_ms: u64) -> bool {
    now_ms < at_ms && at_ms - now_ms <= MIN_FETCH_SPACING_MS + BACKWARD_TOLERANCE_MS
}

/// Whether a deadline set at most `span_ms` ahead has come. A deadline further
/// ahead than it was ever set, by more than the backward tolerance, means the
/// clock jumped back: treat it as come. Within the tolerance it is a reading
/// taken before another caller's (hosts read the clock before taking a lock),
/// and a fetch in flight must not be declared lost for it.
fn is_due(deadline_ms: u64, now_ms: u64, span_ms: u64) -> bool {
    now_ms >= deadline_ms || deadline_ms - now_ms > span_ms + BACKWARD_TOLERANCE_MS
}

fn shift(ms: u64, by: i64) -> u64 {
    if by >= 0 {
        ms.saturating_add(by as u64)
    } else {
        ms.saturating_sub(by.unsigned_abs())
    }
}

/// Hands out ticket `id` for `entry` and marks it in flight.
fn start_fetch(
    entry: &mut Entry,
    key: TokenKey,
    id: u64,
    now_ms: u64,
    entropy: [u8; 32],
) -> FetchTicket {
    let deadline_ms = now_ms.saturating_add(entry.config.retry.attempt_timeout_ms);
    let context = RequestContext {
        now_ms,
        entropy,
        dpop_nonce: entry.dpop_nonce.as_deref(),
    };
    let prepared = prepare_token_request(&entry.config, &context);
    let signing_inputs: Vec<SigningInput> =
        prepared.signing_inputs().into_iter().cloned().collect();
    let request = if signing_inputs.is_empty() {
        entry.unsigned = None;
        prepared.into_request()
    } else {
        let template = prepared.clone().into_request();
        entry.unsigned = Some(prepared);
        template
    };
    entry.last_start_ms = Some(now_ms);
    let attempt = entry.budget.attempts() + 1;
    entry.flight = Flight::Fetching {
        ticket: id,
        deadline_ms,
        started_ms: now_ms,
        attempt,
    };
    FetchTicket {
        id,
        key,
        attempt,
        request,
        signing_inputs,
        needs_client_assertion: entry
            .config
            .assertion
            .as_ref()
            .is_some_and(|a| a.key.is_none() && entry.config.client_secret.is_none()),
    }
}

/// The ticket in flight at `entry`: number, start, attempt.
pub(super) fn in_flight(entry: &Entry) -> Option<(u64, u64, Option<u32>)> {
    match entry.flight {
        Flight::Fetching {
            ticket,
            started_ms,
            attempt,
            ..
        } => Some((ticket, started_ms, Some(attempt))),
        _ => None,
    }
}

/// An event about the attempt in flight at `entry` (ticket, attempt, duration).
fn attempt_event(entry: &Entry, name: EventName, now_ms: u64) -> LifecycleEvent {
    let mut event = LifecycleEvent::new(name, now_ms, &entry.key_id);
    if let Some((ticket, started_ms, attempt)) = in_flight(entry) {
        event.ticket = Some(ticket);
        event.attempt = attempt;
        event.duration_ms = Some(now_ms.saturating_sub(started_ms));
    }
    event
}

/// SHA-256(seed, counter) after bumping the counter: never the same twice.
fn next_entropy(seed: &[u8; 32], counter: &mut u64) -> [u8; 32] {
    *counter += 1;
    crate::auth::jws::derive(seed, &counter.to_be_bytes())
}

/// `scheme://authority` of a URL, the key of a resource server's nonce.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::TransportErrorKind;

    const T0: u64 = 1_700_000_000_000;

    fn config() -> ClientConfig {
        ClientConfig::builder("https://as.example.com/token", "client")
            .client_secret("secret")
            .scope("api.read")
            .build()
            .unwrap()
    }

    fn ok(token: &str, expires_in: u64) -> HttpResponse {
        HttpResponse::new(
            200,
            vec![],
            format!(
                r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":{expires_in}}}"#
            ),
        )
    }

    fn fetch(d: TokenDecision) -> FetchTicket {
        match d {
            TokenDecision::Fetch(t) => t,
            other => panic!("want Fetch, got {other:?}"),
        }
    }

    #[test]
    fn one_fetch_for_many_callers_then_ready() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let ticket = fetch(m.poll(key, T0).unwrap());
        for _ in 0..100 {
            assert!(matches!(
                m.poll(key, T0).unwrap(),
                TokenDecision::Wait { .. }
            ));
        }
        assert!(matches!(
            m.handle_response(ticket.id(), &ok("t1", 3600), T0 + 10),
            FetchOutcome::Token(_)
        ));
        match m.poll(key, T0 + 20).unwrap() {
            TokenDecision::Ready(t) => assert_eq!(t.value().expose_secret(), "t1"),
            other => panic!("{other:?}"),
        }
        // A duplicate or late report is ignored.
        assert!(matches!(
            m.handle_response(ticket.id(), &ok("t2", 3600), T0 + 30),
            FetchOutcome::Stale
        ));
    }

    #[test]
    fn refresh_ahead_serves_the_current_token_and_hands_out_one_ticket() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let ticket = fetch(m.poll(key, T0).unwrap());
        let _ = m.handle_response(ticket.id(), &ok("t1", 3600), T0);
        let refresh_at = m.cached_token(key).unwrap().refresh_at_ms();
        assert!((T0 + 3_225_000..=T0 + 3_300_000).contains(&refresh_at));
        let bg = match m.poll(key, refresh_at).unwrap() {
            TokenDecision::RefreshAhead(t, ticket) => {
                assert_eq!(t.value().expose_secret(), "t1");
                ticket
            }
            other => panic!("{other:?}"),
        };
        assert!(matches!(
            m.poll(key, refresh_at + 1).unwrap(),
            TokenDecision::Ready(_)
        ));
        // The background refresh fails for good: callers keep the valid token.
        let bad = HttpResponse::new(400, vec![], r#"{"error":"invalid_client"}"#);
        assert!(matches!(
            m.handle_response(bg.id(), &bad, refresh_at + 2),
            FetchOutcome::Failed { .. }
        ));
        assert!(matches!(
            m.poll(key, refresh_at + 3).unwrap(),
            TokenDecision::Ready(_)
        ));
    }

    #[test]
    fn transient_failures_retry_then_give_up_with_the_same_error_for_all() {
        let (mut m, key) = TokenManager::with_config(config(), 7);
        let mut now = T0;
        let mut attempts = 0;
        loop {
            match m.poll(key, now).unwrap() {
                TokenDecision::Fetch(ticket) => {
                    attempts += 1;
                    assert_eq!(ticket.attempt(), attempts);
                    let error = TransportError::new(TransportErrorKind::Connect, "refused");
                    let _ = m.handle_transport_error(ticket.id(), error, now);
                }
                TokenDecision::Wait { until_ms } => now = until_ms.max(now + 1),
                TokenDecision::Failed(error) => {
                    assert_eq!(error.code(), "TRANSPORT_ERROR");
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(attempts, 3);
        assert!(now - T0 <= 60_000);
    }

    #[test]
    fn permanent_failure_is_not_retried_and_cools_down() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let ticket = fetch(m.poll(key, T0).unwrap());
        let bad = HttpResponse::new(401, vec![], r#"{"error":"invalid_client"}"#);
        let until = match m.handle_response(ticket.id(), &bad, T0) {
            FetchOutcome::Failed { until_ms, .. } => until_ms,
            other => panic!("{other:?}"),
        };
        assert_eq!(until, T0 + 30_000);
        match m.poll(key, T0 + 29_999).unwrap() {
            TokenDecision::Failed(e) => assert_eq!(e.code(), "TOKEN_ENDPOINT_ERROR"),
            other => panic!("{other:?}"),
        }
        assert_eq!(fetch(m.poll(key, until).unwrap()).attempt(), 1);
    }

    #[test]
    fn a_401_invalidates_only_the_cached_token_and_only_for_invalid_token() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let ticket = fetch(m.poll(key, T0).unwrap());
        let _ = m.handle_response(ticket.id(), &ok("t1", 3600), T0);
        assert!(!m.invalidate(key, "t1", Some(r#"Bearer error="insufficient_scope""#)));
        assert!(!m.invalidate(key, "t0-older", Some(r#"Bearer error="invalid_token""#)));
        assert!(m.invalidate(key, "t1", Some(r#"Bearer error="invalid_token""#)));
        // The next fetch waits for the spacing after the last one started.
        assert!(matches!(
            m.poll(key, T0 + 1).unwrap(),
            TokenDecision::Wait { until_ms } if until_ms == T0 + MIN_FETCH_SPACING_MS
        ));
        let at = T0 + MIN_FETCH_SPACING_MS;
        let ticket = fetch(m.poll(key, at).unwrap());
        let _ = m.handle_response(ticket.id(), &ok("t2", 3600), at + 2);
        // A second 401 for the old token (a request that was already in flight) does nothing.
        assert!(!m.invalidate(key, "t1", None));
        assert!(matches!(
            m.poll(key, at + 3).unwrap(),
            TokenDecision::Ready(_)
        ));
    }

    #[test]
    fn a_zero_lifetime_token_serves_its_second_and_fetches_stay_spaced() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let mut fetches = 0;
        let mut served = 0;
        // Callers ask every 10 ms for 5 s; the server always answers expires_in 0.
        for step in 0..500u64 {
            let now = T0 + step * 10;
            match m.poll(key, now).unwrap() {
                TokenDecision::Fetch(t) | TokenDecision::RefreshAhead(_, t) => {
                    fetches += 1;
                    let outcome = m.handle_response(t.id(), &ok("zero", 0), now);
                    assert!(
                        matches!(&outcome, FetchOutcome::Token(t) if t.expires_at_ms() == now),
                        "{outcome:?}"
                    );
                }
                TokenDecision::Ready(_) => served += 1,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(fetches, 5, "one fetch per second");
        assert_eq!(served, 495);
    }

    #[test]
    fn a_late_token_for_a_given_up_ticket_is_used() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let lost = fetch(m.poll(key, T0).unwrap());
        // Declared lost at the attempt timeout: a retry is scheduled.
        assert!(matches!(
            m.poll(key, T0 + 30_000).unwrap(),
            TokenDecision::Wait { .. }
        ));
        // Its answer arrives after all: the token is taken, the backoff ends.
        assert!(matches!(
            m.handle_response(lost.id(), &ok("late", 3600), T0 + 30_100),
            FetchOutcome::Token(_)
        ));
        match m.poll(key, T0 + 30_200).unwrap() {
            TokenDecision::Ready(t) => assert_eq!(t.value().expose_secret(), "late"),
            other => panic!("{other:?}"),
        }
        // Only once, and only a token: a second report is stale.
        assert!(matches!(
            m.handle_response(lost.id(), &ok("late", 3600), T0 + 30_300),
            FetchOutcome::Stale
        ));
    }

    #[test]
    fn a_late_token_does_not_cancel_the_fetch_that_replaced_it() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let lost = fetch(m.poll(key, T0).unwrap());
        assert!(matches!(
            m.poll(key, T0 + 30_000).unwrap(),
            TokenDecision::Wait { .. }
        ));
        let again = fetch(m.poll(key, T0 + 31_000).unwrap());
        let error = HttpResponse::new(503, vec![], r#"{"error":"temporarily_unavailable"}"#);
        // A late error is ignored, a late token is used, and the new fetch still counts.
        assert!(matches!(
            m.handle_response(lost.id(), &error, T0 + 31_100),
            FetchOutcome::Stale
        ));
        let lost2 = lost.id();
        assert!(matches!(
            m.handle_response(lost2, &ok("late", 3600), T0 + 31_100),
            FetchOutcome::Stale
        ));
        assert!(matches!(
            m.handle_response(again.id(), &ok("new", 3600), T0 + 31_200),
            FetchOutcome::Token(_)
        ));
        match m.poll(key, T0 + 31_300).unwrap() {
            TokenDecision::Ready(t) => assert_eq!(t.value().expose_secret(), "new"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_clock_that_jumps_back_distrusts_the_token() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let ticket = fetch(m.poll(key, T0).unwrap());
        let _ = m.handle_response(ticket.id(), &ok("t1", 3600), T0);
        assert!(matches!(
            m.poll(key, T0 - 4_000).unwrap(),
            TokenDecision::Ready(_)
        ));
        assert!(matches!(
            m.poll(key, T0 - 3_600_000).unwrap(),
            TokenDecision::Fetch(_)
        ));
    }

    #[test]
    fn a_reading_older_than_the_fetch_in_flight_waits_for_it() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let ticket = fetch(m.poll(key, T0).unwrap());
        // Callers that read the clock before the fetch started, out of order.
        for now in [T0 - 1, T0 - 4_000] {
            assert!(matches!(
                m.poll(key, now).unwrap(),
                TokenDecision::Wait { .. }
            ));
        }
        assert!(matches!(
            m.handle_response(ticket.id(), &ok("t1", 3600), T0 + 5),
            FetchOutcome::Token(_)
        ));
        // A real jump back, far beyond the tolerance, still replaces the fetch.
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let _ = fetch(m.poll(key, T0).unwrap());
        let until_ms = match m.poll(key, T0 - 600_000).unwrap() {
            TokenDecision::Wait { until_ms } => until_ms, // the lost attempt's backoff
            other => panic!("{other:?}"),
        };
        assert!(until_ms < T0 - 600_000 + 1_000);
        assert_eq!(fetch(m.poll(key, until_ms).unwrap()).attempt(), 2);
    }

    #[test]
    fn a_lost_ticket_is_replaced_after_the_attempt_timeout() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let lost = fetch(m.poll(key, T0).unwrap());
        assert!(
            matches!(m.poll(key, T0 + 29_999).unwrap(), TokenDecision::Wait { until_ms } if until_ms == T0 + 30_000)
        );
        // The lost attempt counts as a timeout: backoff (at most 500 ms), then attempt 2.
        assert!(
            matches!(m.poll(key, T0 + 30_000).unwrap(), TokenDecision::Wait { until_ms } if until_ms <= T0 + 30_500)
        );
        let again = fetch(m.poll(key, T0 + 30_500).unwrap());
        assert_eq!(again.attempt(), 2);
        assert_ne!(lost.id(), again.id());
        // An unknown ticket is stale.
        assert!(matches!(
            m.handle_response(
                TicketId::from(again.id().get() + 100),
                &ok("late", 60),
                T0 + 30_501
            ),
            FetchOutcome::Stale
        ));
    }

    #[test]
    fn skew_from_the_date_header_corrects_absolute_expiry() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let ticket = fetch(m.poll(key, T0).unwrap());
        // Server clock 10 min ahead; token expires 1 h after server time.
        let server_now = (T0 + 600_000) / 1000;
        let date = httpdate::fmt_http_date(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(server_now),
        );
        let body = format!(
            r#"{{"access_token":"t1","expires_on":"{}"}}"#,
            server_now + 3600
        );
        let _ = m.handle_response(
            ticket.id(),
            &HttpResponse::new(200, vec![("Date".into(), date)], body),
            T0,
        );
        assert_eq!(m.clock_skew_ms(), 600_000);
        assert_eq!(m.cached_token(key).unwrap().expires_at_ms(), T0 + 3_600_000);
    }

    #[test]
    fn configs_with_the_same_tokens_share_an_entry_and_others_do_not() {
        let mut m = TokenManager::new(1);
        let a = m.register(config());
        let b = m.register(
            ClientConfig::builder("https://as.example.com/token", "client")
                .client_secret("other")
                .scope("api.read")
                .build()
                .unwrap(),
        );
        let c = m.register(
            ClientConfig::builder("https://as.example.com/token", "client")
                .client_secret("secret")
                .scope("api.write")
                .build()
                .unwrap(),
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(!m.cache_key(a).unwrap().contains("secret\""));
    }

    #[test]
    fn export_import_round_trip_and_typed_errors() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let ticket = fetch(m.poll(key, T0).unwrap());
        let _ = m.handle_response(ticket.id(), &ok("t1", 3600), T0);
        let doc = m.export(key).unwrap();
        assert!(!format!("{doc:?}").contains("t1"));
        let (mut other, other_key) = TokenManager::with_config(config(), 2);
        let token = other
            .import(other_key, doc.expose_secret(), T0 + 1)
            .unwrap();
        assert_eq!(token.value().expose_secret(), "t1");
        assert!(matches!(
            other.poll(other_key, T0 + 2).unwrap(),
            TokenDecision::Ready(_)
        ));
        let code = |r: Result<Arc<AccessToken>, Error>| r.unwrap_err().code();
        assert_eq!(
            code(other.import(other_key, doc.expose_secret(), T0 + 3_600_000)),
            "TOKEN_DOCUMENT_EXPIRED"
        );
        assert_eq!(
            code(other.import(other_key, "{", T0)),
            "INVALID_TOKEN_DOCUMENT"
        );
        assert_eq!(
            code(other.import(other_key, r#"{"version":2}"#, T0)),
            "UNSUPPORTED_TOKEN_DOCUMENT_VERSION"
        );
        let c = other.register(
            ClientConfig::builder("https://as.example.com/token", "someone-else")
                .client_secret("s")
                .build()
                .unwrap(),
        );
        assert_eq!(
            code(other.import(c, doc.expose_secret(), T0)),
            "TOKEN_DOCUMENT_KEY_MISMATCH"
        );
    }

    #[test]
    fn debug_never_shows_tokens_or_secrets() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        let ticket = fetch(m.poll(key, T0).unwrap());
        let text = format!("{ticket:?}");
        assert!(!text.contains("c2VjcmV0"), "{text}"); // base64 of "secret" in the Basic header
        let _ = m.handle_response(ticket.id(), &ok("token-value-xyz", 3600), T0);
        let text = format!("{m:?} {:?}", m.poll(key, T0).unwrap());
        assert!(
            !text.contains("token-value-xyz") && !text.contains("c2VjcmV0"),
            "{text}"
        );
    }

    #[cfg(feature = "es256")]
    #[test]
    fn a_dpop_nonce_answer_is_a_send_again_with_its_own_reason() {
        let config = ClientConfig::builder("https://as.example.com/token", "client")
            .client_secret("secret")
            .dpop_key(crate::auth::key::PrivateKey::generate_p256(&[5; 32]).unwrap())
            .build()
            .unwrap();
        let (mut m, key) = TokenManager::with_config(config, 1);
        let ticket = fetch(m.poll(key, T0).unwrap());
        let nonce = HttpResponse::new(
            400,
            vec![("DPoP-Nonce".into(), "n-1".into())],
            r#"{"error":"use_dpop_nonce"}"#,
        );
        let _ = m.handle_response(ticket.id(), &nonce, T0 + 5);
        let again = fetch(m.poll(key, T0 + 5).unwrap());
        let names: Vec<(&str, Option<&str>, Option<u32>)> = m
            .drain_events()
            .iter()
            .map(|e| (e.event.as_str(), e.reason, e.attempt))
            .collect();
        assert_eq!(
            names,
            [
                ("fetch_started", Some("cold"), Some(1)),
                ("retry_scheduled", Some("dpop_nonce"), Some(1)),
                // The send-again costs no attempt.
                ("fetch_started", Some("dpop_nonce"), Some(1)),
            ]
        );
        assert_eq!(again.attempt(), 1);
        // Nothing was drained twice, and a cache hit makes no event.
        let _ = m.handle_response(again.id(), &ok("tok-dpop-events", 3600), T0 + 9);
        assert_eq!(m.drain_events().len(), 1);
        let _ = m.poll(key, T0 + 10).unwrap();
        assert!(!m.has_events());
    }

    #[test]
    fn with_events_off_nothing_is_recorded_and_on_again_they_come_back() {
        let (mut m, key) = TokenManager::with_config(config(), 1);
        m.record_events(false);
        let ticket = fetch(m.poll(key, T0).unwrap());
        let _ = m.handle_response(ticket.id(), &ok("tok-quiet-events", 60), T0);
        assert!(!m.has_events());
        m.record_events(true);
        assert!(m.invalidate(key, "tok-quiet-events", None));
        assert_eq!(m.drain_events().len(), 1);
        // The counters count either way.
        assert_eq!(m.stats(key).unwrap().fetches, 1);
    }
}
