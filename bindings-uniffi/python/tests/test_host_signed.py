"""Host-signed keys (issue 15): `cryptography` key objects and Signer
callbacks wherever a PrivateKey is accepted. The core builds each JWS signing
input; the key object or callback signs it.

(a) every asymmetric signing vector rebuilt with a key object: the same
signing inputs and request bytes as pinned, but the signature, which
verifies; (b) against the local authorization server: private_key_jwt and
DPoP (token and API call) with a key object and with a callback, sync and
asyncio, and revocation and introspection; (c) failures: a raising signer is
retried then a typed error (revoke and introspect: the same error), a
garbage signature is INVALID_SIGNATURE, nothing secret is printed."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import urllib.parse
from typing import Any, Dict, List, Optional, Tuple

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, utils

import ccauth
from conftest import Server
from test_signing_vectors import verify
from vector_cases import VECTORS

CASES = json.loads((VECTORS / "signing.json").read_text())["cases"]
KEYS = VECTORS / "keys"
HOST_CASES = [c for c in CASES if "private_key" in c["config"] or "dpop_key" in c["config"]]


def b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def key_object(text: Any) -> Any:
    """The vector's key text (a PEM, or a JWK object) as a `cryptography` key object."""
    if isinstance(text, str) and text.lstrip().startswith("-----"):
        return serialization.load_pem_private_key(text.encode(), None)
    jwk = json.loads(text) if isinstance(text, str) else text
    if jwk["kty"] == "EC":
        curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}[jwk["crv"]]
        return ec.derive_private_key(b64url_int(jwk["d"]), curve)
    if jwk["kty"] == "OKP":
        return ed25519.Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(jwk["d"] + "=="))
    n = {k: b64url_int(jwk[k]) for k in ("n", "e", "d", "p", "q", "dp", "dq", "qi")}
    public = rsa.RSAPublicNumbers(n["e"], n["n"])
    return rsa.RSAPrivateNumbers(n["p"], n["q"], n["d"], n["dp"], n["dq"], n["qi"], public).private_key()


def recording(key: Any, alg: Optional[str], key_id: Optional[str], seen: List[Tuple[str, Optional[str], bytes]]) -> ccauth.Signer:
    """A Signer over `key` that records what it was asked to sign."""
    inner = ccauth.Signer.from_key(key, alg=alg, key_id=key_id)

    def sign(alg: str, kid: Optional[str], data: bytes) -> bytes:
        seen.append((alg, kid, data))
        signature = inner.sign(alg, kid, data)
        assert isinstance(signature, bytes)
        return signature

    return ccauth.Signer(inner.alg, sign, public_jwk=inner.public_jwk, key_id=inner.key_id)


def unsigned(jwt: str) -> bytes:
    head, payload, _ = jwt.split(".")
    return f"{head}.{payload}".encode()


def params(config: Dict[str, Any], body: str) -> Dict[str, str]:
    return json.loads(body) if config.get("body_format") == "json" else dict(urllib.parse.parse_qsl(body))


