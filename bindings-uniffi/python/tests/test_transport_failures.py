"""No response: each transport says what kind of failure it was, the
platform's cause, and whether the request had been sent. Against loopback
sockets that refuse, reset, close or stay silent."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from typing import Iterator, Optional, Tuple

import httpx
import pytest
import requests

import ccauth
from conftest import Server
from vector_cases import assert_clean, printed

DRIVERS = ["urllib", "httpx", "httpx-async", "requests"]
SECRET = "transport-secret-2"


def send(driver: str, url: str, timeout_ms: int = 5000) -> ccauth.TransportFailure:
    """A token-request-like POST through ``driver``; the failure it raises."""
    args = ("POST", url, [("Content-Type", "application/x-www-form-urlencoded")], b"grant_type=client_credentials", timeout_ms)
    with pytest.raises(ccauth.TransportFailure) as caught:
        if driver == "urllib":
            ccauth.UrllibTransport().send(*args, max_bytes=1024)
        elif driver == "httpx":
            with httpx.Client() as http:
                ccauth.HttpxTransport(http).send(*args, max_bytes=1024)
        elif driver == "requests":
            ccauth.RequestsTransport(requests.Session()).send(*args, max_bytes=1024)
        else:

            async def main() -> None:
                async with httpx.AsyncClient() as http:
                    await ccauth.HttpxAsyncTransport(http).send(*args, max_bytes=1024)

            asyncio.run(main())
    return caught.value


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def peer(request: pytest.FixtureRequest) -> Iterator[str]:
    """A loopback server that reads each request, then (per the test's
    parameter) resets the connection, closes it, or says nothing."""
    mode: str = request.param
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()
    held = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            conn.settimeout(5)
            data = b""
            while b"grant_type=client_credentials" not in data:
                piece = conn.recv(65536)
                if not piece:
                    break
                data += piece
            if mode == "reset":  # RST: SO_LINGER with a zero timeout
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            elif mode == "close":
                conn.close()
            else:
                held.append(conn)  # silent until the test ends

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/token"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_refused_connection_is_connect_econnrefused_before_sending(driver: str) -> None:
    f = send(driver, f"http://127.0.0.1:{closed_port()}/token")
    assert (f.kind, f.cause, f.request_sent) == ("connect", "ECONNREFUSED", False), vars(f)


@pytest.mark.parametrize("peer", ["reset"], indirect=True)
@pytest.mark.parametrize("driver", DRIVERS)
def test_a_reset_after_the_request_is_reset_econnreset_after_sending(driver: str, peer: str) -> None:
    f = send(driver, peer)
    assert (f.kind, f.cause, f.request_sent) == ("reset", "ECONNRESET", True), vars(f)


@pytest.mark.parametrize("peer", ["close"], indirect=True)
@pytest.mark.parametrize("driver", DRIVERS)
def test_a_connection_closed_without_an_answer_is_a_reset_after_sending(driver: str, peer: str) -> None:
    f = send(driver, peer)
    want = {"urllib": "RemoteDisconnected", "requests": "RemoteDisconnected"}.get(driver, "RemoteProtocolError")
    assert (f.kind, f.cause, f.request_sent) == ("reset", want, True), vars(f)


@pytest.mark.parametrize("peer", ["silent"], indirect=True)
@pytest.mark.parametrize("driver", DRIVERS)
def test_a_silent_server_is_a_timeout_after_sending(driver: str, peer: str) -> None:
    f = send(driver, peer, timeout_ms=300)
    assert (f.kind, f.request_sent) == ("timeout", True), vars(f)
    assert f.cause in ("ReadTimeout", "TimeoutError", "timeout"), vars(f)


@pytest.mark.parametrize("driver", DRIVERS)
def test_tls_to_a_plain_http_server_is_tls_before_sending(driver: str, server: Server) -> None:
    f = send(driver, server.token_endpoint.replace("http://", "https://"))
    assert (f.kind, f.request_sent) == ("tls", False), vars(f)
    assert f.cause, vars(f)


def test_the_client_reports_kind_cause_and_request_sent() -> None:
    client = ccauth.ClientCredentials(
        f"http://127.0.0.1:{closed_port()}/token", "c", SECRET, retry=ccauth.RetryPolicy(max_attempts=1)
    )
    with pytest.raises(ccauth.TransportError) as caught:
        client.get_token()
    e = caught.value
    assert (e.code, e.transport_kind, e.cause, e.request_sent) == ("TRANSPORT_ERROR", "connect", "ECONNREFUSED", False), repr(e)
    assert e.retryable and "ECONNREFUSED" in e.message
    assert_clean(printed(e), [SECRET])


def test_revocation_without_a_server_reports_the_same_fields() -> None:
    url: Optional[str] = f"http://127.0.0.1:{closed_port()}/revoke"
    client = ccauth.ClientCredentials("https://as.example.com/token", "c", SECRET, revocation_endpoint=url)
    token = "some-token-value-" + "1"  # the traceback shows this line: not the value
    with pytest.raises(ccauth.TransportError) as caught:
        client.revoke(token)
    e = caught.value
    got: Tuple[object, ...] = (e.code, e.transport_kind, e.cause, e.request_sent, e.retryable)
    assert got == ("TRANSPORT_ERROR", "connect", "ECONNREFUSED", False, True), repr(e)
    assert_clean(printed(e), [SECRET, token])
