"""The driver over stubbed transports (no server): what the core decides about
API answers reaches httpx and requests (the DPoP nonce retry, the 401 with a
condemned token, several challenges), assertion source failures, revocation
and introspection through the lifecycle, discovery, and the proactive
refresh timer's life."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
import uuid
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import httpx
import pytest
import requests
import requests.adapters
from requests.structures import CaseInsensitiveDict

import ccauth

TOKEN_URL = "https://as.example.com/token"
API = "https://api.example.com/v1/items"
SECRET = "driver-secret-0123456789"
JSON = [("Content-Type", "application/json")]


class TokenEndpoint:
    """A ccauth transport answering token requests from memory (tok-1, tok-2, …)."""

    def __init__(self, token_type: str = "Bearer", expires_in: int = 3600) -> None:
        self.token_type = token_type
        self.expires_in = expires_in
        self.requests: List[Tuple[str, str]] = []
        self.answers: Dict[str, Tuple[int, bytes]] = {}

    def send(self, method: str, url: str, headers: Any, body: bytes, timeout_ms: int, *, max_bytes: int) -> ccauth.HttpReply:
        self.requests.append((method, url))
        if url in self.answers:
            status, data = self.answers[url]
            return ccauth.HttpReply(status, JSON, data)
        n = sum(u == TOKEN_URL for _, u in self.requests)
        token = {"access_token": f"tok-{n}-0123456789", "token_type": self.token_type, "expires_in": self.expires_in}
        return ccauth.HttpReply(200, JSON, json.dumps(token).encode())

    @property
    def token_requests(self) -> int:
        return sum(u == TOKEN_URL for _, u in self.requests)


Answer = Tuple[int, List[Tuple[str, str]]]
Handler = Callable[[str, Dict[str, str]], Answer]


def proof_nonce(headers: Dict[str, str]) -> Optional[str]:
    proof = headers.get("dpop")
    if proof is None:
        return None
    claims = proof.split(".")[1]
    value: Optional[str] = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4))).get("nonce")
    return value


class Api:
    """The API: ``handler(authorization, headers)`` answers each call; calls are kept."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.calls: List[Dict[str, str]] = []

    def answer(self, headers: Dict[str, str]) -> Answer:
        self.calls.append(headers)
        return self.handler(headers.get("authorization", ""), headers)

    def httpx_client(self, client: ccauth.ClientCredentials) -> httpx.Client:
        def handle(request: httpx.Request) -> httpx.Response:
            status, headers = self.answer({k.lower(): v for k, v in request.headers.items()})
            return httpx.Response(status, headers=headers)

        return httpx.Client(transport=httpx.MockTransport(handle), auth=client.httpx_auth())

    def httpx_async_client(self, client: ccauth.ClientCredentials) -> httpx.AsyncClient:
        def handle(request: httpx.Request) -> httpx.Response:
            status, headers = self.answer({k.lower(): v for k, v in request.headers.items()})
            return httpx.Response(status, headers=headers)

        return httpx.AsyncClient(transport=httpx.MockTransport(handle), auth=client.httpx_auth())

    def session(self) -> requests.Session:
        api = self

        class Adapter(requests.adapters.BaseAdapter):
            def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
                if hasattr(request.body, "__next__"):
                    for _ in request.body:  # type: ignore[union-attr]
                        pass  # a streamed body is used up once sent
                status, headers = api.answer({k.lower(): v for k, v in request.headers.items()})
                r = requests.Response()
                joined: Dict[str, str] = {}
                for name, value in headers:
                    joined[name] = f"{joined[name]}, {value}" if name in joined else value
                r.status_code, r.headers, r._content = status, CaseInsensitiveDict(joined), b""
                r.request, r.url, r.connection = request, request.url or "", self
                return r

            def close(self) -> None:
                pass

        s = requests.Session()
        s.mount("https://api.example.com", Adapter())
        return s


def call(library: str, api: Api, client: ccauth.ClientCredentials, method: str = "GET", body: Any = None) -> int:
    """One API call through ``library``'s hook; its final status."""
    if library == "httpx":
        with api.httpx_client(client) as http:
            return http.request(method, API, content=body).status_code
    if library == "httpx-async":

        async def main() -> int:
            async with api.httpx_async_client(client) as http:
                return (await http.request(method, API, content=body)).status_code

        return asyncio.run(main())
    with api.session() as s:
        return s.request(method, API, data=body, auth=client.requests_auth()).status_code


LIBRARIES = ["httpx", "httpx-async", "requests"]


