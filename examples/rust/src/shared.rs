//! A thread-safe token source over the sans-IO `TokenManager`: any number of
//! threads ask at once, one fetches, the others wait on a condition variable.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use ccauth::{
    AccessToken, ClientConfig, FetchTicket, LifecycleEvent, StoreStep, TokenDecision, TokenKey,
    TokenManager, TransportErrorKind,
};

use crate::{now_ms, send, DriverError, RedisStore};

struct Inner {
    manager: Mutex<TokenManager>,
    changed: Condvar,
    key: TokenKey,
    agent: ureq::Agent,
    max_body: usize,
    /// Gets every lifecycle event (fetches, retries, failures, drops).
    listener: Option<Listener>,
    /// The fleet's store, when the token is shared with other processes.
    store: Option<Mutex<RedisStore>>,
}

/// A lifecycle event listener.
pub type Listener = Box<dyn Fn(&LifecycleEvent) + Send + Sync>;

/// Tokens for one config, shared by every thread that clones this.
#[derive(Clone)]
pub struct SharedTokens(Arc<Inner>);

impl SharedTokens {
    /// A token source for `config`, fetching with `agent`.
    pub fn new(config: ClientConfig, agent: ureq::Agent) -> Self {
        Self::with_listener(config, agent, None)
    }

    /// The same, handing every lifecycle event to `listener` (a logger).
    pub fn with_listener(
        config: ClientConfig,
        agent: ureq::Agent,
        listener: Option<Listener>,
    ) -> Self {
        Self::build(config, agent, listener, None)
    }

    /// A token source that shares its token with every process using the
    /// same config and `store` (sealed under the client's secret and
    /// `store_key`): one token request per refresh for the whole fleet.
    pub fn with_store(
        config: ClientConfig,
        agent: ureq::Agent,
        listener: Option<Listener>,
        store: RedisStore,
        store_key: Option<&[u8]>,
    ) -> Result<Self, DriverError> {
        let this = Self::build(config, agent, listener, Some(Mutex::new(store)));
        this.lock()
            .attach_store(this.0.key, store_key)
            .map_err(DriverError::Lifecycle)?;
        Ok(this)
    }

    fn build(
        config: ClientConfig,
        agent: ureq::Agent,
        listener: Option<Listener>,
        store: Option<Mutex<RedisStore>>,
    ) -> Self {
        // Jitter seed: the host's clock and process id are random enough for spreading refreshes.
        let seed = now_ms() ^ u64::from(std::process::id()).rotate_left(32);
        let max_body = config.max_response_bytes();
        let (mut manager, key) = TokenManager::with_config(config, seed);
        manager.seed_entropy(crate::entropy());
        Self(Arc::new(Inner {
            manager: Mutex::new(manager),
            changed: Condvar::new(),
            key,
            agent,
            max_body,
            listener,
            store,
        }))
    }

