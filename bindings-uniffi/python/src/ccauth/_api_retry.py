"""What the httpx and requests hooks share: the core's verdict on an API's
answer (it keeps the API's DPoP nonce, reads the challenge, drops a condemned
token). Imports neither library, so each extra works alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._ffi import ccauth_ffi as _ffi

if TYPE_CHECKING:  # pragma: no cover
    from ._client import ClientCredentials
    from ._token import AccessToken

RETRY_WITH_NONCE = _ffi.ApiVerdict.RETRY_WITH_NONCE
"""Send the call again, once, with the same token and fresh headers."""
RETRY_WITH_NEW_TOKEN = _ffi.ApiVerdict.RETRY_WITH_NEW_TOKEN
"""Send the call again, once, with the client's (new) token."""
DONE = _ffi.ApiVerdict.DONE
"""Keep the response."""


def verdict(client: ClientCredentials, token: AccessToken, url: str, status: int, headers: Any, nonce_retried: bool) -> Any:
    """The core's verdict on a response to a call made with ``token``;
    ``headers`` is httpx's or requests' (case-insensitive; both join repeated
    headers with ``, ``). An answer the core's lists say changes nothing is
    ``DONE`` without asking."""
    if not client._must_report(status, headers):
        return DONE
    return client._api_response(
        token, url, status, headers.get("www-authenticate"), headers.get("dpop-nonce"), nonce_retried
    )
