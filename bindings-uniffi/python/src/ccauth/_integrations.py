"""httpx and requests auth hooks: add the token, and on a 401 that the core
says condemns it (``invalid_token``, or no error code), retry once with a
fresh token. Imported only when asked for, so neither library is required.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, AsyncGenerator, Generator

import httpx
import requests
import requests.auth

if TYPE_CHECKING:  # pragma: no cover
    from ._client import ClientCredentials


def _condemned(client: "ClientCredentials", token: Any, status: int, challenge: "str | None") -> bool:
    return status == 401 and client.invalidate(token, challenge)


def _wants_nonce(client: "ClientCredentials", url: str, status: int, headers: Any) -> bool:
    """Remembers a DPoP-Nonce; True when a 401 asks for it (RFC 9449 §9: resend once)."""
    nonce = headers.get("dpop-nonce")
    if nonce is None:
        return False
    client.remember_dpop_nonce(url, nonce)
    return status == 401 and "use_dpop_nonce" in (headers.get("www-authenticate") or "")


class HttpxAuth(httpx.Auth):
    """``httpx.Client(auth=client.httpx_auth())`` (and ``httpx.AsyncClient``)."""

    # httpx reads the body first, so the retry can resend it.
    requires_request_body = True

    def __init__(self, client: "ClientCredentials") -> None:
        self._client = client

    def _sign(self, request: httpx.Request, token: Any) -> None:
        request.headers.update(self._client._headers_for(token, request.method, str(request.url)))

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._client.get_token()
        self._sign(request, token)
        response = yield request
        url = str(request.url)
        if _wants_nonce(self._client, url, response.status_code, response.headers):
            self._sign(request, token)
            response = yield request
        if _condemned(self._client, token, response.status_code, response.headers.get("www-authenticate")):
            fresh = self._client.get_token()
            if fresh.access_token != token.access_token:
                self._sign(request, fresh)
                yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._client.get_token_async()
        self._sign(request, token)
        response = yield request
        if _wants_nonce(self._client, str(request.url), response.status_code, response.headers):
            self._sign(request, token)
            response = yield request
        if _condemned(self._client, token, response.status_code, response.headers.get("www-authenticate")):
            fresh = await self._client.get_token_async()
            if fresh.access_token != token.access_token:
                self._sign(request, fresh)
                yield request


def _replayable(body: Any) -> bool:
    return body is None or isinstance(body, (bytes, str))


class RequestsAuth(requests.auth.AuthBase):
    """``requests.get(url, auth=client.requests_auth())``; streamed bodies are not replayed."""

    def __init__(self, client: "ClientCredentials") -> None:
        self._client = client

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self._client.get_token()
        r.headers.update(self._client._headers_for(token, r.method or "GET", r.url or ""))
        if _replayable(r.body):
            r.register_hook("response", functools.partial(self._retry, token))
        return r

    def _retry(self, token: Any, response: requests.Response, **kwargs: Any) -> requests.Response:
        url = response.request.url or ""
        if _wants_nonce(self._client, url, response.status_code, response.headers):
            fresh = token  # the same token, a new proof with the API's nonce
        elif _condemned(self._client, token, response.status_code, response.headers.get("www-authenticate")):
            fresh = self._client.get_token()
            if fresh.access_token == token.access_token:
                return response
        else:
            return response
        response.content  # read it, so the connection can be reused
        response.close()
        retry = response.request.copy()
        retry.headers.update(self._client._headers_for(fresh, retry.method or "GET", url))
        again: requests.Response = response.connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again