    /// Hands the events of the last lifecycle change to the listener (the
    /// hot path never has any).
    fn emit(&self, manager: &mut TokenManager) {
        if let Some(listener) = &self.0.listener {
            if manager.has_events() {
                manager.drain_events().iter().for_each(listener);
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, TokenManager> {
        // A panic elsewhere cannot leave the manager half-updated: every call is one step.
        self.0
            .manager
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A valid token: cached, or fetched once for every thread that asks meanwhile.
    pub fn token(&self) -> Result<Arc<AccessToken>, DriverError> {
        let mut manager = self.lock();
        loop {
            let now = now_ms();
            let decision = manager
                .poll(self.0.key, now)
                .map_err(DriverError::Lifecycle)?;
            let wait = Duration::from_millis(decision.wait_ms(now).unwrap_or(1));
            self.emit(&mut manager);
            match decision {
                TokenDecision::Ready(token) => return Ok(token),
                TokenDecision::Fetch(ticket) => {
                    drop(manager);
                    self.run(ticket);
                    manager = self.lock();
                }
                TokenDecision::RefreshAhead(token, ticket) => {
                    let this = self.clone();
                    std::thread::spawn(move || this.run(ticket));
                    return Ok(token);
                }
                TokenDecision::Wait { .. } => {
                    manager = self
                        .0
                        .changed
                        .wait_timeout(manager, wait)
                        .map_or_else(|p| p.into_inner().0, |r| r.0);
                }
                TokenDecision::Failed(error) => return Err(DriverError::Lifecycle(error)),
                _ => {
                    return Err(DriverError::Transport(ccauth::TransportError::new(
                        TransportErrorKind::Other,
                        "unknown decision",
                    )))
                }
            }
        }
    }

    /// The API said 401 to `token`: drop it if it is still the cached one.
    pub fn invalidate(&self, token: &AccessToken, www_authenticate: Option<&str>) -> bool {
        let mut manager = self.lock();
        // Compared, not logged: the manager only drops it if it is the cached one.
        let dropped =
            manager.invalidate(self.0.key, token.value().expose_secret(), www_authenticate);
        self.emit(&mut manager);
        let commands = manager.store_commands(self.0.key);
        drop(manager);
        // The shared entry goes too, if it still holds that token.
        if let Some(store) = &self.0.store {
            let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
            commands.iter().for_each(|c| drop(store.run(c)));
        }
        dropped
    }

    /// The `DPoP` proof header for an API call with `token` (None without DPoP).
    pub fn dpop_proof(&self, token: &AccessToken, method: &str, url: &str) -> Option<String> {
        let proof = self
            .lock()
            .dpop_proof(
                self.0.key,
                token.value().expose_secret(),
                method,
                url,
                now_ms(),
            )
            .ok()??;
        Some(proof.expose_secret().to_owned())
    }

    /// Remembers a resource server's `DPoP-Nonce`.
    pub fn remember_dpop_nonce(&self, url: &str, nonce: &str) -> bool {
        self.lock().remember_dpop_nonce(url, nonce)
    }

    /// Runs one ticket: through the fleet's store when there is one (which
    /// may answer it), else (or when the store says so) sends its request.
    fn run(&self, ticket: FetchTicket) {
        let id = ticket.id();
        let Some(store) = &self.0.store else {
            return self.fetch(&ticket);
        };
        let mut step = self.lock().store_begin(id, now_ms());
        loop {
            step = match step {
                StoreStep::Command(command) => {
                    let reply = store
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .run(&command);
                    self.step(|m| m.store_reply(id, reply, now_ms()))
                }
                StoreStep::Sleep { until_ms } => {
                    std::thread::sleep(Duration::from_millis(until_ms.saturating_sub(now_ms())));
                    self.step(|m| m.store_resume(id, now_ms()))
                }
                StoreStep::Fetch => {
                    self.fetch(&ticket);
                    self.step(|m| m.store_fetched(id, now_ms()))
                }
                _ => return,
            };
        }
    }

    /// One store step under the lock; its events go out and waiters wake
    /// (a step may have answered the ticket from the store).
    fn step(&self, next: impl FnOnce(&mut TokenManager) -> StoreStep) -> StoreStep {
        let mut manager = self.lock();
        let step = next(&mut manager);
        self.emit(&mut manager);
        drop(manager);
        self.0.changed.notify_all();
        step
    }

    /// Sends one ticket's request and reports the outcome; wakes every waiter.
    fn fetch(&self, ticket: &FetchTicket) {
        let result = send(&self.0.agent, ticket.request(), self.0.max_body);
        let mut manager = self.lock();
        // Waiters read the outcome at their next poll.
        let _outcome = match result {
            Ok(response) => manager.handle_response(ticket.id(), &response, now_ms()),
            Err(DriverError::Transport(error)) => {
                manager.handle_transport_error(ticket.id(), error, now_ms())
            }
            Err(_) => {
                let error =
                    ccauth::TransportError::new(TransportErrorKind::Other, "request failed");
                manager.handle_transport_error(ticket.id(), error, now_ms())
            }
        };
        self.emit(&mut manager);
        drop(manager);
        self.0.changed.notify_all();
    }
}
