"""The installed package against the real authorization server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
from typing import List

import httpx
import pytest
import requests

import ccauth
from conftest import BASIC_SECRET, POST_SECRET, SHORT_SECRET, Server
from server_clients import post_auth
from vector_cases import assert_clean, printed


def post_client(server: Server, **kw: object) -> ccauth.ClientCredentials:
    return ccauth.ClientCredentials(
        server.token_endpoint, "ccauth-post", auth=post_auth(POST_SECRET), scopes=["api.read"], **kw  # type: ignore[arg-type]
    )


def test_basic_token_then_api_200_with_the_standard_library(server: Server) -> None:
    client = ccauth.ClientCredentials(server.token_endpoint, "ccauth-basic", BASIC_SECRET, scopes=["api.read"])
    token = client.get_token()
    assert token.authorization.startswith("Bearer ey")
    assert token.expires_at.timestamp() > time.time()
    req = urllib.request.Request(server.api, headers={"Authorization": client.authorization_header()})
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 200
        assert json.load(r)["client_id"] == "ccauth-basic"
    assert_clean(f"{token} {token!r} {client!r}", [token.access_token, BASIC_SECRET])


def test_httpx_sync_and_async_and_requests_get_200(server: Server) -> None:
    client = post_client(server)
    with httpx.Client(auth=client.httpx_auth()) as http:
        assert http.get(server.api).status_code == 200

    async def main() -> int:
        async with httpx.AsyncClient(auth=client.httpx_auth()) as http:
            return (await http.get(server.api)).status_code

    assert asyncio.run(main()) == 200
    assert requests.get(server.api, auth=client.requests_auth(), timeout=5).status_code == 200


def test_httpx_and_requests_transports_fetch_tokens(server: Server) -> None:
    with httpx.Client() as http:
        client = post_client(server, transport=ccauth.HttpxTransport(http))
        assert client.get_token().token_type.lower() == "bearer"
    client = post_client(server, transport=ccauth.RequestsTransport(requests.Session()))
    assert client.get_token().token_type.lower() == "bearer"

    async def main() -> str:
        async with httpx.AsyncClient() as http:
            c = post_client(server, async_transport=ccauth.HttpxAsyncTransport(http))
            return (await c.get_token_async()).token_type

    assert asyncio.run(main()).lower() == "bearer"


def test_wrong_secret_is_an_oauth_error_carrying_invalid_client(server: Server) -> None:
    client = ccauth.ClientCredentials(
        server.token_endpoint, "ccauth-post", auth=post_auth("wrong-secret-value")
    )
    with pytest.raises(ccauth.OAuthError) as caught:
        client.get_token()
    e = caught.value
    assert (e.code, e.error, e.status) == ("TOKEN_ENDPOINT_ERROR", "invalid_client", 401)
    assert isinstance(e, ccauth.Error) and not e.retryable
    assert_clean(printed(e), ["wrong-secret-value"])
    # A permanent failure is remembered (cool-down): the next call does not hit the server again.
    before = server.token_requests("ccauth-post")
    with pytest.raises(ccauth.OAuthError):
        client.get_token()
    assert server.token_requests("ccauth-post") == before


def test_unreachable_endpoint_is_a_transport_error() -> None:
    # Port 9 on loopback (discard) is closed here: connection refused.
    client = ccauth.ClientCredentials(
        "http://127.0.0.1:9/token", "c", "transport-secret-1", retry=ccauth.RetryPolicy(max_attempts=1)
    )
    with pytest.raises(ccauth.TransportError) as caught:
        client.get_token()
    assert caught.value.code == "TRANSPORT_ERROR"
    assert_clean(printed(caught.value), ["transport-secret-1"])


def test_export_import_moves_the_token_without_a_request(server: Server) -> None:
    first = post_client(server)
    token = first.get_token()
    document = first.export_token()
    assert document is not None
    second = post_client(server)
    before = server.token_requests("ccauth-post")
    assert second.import_token(document).access_token == token.access_token
    assert requests.get(server.api, auth=second.requests_auth(), timeout=5).status_code == 200
    assert server.token_requests("ccauth-post") == before
    with pytest.raises(ccauth.TokenDocumentError):
        second.import_token("{}")


@pytest.mark.parametrize("library", ["httpx", "requests"])
def test_invalid_token_401_drops_the_token_and_retries_once(server: Server, library: str) -> None:
    client = post_client(server)
    client.get_token()
    document = json.loads(client.export_token() or "{}")
    document["access_token"] = "revoked-or-forged-token"
    victim = post_client(server)
    victim.import_token(json.dumps(document))
    before = server.token_requests("ccauth-post")
    if library == "httpx":
        status = httpx.get(server.api, auth=victim.httpx_auth()).status_code
    else:
        status = requests.get(server.api, auth=victim.requests_auth(), timeout=5).status_code
    assert status == 200, "retried with a fresh token"
    assert server.token_requests("ccauth-post") - before == 1
    assert victim.get_token().access_token != "revoked-or-forged-token"


@pytest.mark.parametrize("library", ["httpx", "requests"])
def test_concurrent_401s_for_one_rejected_token_are_all_resent(server: Server, library: str) -> None:
    """Many calls in flight with a token the API rejects: the first 401 drops
    it, the others find it already gone; every one must still be resent with
    the single new token (not returned as a 401)."""
    client = post_client(server)
    client.get_token()
    document = json.loads(client.export_token() or "{}")
    document["access_token"] = "revoked-or-forged-token"
    victim = post_client(server)
    victim.import_token(json.dumps(document))
    before = server.token_requests("ccauth-post")
    barrier = threading.Barrier(20)
    statuses: List[int] = []
    http = httpx.Client(auth=victim.httpx_auth(), timeout=10)
    session = requests.Session()

    def call() -> None:
        barrier.wait(10)
        if library == "httpx":
            statuses.append(http.get(server.api).status_code)
        else:
            statuses.append(session.get(server.api, auth=victim.requests_auth(), timeout=10).status_code)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    http.close()
    session.close()
    assert statuses == [200] * 20, statuses
    assert server.token_requests("ccauth-post") - before == 1


def short_client(server: Server) -> ccauth.ClientCredentials:
    return ccauth.ClientCredentials(server.token_endpoint, "ccauth-short", SHORT_SECRET, scopes=["api.read"])


def test_200_threads_share_one_token_request_per_refresh(server: Server) -> None:
    client = short_client(server)
    before = server.token_requests("ccauth-short")
    start = threading.Barrier(200)
    errors: List[BaseException] = []
    served = [0]
    lock = threading.Lock()
    end = time.monotonic() + 8

    def worker() -> None:
        try:
            start.wait()
            first = True
            while first or time.monotonic() < end:
                token = client.get_token()
                assert not token.is_expired(time.time_ns() // 1_000_000)
                with lock:
                    served[0] += 1
                if first:
                    first = False
                    time.sleep(0.5)  # the first wave is counted alone below
                time.sleep(0.01)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(200)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    first_wave = server.token_requests("ccauth-short") - before
    for t in threads:
        t.join(30)
    assert not errors, errors[:3]
    fetches = server.token_requests("ccauth-short") - before
    print(f"[single-flight/python threads] {served[0]} tokens served in ~8 s with short tokens: {fetches} token requests")
    assert first_wave == 1, "the first 200 callers share one fetch"
    assert 2 <= fetches <= 8, fetches


def test_200_asyncio_tasks_share_one_token_request_per_refresh(server: Server) -> None:
    client = short_client(server)
    before = server.token_requests("ccauth-short")

    async def main() -> int:
        tokens = await asyncio.gather(*(client.get_token_async() for _ in range(200)))
        assert len({t.access_token for t in tokens}) == 1
        first_wave = server.token_requests("ccauth-short") - before
        assert first_wave == 1, "the first 200 tasks share one fetch"
        served = 200
        end = time.monotonic() + 8
        async with httpx.AsyncClient(auth=client.httpx_auth()) as http:
            while time.monotonic() < end:
                statuses = await asyncio.gather(*(http.get(server.api) for _ in range(200)))
                refused = {(r.status_code, r.headers.get("www-authenticate")) for r in statuses if r.status_code != 200}
                assert not refused, refused
                served += 200
                await asyncio.sleep(0.1)
        return served

    served = asyncio.run(main())
    fetches = server.token_requests("ccauth-short") - before
    print(f"[single-flight/python asyncio] {served} authorized calls in ~8 s with short tokens: {fetches} token requests")
    assert 2 <= fetches <= 8, fetches


def test_proactive_refresh_replaces_an_idle_clients_token_before_expiry(server: Server) -> None:
    """Short tokens (5 s): with ``proactive_refresh`` the timer refreshes at
    the core's refresh time though nobody asks; after ``close()`` it does not."""
    with ccauth.ClientCredentials(
        server.token_endpoint, "ccauth-short", SHORT_SECRET, scopes=["api.read"], proactive_refresh=True
    ) as client:
        first = client.get_token()
        before = server.token_requests("ccauth-short")
        sleep_until(first.refresh_at_ms + 500)  # idle: no caller
        assert time.time_ns() // 1_000_000 < first.expires_at_ms
        assert server.token_requests("ccauth-short") - before == 1, "one refresh, by the timer"
        document = json.loads(client.export_token() or "{}")
        assert document["access_token"] != first.access_token, "replaced before expiry"
    second = client.get_token()  # from the cache: closing does not stop the client
    assert second.access_token == document["access_token"]
    sleep_until(second.refresh_at_ms + 500)
    assert server.token_requests("ccauth-short") - before == 1, "no refresh after close()"


def test_proactive_refresh_on_the_asyncio_side(server: Server) -> None:
    def timer_threads() -> int:
        return sum(t.name == "ccauth-refresh-timer" for t in threading.enumerate())

    threads = timer_threads()

    async def main() -> None:
        async with ccauth.ClientCredentials(
            server.token_endpoint, "ccauth-short", SHORT_SECRET, scopes=["api.read"], proactive_refresh=True
        ) as client:
            first = await client.get_token_async()
            before = server.token_requests("ccauth-short")
            await asyncio.sleep(max(0.0, (first.refresh_at_ms + 500) / 1000 - time.time()))
            assert server.token_requests("ccauth-short") - before == 1, "one refresh, by the asyncio task"
            assert json.loads(client.export_token() or "{}")["access_token"] != first.access_token
            assert timer_threads() <= threads, "a task, not a thread"

    asyncio.run(main())


def sleep_until(unix_ms: int) -> None:
    time.sleep(max(0.0, unix_ms / 1000 - time.time()))
