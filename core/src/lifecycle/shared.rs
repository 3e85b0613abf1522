//! A fleet shares one token through a store: the protocol, sans-IO.
//!
//! With a store attached ([`TokenManager::attach_store`]), a host that gets a
//! fetch ticket first asks [`TokenManager::store_begin`] and runs the
//! [`StoreStep`]s it is given until one says [`StoreStep::Fetch`] (send the
//! ticket's request as usual, report it, then call
//! [`store_fetched`](TokenManager::store_fetched)) or [`StoreStep::Done`]:
//!
//! 1. read the shared entry: a token other than the one this process holds,
//!    valid past its refresh leeway, answers the ticket (a `store_hit`);
//! 2. else take the lease (`SET NX PX`, TTL the attempt timeout plus half a
//!    second); the holder reads again (someone may have just published),
//!    fetches, publishes the sealed entry (expiring with the token) and
//!    releases the lease only if it still owns it (compare-and-delete). A
//!    holder that stalled more than half a second between asking for the
//!    lease and fetching gives it back and asks again (once per fetch: a
//!    store that slow is not waited on twice), so that a lease outlives the
//!    fetch made under it;
//! 3. the others sleep and read again with a growing backoff, and take over
//!    when the lease expires (its holder died); once they have waited the
//!    lease TTL and a second on busy leases, they fetch alone.
//!
//! The store is never a reason to fail a caller: a failed command means
//! fetching alone at once, and the store is left alone for 5 s (reported as
//! `store_unavailable`, then `store_recovered`). A 401 that drops the token
//! deletes the shared entry only while it holds that token
//! ([`store_commands`](TokenManager::store_commands)).

use crate::error::{Error, TokenDocumentError};
use crate::fleet::{Rejected, SealKey, StoreCommand, StoreKeys, StoreReply};
use crate::lifecycle::decision::{TicketId, TokenKey};
use crate::lifecycle::document;
use crate::lifecycle::events::{EventName, LifecycleEvent};
use crate::lifecycle::manager::{fingerprint, in_flight, Fingerprint, TokenManager};

/// How long the store is left alone after it failed.
const UNAVAILABLE_MS: u64 = 5_000;
/// First and longest sleep between reads while another process fetches.
const FIRST_BACKOFF_MS: u64 = 25;
const MAX_BACKOFF_MS: u64 = 500;
/// Beyond the lease TTL, how long a process waits before fetching alone.
const WAIT_MARGIN_MS: u64 = 1_000;
/// The lease lasts the attempt timeout plus this.
const LEASE_MARGIN_MS: u64 = 500;
/// A holder that took longer than this (from asking for the lease) to start
/// its fetch asks for the lease again, once: a whole attempt and the publish
/// after it (the rest of [`LEASE_MARGIN_MS`]) then fit in the lease, so no
/// waiter takes it over while the token is on its way to the store.
const RENEW_AFTER_MS: u64 = LEASE_MARGIN_MS / 2;

/// What the host does next for a ticket shared through the store.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "a store step says what the host must do next"]
pub enum StoreStep {
    /// Run this command and report its reply with
    /// [`store_reply`](TokenManager::store_reply).
    Command(StoreCommand),
    /// Sleep until `until_ms`, then call [`store_resume`](TokenManager::store_resume).
    Sleep {
        /// When to resume.
        until_ms: u64,
    },
    /// Send the ticket's token request, report its outcome as usual, then
    /// call [`store_fetched`](TokenManager::store_fetched).
    Fetch,
    /// Nothing more: the ticket was answered (or needs nothing further).
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Reading,
    Leasing,
    Rechecking,
    /// Giving back a lease held too long before fetching, to ask again.
    Renewing,
    Waiting,
    Fetching,
    Publishing,
    Releasing,
}

/// One ticket's way through the store.
struct SharedFetch {
    ticket: u64,
    phase: Phase,
    /// After this, stop waiting on another process and fetch alone (set
    /// when a lease is first found busy).
    wait_until_ms: Option<u64>,
    /// When the lease was last asked for: the holder's clock for its lease.
    leased_at_ms: u64,
    /// The lease was given back once already: a store that slow (round
    /// trips of a quarter second) is not waited on again, the fetch goes on.
    renewed: bool,
    backoff_ms: u64,
    owns_lease: bool,
    reported_busy: bool,
    /// A rejected entry is reported once per fetch (it is read twice).
    reported_rejected: bool,
}

