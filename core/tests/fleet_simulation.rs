//! Simulated fleets sharing one token through a simulated store: processes
//! interleave at random, the store loses replies, goes down, has entries
//! tampered with or planted by another client, and processes crash mid-fetch.
//! Checked: no expired or foreign token is ever served, every store
//! conversation ends (once the store answers, within one lease TTL, a second,
//! a backoff and a request: [`MAX_ANSWER_MS`]), no event shows a secret or a
//! token, and a fault-free fleet makes exactly one token request for a cold
//! start. A process fetches under a lease only while the store still gives
//! it that lease for a whole attempt (the property that found a holder
//! stalled before its fetch).
#![cfg(feature = "fleet")]

use std::collections::{BTreeSet, HashMap};

use ccauth::{
    ClientConfig, HttpResponse, RetryPolicy, StoreCommand, StoreReply, StoreStep, TicketId,
    TokenDecision, TokenKey, TokenManager,
};
use proptest::prelude::*;

const T0: u64 = 1_700_000_000_000;
const SECRET: &str = "fleet-sim-secret-value";
/// The longest a caller waits on the fleet once the store answers: busy
/// leases for one lease TTL (attempt 3 s + 0.5 s) and a second, the longest
/// backoff with its jitter (750 ms), then its own request (50 ms here), plus
/// a few 10 ms scheduling steps.
const MAX_ANSWER_MS: u64 = 3_500 + 1_000 + 750 + 50 + 100;