def dpop_client(endpoint: TokenEndpoint, **kw: Any) -> ccauth.ClientCredentials:
    return ccauth.ClientCredentials(TOKEN_URL, "client", SECRET, dpop_key=True, transport=endpoint, **kw)


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_use_dpop_nonce_401_is_resent_once_with_the_apis_nonce(library: str) -> None:
    nonce = "n-" + uuid.uuid4().hex

    def handler(authorization: str, headers: Dict[str, str]) -> Answer:
        assert authorization.startswith("DPoP tok-1") and "dpop" in headers
        if proof_nonce(headers) != nonce:
            return 401, [("WWW-Authenticate", 'DPoP error="use_dpop_nonce", algs="ES256"'), ("DPoP-Nonce", nonce)]
        return 200, [("DPoP-Nonce", nonce)]

    endpoint = TokenEndpoint("DPoP")
    api = Api(handler)
    client = dpop_client(endpoint)
    assert call(library, api, client) == 200
    assert [proof_nonce(c) for c in api.calls] == [None, nonce], "resent once, with the nonce"
    assert call(library, api, client) == 200
    assert len(api.calls) == 3, "the nonce is remembered: the next call needs no retry"
    assert endpoint.token_requests == 1


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_nonce_retry_is_made_once_only(library: str) -> None:
    def handler(authorization: str, headers: Dict[str, str]) -> Answer:
        fresh = "n-" + uuid.uuid4().hex
        return 401, [("WWW-Authenticate", 'DPoP error="use_dpop_nonce"'), ("DPoP-Nonce", fresh)]

    endpoint = TokenEndpoint("DPoP")
    api = Api(handler)
    assert call(library, api, dpop_client(endpoint)) == 401
    assert len(api.calls) == 2 and endpoint.token_requests == 1


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_challenges_of_several_www_authenticate_headers_are_all_read(library: str) -> None:
    # The nonce request is in the second header: it is only seen if both reach the core.
    nonce = "n-" + uuid.uuid4().hex

    def handler(authorization: str, headers: Dict[str, str]) -> Answer:
        if proof_nonce(headers) == nonce:
            return 200, []
        return 401, [("WWW-Authenticate", 'Basic realm="api"'), ("WWW-Authenticate", 'DPoP error="use_dpop_nonce"'), ("DPoP-Nonce", nonce)]

    api = Api(handler)
    assert call(library, api, dpop_client(TokenEndpoint("DPoP"))) == 200
    assert len(api.calls) == 2


@pytest.mark.parametrize("library", LIBRARIES)
def test_an_invalid_token_401_is_resent_once_with_a_new_token(library: str) -> None:
    def handler(authorization: str, headers: Dict[str, str]) -> Answer:
        if authorization.startswith("Bearer tok-1"):
            return 401, [("WWW-Authenticate", 'Bearer realm="api", error="invalid_token"')]
        return 200, []

    endpoint = TokenEndpoint()
    api = Api(handler)
    client = ccauth.ClientCredentials(TOKEN_URL, "client", SECRET, transport=endpoint)
    assert call(library, api, client) == 200
    assert [c["authorization"][:12] for c in api.calls] == ["Bearer tok-1", "Bearer tok-2"]
    assert endpoint.token_requests == 2
    assert client.get_token().access_token.startswith("tok-2")


@pytest.mark.parametrize("library", LIBRARIES)
def test_an_insufficient_scope_401_keeps_the_token_and_the_response(library: str) -> None:
    def handler(authorization: str, headers: Dict[str, str]) -> Answer:
        return 401, [("WWW-Authenticate", 'Bearer error="insufficient_scope", scope="items.write"')]

    endpoint = TokenEndpoint()
    api = Api(handler)
    client = ccauth.ClientCredentials(TOKEN_URL, "client", SECRET, transport=endpoint)
    assert call(library, api, client) == 401
    assert len(api.calls) == 1 and endpoint.token_requests == 1
    assert client.get_token().access_token.startswith("tok-1")


