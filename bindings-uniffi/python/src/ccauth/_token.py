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

    @classmethod
    def _from_ffi(cls, token: Any) -> "AccessToken":
        return cls(
            access_token=token.access_token(),
            token_type=token.token_type(),
            authorization=token.authorization(),
            issued_at_ms=token.issued_at_ms(),
            expires_at_ms=token.expires_at_ms(),
            refresh_at_ms=token.refresh_at_ms(),
            expiry_source=token.expiry_source(),
            scope=token.scope(),
            refresh_token=token.refresh_token(),
            id_token=token.id_token(),
            extras=json.loads(token.extras_json()),
            deviations=tuple(token.deviations()),
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
