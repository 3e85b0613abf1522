//! Deterministic simulation of the TokenManager: a simulated clock and network
//! drive random interleavings of asks, responses, transport errors, 401s and
//! clock jumps; the invariants of the lifecycle are checked after every step.

use std::collections::BTreeMap;

use ccauth::{
    ClientConfig, FetchOutcome, HttpResponse, RetryPolicy, TokenDecision, TokenKey, TokenManager,
    TransportError, TransportErrorKind,
};
use proptest::prelude::*;

const T0: u64 = 1_700_000_000_000;
const SECRET: &str = "sim-client-secret-value";

#[derive(Debug, Clone)]
enum Reply {
    Token { ttl_s: u64 },
    ServerError,
    RateLimited { retry_after_s: u64 },
    InvalidClient,
    Transport,
    Html,
}

#[derive(Debug, Clone)]
enum Op {
    /// A caller on key 0 or 1 asks.
    Ask(usize),
    /// The oldest outstanding request for a key gets this reply.
    Reply(usize, Reply),
    /// A request's reply is lost (never reported).
    Lose(usize),
    /// Time passes.
    Advance(u64),
    /// The host clock jumps (may go backwards).
    Jump(i64),
    /// The API rejects the token a caller holds (invalid_token or insufficient_scope).
    Reject(usize, bool),
}

fn reply() -> impl Strategy<Value = Reply> {
    prop_oneof![
        4 => (1u64..7200).prop_map(|ttl_s| Reply::Token { ttl_s }),
        1 => Just(Reply::ServerError),
        1 => (0u64..90).prop_map(|retry_after_s| Reply::RateLimited { retry_after_s }),
        1 => Just(Reply::InvalidClient),
        1 => Just(Reply::Transport),
        1 => Just(Reply::Html),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..2).prop_map(Op::Ask),
        3 => ((0usize..2), reply()).prop_map(|(k, r)| Op::Reply(k, r)),
        1 => (0usize..2).prop_map(Op::Lose),
        3 => prop_oneof![0u64..2_000, 0u64..120_000, 0u64..4_000_000].prop_map(Op::Advance),
        1 => (-7_200_000i64..7_200_000).prop_map(Op::Jump),
        1 => ((0usize..2), any::<bool>()).prop_map(|(k, b)| Op::Reject(k, b)),
    ]
}

struct World {
    manager: TokenManager,
    keys: [TokenKey; 2],
    policy: RetryPolicy,
    now: u64,
    /// Outstanding tickets per key: (id, attempt, deadline).
    outstanding: [Vec<(u64, u32, u64)>; 2],
    tokens_issued: u64,
    /// Last token handed out per key (value).
    last_token: [Option<String>; 2],
    /// Backoff waits in the current cycle per key.
    waited_in_cycle: [u64; 2],
    /// Tickets whose `fetch_started` event was seen, and how many per key.
    started: std::collections::BTreeSet<u64>,
    started_per_key: [u64; 2],
}

impl World {
    fn new(seed: u64) -> Self {
        let policy = RetryPolicy::default();
        let config = |scope: &str| {
            ClientConfig::builder("https://as.example.com/token", "client")
                .client_secret(SECRET)
                .scope(scope)
                .retry_policy(policy)
                .build()
                .unwrap()
        };
        let mut manager = TokenManager::new(seed);
        let keys = [
            manager.register(config("api.read")),
            manager.register(config("api.write")),
        ];
        Self {
            manager,
            keys,
            policy,
            now: T0,
            outstanding: [Vec::new(), Vec::new()],
            tokens_issued: 0,
            last_token: [None, None],
            waited_in_cycle: [0, 0],
            started: std::collections::BTreeSet::new(),
            started_per_key: [0, 0],
        }
    }

