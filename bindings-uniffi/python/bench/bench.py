"""ccauth beside msal, authlib, httpx-auth, requests-oauthlib and oauthlib, in one run.

What each table measures (times per operation; ratios are peer time /
ccauth time, > 1: ccauth is faster):

1. **Token fetch through the client** (stubbed transport, no network; every
   stub answers a ~1 KB JSON token with the nine headers a real provider
   sends): request built, "sent", response parsed, token stored in the
   client's cache, the header read. Every library gets a fresh client for each operation, drawn from a
   pool built before the clock starts (a drop-then-fetch loop on one ccauth
   client would measure the core's 1 s spacing of one client's fetches, and
   msal and httpx-auth would answer from their caches).
2. **Sans-IO build + parse**: the token request built and the response
   parsed by the library's pure functions, no client, no cache (ccauth's
   ``build_token_request`` + ``parse_token_response`` over a
   ``PreparedConfig``, the config document read once as oauthlib's client is
   made once; oauthlib's ``prepare_request_body`` + ``parse_request_body_response``).
3. **Hot paths**: the ``Authorization`` header of a cached token, and one
   API call's auth hook with a held Bearer token (httpx: the auth flow up to
   its first request; requests: the auth's ``__call__`` on a prepared request).
4. **200 threads at once with no valid token** against the loopback server
   (token requests counted by the server).
5. **Cold start**, fresh interpreter, median of 7: ``import`` alone, then
   import + the first client (default transport) in one process.
6. **Observability** (issue 16): table 1's fetch and table 3's header with
   no listener (the ``ccauth`` logger at its default WARNING: INFO events
   are not formatted), with an ``on_event`` listener, and with the listener
   and the logger at INFO (a handler that formats each record and drops it).

Run by scripts/bench-python.sh (needs CCAUTH_* from with-auth-server.sh).
``--quick`` runs tables 1-3 only (no server needed).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from typing import Any, Callable, Dict, Iterator, List, Tuple

import httpx
import requests
import requests.adapters

import ccauth

TOKEN_URL = "https://as.example.com/oauth/token"
CLIENT_ID, SECRET = "bench-client", "bench-secret-0123456789"
# A ~1 KB token response, as from a provider issuing JWTs.
ACCESS = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + "a" * 700 + "." + "s" * 170
BODY = json.dumps({"access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600, "scope": "api.read"}).encode()
# The headers of a token endpoint's answer as a provider sends them (Entra-like); every stub answers with them.
JSON = [
    ("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache"), ("Content-Type", "application/json; charset=utf-8"),
    ("Expires", "-1"), ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"), ("x-ms-request-id", "0f2b6b8e-6a1c-1d0e-0000-000000000000"),
    ("Date", "Tue, 01 Dec 2026 10:15:42 GMT"), ("Content-Length", str(len(BODY))),
]
DOCUMENT = {"token_endpoint": TOKEN_URL, "client_id": CLIENT_ID, "client_secret": SECRET, "scopes": ["api.read"]}
API = "https://api.example.com/orders"
TYPED = hasattr(ccauth, "ClientAuth")  # the options of issue 14 (run on the older driver too, for before/after)


def per_call_ns(fn: Callable[[], Any], n: int, repeat: int = 5) -> float:
    """Median over `repeat` runs of the mean time of one call, in ns."""
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter_ns() - t0) / n)
    return statistics.median(runs)


def pooled_ns(make: Callable[[], Any], op: Callable[[Any], Any], n: int, repeat: int = 5) -> float:
    """:func:`per_call_ns` of ``op(fresh)``, each on a fresh object from a pool made before the clock starts."""
    op(make())
    runs = []
    for _ in range(repeat):
        pool = [make() for _ in range(n)]
        it: Iterator[Any] = iter(pool)
        t0 = time.perf_counter_ns()
        for obj in it:
            op(obj)
        runs.append((time.perf_counter_ns() - t0) / n)
        del pool
    return statistics.median(runs)


class StubTransport:
    """ccauth transport answering every token request from memory."""

    def send(self, method: str, url: str, headers: Any, body: bytes, timeout: Any, *, max_bytes: int) -> ccauth.HttpReply:
        return ccauth.HttpReply(200, JSON, BODY)


def client(transport: Any = None, **kw: Any) -> ccauth.ClientCredentials:
    if transport is None:
        transport = StubTransport()
    return ccauth.ClientCredentials(TOKEN_URL, CLIENT_ID, SECRET, transport=transport, **kw)


class StubAdapter(requests.adapters.BaseAdapter):
    """requests adapter answering every request from memory."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        r = requests.Response()
        r.status_code, r._content, r.url, r.request = 200, BODY, request.url, request
        r.headers.update(dict(JSON))
        return r

    def close(self) -> None:
        pass


