"""Keys the host signs with: a ``cryptography`` key object, or a :class:`Signer`
(a callback: a KMS, an HSM, a platform key store).

The core holds no key material for them: it builds each JWS signing input
(``base64url(header).base64url(claims)``) and takes the signature back. An
ECDSA signature may be DER (``cryptography``, AWS KMS, Google Cloud KMS) or
raw ``r || s`` (Azure Key Vault, WebCrypto): the core converts and checks it.

``cryptography`` is never imported here until a key object is passed (it is
no dependency of ccauth): a key is recognised by its class's module.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Tuple, Union

from ._errors import FFI_ERRORS, Error, _local, from_ffi
from ._ffi import ccauth_ffi as _ffi

SignFunction = Callable[[str, Optional[str], bytes], Union[bytes, Awaitable[bytes]]]
"""``sign(alg, key_id, signing_input) -> signature`` (or an awaitable of it, for the asyncio side)."""

_ASYMMETRIC = ("RS256", "PS256", "ES256", "ES384", "EdDSA")


def _key_error(field: str, reason: str) -> Error:
    return _local(_ffi.ErrorKind.CONFIG, "INVALID_KEY", f"invalid `{field}`: {reason}", field=field, reason=reason)


def _b64(data: bytes) -> str:
    import base64  # here: only key objects need it

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(value: int, size: int = 0) -> bytes:
    """Big-endian, at least ``size`` bytes (JWK coordinates are fixed-size; RSA members minimal)."""
    return value.to_bytes(max(size, (value.bit_length() + 7) // 8 or 1), "big")


class Signer:
    """A key the host signs with, e.g. in a KMS or an HSM: its algorithm,
    its public half (a JWK, required for DPoP, optional for
    ``private_key_jwt``), its ``kid``, and the function that signs.

    >>> signer = Signer("ES256", lambda alg, key_id, data: kms_sign(data), public_jwk=jwk, key_id="k1")
    >>> ClientCredentials(url, client_id, auth=ClientAuth.PRIVATE_KEY_JWT(key=signer))

    ``sign(alg, key_id, signing_input)`` returns the signature bytes (ECDSA:
    DER or ``r || s``); for the ``*_async`` methods it may be a coroutine
    function. Its exceptions count as a failed attempt, retried like a
    network failure. A ``Signer`` is accepted wherever a :class:`PrivateKey`
    is: ``ClientAuth.PRIVATE_KEY_JWT(key=…)`` and ``dpop_key=``.
    """

    __slots__ = ("_sign", "alg", "key_id", "public_jwk")

    alg: str
    public_jwk: Optional[Dict[str, Any]]
    key_id: Optional[str]

    def __init__(
        self,
        alg: str,
        sign: SignFunction,
        public_jwk: Union[Mapping[str, Any], str, None] = None,
        key_id: Optional[str] = None,
    ) -> None:
        if alg not in _ASYMMETRIC:
            raise _key_error("alg", f"a host-signed key signs with one of {', '.join(_ASYMMETRIC)}")
        if not callable(sign):
            raise _key_error("sign", "a callable sign(alg, key_id, signing_input) -> bytes is expected")
        if isinstance(public_jwk, str):
            import json

            jwk: Optional[Dict[str, Any]] = json.loads(public_jwk)
        else:
            jwk = dict(public_jwk) if public_jwk is not None else None
        self.alg = alg
        self.public_jwk = jwk
        self.key_id = key_id
        self._sign = sign

    @classmethod
    def from_key(cls, key: Any, alg: Optional[str] = None, key_id: Optional[str] = None) -> Signer:
        """A signer over a ``cryptography`` private key object: EC P-256
        (ES256) or P-384 (ES384), RSA (RS256, or ``alg="PS256"``: PSS with a
        32-byte salt), Ed25519 (EdDSA). The public JWK is read from the key."""
        return _from_key(key, alg, key_id, "private_key")

    def sign(self, alg: str, key_id: Optional[str], signing_input: bytes) -> Union[bytes, Awaitable[bytes]]:
        """Calls the sign function (what the client does for each JWT)."""
        return self._sign(alg, key_id, signing_input)

    def __repr__(self) -> str:
        return f"Signer(alg={self.alg!r}, key_id={self.key_id!r})"

    __str__ = __repr__


def is_key_object(key: object) -> bool:
    """Whether ``key`` looks like a ``cryptography`` private key (no import)."""
    return type(key).__module__.startswith("cryptography.") and hasattr(key, "public_key") and hasattr(key, "sign")


def _from_key(key: Any, alg: Optional[str], key_id: Optional[str], field: str) -> Signer:
    if not is_key_object(key):
        raise _key_error(field, f"a PrivateKey, a Signer or a cryptography private key is expected, not {type(key).__name__}")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    sign: SignFunction
    if isinstance(key, ec.EllipticCurvePrivateKey):
        curves = {"secp256r1": ("ES256", "P-256", 32, hashes.SHA256()), "secp384r1": ("ES384", "P-384", 48, hashes.SHA384())}
        if key.curve.name not in curves:
            raise _key_error(field, "an EC key on P-256 (ES256) or P-384 (ES384) is expected")
        named, crv, size, digest = curves[key.curve.name]
        numbers = key.public_key().public_numbers()
        jwk = {"kty": "EC", "crv": crv, "x": _b64(_uint(numbers.x, size)), "y": _b64(_uint(numbers.y, size))}
        ecdsa = ec.ECDSA(digest)

        def sign(_alg: str, _kid: Optional[str], data: bytes) -> bytes:
            return key.sign(data, ecdsa)  # DER: the core converts it
    elif isinstance(key, rsa.RSAPrivateKey):
        named = alg or "RS256"
        if named not in ("RS256", "PS256"):
            raise _key_error(field, "an RSA key signs RS256 or PS256")
        rsa_numbers = key.public_key().public_numbers()
        jwk = {"kty": "RSA", "n": _b64(_uint(rsa_numbers.n)), "e": _b64(_uint(rsa_numbers.e))}
        pad = padding.PKCS1v15() if named == "RS256" else padding.PSS(padding.MGF1(hashes.SHA256()), 32)
        sha256 = hashes.SHA256()

        def sign(_alg: str, _kid: Optional[str], data: bytes) -> bytes:
            return key.sign(data, pad, sha256)
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        named = "EdDSA"
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}

        def sign(_alg: str, _kid: Optional[str], data: bytes) -> bytes:
            return key.sign(data)
    else:
        raise _key_error(field, "an EC (P-256, P-384), RSA or Ed25519 private key is expected")
    if alg is not None and alg != named:
        raise _key_error(field, f"this key signs {named}, not {alg}")
    return Signer(named, sign, public_jwk=jwk, key_id=key_id)


def host_signed(key: Any, field: str) -> Optional[Tuple[Any, Signer]]:
    """For a key option holding a :class:`Signer` or a ``cryptography`` key:
    the core's host-signed ``PrivateKey`` and the signer; ``None`` for
    anything else (a :class:`PrivateKey`, ``True``/``None``), left to the core."""
    if key is None or isinstance(key, (bool, _ffi.PrivateKey)):
        return None
    signer = key if isinstance(key, Signer) else _from_key(key, None, None, field)
    jwk: Optional[str] = None
    if signer.public_jwk is not None:
        import json

        jwk = json.dumps(signer.public_jwk)
    error: Optional[Error] = None
    try:
        return _ffi.PrivateKey.host_signed(signer.alg, jwk, signer.key_id), signer
    except FFI_ERRORS as e:
        error = from_ffi(e, {"public_jwk": f"{field}.public_jwk", "alg": f"{field}.alg"})
    raise error


def host_signers(auth: Any, dpop_key: Any) -> Tuple[Any, Any, Dict[Any, Signer]]:
    """``auth`` and ``dpop_key`` with any host-signed key (a :class:`Signer`,
    a ``cryptography`` key) as the core's ``PrivateKey``, and the signers by
    what they sign (the core's ``SigningPurpose``)."""
    signers: Dict[Any, Signer] = {}
    if isinstance(auth, _ffi.ClientAuth) and auth.is_PRIVATE_KEY_JWT():
        found = host_signed(auth.key, "auth")
        if found is not None:
            auth = _ffi.ClientAuth.PRIVATE_KEY_JWT(key=found[0], key_id=auth.key_id)
            signers[_ffi.SigningPurpose.CLIENT_ASSERTION] = found[1]
    found = host_signed(dpop_key, "dpop_key")
    if found is not None:
        dpop_key = found[0]
        signers[_ffi.SigningPurpose.DPOP_PROOF] = found[1]
    return auth, dpop_key, signers
