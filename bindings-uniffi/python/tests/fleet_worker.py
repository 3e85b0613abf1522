"""One process of a simulated fleet (tests/test_fleet.py starts several):
its own ClientCredentials sharing tokens through Redis, CALLERS threads (or
asyncio tasks) asking for a token over and over until stdin closes.

    python fleet_worker.py '{"client_id": …, "secret": …, "callers": 50, …}'

Prints one JSON line per thing the test counts: each new token (a SHA-256
prefix, never the token), each store event, each caller error, and at the
end the calls made. ``hang``: the token request blocks forever once sent
(after the lease was taken), for the kill -9 test.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import ccauth

_lock = threading.Lock()


def say(kind: str, **fields: Any) -> None:
    line = json.dumps({"kind": kind, "t": time.time_ns() // 1_000_000, "pid": os.getpid(), **fields})
    with _lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class Hanging(ccauth.UrllibTransport):
    """Sends nothing: says so, then blocks (until the process is killed)."""

    def send(
        self, method: str, url: str, headers: Sequence[Tuple[str, str]], body: Any, timeout_ms: int, *, max_bytes: Optional[int] = None
    ) -> Any:
        say("hanging")
        while True:
            time.sleep(3600)


def on_event(event: Any) -> None:
    if event.event.startswith(("store_", "lease_")) or event.event in ("fetch_started", "fetch_succeeded", "fetch_failed"):
        say("event", event=event.to_dict())


def main() -> None:
    options: Dict[str, Any] = json.loads(sys.argv[1])
    url = os.environ["CCAUTH_REDIS_URL"]
    endpoint = os.environ["CCAUTH_TOKEN_ENDPOINT"]
    kw: Dict[str, Any] = {
        "retry": ccauth.RetryPolicy(attempt_timeout_ms=options.get("attempt_timeout_ms", 2_000)),
        "on_event": on_event,
        "timeout_ms": 5_000,
    }
    if options.get("hang"):
        kw["transport"] = Hanging()
    asyncio_mode = options.get("asyncio", False)
    store: Any = ccauth.AsyncRedisStore.from_url(url) if asyncio_mode else ccauth.RedisStore.from_url(url)
    if options.get("no_store"):  # the baseline: each process on its own
        store = None
    client = ccauth.ClientCredentials(endpoint, options["client_id"], options["secret"], store=store, **kw)
    callers = options.get("callers", 50)
    start_at = options.get("start_at_ms", 0) / 1000
    stop = threading.Event()
    seen: Dict[str, int] = {}
    calls = [0]
    errors: List[str] = []

    def got(token: ccauth.AccessToken) -> None:
        now = time.time_ns() // 1_000_000
        if token.is_expired(now):
            errors.append("an expired token")
        fp = hashlib.sha256(token.access_token.encode()).hexdigest()[:16]
        with _lock:
            calls[0] += 1
            new = fp not in seen
            if new:
                seen[fp] = now
        if new:
            say("token", id=fp)

    def failed(e: BaseException) -> None:
        errors.append(type(e).__name__)
        say("error", error=type(e).__name__, code=getattr(e, "code", None))

    # Stop when the test closes our stdin.
    def wait_for_eof() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=wait_for_eof, daemon=True).start()
    time.sleep(max(0.0, start_at - time.time()))
    say("started")
    pause = options.get("pause_ms", 20) / 1000
    if asyncio_mode:

        async def caller() -> None:
            while not stop.is_set():
                try:
                    got(await client.get_token_async())
                except Exception as e:  # counted and reported
                    failed(e)
                await asyncio.sleep(pause)

        async def run() -> None:
            await asyncio.gather(*(caller() for _ in range(callers)))

        asyncio.run(run())
    else:

        def worker() -> None:
            while not stop.is_set():
                try:
                    got(client.get_token())
                except Exception as e:  # counted and reported
                    failed(e)
                stop.wait(pause)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(callers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    say("done", calls=calls[0], errors=len(errors), tokens=len(seen))


if __name__ == "__main__":
    main()
