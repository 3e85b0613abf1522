"""What the UniFFI boundary costs from Python, call by call: perf counters
around the generated binding's calls and its marshalling (stubbed data, no
network), to decide the shape of the FFI surface. Medians of 5 runs.

1. the calls one client fetch makes, as the driver makes them;
2. the marshalling alone, through the generated converters (no Rust work):
   what a change of an argument's or a result's type would save;
3. the sans-IO functions: a JSON config document per call, then the
   document read once (``PreparedConfig``), one call per step.

Run by scripts/bench-python.sh after bench.py.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from typing import Any, Callable, Dict, Iterator, List, Tuple

import ccauth
from ccauth import _marshal
from ccauth._ffi import ccauth_ffi as f

TOKEN_URL = "https://as.example.com/oauth/token"
ACCESS = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + "a" * 700 + "." + "s" * 170
BODY = json.dumps({"access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600, "scope": "api.read"}).encode()
SECRET = "bench-secret-0123456789"
DOCUMENT = json.dumps({"token_endpoint": TOKEN_URL, "client_id": "bench-client", "client_secret": SECRET, "scopes": ["api.read"]})
NOW = time.time_ns() // 1_000_000
# A token endpoint's answer as a provider sends it (Entra-like header set).
REPLY_HEADERS = [
    ("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache"), ("Content-Type", "application/json; charset=utf-8"),
    ("Expires", "-1"), ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"), ("x-ms-request-id", "0f2b6b8e-6a1c-1d0e-0000-000000000000"),
    ("Date", "Tue, 01 Dec 2026 10:15:42 GMT"), ("Content-Length", str(len(BODY))),
]


def us(fn: Callable[[], Any], n: int = 3000) -> float:
    fn()
    runs = []
    for _ in range(5):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter_ns() - t0) / n / 1000)
    return statistics.median(runs)


def on_fresh(make: Callable[[], Any], op: Callable[[Any], Any], n: int = 2000) -> float:
    """Times ``op(x)`` on a fresh ``x`` each time (made before the clock starts)."""
    runs = []
    for _ in range(5):
        pool = [make() for _ in range(n)]
        t0 = time.perf_counter_ns()
        for x in pool:
            op(x)
        runs.append((time.perf_counter_ns() - t0) / n / 1000)
    return statistics.median(runs)


def show(title: str, generated: Dict[str, float], ours: Dict[str, float]) -> None:
    width = max(map(len, ours))
    print(f"\n{title}")
    print(f"  {'':{width}}  {'generated':>10}  {'package':>10}")
    for name, value in ours.items():
        print(f"  {name:{width}}  {generated[name]:7.2f} µs  {value:7.2f} µs")


@contextlib.contextmanager
def generated_runtime() -> Iterator[None]:
    """The generated module's own buffer code, as UniFFI wrote it (ccauth._marshal put back)."""
    before = _marshal.swap(dict(_marshal.GENERATED))
    try:
        yield
    finally:
        _marshal.swap(before)