/// An entry's store: keys, sealing key, this process's lease owner id.
pub(super) struct StoreState {
    keys: StoreKeys,
    seal: SealKey,
    owner: Vec<u8>,
    lease_ttl_ms: u64,
    unavailable_until: Option<u64>,
    /// The current token as the store holds it (sealed): what a 401's
    /// compare-and-delete names.
    current: Option<(Fingerprint, Vec<u8>)>,
    /// The last token an API rejected: never imported again, even when the
    /// compare-and-delete of its entry did not happen (the store was down).
    dropped: Option<Fingerprint>,
    /// Commands to run with no reply needed (a 401's delete).
    pending: Vec<StoreCommand>,
    fetch: Option<SharedFetch>,
}

impl StoreState {
    /// The cached token was dropped: delete the shared entry if it still holds it.
    pub(super) fn token_dropped(&mut self, print: &Fingerprint) {
        self.dropped = Some(*print);
        if let Some((held, sealed)) = self.current.take() {
            if held == *print {
                self.pending.push(StoreCommand::DeleteIfEquals {
                    key: self.keys.token.clone(),
                    value: sealed,
                });
            } else {
                self.current = Some((held, sealed));
            }
        }
    }
}

fn hex(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .flat_map(|b| format!("{b:02x}").into_bytes())
        .collect()
}

impl TokenManager {
    /// Shares `key`'s token through a store. Entries are sealed under a key
    /// derived from the client's secret or private key and `store_key`
    /// (required when the core holds no secret: a host-signed key, an
    /// external assertion). Returns the store keys used. A DPoP config
    /// cannot share (its tokens are bound to this process's key).
    pub fn attach_store(
        &mut self,
        key: TokenKey,
        store_key: Option<&[u8]>,
    ) -> Result<StoreKeys, Error> {
        let owner = hex(self.next_entropy().get(..16).unwrap_or_default());
        let entry = self.entries.get_mut(key.0).ok_or(Error::UnknownTokenKey)?;
        let seal = SealKey::derive(&entry.config, &entry.cache_key, store_key)?;
        let keys = StoreKeys::for_entry(&entry.key_id);
        entry.store = Some(Box::new(StoreState {
            keys: keys.clone(),
            seal,
            owner,
            lease_ttl_ms: entry
                .config
                .retry
                .attempt_timeout_ms
                .saturating_add(LEASE_MARGIN_MS),
            unavailable_until: None,
            current: None,
            dropped: None,
            pending: Vec::new(),
            fetch: None,
        }));
        Ok(keys)
    }

    /// The first step for fetch ticket `ticket`: read the store, or
    /// [`StoreStep::Fetch`] when no store is attached or it is down.
    pub fn store_begin(&mut self, ticket: TicketId, now_ms: u64) -> StoreStep {
        let ticket = ticket.get();
        let Some(index) = self.entry_in_flight(ticket) else {
            return StoreStep::Done;
        };
        let Some(entry) = self.entries.get_mut(index) else {
            return StoreStep::Done;
        };
        let timeout = entry.config.retry.attempt_timeout_ms;
        let Some(store) = entry.store.as_mut() else {
            return StoreStep::Fetch;
        };
        if store.unavailable_until.is_some_and(|until| now_ms < until) {
            store.fetch = None;
            return StoreStep::Fetch;
        }
        store.fetch = Some(SharedFetch {
            ticket,
            phase: Phase::Reading,
            wait_until_ms: None,
            leased_at_ms: now_ms,
            renewed: false,
            backoff_ms: FIRST_BACKOFF_MS,
            owns_lease: false,
            reported_busy: false,
            reported_rejected: false,
        });
        let command = StoreCommand::Get {
            key: store.keys.token.clone(),
        };
        entry.keep_alive(ticket, now_ms.saturating_add(timeout));
        StoreStep::Command(command)
    }

    /// Reports the reply to the last [`StoreStep::Command`] of `ticket`.
    pub fn store_reply(&mut self, ticket: TicketId, reply: StoreReply, now_ms: u64) -> StoreStep {
        let step = self.store_reply_step(ticket.get(), reply, now_ms);
        self.keep_step_alive(ticket.get(), &step, now_ms);
        step
    }

