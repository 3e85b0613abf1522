"""A hostile token endpoint streams 256 MiB (tests/server/oversized.mjs):
every transport stops at the 1 MiB limit, closes the connection, and the
core refuses the reply as RESPONSE_TOO_LARGE; with a declared Content-Length
above the limit no body is read at all. The process's resident memory is
sampled while it happens: it may grow by a few MiB, never by the stream."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import urllib.request
from typing import Any, Callable, Dict, List

import httpx
import pytest
import requests

import ccauth

MIB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
DRIVERS = ["urllib", "httpx", "httpx-async", "requests"]


def rss() -> int:
    """Resident set size now, in bytes (/proc/self/statm: not the lifetime maximum)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def peak_growth(action: Callable[[], None]) -> int:
    """How far resident memory rose above its starting point while ``action`` ran."""
    start = rss()
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        action()
    finally:
        done.set()
        sampler.join()
    return max(peak[0], rss()) - start


def streams(oversized: str) -> List[Dict[str, Any]]:
    with urllib.request.urlopen(f"{oversized}/stats", timeout=5) as r:
        result: List[Dict[str, Any]] = json.load(r)
        return result


@pytest.fixture(scope="module")
def oversized() -> str:
    url = os.environ.get("CCAUTH_OVERSIZED_URL")
    if not url:
        pytest.fail("run through scripts/with-auth-server.sh (it exports CCAUTH_OVERSIZED_URL)")
    return url


def fetch(driver: str, endpoint: str) -> ccauth.Error:
    """One token request to ``endpoint`` through ``driver``; the error it ends with."""
    once = ccauth.RetryPolicy(max_attempts=1)
    if driver == "httpx-async":

        async def main() -> None:
            async with httpx.AsyncClient() as http:
                client = ccauth.ClientCredentials(
                    endpoint, "c", "oversized-secret-1", retry=once, async_transport=ccauth.HttpxAsyncTransport(http)
                )
                await client.get_token_async()

        run: Callable[[], object] = lambda: asyncio.run(main())  # noqa: E731
    else:
        transport: ccauth.Transport = ccauth.UrllibTransport()
        if driver == "httpx":
            transport = ccauth.HttpxTransport(httpx.Client())
        elif driver == "requests":
            transport = ccauth.RequestsTransport(requests.Session())
        client = ccauth.ClientCredentials(endpoint, "c", "oversized-secret-1", retry=once, transport=transport)
        run = client.get_token
    with pytest.raises(ccauth.ResponseError) as caught:
        run()
    return caught.value


@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "declared"])
@pytest.mark.parametrize("driver", DRIVERS)
def test_a_256_mib_token_response_is_cut_at_the_limit(oversized: str, driver: str, declared: bool) -> None:
    endpoint = f"{oversized}/token?mib=256" + ("&length=declared" if declared else "")
    errors: List[ccauth.Error] = []
    growth = peak_growth(lambda: errors.append(fetch(driver, endpoint)))
    case = "declared" if declared else "chunked"
    print(f"[size-limit/python {driver}] oversized {case}: +{growth / MIB:.1f} MiB RSS (peak while reading)")
    e = errors[0]
    assert e.code == "RESPONSE_TOO_LARGE", repr(e)
    assert e.status == 200
    # What the core was handed: the limit + 1 bytes, or nothing and the declared length.
    assert e.body_len == (256 * MIB if declared else MIB + 1), e.body_len
    assert growth < 32 * MIB, f"+{growth / MIB:.1f} MiB"
    # The server saw the connection closed long before the end of the stream.
    deadline = time.monotonic() + 5
    while True:
        last = streams(oversized)[-1]
        if last["closed_early"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    print(f"[size-limit/python {driver}] oversized {case}: server sent {last['bytes_sent'] / MIB:.1f} MiB of 256")
    assert (last["mib"], last["declared"], last["closed_early"]) == (256, declared, True), last
    assert last["bytes_sent"] < 64 * MIB, last