class Counting:
    """The client's lifecycle with its calls counted by name."""

    def __init__(self, client: ccauth.ClientCredentials) -> None:
        self.inner = client._lifecycle
        self.calls: Dict[str, int] = {}
        client._lifecycle = self  # type: ignore[assignment]

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)

        def counted(*args: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return attr(*args)

        return counted


@pytest.mark.parametrize("library", LIBRARIES)
def test_bearer_headers_are_kept_with_the_token_and_plain_answers_are_not_reported(library: str) -> None:
    """The core says a Bearer token's headers serve every call (reusable) and
    which answers it must see: three 200s cost one api_headers call, no api_response."""
    client = ccauth.ClientCredentials(TOKEN_URL, "client", SECRET, transport=TokenEndpoint())
    counting = Counting(client)
    api = Api(lambda authorization, headers: (200, [("Content-Type", "application/json")]))
    for _ in range(3):
        assert call(library, api, client) == 200
    assert [c["authorization"][:12] for c in api.calls] == ["Bearer tok-1"] * 3
    assert counting.calls.get("api_headers") == 1 and "api_response" not in counting.calls, counting.calls
    assert counting.calls.get("poll") == 1, "the fetch's outcome set the memo: no poll after it"
    client.invalidate(client.get_token())  # the memo goes, its headers with it
    assert call(library, api, client) == 200
    assert api.calls[-1]["authorization"].startswith("Bearer tok-2")
    assert counting.calls["api_headers"] == 2


@pytest.mark.parametrize("library", LIBRARIES)
def test_dpop_headers_are_made_per_call_and_a_nonce_header_is_reported(library: str) -> None:
    nonce = "n-" + uuid.uuid4().hex
    client = dpop_client(TokenEndpoint("DPoP"))
    counting = Counting(client)
    api = Api(lambda authorization, headers: (200, [("dpop-nonce", nonce)]))
    for _ in range(2):
        assert call(library, api, client) == 200
    assert counting.calls["api_headers"] == 2 and api.calls[0]["dpop"] != api.calls[1]["dpop"]
    assert counting.calls["api_response"] == 2, "an answer with a DPoP-Nonce header goes to the core"
    assert proof_nonce(api.calls[1]) == nonce


def test_requests_does_not_resend_a_streamed_body_but_the_core_still_drops_the_token() -> None:
    def handler(authorization: str, headers: Dict[str, str]) -> Answer:
        return 401, [("WWW-Authenticate", 'Bearer error="invalid_token"')]

    def stream() -> Iterator[bytes]:
        yield b"streamed"

    endpoint = TokenEndpoint()
    api = Api(handler)
    client = ccauth.ClientCredentials(TOKEN_URL, "client", SECRET, transport=endpoint)
    assert call("requests", api, client, "POST", stream()) == 401
    assert len(api.calls) == 1
    assert client.get_token().access_token.startswith("tok-2"), "the condemned token was dropped"


def test_a_failing_assertion_source_is_one_report_and_no_request() -> None:
    reads: List[int] = []

    def source() -> str:
        reads.append(1)
        raise OSError("ENOENT: /var/run/secrets/tokens/assertion")

    endpoint = TokenEndpoint()
    client = ccauth.ClientCredentials(
        TOKEN_URL, "client", client_assertion=source, transport=endpoint,
        retry=ccauth.RetryPolicy(max_attempts=1),
    )
    with pytest.raises(ccauth.TransportError) as caught:
        client.get_token()
    e = caught.value
    assert (e.cause, e.request_sent) == ("client_assertion_source", False), repr(e)
    assert "ENOENT: /var/run/secrets/tokens/assertion" in e.message
    assert reads == [1] and endpoint.token_requests == 0


def test_revocation_and_introspection_go_through_the_lifecycle() -> None:
    endpoint = TokenEndpoint()
    endpoint.answers["https://as.example.com/revoke"] = (200, b"")
    endpoint.answers["https://as.example.com/introspect"] = (200, b'{"active": true, "client_id": "client", "exp": 1}')
    client = ccauth.ClientCredentials(
        TOKEN_URL, "client", SECRET, transport=endpoint,
        revocation_endpoint="https://as.example.com/revoke", introspection_endpoint="https://as.example.com/introspect",
    )
    first = client.get_token()
    seen = client.introspect(first)
    assert seen.active and seen.client_id == "client" and seen.exp == 1
    client.revoke()
    assert [r for r in endpoint.requests if r[1] != TOKEN_URL] == [
        ("POST", "https://as.example.com/introspect"), ("POST", "https://as.example.com/revoke"),
    ]
    assert client.get_token().access_token.startswith("tok-2"), "the revoked token was dropped"


def test_revocation_without_an_endpoint_is_the_cores_config_error() -> None:
    endpoint = TokenEndpoint()
    client = ccauth.ClientCredentials(TOKEN_URL, "client", SECRET, transport=endpoint)
    token = client.get_token()
    for act in (lambda: client.revoke(), lambda: client.introspect(token)):
        with pytest.raises(ccauth.ConfigError) as caught:
            act()
        assert caught.value.field in ("revocation_endpoint", "introspection_endpoint"), repr(caught.value)
        assert token.access_token not in f"{caught.value} {caught.value!r}"
    assert endpoint.token_requests == 1 and client.get_token().access_token == token.access_token


def test_an_endpoint_option_is_judged_by_the_core_at_construction() -> None:
    with pytest.raises(ccauth.ConfigError) as caught:
        ccauth.ClientCredentials(TOKEN_URL, "client", SECRET, introspection_endpoint="ftp://as.example.com/x")
    assert caught.value.field == "introspection_endpoint"


def test_discovery_falls_back_to_openid_once_and_the_core_caches_it() -> None:
    issuer = f"https://{uuid.uuid4().hex}.example.com"
    metadata = {
        "issuer": issuer, "token_endpoint": TOKEN_URL, "revocation_endpoint": "https://as.example.com/revoke",
        "introspection_endpoint": "https://as.example.com/introspect",
    }
    endpoint = TokenEndpoint()
    endpoint.answers[f"{issuer}/.well-known/oauth-authorization-server"] = (404, b"{}")
    endpoint.answers[f"{issuer}/.well-known/openid-configuration"] = (200, json.dumps(metadata).encode())
    endpoint.answers["https://as.example.com/revoke"] = (200, b"")
    client = ccauth.ClientCredentials.discover(issuer, "client", SECRET, transport=endpoint)
    assert [u.rsplit("/", 1)[1] for _, u in endpoint.requests] == ["oauth-authorization-server", "openid-configuration"]
    client.revoke(client.get_token())
    assert endpoint.requests[-1] == ("POST", "https://as.example.com/revoke"), "the discovered endpoint"
    again = TokenEndpoint()
    ccauth.ClientCredentials.discover(issuer, "client", SECRET, transport=again)
    assert again.requests == [], "the metadata is the core's, cached per process"


def test_discovery_that_gets_no_answer_is_the_cores_transport_error() -> None:
    class Refusing:
        def send(self, *args: Any, **kwargs: Any) -> ccauth.HttpReply:
            raise ccauth.TransportFailure("connect", "refused", "ECONNREFUSED", False)

    with pytest.raises(ccauth.TransportError) as caught:
        ccauth.ClientCredentials.discover(f"https://{uuid.uuid4().hex}.example.com", "client", SECRET, transport=Refusing())
    assert (caught.value.transport_kind, caught.value.cause) == ("connect", "ECONNREFUSED")


def timers() -> List[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "ccauth-refresh-timer"]


def test_the_proactive_timer_is_one_daemon_thread_stopped_by_close() -> None:
    before = len(timers())
    endpoint = TokenEndpoint()
    with ccauth.ClientCredentials(TOKEN_URL, "client", SECRET, transport=endpoint, proactive_refresh=True) as client:
        client.get_token()
        client.get_token()
        armed = timers()
        assert len(armed) == before + 1 and all(t.daemon for t in armed)
    deadline = time.monotonic() + 5
    while len(timers()) > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(timers()) == before, "close() cancelled it"
    client.get_token()
    assert len(timers()) == before, "a closed client arms no timer"
    plain = ccauth.ClientCredentials(TOKEN_URL, "client", SECRET, transport=TokenEndpoint())
    plain.get_token()
    assert len(timers()) == before, "no timer without proactive_refresh"


def test_the_async_side_arms_an_asyncio_task_cancelled_by_async_with() -> None:
    before = len(timers())

    async def main() -> None:
        async with ccauth.ClientCredentials(TOKEN_URL, "client", SECRET, transport=TokenEndpoint(), proactive_refresh=True) as client:
            await client.get_token_async()
            armed = [t for t in asyncio.all_tasks() if t.get_name() == "ccauth-refresh-timer"]
            assert len(armed) == 1 and len(timers()) == before
        for _ in range(10):
            await asyncio.sleep(0)
        assert armed[0].cancelled()

    asyncio.run(main())


def test_an_asyncio_timer_whose_loop_ends_hands_over_to_a_daemon_thread() -> None:
    before = len(timers())
    client = ccauth.ClientCredentials(TOKEN_URL, "client", SECRET, transport=TokenEndpoint(), proactive_refresh=True)

    async def main() -> None:
        await client.get_token_async()
        assert len(timers()) == before, "an asyncio task while the loop runs"

    asyncio.run(main())  # cancels the loop's remaining tasks
    assert len(timers()) == before + 1
    client.close()
