"""What the httpx and requests hooks share: whether an API's answer condemns
the token (the core decides) or asks for a DPoP nonce. Imports neither
library, so each extra works alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ._client import ClientCredentials


def condemned(client: "ClientCredentials", token: Any, status: int, challenge: "str | None") -> bool:
    """True when a 401 invalidated ``token`` (``invalid_token``, or no error code)."""
    return status == 401 and client.invalidate(token, challenge)


def wants_nonce(client: "ClientCredentials", url: str, status: int, headers: Any) -> bool:
    """Remembers a DPoP-Nonce; True when a 401 asks for it (RFC 9449 §9: resend once)."""
    nonce = headers.get("dpop-nonce")
    if nonce is None:
        return False
    client.remember_dpop_nonce(url, nonce)
    return status == 401 and "use_dpop_nonce" in (headers.get("www-authenticate") or "")
