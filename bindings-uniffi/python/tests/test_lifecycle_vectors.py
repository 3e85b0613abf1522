"""The lifecycle vectors through the UniFFI surface the Python driver uses
(ccauth._ffi.TokenLifecycle): the same decisions as the Rust manager, and
the same events (drained after every step, read as the package's
``LifecycleEvent``) and stats."""

from __future__ import annotations

import base64
import json
from typing import Any, Dict, List, Optional

import pytest

import ccauth
from ccauth._events import LifecycleEvent, log_line
from ccauth._ffi import ccauth_ffi as ffi
from vector_cases import DEFAULT, assert_clean, cases

LIFECYCLE = list(cases("lifecycle"))

KINDS = ["ready", "fetch", "refresh_ahead", "wait", "failed"]
VERDICTS = {
    ffi.ApiVerdict.DONE: "done",
    ffi.ApiVerdict.RETRY_WITH_NONCE: "retry_with_nonce",
    ffi.ApiVerdict.RETRY_WITH_NEW_TOKEN: "retry_with_new_token",
}


def decision_fields(d: Any) -> Dict[str, Any]:
    for kind in KINDS:
        if getattr(d, f"is_{kind.upper()}")():
            out: Dict[str, Any] = {"decision": kind}
            if kind in ("ready", "refresh_ahead"):
                out["access_token"] = d.token.access_token()
            if kind == "ready":
                out["ready_from_ms"] = d.valid_from_ms
                out["ready_until_ms"] = d.valid_until_ms
            if kind in ("fetch", "refresh_ahead"):
                out["attempt"] = d.ticket.attempt
                out["_ticket"] = d.ticket.id
            if kind == "wait":
                out["until_ms"] = d.until_ms
                out["wait_ms"] = d.wait_ms
            if kind == "failed":
                out["code"] = d.error.code
            return out
    raise AssertionError(f"unknown decision {d!r}")


def outcome_fields(o: Any) -> Dict[str, Any]:
    if o.is_TOKEN():
        return {"outcome": "token", "access_token": o.token.access_token(), "expires_at_ms": o.info.expires_at_ms}
    if o.is_RETRY_SCHEDULED():
        return {"outcome": "retry_scheduled", "at_ms": o.at_ms, "code": o.error.code}
    if o.is_FAILED():
        return {"outcome": "failed", "until_ms": o.until_ms, "code": o.error.code}
    return {"outcome": "stale"}


def check(want: Dict[str, Any], got: Dict[str, Any], where: str) -> None:
    for key, value in want.items():
        assert got.get(key) == value, f"{where}: {key}: want {value!r}, got {got.get(key)!r} ({got})"


def check_events(want: Optional[List[Dict[str, Any]]], records: List[Any], secrets: List[str], where: str) -> None:
    """The step's events, in order, each matching its listed fields (null:
    absent); no event, in any form it is shown, holds a secret of the case."""
    events = [LifecycleEvent._from_ffi(r) for r in records]
    for e in events:
        assert_clean(f"{e} {e!r} {e.to_dict()} {log_line(e.to_dict())} {records!r}", secrets)
        assert None not in e.to_dict().values(), f"{where}: null field in {e.to_dict()}"
    if want is None:
        return
    got = [e.to_dict() for e in events]
    assert len(got) == len(want), f"{where}: want {len(want)} events, got {got}"
    for w, g in zip(want, got):
        for key, value in w.items():
            if value is None:
                assert key not in g, f"{where}: {key} should be absent in {g}"
            else:
                assert g.get(key) == value, f"{where}: {key}: want {value!r}, got {g.get(key)!r} ({g})"


def secrets_of(case: Dict[str, Any]) -> List[str]:
    """The client secret and every token of 8 characters or more the case's responses carry."""
    out = [case.get("config", DEFAULT).get("client_secret") or ""]
    for step in case["steps"]:
        try:
            body = json.loads(step.get("respond", {}).get("body", ""))
        except ValueError:
            continue
        if isinstance(body, dict) and isinstance(body.get("access_token"), str):
            out.append(body["access_token"])
    return [s for s in out if len(s) >= 8]


