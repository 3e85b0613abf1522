"""Lifecycle events and stats: what the core recorded, for logs, metrics and listeners.

The core records an event on each lifecycle change (a fetch starts,
succeeds, is retried, fails for good; a token is dropped; a failure is
reset) and never on a call served from the cache; the client drains them
after the calls that can change the lifecycle and hands each to the
``ccauth`` logger and to its ``on_event`` listener. Events name the cache
entry and the token by short SHA-256 prefixes and carry codes and sanitized
messages only: never a secret, a token or a response body.

Apart from the client so that ``import ccauth`` does not import ``logging``
or ``dataclasses`` (and ``inspect`` with it): this module is loaded with the
first event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

__all__ = ["LifecycleEvent", "TokenStats", "deliver", "LOGGER"]

LOGGER = logging.getLogger("ccauth")
# A library's logger (the logging HOWTO): silent until the application
# configures logging, instead of Python's last-resort handler printing warnings.
LOGGER.addHandler(logging.NullHandler())

# The level of each event; the others are INFO. Fleet store: a store that
# fails or an entry that does not open is an operator's problem (WARNING);
# store_hit (a process's refresh, the store's fetch_succeeded), store_published
# and store_recovered come once per process or fleet and refresh (INFO);
# lease_acquired is always followed by a fetch_started and lease_busy by a
# store_hit, each process every refresh (DEBUG: detail, not news).
_LEVELS = {
    "retry_scheduled": logging.WARNING,
    "fetch_failed": logging.ERROR,
    "store_unavailable": logging.WARNING,
    "store_entry_rejected": logging.WARNING,
    "lease_acquired": logging.DEBUG,
    "lease_busy": logging.DEBUG,
}

_OPTIONAL = (
    "ticket", "attempt", "reason", "duration_ms", "lifetime_ms", "expires_at_ms", "expiry_source", "token_id",
    "delay_ms", "until_ms", "retry_after_ms", "code", "error", "status", "retryable", "message",
)


@dataclass(frozen=True)
class LifecycleEvent:
    """One lifecycle change, as the core recorded it (immutable).

    ``event`` is one of ``fetch_started``, ``fetch_succeeded``,
    ``retry_scheduled``, ``fetch_failed``, ``token_invalidated``,
    ``failure_reset``, and with a fleet store ``store_hit``,
    ``lease_acquired``, ``lease_busy``, ``store_published``,
    ``store_unavailable``, ``store_recovered``, ``store_entry_rejected``; fields the kind of event does not carry are ``None``
    (``()`` for ``deviations`` and ``trace_ids``). Times are Unix
    milliseconds of the host's clock. :meth:`to_dict` gives the core's JSON
    form (absent fields left out), the same in every language.
    """

    event: str
    """What happened (the names above, stable across languages)."""
    at_ms: int
    """When it happened (Unix ms)."""
    key: str
    """The cache entry: a SHA-256 prefix of its cache key (no client id in clear)."""
    ticket: Optional[int] = None
    """The token request's ticket (fetch events)."""
    attempt: Optional[int] = None
    """1 for a fetch's first attempt, 2 for the first retry, …"""
    reason: Optional[str] = None
    """Why a fetch started (``cold``, ``refresh_ahead``, ``proactive``, ``expired``,
    ``invalidated``, ``retry``, ``dpop_nonce``), a token was dropped (``api_401``, ``revoked``, ``user``)
    or a store entry was rejected (``truncated``, ``tampered_or_foreign``)."""
    duration_ms: Optional[int] = None
    """From the ticket's start to its report."""
    lifetime_ms: Optional[int] = None
    """The token's lifetime as read."""
    expires_at_ms: Optional[int] = None
    """When the new token expires (Unix ms)."""
    expiry_source: Optional[str] = None
    """Where the expiry came from (``expires_in``, ``expires_on``, ``jwt_exp``, ``default``)."""
    deviations: Tuple[str, ...] = ()
    """What the response parser tolerated (``expires_in_string``, …)."""
    token_id: Optional[str] = None
    """The token: a SHA-256 prefix, to correlate logs; useless to replay."""
    delay_ms: Optional[int] = None
    """How long until the retry."""
    until_ms: Optional[int] = None
    """The retry's time, or the end of the cool-down (Unix ms)."""
    retry_after_ms: Optional[int] = None
    """The server's ``Retry-After``."""
    code: Optional[str] = None
    """The error's stable code (``TOKEN_ENDPOINT_ERROR``, ``TRANSPORT_ERROR``, …)."""
    error: Optional[str] = None
    """The server's RFC 6749 ``error`` (``invalid_client``, …)."""
    status: Optional[int] = None
    """The HTTP status of the token endpoint's answer."""
    retryable: Optional[bool] = None
    """Whether the same request may succeed later."""
    message: Optional[str] = None
    """The error's message (sanitized: no secret, token or body)."""
    trace_ids: Tuple[str, ...] = ()
    """The server's request or trace ids, ``name=value`` (``x-request-id=…``, ``trace_id=…``)."""

    @classmethod
    def _from_ffi(cls, record: Any) -> LifecycleEvent:
        """From the generated ``LifecycleEvent`` record."""
        return cls(
            record.event, record.at_ms, record.key, record.ticket, record.attempt, record.reason, record.duration_ms,
            record.lifetime_ms, record.expires_at_ms, record.expiry_source, tuple(record.deviations), record.token_id,
            record.delay_ms, record.until_ms, record.retry_after_ms, record.code, record.error, record.status,
            record.retryable, record.message, tuple(record.trace_ids),
        )

    def to_dict(self) -> Dict[str, Any]:
        """The core's JSON form: a new dict, absent fields left out, lists as lists."""
        out: Dict[str, Any] = {"event": self.event, "at_ms": self.at_ms, "key": self.key}
        for name in _OPTIONAL:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.deviations:
            out["deviations"] = list(self.deviations)
        if self.trace_ids:
            out["trace_ids"] = list(self.trace_ids)
        return out


