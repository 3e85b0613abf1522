"""One exception hierarchy; every field comes from the core's error record.

Messages are the core's sanitized texts: no secret or token is ever in
``str()``, ``repr()`` or ``args``.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from ._ffi import ccauth_ffi as _ffi

__all__ = [
    "Error",
    "ConfigError",
    "ResponseError",
    "OAuthError",
    "TransportError",
    "TokenDocumentError",
    "Challenge",
]


class Challenge:
    """One ``WWW-Authenticate`` challenge, e.g. ``Bearer error="invalid_token"``."""

    __slots__ = ("scheme", "params")

    def __init__(self, scheme: str, params: List[Tuple[str, str]]) -> None:
        self.scheme = scheme
        self.params = params

    def param(self, name: str) -> Optional[str]:
        """The value of parameter ``name`` (lower-case), if present."""
        return next((v for n, v in self.params if n == name), None)

    def __repr__(self) -> str:
        return f"Challenge(scheme={self.scheme!r}, params={self.params!r})"


class Error(Exception):
    """Base of every ccauth error. ``code`` is the core's stable code."""

    code: str
    """Stable code, e.g. ``TOKEN_ENDPOINT_ERROR``, ``INVALID_TOKEN_ENDPOINT``."""
    message: str
    retryable: bool
    """Whether the same request may succeed later."""
    status: Optional[int]
    """HTTP status of the token endpoint's response, when there was one."""
    error: Optional[str]
    """RFC 6749 ``error`` (``invalid_client``, …), when the server sent one."""
    error_description: Optional[str]
    error_uri: Optional[str]
    retry_after_ms: Optional[int]
    """The server's ``Retry-After``, in milliseconds."""
    body_kind: Optional[str]
    excerpt: Optional[str]
    """A short sanitized excerpt of a non-2xx body."""
    www_authenticate: List[Challenge]
    field: Optional[str]
    """The option at fault (config errors)."""

    def __init__(self, info: Any) -> None:
        super().__init__(info.message)
        self.code = info.code
        self.message = info.message
        self.retryable = info.retryable
        self.status = info.status
        self.error = info.error
        self.error_description = info.error_description
        self.error_uri = info.error_uri
        self.retry_after_ms = info.retry_after_ms
        self.body_kind = info.body_kind
        self.excerpt = info.excerpt
        self.www_authenticate = [
            Challenge(c.scheme, [(p.name, p.value) for p in c.params]) for c in info.www_authenticate
        ]
        self.field = info.field

    def __repr__(self) -> str:
        extra = "".join(
            f", {name}={getattr(self, name)!r}"
            for name in ("status", "error", "field")
            if getattr(self, name) is not None
        )
        return f"{type(self).__name__}(code={self.code!r}{extra}, message={self.message!r})"


class ConfigError(Error, ValueError):
    """An option was rejected; ``field`` names it."""


class ResponseError(Error):
    """The token endpoint's response was not a token (status, body kind, excerpt)."""


class OAuthError(ResponseError):
    """The token endpoint sent an RFC 6749 error (``error``, ``error_description``)."""


class TransportError(Error, OSError):
    """No response from the token endpoint: timeout, connection or TLS failure."""


class TokenDocumentError(Error, ValueError):
    """An exported token document could not be imported (expired, foreign, malformed)."""


_BY_KIND = {
    _ffi.ErrorKind.CONFIG: ConfigError,
    _ffi.ErrorKind.O_AUTH: OAuthError,
    _ffi.ErrorKind.RESPONSE: ResponseError,
    _ffi.ErrorKind.TRANSPORT: TransportError,
    _ffi.ErrorKind.TOKEN_DOCUMENT: TokenDocumentError,
}


def from_info(info: Any) -> Error:
    """The exception for a core error record (the core classifies it)."""
    return _BY_KIND.get(info.kind, Error)(info)


FFI_ERRORS = (
    _ffi.CcauthError.Config,
    _ffi.CcauthError.Response,
    _ffi.CcauthError.Transport,
    _ffi.CcauthError.TokenDocument,
)
"""What the generated module raises (one class per variant; catch these)."""


def from_ffi(error: BaseException) -> Error:
    """The exception for an error raised by the generated module."""
    return from_info(getattr(error, "info"))


def _local(kind: Any, code: str, message: str, field: Optional[str] = None, retryable: bool = False) -> Error:
    """An error raised by the Python driver itself, shaped like the core's."""
    from types import SimpleNamespace

    info = SimpleNamespace(
        kind=kind, code=code, message=f"{code}: {message}", retryable=retryable, status=None, error=None,
        error_description=None, error_uri=None, retry_after_ms=None, body_kind=None, excerpt=None,
        www_authenticate=[], field=field,
    )
    return from_info(info)


def config_error(message: str, field: str) -> Error:
    """A :class:`ConfigError` for an option the driver checks itself."""
    return _local(_ffi.ErrorKind.CONFIG, "INVALID_PARAMETER", message, field)


def transport_error(failure: BaseException) -> Error:
    """A :class:`TransportError` for a request the driver sent outside the lifecycle."""
    return _local(_ffi.ErrorKind.TRANSPORT, "TRANSPORT_ERROR", type(failure).__name__, retryable=True)