    fn response(&mut self, reply: &Reply) -> Result<HttpResponse, TransportError> {
        let json = |status: u16, body: String| {
            HttpResponse::new(
                status,
                vec![("Content-Type".into(), "application/json".into())],
                body,
            )
        };
        Ok(match reply {
            Reply::Token { ttl_s } => {
                self.tokens_issued += 1;
                json(
                    200,
                    format!(
                        r#"{{"access_token":"sim-token-{}","expires_in":{ttl_s}}}"#,
                        self.tokens_issued
                    ),
                )
            }
            Reply::ServerError => json(503, r#"{"error":"temporarily_unavailable"}"#.into()),
            Reply::RateLimited { retry_after_s } => HttpResponse::new(
                429,
                vec![("Retry-After".into(), retry_after_s.to_string())],
                Vec::new(),
            ),
            Reply::InvalidClient => json(401, r#"{"error":"invalid_client"}"#.into()),
            Reply::Html => HttpResponse::new(
                403,
                vec![("Content-Type".into(), "text/html".into())],
                "<html>WAF</html>",
            ),
            Reply::Transport => {
                return Err(TransportError::new(
                    TransportErrorKind::Timeout,
                    "timed out",
                ))
            }
        })
    }

    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match op {
            Op::Ask(k) => {
                let key = self.keys[*k];
                match self.manager.poll(key, self.now).unwrap() {
                    TokenDecision::Ready(token) => {
                        prop_assert!(!token.is_expired(self.now), "handed out an expired token");
                        self.last_token[*k] = Some(token.value().expose_secret().to_owned());
                    }
                    TokenDecision::Fetch(ticket) | TokenDecision::RefreshAhead(_, ticket) => {
                        // Never two live fetches for one key: earlier tickets must be past their deadline.
                        let live = self.outstanding[*k]
                            .iter()
                            .filter(|(_, _, deadline)| self.now < *deadline)
                            .count();
                        prop_assert_eq!(live, 0, "a second fetch while one is in flight");
                        prop_assert!(
                            ticket.attempt() <= self.policy.max_attempts,
                            "attempt {} over the limit",
                            ticket.attempt()
                        );
                        if ticket.attempt() == 1 {
                            self.waited_in_cycle[*k] = 0;
                        }
                        let deadline = self.now + self.policy.attempt_timeout_ms;
                        self.outstanding[*k].push((ticket.id().get(), ticket.attempt(), deadline));
                    }
                    TokenDecision::Wait { until_ms } => {
                        prop_assert!(until_ms >= self.now || until_ms + 7_200_000 >= self.now);
                    }
                    TokenDecision::Failed(error) => {
                        prop_assert!(!error.code().is_empty());
                    }
                    other => prop_assert!(false, "unknown decision {other:?}"),
                }
            }
            Op::Reply(k, reply) => {
                let Some(position) = self.outstanding[*k].iter().position(|t| t.0 != u64::MAX)
                else {
                    return Ok(());
                };
                let (id, attempt, _) = self.outstanding[*k].remove(position);
                let outcome = match self.response(reply) {
                    Ok(response) => self.manager.handle_response(id.into(), &response, self.now),
                    Err(error) => self
                        .manager
                        .handle_transport_error(id.into(), error, self.now),
                };
                match outcome {
                    FetchOutcome::RetryScheduled { at_ms, .. } => {
                        prop_assert!(
                            attempt < self.policy.max_attempts,
                            "retry after the last attempt"
                        );
                        self.waited_in_cycle[*k] += at_ms - self.now;
                        prop_assert!(
                            self.waited_in_cycle[*k] <= self.policy.max_wait_ms,
                            "wait budget exceeded"
                        );
                    }
                    FetchOutcome::Token(token) => {
                        prop_assert!(token.refresh_at_ms() <= token.expires_at_ms())
                    }
                    FetchOutcome::Failed { .. } | FetchOutcome::Stale => {}
                    other => prop_assert!(false, "unknown outcome {other:?}"),
                }
            }
            Op::Lose(k) => {
                // A lost ticket stays "live" for the invariant until its deadline.
                if let Some(ticket) = self.outstanding[*k].first_mut() {
                    ticket.0 = u64::MAX;
                }
            }
            Op::Advance(ms) => self.now += ms,
            Op::Jump(ms) => {
                self.now = self.now.saturating_add_signed(*ms);
                // Deadlines were set on the old clock; a jump voids them.
                for list in &mut self.outstanding {
                    list.iter_mut().for_each(|t| t.2 = t.2.min(self.now));
                }
            }
            Op::Reject(k, invalid) => {
                if let Some(token) = self.last_token[*k].clone() {
                    let header = if *invalid {
                        r#"Bearer error="invalid_token""#
                    } else {
                        r#"Bearer error="insufficient_scope""#
                    };
                    let dropped = self.manager.invalidate(self.keys[*k], &token, Some(header));
                    if !invalid {
                        prop_assert!(!dropped, "insufficient_scope dropped a token");
                    }
                }
            }
        }
        self.outstanding
            .iter_mut()
            .for_each(|l| l.retain(|(id, _, deadline)| *id != u64::MAX || self.now < *deadline));
        let debug = format!("{:?}", self.manager);
        prop_assert!(
            !debug.contains(SECRET) && !debug.contains("sim-token-"),
            "Debug leaks: {debug}"
        );
        self.check_events()
    }

    /// Events never show a secret or a token; every report names a ticket
    /// whose start was reported; starts match the stats' fetch count.
    fn check_events(&mut self) -> Result<(), TestCaseError> {
        let key_ids: Vec<String> = self
            .keys
            .iter()
            .map(|k| self.manager.key_id(*k).unwrap().to_owned())
            .collect();
        for event in self.manager.drain_events() {
            let json = event.to_json();
            prop_assert!(
                !json.contains(SECRET) && !json.contains("sim-token-"),
                "event leaks: {json}"
            );
            let k = key_ids.iter().position(|id| *id == event.key);
            prop_assert!(k.is_some(), "unknown key in {json}");
            match (event.event.as_str(), event.ticket) {
                ("fetch_started", Some(ticket)) => {
                    prop_assert!(self.started.insert(ticket), "started twice: {json}");
                    self.started_per_key[k.unwrap_or(0)] += 1;
                }
                ("fetch_succeeded" | "retry_scheduled" | "fetch_failed", Some(ticket)) => {
                    prop_assert!(self.started.contains(&ticket), "never started: {json}");
                }
                ("fetch_succeeded" | "retry_scheduled" | "fetch_failed", None) => {
                    prop_assert!(false, "a report without its ticket: {json}");
                }
                _ => {}
            }
        }
        for (k, key) in self.keys.iter().enumerate() {
            let stats = self.manager.stats(*key).unwrap();
            prop_assert_eq!(stats.fetches, self.started_per_key[k]);
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn lifecycle_invariants_hold(seed in any::<u64>(), ops in proptest::collection::vec(op(), 1..120)) {
        let mut world = World::new(seed);
        for op in &ops {
            world.step(op)?;
        }
    }

    /// Every caller gets a token or an error within the retry budget when the
    /// network answers (possibly with failures) within a second.
    #[test]
    fn waiters_are_answered_within_the_retry_budget(
        seed in any::<u64>(),
        replies in proptest::collection::vec(reply(), 1..20),
    ) {
        let mut world = World::new(seed);
        let mut replies = replies.into_iter().cycle();
        let start = world.now;
        let mut answered = BTreeMap::new();
        let bound = world.policy.max_wait_ms + u64::from(world.policy.max_attempts) * 1_000 + 1_000;
        while world.now - start <= bound {
            match world.manager.poll(world.keys[0], world.now).unwrap() {
                TokenDecision::Ready(_) | TokenDecision::Failed(_) => {
                    answered.insert(0, world.now - start);
                    break;
                }
                TokenDecision::Fetch(ticket) => {
                    world.now += 1_000; // the network takes a second
                    let reply = replies.next().unwrap();
                    let _ = match world.response(&reply) {
                        Ok(r) => world.manager.handle_response(ticket.id(), &r, world.now),
                        Err(e) => world.manager.handle_transport_error(ticket.id(), e, world.now),
                    };
                }
                TokenDecision::Wait { until_ms } => world.now = until_ms.max(world.now + 1),
                other => prop_assert!(false, "unexpected {other:?}"),
            }
        }
        prop_assert!(answered.contains_key(&0), "no answer within {bound} ms");
    }
}

/// One step of many threads sharing a manager: each reads the clock before
/// taking the lock, so its reading may be up to `jitter` ms older than the
/// latest one already seen.
#[derive(Debug, Clone)]
enum Threaded {
    Ask {
        jitter: u64,
    },
    Reply {
        jitter: u64,
        token: bool,
        ttl_s: u64,
    },
    Advance(u64),
    /// Nobody reports for longer than the attempt timeout.
    Stall,
}

fn threaded() -> impl Strategy<Value = Threaded> {
    prop_oneof![
        8 => (0u64..50).prop_map(|jitter| Threaded::Ask { jitter }),
        3 => ((0u64..50), any::<bool>(), prop_oneof![Just(0u64), 1u64..3600])
            .prop_map(|(jitter, token, ttl_s)| Threaded::Reply { jitter, token, ttl_s }),
        3 => (0u64..2_000).prop_map(Threaded::Advance),
        1 => Just(Threaded::Stall),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Readings out of order by up to 50 ms never start a second fetch while
    /// one is live, and never make the manager discard a good token response,
    /// even one that comes after its ticket was given up.
    #[test]
    fn out_of_order_readings_keep_one_fetch_and_every_token(
        seed in any::<u64>(),
        steps in proptest::collection::vec(threaded(), 1..200),
    ) {
        let mut world = World::new(seed);
        let key = world.keys[0];
        let timeout = world.policy.attempt_timeout_ms;
        // Outstanding tickets: (id, reading when issued).
        let mut outstanding: Vec<(u64, u64)> = Vec::new();
        let mut issued = 0u64;
        // The latest reading the manager has seen: a ticket is given up by
        // that clock, not by an older reading that arrives after it.
        let mut latest = 0u64;
        for step in &steps {
            match step {
                Threaded::Ask { jitter } => {
                    let reading = world.now.saturating_sub(*jitter);
                    latest = latest.max(reading);
                    match world.manager.poll(key, reading).unwrap() {
                        TokenDecision::Fetch(ticket) | TokenDecision::RefreshAhead(_, ticket) => {
                            let live = outstanding
                                .iter()
                                .filter(|(_, at)| latest < at + timeout)
                                .count();
                            prop_assert_eq!(live, 0, "a second fetch while one is live");
                            outstanding.push((ticket.id().get(), reading));
                        }
                        TokenDecision::Ready(token) => {
                            let served_until = token
                                .expires_at_ms()
                                .max(token.issued_at_ms() + 1_000);
                            prop_assert!(reading < served_until, "handed out a stale token");
                        }
                        TokenDecision::Wait { .. } | TokenDecision::Failed(_) => {}
                        other => prop_assert!(false, "unexpected {other:?}"),
                    }
                }
                Threaded::Reply { jitter, token, ttl_s } => {
                    if outstanding.is_empty() {
                        continue;
                    }
                    let (id, _) = outstanding.remove(0);
                    let reading = world.now.saturating_sub(*jitter);
                    latest = latest.max(reading);
                    let response = if *token {
                        issued += 1;
                        HttpResponse::new(
                            200,
                            vec![],
                            format!(r#"{{"access_token":"t{issued}","token_type":"Bearer","expires_in":{ttl_s}}}"#),
                        )
                    } else {
                        HttpResponse::new(503, vec![], r#"{"error":"temporarily_unavailable"}"#)
                    };
                    let newer_cached = world
                        .manager
                        .cached_token(key)
                        .is_some_and(|t| t.issued_at_ms() > reading);
                    let outcome = world.manager.handle_response(id.into(), &response, reading);
                    if *token && !newer_cached {
                        prop_assert!(
                            matches!(outcome, FetchOutcome::Token(_)),
                            "a good token was thrown away: {outcome:?}"
                        );
                    }
                }
                Threaded::Advance(ms) => world.now += ms,
                Threaded::Stall => world.now += timeout + 1,
            }
        }
    }
}
