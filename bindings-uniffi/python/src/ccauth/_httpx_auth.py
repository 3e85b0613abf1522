"""The httpx auth hook (``ccauth[httpx]``): adds the token, and on a 401 that
the core says condemns it, retries once with a fresh token. Imported only by
``client.httpx_auth()``; needs nothing from requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncGenerator, Generator

import httpx

from ._api_retry import condemned, wants_nonce

if TYPE_CHECKING:  # pragma: no cover
    from ._client import ClientCredentials


class HttpxAuth(httpx.Auth):
    """``httpx.Client(auth=client.httpx_auth())`` (and ``httpx.AsyncClient``)."""

    # httpx reads the body first, so the retry can resend it.
    requires_request_body = True

    def __init__(self, client: ClientCredentials) -> None:
        self._client = client

    def _sign(self, request: httpx.Request, token: Any) -> None:
        request.headers.update(self._client._headers_for(token, request.method, str(request.url)))

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._client.get_token()
        self._sign(request, token)
        response = yield request
        url = str(request.url)
        if wants_nonce(self._client, url, response.status_code, response.headers):
            self._sign(request, token)
            response = yield request
        if condemned(self._client, token, response.status_code, response.headers.get("www-authenticate")):
            fresh = self._client.get_token()
            if fresh.access_token != token.access_token:
                self._sign(request, fresh)
                yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._client.get_token_async()
        self._sign(request, token)
        response = yield request
        if wants_nonce(self._client, str(request.url), response.status_code, response.headers):
            self._sign(request, token)
            response = yield request
        if condemned(self._client, token, response.status_code, response.headers.get("www-authenticate")):
            fresh = await self._client.get_token_async()
            if fresh.access_token != token.access_token:
                self._sign(request, fresh)
                yield request
