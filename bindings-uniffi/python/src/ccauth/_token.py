"""AccessToken: an immutable snapshot of the core's token, redacted when printed."""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple


def _utc(ms: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ms / 1000, tz=_dt.timezone.utc)


@dataclass(frozen=True, repr=False, eq=False)
class AccessToken:
    """An access token and what the core knows of it.

    ``access_token``, ``authorization``, ``refresh_token`` and ``id_token``
    are secrets: they never appear in ``repr()``/``str()``.
    """

    access_token: str = field(repr=False)
    """The token itself (a secret)."""
    token_type: str
    """The type as sent (``Bearer``, ``bearer``, ``DPoP``…; compare case-insensitively)."""
    authorization: str = field(repr=False)
    """The ``Authorization`` header value, e.g. ``Bearer eyJ…`` (a secret)."""
    issued_at_ms: int
    expires_at_ms: int
    refresh_at_ms: int
    """When the client starts refreshing it (Unix ms)."""
    expiry_source: str
    """Where the expiry came from: ``expires_in``, ``jwt_exp``, ``default``, …"""
    scope: Optional[str]
    refresh_token: Optional[str] = field(repr=False)
    id_token: Optional[str] = field(repr=False)
    extras: Dict[str, Any]
    """Response fields the core does not model."""
    deviations: Tuple[str, ...]
    """Codes of provider quirks that were tolerated."""
    _ffi: Any = field(default=None, repr=False)
    """The core's token (prints redacted): what the lifecycle takes for an API call's headers."""

    @classmethod
    def _from_ffi(cls, token: Any, info: Any = None) -> AccessToken:
        # Each call into Rust costs microseconds: the non-secret fields come
        # at once (usually with the decision), then the token; the rarer
        # secrets only if present.
        if info is None:
            info = token.info()
        access_token = token.access_token()
        return cls(
            access_token=access_token,
            token_type=info.token_type,
            authorization=f"{info.authorization_scheme} {access_token}",
            issued_at_ms=info.issued_at_ms,
            expires_at_ms=info.expires_at_ms,
            refresh_at_ms=info.refresh_at_ms,
            expiry_source=info.expiry_source,
            scope=info.scope,
            refresh_token=token.refresh_token() if info.has_refresh_token else None,
            id_token=token.id_token() if info.has_id_token else None,
            extras=json.loads(info.extras_json),
            deviations=tuple(info.deviations),
            _ffi=token,
        )

    @property
    def expires_at(self) -> _dt.datetime:
        """Expiry as an aware UTC datetime."""
        return _utc(self.expires_at_ms)

    @property
    def issued_at(self) -> _dt.datetime:
        """When it was received, as an aware UTC datetime."""
        return _utc(self.issued_at_ms)

    @property
    def refresh_at(self) -> _dt.datetime:
        """When the client starts refreshing it, as an aware UTC datetime."""
        return _utc(self.refresh_at_ms)

    def is_expired(self, now_ms: int) -> bool:
        """Whether the token is expired at ``now_ms`` (Unix ms)."""
        return now_ms >= self.expires_at_ms

    def __repr__(self) -> str:
        return (
            f"AccessToken(access_token=[REDACTED], token_type={self.token_type!r}, "
            f"expires_at={self.expires_at.isoformat()!r}, scope={self.scope!r})"
        )

    __str__ = __repr__
