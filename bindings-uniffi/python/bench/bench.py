"""ccauth beside authlib, httpx-auth and requests-oauthlib, in one run.

1. token request + response parse through a stubbed transport (no network);
2. the cached-token hot path (what each library does per API call);
3. 200 threads at once with no valid token, against the loopback server
   (token requests counted by the server);
4. ``import`` time in a fresh interpreter.

Ratios are peer time / ccauth time (> 1: ccauth is faster). Run by
scripts/bench-python.sh (needs CCAUTH_* from with-auth-server.sh).
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
from typing import Any, Callable, Dict, List, Tuple

import httpx
import requests
import requests.adapters

import ccauth

TOKEN_URL = "https://as.example.com/oauth/token"
CLIENT_ID, SECRET = "bench-client", "bench-secret-0123456789"
# A ~1 KB token response, as from a provider issuing JWTs.
ACCESS = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + "a" * 700 + "." + "s" * 170
BODY = json.dumps({"access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600, "scope": "api.read"}).encode()
JSON = [("Content-Type", "application/json")]


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


class StubTransport:
    """ccauth transport answering every token request from memory."""

    def send(self, method: str, url: str, headers: Any, body: bytes, timeout: float, *, max_bytes: int) -> ccauth.HttpReply:
        return ccauth.HttpReply(200, JSON, BODY)


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


def exchange() -> Dict[str, float]:
    from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
    from httpx_auth import OAuth2, OAuth2ClientCredentials
    from oauthlib.oauth2 import BackendApplicationClient
    from requests_oauthlib import OAuth2Session as RoSession

    # Each library's whole fetch: build, send (stubbed), parse, store in its cache.
    client = ccauth.ClientCredentials(TOKEN_URL, CLIENT_ID, SECRET, scopes=["api.read"], transport=StubTransport())
    state = {"token": client.get_token()}

    def ccauth_cycle() -> None:
        client.invalidate(state["token"])  # drop it: the next call fetches
        state["token"] = client.get_token()

    authlib = stub_session(AuthlibSession, CLIENT_ID, SECRET, scope="api.read", token_endpoint=TOKEN_URL, grant_type="client_credentials")
    ro = stub_session(RoSession, client=BackendApplicationClient(client_id=CLIENT_ID), scope=["api.read"])
    mock = httpx.Client(transport=httpx.MockTransport(lambda req: httpx.Response(200, headers=JSON, content=BODY)))
    hx = OAuth2ClientCredentials(TOKEN_URL, CLIENT_ID, SECRET, scope="api.read", client=mock)
    request = httpx.Request("GET", "https://api.example.com/orders")

    def httpx_auth_cycle() -> None:
        OAuth2.token_cache.clear()  # drop it: the auth flow fetches
        next(hx.sync_auth_flow(request))

    n = 3000
    return {
        "ccauth": per_call_ns(ccauth_cycle, n),
        "authlib": per_call_ns(lambda: authlib.fetch_token(), n),
        "requests-oauthlib": per_call_ns(lambda: ro.fetch_token(TOKEN_URL, client_id=CLIENT_ID, client_secret=SECRET), n),
        "httpx-auth": per_call_ns(httpx_auth_cycle, n),
        "httpx-auth (request_new_token only)": per_call_ns(hx.request_new_token, n),
    }


def hot_path() -> Dict[str, float]:
    from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
    from httpx_auth import OAuth2ClientCredentials
    from oauthlib.oauth2 import BackendApplicationClient
    from requests_oauthlib import OAuth2Session as RoSession

    client = ccauth.ClientCredentials(TOKEN_URL, CLIENT_ID, SECRET, transport=StubTransport())
    client.get_token()
    authlib = stub_session(AuthlibSession, CLIENT_ID, SECRET, token_endpoint=TOKEN_URL, grant_type="client_credentials")
    authlib.fetch_token()
    auth = authlib.token_auth
    ro = stub_session(RoSession, client=BackendApplicationClient(client_id=CLIENT_ID))
    ro.fetch_token(TOKEN_URL, client_id=CLIENT_ID, client_secret=SECRET)
    mock = httpx.Client(transport=httpx.MockTransport(lambda req: httpx.Response(200, headers=JSON, content=BODY)))
    hx = OAuth2ClientCredentials(TOKEN_URL, CLIENT_ID, SECRET, client=mock)
    ours = client.httpx_auth()
    request = httpx.Request("GET", "https://api.example.com/orders")

    def authlib_header() -> None:
        # What authlib's OAuth2Auth does per request: expiry check, then the header.
        auth.ensure_active_token()
        auth.prepare("https://api.example.com/orders", {}, None)

    n = 200_000
    return {
        # The Authorization header for one API call, from the cache.
        "ccauth": per_call_ns(client.authorization_header, n),
        "authlib": per_call_ns(authlib_header, n),
        "requests-oauthlib": per_call_ns(lambda: ro._client.add_token("https://api.example.com/orders", "GET", None, {}), n),
        # The same through an httpx auth flow (header set on an httpx.Request).
        "ccauth (httpx auth flow)": per_call_ns(lambda: next(ours.sync_auth_flow(request)), n // 4),
        "httpx-auth (httpx auth flow)": per_call_ns(lambda: next(hx.sync_auth_flow(request)), n // 4),
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


def import_ms() -> Dict[str, float]:
    modules = {
        "ccauth": "ccauth",
        "authlib": "authlib.integrations.requests_client",
        "requests-oauthlib": "requests_oauthlib",
        "httpx-auth": "httpx_auth",
    }
    out = {}
    for name, module in modules.items():
        code = f"import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
        runs = [float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(5)]
        out[name] = statistics.median(runs)
    return out


def table(title: str, rows: Dict[str, float], unit: str, base: str = "ccauth") -> None:
    print(f"\n{title}")
    for name, value in rows.items():
        ref = rows["ccauth (httpx auth flow)"] if "httpx auth flow" in name else rows[base]
        print(f"  {name:36} {value:12.1f} {unit}   ratio {value / ref:5.2f}x")


def main() -> None:
    table("token request + parse (stubbed transport), per fetch", exchange(), "ns")
    table("cached-token hot path, per API call", hot_path(), "ns")
    endpoint, stats_url = os.environ["CCAUTH_TOKEN_ENDPOINT"], os.environ["CCAUTH_STATS_URL"]
    print("\n200 threads at once with no valid token (loopback server; token requests it counted)")
    for name, (count, seconds) in herd(endpoint, stats_url).items():
        print(f"  {name:36} {count:4d} token requests in {seconds * 1000:7.1f} ms")
    table("import time (fresh interpreter, median of 5)", import_ms(), "ms")


if __name__ == "__main__":
    main()
