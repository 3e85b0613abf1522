"""200 threads sharing one client, released together by a barrier at the
moment there is no usable token: the server must see exactly one token
request, every time. For the standard library client, the httpx integration
(auth hook and transport) and the requests one; three moments: no token yet
(20 repetitions, a new client each), a token due for refresh, a token that
has just expired."""

from __future__ import annotations

import threading
import time
from typing import Callable, Dict, List, Optional, Tuple

import httpx
import pytest
import requests

import ccauth
from conftest import POST_SECRET, SHORT_SECRET, Server
from server_clients import post_auth

THREADS = 200
REPETITIONS = 20

Client = ccauth.ClientCredentials
Call = Callable[[Client], object]


def storm(client: Client, call: Call) -> List[object]:
    """``call(client)`` on THREADS threads released together; their results."""
    barrier = threading.Barrier(THREADS)
    results: List[object] = [None] * THREADS
    errors: List[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait(30)
            results[i] = call(client)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]
    return results


class Driver:
    """How one integration makes clients and what each thread does with one."""

    def __init__(self, name: str, server: Server) -> None:
        self.name = name
        self.server = server
        self._httpx = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=50))
        self._session = requests.Session()

    def close(self) -> None:
        self._httpx.close()
        self._session.close()

    def client(self, client_id: str, secret: Optional[str], **kw: object) -> Client:
        transport: ccauth.Transport = ccauth.UrllibTransport()
        if self.name == "httpx":
            transport = ccauth.HttpxTransport(httpx.Client(timeout=30))
        elif self.name == "requests":
            transport = ccauth.RequestsTransport(requests.Session())
        return ccauth.ClientCredentials(
            self.server.token_endpoint, client_id, secret, scopes=["api.read"], transport=transport, **kw  # type: ignore[arg-type]
        )

    def call(self, client: Client) -> object:
        """What a thread does: a token (urllib) or an authorized API call (httpx, requests)."""
        if self.name == "urllib":
            token = client.get_token()
            assert not token.is_expired(time.time_ns() // 1_000_000)
            return token.access_token
        if self.name == "httpx":
            status = self._httpx.get(self.server.api, auth=client.httpx_auth()).status_code
        else:
            status = self._session.get(self.server.api, auth=client.requests_auth(), timeout=30).status_code
        assert status == 200, status
        return status


def count(server: Server, driver: Driver, client: Client) -> int:
    """Token requests the server saw for one storm on ``client``."""
    server.reset_stats()
    storm(client, driver.call)
    return server.all_token_requests()


@pytest.mark.parametrize("name", ["urllib", "httpx", "requests"])
def test_200_threads_with_no_token_send_one_token_request(server: Server, name: str) -> None:
    driver = Driver(name, server)
    try:
        counts = [count(server, driver, driver.client("ccauth-post", None, auth=post_auth(POST_SECRET))) for _ in range(REPETITIONS)]
    finally:
        driver.close()
    print(f"[single-flight/python {name}] {THREADS} threads, no token yet: token requests per repetition {counts}")
    assert counts == [1] * REPETITIONS


def test_200_threads_at_refresh_time_and_at_expiry_send_one_token_request(server: Server) -> None:
    """Short-lived tokens (5 s): a client with the default policy refreshes
    ahead at half the lifetime (the storm gets the current token while one
    thread refreshes); one with no leeway refreshes only once the token has
    expired (every thread waits for the one fetch). One wait serves all drivers."""
    drivers = [Driver(name, server) for name in ("urllib", "httpx", "requests")]
    no_leeway = ccauth.RefreshPolicy(min_leeway_ms=0, max_leeway_ms=0, leeway_percent=0)
    try:
        ahead = [(d, d.client("ccauth-short", SHORT_SECRET)) for d in drivers]
        expiring = [(d, d.client("ccauth-short", SHORT_SECRET, refresh=no_leeway)) for d in drivers]
        first: Dict[Tuple[str, str], ccauth.AccessToken] = {}
        for kind, pairs in (("ahead", ahead), ("expired", expiring)):
            for d, c in pairs:
                first[(kind, d.name)] = c.get_token()
        results: Dict[str, List[int]] = {}
        refresh_at = max(t.refresh_at_ms for (kind, _), t in first.items() if kind == "ahead")
        expires_at = max(t.expires_at_ms or 0 for (kind, _), t in first.items() if kind == "expired")
        sleep_until(refresh_at + 50)
        for d, c in ahead:
            old = first[("ahead", d.name)]
            assert not old.is_expired(time.time_ns() // 1_000_000), "the storm must come before expiry"
            server.reset_stats()
            storm(c, d.call)
            # The refresh runs in the background: wait for its new token.
            deadline = time.monotonic() + 10
            while c.get_token().access_token == old.access_token and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.2)  # room for a second, wrong, request to show
            results.setdefault(d.name, []).append(server.all_token_requests())
        sleep_until(expires_at + 50)
        for d, c in expiring:
            old = first[("expired", d.name)]
            assert old.is_expired(time.time_ns() // 1_000_000)
            results[d.name].append(count(server, d, c))
            assert c.get_token().access_token != old.access_token
    finally:
        for d in drivers:
            d.close()
    for name, (at_refresh, at_expiry) in results.items():
        print(f"[single-flight/python {name}] {THREADS} threads: token requests at refresh time {at_refresh}, just after expiry {at_expiry}")
    assert all(r == [1, 1] for r in results.values()), results


def sleep_until(unix_ms: int) -> None:
    time.sleep(max(0.0, unix_ms / 1000 - time.time()))