def test_the_lifecycle_vectors_are_all_there() -> None:
    assert len(LIFECYCLE) >= 15
    assert sum(i.startswith("lifecycle_api/") for i, _ in LIFECYCLE) >= 7, "tests/vectors/lifecycle_api.json"
    events = [c for i, c in LIFECYCLE if i.startswith("lifecycle_events/")]
    assert len(events) >= 7, "tests/vectors/lifecycle_events.json"
    assert sum("events" in step for c in events for step in c["steps"]) >= 40


@pytest.mark.parametrize("case", [c for _, c in LIFECYCLE], ids=[i for i, _ in LIFECYCLE])
def test_lifecycle_vector(case: Dict[str, Any]) -> None:
    document = json.dumps(case.get("config", DEFAULT))  # the core's config document, as it is
    seed = case.get("seed", 1)
    lifecycle = ffi.TokenLifecycle(document, seed)
    tickets: List[int] = []  # ticket ids in the order handed out (vector ticket n = tickets[n-1])
    secrets = secrets_of(case)
    for i, step in enumerate(case["steps"]):
        where = f"step {i}"
        want = step.get("expect", {})
        now = step.get("now_ms", 0)
        if "poll" in step:
            got = decision_fields(lifecycle.poll(now))
            if "_ticket" in got:
                tickets.append(got["_ticket"])
            check(want, got, where)
        elif "respond" in step or "transport_error" in step or "assertion_source_failed" in step:
            ticket = tickets[step["ticket"] - 1]
            if "assertion_source_failed" in step:
                outcome = lifecycle.assertion_source_failed(ticket, step["assertion_source_failed"]["message"], now)
            elif "respond" in step:
                r = step["respond"]
                body = base64.b64decode(r["body_base64"]) if "body_base64" in r else r.get("body", "").encode()
                headers = [ffi.Header(name=n, value=v) for n, v in r.get("headers", [])]
                outcome = lifecycle.handle_response(ticket, r["status"], headers, body, now)
            else:
                outcome = lifecycle.handle_transport_error(ticket, ffi.TransportKind.CONNECT, "refused", "ECONNREFUSED", False, now)
            check(want, outcome_fields(outcome), where)
        elif "invalidate" in step:
            inv = step["invalidate"]
            check(want, {"dropped": lifecycle.invalidate(inv["token"], inv.get("www_authenticate"))}, where)
        elif "export_import" in step:
            exported = lifecycle.export_token()
            fresh = ffi.TokenLifecycle(document, seed)
            try:
                got = {"access_token": fresh.import_token(exported or "", now).access_token()}
            except ccauth.TokenDocumentError as e:
                got = {"code": e.code}
            check(want, got, where)
        elif "api_response" in step:
            a = step["api_response"]
            v = lifecycle.api_response(
                a["token"], a["url"], a["status"], a.get("www_authenticate"), a.get("dpop_nonce"), a.get("nonce_retried", False)
            )
            check(want, {"verdict": VERDICTS[v]}, where)
        elif "proactive_refresh_at" in step:
            check(want, {"at_ms": lifecycle.proactive_refresh_at()}, where)
        elif "revocation_request" in step:
            try:
                got = {"url": lifecycle.revocation_request(step["revocation_request"]["token"], None, now).url()}
            except ccauth.ConfigError as e:
                got = {"code": e.code, "field": e.field}
            check(want, got, where)
        elif "reset_failure" in step:
            check(want, {"reset": lifecycle.reset_failure(now)}, where)
        elif "stats" in step:
            stats = ccauth.TokenStats._from_ffi(lifecycle.stats(), 0)
            check(want, {name: getattr(stats, name) for name in want}, where)
        else:
            raise AssertionError(f"{where}: unknown step {sorted(step)}")
        check_events(step.get("events"), lifecycle.drain_events(), secrets, where)
