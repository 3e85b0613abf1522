"""Keyword options → the core's config document (the shared vectors' ``config``)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ._errors import missing_option, unknown_option

if TYPE_CHECKING:  # pragma: no cover
    from ._errors import Error

Pairs = Union[Mapping[str, str], Sequence[Tuple[str, str]]]
"""Name/value pairs: a mapping, or a sequence of pairs (keeps duplicates and order)."""

KeyInput = Union[str, Mapping[str, Any]]
"""A private key: a PKCS#8 PEM string, or a JWK (a mapping, or its JSON text)."""


@dataclass(frozen=True)
class RefreshPolicy:
    """When to refresh: leeway = min(max(lifetime·leeway_percent/100, min_leeway_ms), max_leeway_ms, lifetime/2).

    ``None`` keeps the core's default (30 s, 5 min, 10 %, 1 h for tokens without expiry).
    """

    min_leeway_ms: Optional[int] = None
    max_leeway_ms: Optional[int] = None
    leeway_percent: Optional[int] = None
    default_lifetime_ms: Optional[int] = None


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of the token request (core defaults: 3 attempts, 60 s of waiting,
    30 s cool-down after a permanent failure, 30 s before an unreported attempt counts as lost)."""

    max_attempts: Optional[int] = None
    max_wait_ms: Optional[int] = None
    failure_cooldown_ms: Optional[int] = None
    attempt_timeout_ms: Optional[int] = None


def _pairs(p: Optional[Pairs]) -> List[Tuple[str, str]]:
    if p is None:
        return []
    if isinstance(p, Mapping):
        return [(str(k), str(v)) for k, v in p.items()]
    return [(str(k), str(v)) for k, v in p]


def _words(v: Union[str, Sequence[str], None]) -> List[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return v.split()
    return list(v)


def _drop_none(d: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _key(key: Optional[KeyInput]) -> Any:
    """A mapping (JWK) becomes an object; text (PEM, or JWK JSON) is read by the core."""
    return dict(key) if isinstance(key, Mapping) else key


def config_document(
    *,
    token_endpoint: str,
    client_id: str,
    client_secret: Optional[str] = None,
    auth_method: Optional[str] = None,
    basic_auth_encoding: Optional[str] = None,
    scopes: Union[str, Sequence[str], None] = None,
    include_scope: Optional[bool] = None,
    audience: Optional[str] = None,
    resources: Union[str, Sequence[str], None] = None,
    extra_body_params: Optional[Pairs] = None,
    extra_query_params: Optional[Pairs] = None,
    extra_headers: Optional[Pairs] = None,
    body_format: Optional[str] = None,
    danger_accept_insecure_http: bool = False,
    max_response_bytes: Optional[int] = None,
    refresh: Optional[RefreshPolicy] = None,
    retry: Optional[RetryPolicy] = None,
    private_key: Optional[KeyInput] = None,
    client_assertion_alg: Optional[str] = None,
    key_id: Optional[str] = None,
    assertion_audience: Optional[str] = None,
    assertion_lifetime_ms: Optional[int] = None,
    external_client_assertion: bool = False,
    dpop_key: Optional[KeyInput] = None,
    issuer: Optional[str] = None,
    server_metadata: Optional[Mapping[str, Any]] = None,
    proactive_refresh: Optional[bool] = None,
    revocation_endpoint: Optional[str] = None,
    introspection_endpoint: Optional[str] = None,
) -> str:
    """The config document as JSON text (validated by the core, not here)."""
    doc = _drop_none(
        {
            "token_endpoint": token_endpoint,
            "client_id": client_id,
            "client_secret": client_secret,
            "auth_method": auth_method,
            "basic_auth_encoding": basic_auth_encoding,
            "scopes": _words(scopes),
            "include_scope": include_scope,
            "audience": audience,
            "resources": [resources] if isinstance(resources, str) else _words(resources),
            "extra_body_params": _pairs(extra_body_params),
            "extra_query_params": _pairs(extra_query_params),
            "extra_headers": _pairs(extra_headers),
            "body_format": body_format,
            "danger_accept_insecure_http": danger_accept_insecure_http,
            "max_response_bytes": max_response_bytes,
            "refresh": None if refresh is None else _drop_none(asdict(refresh)),
            "retry": None if retry is None else _drop_none(asdict(retry)),
            "private_key": _key(private_key),
            "client_assertion_alg": client_assertion_alg,
            "key_id": key_id,
            "assertion_audience": assertion_audience,
            "assertion_lifetime_ms": assertion_lifetime_ms,
            "external_client_assertion": external_client_assertion or None,
            "dpop_key": _key(dpop_key),
            "issuer": issuer,
            "server_metadata": None if server_metadata is None else dict(server_metadata),
            "proactive_refresh": proactive_refresh,
            "revocation_endpoint": revocation_endpoint,
            "introspection_endpoint": introspection_endpoint,
        }
    )
    return json.dumps(doc)


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
                return unknown_option(name, self._known)
        if check_required:
            given = self._positional[:positional]
            for name in self._required:
                if name not in options and name not in given:
                    return missing_option(name)
        return None


DOCUMENT_OPTIONS = Options(config_document)
"""The options of the sans-IO functions (:func:`config_document`'s keywords)."""
