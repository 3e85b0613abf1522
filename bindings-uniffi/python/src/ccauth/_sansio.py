"""The core's pure functions, for hosts that drive everything themselves.

They take the core's config document (docs/OPTIONS.md: the options'
snake_case names, ``client_secret`` with ``auth_method``, durations in ms),
as a mapping or its JSON text: the shared vectors' ``config`` object; or,
for the token steps, a :class:`PreparedConfig` (the document read once).
In a mapping, ``private_key`` and ``dpop_key`` may also be a :class:`Signer`
or a ``cryptography`` private key object: the core then hands the JWTs it
builds to that key to sign (``host_signed_key``, ``host_signed_dpop_key``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from ._errors import FFI_ERRORS, Error, from_ffi
from ._ffi import ccauth_ffi as _ffi
from ._signing import Signer, is_key_object
from ._token import AccessToken

ConfigDocument = Union[Mapping[str, Any], str]
"""The core's config document: a mapping, or its JSON text."""


class PreparedConfig:
    """A config document read and checked once (raises :class:`ConfigError`
    when it is not valid). :func:`build_token_request` and
    :func:`parse_token_response` take it in place of the document and then
    skip reading it again: a host that sends many token requests keeps one."""

    __slots__ = ("_config", "_signers")

    def __init__(self, config: ConfigDocument) -> None:
        error: Optional[Error] = None
        text = ""
        try:
            text, self._signers = _document(config)
            self._config = _ffi.ClientConfig.from_document(text)
            return
        except FFI_ERRORS as e:
            error = from_ffi(e)
        except Error as e:  # a key object that is not one: no traceback through the document's frames
            error = e.with_traceback(None)
        del config, text  # no secret in a frame the traceback shows
        raise error

    def __repr__(self) -> str:
        return "PreparedConfig([REDACTED])"


def _prepared(config: Union[ConfigDocument, PreparedConfig]) -> PreparedConfig:
    return config if isinstance(config, PreparedConfig) else PreparedConfig(config)


_HOST_SIGNED = (
    ("private_key", "host_signed_key", _ffi.SigningPurpose.CLIENT_ASSERTION),
    ("dpop_key", "host_signed_dpop_key", _ffi.SigningPurpose.DPOP_PROOF),
)


def _signed(value: object) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError("a signer returned no bytes (an async signer cannot sign here)")
    return bytes(value)


def _document(config: ConfigDocument) -> Tuple[str, Dict[Any, Signer]]:
    """The document's text, with a key object or :class:`Signer` in
    ``private_key``/``dpop_key`` as the core's host-signed key; its signers."""
    signers: Dict[Any, Signer] = {}
    if isinstance(config, str):
        return config, signers
    document = dict(config)
    for member, host_member, purpose in _HOST_SIGNED:
        key = document.get(member)
        if isinstance(key, Signer) or is_key_object(key):
            alg = document.get("client_assertion_alg") if purpose == _ffi.SigningPurpose.CLIENT_ASSERTION else None
            signer = key if isinstance(key, Signer) else Signer.from_key(key, alg=alg)
            host: Dict[str, Any] = {"alg": signer.alg}
            if signer.public_jwk is not None:
                host["public_jwk"] = dict(signer.public_jwk, **({"kid": signer.key_id} if signer.key_id else {}))
            elif signer.key_id and member == "private_key":
                document.setdefault("key_id", signer.key_id)
            del document[member]
            document[host_member] = host
            signers[purpose] = signer
    return _text(document), signers


@dataclass(frozen=True)
class TokenRequest:
    """A token request to send; ``headers`` and ``body`` hold the client
    credentials, so they are left out of ``repr()``."""

    method: str
    url: str
    headers: List[Tuple[str, str]] = field(repr=False)
    body: bytes = field(repr=False)


def _text(config: ConfigDocument) -> str:
    if isinstance(config, str):
        return config
    import json

    return json.dumps(dict(config))


def _bytes(body: Union[bytes, str]) -> bytes:
    return body.encode() if isinstance(body, str) else bytes(body)