    /// Every step pushes the ticket's deadline past what it asks of the
    /// host: a fetch that spent seconds on the fleet's leases still has a
    /// whole attempt for its request, so a caller polling meanwhile waits
    /// for it instead of being handed a second ticket (a second request).
    fn keep_step_alive(&mut self, ticket: u64, step: &StoreStep, now_ms: u64) {
        let from_ms = match step {
            StoreStep::Command(_) | StoreStep::Fetch => now_ms,
            StoreStep::Sleep { until_ms } => (*until_ms).max(now_ms),
            _ => return,
        };
        let Some(index) = self.entry_in_flight(ticket) else {
            return;
        };
        if let Some(entry) = self.entries.get_mut(index) {
            let timeout = entry.config.retry.attempt_timeout_ms;
            entry.keep_alive(ticket, from_ms.saturating_add(timeout));
        }
    }

    fn store_reply_step(&mut self, ticket: u64, reply: StoreReply, now_ms: u64) -> StoreStep {
        let Some(index) = self.store_entry(ticket) else {
            return StoreStep::Done;
        };
        let random = self.rng.u64(..);
        let Some(entry) = self.entries.get_mut(index) else {
            return StoreStep::Done;
        };
        let key_id = entry.key_id.clone();
        let Some(store) = entry.store.as_mut() else {
            return StoreStep::Done;
        };
        let Some(phase) = store.fetch.as_ref().map(|f| f.phase) else {
            return StoreStep::Done;
        };
        if matches!(reply, StoreReply::Failed) {
            if store.unavailable_until.is_none() {
                self.events.push(LifecycleEvent::new(
                    EventName::StoreUnavailable,
                    now_ms,
                    &key_id,
                ));
            }
            return store_failed(store, phase, now_ms);
        }
        if store.unavailable_until.take().is_some() {
            self.events.push(LifecycleEvent::new(
                EventName::StoreRecovered,
                now_ms,
                &key_id,
            ));
        }
        match (phase, reply) {
            (Phase::Reading | Phase::Rechecking, StoreReply::Value(value)) => {
                if let Some(sealed) = value {
                    if let Some(step) = self.try_import(index, ticket, sealed, now_ms) {
                        return step;
                    }
                }
                let Some(store) = self.store_mut(index) else {
                    return StoreStep::Done;
                };
                if phase == Phase::Rechecking {
                    let stale = store.fetch.as_ref().is_some_and(|f| {
                        !f.renewed && now_ms.saturating_sub(f.leased_at_ms) > RENEW_AFTER_MS
                    });
                    if stale {
                        // Too little of the lease is left to cover a whole attempt.
                        if let Some(fetch) = store.fetch.as_mut() {
                            fetch.owns_lease = false;
                            fetch.renewed = true;
                            fetch.phase = Phase::Renewing;
                        }
                        return StoreStep::Command(StoreCommand::DeleteIfEquals {
                            key: store.keys.lease.clone(),
                            value: store.owner.clone(),
                        });
                    }
                    set_phase(store, Phase::Fetching);
                    return StoreStep::Fetch;
                }
                ask_lease(store, now_ms)
            }
            (Phase::Renewing, StoreReply::Done(_)) => ask_lease(store, now_ms),
            (Phase::Leasing, StoreReply::Done(true)) => {
                if let Some(fetch) = store.fetch.as_mut() {
                    fetch.owns_lease = true;
                    fetch.phase = Phase::Rechecking;
                }
                let command = StoreCommand::Get {
                    key: store.keys.token.clone(),
                };
                self.events.push(LifecycleEvent::new(
                    EventName::LeaseAcquired,
                    now_ms,
                    &key_id,
                ));
                StoreStep::Command(command)
            }
            (Phase::Leasing, StoreReply::Done(false)) => {
                let Some(fetch) = store.fetch.as_mut() else {
                    return StoreStep::Done;
                };
                let wait_until_ms = *fetch.wait_until_ms.get_or_insert(
                    now_ms
                        .saturating_add(store.lease_ttl_ms)
                        .saturating_add(WAIT_MARGIN_MS),
                );
                if now_ms >= wait_until_ms {
                    // Busy leases for longer than one lease's TTL and a margin: fetch alone.
                    fetch.phase = Phase::Fetching;
                    return StoreStep::Fetch;
                }
                let jitter = random % (fetch.backoff_ms / 2 + 1);
                let until_ms = now_ms
                    .saturating_add(fetch.backoff_ms)
                    .saturating_add(jitter);
                fetch.backoff_ms = (fetch.backoff_ms * 2).min(MAX_BACKOFF_MS);
                fetch.phase = Phase::Waiting;
                if !fetch.reported_busy {
                    fetch.reported_busy = true;
                    let mut event = LifecycleEvent::new(EventName::LeaseBusy, now_ms, &key_id);
                    event.ticket = Some(ticket);
                    event.until_ms = Some(wait_until_ms);
                    self.events.push(event);
                }
                StoreStep::Sleep { until_ms }
            }
            (Phase::Publishing, _) => {
                self.events.push(LifecycleEvent::new(
                    EventName::StorePublished,
                    now_ms,
                    &key_id,
                ));
                release(store)
            }
            (Phase::Releasing, _) => {
                store.fetch = None;
                StoreStep::Done
            }
            // A reply that does not fit the command: the store misbehaves.
            _ => {
                self.events.push(LifecycleEvent::new(
                    EventName::StoreUnavailable,
                    now_ms,
                    &key_id,
                ));
                store_failed(store, phase, now_ms)
            }
        }
    }

