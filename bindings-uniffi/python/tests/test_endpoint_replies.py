"""The endpoint reply vectors (tests/vectors/endpoint_replies.json): metadata,
introspection and revocation answers through the package's sans-IO parsers."""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

import ccauth
from vector_cases import VECTORS

CASES = json.loads((VECTORS / "endpoint_replies.json").read_text())["cases"]
CONFIG = {"token_endpoint": "https://as.example.com/token", "client_id": "client", "client_secret": "vector-secret-1"}
NOW = 1_700_000_000_000


def run(case: Dict[str, Any]) -> Dict[str, Any]:
    r = case["response"]
    args = (r["status"], [tuple(h) for h in r["headers"]], r["body"], NOW)
    if case["endpoint"] == "metadata":
        m = ccauth.parse_metadata_response(case["issuer"], *args)
        keys = ("token_endpoint", "token_endpoint_auth_methods_supported", "revocation_endpoint", "introspection_endpoint")
        return {k: m.get(k) for k in keys}
    if case["endpoint"] == "introspection":
        i = ccauth.parse_introspection_response(CONFIG, *args)
        return {k: i.get(k) for k in ("active", "client_id", "scope", "exp", "token_type")}
    ccauth.parse_revocation_response(CONFIG, *args)
    return {}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_endpoint_reply(case: Dict[str, Any]) -> None:
    if "expect" in case:
        assert run(case) == case["expect"]
        return
    with pytest.raises(ccauth.Error) as caught:
        run(case)
    for key, value in case["expect_error"].items():
        assert getattr(caught.value, key) == value, key
