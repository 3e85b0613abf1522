"""Writes the inputs of tests/vectors/signing.json (JWT client auth, DPoP).

The expected bytes (`expect.body`, `expect.dpop`) are then pinned by
`CCAUTH_BLESS=1 cargo test -p ccauth --test signing_vectors`; every binding
must reproduce them, and every test verifies the signatures with an
independent implementation and the public key in `public_key`.
"""
import json
import pathlib

keys = pathlib.Path(__file__).resolve().parent.parent / "keys"
pem = lambda name: (keys / f"{name}.pem").read_text()
pub = lambda name: (keys / f"{name}.pub.pem").read_text()
jwk = lambda name: json.loads((keys / f"{name}.jwk.json").read_text())
ENDPOINT = "https://as.example.com/oauth2/token"
NOW = 1_700_000_000_123
ENTROPY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SECRET = "a-client-secret-of-at-least-64-bytes-for-hs512-0123456789abcdef!"

def case(name, config, public_key=None, dpop_public_key=None, **context):
    base = {"token_endpoint": ENDPOINT, "client_id": "svc-42", "scopes": ["api.read"]}
    base.update(config)
    return {
        "name": name,
        "config": base,
        "context": {"now_ms": NOW, "entropy": ENTROPY, "dpop_nonce": None, **context},
        "public_key": public_key,
        "dpop_public_key": dpop_public_key,
    }

cases = [
    case("client_secret_jwt HS256", {"auth_method": "client_secret_jwt", "client_secret": SECRET}),
    case("client_secret_jwt HS384", {"auth_method": "client_secret_jwt", "client_secret": SECRET, "client_assertion_alg": "HS384"}),
    case("client_secret_jwt HS512 json body", {"auth_method": "client_secret_jwt", "client_secret": SECRET, "client_assertion_alg": "HS512", "body_format": "json"}),
    case("private_key_jwt RS256 PEM with kid", {"auth_method": "private_key_jwt", "private_key": pem("rsa"), "key_id": "rsa-1"}, pub("rsa")),
    case("private_key_jwt PS256 JWK", {"auth_method": "private_key_jwt", "private_key": jwk("rsa"), "client_assertion_alg": "PS256"}, pub("rsa")),
    case("private_key_jwt ES256 JWK, issuer audience, 2 min", {"auth_method": "private_key_jwt", "private_key": jwk("p256"), "assertion_audience": "https://as.example.com", "assertion_lifetime_ms": 120000}, pub("p256")),
    case("private_key_jwt ES384 PEM", {"auth_method": "private_key_jwt", "private_key": pem("p384")}, pub("p384")),
    case("private_key_jwt EdDSA PEM", {"auth_method": "private_key_jwt", "private_key": pem("ed25519"), "key_id": "ed-1"}, pub("ed25519")),
    case("DPoP ES256 with client_secret_basic", {"client_secret": "s3cret", "dpop_key": jwk("p256")}, None, pub("p256")),
    case("DPoP ES256 with a server nonce", {"client_secret": "s3cret", "dpop_key": jwk("p256")}, None, pub("p256"), dpop_nonce="eyJ7S_zG.eyJH0-Z.HX4w-7v"),
    case("DPoP EdDSA with private_key_jwt ES256", {"auth_method": "private_key_jwt", "private_key": jwk("p256"), "dpop_key": pem("ed25519")}, pub("p256"), pub("ed25519")),
    # The JWK's own kid names the key; a configured key_id wins over it.
    case("private_key_jwt ES256 JWK with its own kid", {"auth_method": "private_key_jwt", "private_key": {**jwk("p256"), "kid": "ec-2026-11"}}, pub("p256")),
    case("private_key_jwt ES256 JWK kid, key_id wins", {"auth_method": "private_key_jwt", "private_key": {**jwk("p256"), "kid": "ec-2026-11"}, "key_id": "configured-1"}, pub("p256")),
]

ALGS = ["HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "ES384", "EdDSA", None, None, "ES256", "ES256", "ES256"]
for c, alg in zip(cases, ALGS):
    c["assertion_alg"] = alg

out = pathlib.Path(__file__).resolve().parent.parent / "signing.json"
old = {c["name"]: c for c in json.loads(out.read_text())["cases"]} if out.exists() else {}
for c in cases:
    if c["name"] in old and "expect" in old[c["name"]]:
        c["expect"] = old[c["name"]]["expect"]
out.write_text(json.dumps({"about": __doc__.strip().splitlines()[0], "cases": cases}, indent=2) + "\n")
