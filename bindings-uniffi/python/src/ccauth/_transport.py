"""Sending the token request: the standard library by default, httpx or
requests when the caller brings them. A transport only moves bytes; every
decision about the answer is the core's.

A transport raises :class:`TransportFailure` (or any exception, taken as
``other``) when there is no HTTP response; any status, 4xx and 5xx included,
is a reply.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

if TYPE_CHECKING:  # pragma: no cover
    import ssl

    import httpx
    import requests

try:  # Python 3.8+: typing.Protocol
    from typing import Protocol
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol  # type: ignore


@dataclass(frozen=True)
class HttpReply:
    """A response as the core needs it."""

    status: int
    headers: List[Tuple[str, str]]
    body: bytes


class TransportFailure(Exception):
    """No HTTP response. ``kind``: ``timeout``, ``connect``, ``tls`` or ``other``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Transport(Protocol):
    """Sends one request and returns the reply (blocking)."""

    def send(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout: float
    ) -> HttpReply: ...


class AsyncTransport(Protocol):
    """Sends one request and returns the reply (asyncio)."""

    async def send(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout: float
    ) -> HttpReply: ...


def _kind(error: BaseException) -> str:
    import ssl

    if isinstance(error, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(error, ssl.SSLError):
        return "tls"
    if isinstance(error, (ConnectionError, socket.gaierror)):
        return "connect"
    return "other"


class UrllibTransport:
    """The standard library's ``urllib`` (no third-party dependency); never follows redirects."""

    def __init__(self, context: "Optional[ssl.SSLContext]" = None) -> None:
        # Imported here: urllib.request (with http.client and ssl) is a large
        # share of import time, and hosts with their own transport never need it.
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            # A token endpoint that redirects is misconfigured; following it
            # would resend the credentials somewhere else.
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        handlers: List[Any] = [NoRedirect()]
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self._opener = urllib.request.build_opener(*handlers)

    def send(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout: float
    ) -> HttpReply:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
        failure: Optional[TransportFailure] = None
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return HttpReply(response.status, list(response.headers.items()), response.read())
        except urllib.error.HTTPError as e:
            try:
                return HttpReply(e.code, list(e.headers.items()), e.read())
            finally:
                e.close()
        except urllib.error.URLError as e:
            reason = e.reason if isinstance(e.reason, BaseException) else e
            failure = TransportFailure(_kind(reason), type(reason).__name__)
        except OSError as e:
            failure = TransportFailure(_kind(e), type(e).__name__)
        # Raised outside the except block: no chained context that could
        # carry this frame's request headers into a traceback.
        raise failure


def _httpx_failure(e: Exception) -> TransportFailure:
    import httpx

    if isinstance(e, httpx.TimeoutException):
        return TransportFailure("timeout", type(e).__name__)
    if isinstance(e, httpx.ConnectError):
        return TransportFailure("connect", type(e).__name__)
    return TransportFailure("other", type(e).__name__)


class HttpxTransport:
    """Sends with an ``httpx.Client`` (yours, for proxies/mTLS, or a new one)."""

    def __init__(self, client: "Optional[httpx.Client]" = None) -> None:
        import httpx

        self._client = client if client is not None else httpx.Client()

    def send(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout: float
    ) -> HttpReply:
        import httpx

        failure: Optional[TransportFailure] = None
        try:
            r = self._client.request(method, url, headers=headers, content=body, timeout=timeout)
            return HttpReply(r.status_code, list(r.headers.multi_items()), r.content)
        except httpx.HTTPError as e:
            failure = _httpx_failure(e)
        raise failure


class HttpxAsyncTransport:
    """Sends with an ``httpx.AsyncClient`` (yours, or a new one)."""

    def __init__(self, client: "Optional[httpx.AsyncClient]" = None) -> None:
        import httpx

        self._client = client if client is not None else httpx.AsyncClient()

    async def send(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout: float
    ) -> HttpReply:
        import httpx

        failure: Optional[TransportFailure] = None
        try:
            r = await self._client.request(method, url, headers=headers, content=body, timeout=timeout)
            return HttpReply(r.status_code, list(r.headers.multi_items()), r.content)
        except httpx.HTTPError as e:
            failure = _httpx_failure(e)
        raise failure


class RequestsTransport:
    """Sends with a ``requests.Session`` (yours, or a new one); no redirects."""

    def __init__(self, session: "Optional[requests.Session]" = None) -> None:
        import requests

        self._session = session if session is not None else requests.Session()

    def send(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout: float
    ) -> HttpReply:
        import requests

        failure: Optional[TransportFailure] = None
        try:
            r = self._session.request(
                method, url, headers=dict(headers), data=body, timeout=timeout, allow_redirects=False
            )
            return HttpReply(r.status_code, list(r.headers.items()), r.content)
        except requests.Timeout as e:
            failure = TransportFailure("timeout", type(e).__name__)
        except requests.exceptions.SSLError as e:
            failure = TransportFailure("tls", type(e).__name__)
        except requests.ConnectionError as e:
            failure = TransportFailure("connect", type(e).__name__)
        except requests.RequestException as e:
            failure = TransportFailure("other", type(e).__name__)
        raise failure