@pytest.mark.parametrize("as_object", [True, False], ids=["key-object", "signer"])
@pytest.mark.parametrize("case", HOST_CASES, ids=[c["name"] for c in HOST_CASES])
def test_a_key_object_signs_the_pinned_inputs(case: Dict[str, Any], as_object: bool) -> None:
    config, context, expect = case["config"], case["context"], case["expect"]
    document = dict(config)
    seen: Dict[str, List[Tuple[str, Optional[str], bytes]]] = {"private_key": [], "dpop_key": []}
    for member in ("private_key", "dpop_key"):
        if member in document:
            text = document[member]
            kid = text.get("kid") if isinstance(text, dict) else None
            alg = config.get("client_assertion_alg") if member == "private_key" else None
            key = key_object(text)
            # A bare key object (its kid, if the JWK had one, as a Signer's key_id).
            document[member] = key if as_object and kid is None else recording(key, alg, kid, seen[member])
    request = ccauth.build_token_request(
        document, now_ms=context["now_ms"], entropy=bytes.fromhex(context["entropy"]), dpop_nonce=context["dpop_nonce"]
    )
    pinned = ccauth.build_token_request(
        config, now_ms=context["now_ms"], entropy=bytes.fromhex(context["entropy"]), dpop_nonce=context["dpop_nonce"]
    )
    body = request.body.decode()
    ours, theirs = params(config, body), params(config, expect["body"])
    for member, jwt in (("private_key", theirs.get("client_assertion")), ("dpop_key", expect["dpop"])):
        for alg, _, data in seen[member]:  # the signer's input is the pinned JWT's first two parts, exactly
            assert jwt is not None and data == unsigned(jwt)
            assert alg == json.loads(base64.urlsafe_b64decode(data.split(b".")[0] + b"==="))["alg"]
    # The same request but each signature (ECDSA and PSS are randomized).
    assert set(ours) == set(theirs)
    assert {k: v for k, v in ours.items() if k != "client_assertion"} == {k: v for k, v in theirs.items() if k != "client_assertion"}
    expected_body = expect["body"]
    if "client_assertion" in ours:
        assert unsigned(ours["client_assertion"]) == unsigned(theirs["client_assertion"])
        verify(ours["client_assertion"], case["public_key"])
        expected_body = expected_body.replace(theirs["client_assertion"].split(".")[2], ours["client_assertion"].split(".")[2])
        if case["assertion_alg"] in ("RS256", "EdDSA"):  # deterministic: the very same bytes
            assert ours["client_assertion"] == theirs["client_assertion"]
    assert body == expected_body
    dpop = dict(request.headers).get("DPoP")
    assert (dpop is None) == (expect["dpop"] is None)
    if dpop is not None:
        assert unsigned(dpop) == unsigned(expect["dpop"])
        verify(dpop, case["dpop_public_key"])
    assert [(n, v) for n, v in request.headers if n != "DPoP"] == [(n, v) for n, v in pinned.headers if n != "DPoP"]


def test_every_asymmetric_vector_is_covered() -> None:
    algs = {c["assertion_alg"] for c in HOST_CASES} | {"dpop" for c in HOST_CASES if "dpop_key" in c["config"]}
    assert {"RS256", "PS256", "ES256", "ES384", "EdDSA", "dpop"} <= algs, algs


# -- (b) against the local authorization server ----------------------------------


def pem(name: str) -> Any:
    return serialization.load_pem_private_key((KEYS / f"{name}.pem").read_bytes(), None)


def raw_es256(key: ec.EllipticCurvePrivateKey) -> ccauth.Signer:
    """A callback signer returning raw r || s (as Azure Key Vault and WebCrypto do)."""
    calls: List[str] = []

    def sign(alg: str, kid: Optional[str], data: bytes) -> bytes:
        calls.append(alg)
        r, s = utils.decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    jwk = ccauth.Signer.from_key(key).public_jwk
    return ccauth.Signer("ES256", sign, public_jwk=jwk)


@pytest.mark.parametrize(
    "client_id, key",
    [
        ("ccauth-es256", lambda: pem("p256")),
        ("ccauth-rs256", lambda: pem("rsa")),
        ("ccauth-eddsa", lambda: ccauth.Signer.from_key(pem("ed25519"), key_id="eddsa-1")),
        ("ccauth-es256", lambda: raw_es256(pem("p256"))),
        ("ccauth-eddsa", lambda: ccauth.Signer("EdDSA", lambda alg, kid, data: pem("ed25519").sign(data), key_id="eddsa-1")),
    ],
    ids=["es256-object", "rs256-object", "eddsa-object-kid", "es256-callback-raw", "eddsa-callback"],
)
def test_private_key_jwt_with_a_host_signed_key(server: Server, client_id: str, key: Any) -> None:
    client = ccauth.ClientCredentials(server.token_endpoint, client_id, auth=ccauth.ClientAuth.PRIVATE_KEY_JWT(key=key()), scopes="api.read")
    with httpx.Client(auth=client.httpx_auth()) as http:
        r = http.get(server.api)
    assert r.status_code == 200, r.text
    assert r.json()["client_id"] == client_id


