"""Config errors, redaction and the shape of the public objects (no server)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Callable

import pytest

import ccauth
from vector_cases import assert_clean, printed

SECRET = "config-secret-value-1"
ENDPOINT = "https://as.example.com/token"
DOCUMENT = {"token_endpoint": ENDPOINT, "client_id": "client", "client_secret": SECRET}


def test_a_bad_option_is_a_config_error_naming_it_without_the_secret() -> None:
    with pytest.raises(ccauth.ConfigError) as caught:
        ccauth.ClientCredentials("ftp://as.example.com/token", "client", SECRET)
    e = caught.value
    assert (e.code, e.field) == ("INVALID_TOKEN_ENDPOINT", "token_endpoint")
    assert isinstance(e, ValueError)
    assert_clean(printed(e), [SECRET])


def test_an_auth_that_is_not_a_client_auth_is_a_config_error() -> None:
    with pytest.raises(ccauth.ConfigError) as caught:
        ccauth.ClientCredentials("https://as.example.com/token", "client", auth="client_secret_post")  # type: ignore[arg-type]
    assert caught.value.field == "auth"
    assert "ClientAuth" in caught.value.message


def test_reprs_hold_no_secret() -> None:
    client = ccauth.ClientCredentials("https://as.example.com/token", "client", SECRET, scopes="a b")
    request = ccauth.build_token_request(DOCUMENT)
    token = ccauth.parse_token_response(
        DOCUMENT, 200, [("Content-Type", "application/json")], '{"access_token":"tok-0123456789","token_type":"Bearer","expires_in":60}',
        1_700_000_000_000,
    )
    auth = ccauth.ClientAuth.CLIENT_SECRET_POST(secret=ccauth.ClientSecret(SECRET))
    key = ccauth.PrivateKey.generate_p256(b"k" * 32)
    prepared = ccauth.PreparedConfig(DOCUMENT)
    # What the driver reads a ticket's request through (one call): prints method and URL only.
    parts = ccauth._ffi.ccauth_ffi.ClientConfig.from_document(json.dumps(DOCUMENT)).token_request(0, b"e" * 32, None)
    assert parts.url == request.url and any(h.name == "Authorization" for h in parts.headers)
    text = f"{client!r} {request!r} {token!r} {token} {vars(client)} {auth!r} {auth} {key!r} {key} {prepared!r} {parts!r} {parts}"
    assert_clean(text, [SECRET, "tok-0123456789", "Basic "])
    assert token.expires_at.timestamp() == 1_700_000_060
    assert token.refresh_at_ms == 1_700_000_030_000


def test_a_document_that_is_not_one_is_a_token_document_error() -> None:
    client = ccauth.ClientCredentials("https://as.example.com/token", "client", SECRET)
    with pytest.raises(ccauth.TokenDocumentError) as caught:
        client.import_token('{"version": 99}')
    assert caught.value.code.endswith("TOKEN_DOCUMENT") or "TOKEN_DOCUMENT" in caught.value.code
    assert client.export_token() is None


def test_a_cancelled_fetch_releases_its_ticket_at_once() -> None:
    """A task cancelled mid-fetch must report its ticket: otherwise every other
    caller would wait for the core's 30 s attempt timeout."""
    import asyncio

    body = b'{"access_token":"tok-after-cancel","token_type":"Bearer","expires_in":600}'

    class Transport:
        calls = 0

        async def send(
            self, method: str, url: str, headers: object, body_: bytes, timeout_ms: int, *, max_bytes: int
        ) -> ccauth.HttpReply:
            Transport.calls += 1
            if Transport.calls == 1:
                await asyncio.sleep(3600)  # the first fetch hangs until cancelled
            return ccauth.HttpReply(200, [("Content-Type", "application/json")], body)

    client = ccauth.ClientCredentials(
        "https://as.example.com/token", "client", SECRET, async_transport=Transport()
    )

    async def main() -> str:
        first = asyncio.ensure_future(client.get_token_async())
        await asyncio.sleep(0.05)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        # Without the report this waits 30 s (the attempt timeout); the retry backoff is < 1 s.
        token = await asyncio.wait_for(client.get_token_async(), 5)
        return token.access_token

    assert asyncio.run(main()) == "tok-after-cancel"
    assert Transport.calls == 2




def config_error(call: Callable[[], object]) -> ccauth.ConfigError:
    with pytest.raises(ccauth.ConfigError) as caught:
        call()
    assert_clean(printed(caught.value), [SECRET])
    return caught.value


