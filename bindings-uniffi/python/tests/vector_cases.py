"""The shared vectors (tests/vectors/) as calls of the Python API."""

from __future__ import annotations

import base64
import json
import os
import pathlib
import traceback
from typing import Any, Dict, Iterator, List, Tuple

import ccauth

VECTORS = pathlib.Path(__file__).resolve().parents[3] / "tests" / "vectors"
DEFAULT = {"token_endpoint": "https://as.example.com/token", "client_id": "client", "client_secret": "vector-secret-1"}


def cases(kind: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """(id, case) for every case of files ``{kind}_*.json``."""
    for path in sorted(VECTORS.glob(f"{kind}_*.json")):
        for case in json.loads(path.read_text())["cases"]:
            yield f"{path.stem}/{case['name']}", case


def printed(error: BaseException) -> str:
    """Every way an error is shown: str, repr, args, and its traceback with
    the locals of ccauth's own frames (the caller's frames are the caller's)."""
    tb = traceback.TracebackException.from_exception(error, capture_locals=True)
    ours = [f for f in tb.stack if f"{os.sep}ccauth{os.sep}" in f.filename]
    assert ours, "no ccauth frame in the traceback"
    local_text = " ".join(f"{f.name}: {f.locals}" for f in ours)
    plain = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return f"{error} {error!r} {error.args!r} {plain} {local_text}"


def assert_clean(text: str, secrets: List[Any]) -> None:
    for s in secrets:
        if isinstance(s, str) and len(s) >= 8:
            assert s not in text, f"leaks a secret: {text}"


def check(want: Dict[str, Any], key: str, got: Any) -> None:
    if key in want:
        assert got == want[key], f"{key}: want {want[key]!r}, got {got!r}"


def prepared(config: Dict[str, Any], prepare: bool) -> Any:
    """The document, or (``prepare``) the same read once as a ``PreparedConfig``."""
    return ccauth.PreparedConfig(config) if prepare else config


def run_request_case(case: Dict[str, Any], prepare: bool = False) -> None:
    config = case["config"]
    secrets = [config.get("client_secret")]
    if "expect_error" in case:
        want = case["expect_error"]
        try:
            ccauth.build_token_request(prepared(config, prepare))
        except ccauth.ConfigError as e:
            check(want, "code", e.code)
            check(want, "field", e.field)
            assert_clean(printed(e), secrets)
            return
        raise AssertionError(f"want {want['code']}, got no error")
    r = ccauth.build_token_request(prepared(config, prepare))
    want = case["expect"]
    check(want, "method", r.method)
    check(want, "url", r.url)
    check(want, "headers", [list(h) for h in r.headers])
    check(want, "body", r.body.decode())
    assert_clean(repr(r), secrets)


def run_response_case(case: Dict[str, Any], prepare: bool = False) -> None:
    config = case.get("config", DEFAULT)
    res = case["response"]
    body = base64.b64decode(res["body_base64"]) if "body_base64" in res else res.get("body", "").encode()
    headers = [tuple(h) for h in res.get("headers", [])]
    secrets: List[Any] = [config.get("client_secret")]
    if "expect_error" in case:
        want = case["expect_error"]
        try:
            ccauth.parse_token_response(prepared(config, prepare), res["status"], headers, body, case["now_ms"])
        except ccauth.ResponseError as e:
            check(want, "code", e.code)
            check(want, "status", e.status)
            check(want, "error", e.error)
            check(want, "error_description", e.error_description)
            check(want, "error_uri", e.error_uri)
            check(want, "retryable", e.retryable)
            check(want, "retry_after_ms", e.retry_after_ms)
            check(want, "excerpt", e.excerpt)
            check(want, "www_authenticate", [{"scheme": c.scheme, "params": [list(p) for p in c.params]} for c in e.www_authenticate])
            check(want, "extras", e.extras)
            check(want, "dpop_nonce", e.dpop_nonce)
            check(want, "content_type", e.content_type)
            check(want, "body_len", e.body_len)
            assert isinstance(e, ccauth.OAuthError) == (e.code == "TOKEN_ENDPOINT_ERROR")
            try:
                parsed = json.loads(body)
                if res["status"] < 300 and isinstance(parsed.get("access_token"), str):
                    secrets.append(parsed["access_token"])
            except (ValueError, AttributeError):
                pass
            assert_clean(printed(e), secrets)
            return
        raise AssertionError(f"want {want['code']}, got no error")
    t = ccauth.parse_token_response(prepared(config, prepare), res["status"], headers, body, case["now_ms"])
    want = case["expect"]
    check(want, "access_token", t.access_token)
    check(want, "token_type", t.token_type)
    check(want, "authorization_header", t.authorization)
    check(want, "issued_at_ms", t.issued_at_ms)
    check(want, "expires_at_ms", t.expires_at_ms)
    check(want, "expiry_source", t.expiry_source)
    check(want, "refresh_at_ms", t.refresh_at_ms)
    check(want, "scope", t.scope)
    check(want, "refresh_token", t.refresh_token)
    check(want, "id_token", t.id_token)
    check(want, "extra_keys", sorted(t.extras))
    check(want, "deviations", list(t.deviations))
    for at in want.get("at", []):
        assert t.is_expired(at["now_ms"]) == at["is_expired"], at
    secrets += [t.access_token, t.refresh_token, t.id_token]
    assert_clean(f"{t} {t!r}", secrets)
