"""JWT client authentication, discovery, DPoP, revocation and introspection
against node-oidc-provider on 127.0.0.1 (started by scripts/with-auth-server.sh)."""

from __future__ import annotations

import json
import os
import urllib.parse

import httpx
import pytest
import requests

import ccauth
from conftest import Server
from vector_cases import VECTORS

KEYS = VECTORS / "keys"
JWT_SECRET = "jwt-secret-0123456789-0123456789-abcdef"


def jwk(name: str) -> dict:
    return json.loads((KEYS / f"{name}.jwk.json").read_text())


def secret_jwt() -> ccauth.ClientAuth:
    return ccauth.ClientAuth.CLIENT_SECRET_JWT(secret=ccauth.ClientSecret(JWT_SECRET))


def key_jwt(text: str, key_id: "str | None" = None) -> ccauth.ClientAuth:
    return ccauth.ClientAuth.PRIVATE_KEY_JWT(key=ccauth.PrivateKey.parse(text), key_id=key_id)


def get(url: str, headers: dict) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=5)


@pytest.mark.parametrize(
    "client_id, options",
    [
        ("ccauth-secret-jwt", {"auth": secret_jwt()}),
        ("ccauth-es256", {"auth": key_jwt(json.dumps(jwk("p256")))}),
        ("ccauth-rs256", {"auth": key_jwt((KEYS / "rsa.pem").read_text())}),
        ("ccauth-eddsa", {"auth": key_jwt((KEYS / "ed25519.pem").read_text(), "eddsa-1")}),
    ],
)
def test_jwt_client_authentication_gets_a_token_the_api_accepts(server: Server, client_id: str, options: dict) -> None:
    client = ccauth.ClientCredentials(server.token_endpoint, client_id, scopes=["api.read"], **options)
    with httpx.Client(auth=client.httpx_auth()) as http:
        r = http.get(server.api)
    assert r.status_code == 200, r.text
    assert r.json()["client_id"] == client_id


def test_a_foreign_key_is_invalid_client_and_nothing_leaks(server: Server) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    client = ccauth.ClientCredentials(server.token_endpoint, "ccauth-es256", auth=key_jwt(pem))
    with pytest.raises(ccauth.OAuthError) as caught:
        client.get_token()
    assert caught.value.error == "invalid_client"
    body = pem.splitlines()[1]
    assert body not in f"{caught.value}{caught.value!r}{client!r}"


def test_discovery_from_the_issuer_only(server: Server) -> None:
    client = ccauth.ClientCredentials.discover(server.issuer, "ccauth-es256", auth=key_jwt(json.dumps(jwk("p256"))), scopes="api.read")
    assert get(server.api, client.authorization_headers("GET", server.api)).status_code == 200
    with pytest.raises(ccauth.Error):
        ccauth.ClientCredentials.discover("http://127.0.0.1:9/nothing", "x", timeout_ms=2000)


def test_dpop_bound_token_nonce_dance_and_protected_calls(server: Server) -> None:
    before = server.token_requests("ccauth-dpop")
    client = ccauth.ClientCredentials(server.token_endpoint, "ccauth-dpop", "dpop-secret-0123456789", dpop_key=True, scopes="api.read")
    token = client.get_token()
    assert token.token_type == "DPoP" and token.authorization.startswith("DPoP ")
    assert server.token_requests("ccauth-dpop") - before == 2, "one use_dpop_nonce answer, then the token"
    assert get(server.api, {"Authorization": f"Bearer {token.access_token}"}).status_code == 401
    # httpx: the proof is sent, the API's nonce learnt from its 401, the call resent once.
    with httpx.Client(auth=client.httpx_auth()) as http:
        r = http.get(server.api)
        assert r.status_code == 200 and r.json()["dpop"] is True
        assert http.get(server.api).status_code == 200
    # requests, and hand-made headers, with the nonce now remembered.
    assert requests.get(server.api, auth=client.requests_auth(), timeout=5).status_code == 200
    assert get(server.api, client.authorization_headers("GET", server.api)).status_code == 200


def test_revoke_then_401_then_a_new_token_and_introspection(server: Server) -> None:
    client = ccauth.ClientCredentials.discover(
        server.issuer, "ccauth-secret-jwt", auth=secret_jwt(), scopes="api.read"
    )
    first = client.get_token()
    seen = client.introspect(first)
    assert seen.active and seen.client_id == "ccauth-secret-jwt"
    other = ccauth.ClientCredentials.discover(server.issuer, "ccauth-secret-jwt", auth=secret_jwt())
    other.revoke(first)  # behind the first client's back
    assert not client.introspect(first).active
    with httpx.Client(auth=client.httpx_auth()) as http:
        assert http.get(server.api).status_code == 200  # 401 → a new token → 200
    second = client.get_token()
    assert second.access_token != first.access_token
    client.revoke()
    assert not client.introspect(second).active
    assert client.get_token().access_token != second.access_token


def test_an_external_assertion_is_read_per_request_and_never_sent_expired(server: Server) -> None:
    reads = []

    def mint(now_ms: "int | None" = None) -> str:
        document = {"token_endpoint": server.token_endpoint, "client_id": "ccauth-es256", "auth_method": "private_key_jwt", "private_key": jwk("p256")}
        r = ccauth.build_token_request(document, now_ms=now_ms)
        return dict(urllib.parse.parse_qsl(r.body.decode()))["client_assertion"]

    def from_file() -> str:
        reads.append(1)
        return mint()

    client = ccauth.ClientCredentials(server.token_endpoint, "ccauth-es256", client_assertion=from_file)
    first = client.get_token()
    client.invalidate(first)
    client.get_token()
    assert len(reads) == 2
    before = server.token_requests("ccauth-es256")
    import time

    stale = ccauth.ClientCredentials(
        server.token_endpoint, "ccauth-es256",
        client_assertion=lambda: mint(time.time_ns() // 1_000_000 - 3_600_000),
    )
    with pytest.raises(ccauth.ConfigError) as caught:
        stale.get_token()
    assert caught.value.code == "INVALID_CLIENT_ASSERTION"
    assert server.token_requests("ccauth-es256") == before
