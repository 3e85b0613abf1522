"""The requests auth hook (``ccauth[requests]``): adds the headers the core
gives for the token, and resends once when the core says so (the API's DPoP
nonce; a new token after a 401 that condemned it) if the body can be
replayed. Imported only by ``client.requests_auth()``; needs nothing from httpx."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import requests
import requests.auth

from ._api_retry import RETRY_WITH_NEW_TOKEN, RETRY_WITH_NONCE, verdict

if TYPE_CHECKING:  # pragma: no cover
    from ._client import ClientCredentials
    from ._token import AccessToken


def _replayable(body: Any) -> bool:
    return body is None or isinstance(body, (bytes, str))


class RequestsAuth(requests.auth.AuthBase):
    """``requests.get(url, auth=client.requests_auth())``; streamed bodies are not resent."""

    def __init__(self, client: ClientCredentials) -> None:
        self._client = client

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self._client.get_token()
        r.headers.update(self._client._api_headers(token, r.method or "GET", r.url or ""))
        hook = functools.partial(self._answer, token, _replayable(r.body))
        r.register_hook("response", hook)  # type: ignore[no-untyped-call]
        return r

    def _answer(self, token: AccessToken, replayable: bool, response: requests.Response, **kwargs: Any) -> requests.Response:
        url = response.request.url or ""
        answer = verdict(self._client, token, url, response.status_code, response.headers, False)
        if answer == RETRY_WITH_NONCE and replayable:
            response = self._resend(response, token, kwargs)
            answer = verdict(self._client, token, url, response.status_code, response.headers, True)
        if answer == RETRY_WITH_NEW_TOKEN and replayable:
            token = self._client.get_token()
            response = self._resend(response, token, kwargs)
            verdict(self._client, token, url, response.status_code, response.headers, True)  # keeps a nonce
        return response

    def _resend(self, response: requests.Response, token: AccessToken, kwargs: Any) -> requests.Response:
        _ = response.content  # read it, so the connection can be reused
        response.close()
        retry = response.request.copy()
        retry.headers.update(self._client._api_headers(token, retry.method or "GET", retry.url or ""))
        again: requests.Response = response.connection.send(retry, **kwargs)
        again.history = [*response.history, response]
        again.request = retry
        return again
