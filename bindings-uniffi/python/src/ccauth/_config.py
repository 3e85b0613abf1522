"""The keyword options of :class:`ClientCredentials` as the core's generated
``ClientConfig`` (validated when made: a bad option fails at once, named),
and the check that turns an unknown or missing keyword into a
:class:`ConfigError` rather than Python's ``TypeError``. No JSON here."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable, List, Mapping, Optional, Sequence, Tuple, Union

from ._errors import FFI_ERRORS, bad_option, from_ffi, missing_option, unknown_option
from ._ffi import ccauth_ffi as _ffi

if TYPE_CHECKING:  # pragma: no cover
    from ._errors import Error

Pairs = Union[Mapping[str, str], Sequence[Tuple[str, str]]]
"""Name/value pairs: a mapping, or a sequence of pairs (keeps duplicates and order)."""

# Options of 0.1 that are spelled otherwise now: the way to write them.
RENAMED = {
    "timeout": "renamed `timeout_ms` (milliseconds)",
    "auth_method": "now `auth=ClientAuth.…` (e.g. ClientAuth.CLIENT_SECRET_POST(secret=ClientSecret(…)))",
    "basic_auth_encoding": "now `auth=ClientAuth.CLIENT_SECRET_BASIC(secret=…, encoding=BasicEncoding.RAW)`",
    "private_key": "now `auth=ClientAuth.PRIVATE_KEY_JWT(key=PrivateKey.parse(…), key_id=…)`",
    "key_id": "now `auth=ClientAuth.PRIVATE_KEY_JWT(key=…, key_id=…)`",
    "client_assertion_alg": "now the `alg` of `ClientAuth.CLIENT_SECRET_JWT` or `ClientAuth.EXTERNAL_ASSERTION`",
    "dpop": "renamed `dpop_key` (a PrivateKey, or True for a new one)",
}


def _pairs(p: Optional[Pairs]) -> List[Any]:
    if p is None:
        return []
    items = p.items() if isinstance(p, Mapping) else p
    return [_ffi.Header(name=str(k), value=str(v)) for k, v in items]


def _words(v: Union[str, Sequence[str], None]) -> List[str]:
    if v is None:
        return []
    return v.split() if isinstance(v, str) else list(v)


def client_auth(auth: Any, client_secret: Optional[str], client_assertion: Optional[Callable[[], str]]) -> Any:
    """The one place the shorthands are read: ``client_secret`` alone is
    ``ClientAuth.CLIENT_SECRET_BASIC``, ``client_assertion`` alone is
    ``ClientAuth.EXTERNAL_ASSERTION``. Raises :class:`ConfigError`."""
    error: Optional[Error] = None
    if auth is None:
        if client_secret is not None:
            auth = _ffi.ClientAuth.CLIENT_SECRET_BASIC(secret=_ffi.ClientSecret(client_secret))
        elif client_assertion is not None:
            auth = _ffi.ClientAuth.EXTERNAL_ASSERTION()
        else:
            reason = "no client authentication: pass client_secret, or auth=ClientAuth.… (ClientAuth.NONE() for a public client)"
            error = bad_option("auth", reason)
    elif not isinstance(auth, _ffi.ClientAuth):
        error = bad_option("auth", f"a ClientAuth is expected, not {type(auth).__name__}")
    elif client_secret is not None:
        error = bad_option("client_secret", "give the secret once: in `auth` or as `client_secret`, not both")
    if error is None and (client_assertion is not None) != auth.is_EXTERNAL_ASSERTION():
        reason = "is for ClientAuth.EXTERNAL_ASSERTION" if client_assertion is not None else "required by ClientAuth.EXTERNAL_ASSERTION"
        error = bad_option("client_assertion", reason)
    del client_secret
    if error is not None:
        raise error
    return auth


def dpop_private_key(dpop_key: Any) -> Any:
    """``True``: a new P-256 key from the OS's randomness; else the key (or ``None``)."""
    if dpop_key is True:
        return _ffi.PrivateKey.generate_p256(os.urandom(32))
    return None if dpop_key is False else dpop_key


def client_config(
    token_endpoint: str,
    client_id: str,
    auth: Any,
    *,
    scopes: Union[str, Sequence[str], None] = None,
    include_scope: Optional[bool] = None,
    audience: Optional[str] = None,
    resources: Union[str, Sequence[str], None] = None,
    extra_body_params: Optional[Pairs] = None,
    extra_query_params: Optional[Pairs] = None,
    extra_headers: Optional[Pairs] = None,
    body_format: Any = None,
    max_response_bytes: Optional[int] = None,
    refresh: Any = None,
    retry: Any = None,
    assertion_audience: Optional[str] = None,
    assertion_lifetime_ms: Optional[int] = None,
    dpop_key: Any = None,
    revocation_endpoint: Optional[str] = None,
    introspection_endpoint: Optional[str] = None,
    proactive_refresh: bool = False,
    danger_accept_insecure_http: bool = False,
    issuer: Optional[str] = None,
    server_metadata_json: Optional[str] = None,
) -> Any:
    """The generated ``ClientConfig`` (raises :class:`ConfigError` naming the bad option)."""
    error: Optional[Error] = None
    options: Any = None
    try:
        options = _ffi.ClientOptions(
            token_endpoint=token_endpoint,
            client_id=client_id,
            auth=auth,
            scopes=_words(scopes),
            include_scope=include_scope,
            audience=audience,
            resources=[resources] if isinstance(resources, str) else _words(resources),
            extra_body_params=_pairs(extra_body_params),
            extra_query_params=_pairs(extra_query_params),
            extra_headers=_pairs(extra_headers),
            body_format=body_format,
            refresh=refresh,
            retry=retry,
            max_response_bytes=max_response_bytes,
            dpop_key=dpop_private_key(dpop_key),
            assertion_audience=assertion_audience,
            assertion_lifetime_ms=assertion_lifetime_ms,
            revocation_endpoint=revocation_endpoint,
            introspection_endpoint=introspection_endpoint,
            proactive_refresh=proactive_refresh,
            danger_accept_insecure_http=danger_accept_insecure_http,
            issuer=issuer,
            server_metadata_json=server_metadata_json,
        )
        return _ffi.ClientConfig(options)
    except FFI_ERRORS as e:
        error = from_ffi(e, {"server_metadata": "issuer"})
    del auth, options  # the traceback keeps this frame: no credential in it
    raise error


class Options:
    """The keyword options a function takes, read from its code object (no
    ``inspect`` import): an unknown one, or a required one left out, is a
    :class:`ConfigError` naming it, like every other bad option, rather than
    Python's ``TypeError``."""

    def __init__(self, f: Callable[..., Any], method: bool = False) -> None:
        code = f.__code__
        names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        self._names = frozenset(names)
        self._positional = names[int(method) : code.co_argcount]
        required = self._positional[: len(self._positional) - len(f.__defaults__ or ())]
        kw_defaults = f.__kwdefaults__ or {}
        kw_only = names[code.co_argcount :]
        self._required = [*required, *(n for n in kw_only if n not in kw_defaults)]
        self._known = sorted(n for n in self._names if n != "self" and not n.startswith("_"))

    def error(self, positional: int, options: Mapping[str, Any], check_required: bool = True) -> Optional[Error]:
        """The error for a call with ``positional`` arguments and keyword
        ``options`` (only their names are read), or ``None``."""
        for name in options:
            if name not in self._names:
                return unknown_option(name, self._known, RENAMED.get(name))
        if check_required:
            given = self._positional[:positional]
            for name in self._required:
                if name not in options and name not in given:
                    return missing_option(name)
        return None