def test_config_errors_name_the_option() -> None:
    # Generated constructors raise the package's errors too.
    e = config_error(lambda: ccauth.PrivateKey.parse('{"kty": "EC"}'))
    assert (e.code, e.field) == ("INVALID_KEY", "private_key")
    e = config_error(lambda: ccauth.ClientCredentials(ENDPOINT, "client", SECRET, client_assertion=lambda: "x"))
    assert e.field == "client_assertion" and "`client_assertion`" in e.message
    e = config_error(lambda: ccauth.ClientCredentials(ENDPOINT, "client", auth=ccauth.ClientAuth.NONE(), client_assertion=lambda: "x"))
    assert e.field == "client_assertion" and "EXTERNAL_ASSERTION" in e.message
    e = config_error(lambda: ccauth.ClientCredentials(ENDPOINT, "client", auth=ccauth.ClientAuth.EXTERNAL_ASSERTION()))
    assert e.field == "client_assertion"
    e = config_error(lambda: ccauth.ClientCredentials(ENDPOINT, "client"))
    assert e.field == "auth" and "client_secret" in e.message
    e = config_error(
        lambda: ccauth.ClientCredentials(ENDPOINT, "client", SECRET, auth=ccauth.ClientAuth.CLIENT_SECRET_POST(secret=ccauth.ClientSecret(SECRET)))
    )
    assert e.field == "client_secret"
    e = config_error(lambda: ccauth.ClientCredentials(ENDPOINT, "c", auth=ccauth.ClientAuth.CLIENT_SECRET_JWT(secret=ccauth.ClientSecret(SECRET))))
    assert (e.code, e.field) == ("INVALID_KEY", "client_secret")
    # A list option: the position of the bad item.
    e = config_error(lambda: ccauth.ClientCredentials(ENDPOINT, "client", SECRET, scopes=["a", "b c"]))
    assert (e.code, e.field, e.index) == ("INVALID_SCOPE", "scopes", 1)
    assert e.message.startswith("INVALID_SCOPE: invalid `scopes` (item 1): ")


@pytest.mark.parametrize(
    "call",
    [
        lambda: ccauth.ClientCredentials(ENDPOINT, "client", SECRET, scope="api.read"),  # type: ignore[call-arg]
        lambda: ccauth.ClientCredentials.discover("https://as.example.com", "client", SECRET, scope="api.read"),
        lambda: ccauth.build_token_request({**DOCUMENT, "scope": "a"}),
        lambda: ccauth.parse_token_response({**DOCUMENT, "scope": "a"}, 200, [], "{}", 0),
    ],
    ids=["ClientCredentials", "discover", "build_token_request", "parse_token_response"],
)
def test_an_unknown_option_is_refused_with_the_closest_name(call: Callable[[], object]) -> None:
    e = config_error(call)
    assert (e.code, e.field) == ("INVALID_CONFIG_DOCUMENT", "scope")
    assert e.message == "INVALID_CONFIG_DOCUMENT: invalid `scope`: unknown option; did you mean `scopes`?"
    assert isinstance(e, ValueError)


@pytest.mark.parametrize(
    "option, value, hint",
    [("timeout", 10.0, "timeout_ms"), ("auth_method", "client_secret_post", "ClientAuth.CLIENT_SECRET_POST"), ("dpop", True, "dpop_key"),
     ("private_key", "pem", "ClientAuth.PRIVATE_KEY_JWT")],
)
def test_an_option_of_0_1_says_what_it_became(option: str, value: object, hint: str) -> None:
    e = config_error(lambda: ccauth.ClientCredentials(ENDPOINT, "client", SECRET, **{option: value}))
    assert (e.code, e.field) == ("INVALID_CONFIG_DOCUMENT", option)
    assert hint in e.message, e.message


def test_an_unknown_option_with_nothing_close_is_named_alone() -> None:
    e = config_error(lambda: ccauth.ClientCredentials(ENDPOINT, "client", SECRET, colour="blue"))  # type: ignore[call-arg]
    assert (e.field, e.reason) == ("colour", "unknown option")


def test_a_missing_required_option_is_named() -> None:
    e = config_error(lambda: ccauth.ClientCredentials(client_id="client", client_secret=SECRET))  # type: ignore[call-arg]
    assert (e.code, e.field) == ("INVALID_CONFIG_DOCUMENT", "token_endpoint")
    e = config_error(lambda: ccauth.build_token_request({"token_endpoint": ENDPOINT, "client_secret": SECRET}))
    assert e.field == "client_id" and "`client_id`" in e.message


