"""What the httpx and requests hooks share: whether an API's answer condemns
the token (the core decides) or asks for a DPoP nonce. Imports neither
library, so each extra works alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ._client import ClientCredentials


def condemned(client: ClientCredentials, token: Any, status: int, challenge: str | None) -> bool:
    """On a 401, tells the core (it drops ``token`` for ``invalid_token`` or
    no error code, keeps it for ``insufficient_scope``) and returns True: the
    caller then resends if the client's token is no longer ``token``. Whether
    *this* call dropped it does not matter: when many requests share a token
    the server has just expired, the first 401 drops it and the others find
    it gone; each must still be resent with the new one."""
    if status != 401:
        return False
    client.invalidate(token, challenge)
    return True


def wants_nonce(client: ClientCredentials, url: str, status: int, headers: Any) -> bool:
    """Remembers a DPoP-Nonce; True when a 401 asks for it (RFC 9449 §9: resend once)."""
    nonce = headers.get("dpop-nonce")
    if nonce is None:
        return False
    client.remember_dpop_nonce(url, nonce)
    return status == 401 and "use_dpop_nonce" in (headers.get("www-authenticate") or "")
