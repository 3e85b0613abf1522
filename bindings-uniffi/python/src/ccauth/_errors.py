"""One exception hierarchy; every field comes from the core's error record.

Messages are the core's sanitized texts: no secret or token is ever in
``str()``, ``repr()`` or ``args``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

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

    __slots__ = ("params", "scheme")

    def __init__(self, scheme: str, params: List[Tuple[str, str]]) -> None:
        self.scheme = scheme
        self.params = params

    def param(self, name: str) -> Optional[str]:
        """The value of parameter ``name`` (lower-case), if present."""
        return next((v for n, v in self.params if n == name), None)

    def __repr__(self) -> str:
        return f"Challenge(scheme={self.scheme!r}, params={self.params!r})"


_FIELDS = (
    "code", "message", "retryable", "status", "error", "error_description", "error_uri", "retry_after_ms",
    "body_kind", "content_type", "body_len", "excerpt", "www_authenticate", "extras", "dpop_nonce",
    "field", "reason", "index", "transport_kind", "cause", "request_sent",
)


class Error(Exception):
    """Base of every ccauth error. ``code`` is the core's stable code; every
    other field is ``None`` (``[]``/``{}`` for the collections) when it does
    not apply."""

    code: str
    """Stable code, e.g. ``TOKEN_ENDPOINT_ERROR``, ``INVALID_TOKEN_ENDPOINT``."""
    message: str
    """One line: the code, then what went wrong (no secret, no token)."""
    retryable: bool
    """Whether the same request may succeed later."""
    status: Optional[int]
    """HTTP status of the server's response, when there was one."""
    error: Optional[str]
    """RFC 6749 ``error`` (``invalid_client``, …), when the server sent one."""
    error_description: Optional[str]
    """The server's ``error_description`` as written (line breaks kept; secrets redacted)."""
    error_uri: Optional[str]
    retry_after_ms: Optional[int]
    """The server's ``Retry-After``, in milliseconds."""
    body_kind: Optional[str]
    """What the body looked like: ``json``, ``html``, ``empty``, …"""
    content_type: Optional[str]
    """The response's ``Content-Type``."""
    body_len: Optional[int]
    """Body length in bytes (the declared ``Content-Length`` of a body too large to read)."""
    excerpt: Optional[str]
    """A short sanitized excerpt of a non-2xx body."""
    www_authenticate: List[Challenge]
    extras: Dict[str, Any]
    """The other members of an error body (Entra's ``error_codes``, ``trace_id``,
    ``correlation_id``, ``timestamp``, …): what support asks for."""
    dpop_nonce: Optional[str]
    """The ``DPoP-Nonce`` of a ``use_dpop_nonce`` error (then ``retryable``)."""
    field: Optional[str]
    """The option at fault (config errors), by its Python name."""
    reason: Optional[str]
    """Why the option was refused (config errors), without its name."""
    index: Optional[int]
    """Position of the bad item in a list option (``scopes``, ``extra_headers``, …)."""
    transport_kind: Optional[str]
    """No response: ``timeout``, ``connect``, ``tls``, ``reset`` or ``other``."""
    cause: Optional[str]
    """No response: the platform's code (``ECONNREFUSED``, ``ReadTimeout``, …)."""
    request_sent: Optional[bool]
    """No response: whether the request had been sent (``None``: unknown)."""
    cooldown_until: Optional[int]
    """While the error is served from the cool-down after a failed fetch
    (no new request until then): its end, Unix ms; ``reset_failure()`` ends it."""

    def __init__(self, info: Any, names: Optional[Mapping[str, str]] = None) -> None:
        self._info = info
        self.code = info.code
        self.retryable = info.retryable
        self.status = info.status
        self.error = info.error
        self.error_description = info.error_description
        self.error_uri = info.error_uri
        self.retry_after_ms = info.retry_after_ms
        self.body_kind = info.body_kind
        self.content_type = info.content_type
        self.body_len = info.body_len
        self.excerpt = info.excerpt
        self.www_authenticate = [
            Challenge(c.scheme, [(p.name, p.value) for p in c.params]) for c in info.www_authenticate
        ]
        self.extras = _extras(info.extras_json)
        self.dpop_nonce = info.dpop_nonce
        self.reason = info.reason
        self.index = info.index
        self.transport_kind = info.transport_kind
        self.cause = info.cause
        self.request_sent = info.request_sent
        self.field = info.field
        self.message = info.message
        self.cooldown_until = None
        if info.field is not None:
            self.field, self.reason, self.index, self.message = option_message(
                info.code, info.field, self.reason, self.index, info.message, names or {}
            )
        super().__init__(self.message)

    def _served_from_cooldown(self, until_ms: int) -> None:
        """Marks the error as served from the cool-down that ends at ``until_ms``."""
        from datetime import datetime, timezone

        at = datetime.fromtimestamp(until_ms / 1000, timezone.utc).isoformat(timespec="milliseconds")
        self.cooldown_until = until_ms
        self.message = f"{self.message}; served from the cool-down until {at.replace('+00:00', 'Z')}; reset_failure() retries at once"
        self.args = (self.message,)

    def __repr__(self) -> str:
        extra = "".join(
            f", {name}={getattr(self, name)!r}"
            for name in ("status", "error", "field", "transport_kind", "cause", "cooldown_until")
            if getattr(self, name) is not None
        )
        return f"{type(self).__name__}(code={self.code!r}{extra}, message={self.message!r})"