def test_a_bad_enum_value_in_a_document_lists_the_allowed_values() -> None:
    e = config_error(lambda: ccauth.build_token_request({**DOCUMENT, "auth_method": "magic"}))
    assert (e.code, e.field) == ("INVALID_PARAMETER", "auth_method")
    for value in ("client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "tls_client_auth", "none"):
        assert value in e.message
    e = config_error(lambda: ccauth.build_token_request({**DOCUMENT, "body_format": "xml"}))
    assert "form" in e.message and "json" in e.message


def test_every_error_exposes_every_field() -> None:
    fields = (
        "code", "message", "retryable", "status", "error", "error_description", "error_uri", "retry_after_ms",
        "body_kind", "content_type", "body_len", "excerpt", "www_authenticate", "extras", "dpop_nonce",
        "field", "reason", "index", "transport_kind", "cause", "request_sent",
    )
    e = config_error(lambda: ccauth.ClientCredentials("ftp://x", "client", SECRET))
    for name in fields:
        assert hasattr(e, name), name
    assert e.extras == {} and e.www_authenticate == []


def test_an_entra_like_error_exposes_its_extras_parsed() -> None:
    body = (
        '{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.\\r\\n'
        'Trace ID: 0f2b6b8e\\r\\nCorrelation ID: 6a1c1d0e", "error_codes": [7000215], "timestamp": "2026-11-30 10:15:42Z",'
        ' "trace_id": "0f2b6b8e", "correlation_id": "6a1c1d0e", "hint": "' + SECRET + '"}'
    )
    with pytest.raises(ccauth.OAuthError) as caught:
        ccauth.parse_token_response(
            DOCUMENT, 401, [("Content-Type", "application/json; charset=utf-8")], body, 1_700_000_000_000,
        )
    e = caught.value
    assert (e.code, e.status, e.error, e.retryable) == ("TOKEN_ENDPOINT_ERROR", 401, "invalid_client", False)
    assert e.extras == {
        "error_codes": [7000215], "timestamp": "2026-11-30 10:15:42Z", "trace_id": "0f2b6b8e",
        "correlation_id": "6a1c1d0e", "hint": "[REDACTED]",
    }
    assert e.error_description == "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 0f2b6b8e\r\nCorrelation ID: 6a1c1d0e"
    assert "\n" not in e.message
    assert (e.content_type, e.body_len) == ("application/json; charset=utf-8", len(body))
    assert_clean(printed(e), [SECRET])


def test_a_use_dpop_nonce_error_carries_the_nonce_and_is_retryable() -> None:
    with pytest.raises(ccauth.OAuthError) as caught:
        ccauth.parse_token_response(
            DOCUMENT, 400, [("Content-Type", "application/json"), ("DPoP-Nonce", "nonce-0123")], '{"error": "use_dpop_nonce"}',
            1_700_000_000_000,
        )
    assert (caught.value.dpop_nonce, caught.value.retryable, caught.value.extras) == ("nonce-0123", True, {})


def test_a_declared_length_over_the_limit_is_too_large_without_a_body() -> None:
    with pytest.raises(ccauth.ResponseError) as caught:
        ccauth.parse_token_response(
            DOCUMENT, 200, [("Content-Type", "application/json"), ("Content-Length", "5000000")], b"", 1_700_000_000_000,
        )
    assert (caught.value.code, caught.value.retryable) == ("RESPONSE_TOO_LARGE", False)


def test_a_bad_document_fails_when_prepared() -> None:
    with pytest.raises(ccauth.ConfigError) as caught:
        ccauth.PreparedConfig({**DOCUMENT, "body_format": "xml"})
    assert caught.value.field == "body_format"
    assert_clean(printed(caught.value), [SECRET])


def test_import_and_a_first_client_leave_the_heavy_modules_unloaded() -> None:
    # The cold start: the wheel's generated module is slimmed
    # (scripts/slim-uniffi-python.py) and the package imports dataclasses,
    # datetime and json only where they are used. A fresh interpreter, as a service starts.
    code = (
        "import sys, ccauth; c = ccauth.ClientCredentials('https://as.example.com/t', 'c', 's-0123456789', scopes=['a']); "
        "print(' '.join(m for m in ('dataclasses', 'inspect', 'datetime', 'traceback', 'platform', 'json', 'asyncio') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60).stdout.split()
    assert loaded == [], f"imported at start: {loaded}"
    generated = ccauth._ffi.ccauth_ffi
    # Reprs of generated records as dataclasses made them: the class name, no field.
    assert repr(generated.Header(name="Authorization", value="Basic c2VjcmV0")) == "Header()"