def stub_session(cls: Any, *args: Any, **kw: Any) -> Any:
    s = cls(*args, **kw)
    s.mount("https://", StubAdapter())
    return s


class MsalHttp:
    """msal's http_client: the tenant's OpenID configuration, then tokens, from memory."""

    class Reply:
        def __init__(self, text: str) -> None:
            self.status_code, self.text, self.headers = 200, text, dict(JSON)

        def raise_for_status(self) -> None:
            pass

    CONFIG = json.dumps({
        "token_endpoint": TOKEN_URL, "authorization_endpoint": "https://as.example.com/oauth/authorize",
        "issuer": "https://as.example.com/tenant/v2.0",
    })

    def get(self, url: str, **kw: Any) -> Reply:
        return self.Reply(self.CONFIG)

    def post(self, url: str, **kw: Any) -> Reply:
        return self.Reply(BODY.decode())

    def close(self) -> None:
        pass


def fetch() -> Dict[str, float]:
    import msal
    from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
    from httpx_auth import OAuth2, OAuth2ClientCredentials
    from oauthlib.oauth2 import BackendApplicationClient
    from requests_oauthlib import OAuth2Session as RoSession

    request = httpx.Request("GET", API)
    mock = httpx.Client(transport=httpx.MockTransport(lambda req: httpx.Response(200, headers=JSON, content=BODY)))

    def httpx_auth_fetch(hx: Any) -> None:
        OAuth2.token_cache.clear()  # the cache is shared by every instance: drop it, the flow fetches
        next(hx.sync_auth_flow(request))

    n = 2000
    return {
        # The header is read, as a caller does (the token string stays in the core until then).
        "ccauth": pooled_ns(lambda: client(scopes=["api.read"]), lambda c: c.get_token().authorization, n),
        "msal": pooled_ns(
            lambda: msal.ConfidentialClientApplication(
                CLIENT_ID, client_credential=SECRET, authority="https://as.example.com/tenant", http_client=MsalHttp(),
                instance_discovery=False,
            ),
            lambda app: app.acquire_token_for_client(["api.read"]),
            n // 4,
        ),
        "authlib": pooled_ns(
            lambda: stub_session(AuthlibSession, CLIENT_ID, SECRET, scope="api.read", token_endpoint=TOKEN_URL, grant_type="client_credentials"),
            lambda s: s.fetch_token(),
            n,
        ),
        "requests-oauthlib": pooled_ns(
            lambda: stub_session(RoSession, client=BackendApplicationClient(client_id=CLIENT_ID), scope=["api.read"]),
            lambda s: s.fetch_token(TOKEN_URL, client_id=CLIENT_ID, client_secret=SECRET),
            n,
        ),
        "httpx-auth": pooled_ns(
            lambda: OAuth2ClientCredentials(TOKEN_URL, CLIENT_ID, SECRET, scope="api.read", client=mock), httpx_auth_fetch, n
        ),
    }


def sansio() -> Dict[str, float]:
    from oauthlib.oauth2 import BackendApplicationClient

    now = time.time_ns() // 1_000_000
    text = BODY.decode()

    if hasattr(ccauth, "PreparedConfig"):
        # The config read once, as oauthlib's client is made once, outside the clock.
        prepared = ccauth.PreparedConfig(DOCUMENT)

        def ours() -> None:
            ccauth.build_token_request(prepared, now_ms=now, entropy=b"e" * 32)
            ccauth.parse_token_response(prepared, 200, JSON, BODY, now)
    elif TYPED:
        def ours() -> None:
            ccauth.build_token_request(DOCUMENT, now_ms=now, entropy=b"e" * 32)
            ccauth.parse_token_response(DOCUMENT, 200, JSON, BODY, now)
    else:
        def ours() -> None:
            ccauth.build_token_request(now_ms=now, entropy=b"e" * 32, **DOCUMENT)
            ccauth.parse_token_response(200, JSON, BODY, now, **DOCUMENT)

    oc = BackendApplicationClient(client_id=CLIENT_ID)

    def oauthlib_pair() -> None:
        oc.prepare_request_body(scope=["api.read"])
        oc.parse_request_body_response(text, scope=["api.read"])

    n = 5000
    return {"ccauth": per_call_ns(ours, n), "oauthlib": per_call_ns(oauthlib_pair, n)}