def _extras(text: str) -> Dict[str, Any]:
    """The core's ``extras_json`` (always a JSON object) as a dict."""
    if text == "{}":
        return {}
    import json

    value = json.loads(text)
    return value if isinstance(value, dict) else {}


# The core's config fields that ClientCredentials spells otherwise (the
# options are the core's words, docs/OPTIONS.md): discover() fetched the metadata.
CLIENT_OPTION_NAMES = {"server_metadata": "issuer"}


_CORE_MESSAGE = r"^[A-Z_]+: invalid `[^`]*`(?: \(item (\d+)\))?: (.*)$"


def option_message(
    code: str,
    field: str,
    reason: Optional[str],
    index: Optional[int],
    message: str,
    names: Mapping[str, str],
) -> Tuple[str, Optional[str], Optional[int], str]:
    """(field, reason, index, message) with the core's config field names turned
    into the option names the caller used."""
    import re

    name = names.get(field, field)
    if reason is None:  # the core's own message: "CODE: invalid `field` (item i): reason"
        parsed = re.match(_CORE_MESSAGE, message, re.S)
        if parsed is None:
            return name, None, index, message.replace(f"`{field}`", f"`{name}`")
        reason = parsed.group(2)
        if index is None and parsed.group(1) is not None:
            index = int(parsed.group(1))
    for core, own in names.items():
        reason = re.sub(rf"\b{re.escape(core)}\b", own, reason)
    if "cargo feature" in reason or "feature)" in reason:
        reason = "this build of ccauth leaves it out (the published wheels have every algorithm and key format)"
    at = f" (item {index})" if index is not None else ""
    return name, reason, index, f"{code}: invalid `{name}`{at}: {reason}"


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


def from_info(info: Any, names: Optional[Mapping[str, str]] = None) -> Error:
    """The exception for a core error record (the core classifies it);
    ``names`` maps core config fields to the caller's option names."""
    return _BY_KIND.get(info.kind, Error)(info, names)


# The generated module raises these exceptions instead of its own
# ``CcauthError.*`` classes (it builds each by calling the variant's name),
# so a generated constructor the package re-exports (``PrivateKey.parse``,
# ``PrivateKey.generate_p256``) raises a ConfigError like every other bad option.
for _variant in ("Config", "Response", "Transport", "TokenDocument"):
    setattr(_ffi.CcauthError, _variant, from_info)

FFI_ERRORS = (Error,)
"""What the generated module raises (catch these; :func:`from_ffi` makes a fresh one)."""


def from_ffi(error: Error, names: Optional[Mapping[str, str]] = None) -> Error:
    """A fresh exception for an error raised by the generated module (no
    traceback through its frames, whose locals hold the call's arguments),
    with the core's config field names turned into ``names``."""
    return from_info(error._info, names)


def _local(kind: Any, code: str, message: str, retryable: bool = False, **fields: Any) -> Error:
    """An error raised by the Python driver itself, shaped like the core's."""
    from types import SimpleNamespace

    info = SimpleNamespace(**{name: None for name in _FIELDS}, extras_json="{}")
    info.__dict__.update(
        kind=kind, code=code, message=f"{code}: {message}", retryable=retryable, www_authenticate=[], **fields
    )
    return from_info(info)


def unknown_option(name: str, known: Sequence[str], hint: Optional[str] = None) -> Error:
    """A :class:`ConfigError` for a keyword option that does not exist: what
    it became (``hint``, for a renamed one), else the closest known one."""
    import difflib

    shown = name if name.isidentifier() else repr(name)[:64]
    close = difflib.get_close_matches(name, known, n=1)
    reason = "unknown option" + (f"; {hint}" if hint else f"; did you mean `{close[0]}`?" if close else "")
    return _local(
        _ffi.ErrorKind.CONFIG, "INVALID_CONFIG_DOCUMENT", f"invalid `{shown}`: {reason}", field=shown, reason=reason
    )


def bad_option(name: str, reason: str) -> Error:
    """A :class:`ConfigError` for an option the driver itself refuses (how client authentication is given)."""
    return _local(_ffi.ErrorKind.CONFIG, "INVALID_PARAMETER", f"invalid `{name}`: {reason}", field=name, reason=reason)


def missing_option(name: str) -> Error:
    """A :class:`ConfigError` for a required option left out."""
    reason = "required option missing"
    return _local(
        _ffi.ErrorKind.CONFIG, "INVALID_CONFIG_DOCUMENT", f"invalid `{name}`: {reason}", field=name, reason=reason
    )