@pytest.mark.parametrize(
    "dpop_key",
    [lambda: ec.generate_private_key(ec.SECP256R1()), lambda: raw_es256(ec.generate_private_key(ec.SECP256R1()))],
    ids=["key-object", "callback"],
)
def test_dpop_with_a_host_signed_key_token_and_api_calls(server: Server, dpop_key: Any) -> None:
    client = ccauth.ClientCredentials(server.token_endpoint, "ccauth-dpop", "dpop-secret-0123456789", dpop_key=dpop_key(), scopes="api.read")
    token = client.get_token()
    assert token.token_type == "DPoP"
    with httpx.Client(auth=client.httpx_auth()) as http:  # the API's nonce dance, each proof signed by the key
        r = http.get(server.api)
        assert r.status_code == 200 and r.json()["dpop"] is True, r.text
    headers = client.authorization_headers("GET", server.api)
    assert headers["Authorization"].startswith("DPoP ") and headers["DPoP"].count(".") == 2
    assert httpx.get(server.api, headers=headers, timeout=5).status_code == 200
    # A proof per call.
    assert client.authorization_headers("GET", server.api)["DPoP"] != headers["DPoP"]


def test_both_keys_host_signed_with_async_signers(server: Server) -> None:
    """private_key_jwt and DPoP from coroutine signers (a KMS client's async API) on the asyncio side."""
    assertion_key, proof_key = pem("p256"), ec.generate_private_key(ec.SECP256R1())
    calls: List[str] = []

    def async_signer(key: ec.EllipticCurvePrivateKey) -> ccauth.Signer:
        async def sign(alg: str, kid: Optional[str], data: bytes) -> bytes:
            await asyncio.sleep(0)
            calls.append(alg)
            return key.sign(data, ec.ECDSA(hashes.SHA256()))

        return ccauth.Signer("ES256", sign, public_jwk=ccauth.Signer.from_key(key).public_jwk)

    client = ccauth.ClientCredentials(
        server.token_endpoint, "ccauth-es256", auth=ccauth.ClientAuth.PRIVATE_KEY_JWT(key=async_signer(assertion_key)),
        dpop_key=async_signer(proof_key), scopes="api.read",
    )

    async def run() -> None:
        token = await client.get_token_async()
        assert token.token_type == "DPoP"
        async with httpx.AsyncClient(auth=client.httpx_auth()) as http:
            r = await http.get(server.api)
            assert r.status_code == 200 and r.json()["dpop"] is True, r.text
        headers = await client.authorization_headers_async("GET", server.api)
        async with httpx.AsyncClient() as http:
            assert (await http.get(server.api, headers=headers)).status_code == 200

    asyncio.run(run())
    assert len(calls) >= 4  # assertion + proof for the token, then a proof per API call



@pytest.mark.parametrize("key", [lambda: pem("p256"), lambda: raw_es256(pem("p256"))], ids=["key-object", "callback-raw"])
def test_revoke_and_introspect_with_a_host_signed_key(server: Server, key: Any) -> None:
    """The revocation and introspection requests' client assertions are signed where the key lives too."""
    client = ccauth.ClientCredentials.discover(
        server.issuer, "ccauth-es256", auth=ccauth.ClientAuth.PRIVATE_KEY_JWT(key=key()), scopes="api.read"
    )
    first = client.get_token()
    seen = client.introspect(first)
    assert seen.active and seen.client_id == "ccauth-es256"
    client.revoke()  # the cached one: dropped
    assert not client.introspect(first).active
    second = client.get_token()
    assert second.access_token != first.access_token and client.introspect(second).active

# -- (c) failures and hygiene ----------------------------------------------------


SECRET_TEXT = "kms-secret-detail-0123456789"


def test_a_raising_signer_is_retried_then_a_typed_error() -> None:
    calls: List[int] = []

    def sign(alg: str, kid: Optional[str], data: bytes) -> bytes:
        calls.append(1)
        raise RuntimeError(SECRET_TEXT)

    client = ccauth.ClientCredentials(
        "https://as.example.com/token", "c", auth=ccauth.ClientAuth.PRIVATE_KEY_JWT(key=ccauth.Signer("ES256", sign)),
        retry=ccauth.RetryPolicy(max_attempts=2, max_wait_ms=5_000),
    )
    with pytest.raises(ccauth.TransportError) as caught:
        client.get_token()
    assert len(calls) == 2, "the second attempt signs again"
    error = caught.value
    assert error.cause == "signer" and "RuntimeError" in str(error)
    assert SECRET_TEXT not in f"{error}{error!r}"


