"""A fleet sharing one token through a real Redis (scripts/with-redis.sh)
and the local authorization server: processes (tests/fleet_worker.py, each
its own ClientCredentials and 50 callers) make one token request per
refresh between them; a lease holder killed mid-fetch is taken over; Redis
stopped mid-run costs no caller an error and sharing resumes when it is
back; tampered, foreign and truncated entries are refused and reported; no
secret or token is in clear in Redis or in any event or log line.

The counts are printed (pytest -s shows them) for the issue's note.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, ClassVar, Dict, Iterator, List, Optional, Sequence, Set, Tuple

import pytest
from conftest import Server
from server_clients import BASIC_SECRET, SHORT_SECRET

import ccauth

redis = pytest.importorskip("redis")

REDIS_URL = os.environ.get("CCAUTH_REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs a Redis: run through scripts/with-redis.sh (scripts/test-python.sh does)")

WORKER = str(Path(__file__).with_name("fleet_worker.py"))
PROCESSES = 4
CALLERS = 50
ATTEMPT_TIMEOUT_MS = 2_000  # the attempt timeout of every fleet client
LEASE_TTL_MS = ATTEMPT_TIMEOUT_MS + 500  # the core's lease: the attempt timeout plus half a second


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@pytest.fixture()
def r() -> Iterator[Any]:
    """A redis-py client on the test Redis, emptied before each test."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    client.flushdb()
    yield client
    client.close()


# -- a fleet of processes -----------------------------------------------------------


class Proc:
    def __init__(self, popen: subprocess.Popen[str], index: int) -> None:
        self.popen = popen
        self.index = index
        self.tokens: Dict[str, int] = {}  # token id -> first seen (Unix ms)
        self.order: List[str] = []
        self.events: List[Dict[str, Any]] = []
        self.errors: List[Dict[str, Any]] = []
        self.lines: List[Dict[str, Any]] = []
        self.done: Optional[Dict[str, Any]] = None


