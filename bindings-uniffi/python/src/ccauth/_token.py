"""AccessToken: an immutable snapshot of the core's token, redacted when printed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, NoReturn, Optional, Tuple

if TYPE_CHECKING:  # pragma: no cover
    import datetime as _dt


def _utc(ms: int) -> _dt.datetime:
    import datetime as _dt  # here: most services never ask for a datetime (import time)

    return _dt.datetime.fromtimestamp(ms / 1000, tz=_dt.timezone.utc)


class AccessToken:
    """An access token and what the core knows of it (immutable).

    ``access_token``, ``authorization``, ``refresh_token`` and ``id_token``
    are secrets: they never appear in ``repr()``/``str()``. They stay in the
    core until first read (each read across the FFI costs microseconds).
    """

    __slots__ = ("_access_token", "_authorization", "_extras", "_ffi", "_info")
    _ffi: Any
    _info: Any
    _access_token: Optional[str]
    _authorization: Optional[str]
    _extras: Optional[Dict[str, Any]]

    def __init__(self, token: Any, info: Any) -> None:
        set_ = object.__setattr__
        set_(self, "_ffi", token)  # the core's token (prints redacted): what the lifecycle takes for an API call's headers
        set_(self, "_info", info)  # its non-secret fields (the core's TokenInfo record)
        set_(self, "_access_token", None)
        set_(self, "_authorization", None)
        set_(self, "_extras", None)

    @classmethod
    def _from_ffi(cls, token: Any, info: Any = None) -> AccessToken:
        return cls(token, token.info() if info is None else info)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"AccessToken is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"AccessToken is immutable: cannot delete {name!r}")

    @property
    def access_token(self) -> str:
        """The token itself (a secret)."""
        value = self._access_token
        if value is None:
            value = str(self._ffi.access_token())
            object.__setattr__(self, "_access_token", value)
        return value

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header value, e.g. ``Bearer eyJ…`` (a secret)."""
        value = self._authorization
        if value is None:
            value = f"{self._info.authorization_scheme} {self.access_token}"
            object.__setattr__(self, "_authorization", value)
        return value

    @property
    def token_type(self) -> str:
        """The type as sent (``Bearer``, ``bearer``, ``DPoP``…; compare case-insensitively)."""
        value: str = self._info.token_type
        return value

    @property
    def issued_at_ms(self) -> int:
        """When it was received (Unix ms)."""
        value: int = self._info.issued_at_ms
        return value

    @property
    def expires_at_ms(self) -> int:
        """When it expires (Unix ms)."""
        value: int = self._info.expires_at_ms
        return value

    @property
    def refresh_at_ms(self) -> int:
        """When the client starts refreshing it (Unix ms)."""
        value: int = self._info.refresh_at_ms
        return value

    @property
    def expiry_source(self) -> str:
        """Where the expiry came from: ``expires_in``, ``jwt_exp``, ``default``, …"""
        value: str = self._info.expiry_source
        return value

    @property
    def scope(self) -> Optional[str]:
        value: Optional[str] = self._info.scope
        return value

    @property
    def refresh_token(self) -> Optional[str]:
        """A refresh token, if the server sent one (a secret)."""
        value: Optional[str] = self._ffi.refresh_token() if self._info.has_refresh_token else None
        return value

    @property
    def id_token(self) -> Optional[str]:
        """An ID token, if the server sent one (a secret)."""
        value: Optional[str] = self._ffi.id_token() if self._info.has_id_token else None
        return value

    @property
    def extras(self) -> Dict[str, Any]:
        """Response fields the core does not model."""
        value = self._extras
        if value is None:
            import json

            value = json.loads(self._info.extras_json)
            object.__setattr__(self, "_extras", value)
        return value

    @property
    def deviations(self) -> Tuple[str, ...]:
        """Codes of provider quirks that were tolerated."""
        return tuple(self._info.deviations)

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