@dataclass(frozen=True)
class TokenStats:
    """A client's counters and state (:meth:`ClientCredentials.stats`); times are Unix ms."""

    key: str
    """The cache entry: a SHA-256 prefix of its cache key, as in events."""
    tokens_served: int
    """Calls answered with a token (from the client's cache or fresh)."""
    fetches: int
    """Token requests sent (every attempt)."""
    fetch_successes: int
    """Token requests that brought a token."""
    attempt_failures: int
    """Attempts that failed (retried or final)."""
    fetch_failures: int
    """Fetches that failed for good (cool-downs entered)."""
    invalidations: int
    """Cached tokens dropped (an API's 401, a revocation, :meth:`ClientCredentials.invalidate`)."""
    last_fetch_at_ms: Optional[int] = None
    """When the last fetch started."""
    token_expires_at_ms: Optional[int] = None
    """The cached token's expiry."""
    token_id: Optional[str] = None
    """The cached token's id (SHA-256 prefix), as in events."""
    cooldown_until_ms: Optional[int] = None
    """While a failure is served from the cool-down: until when."""
    last_error_code: Optional[str] = None
    """The code of the last failed attempt."""

    @classmethod
    def _from_ffi(cls, record: Any, memo_hits: int) -> TokenStats:
        """From the generated ``TokenStats`` record, with the client's own cache hits served."""
        return cls(
            record.key, record.tokens_served + memo_hits, record.fetches, record.fetch_successes,
            record.attempt_failures, record.fetch_failures, record.invalidations, record.last_fetch_at_ms,
            record.token_expires_at_ms, record.token_id, record.cooldown_until_ms, record.last_error_code,
        )


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = ",".join(value)
    text = str(value)
    if not text or any(c in text for c in ' "\\') or not text.isprintable():
        import json

        return json.dumps(text)
    return text


def log_line(fields: Dict[str, Any]) -> str:
    """One line: ``ccauth fetch_succeeded key=… duration_ms=…`` (the event's fields
    but its time, which the log record has; free text quoted)."""
    parts = [f"{name}={_value(value)}" for name, value in fields.items() if name not in ("event", "at_ms")]
    return " ".join(["ccauth", fields["event"], *parts])


def deliver(records: Sequence[Any], listener: Optional[Callable[[LifecycleEvent], Any]]) -> None:
    """Hands each drained event to the ``ccauth`` logger (nothing formatted
    when its level is off) and to ``listener``; a listener that raises is
    logged (its exception's class only) and never reaches the token path."""
    for record in records:
        level = _LEVELS.get(record.event, logging.INFO)
        event: Optional[LifecycleEvent] = None
        if LOGGER.isEnabledFor(level):
            event = LifecycleEvent._from_ffi(record)
            fields = event.to_dict()
            LOGGER.log(level, log_line(fields), extra={"ccauth_event": fields})
        if listener is not None:
            try:
                listener(event if event is not None else LifecycleEvent._from_ffi(record))
            except Exception as e:  # a listener's bug never fails a token request
                LOGGER.warning("ccauth on_event listener raised %s (ignored)", type(e).__name__)
