"""The httpx auth hook (``ccauth[httpx]``): adds the headers the core gives
for the token, and resends once when the core says so (the API's DPoP nonce;
a new token after a 401 that condemned it). Imported only by
``client.httpx_auth()``; needs nothing from requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, AsyncGenerator, Generator

import httpx

from ._api_retry import RETRY_WITH_NEW_TOKEN, RETRY_WITH_NONCE, verdict

if TYPE_CHECKING:  # pragma: no cover
    from ._client import ClientCredentials
    from ._token import AccessToken


class HttpxAuth(httpx.Auth):
    """``httpx.Client(auth=client.httpx_auth())`` (and ``httpx.AsyncClient``)."""

    # httpx reads the body first, so every request can be resent.
    requires_request_body = True

    def __init__(self, client: ClientCredentials) -> None:
        self._client = client

    def _sign(self, request: httpx.Request, token: AccessToken) -> httpx.Request:
        request.headers.update(self._client._api_headers(token, request.method, str(request.url)))
        return request

    async def _sign_async(self, request: httpx.Request, token: AccessToken) -> httpx.Request:
        request.headers.update(await self._client._api_headers_async(token, request.method, str(request.url)))
        return request

    def _verdict(self, request: httpx.Request, token: AccessToken, response: httpx.Response, nonce_retried: bool) -> object:
        return verdict(self._client, token, str(request.url), response.status_code, response.headers, nonce_retried)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._client.get_token()
        response = yield self._sign(request, token)
        answer = self._verdict(request, token, response, False)
        if answer == RETRY_WITH_NONCE:
            response = yield self._sign(request, token)
            answer = self._verdict(request, token, response, True)
        if answer == RETRY_WITH_NEW_TOKEN:
            token = self._client.get_token()
            response = yield self._sign(request, token)
            self._verdict(request, token, response, True)  # keeps a nonce; no third send

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._client.get_token_async()
        response = yield await self._sign_async(request, token)
        answer = self._verdict(request, token, response, False)
        if answer == RETRY_WITH_NONCE:
            response = yield await self._sign_async(request, token)
            answer = self._verdict(request, token, response, True)
        if answer == RETRY_WITH_NEW_TOKEN:
            token = await self._client.get_token_async()
            response = yield await self._sign_async(request, token)
            self._verdict(request, token, response, True)  # keeps a nonce; no third send