class Fleet:
    """Worker processes and what they print."""

    def __init__(self) -> None:
        self.procs: List[Proc] = []
        self.changed = threading.Condition()

    def start(self, n: int, argv: Optional[Sequence[str]] = None, **options: Any) -> List[Proc]:
        """Starts ``n`` workers: this Python's fleet_worker.py, or ``argv``
        (another language's worker speaking the same lines)."""
        started = []
        for _ in range(n):
            popen = subprocess.Popen(
                [*(argv or [sys.executable, WORKER]), json.dumps(options)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=os.path.dirname(WORKER),
            )
            proc = Proc(popen, len(self.procs))
            self.procs.append(proc)
            threading.Thread(target=self._read, args=(proc,), daemon=True).start()
            started.append(proc)
        return started

    def _read(self, proc: Proc) -> None:
        assert proc.popen.stdout is not None
        for line in proc.popen.stdout:
            msg = json.loads(line)
            with self.changed:
                proc.lines.append(msg)
                if msg["kind"] == "token":
                    proc.tokens.setdefault(msg["id"], msg["t"])
                    proc.order.append(msg["id"])
                elif msg["kind"] == "event":
                    proc.events.append(msg["event"])
                elif msg["kind"] == "error":
                    proc.errors.append(msg)
                elif msg["kind"] == "done":
                    proc.done = msg
                self.changed.notify_all()

    def wait(self, what: str, predicate: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}: {self.summary()}")
                self.changed.wait(min(left, 0.1))

    def summary(self) -> str:
        return "; ".join(
            f"proc {p.index}: tokens {p.order} errors {len(p.errors)} events {[e['event'] for e in p.events][-8:]}" for p in self.procs
        )

    def stop(self, procs: Optional[Sequence[Proc]] = None) -> None:
        for p in procs if procs is not None else self.procs:
            if p.popen.poll() is None and p.popen.stdin is not None:
                try:
                    p.popen.stdin.close()
                except OSError:
                    pass
        for p in procs if procs is not None else self.procs:
            try:
                p.popen.wait(15)
            except subprocess.TimeoutExpired:
                p.popen.kill()
                p.popen.wait(5)

    def kill_all(self) -> None:
        for p in self.procs:
            if p.popen.poll() is None:
                p.popen.kill()
                p.popen.wait(5)


@pytest.fixture()
def fleet() -> Iterator[Fleet]:
    f = Fleet()
    try:
        yield f
    finally:
        f.kill_all()


def all_have(procs: Sequence[Proc], count: int) -> Callable[[], bool]:
    return lambda: all(len(p.tokens) >= count for p in procs)


def assert_no_errors(procs: Sequence[Proc]) -> None:
    for p in procs:
        assert not p.errors, f"proc {p.index}: caller errors {p.errors[:3]}"
        assert p.done is not None and p.done["errors"] == 0, p.done


# -- one token request per refresh ----------------------------------------------------


def requests_per_refresh(fleet: Fleet, procs: Sequence[Proc], server: Server) -> Tuple[List[int], int]:
    """Waits for the cold start and three refreshes of ccauth-short in every
    process, then stops the fleet: the server's token requests at each of
    the four steps, and in all."""
    counts = []
    for tokens in range(1, 5):
        fleet.wait(f"{tokens} token(s) in every process", all_have(procs, tokens), 20)
        counts.append(server.token_requests("ccauth-short"))
    fleet.stop()
    time.sleep(0.3)
    total = server.token_requests("ccauth-short")
    return [counts[0]] + [b - a for a, b in zip(counts, counts[1:])], total


@pytest.mark.parametrize("mode", ["threads", "asyncio"])
def test_a_fleet_makes_one_token_request_at_cold_start_and_per_refresh(server: Server, r: Any, fleet: Fleet, mode: str) -> None:
    """4 processes x 50 callers released at the same instant, no token
    anywhere: the server sees 1 token request; then 5-second tokens (the
    server's ccauth-short) refreshed ahead three times: 1 request each."""
    server.reset_stats()
    start_at = now_ms() + 2_500  # every process imported and connected by then
    procs = fleet.start(
        PROCESSES, client_id="ccauth-short", secret=SHORT_SECRET, callers=CALLERS, start_at_ms=start_at, asyncio=mode == "asyncio"
    )
    per_step, total = requests_per_refresh(fleet, procs, server)
    print(f"[fleet/python {mode}] {PROCESSES} processes x {CALLERS} callers: token requests at cold start {per_step[0]}, "
          f"per refresh {per_step[1:]}, total {total}")
    assert_no_errors(procs)
    assert per_step == [1, 1, 1, 1], fleet.summary()
    assert total == 4
    # Every process served the same four tokens, in the same order.
    assert all(p.order == procs[0].order for p in procs), fleet.summary()
    hits = sum(1 for p in procs for e in p.events if e["event"] == "store_hit")
    published = sum(1 for p in procs for e in p.events if e["event"] == "store_published")
    assert published == 4 and hits == 4 * (PROCESSES - 1), (published, hits)


def test_without_a_store_each_process_makes_its_own_requests(server: Server, r: Any, fleet: Fleet) -> None:
    """The baseline of the test above: the same fleet, no store."""
    server.reset_stats()
    start_at = now_ms() + 2_500
    procs = fleet.start(PROCESSES, client_id="ccauth-short", secret=SHORT_SECRET, callers=CALLERS, start_at_ms=start_at, no_store=True)
    per_step, total = requests_per_refresh(fleet, procs, server)
    print(f"[fleet/python no store] {PROCESSES} processes x {CALLERS} callers: token requests at cold start {per_step[0]}, "
          f"per refresh {per_step[1:]}, total {total}")
    assert_no_errors(procs)
    assert total == 4 * PROCESSES
    assert not list(r.scan_iter("*"))


# -- kill -9 of the lease holder -------------------------------------------------------


def test_a_lease_holder_killed_mid_fetch_is_taken_over_within_the_lease_ttl_and_a_second(server: Server, r: Any, fleet: Fleet) -> None:
    """A process takes the lease and its token request hangs; two others
    wait on the lease (lease_busy); kill -9 the holder: one of the others
    fetches once the lease expires and every caller gets that token."""
    server.reset_stats()
    t0 = now_ms() + 1_500
    common: Dict[str, Any] = {"client_id": "ccauth-basic", "secret": BASIC_SECRET, "attempt_timeout_ms": ATTEMPT_TIMEOUT_MS}
    (holder,) = fleet.start(1, callers=1, start_at_ms=t0, hang=True, **common)
    others = fleet.start(2, callers=CALLERS, start_at_ms=t0 + 300, **common)
    fleet.wait("the holder's hanging request", lambda: any(m["kind"] == "hanging" for m in holder.lines), 10)
    leased_at = next(e["at_ms"] for e in holder.events if e["event"] == "lease_acquired")
    fleet.wait("the others waiting on the lease", lambda: all(any(e["event"] == "lease_busy" for e in p.events) for p in others), 10)
    assert r.pttl(next(iter(r.scan_iter("ccauth:*:lease")))) > 0, "the lease must still be live at the kill"
    killed_at = now_ms()
    os.kill(holder.popen.pid, signal.SIGKILL)
    holder.popen.wait(5)
    fleet.wait("a token in every surviving process", all_have(others, 1), LEASE_TTL_MS / 1000 + 5)
    first = min(min(p.tokens.values()) for p in others)
    last = max(min(p.tokens.values()) for p in others)
    fleet.stop(others)
    requests = server.token_requests("ccauth-basic")
    print(f"[fleet/python kill -9] lease TTL {LEASE_TTL_MS} ms: holder's lease taken -> the refresh done elsewhere (first token) "
          f"{first - leased_at} ms, in every process {last - leased_at} ms; kill -> first token {first - killed_at} ms; "
          f"token requests {requests}")
    assert_no_errors(others)
    assert first - leased_at <= LEASE_TTL_MS + 1_000, "taken over within the lease TTL plus a second"
    # The last waiter reads the published token at its next backoff (at most 500 ms + 250 ms of jitter).
    assert last - first <= 800
    assert requests == 1
    assert others[0].order == others[1].order


# -- Redis stopped mid-run ---------------------------------------------------------------


class RedisServer:
    """Stops the test Redis (SHUTDOWN NOSAVE) and starts it again on the same port (until the session ends)."""

    restarted: ClassVar[List[subprocess.Popen[bytes]]] = []

    def __init__(self) -> None:
        self.port = os.environ["CCAUTH_REDIS_PORT"]
        self.binary = os.environ.get("CCAUTH_REDIS_SERVER", "redis-server")

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", self.port, "shutdown", "nosave"], check=False, capture_output=True, timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.ping():
            time.sleep(0.05)
        assert not self.ping(), "redis did not stop"

    def start(self) -> None:
        work = tempfile.mkdtemp(prefix="ccauth-redis-")
        popen = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", self.port, "--save", "", "--appendonly", "no", "--dir", work,
             "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        RedisServer.restarted.append(popen)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not self.ping():
            time.sleep(0.05)
        assert self.ping(), "redis did not start again"

    def ping(self) -> bool:
        try:
            return bool(ccauth.RedisStore.from_url(f"redis://127.0.0.1:{self.port}/0")._client.ping())
        except redis.exceptions.RedisError:
            return False


@pytest.fixture(scope="session", autouse=True)
def _stop_restarted_redis() -> Iterator[None]:
    yield
    for popen in RedisServer.restarted:
        popen.terminate()
        popen.wait(10)


def test_redis_stopped_mid_run_costs_no_caller_an_error_and_sharing_resumes(server: Server, r: Any, fleet: Fleet) -> None:
    """4 processes on 5-second tokens: shared, then Redis shut down (each
    process fetches alone, store_unavailable), then Redis started again on
    the same port (store_recovered; one request per refresh again)."""
    server.reset_stats()
    procs = fleet.start(PROCESSES, client_id="ccauth-short", secret=SHORT_SECRET, callers=20, start_at_ms=now_ms() + 2_500)
    fleet.wait("a first refresh in every process", all_have(procs, 2), 20)
    shared = server.token_requests("ccauth-short")
    redis_server = RedisServer()
    redis_server.stop()
    down_at = now_ms()
    down_tokens = {p.index: len(p.tokens) for p in procs}
    fleet.wait(
        "two refreshes in every process with Redis down",
        lambda: all(len(p.tokens) >= down_tokens[p.index] + 2 for p in procs) and all(
            any(e["event"] == "store_unavailable" for e in p.events) for p in procs),
        20,
    )
    during_down = server.token_requests("ccauth-short") - shared
    down_refreshes = min(len(p.tokens) - down_tokens[p.index] for p in procs)
    redis_server.start()
    up_at = now_ms()
    fleet.wait("store_recovered in every process", lambda: all(any(e["event"] == "store_recovered" for e in p.events) for p in procs), 20)
    after_restart = server.token_requests("ccauth-short")

    def common_new(since: int) -> Optional[str]:
        """A token every process has, first seen (by any) after ``since``."""
        ids: Set[str] = set.intersection(*(set(p.tokens) for p in procs))
        fresh = [i for i in ids if min(p.tokens[i] for p in procs) > since]
        return max(fresh, key=lambda i: min(p.tokens[i] for p in procs)) if fresh else None

    recovered_at = now_ms()
    fleet.wait("a token shared by every process after the restart", lambda: common_new(recovered_at) is not None, 20)
    time.sleep(0.2)
    window_start = server.token_requests("ccauth-short")
    converged = common_new(recovered_at)
    assert converged is not None
    mark = max(p.tokens[converged] for p in procs)
    fleet.wait("two more refreshes shared by every process",
               lambda: common_new(mark) is not None and len([i for i in set.intersection(*(set(p.tokens) for p in procs))
                                                             if min(p.tokens[i] for p in procs) > mark]) >= 2, 20)
    time.sleep(0.2)
    window_end = server.token_requests("ccauth-short")
    fleet.stop()
    total = server.token_requests("ccauth-short")
    print(f"[fleet/python redis down] {PROCESSES} processes: shared (cold start + 1 refresh) {shared} requests; "
          f"Redis down {(up_at - down_at) / 1000:.1f} s: {during_down} requests for >= {down_refreshes} refreshes each "
          f"(each process alone); restart -> all recovered: {after_restart - shared - during_down} requests; "
          f"then 2 refreshes: {window_end - window_start} requests; total {total}")
    assert_no_errors(procs)
    assert shared == 2
    assert during_down >= PROCESSES, "with Redis down each process fetches alone"
    assert window_end - window_start == 2, "sharing resumed: one request per refresh"


# -- entries that must never be served --------------------------------------------------


class Canned:
    """A token endpoint that answers one canned token (for a foreign entry)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def send(
        self, method: str, url: str, headers: Sequence[Tuple[str, str]], body: Any, timeout_ms: int, *, max_bytes: Optional[int] = None
    ) -> ccauth.HttpReply:
        data = json.dumps({"access_token": self.token, "token_type": "Bearer", "expires_in": 300}).encode()
        return ccauth.HttpReply(200, [("Content-Type", "application/json")], data)


class Captured:
    """Events from on_event and every ccauth log record (formatted and its extra)."""

    def __init__(self) -> None:
        self.events: List[Any] = []
        self.lines: List[str] = []
        self.handler = logging.Handler(logging.DEBUG)
        self.handler.emit = self._emit  # type: ignore[method-assign]

    def _emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        self.lines.append(json.dumps(getattr(record, "ccauth_event", {})))

    def __enter__(self) -> Captured:
        logger = logging.getLogger("ccauth")
        self.level = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(self.handler)
        return self

    def __exit__(self, *exc: object) -> None:
        logger = logging.getLogger("ccauth")
        logger.removeHandler(self.handler)
        logger.setLevel(self.level)

    def named(self, name: str) -> List[Any]:
        return [e for e in self.events if e.event == name]

    def texts(self) -> List[str]:
        return self.lines + [json.dumps(e.to_dict()) for e in self.events]


def basic_client(server: Server, r: Any, captured: Captured, **kw: Any) -> ccauth.ClientCredentials:
    return ccauth.ClientCredentials(
        server.token_endpoint, "ccauth-basic", kw.pop("secret", BASIC_SECRET),
        store=ccauth.RedisStore(r), on_event=captured.events.append, **kw,
    )


def test_tampered_foreign_and_truncated_entries_are_rejected_reported_and_never_served(server: Server, r: Any) -> None:
    with Captured() as captured:
        first = basic_client(server, r, captured)
        token = first.get_token().access_token
        assert first.store_keys is not None
        key = first.store_keys.token
        entry = r.get(key)
        assert entry is not None and entry.startswith(b"ccf1")
        # Sealed under another secret (a client of another credential, its
        # entry copied to this key) and under the same secret with another store key.
        other_secret = basic_client(server, r, captured, secret="another-secret-0123456789", transport=Canned("foreign-token-one"))
        other_secret.get_token()
        assert other_secret.store_keys is not None
        foreign_secret = r.get(other_secret.store_keys.token)
        r.delete(other_secret.store_keys.token)
        other_key = basic_client(server, r, captured, store_key=b"another-store-key-0123456789", transport=Canned("foreign-token-two"))
        r.delete(key)
        other_key.get_token()
        assert other_key.store_keys is not None and other_key.store_keys.token == key  # the same entry name: only the seal differs
        foreign_key = r.get(key)
        assert foreign_secret is not None and foreign_key is not None
        cases = {
            "tampered": (entry[:-1] + bytes([entry[-1] ^ 0x01]), "tampered_or_foreign"),
            "tampered (nonce)": (entry[:6] + bytes([entry[6] ^ 0x80]) + entry[7:], "tampered_or_foreign"),
            "another secret": (foreign_secret, "tampered_or_foreign"),
            "another store key": (foreign_key, "tampered_or_foreign"),
            "truncated (half)": (entry[: len(entry) // 2], "tampered_or_foreign"),
            "truncated (header only)": (entry[:20], "truncated"),
            "truncated (magic)": (entry[:4], "truncated"),
            "empty": (b"", "truncated"),
            "not an entry": (b'{"access_token": "planted"}', "truncated"),
        }
        served: Set[str] = {token}
        for name, (value, reason) in cases.items():
            r.set(key, value, px=60_000)
            captured.events.clear()
            before = server.token_requests("ccauth-basic")
            client = basic_client(server, r, captured)
            got = client.get_token().access_token
            rejected = captured.named("store_entry_rejected")
            assert rejected and all(e.reason == reason for e in rejected), (name, [e.to_dict() for e in captured.events])
            assert server.token_requests("ccauth-basic") == before + 1, f"{name}: fetched from the server instead"
            assert got not in served and got not in ("foreign-token-one", "foreign-token-two", "planted"), name
            served.add(got)
            # The rejected entry was replaced by this client's sealed token.
            assert r.get(key) not in (value, None), name
        # Rejections are warnings in the log.
        assert any("store_entry_rejected" in line and "reason=tampered_or_foreign" in line for line in captured.lines)


# -- nothing in clear ---------------------------------------------------------------------


def test_no_secret_or_token_in_clear_in_redis_or_in_events(server: Server, r: Any) -> None:
    """Two clients share a token (and a 5-second one, refreshed): every
    key's value in Redis, every event and log line is searched for the
    secrets, the tokens (and each JWT part) and the client ids."""
    with Captured() as captured:
        clients = [basic_client(server, r, captured) for _ in range(2)]
        tokens = {c.get_token().access_token for c in clients}
        assert len(tokens) == 1, "the second client's token came from the store"
        assert len(captured.named("store_hit")) == 1
        short = [
            ccauth.ClientCredentials(
                server.token_endpoint, "ccauth-short", SHORT_SECRET, store=ccauth.RedisStore(r), on_event=captured.events.append
            )
            for _ in range(2)
        ]
        first = short[0].get_token()
        tokens.add(first.access_token)
        time.sleep(max(0.0, first.refresh_at_ms / 1000 - time.time()) + 0.05)
        for c in short:
            tokens.add(c.get_token().access_token)
        deadline = time.monotonic() + 5
        while len(tokens) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
            tokens.update(c.get_token().access_token for c in short)
        assert len(tokens) == 3, "a refresh went through the store"
        values = {k: r.get(k) for k in r.scan_iter("*")}
        assert values and all(v is not None for v in values.values())
        needles: List[bytes] = [BASIC_SECRET.encode(), SHORT_SECRET.encode(), b"ccauth-basic", b"ccauth-short"]
        for t in tokens:
            needles.append(t.encode())
            needles.extend(part.encode() for part in t.split(".") if len(part) >= 16)
        for k, v in values.items():
            for needle in needles:
                assert needle not in k, f"{needle[:12]!r}… in a key name"
                assert needle not in v, f"{needle[:12]!r}… in the value of {k!r}"
        texts = captured.texts()
        assert any("store_hit" in t for t in texts) and any("store_published" in t for t in texts)
        for text in texts:
            for needle in needles:
                assert needle.decode() not in text, f"{needle[:12]!r}… in {text[:80]}"


# -- the driver's edges ---------------------------------------------------------------------


def test_an_asyncio_store_shares_between_clients(server: Server, r: Any) -> None:
    import redis.asyncio

    async def main() -> Tuple[str, str, List[str]]:
        ar = redis.asyncio.Redis.from_url(REDIS_URL, socket_timeout=2)
        seen: List[str] = []
        a, b = (
            ccauth.ClientCredentials(server.token_endpoint, "ccauth-basic", BASIC_SECRET, store=ccauth.AsyncRedisStore(ar),
                                     on_event=lambda e: seen.append(e.event))
            for _ in range(2)
        )
        results = await asyncio.gather(*(c.get_token_async() for c in (a, b) for _ in range(50)))
        await ar.aclose()
        return results[0].access_token, results[-1].access_token, seen

    server.reset_stats()
    ta, tb, seen = asyncio.run(main())
    assert ta == tb
    assert server.token_requests("ccauth-basic") == 1
    assert seen.count("store_published") == 1 and seen.count("store_hit") == 1, seen


def test_a_sync_store_serves_the_asyncio_side_too(server: Server, r: Any) -> None:
    async def main() -> List[str]:
        store = ccauth.RedisStore(r)
        clients = [ccauth.ClientCredentials(server.token_endpoint, "ccauth-basic", BASIC_SECRET, store=store) for _ in range(3)]
        return [t.access_token for t in await asyncio.gather(*(c.get_token_async() for c in clients))]

    server.reset_stats()
    assert len(set(asyncio.run(main()))) == 1
    assert server.token_requests("ccauth-basic") == 1


class Broken:
    """A store whose every command raises (or answers garbage)."""

    def __init__(self, garbage: bool = False) -> None:
        self.garbage = garbage
        self.calls = 0

    def _fail(self) -> Any:
        self.calls += 1
        if self.garbage:
            return "not bytes"
        raise ConnectionError("store down")

    def get(self, key: str) -> Optional[bytes]:
        value: Optional[bytes] = self._fail()
        return value

    def set_if_absent(self, key: str, value: bytes, ttl_ms: int) -> bool:
        return bool(self._fail())

    def set(self, key: str, value: bytes, ttl_ms: int) -> object:
        return self._fail()

    def delete_if_equals(self, key: str, value: bytes) -> bool:
        return bool(self._fail())


@pytest.mark.parametrize("garbage", [False, True], ids=["raises", "garbage"])
def test_a_failing_store_is_never_a_callers_error(server: Server, garbage: bool) -> None:
    with Captured() as captured:
        store = Broken(garbage)
        client = ccauth.ClientCredentials(server.token_endpoint, "ccauth-basic", BASIC_SECRET, store=store, on_event=captured.events.append)
        assert client.get_token().access_token
        assert store.calls == 1, "one failed read, then the token request alone (no publish while the store is down)"
        assert [e.event for e in captured.events if e.event.startswith("store_")] == ["store_unavailable"]
        assert any(line.startswith("ccauth store_unavailable") for line in captured.lines)
    records: List[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign,assignment]
    logger = logging.getLogger("ccauth")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        ccauth.ClientCredentials(server.token_endpoint, "ccauth-basic", BASIC_SECRET, store=Broken(garbage)).get_token()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert [r.levelname for r in records if "store_unavailable" in r.getMessage()] == ["WARNING"]


def test_a_401_deletes_the_shared_entry_only_while_it_holds_that_token(server: Server, r: Any) -> None:
    captured = Captured()
    a = basic_client(server, r, captured)
    token = a.get_token()
    assert a.store_keys is not None
    key = a.store_keys.token
    assert r.get(key) is not None
    assert a.invalidate(token, 'Bearer error="invalid_token"')
    assert r.get(key) is None, "the entry held the dropped token: deleted"
    b = basic_client(server, r, captured)
    fresh = b.get_token()  # fetched and published anew
    entry = r.get(key)
    assert entry is not None
    a.invalidate(a.get_token(), 'Bearer error="invalid_token"')  # a holds b's token now (a store hit): deleted
    assert r.get(key) is None
    c = basic_client(server, r, captured)
    c.get_token()
    entry = r.get(key)
    assert b.invalidate(fresh, 'Bearer error="invalid_token"') is True  # b's old token is no longer the entry's
    assert r.get(key) == entry, "another token's entry is left alone"


def test_store_options_are_checked(server: Server) -> None:
    decoded = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    with pytest.raises(ValueError, match="decode_responses=False"):
        ccauth.RedisStore(decoded)
    with pytest.raises(ccauth.ConfigError) as dpop:
        ccauth.ClientCredentials(server.token_endpoint, "ccauth-dpop", "dpop-secret-0123456789", dpop_key=True, store=Broken())
    assert dpop.value.field == "store" and "DPoP" in str(dpop.value)
    public = ccauth.ClientAuth.NONE()
    with pytest.raises(ccauth.ConfigError) as keyless:
        ccauth.ClientCredentials(server.token_endpoint, "ccauth-basic", auth=public, store=Broken())
    assert keyless.value.field == "store_key"
    with pytest.raises(ccauth.ConfigError):
        ccauth.ClientCredentials(server.token_endpoint, "ccauth-basic", auth=public, store=Broken(), store_key="too short")
    key = "a store key of 16+ bytes"
    client = ccauth.ClientCredentials(server.token_endpoint, "ccauth-basic", auth=public, store=Broken(), store_key=key)
    assert client.store_keys is not None and client.store_keys.token.endswith("}:token")
    assert ccauth.ClientCredentials(server.token_endpoint, "ccauth-basic", BASIC_SECRET).store_keys is None
    assert "redis.call('GET', KEYS[1]) == ARGV[1]" in ccauth.delete_if_equals_script()


def test_clients_from_env_share_through_a_store(server: Server, r: Any) -> None:
    """``from_env(store=...)``: the clients the doctor's variables describe
    share one token, and a short store key is refused there too."""
    environ = {"CCAUTH_TOKEN_ENDPOINT": server.token_endpoint, "CCAUTH_CLIENT_ID": "ccauth-basic", "CCAUTH_CLIENT_SECRET": BASIC_SECRET}
    store = ccauth.RedisStore(r)
    seen: List[str] = []
    server.reset_stats()
    clients = [ccauth.ClientCredentials.from_env(environ=environ, store=store, on_event=lambda e: seen.append(e.event)) for _ in range(3)]
    tokens = {c.get_token().access_token for c in clients}
    assert len(tokens) == 1 and server.token_requests("ccauth-basic") == 1
    assert seen.count("store_published") == 1 and seen.count("store_hit") == 2, seen
    assert clients[0].store_keys is not None and r.get(clients[0].store_keys.token) is not None
    with pytest.raises(ccauth.ConfigError) as short:
        ccauth.ClientCredentials.from_env(environ=environ, store=store, store_key="too short")
    assert short.value.field == "store_key"


# -- Redis Cluster ---------------------------------------------------------------------------


def _cluster_ports(count: int) -> List[int]:
    """Free loopback ports a cluster node can use: Redis refuses a port above
    55535 in cluster mode (its bus listens on port + 10000), and the kernel's
    ephemeral range reaches 60999, so bind(0) is not enough. A port is taken
    only when it and its bus port are both free."""
    rng = random.Random()
    ports: List[int] = []
    while len(ports) < count:
        port = rng.randint(20000, 55535)
        if port in ports:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        ports.append(port)
    return ports


def _cluster_logs(work: str) -> str:
    return "\n".join(open(os.path.join(work, name), errors="replace").read()[-400:]
                     for name in sorted(os.listdir(work)) if name.startswith("log-"))


@pytest.fixture()
def cluster() -> Iterator[Any]:
    """A real 3-node Redis Cluster on loopback ports (the test Redis's
    binary, cluster mode, no replicas), as a redis-py ``RedisCluster``."""
    from redis.cluster import ClusterNode, RedisCluster

    binary = os.environ.get("CCAUTH_REDIS_SERVER", "redis-server")
    ports = _cluster_ports(3)
    work = tempfile.mkdtemp(prefix="ccauth-cluster-")
    nodes = []
    for port in ports:
        with open(f"{work}/log-{port}", "wb") as log:
            nodes.append(subprocess.Popen(
                [binary, "--bind", "127.0.0.1", "--port", str(port), "--cluster-enabled", "yes", "--save", "", "--appendonly", "no",
                 "--cluster-config-file", f"{work}/nodes-{port}.conf", "--dir", work, "--daemonize", "no", "--loglevel", "warning"],
                stdout=log, stderr=subprocess.STDOUT,
            ))
    try:
        plain = [redis.Redis(port=port, socket_timeout=2) for port in ports]
        deadline = time.monotonic() + 10
        while True:
            try:
                if all(c.ping() for c in plain):
                    break
            except redis.exceptions.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the cluster's nodes did not start: " + _cluster_logs(work)
            time.sleep(0.05)
        # Slots split in three, the nodes introduced to each other.
        for i, c in enumerate(plain):
            c.execute_command("CLUSTER", "ADDSLOTSRANGE", i * 5462, min(16383, i * 5462 + 5461))
            c.execute_command("CLUSTER", "MEET", "127.0.0.1", ports[0])
        while not all(c.execute_command("CLUSTER", "INFO").decode().startswith("cluster_state:ok") for c in plain):
            assert time.monotonic() < deadline + 20, "the cluster did not form"
            time.sleep(0.1)
        client = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", ports[0])], socket_timeout=2)  # type: ignore[no-untyped-call]
        yield client
        client.close()
    finally:
        for node in nodes:
            node.terminate()
            node.wait(10)


def test_a_redis_cluster_shares_one_token(server: Server, cluster: Any) -> None:
    """On a real Redis Cluster (redis-py's RedisCluster): both keys of a
    client in one slot (the hash tag), every command accepted (GET, SET NX
    PX, SET PX, EVAL with one key, routed to the slot's node): 3 clients,
    1 token request; a 401's compare-and-delete removes the entry."""
    store = ccauth.RedisStore(cluster)
    seen: List[str] = []
    server.reset_stats()
    clients = [ccauth.ClientCredentials(server.token_endpoint, "ccauth-basic", BASIC_SECRET, store=store,
                                        on_event=lambda e: seen.append(e.event)) for _ in range(3)]
    got = [c.get_token() for c in clients]
    assert len({t.access_token for t in got}) == 1 and server.token_requests("ccauth-basic") == 1, seen
    assert seen.count("store_published") == 1 and seen.count("store_hit") == 2 and "store_unavailable" not in seen, seen
    keys = clients[0].store_keys
    assert keys is not None and cluster.keyslot(keys.token) == cluster.keyslot(keys.lease)
    assert cluster.get(keys.token) is not None and cluster.get(keys.lease) is None, "published, lease released"
    assert clients[0].invalidate(got[0])  # the API said 401
    deadline = time.monotonic() + 5
    while cluster.get(keys.token) is not None:
        assert time.monotonic() < deadline, "the compare-and-delete did not run on the cluster"
        time.sleep(0.05)
