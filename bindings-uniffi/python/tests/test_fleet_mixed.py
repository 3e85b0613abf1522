"""A fleet of three languages sharing one token through a real Redis and the
local authorization server: Python, Node and Kotlin processes (each its own
ccauth client and 50 concurrent callers), released at the same instant with
no token anywhere, then three refreshes of a 5-second token. Each language's
worker prints the lines of tests/fleet_worker.py; an entry one language
seals, the others open.

The workers of the other languages are given by scripts/test-fleet.sh in
``CCAUTH_FLEET_WORKERS`` (JSON: language -> the command before the options
argument), from their packed artifacts. Without it the test is skipped,
unless ``CCAUTH_FLEET_REQUIRE=1`` (the script sets it) makes that a failure.
"""

# ruff: noqa: F811 (the fixtures imported from test_fleet are the test's parameters)
from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict, List, Sequence

import pytest
from conftest import Server
from server_clients import SHORT_SECRET
from test_fleet import CALLERS, WORKER, Fleet, Proc, assert_no_errors, fleet, now_ms, r, requests_per_refresh  # noqa: F401 (test_fleet's fixtures, used here by name)

pytest.importorskip("redis")

WORKERS: Dict[str, List[str]] = {"python": [sys.executable, WORKER], **json.loads(os.environ.get("CCAUTH_FLEET_WORKERS") or "{}")}
# 8 processes: 3 Python, 3 Node, 2 Kotlin (a JVM each costs the most to start).
MIX = (("python", 3), ("node", 3), ("kotlin", 2))


def _workers_or_skip() -> None:
    missing = [lang for lang, _ in MIX if lang not in WORKERS]
    if not os.environ.get("CCAUTH_REDIS_URL") or missing:
        why = f"needs a Redis and the workers of {missing} (scripts/test-fleet.sh gives them)"
        if os.environ.get("CCAUTH_FLEET_REQUIRE") == "1":
            pytest.fail(why)
        pytest.skip(why)


def start_mix(fleet: Fleet, **options: Any) -> List[Proc]:
    procs: List[Proc] = []
    for lang, n in MIX:
        procs += fleet.start(n, argv=WORKERS[lang], **options)
    return procs


def langs(procs: Sequence[Proc]) -> List[str]:
    return [lang for lang, n in MIX for _ in range(n)]


@pytest.mark.parametrize("store", [True, False], ids=["store", "no-store"])
def test_a_mixed_fleet_makes_one_token_request_per_refresh(server: Server, r: Any, fleet: Fleet, store: bool) -> None:
    """8 processes (Python, Node, Kotlin) x 50 callers: with the store, 1
    token request at cold start and 1 per refresh, every process serving
    the same tokens in the same order; without it (the baseline), 8 each."""
    _workers_or_skip()
    server.reset_stats()
    start_at = now_ms() + 8_000  # every process started (a JVM, Node, Python) and connected by then
    procs = start_mix(fleet, client_id="ccauth-short", secret=SHORT_SECRET, callers=CALLERS, start_at_ms=start_at, no_store=not store)
    per_step, total = requests_per_refresh(fleet, procs, server)
    mix = ", ".join(f"{n} {lang}" for lang, n in MIX)
    print(f"[fleet/mixed {'store' if store else 'no store'}] {len(procs)} processes ({mix}) x {CALLERS} callers: "
          f"token requests at cold start {per_step[0]}, per refresh {per_step[1:]}, total {total}; "
          f"calls served {sum(p.done['calls'] for p in procs if p.done)}")
    assert_no_errors(procs)
    late = [p.index for p in procs if next(m["t"] for m in p.lines if m["kind"] == "started") > start_at + 1_000]
    assert not late, f"processes {late} started after the release instant: raise start_at"
    if not store:
        assert total == 4 * len(procs)
        assert not list(r.scan_iter("*"))
        return
    assert per_step == [1, 1, 1, 1], fleet.summary()
    assert total == 4
    # One token at a time across languages: every process served the same
    # four tokens in the same order (each language opened the others' entries).
    assert all(p.order == procs[0].order for p in procs), fleet.summary()
    by_lang: Dict[str, int] = {}
    for lang, p in zip(langs(procs), procs):
        by_lang[lang] = by_lang.get(lang, 0) + sum(1 for e in p.events if e["event"] == "store_hit")
    published = sum(1 for p in procs for e in p.events if e["event"] == "store_published")
    assert published == 4, published
    assert sum(by_lang.values()) == 4 * (len(procs) - 1), by_lang
    print(f"[fleet/mixed store] store hits by language {by_lang}, entries published {published}")