def test_an_async_signer_on_the_sync_side_fails_the_attempt() -> None:
    async def sign(alg: str, kid: Optional[str], data: bytes) -> bytes:
        return b""

    client = ccauth.ClientCredentials(
        "https://as.example.com/token", "c", auth=ccauth.ClientAuth.PRIVATE_KEY_JWT(key=ccauth.Signer("ES256", sign)),
        retry=ccauth.RetryPolicy(max_attempts=1),
    )
    with pytest.raises(ccauth.TransportError) as caught:
        client.get_token()
    assert "async" in str(caught.value)


def test_a_raising_signer_fails_revoke_and_introspect_with_the_same_typed_error() -> None:
    def sign(alg: str, kid: Optional[str], data: bytes) -> bytes:
        raise RuntimeError(SECRET_TEXT)

    client = ccauth.ClientCredentials(
        "https://as.example.com/token", "c", auth=ccauth.ClientAuth.PRIVATE_KEY_JWT(key=ccauth.Signer("ES256", sign)),
        revocation_endpoint="https://as.example.com/revoke", introspection_endpoint="https://as.example.com/introspect",
    )
    for act in (lambda: client.revoke("some-token"), lambda: client.introspect("some-token")):
        with pytest.raises(ccauth.TransportError) as caught:
            act()
        error = caught.value
        assert error.cause == "signer" and "RuntimeError" in str(error) and error.request_sent is False
        assert SECRET_TEXT not in f"{error}{error!r}" and "some-token" not in f"{error}{error!r}"


@pytest.mark.parametrize("garbage", [b"garbage", b"\x00" * 64, b"", "not bytes"], ids=["short", "zero-r-s", "empty", "str"])
def test_a_garbage_signature_is_invalid_signature(garbage: Any) -> None:
    client = ccauth.ClientCredentials(
        "https://as.example.com/token", "c",
        auth=ccauth.ClientAuth.PRIVATE_KEY_JWT(key=ccauth.Signer("ES256", lambda alg, kid, data: garbage)),
    )
    with pytest.raises(ccauth.ConfigError) as caught:
        client.get_token()
    assert caught.value.code == "INVALID_SIGNATURE"


def test_keys_that_do_not_fit_are_config_errors() -> None:
    with pytest.raises(ccauth.ConfigError) as caught:
        ccauth.Signer.from_key(ec.generate_private_key(ec.SECP521R1()))
    assert caught.value.code == "INVALID_KEY"
    with pytest.raises(ccauth.ConfigError):
        ccauth.Signer.from_key(pem("p256"), alg="PS256")
    with pytest.raises(ccauth.ConfigError):
        ccauth.Signer("HS256", lambda alg, kid, data: b"")
    with pytest.raises(ccauth.ConfigError) as caught:  # DPoP needs the public half
        ccauth.ClientCredentials("https://as.example.com/token", "c", "s", dpop_key=ccauth.Signer("ES256", lambda a, k, d: b""))
    assert caught.value.code == "INVALID_KEY"
    with pytest.raises(ccauth.ConfigError):
        ccauth.ClientCredentials("https://as.example.com/token", "c", "s", dpop_key=object())


def test_rsa_pss_from_the_alg_and_nothing_secret_printed() -> None:
    key = pem("rsa")
    signer = ccauth.Signer.from_key(key, alg="PS256", key_id="rsa-kms-1")
    assert (signer.alg, signer.key_id) == ("PS256", "rsa-kms-1")
    private = key.private_numbers()
    shown = f"{signer!r} {signer} {ccauth.ClientAuth.PRIVATE_KEY_JWT(key=signer)}"
    client = ccauth.ClientCredentials("https://as.example.com/token", "c", auth=ccauth.ClientAuth.PRIVATE_KEY_JWT(key=key))
    shown += f" {client!r} {ccauth.PrivateKey.host_signed('ES256')!r}"
    for secret in (private.d, private.p, private.q):
        assert str(secret) not in shown and base64.urlsafe_b64encode(secret.to_bytes((secret.bit_length() + 7) // 8, "big")).decode()[:20] not in shown
    assert "PS256" in shown and "host-signed" in shown


def test_importing_ccauth_does_not_import_cryptography() -> None:
    code = "import ccauth, sys; assert not [m for m in sys.modules if m.startswith('cryptography')], 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
