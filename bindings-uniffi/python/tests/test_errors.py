"""Config errors, redaction and the shape of the public objects (no server)."""

from __future__ import annotations

import pytest

import ccauth
from vector_cases import assert_clean, printed

SECRET = "config-secret-value-1"


def test_a_bad_option_is_a_config_error_naming_it_without_the_secret() -> None:
    with pytest.raises(ccauth.ConfigError) as caught:
        ccauth.ClientCredentials("ftp://as.example.com/token", "client", SECRET)
    e = caught.value
    assert (e.code, e.field) == ("INVALID_TOKEN_ENDPOINT", "token_endpoint")
    assert isinstance(e, ValueError)
    assert_clean(printed(e), [SECRET])


def test_unknown_auth_method_is_a_config_error() -> None:
    with pytest.raises(ccauth.ConfigError) as caught:
        ccauth.ClientCredentials("https://as.example.com/token", "client", SECRET, auth_method="magic")
    assert caught.value.field == "auth_method"
    assert_clean(printed(caught.value), [SECRET])


def test_reprs_hold_no_secret() -> None:
    client = ccauth.ClientCredentials("https://as.example.com/token", "client", SECRET, scopes="a b")
    request = ccauth.build_token_request(token_endpoint="https://as.example.com/token", client_id="client", client_secret=SECRET)
    token = ccauth.parse_token_response(
        200, [("Content-Type", "application/json")], '{"access_token":"tok-0123456789","token_type":"Bearer","expires_in":60}',
        1_700_000_000_000, token_endpoint="https://as.example.com/token", client_id="client", client_secret=SECRET,
    )
    text = f"{client!r} {request!r} {token!r} {token} {vars(client)}"
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

        async def send(self, method: str, url: str, headers: object, body_: bytes, timeout: float) -> ccauth.HttpReply:
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