def _headers(headers: List[Tuple[str, str]]) -> List[Any]:
    return [_ffi.Header(name=n, value=v) for n, v in headers]


def build_token_request(
    config: Union[ConfigDocument, PreparedConfig],
    *,
    now_ms: Optional[int] = None,
    entropy: Optional[bytes] = None,
    dpop_nonce: Optional[str] = None,
) -> TokenRequest:
    """The token request for ``config``. Configs that sign (JWT client
    authentication, DPoP) sign at ``now_ms`` (default: now) with ``entropy``
    (32 random bytes; default: fresh from the OS); the same inputs give the same bytes."""
    error: Optional[Error] = None
    when = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    try:
        prepared = _prepared(config)
        random = os.urandom(32) if entropy is None else entropy
        if prepared._signers:  # host-signed keys: the core builds, the signers sign
            unsigned = prepared._config.prepare_token_request(when, random, dpop_nonce)
            signers = prepared._signers
            r = unsigned.finish([_signed(signers[i.purpose].sign(i.alg, i.key_id, i.bytes)) for i in unsigned.signing_inputs()])
        else:
            r = prepared._config.token_request(when, random, dpop_nonce)
        return TokenRequest(r.method, r.url, [(h.name, h.value) for h in r.headers], r.body)
    except FFI_ERRORS as e:
        error = from_ffi(e)
    except Error as e:  # a document that is not valid
        error = e
    del config  # no secret in a frame the traceback shows
    raise error


def parse_token_response(
    config: Union[ConfigDocument, PreparedConfig], status: int, headers: List[Tuple[str, str]], body: Union[bytes, str], now_ms: int
) -> AccessToken:
    """Parses a token endpoint response received at ``now_ms`` (Unix ms).

    Raises :class:`OAuthError` for an RFC 6749 error, :class:`ResponseError`
    for anything else that is not a token.
    """
    error: Optional[Error] = None
    try:
        parsed = _prepared(config)._config.token_response(status, _headers(headers), _bytes(body), now_ms)
        return AccessToken(parsed.token, parsed.info)
    except FFI_ERRORS as e:
        error = from_ffi(e)
    except Error as e:
        error = e
    del config, body
    raise error


def parse_metadata_response(
    issuer: str, status: int, headers: List[Tuple[str, str]], body: Union[bytes, str], now_ms: int
) -> Dict[str, Any]:
    """Reads ``issuer``'s metadata response (RFC 8414): the members this client
    uses. Raises :class:`ResponseError` (e.g. ``ISSUER_MISMATCH``) when unusable."""
    import json

    error: Optional[Error] = None
    try:
        metadata: Dict[str, Any] = json.loads(_ffi.parse_metadata_response(issuer, status, _headers(headers), _bytes(body), now_ms))
        return metadata
    except FFI_ERRORS as e:
        error = from_ffi(e)
    raise error


def parse_introspection_response(
    config: ConfigDocument, status: int, headers: List[Tuple[str, str]], body: Union[bytes, str], now_ms: int
) -> Dict[str, Any]:
    """Reads an introspection answer (RFC 7662): its members, ``active`` a bool."""
    import json

    error: Optional[Error] = None
    try:
        members: Dict[str, Any] = json.loads(
            _ffi.parse_introspection_response(_text(config), status, _headers(headers), _bytes(body), now_ms)
        )
        return members
    except FFI_ERRORS as e:
        error = from_ffi(e)
    del config, body
    raise error


def parse_revocation_response(
    config: ConfigDocument, status: int, headers: List[Tuple[str, str]], body: Union[bytes, str], now_ms: int
) -> None:
    """Reads a revocation answer (RFC 7009): any 2xx is success, else raises."""
    error: Optional[Error] = None
    try:
        _ffi.parse_revocation_response(_text(config), status, _headers(headers), _bytes(body), now_ms)
        return
    except FFI_ERRORS as e:
        error = from_ffi(e)
    del config, body
    raise error
