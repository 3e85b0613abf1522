//! Processes sharing one token through a real Redis (Debian's redis-server,
//! started here on a free loopback port) against the real local
//! authorization server. Each `SharedTokens` is one process's lifecycle.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::time::{Duration, Instant};

use ccauth::{ClientAuthMethod, ClientConfig, LifecycleEvent, RetryPolicy};
use ccauth_example::{agent, now_ms, Listener, RedisStore, SharedTokens};

mod common;

fn server() -> &'static common::Server {
    static SERVER: OnceLock<common::Server> = OnceLock::new();
    SERVER.get_or_init(|| common::start(&["--short-ttl", "4"]))
}

/// A Redis server of this test's own; stopped when dropped.
struct Redis {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl Redis {
    fn start_on(port: u16, dir: std::path::PathBuf) -> Self {
        let binary = std::env::var("CCAUTH_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(&binary)
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{binary}: {e}; install redis-server (scripts/with-redis.sh does)")
            });
        let redis = Self { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(5);
        while redis.raw().is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("ccauth-redis-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        Self::start_on(port, dir)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn raw(&self) -> redis::RedisResult<redis::Connection> {
        redis::Client::open(self.url())?.get_connection_with_timeout(Duration::from_millis(200))
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn token_requests(client_id: &str) -> u64 {
    server().token_requests(client_id)
}

fn config(client_id: &str, secret: &str, method: ClientAuthMethod) -> ClientConfig {
    ClientConfig::builder(&server().token_endpoint, client_id)
        .client_secret(secret)
        .auth_method(method)
        .scope("api.read")
        .retry_policy(RetryPolicy {
            attempt_timeout_ms: 2_000,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

type Seen = Arc<Mutex<Vec<LifecycleEvent>>>;

fn process(redis: &Redis, client_id: &str, secret: &str, seen: &Seen) -> SharedTokens {
    let seen = Arc::clone(seen);
    let listener: Listener =
        Box::new(move |e: &LifecycleEvent| seen.lock().unwrap().push(e.clone()));
    SharedTokens::with_store(
        config(client_id, secret, ClientAuthMethod::ClientSecretBasic),
        agent(),
        Some(listener),
        RedisStore::open(&redis.url()).unwrap(),
        None,
    )
    .unwrap()
}

fn count(seen: &Seen, name: &str) -> usize {
    seen.lock()
        .unwrap()
        .iter()
        .filter(|e| e.event.as_str() == name)
        .count()
}

/// 4 processes × 50 threads, cold start then 4 s tokens refreshed for 12 s:
/// the fleet makes one token request per refresh, like a single process.
#[test]
fn four_processes_make_one_request_per_refresh() {
    const PROCESSES: usize = 4;
    const THREADS: usize = 50;
    const RUN_MS: u64 = 12_000;
    let redis = Redis::start();
    let seen: Seen = Arc::default();
    let fleet: Vec<SharedTokens> = (0..PROCESSES)
        .map(|_| process(&redis, "ccauth-short", "short-secret-0123456789", &seen))
        .collect();
    let before = token_requests("ccauth-short");
    let barrier = Arc::new(Barrier::new(PROCESSES * THREADS + 1));
    let start = now_ms();
    let handles: Vec<_> = fleet
        .iter()
        .flat_map(|tokens| (0..THREADS).map(move |_| tokens.clone()))
        .map(|tokens| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                let first = tokens.token().expect("first token");
                let mut values =
                    std::collections::BTreeSet::from([first.value().expose_secret().to_owned()]);
                barrier.wait();
                while now_ms() - start < RUN_MS {
                    let token = tokens.token().expect("a token, always");
                    assert!(!token.is_expired(now_ms()), "an expired token was served");
                    values.insert(token.value().expose_secret().to_owned());
                    std::thread::sleep(Duration::from_millis(20));
                }
                values
            })
        })
        .collect();
    barrier.wait();
    barrier.wait();
    let cold = token_requests("ccauth-short") - before;
    let mut distinct = std::collections::BTreeSet::new();
    for handle in handles {
        distinct.extend(handle.join().unwrap());
    }
    let total = token_requests("ccauth-short") - before;
    eprintln!(
        "[fleet] {PROCESSES} processes x {THREADS} threads, {RUN_MS} ms of 4 s tokens: {cold} request(s) for the cold start, \
         {total} in all, {} distinct tokens; store hits {}, leases {}, published {}",
        distinct.len(),
        count(&seen, "store_hit"),
        count(&seen, "lease_acquired"),
        count(&seen, "store_published"),
    );
    assert_eq!(
        cold, 1,
        "the cold start of the whole fleet makes one request"
    );
    // One process alone refreshes 4 s tokens at most once per 1.5 s (2 s early, jittered).
    assert!(
        total <= 1 + RUN_MS / 1_500 + 1,
        "too many token requests for the fleet: {total}"
    );
    assert!(total >= 4, "refreshes should have happened: {total}");
    assert!(
        count(&seen, "store_hit") >= PROCESSES - 1,
        "the other processes read the shared token"
    );
    // Nothing in Redis is a token or a secret in clear.
    let mut raw = redis.raw().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut raw).unwrap();
    assert!(
        keys.iter()
            .all(|k| k.starts_with("ccauth:{") && !k.contains("ccauth-short")),
        "{keys:?}"
    );
    for key in keys {
        let value: Vec<u8> = redis::cmd("GET")
            .arg(&key)
            .query(&mut raw)
            .unwrap_or_default();
        for token in &distinct {
            assert!(
                !value.windows(token.len()).any(|w| w == token.as_bytes()),
                "a token in clear under {key}"
            );
        }
        assert!(!value.windows(10).any(|w| w == b"short-secr"));
    }
}

/// Tampered, truncated and foreign entries are ignored (and reported); a
/// lease left by a dead holder delays the fleet by its TTL at most; Redis
/// going away costs no caller an error, and sharing resumes when it is back.
#[test]
fn bad_entries_dead_holders_and_a_lost_redis_never_fail_a_caller() {
    let mut redis = Redis::start();
    let seen: Seen = Arc::default();
    let (client, secret) = ("ccauth-post", "post-secret-0123456789");
    let config = config(client, secret, ClientAuthMethod::ClientSecretPost);
    let url = redis.url();
    let make = |seen: &Seen| {
        let seen = Arc::clone(seen);
        let listener: Listener =
            Box::new(move |e: &LifecycleEvent| seen.lock().unwrap().push(e.clone()));
        SharedTokens::with_store(
            config.clone(),
            agent(),
            Some(listener),
            RedisStore::open(&url).unwrap(),
            None,
        )
        .unwrap()
    };
    // A first process publishes; find its keys.
    let first = make(&seen);
    let published = first.token().unwrap();
    let mut raw = redis.raw().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("ccauth:*:token")
        .query(&mut raw)
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let token_key = keys[0].clone();
    let lease_key = token_key.replace(":token", ":lease");
    let good: Vec<u8> = redis::cmd("GET").arg(&token_key).query(&mut raw).unwrap();

    // A second process reads it: no request.
    let before = token_requests(client);
    let second = make(&seen);
    assert_eq!(
        second.token().unwrap().value().expose_secret(),
        published.value().expose_secret()
    );
    assert_eq!(token_requests(client), before, "the shared token answered");

    // Tampered, truncated and foreign entries: each new process fetches its own.
    let foreign = {
        let other = ClientConfig::builder(&server().token_endpoint, client)
            .client_secret("another-secret-entirely")
            .auth_method(ClientAuthMethod::ClientSecretPost)
            .scope("api.read")
            .build()
            .unwrap();
        let (mut m, key) = ccauth::TokenManager::with_config(other, 5);
        m.attach_store(key, None).unwrap();
        let ccauth::TokenDecision::Fetch(ticket) = m.poll(key, now_ms()).unwrap() else {
            panic!()
        };
        let _ = m.store_begin(ticket.id(), now_ms());
        let body =
            r#"{"access_token":"planted-foreign-token","token_type":"Bearer","expires_in":3600}"#;
        let _ = m.handle_response(
            ticket.id(),
            &ccauth::HttpResponse::new(200, vec![], body),
            now_ms(),
        );
        match m.store_fetched(ticket.id(), now_ms()) {
            ccauth::StoreStep::Command(ccauth::StoreCommand::Set { value, .. }) => value,
            other => panic!("{other:?}"),
        }
    };
    let mut tampered = good.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    for (what, bad) in [
        ("tampered", tampered),
        ("truncated", good[..20].to_vec()),
        ("foreign", foreign),
    ] {
        let _: () = redis::cmd("SET")
            .arg(&token_key)
            .arg(bad)
            .query(&mut raw)
            .unwrap();
        let rejected = count(&seen, "store_entry_rejected");
        let before = token_requests(client);
        let fresh = make(&seen);
        let token = fresh.token().unwrap();
        assert_ne!(
            token.value().expose_secret(),
            "planted-foreign-token",
            "{what}"
        );
        assert_eq!(
            token_requests(client),
            before + 1,
            "{what}: the process fetched its own"
        );
        assert_eq!(
            count(&seen, "store_entry_rejected"),
            rejected + 1,
            "{what}: reported"
        );
    }

    // A holder that died holding the lease: the next process waits at most the TTL and a second.
    let _: () = redis::cmd("DEL").arg(&token_key).query(&mut raw).unwrap();
    let _: () = redis::cmd("SET")
        .arg(&lease_key)
        .arg("dead-owner")
        .arg("PX")
        .arg(2_000)
        .query(&mut raw)
        .unwrap();
    let started = Instant::now();
    let waiter = make(&seen);
    waiter
        .token()
        .expect("no error while the dead holder's lease runs out");
    let waited = started.elapsed();
    eprintln!("[fleet] a dead holder's 2 s lease: the next process had its token after {waited:?}");
    assert!(
        waited >= Duration::from_millis(1_500) && waited <= Duration::from_millis(3_000),
        "{waited:?}"
    );

    // Redis goes away: callers still get tokens (fetched alone); it comes back: sharing resumes.
    let port = redis.port;
    let dir = redis.dir.clone();
    redis.stop();
    let before = token_requests(client);
    let alone: Vec<_> = (0..3).map(|_| make(&seen)).collect();
    for tokens in &alone {
        tokens.token().expect("no error with Redis down");
    }
    let while_down = token_requests(client) - before;
    assert!(count(&seen, "store_unavailable") >= 1);
    std::mem::forget(std::mem::replace(&mut redis, Redis::start_on(port, dir)));
    std::thread::sleep(Duration::from_millis(5_100)); // the store is left alone 5 s after a failure
    let before = token_requests(client);
    let back: Vec<_> = (0..3).map(|_| make(&seen)).collect();
    for tokens in &back {
        tokens.token().expect("a token after Redis is back");
    }
    let after_restart = token_requests(client) - before;
    eprintln!("[fleet] Redis down: 3 new processes made {while_down} request(s); back up: 3 more made {after_restart}");
    assert_eq!(
        while_down, 3,
        "each process fetched alone while Redis was down"
    );
    assert_eq!(after_restart, 1, "sharing resumed");
    for event in seen.lock().unwrap().iter() {
        let json = event.to_json();
        assert!(
            !json.contains(secret) && !json.contains(published.value().expose_secret()),
            "{json}"
        );
    }
}
