"""The core's two pure functions, for hosts that drive everything themselves."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

from ._errors import FFI_ERRORS, Error, from_ffi
from ._ffi import ccauth_ffi as _ffi
from ._options import DOCUMENT_OPTIONS, config_document
from ._token import AccessToken


@dataclass(frozen=True)
class TokenRequest:
    """A token request to send; ``headers`` and ``body`` hold the client
    credentials, so they are left out of ``repr()``."""

    method: str
    url: str
    headers: List[Tuple[str, str]] = field(repr=False)
    body: bytes = field(repr=False)


def build_token_request(
    *,
    now_ms: Optional[int] = None,
    entropy: Optional[bytes] = None,
    dpop_nonce: Optional[str] = None,
    **options: Any,
) -> TokenRequest:
    """The token request for ``options`` (the keyword options of :class:`ClientCredentials`
    that describe the request, plus ``dpop_key``). Configs that sign (JWT client
    authentication, DPoP) sign at ``now_ms`` (default: now) with ``entropy``
    (32 random bytes; default: fresh from the OS); the same inputs give the same bytes."""
    error: Optional[Error] = DOCUMENT_OPTIONS.error(0, options)
    if error is not None:
        del options
        raise error
    document = config_document(**options)
    del options
    when = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    try:
        r = _ffi.build_token_request_at(document, when, os.urandom(32) if entropy is None else entropy, dpop_nonce)
        return TokenRequest(r.method(), r.url(), [(h.name, h.value) for h in r.headers()], r.body())
    except FFI_ERRORS as e:
        error = from_ffi(e)
    del document
    raise error


def parse_token_response(
    status: int,
    headers: List[Tuple[str, str]],
    body: Union[bytes, str],
    now_ms: int,
    **options: Any,
) -> AccessToken:
    """Parses a token endpoint response received at ``now_ms`` (Unix ms).

    Raises :class:`OAuthError` for an RFC 6749 error, :class:`ResponseError`
    for anything else that is not a token.
    """
    error: Optional[Error] = DOCUMENT_OPTIONS.error(0, options)
    if error is not None:
        del options
        raise error
    document = config_document(**options)
    del options
    data = body.encode() if isinstance(body, str) else bytes(body)
    del body
    try:
        pairs = [_ffi.Header(name=n, value=v) for n, v in headers]
        return AccessToken._from_ffi(_ffi.parse_token_response(document, status, pairs, data, now_ms))
    except FFI_ERRORS as e:
        error = from_ffi(e)
    del document, data
    raise error


def parse_metadata_response(
    issuer: str, status: int, headers: List[Tuple[str, str]], body: Union[bytes, str], now_ms: int
) -> Dict[str, Any]:
    """Reads ``issuer``'s metadata response (RFC 8414): the members this client
    uses. Raises :class:`ResponseError` (e.g. ``ISSUER_MISMATCH``) when unusable."""
    data = body.encode() if isinstance(body, str) else bytes(body)
    error: Optional[Error] = None
    try:
        pairs = [_ffi.Header(name=n, value=v) for n, v in headers]
        metadata: Dict[str, Any] = json.loads(_ffi.parse_metadata_response(issuer, status, pairs, data, now_ms))
        return metadata
    except FFI_ERRORS as e:
        error = from_ffi(e)
    raise error


def _admin(kind: str, status: int, headers: List[Tuple[str, str]], body: Union[bytes, str], now_ms: int, options: Dict[str, Any]) -> str:
    error: Optional[Error] = DOCUMENT_OPTIONS.error(0, options)
    if error is not None:
        del options
        raise error
    document = config_document(**options)
    del options
    data = body.encode() if isinstance(body, str) else bytes(body)
    try:
        pairs = [_ffi.Header(name=n, value=v) for n, v in headers]
        if kind == "revocation":
            _ffi.parse_revocation_response(document, status, pairs, data, now_ms)
            return "null"
        return str(_ffi.parse_introspection_response(document, status, pairs, data, now_ms))
    except FFI_ERRORS as e:
        error = from_ffi(e)
    del document
    raise error


def parse_introspection_response(
    status: int, headers: List[Tuple[str, str]], body: Union[bytes, str], now_ms: int, **options: Any
) -> Dict[str, Any]:
    """Reads an introspection answer (RFC 7662): its members, ``active`` a bool."""
    members: Dict[str, Any] = json.loads(_admin("introspection", status, headers, body, now_ms, options))
    return members


def parse_revocation_response(
    status: int, headers: List[Tuple[str, str]], body: Union[bytes, str], now_ms: int, **options: Any
) -> None:
    """Reads a revocation answer (RFC 7009): any 2xx is success, else raises."""
    _admin("revocation", status, headers, body, now_ms, options)