    /// After a [`StoreStep::Sleep`]: read the store again.
    pub fn store_resume(&mut self, ticket: TicketId, now_ms: u64) -> StoreStep {
        let ticket = ticket.get();
        let Some(index) = self.store_entry(ticket) else {
            return StoreStep::Done;
        };
        let Some(store) = self.store_mut(index) else {
            return StoreStep::Done;
        };
        let step = match store.fetch.as_ref().map(|f| f.phase) {
            Some(Phase::Waiting) => {
                set_phase(store, Phase::Reading);
                StoreStep::Command(StoreCommand::Get {
                    key: store.keys.token.clone(),
                })
            }
            _ => StoreStep::Done,
        };
        self.keep_step_alive(ticket, &step, now_ms);
        step
    }

    /// After the host reported ticket `ticket`'s outcome: publish the new
    /// token (sealed, expiring with it) and release the lease.
    pub fn store_fetched(&mut self, ticket: TicketId, now_ms: u64) -> StoreStep {
        let ticket = ticket.get();
        let Some(index) = self.store_entry(ticket) else {
            return StoreStep::Done;
        };
        let entropy = self.next_entropy();
        let Some(entry) = self.entries.get_mut(index) else {
            return StoreStep::Done;
        };
        let fresh = entry
            .token()
            .filter(|_| entry.token_ticket == Some(ticket))
            .filter(|t| t.expires_at_ms > now_ms)
            .cloned();
        let cache_key = entry.cache_key.clone();
        let Some(store) = entry.store.as_mut() else {
            return StoreStep::Done;
        };
        let available = !matches!(store.unavailable_until, Some(until) if now_ms < until);
        match fresh {
            Some(token) if available => {
                let document = document::export(&cache_key, &token);
                // The nonce is drawn from this manager's randomness and the
                // document itself: two hosts seeded alike (a fixed seed) still
                // never seal two different documents under one nonce.
                let drawn = crate::auth::jws::derive(&entropy, document.expose_secret().as_bytes());
                let mut nonce = [0u8; 12];
                nonce.copy_from_slice(drawn.get(..12).unwrap_or(&[0; 12]));
                let sealed = store.seal.seal(
                    &store.keys.token,
                    document.expose_secret().as_bytes(),
                    nonce,
                );
                // Read to fingerprint it; the value is not kept.
                store.current = Some((fingerprint(token.value.expose_secret()), sealed.clone()));
                set_phase(store, Phase::Publishing);
                StoreStep::Command(StoreCommand::Set {
                    key: store.keys.token.clone(),
                    value: sealed,
                    ttl_ms: token.expires_at_ms.saturating_sub(now_ms).max(1),
                })
            }
            _ => release(store),
        }
    }

    /// Commands to run now with no reply needed (after a 401 dropped a
    /// shared token: delete the entry while it still holds it).
    pub fn store_commands(&mut self, key: TokenKey) -> Vec<StoreCommand> {
        self.entries
            .get_mut(key.0)
            .and_then(|e| e.store.as_mut())
            .map(|s| std::mem::take(&mut s.pending))
            .unwrap_or_default()
    }

    /// The entry whose store is working on ticket `ticket`.
    fn store_entry(&self, ticket: u64) -> Option<usize> {
        self.entries.iter().position(|e| {
            e.store
                .as_ref()
                .and_then(|s| s.fetch.as_ref())
                .is_some_and(|f| f.ticket == ticket)
        })
    }

    fn store_mut(&mut self, index: usize) -> Option<&mut StoreState> {
        self.entries.get_mut(index)?.store.as_deref_mut()
    }