def hot_path() -> Dict[str, float]:
    from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
    from httpx_auth import OAuth2ClientCredentials
    from oauthlib.oauth2 import BackendApplicationClient
    from requests_oauthlib import OAuth2Session as RoSession

    ours = client()
    ours.get_token()
    authlib = stub_session(AuthlibSession, CLIENT_ID, SECRET, token_endpoint=TOKEN_URL, grant_type="client_credentials")
    authlib.fetch_token()
    auth = authlib.token_auth
    ro = stub_session(RoSession, client=BackendApplicationClient(client_id=CLIENT_ID))
    ro.fetch_token(TOKEN_URL, client_id=CLIENT_ID, client_secret=SECRET)
    mock = httpx.Client(transport=httpx.MockTransport(lambda req: httpx.Response(200, headers=JSON, content=BODY)))
    hx = OAuth2ClientCredentials(TOKEN_URL, CLIENT_ID, SECRET, client=mock)
    hook = ours.httpx_auth()
    request = httpx.Request("GET", API)
    next(hook.sync_auth_flow(request))
    requests_hook = ours.requests_auth()
    prepared = requests.Request("GET", API).prepare()

    def authlib_header() -> None:
        # What authlib's OAuth2Auth does per request: expiry check, then the header.
        auth.ensure_active_token()
        auth.prepare(API, {}, None)

    def authlib_requests_hook() -> None:
        auth(prepared)

    n = 200_000
    return {
        # The Authorization header for one API call, from the cache.
        "ccauth": per_call_ns(ours.authorization_header, n),
        "authlib": per_call_ns(authlib_header, n),
        "requests-oauthlib": per_call_ns(lambda: ro._client.add_token(API, "GET", None, {}), n),
        # The same through an httpx auth flow (header set on an httpx.Request).
        "ccauth (httpx auth flow)": per_call_ns(lambda: next(hook.sync_auth_flow(request)), n // 4),
        "httpx-auth (httpx auth flow)": per_call_ns(lambda: next(hx.sync_auth_flow(request)), n // 4),
        # requests: the auth object called on a prepared request (headers + response hook).
        "ccauth (requests auth)": per_call_ns(lambda: requests_hook(prepared), n // 4),
        "authlib (requests auth)": per_call_ns(authlib_requests_hook, n // 4),
    }


def stats(url: str, client_id: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as r:
        return int(json.load(r)["token_requests_by_client"].get(client_id, 0))


def herd(token_endpoint: str, stats_url: str) -> Dict[str, Tuple[int, float]]:
    """200 threads, no valid token: (token requests the server saw, seconds)."""
    from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
    from httpx_auth import OAuth2, OAuth2ClientCredentials
    from oauthlib.oauth2 import BackendApplicationClient
    from requests_oauthlib import OAuth2Session as RoSession

    cid, secret = "ccauth-post", "post-secret-0123456789"
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # requests-oauthlib: the loopback server is http

    def run(get_header: Callable[[], Any]) -> Tuple[int, float]:
        before = stats(stats_url, cid)
        barrier = threading.Barrier(200)
        errors: List[BaseException] = []

        def worker() -> None:
            try:
                barrier.wait()
                get_header()
            except BaseException as e:  # noqa: BLE001 - counted below
                errors.append(e)

        threads = [threading.Thread(target=worker) for _ in range(200)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        assert not errors, errors[:2]
        return stats(stats_url, cid) - before, elapsed

    if TYPED:
        post = ccauth.ClientAuth.CLIENT_SECRET_POST(secret=ccauth.ClientSecret(secret))
        ours = ccauth.ClientCredentials(token_endpoint, cid, auth=post, scopes=["api.read"])
    else:
        ours = ccauth.ClientCredentials(token_endpoint, cid, secret, auth_method="client_secret_post", scopes=["api.read"])
    authlib = AuthlibSession(cid, secret, scope="api.read", token_endpoint=token_endpoint, grant_type="client_credentials", token_endpoint_auth_method="client_secret_post")
    ro = RoSession(client=BackendApplicationClient(client_id=cid), scope=["api.read"])

    def authlib_header() -> None:
        # The check-then-fetch cache an authlib user writes.
        if not authlib.token or authlib.token.is_expired():
            authlib.fetch_token()

    def ro_header() -> None:
        if not ro.token or ro.token.get("expires_at", 0) < time.time() + 30:
            ro.fetch_token(token_endpoint, client_id=cid, client_secret=secret, include_client_id=True)

    OAuth2.token_cache.clear()
    hx = OAuth2ClientCredentials(token_endpoint, cid, secret, scope="api.read", client=httpx.Client())
    request = httpx.Request("GET", "http://127.0.0.1/")
    return {
        "ccauth": run(ours.authorization_header),
        "authlib": run(authlib_header),
        "requests-oauthlib": run(ro_header),
        "httpx-auth": run(lambda: next(hx.sync_auth_flow(request))),
    }


def fresh_ms(code: str, runs: int = 7) -> float:
    """Median of ``code``'s printed milliseconds over fresh interpreters."""
    out = [float(subprocess.check_output([sys.executable, "-c", code]).decode().split()[-1]) for _ in range(runs)]
    return statistics.median(out)


def cold_start() -> Dict[str, float]:
    timed = "import time; t = time.perf_counter(); {}; print((time.perf_counter() - t) * 1000)"
    first = f"import ccauth; ccauth.ClientCredentials({TOKEN_URL!r}, 'c', 's-0123456789', scopes=['api.read'])"
    return {
        "ccauth": fresh_ms(timed.format("import ccauth")),
        "ccauth (import + first client)": fresh_ms(timed.format(first)),
        "msal": fresh_ms(timed.format("import msal")),
        "authlib": fresh_ms(timed.format("import authlib.integrations.requests_client")),
        "requests-oauthlib": fresh_ms(timed.format("import requests_oauthlib")),
        "httpx-auth": fresh_ms(timed.format("import httpx_auth")),
    }


class DpopStub:
    """ccauth transport answering every token request with a DPoP-bound token."""

    def send(self, method: str, url: str, headers: Any, body: bytes, timeout: Any, *, max_bytes: int) -> ccauth.HttpReply:
        return ccauth.HttpReply(200, JSON, BODY.replace(b'"Bearer"', b'"DPoP"'))


def dpop_per_call() -> Dict[str, float]:
    """The headers of one API call with a DPoP-bound token: a fresh proof each
    time, signed in the core (JWK key) or by a host-signed key (issue 15)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    ecdsa = ec.ECDSA(hashes.SHA256())
    signer = ccauth.Signer(
        "ES256", lambda alg, kid, data: key.sign(data, ecdsa), public_jwk=ccauth.Signer.from_key(key).public_jwk
    )
    rows = {}
    for name, dpop_key in (("ccauth", True), ("ccauth + cryptography key", key), ("ccauth + Signer callback", signer)):
        c = client(DpopStub(), dpop_key=dpop_key)
        assert c.get_token().token_type == "DPoP"
        rows[name] = per_call_ns(lambda c=c: c.authorization_headers("GET", API), 20_000)
    rows["cryptography ECDSA P-256 sign alone"] = per_call_ns(lambda: key.sign(b"x" * 300, ecdsa), 20_000)
    return rows


def observability() -> Dict[str, float]:
    import logging

    class Formatting(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            self.format(record)

    seen: List[Any] = []
    listener = seen.append
    logger = logging.getLogger("ccauth")
    rows: Dict[str, float] = {}
    n = 2000
    for name, kw, level in (
        ("", {}, logging.WARNING),
        (" + on_event", {"on_event": listener}, logging.WARNING),
        (" + on_event + logging INFO", {"on_event": listener}, logging.INFO),
    ):
        handler = Formatting()
        logger.addHandler(handler)
        logger.setLevel(level)
        try:
            rows[f"ccauth{name} (fetch)"] = pooled_ns(lambda kw=kw: client(scopes=["api.read"], **kw), lambda c: c.get_token().authorization, n)
            held = client(**kw)
            held.get_token()
            rows[f"ccauth{name} (header)"] = per_call_ns(held.authorization_header, 200_000)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
        seen.clear()
    return rows


def table(title: str, rows: Dict[str, float], unit: str, scale: float = 1.0) -> None:
    print(f"\n{title}")
    for name, value in rows.items():
        kind = name[name.index("(") :] if "(" in name and not name.startswith("ccauth (import") else ""
        ref = rows.get(f"ccauth {kind}".strip()) or rows["ccauth"]
        print(f"  {name:36} {value / scale:10.2f} {unit}   ratio {value / ref:5.2f}x")


def main() -> None:
    table("1. token fetch through the client (fresh client per fetch, stubbed transport)", fetch(), "µs", 1000)
    table("2. sans-IO build + parse (no client)", sansio(), "µs", 1000)
    table("3. hot paths with a held Bearer token, per API call", hot_path(), "µs", 1000)
    table("3b. DPoP: headers with a fresh proof, per API call (in-core key vs host-signed)", dpop_per_call(), "µs", 1000)
    if hasattr(ccauth, "LifecycleEvent"):
        table("6. observability: fetch and cached header, no listener / on_event / + logging INFO", observability(), "µs", 1000)
    if "--quick" in sys.argv:
        return
    endpoint, stats_url = os.environ["CCAUTH_TOKEN_ENDPOINT"], os.environ["CCAUTH_STATS_URL"]
    print("\n4. 200 threads at once with no valid token (loopback server; token requests it counted)")
    for name, (count, seconds) in herd(endpoint, stats_url).items():
        print(f"  {name:36} {count:4d} token requests in {seconds * 1000:7.1f} ms")
    table("5. cold start (fresh interpreter, median of 7)", cold_start(), "ms")


if __name__ == "__main__":
    main()