fn config(secret: &str) -> ClientConfig {
    ClientConfig::builder("https://as.example.com/token", "fleet-client")
        .client_secret(secret)
        .retry_policy(RetryPolicy {
            attempt_timeout_ms: 3_000,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

#[derive(Default)]
struct Store {
    data: HashMap<String, (Vec<u8>, u64)>,
    down: bool,
}

impl Store {
    fn run(&mut self, command: &StoreCommand, now: u64, lose: bool) -> StoreReply {
        if self.down {
            return StoreReply::Failed;
        }
        self.data.retain(|_, (_, expires)| *expires > now);
        let reply = match command {
            StoreCommand::Get { key } => StoreReply::Value(self.data.get(key).map(|v| v.0.clone())),
            StoreCommand::SetIfAbsent { key, value, ttl_ms } => {
                let set = !self.data.contains_key(key);
                if set {
                    self.data.insert(key.clone(), (value.clone(), now + ttl_ms));
                }
                StoreReply::Done(set)
            }
            StoreCommand::Set { key, value, ttl_ms } => {
                self.data.insert(key.clone(), (value.clone(), now + ttl_ms));
                StoreReply::Done(true)
            }
            StoreCommand::DeleteIfEquals { key, value } => {
                let holds = self.data.get(key).is_some_and(|v| v.0 == *value);
                if holds {
                    self.data.remove(key);
                }
                StoreReply::Done(holds)
            }
            other => panic!("unknown command {other:?}"),
        };
        // A lost reply: the command may have taken effect, the host cannot know.
        if lose {
            StoreReply::Failed
        } else {
            reply
        }
    }
}

enum Job {
    Store(TicketId, StoreStep),
    Http(TicketId, u64),
}

struct Proc {
    manager: TokenManager,
    key: TokenKey,
    job: Option<Job>,
}

impl Proc {
    fn new(seed: u64, secret: &str) -> Self {
        let (mut manager, key) = TokenManager::with_config(config(secret), seed);
        // Distinct seeds, distinct lease owner ids (as OS randomness gives).
        let mut entropy = [7u8; 32];
        entropy[..8].copy_from_slice(&seed.to_le_bytes());
        manager.seed_entropy(entropy);
        manager.attach_store(key, None).unwrap();
        Self {
            manager,
            key,
            job: None,
        }
    }
}

struct Fleet {
    procs: Vec<Proc>,
    store: Store,
    now: u64,
    issued: BTreeSet<String>,
    requests: u64,
    ttl_s: u64,
    /// Store conversations per process: steps taken since its job began.
    steps: Vec<u32>,
    /// The lease each process was told it took (its owner id), until it
    /// gives it back or its conversation ends.
    leases: Vec<Option<Vec<u8>>>,
    /// Whether the process gave its lease back before fetching (a stall)
    /// in its current conversation; and whether it fetched in it.
    renewed: Vec<bool>,
    fetched: Vec<bool>,
    crashes: u64,
}

#[derive(Debug, Clone)]
enum Op {
    Ask(usize),
    Progress(usize),
    Advance(u64),
    Lose(usize),
    Crash(usize),
    StoreDown(bool),
    Tamper,
    PlantForeign,
}

impl Fleet {
    fn new(n: usize, ttl_s: u64) -> Self {
        Self {
            procs: (0..n).map(|i| Proc::new(i as u64 + 1, SECRET)).collect(),
            store: Store::default(),
            now: T0,
            issued: BTreeSet::new(),
            requests: 0,
            ttl_s,
            steps: vec![0; n],
            leases: vec![None; n],
            renewed: vec![false; n],
            fetched: vec![false; n],
            crashes: 0,
        }
    }

    fn ask(&mut self, p: usize) -> Result<(), TestCaseError> {
        let now = self.now;
        let proc = &mut self.procs[p];
        match proc.manager.poll(proc.key, now).unwrap() {
            TokenDecision::Ready(token) => {
                prop_assert!(!token.is_expired(now), "an expired token was served");
                let value = token.value().expose_secret().to_owned();
                prop_assert!(
                    self.issued.contains(&value),
                    "served a token the server never issued: {value}"
                );
            }
            TokenDecision::Fetch(ticket) | TokenDecision::RefreshAhead(_, ticket) => {
                let step = proc.manager.store_begin(ticket.id(), now);
                proc.job = Some(Job::Store(ticket.id(), step));
                self.steps[p] = 0;
                self.leases[p] = None;
                self.renewed[p] = false;
                self.fetched[p] = false;
            }
            _ => {}
        }
        Ok(())
    }

    fn progress(&mut self, p: usize, lose: bool) -> Result<(), TestCaseError> {
        let now = self.now;
        let Some(job) = self.procs[p].job.take() else {
            return Ok(());
        };
        // Steps that change something (not a sleep or a request still under way).
        let idle = match &job {
            Job::Store(_, StoreStep::Sleep { until_ms }) => now < *until_ms,
            Job::Http(_, ready) => now < *ready,
            Job::Store(..) => false,
        };
        if !idle {
            self.steps[p] += 1;
        }
        prop_assert!(self.steps[p] < 400, "a store conversation does not end");
        let next = match job {
            Job::Store(ticket, StoreStep::Command(command)) => {
                let reply = self.store.run(&command, now, lose);
                match (&command, &reply) {
                    (StoreCommand::SetIfAbsent { value, .. }, StoreReply::Done(true)) => {
                        self.leases[p] = Some(value.clone());
                    }
                    (StoreCommand::DeleteIfEquals { key, .. }, _) if key.ends_with(":lease") => {
                        self.leases[p] = None;
                        self.renewed[p] |= !self.fetched[p];
                    }
                    // A failed store: the process fetches alone, by design.
                    (_, StoreReply::Failed) => self.leases[p] = None,
                    _ => {}
                }
                let step = self.procs[p].manager.store_reply(ticket, reply, now);
                self.fetched[p] |= step == StoreStep::Fetch;
                if let (StoreStep::Fetch, Some(owner), false) =
                    (&step, &self.leases[p], self.renewed[p])
                {
                    // Fetching under a lease: the store still holds it, for
                    // long enough. (Once given back after a stall, the next
                    // lease is fetched under whatever is left: a process that
                    // slow still gets its token.)
                    let live = self.store.data.iter().find(|(k, _)| k.ends_with(":lease"));
                    prop_assert!(
                        live.is_some_and(|(_, (v, expires))| v == owner && *expires >= now + 3_250),
                        "a fetch under a lease the store no longer gives this process for a whole attempt and its publish"
                    );
                }
                Some(Job::Store(ticket, step))
            }
            Job::Store(ticket, StoreStep::Sleep { until_ms }) => {
                if now >= until_ms {
                    Some(Job::Store(
                        ticket,
                        self.procs[p].manager.store_resume(ticket, now),
                    ))
                } else {
                    Some(Job::Store(ticket, StoreStep::Sleep { until_ms }))
                }
            }
            Job::Store(ticket, StoreStep::Fetch) => Some(Job::Http(ticket, now + 50)),
            Job::Store(_, _) => None,
            Job::Http(ticket, ready) if now >= ready => {
                self.requests += 1;
                let token = format!("fleet-token-{}", self.requests);
                self.issued.insert(token.clone());
                let body = format!(
                    r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":{}}}"#,
                    self.ttl_s
                );
                let response = HttpResponse::new(
                    200,
                    vec![("Content-Type".into(), "application/json".into())],
                    body,
                );
                let manager = &mut self.procs[p].manager;
                let _ = manager.handle_response(ticket, &response, now);
                Some(Job::Store(ticket, manager.store_fetched(ticket, now)))
            }
            job @ Job::Http(..) => Some(job),
        };
        self.procs[p].job = next;
        Ok(())
    }

    fn after(&mut self) -> Result<(), TestCaseError> {
        for proc in &mut self.procs {
            for command in proc.manager.store_commands(proc.key) {
                let _ = self.store.run(&command, self.now, false);
            }
            for event in proc.manager.drain_events() {
                let json = event.to_json();
                prop_assert!(
                    !json.contains(SECRET) && !json.contains("fleet-token-"),
                    "event leaks: {json}"
                );
            }
        }
        for (_, (value, _)) in self.store.data.iter() {
            prop_assert!(
                !value.windows(12).any(|w| w == b"fleet-token-"),
                "a token in clear in the store"
            );
        }
        Ok(())
    }

    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let n = self.procs.len();
        match op {
            Op::Ask(p) => self.ask(p % n)?,
            Op::Progress(p) => self.progress(p % n, false)?,
            Op::Lose(p) => self.progress(p % n, true)?,
            Op::Advance(ms) => self.now += ms,
            Op::Crash(p) => {
                // Its lease stays in the store until it expires.
                self.crashes += 1;
                let seed = 1_000 + self.crashes;
                self.procs[p % n] = Proc::new(seed, SECRET);
                self.leases[p % n] = None;
            }
            Op::StoreDown(down) => self.store.down = *down,
            Op::Tamper => {
                for (key, (value, _)) in self.store.data.iter_mut() {
                    if key.ends_with(":token") {
                        let last = value.len() - 1;
                        value[last] ^= 0x40;
                    }
                }
            }
            Op::PlantForeign => {
                // Another client (another secret) seals a token under our key's name.
                let mut other = Proc::new(99, "another-secret-value");
                let TokenDecision::Fetch(ticket) = other.manager.poll(other.key, self.now).unwrap()
                else {
                    return Ok(());
                };
                let body =
                    r#"{"access_token":"foreign-token","token_type":"Bearer","expires_in":3600}"#;
                let response = HttpResponse::new(
                    200,
                    vec![("Content-Type".into(), "application/json".into())],
                    body,
                );
                let _ = other.manager.store_begin(ticket.id(), self.now);
                let _ = other
                    .manager
                    .handle_response(ticket.id(), &response, self.now);
                if let StoreStep::Command(command) =
                    other.manager.store_fetched(ticket.id(), self.now)
                {
                    // Plant it even under another name: the entry names match (same cache key).
                    let _ = self.store.run(&command, self.now, false);
                }
            }
        }
        self.after()
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..8).prop_map(Op::Ask),
        10 => (0usize..8).prop_map(Op::Progress),
        1 => (0usize..8).prop_map(Op::Lose),
        4 => prop_oneof![0u64..100, 0u64..2_000, 0u64..40_000].prop_map(Op::Advance),
        1 => (0usize..8).prop_map(Op::Crash),
        1 => any::<bool>().prop_map(Op::StoreDown),
        1 => Just(Op::Tamper),
        1 => Just(Op::PlantForeign),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    /// Whatever the faults: only the server's own, unexpired tokens are
    /// served; every conversation ends; nothing leaks.
    #[test]
    fn faults_never_serve_a_bad_token(n in 2usize..7, ttl_s in 5u64..120, ops in proptest::collection::vec(op(), 1..200)) {
        let mut fleet = Fleet::new(n, ttl_s);
        for op in &ops {
            fleet.step(op)?;
        }
        // Then the store comes back and every process drains its job: each
        // ends, within the longest a caller can be kept waiting.
        fleet.store.down = false;
        let drain_start = fleet.now;
        for _ in 0..2_000 {
            fleet.now += 10;
            for p in 0..n {
                fleet.progress(p, false)?;
            }
            fleet.after()?;
            if fleet.procs.iter().all(|p| p.job.is_none()) {
                break;
            }
        }
        prop_assert!(fleet.procs.iter().all(|p| p.job.is_none()), "a job never ended");
        let waited = fleet.now - drain_start;
        prop_assert!(waited <= MAX_ANSWER_MS, "a caller waited {waited} ms");
    }

    /// No faults: a cold fleet asking in any order makes one token request,
    /// and every process ends up with that token. Processes are slow at
    /// random between store steps before they fetch (pauses of seconds: the
    /// core gives a stale lease back); once a process fetches, it sends,
    /// reports and publishes without pausing (a pause there longer than the
    /// lease's margin is a fault: `faults_never_serve_a_bad_token` and
    /// docs/FLEET.md).
    #[test]
    fn a_cold_fleet_makes_one_request(n in 2usize..9, order in proptest::collection::vec((0usize..9, 0u64..30, any::<bool>()), 1..300)) {
        let mut fleet = Fleet::new(n, 3600);
        for (p, advance, ask) in &order {
            fleet.now += advance;
            if *ask { fleet.ask(p % n)?; } else { fleet.progress(p % n, false)?; }
            for q in 0..n {
                if fleet.fetched[q] && fleet.procs[q].job.is_some() {
                    fleet.progress(q, false)?;
                }
            }
            fleet.after()?;
        }
        for _ in 0..1_000 {
            fleet.now += 10;
            for p in 0..n {
                if fleet.procs[p].job.is_none() {
                    fleet.ask(p)?;
                }
                fleet.progress(p, false)?;
            }
            fleet.after()?;
            let done = fleet.procs.iter_mut().all(|p| {
                p.job.is_none() && p.manager.cached_token(p.key).is_some()
            });
            if done {
                break;
            }
        }
        prop_assert_eq!(fleet.requests, 1, "token requests for one cold start");
        for p in &fleet.procs {
            prop_assert!(p.manager.cached_token(p.key).is_some());
        }
    }
}

/// A lease holder stalled between taking the lease and fetching (a GC pause,
/// a descheduled process) for nearly the lease's TTL: it gives the lease back
/// and asks again instead of fetching on a lease about to expire under it,
/// so a waiter that takes the expired lease does not fetch a second token.
#[test]
fn a_holder_stalled_before_fetching_asks_for_the_lease_again() {
    let mut fleet = Fleet::new(2, 3600);
    fleet.ask(0).unwrap();
    fleet.progress(0, false).unwrap(); // GET: nothing
    fleet.progress(0, false).unwrap(); // SET NX: the lease is p0's
    fleet.now += 3_400; // p0 stalls; the lease (3 s + 0.5 s) has 100 ms left
    fleet.ask(1).unwrap();
    fleet.progress(1, false).unwrap(); // GET: nothing
    fleet.progress(1, false).unwrap(); // SET NX: busy, p1 sleeps
    fleet.progress(0, false).unwrap(); // p0's re-read: nothing yet
    let Some(Job::Store(_, StoreStep::Command(StoreCommand::DeleteIfEquals { key, .. }))) =
        &fleet.procs[0].job
    else {
        panic!("a stalled holder must give its lease back before fetching");
    };
    assert!(key.ends_with(":lease"));
    for _ in 0..1_000 {
        fleet.now += 10;
        for p in 0..2 {
            fleet.progress(p, false).unwrap();
        }
        fleet.after().unwrap();
        if fleet.procs.iter().all(|p| p.job.is_none()) {
            break;
        }
    }
    assert_eq!(fleet.requests, 1, "one token request for the fleet");
    for p in &mut fleet.procs {
        assert!(p.manager.cached_token(p.key).is_some());
    }
}

/// A token an API rejected (401) whose shared entry could not be deleted
/// (the store was down at that moment) is never imported again: the next
/// fetch takes the lease and asks the server for a new token.
#[test]
fn a_rejected_token_is_not_read_back_from_the_store() {
    let mut fleet = Fleet::new(2, 3600);
    for _ in 0..20 {
        fleet.now += 10;
        for p in 0..2 {
            if fleet.procs[p].job.is_none() {
                fleet.ask(p).unwrap();
            }
            fleet.progress(p, false).unwrap();
        }
    }
    assert_eq!(fleet.requests, 1);
    let proc = &mut fleet.procs[0];
    let rejected = proc.manager.cached_token(proc.key).unwrap();
    let rejected = rejected.value().expose_secret().to_owned();
    assert!(proc.manager.invalidate(proc.key, &rejected, None));
    // The compare-and-delete is lost: the store is down when it runs.
    fleet.store.down = true;
    let lost = proc.manager.store_commands(proc.key);
    assert!(matches!(
        lost.as_slice(),
        [StoreCommand::DeleteIfEquals { .. }]
    ));
    fleet.store.down = false;
    for _ in 0..200 {
        fleet.now += 10;
        if fleet.procs[0].job.is_none() {
            fleet.ask(0).unwrap(); // waits out the pause after a drop, then a fetch
        }
        fleet.progress(0, false).unwrap();
        let proc = &fleet.procs[0];
        if proc.job.is_none() && proc.manager.cached_token(proc.key).is_some() {
            break;
        }
    }
    let proc = &mut fleet.procs[0];
    let served = proc.manager.cached_token(proc.key).unwrap();
    assert_ne!(
        served.value().expose_secret(),
        rejected,
        "the rejected token came back"
    );
    assert_eq!(fleet.requests, 2, "a new token was asked for");
}

/// A store whose every round trip takes 300 ms (the lease's check after
/// "SET NX" and "GET" always finds it held more than 500 ms): the holder
/// gives the lease back once, then fetches; the conversation ends, with one
/// token request.
#[test]
fn a_slow_store_is_given_the_lease_back_once_then_the_holder_fetches() {
    let mut fleet = Fleet::new(1, 3600);
    fleet.ask(0).unwrap();
    let mut renewals = 0;
    for _ in 0..100 {
        if let Some(Job::Store(_, StoreStep::Command(StoreCommand::DeleteIfEquals { key, .. }))) =
            &fleet.procs[0].job
        {
            renewals += u32::from(key.ends_with(":lease") && fleet.requests == 0);
        }
        fleet.now += 300;
        fleet.progress(0, false).unwrap();
        if fleet.procs[0].job.is_none() {
            break;
        }
    }
    assert!(fleet.procs[0].job.is_none(), "the conversation never ended");
    assert_eq!(renewals, 1, "the lease is given back once, not again");
    assert_eq!(fleet.requests, 1);
    let proc = &fleet.procs[0];
    assert!(proc.manager.cached_token(proc.key).is_some());
}

/// A holder that spent most of an attempt timeout on the store (a stall
/// after the lease, the lease given back and taken again) still has a whole
/// attempt for its token request once it fetches: a local caller polling
/// 2.5 s into that request waits for it rather than getting a second ticket
/// (the CI seed where a process replaced its own fetch and the fleet made
/// two requests).
#[test]
fn a_fetch_after_a_long_store_conversation_keeps_a_whole_attempt() {
    let mut fleet = Fleet::new(1, 3600);
    fleet.ask(0).unwrap(); // t = 0: GET
    fleet.now += 100;
    fleet.progress(0, false).unwrap(); // GET: nothing; SET NX
    fleet.progress(0, false).unwrap(); // SET NX: the lease is p0's; GET
    fleet.now += 700; // a stall: the lease is stale
    fleet.progress(0, false).unwrap(); // GET: nothing; the lease given back
    fleet.progress(0, false).unwrap(); // DELETE IF EQUALS; SET NX
    fleet.now += 100;
    fleet.progress(0, false).unwrap(); // SET NX: p0's again; GET
    fleet.progress(0, false).unwrap(); // GET: nothing; fetch
    assert!(
        matches!(fleet.procs[0].job, Some(Job::Store(_, StoreStep::Fetch))),
        "the holder fetches"
    );
    let fetched_at = fleet.now;
    // 2.5 s into the request (3.4 s after the ticket was handed out).
    fleet.now += 2_500;
    let proc = &mut fleet.procs[0];
    let decision = proc.manager.poll(proc.key, fleet.now).unwrap();
    assert!(
        matches!(decision, TokenDecision::Wait { until_ms } if until_ms >= fetched_at + 3_000),
        "the fetch in flight is waited for (a whole attempt), got {decision:?}"
    );
    let events: Vec<String> = proc
        .manager
        .drain_events()
        .iter()
        .map(|e| e.to_json())
        .collect();
    assert!(
        !events
            .iter()
            .any(|e| e.contains("fetch_failed") || e.contains("retry_scheduled")),
        "the request in flight was presumed lost: {events:?}"
    );
    for _ in 0..100 {
        fleet.now += 10;
        fleet.progress(0, false).unwrap();
        fleet.after().unwrap();
    }
    assert_eq!(fleet.requests, 1);
    let proc = &mut fleet.procs[0];
    assert!(proc.manager.cached_token(proc.key).is_some());
}

/// A holder slow to start its fetch (480 ms after asking for the lease)
/// whose token request then takes a whole attempt (2.99 s) still publishes
/// under its own lease: it gave the stale lease back and took a fresh one,
/// so no waiter could have taken the lease over while the token was on its
/// way (with the lease given back only past the whole margin, the publish
/// landed as the lease expired).
#[test]
fn a_slow_start_and_a_whole_attempt_still_publish_under_the_lease() {
    let mut fleet = Fleet::new(1, 3600);
    fleet.ask(0).unwrap();
    fleet.progress(0, false).unwrap(); // GET: nothing; SET NX
    fleet.progress(0, false).unwrap(); // SET NX at t = 0: the lease is p0's; GET
    fleet.now += 480;
    for _ in 0..4 {
        if matches!(fleet.procs[0].job, Some(Job::Store(_, StoreStep::Fetch))) {
            break;
        }
        fleet.progress(0, false).unwrap();
    }
    let Some(Job::Store(ticket, StoreStep::Fetch)) = fleet.procs[0].job else {
        panic!("the holder fetches");
    };
    // The token endpoint answers just inside the attempt timeout.
    fleet.procs[0].job = Some(Job::Http(ticket, fleet.now + 2_990));
    fleet.now += 2_990;
    fleet.progress(0, false).unwrap(); // the response; publish
    assert!(
        matches!(&fleet.procs[0].job, Some(Job::Store(_, StoreStep::Command(StoreCommand::Set { key, .. }))) if key.ends_with(":token")),
        "the holder publishes"
    );
    fleet.now += 30; // the publish's round trip
    let owner = fleet.leases[0].clone().expect("the holder holds a lease");
    let now = fleet.now;
    let held = fleet
        .store
        .data
        .iter()
        .any(|(k, (v, expires))| k.ends_with(":lease") && *v == owner && *expires > now);
    assert!(
        held,
        "the publish lands while the holder still holds its lease"
    );
    fleet.progress(0, false).unwrap();
    assert_eq!(fleet.requests, 1);
}