    /// Opens a shared entry; a token other than the local one, valid past
    /// its refresh leeway, answers the ticket. `None`: keep going.
    fn try_import(
        &mut self,
        index: usize,
        ticket: u64,
        sealed: Vec<u8>,
        now_ms: u64,
    ) -> Option<StoreStep> {
        let entry = self.entries.get_mut(index)?;
        let store = entry.store.as_mut()?;
        let opened = store.seal.open(&store.keys.token, &sealed);
        let imported = opened.map_err(Some).and_then(|text| {
            let text = std::str::from_utf8(&text).map_err(|_| Some(Rejected::Truncated))?;
            document::import(&entry.cache_key, text, now_ms).map_err(|e| match e {
                // An expired entry is just old: not worth a report.
                TokenDocumentError::Expired => None,
                _ => Some(Rejected::Truncated),
            })
        });
        let token = match imported {
            Ok(token) => token,
            Err(rejected) => {
                // Read twice in one fetch (before and after the lease): reported once.
                let fetch = store.fetch.as_mut()?;
                if let Some(rejected) = rejected.filter(|_| !fetch.reported_rejected) {
                    fetch.reported_rejected = true;
                    let mut event =
                        LifecycleEvent::new(EventName::StoreEntryRejected, now_ms, &entry.key_id);
                    event.reason = Some(rejected.as_str());
                    self.events.push(event);
                }
                return None;
            }
        };
        let print = fingerprint(token.value.expose_secret());
        let held = entry
            .token()
            .is_some_and(|t| fingerprint(t.value.expose_secret()) == print)
            || entry
                .store
                .as_ref()
                .is_some_and(|s| s.dropped.as_ref() == Some(&print));
        let lifetime = token.expires_at_ms.saturating_sub(token.issued_at_ms);
        let leeway = entry.config.refresh.leeway_ms(lifetime);
        if held || now_ms >= token.expires_at_ms.saturating_sub(leeway) {
            // The token this process has (someone must refresh it) or one an
            // API rejected here, or one about to need refreshing: take the
            // lease instead.
            return None;
        }
        if entry.flight_ticket() != Some(ticket) {
            return Some(StoreStep::Done);
        }
        let origin = in_flight(entry);
        let store = entry.store.as_mut()?;
        store.current = Some((print, sealed));
        let owns = store.fetch.as_ref().is_some_and(|f| f.owns_lease);
        let _ = self.store(index, token, origin, EventName::StoreHit, now_ms);
        let store = self.store_mut(index)?;
        Some(if owns {
            release(store)
        } else {
            store.fetch = None;
            StoreStep::Done
        })
    }
}

/// The store failed in `phase`: left alone for a while; the ticket is
/// fetched alone (or, past its fetch, simply ends).
fn store_failed(store: &mut StoreState, phase: Phase, now_ms: u64) -> StoreStep {
    store.unavailable_until = Some(now_ms.saturating_add(UNAVAILABLE_MS));
    match phase {
        Phase::Publishing | Phase::Releasing => {
            store.fetch = None;
            StoreStep::Done
        }
        _ => {
            set_phase(store, Phase::Fetching);
            StoreStep::Fetch
        }
    }
}

/// Asks for the lease (`SET NX PX`).
fn ask_lease(store: &mut StoreState, now_ms: u64) -> StoreStep {
    if let Some(fetch) = store.fetch.as_mut() {
        fetch.phase = Phase::Leasing;
        fetch.leased_at_ms = now_ms;
    }
    StoreStep::Command(StoreCommand::SetIfAbsent {
        key: store.keys.lease.clone(),
        value: store.owner.clone(),
        ttl_ms: store.lease_ttl_ms,
    })
}

fn set_phase(store: &mut StoreState, phase: Phase) {
    if let Some(fetch) = store.fetch.as_mut() {
        fetch.phase = phase;
    }
}

/// Releases the lease if this fetch holds it, else ends.
fn release(store: &mut StoreState) -> StoreStep {
    match store.fetch.as_mut() {
        Some(fetch) if fetch.owns_lease => {
            fetch.owns_lease = false;
            fetch.phase = Phase::Releasing;
            StoreStep::Command(StoreCommand::DeleteIfEquals {
                key: store.keys.lease.clone(),
                value: store.owner.clone(),
            })
        }
        _ => {
            store.fetch = None;
            StoreStep::Done
        }
    }
}