def fetch_calls() -> Dict[str, float]:
    auth = f.ClientAuth.CLIENT_SECRET_BASIC(secret=f.ClientSecret(SECRET))
    config = f.ClientConfig(f.ClientOptions(token_endpoint=TOKEN_URL, client_id="bench-client", auth=auth, scopes=["api.read"]))
    one = [f.Header(name="Content-Type", value="application/json")]
    nine = [f.Header(name=n, value=v) for n, v in REPLY_HEADERS]

    def fetching() -> Tuple[Any, Any]:
        lc = f.TokenLifecycle.with_config(config, 1)
        return lc, lc.poll(NOW).ticket

    def fetched() -> Any:
        lc, ticket = fetching()
        lc.handle_response(ticket.id, 200, one, BODY, NOW)
        return lc

    lc, ticket = fetching()
    outcome = lc.handle_response(ticket.id, 200, one, BODY, NOW)
    token = outcome.token
    rows = {
        "poll -> Fetch (ticket record with its request's values)": on_fresh(lambda: f.TokenLifecycle.with_config(config, 1), lambda x: x.poll(NOW)),
        "handle_response(1 header, 1 KiB) -> Token": on_fresh(fetching, lambda x: x[0].handle_response(x[1].id, 200, one, BODY, NOW)),
        "handle_response(9 headers, 1 KiB) -> Token": on_fresh(fetching, lambda x: x[0].handle_response(x[1].id, 200, nine, BODY, NOW)),
        "token.access_token() -> str": us(token.access_token),
        "token.info() -> TokenInfo (13 fields)": us(token.info),
        "proactive_refresh_at() -> Option<u64> (no timer)": us(lc.proactive_refresh_at),
        "poll -> Ready (token, TokenInfo, window)": us(lambda: lc.poll(NOW)),
        "api_headers(Bearer) -> ApiHeaders": us(lambda: lc.api_headers(token, "GET", "https://api.example.com/x", NOW)),
        "api_response(401, challenge)": us(lambda: lc.api_response("other-token", "https://api.example.com/x", 401, 'Bearer error="invalid_token"', None, False)),
        "drain_events() -> [fetch_started, fetch_succeeded] (21 fields each)": on_fresh(fetched, lambda x: x.drain_events()),
        "drain_events() -> [] (none waiting)": us(lc.drain_events),
        "stats() -> TokenStats (12 fields)": us(lc.stats),
        "ClientConfig(ClientOptions(...)) (once per client)": us(lambda: f.ClientConfig(f.ClientOptions(token_endpoint=TOKEN_URL, client_id="bench-client", auth=auth, scopes=["api.read"])), 300),
        "TokenLifecycle.with_config + seed_entropy (once per client)": us(lambda: f.TokenLifecycle.with_config(config, 1).seed_entropy(b"e" * 32), 1000),
    }

    # The same fetch through the driver, with each lifecycle call timed.
    spans: Dict[str, List[int]] = {}

    class Timed:
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> Any:
            fn = getattr(self._inner, name)

            def timed(*args: Any) -> Any:
                t0 = time.perf_counter_ns()
                try:
                    return fn(*args)
                finally:
                    spans.setdefault(name, []).append(time.perf_counter_ns() - t0)

            return timed

    class Stub:
        def send(self, method: str, url: str, headers: Any, body: bytes, timeout_ms: int, *, max_bytes: int) -> ccauth.HttpReply:
            return ccauth.HttpReply(200, [("Content-Type", "application/json")], BODY)

    n = 2000
    clients = [ccauth.ClientCredentials(TOKEN_URL, "bench-client", SECRET, transport=Stub()) for _ in range(n)]
    for c in clients:
        c._lifecycle = Timed(c._lifecycle)  # type: ignore[assignment]
    t0 = time.perf_counter_ns()
    for c in clients:
        _ = c.get_token().authorization
    rows["the driver: get_token().authorization, fresh client (1 header)"] = (time.perf_counter_ns() - t0) / n / 1000
    for name, values in sorted(spans.items(), key=lambda kv: -sum(kv[1])):
        rows[f"  of which lifecycle.{name}"] = sum(values) / n / 1000
    return rows


