"""The signing vectors (tests/vectors/signing.json) through the Python API:
the exact bytes the core pins, every signature verified with `cryptography`
(OpenSSL, independent of the core's RustCrypto), the claims checked."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from typing import Any, Dict, Optional

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

import ccauth
from vector_cases import VECTORS

CASES = json.loads((VECTORS / "signing.json").read_text())["cases"]


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def part(jwt: str, i: int) -> Dict[str, Any]:
    return json.loads(b64url(jwt.split(".")[i]))


def verify(jwt: str, key_text: str) -> None:
    """Raises InvalidSignature unless `jwt` verifies with the secret (HS*) or the SPKI key."""
    alg = part(jwt, 0)["alg"]
    head, payload, sig = jwt.split(".")
    signed, signature = f"{head}.{payload}".encode(), b64url(sig)
    if alg.startswith("HS"):
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        if not hmac.compare_digest(hmac.new(key_text.encode(), signed, digest).digest(), signature):
            raise InvalidSignature()
        return
    key = serialization.load_pem_public_key(key_text.encode())
    if alg in ("RS256", "PS256"):
        assert isinstance(key, rsa.RSAPublicKey)
        pad = padding.PKCS1v15() if alg == "RS256" else padding.PSS(padding.MGF1(hashes.SHA256()), 32)
        key.verify(signature, signed, pad, hashes.SHA256())
    elif alg in ("ES256", "ES384"):
        assert isinstance(key, ec.EllipticCurvePublicKey)
        half = len(signature) // 2
        der = utils.encode_dss_signature(int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big"))
        key.verify(der, signed, ec.ECDSA(hashes.SHA256() if alg == "ES256" else hashes.SHA384()))
    else:
        assert alg == "EdDSA" and isinstance(key, ed25519.Ed25519PublicKey)
        key.verify(signature, signed)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_signing_vector(case: Dict[str, Any]) -> None:
    config, context = case["config"], case["context"]
    request = ccauth.build_token_request(
        config, now_ms=context["now_ms"], entropy=bytes.fromhex(context["entropy"]), dpop_nonce=context["dpop_nonce"]
    )
    body = request.body.decode()
    assert body == case["expect"]["body"], "the same bytes as the core's vector"
    dpop: Optional[str] = dict(request.headers).get("DPoP")
    assert dpop == case["expect"]["dpop"]

    params = json.loads(body) if config.get("body_format") == "json" else dict(urllib.parse.parse_qsl(body))
    assertion = params.get("client_assertion")
    if case["assertion_alg"]:
        key_text = config["client_secret"] if case["assertion_alg"].startswith("HS") else case["public_key"]
        verify(assertion, key_text)
        header, claims = part(assertion, 0), part(assertion, 1)
        assert header["alg"] == case["assertion_alg"]
        assert claims["iss"] == claims["sub"] == config["client_id"]
        assert claims["aud"] == config.get("assertion_audience", config["token_endpoint"])
        assert claims["exp"] - claims["iat"] == config.get("assertion_lifetime_ms", 60_000) // 1000
        assert len(b64url(claims["jti"])) == 16
        # A flipped signature byte fails: the check above can fail.
        head, payload, sig = assertion.split(".")
        raw = bytearray(b64url(sig))
        raw[0] ^= 1
        with pytest.raises(InvalidSignature):
            verify(f"{head}.{payload}.{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}", key_text)
    else:
        assert assertion is None
    if dpop is not None:
        verify(dpop, case["dpop_public_key"])
        header, claims = part(dpop, 0), part(dpop, 1)
        assert header["typ"] == "dpop+jwt" and "d" not in header["jwk"]
        assert (claims["htm"], claims["htu"], claims.get("nonce")) == ("POST", config["token_endpoint"], context["dpop_nonce"])
