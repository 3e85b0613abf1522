"""The requests auth hook (``ccauth[requests]``): adds the token, and on a 401
that the core says condemns it, resends once with a fresh token when the body
can be replayed. Imported only by ``client.requests_auth()``; needs nothing
from httpx."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import requests
import requests.auth

from ._api_retry import condemned, wants_nonce

if TYPE_CHECKING:  # pragma: no cover
    from ._client import ClientCredentials


def _replayable(body: Any) -> bool:
    return body is None or isinstance(body, (bytes, str))


class RequestsAuth(requests.auth.AuthBase):
    """``requests.get(url, auth=client.requests_auth())``; streamed bodies are not replayed."""

    def __init__(self, client: ClientCredentials) -> None:
        self._client = client

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self._client.get_token()
        r.headers.update(self._client._headers_for(token, r.method or "GET", r.url or ""))
        if _replayable(r.body):
            r.register_hook("response", functools.partial(self._retry, token))  # type: ignore[no-untyped-call]
        return r

    def _retry(self, token: Any, response: requests.Response, **kwargs: Any) -> requests.Response:
        url = response.request.url or ""
        if wants_nonce(self._client, url, response.status_code, response.headers):
            fresh = token  # the same token, a new proof with the API's nonce
        elif condemned(self._client, token, response.status_code, response.headers.get("www-authenticate")):
            fresh = self._client.get_token()
            if fresh.access_token == token.access_token:
                return response
        else:
            return response
        _ = response.content  # read it, so the connection can be reused
        response.close()
        retry = response.request.copy()
        retry.headers.update(self._client._headers_for(fresh, retry.method or "GET", url))
        again: requests.Response = response.connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again