def marshalling() -> Dict[str, float]:
    header_records = [f.Header(name=n, value=v) for n, v in REPLY_HEADERS]
    header_text = "".join(f"{n}: {v}\r\n" for n, v in REPLY_HEADERS)
    info = f.TokenInfo(
        token_type="Bearer", authorization_scheme="Bearer", issued_at_ms=NOW, expires_at_ms=NOW + 3_600_000,
        refresh_at_ms=NOW + 3_000_000, expiry_source="expires_in", scope="api.read", refresh_in_ms=None,
        server_date_ms=None, extras_json="{}", deviations=[], has_refresh_token=False, has_id_token=False,
    )
    info_buf = f._UniffiFfiConverterTypeTokenInfo.lower(info)
    info_bytes = bytes(info_buf.data[0 : info_buf.len])
    info_buf.free()

    def lift_info() -> Any:
        stream = f._UniffiRustBufferStream(info_bytes, len(info_bytes))
        return f._UniffiFfiConverterTypeTokenInfo.read(stream)

    rows = {
        "a Rust call with no argument (rustbuffer_alloc(0))": us(lambda: f._UniffiRustBuffer.alloc(0)),
        "RustBuffer in and freed (a str, bytes or record argument; a result)": us(lambda: f._UniffiRustBuffer.alloc(16).free()),
        "lower 1 KiB body as Vec<u8> (alloc + reserve + copy + free)": us(lambda: f._UniffiFfiConverterBytes.lower(BODY).free()),
        "lower 1 KiB body as &[u8] (zero-copy ForeignBytes)": us(lambda: f._UniffiFfiConverterByRefBytes.lower(BODY)),
        "lower 9 headers as [Header] + free": us(lambda: f._UniffiFfiConverterSequenceTypeHeader.lower(header_records).free()),
        "lower the same 9 headers as one str + free": us(lambda: f._UniffiFfiConverterString.lower(header_text).free()),
        "make 9 Header records (driver side)": us(lambda: [f.Header(name=n, value=v) for n, v in REPLY_HEADERS]),
        "lift TokenInfo (13 fields) from bytes": us(lift_info),
        "lift a str field (40 B) from bytes": us(lambda: f._UniffiFfiConverterString.read(f._UniffiRustBufferStream(b"\x00\x00\x00\x28" + b"x" * 40, 44))),
    }
    return rows


def sansio() -> Dict[str, float]:
    headers = [f.Header(name="Content-Type", value="application/json")]
    request = f.build_token_request_at(DOCUMENT, NOW, b"e" * 32, None)
    token = f.parse_token_response(DOCUMENT, 200, headers, BODY, NOW)
    config = f.ClientConfig.from_document(DOCUMENT)
    prepared = ccauth.PreparedConfig(DOCUMENT)
    rows = {
        "validate_config(document) (reads the JSON config)": us(lambda: f.validate_config(DOCUMENT)),
        "build_token_request_at(document) -> TokenRequest": us(lambda: f.build_token_request_at(DOCUMENT, NOW, b"e" * 32, None)),
        "  then method(), url(), headers(), body() (4 calls)": us(lambda: (request.method(), request.url(), request.headers(), request.body())),
        "parse_token_response(document) -> AccessToken": us(lambda: f.parse_token_response(DOCUMENT, 200, headers, BODY, NOW)),
        "  then info() and access_token() (2 calls)": us(lambda: (token.info(), token.access_token())),
        "ccauth.build_token_request + parse_token_response (the package)": us(
            lambda: (
                ccauth.build_token_request(DOCUMENT, now_ms=NOW, entropy=b"e" * 32),
                ccauth.parse_token_response(DOCUMENT, 200, [("Content-Type", "application/json")], BODY, NOW).authorization,
            )
        ),
        "ClientConfig.from_document(document) (once)": us(lambda: f.ClientConfig.from_document(DOCUMENT)),
        "config.token_request() -> TokenRequestParts (1 call)": us(lambda: config.token_request(NOW, b"e" * 32, None)),
        "config.token_response() -> ParsedToken (1 call)": us(lambda: config.token_response(200, headers, BODY, NOW)),
        "the same pair through the package, PreparedConfig": us(
            lambda: (
                ccauth.build_token_request(prepared, now_ms=NOW, entropy=b"e" * 32),
                ccauth.parse_token_response(prepared, 200, [("Content-Type", "application/json")], BODY, NOW).authorization,
            )
        ),
    }
    return rows


def main() -> None:
    sections = [
        ("1. the generated calls of one client fetch (and of the API hook)", fetch_calls),
        ("2. marshalling alone (the converters, no Rust work)", marshalling),
        ("3. sans-IO (a JSON config document per call, then read once)", sansio),
    ]
    print(f"UniFFI from Python, per call (median of 5 runs): the generated runtime, then with ccauth._marshal ({_marshal.INSTALLED=})")
    for title, section in sections:
        with generated_runtime():
            generated = section()
        show(title, generated, section())


if __name__ == "__main__":
    main()
