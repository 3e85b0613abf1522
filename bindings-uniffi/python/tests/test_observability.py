"""Observability against the local authorization server: lifecycle events in
the ``ccauth`` logger and the ``on_event`` listener, ``stats()``,
``reset_failure()`` and the cool-down error; retries with the server's
request ids (a proxy in front of the real server answers 503 first).

Every test runs under :class:`Observer`, which logs ``ccauth`` at DEBUG and
keeps every formatted log line and its ``extra`` dict, every event, every
``stats()`` and every error; at teardown it fails the test when any of them
shows a client secret, an access token or a client assertion that crossed
the wire (its transports and the proxy record them all), or anything shaped
like a JWT."""

from __future__ import annotations

import asyncio
import base64
import http.server
import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Iterator, List, Optional, Set, Tuple

import httpx
import pytest
import requests

import ccauth
from conftest import Server
from server_clients import BASIC_SECRET, POST_SECRET, post_auth
from vector_cases import VECTORS, printed

WRONG_SECRET = "wrong-secret-value-0123"


class Observer(logging.Handler):
    """Everything a client shows (logs, events, stats, errors) and every
    secret that crossed the wire, for the hygiene check at teardown."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        self.records: List[logging.LogRecord] = []
        self.events: List[ccauth.LifecycleEvent] = []
        self.shown: List[str] = []
        self.secrets: Set[str] = {POST_SECRET, BASIC_SECRET, WRONG_SECRET}

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.shown.append(f"{self.format(record)} {getattr(record, 'ccauth_event', None)!r} {record.__dict__!r}")

    def on_event(self, event: ccauth.LifecycleEvent) -> None:
        self.events.append(event)
        self.shown.append(f"{event} {event!r} {event.to_dict()!r}")

    def stats(self, client: ccauth.ClientCredentials) -> ccauth.TokenStats:
        stats = client.stats()
        self.shown.append(repr(stats))
        return stats

    def error(self, error: BaseException) -> None:
        self.shown.append(printed(error))

    def saw_request(self, headers: Any, body: bytes) -> None:
        """Keeps the credentials of a token request: Basic's, the form's secret, a client assertion."""
        for name, value in headers:
            if name.lower() == "authorization" and value.startswith("Basic "):
                self.secrets.add(value[6:])
                self.secrets.update(base64.b64decode(value[6:]).decode().split(":", 1))
        for name, values in urllib.parse.parse_qs(body.decode(errors="replace")).items():
            if name in ("client_secret", "client_assertion"):
                self.secrets.update(values)

    def saw_reply(self, body: bytes) -> None:
        try:
            token = json.loads(body).get("access_token")
        except (ValueError, AttributeError):
            return
        if isinstance(token, str):
            self.secrets.add(token)

    def transport(self, inner: Any = None) -> Any:
        """A transport that records what crosses it (default: urllib's)."""
        observer, inner = self, inner if inner is not None else ccauth.UrllibTransport()

        class Recording:
            def send(self, method: str, url: str, headers: Any, body: bytes, timeout_ms: int, *, max_bytes: int) -> ccauth.HttpReply:
                observer.saw_request(headers, body)
                reply: ccauth.HttpReply = inner.send(method, url, headers, body, timeout_ms, max_bytes=max_bytes)
                observer.saw_reply(reply.body)
                return reply

        return Recording()

    def assert_clean(self) -> None:
        text = "\n".join(self.shown)
        for secret in self.secrets:
            if len(secret) >= 8:
                assert secret not in text, f"a secret or token is shown: …{secret[:4]}…"
        assert "eyJ" not in text, "something JWT-shaped is shown"


@pytest.fixture()
def observer() -> Iterator[Observer]:
    logger = logging.getLogger("ccauth")
    o = Observer()
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(o)
    try:
        yield o
    finally:
        logger.removeHandler(o)
        logger.setLevel(level)
    assert len(o.shown) > 0
    o.assert_clean()


class Proxy:
    """A token endpoint on 127.0.0.1 in front of the real one: answers
    ``fail`` 503s first (``X-Request-Id: flaky-n``, ``Retry-After: 0``), then
    forwards (``X-Request-Id: proxied-n`` added); with ``accept`` set, the
    server takes that secret for the real one (the operator fixed it)."""

    def __init__(self, upstream: str, observer: Observer) -> None:
        self.upstream, self.observer = upstream, observer
        self.fail = 0
        self.accept: Optional[str] = None
        self.seen = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                proxy.observer.saw_request(list(self.headers.items()), body)
                proxy.seen += 1
                n = proxy.seen
                if proxy.fail > 0:
                    proxy.fail -= 1
                    data = b'{"error":"temporarily_unavailable"}'
                    self.answer(503, [("Retry-After", "0"), ("X-Request-Id", f"flaky-{n}")], data)
                    return
                if proxy.accept is not None:
                    body = body.replace(urllib.parse.quote_plus(proxy.accept).encode(), urllib.parse.quote_plus(POST_SECRET).encode())
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
                request = urllib.request.Request(proxy.upstream, data=body, headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(request, timeout=10) as r:
                        status, reply_headers, data = r.status, list(r.headers.items()), r.read()
                except urllib.error.HTTPError as e:
                    status, reply_headers, data = e.code, list(e.headers.items()), e.read()
                proxy.observer.saw_reply(data)
                kept = [(k, v) for k, v in reply_headers if k.lower() not in ("content-length", "connection", "transfer-encoding")]
                self.answer(status, [*kept, ("X-Request-Id", f"proxied-{n}")], data)

            def answer(self, status: int, headers: List[Tuple[str, str]], data: bytes) -> None:
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/token"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def proxy(server: Server, observer: Observer) -> Iterator[Proxy]:
    p = Proxy(server.token_endpoint, observer)
    yield p
    p.close()


def names(events: List[ccauth.LifecycleEvent]) -> List[str]:
    return [e.event for e in events]


def test_a_fetch_is_two_events_in_the_log_and_the_listener_and_cache_hits_none(server: Server, observer: Observer) -> None:
    client = ccauth.ClientCredentials(
        server.token_endpoint, "ccauth-post", auth=post_auth(POST_SECRET), scopes=["api.read"],
        transport=observer.transport(), on_event=observer.on_event,
    )
    token = client.get_token()
    assert names(observer.events) == ["fetch_started", "fetch_succeeded"]
    started, succeeded = observer.events
    assert (started.reason, started.attempt, started.ticket) == ("cold", 1, succeeded.ticket)
    assert succeeded.duration_ms is not None and succeeded.lifetime_ms == 300_000
    assert succeeded.expires_at_ms == int(token.expires_at.timestamp() * 1000)
    assert succeeded.expiry_source == "expires_in" and succeeded.token_id and len(succeeded.token_id) == 16
    with pytest.raises(AttributeError):  # immutable
        succeeded.token_id = "x"  # type: ignore[misc]
    # The log: INFO, one line, the event in `extra`.
    logged = [r for r in observer.records if hasattr(r, "ccauth_event")]
    assert [(r.levelno, r.ccauth_event["event"]) for r in logged] == [
        (logging.INFO, "fetch_started"), (logging.INFO, "fetch_succeeded"),
    ]
    line = logged[1].getMessage()
    assert line.startswith(f"ccauth fetch_succeeded key={succeeded.key} ticket={succeeded.ticket} attempt=1 duration_ms=")
    assert f"token_id={succeeded.token_id}" in line and "\n" not in line
    assert logged[1].ccauth_event == succeeded.to_dict()
    # Served from the cache: no event, no log line; counted in stats().
    for _ in range(5):
        client.get_token()
        client.authorization_header()
    assert len(observer.events) == 2 and len(logged) == len([r for r in observer.records if hasattr(r, "ccauth_event")])
    stats = observer.stats(client)
    assert (stats.tokens_served, stats.fetches, stats.fetch_successes, stats.attempt_failures) == (11, 1, 1, 0)
    assert stats.token_id == succeeded.token_id and stats.key == succeeded.key
    assert stats.token_expires_at_ms == succeeded.expires_at_ms and stats.cooldown_until_ms is None
    assert observer.stats(client).tokens_served == 11, "reading stats serves no token"
    assert not client.reset_failure(), "nothing to reset"


def test_wrong_secret_fails_at_error_level_then_reset_failure_fetches_at_once(
    server: Server, observer: Observer, proxy: Proxy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="ccauth")
    client = ccauth.ClientCredentials(proxy.url, "ccauth-post", auth=post_auth(WRONG_SECRET), on_event=observer.on_event)
    with pytest.raises(ccauth.OAuthError) as caught:
        client.get_token()
    first = caught.value
    observer.error(first)
    assert (first.code, first.error, first.status) == ("TOKEN_ENDPOINT_ERROR", "invalid_client", 401)
    assert names(observer.events) == ["fetch_started", "fetch_failed"]
    failed = observer.events[1]
    assert (failed.code, failed.error, failed.status, failed.retryable) == ("TOKEN_ENDPOINT_ERROR", "invalid_client", 401, False)
    assert failed.trace_ids == (f"x-request-id=proxied-{proxy.seen}",), "the server's request id, from the response headers"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "ccauth"]
    assert len(errors) == 1 and errors[0].getMessage().startswith("ccauth fetch_failed key=")
    assert "error=invalid_client" in errors[0].getMessage() and "trace_ids=x-request-id=proxied-" in errors[0].getMessage()
    # The cool-down: no request, and the error says until when and how to end it.
    assert first.cooldown_until == failed.until_ms
    seen = proxy.seen
    with pytest.raises(ccauth.OAuthError) as caught:
        client.get_token()
    again = caught.value
    observer.error(again)
    assert proxy.seen == seen
    assert again.cooldown_until == failed.until_ms and again.error == "invalid_client"
    assert "served from the cool-down until 20" in str(again) and "reset_failure() retries at once" in str(again)
    assert again.args == (again.message,) and "cooldown_until=" in repr(again)
    stats = observer.stats(client)
    assert (stats.fetch_failures, stats.cooldown_until_ms, stats.last_error_code) == (1, failed.until_ms, "TOKEN_ENDPOINT_ERROR")
    # The operator fixes the secret on the server; reset_failure() fetches at once.
    proxy.accept = WRONG_SECRET
    assert client.reset_failure()
    assert not client.reset_failure()
    assert names(observer.events)[2:] == ["failure_reset"]
    token = client.get_token()
    observer.secrets.add(token.access_token)
    assert names(observer.events)[2:] == ["failure_reset", "fetch_started", "fetch_succeeded"]
    assert proxy.seen == seen + 1
    stats = observer.stats(client)
    assert (stats.fetch_failures, stats.fetch_successes, stats.cooldown_until_ms) == (1, 1, None)
    assert [r.levelno for r in caplog.records if hasattr(r, "ccauth_event")] == [
        logging.INFO, logging.ERROR, logging.INFO, logging.INFO, logging.INFO,
    ]


@pytest.mark.parametrize("library", ["urllib", "httpx", "requests"])
def test_retries_carry_the_server_request_ids_at_warning(observer: Observer, proxy: Proxy, library: str) -> None:
    transport: Any = None
    if library == "httpx":
        transport = ccauth.HttpxTransport(httpx.Client())
    elif library == "requests":
        transport = ccauth.RequestsTransport(requests.Session())
    proxy.fail = 2
    client = ccauth.ClientCredentials(
        proxy.url, "ccauth-post", auth=post_auth(POST_SECRET), transport=transport, on_event=observer.on_event
    )
    observer.secrets.add(client.get_token().access_token)
    assert names(observer.events) == [
        "fetch_started", "retry_scheduled", "fetch_started", "retry_scheduled", "fetch_started", "fetch_succeeded",
    ]
    retries = [e for e in observer.events if e.event == "retry_scheduled"]
    assert [e.trace_ids for e in retries] == [("x-request-id=flaky-1",), ("x-request-id=flaky-2",)]
    assert [(e.status, e.attempt, e.retryable) for e in retries] == [(503, 1, True), (503, 2, True)]
    assert all(e.delay_ms is not None and e.until_ms == e.at_ms + e.delay_ms for e in retries)
    assert [e.reason for e in observer.events if e.event == "fetch_started"] == ["cold", "retry", "retry"]
    warnings = [r for r in observer.records if r.levelno == logging.WARNING]
    assert [r.getMessage().split()[1] for r in warnings] == ["retry_scheduled", "retry_scheduled"]
    stats = observer.stats(client)
    assert (stats.fetches, stats.attempt_failures, stats.fetch_successes, stats.fetch_failures) == (3, 2, 1, 0)


def test_an_api_401_a_drop_and_a_revocation_are_token_invalidated(server: Server, observer: Observer) -> None:
    def client() -> ccauth.ClientCredentials:
        return ccauth.ClientCredentials(
            server.token_endpoint, "ccauth-dpop", "dpop-secret-0123456789", scopes=["api.read"],
            revocation_endpoint=server.issuer + "/token/revocation", transport=observer.transport(), on_event=observer.on_event,
        )

    first = client()
    first.get_token()
    document = json.loads(first.export_token() or "{}")
    document["access_token"] = forged = "forged-token-0123456789"
    observer.secrets.add(forged)
    victim = client()
    victim.import_token(json.dumps(document))
    del observer.events[:]
    with httpx.Client(auth=victim.httpx_auth()) as http:
        assert http.get(server.api).status_code == 200, "resent with a fresh token"
    assert names(observer.events) == ["token_invalidated", "fetch_started", "fetch_succeeded"]
    assert (observer.events[0].reason, observer.events[1].reason) == ("api_401", "invalidated")
    assert victim.invalidate(victim.get_token())
    assert (names(observer.events)[-1], observer.events[-1].reason) == ("token_invalidated", "user")
    victim.get_token()
    victim.revoke()
    assert [e.reason for e in observer.events if e.event == "token_invalidated"] == ["api_401", "user", "revoked"]
    assert observer.stats(victim).invalidations == 3


def test_the_asyncio_side_and_jwt_client_authentication(server: Server, observer: Observer) -> None:
    key = ccauth.PrivateKey.parse((VECTORS / "keys" / "p256.jwk.json").read_text())
    client = ccauth.ClientCredentials(
        server.token_endpoint, "ccauth-es256", auth=ccauth.ClientAuth.PRIVATE_KEY_JWT(key=key), scopes=["api.read"],
        transport=observer.transport(), on_event=observer.on_event,
    )

    async def main() -> str:
        token = await client.get_token_async()
        await client.get_token_async()
        return token.access_token

    asyncio.run(main())
    assert names(observer.events) == ["fetch_started", "fetch_succeeded"]
    assert any(len(s) > 100 for s in observer.secrets), "the client assertion was recorded"
    assert observer.stats(client).tokens_served == 2


def test_a_listener_that_raises_never_breaks_the_token_path(server: Server, observer: Observer) -> None:
    def bad(event: ccauth.LifecycleEvent) -> None:
        raise RuntimeError(f"listener bug {event.event}")

    client = ccauth.ClientCredentials(
        server.token_endpoint, "ccauth-post", auth=post_auth(POST_SECRET), transport=observer.transport(), on_event=bad
    )
    assert client.get_token().token_type.lower() == "bearer"
    said = [r.getMessage() for r in observer.records if r.levelno == logging.WARNING]
    assert said == ["ccauth on_event listener raised RuntimeError (ignored)"] * 2


def test_nothing_is_formatted_when_the_level_is_off(server: Server, observer: Observer, monkeypatch: pytest.MonkeyPatch) -> None:
    from ccauth import _events

    calls: List[Any] = []

    def log_line(fields: Any) -> str:
        calls.append(fields)
        return "x"

    monkeypatch.setattr(_events, "log_line", log_line)
    logging.getLogger("ccauth").setLevel(logging.WARNING)
    client = ccauth.ClientCredentials(
        server.token_endpoint, "ccauth-post", auth=post_auth(POST_SECRET), transport=observer.transport()
    )
    client.get_token()
    observer.stats(client)
    assert calls == [] and observer.records == []


def test_one_fetch_for_a_hundred_threads_is_two_events_in_order(server: Server, observer: Observer) -> None:
    client = ccauth.ClientCredentials(
        server.token_endpoint, "ccauth-post", auth=post_auth(POST_SECRET), scopes=["api.read"],
        transport=observer.transport(), on_event=observer.on_event,
    )
    barrier = threading.Barrier(100)

    def worker() -> None:
        barrier.wait()
        client.authorization_header()

    threads = [threading.Thread(target=worker) for _ in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert names(observer.events) == ["fetch_started", "fetch_succeeded"]
    stats = observer.stats(client)
    assert (stats.fetches, stats.tokens_served) == (1, 100)


def test_a_listener_may_call_back_into_the_client(server: Server, observer: Observer) -> None:
    seen: List[Tuple[str, int]] = []

    def listener(event: ccauth.LifecycleEvent) -> None:
        observer.on_event(event)
        if event.event == "fetch_succeeded":
            seen.append((client.get_token().token_type, client.stats().fetch_successes))
            client.reset_failure()

    client = ccauth.ClientCredentials(
        server.token_endpoint, "ccauth-post", auth=post_auth(POST_SECRET), transport=observer.transport(), on_event=listener
    )
    client.get_token()
    assert seen == [("Bearer", 1)] and names(observer.events) == ["fetch_started", "fetch_succeeded"]
