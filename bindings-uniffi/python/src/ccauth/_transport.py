"""Sending the token request: the standard library by default, httpx or
requests when the caller brings them. A transport only moves bytes; every
decision about the answer is the core's.

A transport raises :class:`TransportFailure` (or any exception, taken as
``other``) when there is no HTTP response; any status, 4xx and 5xx included,
is a reply.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterable, List, NamedTuple, Optional, Tuple

if TYPE_CHECKING:  # pragma: no cover
    import ssl

    import httpx
    import requests

try:  # Python 3.8+: typing.Protocol
    from typing import Protocol
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol  # type: ignore

_CHUNK = 64 * 1024


class HttpReply(NamedTuple):
    """A response as the core needs it (immutable)."""

    status: int
    headers: List[Tuple[str, str]]
    body: bytes


class TransportFailure(Exception):
    """No HTTP response. ``kind``: ``timeout``, ``connect``, ``tls``, ``reset``
    (the connection was reset or closed after the request was sent) or ``other``.

    ``cause`` is a short code: the errno name (``ECONNREFUSED``), the resolver's
    (``EAI_NONAME``), OpenSSL's reason (``CERTIFICATE_VERIFY_FAILED``) or the
    exception's class name (``ReadTimeout``, ``RemoteDisconnected``).
    ``request_sent``: ``False`` when the request was never written (DNS,
    connect, TLS handshake), ``True`` when it was, ``None`` when unknown.
    """

    def __init__(
        self, kind: str, message: str, cause: Optional[str] = None, request_sent: Optional[bool] = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.cause = cause
        self.request_sent = request_sent


class Transport(Protocol):
    """Sends one request and returns the reply (blocking), waiting at most
    ``timeout_ms`` milliseconds for each step (connect, each read).

    Reads at most ``max_bytes + 1`` body bytes, streaming, then closes the
    connection without draining it; when ``Content-Length`` says more than
    ``max_bytes``, reads no body at all (the core refuses both as
    ``RESPONSE_TOO_LARGE``). Raises :class:`TransportFailure` when there is
    no response.
    """

    def send(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout_ms: int, *, max_bytes: int
    ) -> HttpReply: ...


class AsyncTransport(Protocol):
    """Sends one request and returns the reply (asyncio); the same size rule as :class:`Transport`."""

    async def send(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout_ms: int, *, max_bytes: int
    ) -> HttpReply: ...


def declared_too_large(headers: Iterable[Tuple[str, str]], max_bytes: int) -> bool:
    """Whether a ``Content-Length`` says more than ``max_bytes`` (then read no body)."""
    for name, value in headers:
        if name.lower() == "content-length":
            v = value.strip()
            if v.isdigit() and int(v) > max_bytes:
                return True
    return False


def read_capped(chunks: Iterable[bytes], max_bytes: int) -> bytes:
    """The body from ``chunks``, stopping once it is longer than ``max_bytes``
    (``max_bytes + 1`` bytes at most: enough for the core to refuse it)."""
    body = bytearray()
    for chunk in chunks:
        body += chunk[: max_bytes + 1 - len(body)]
        if len(body) > max_bytes:
            break
    return bytes(body)


async def read_capped_async(chunks: AsyncIterator[bytes], max_bytes: int) -> bytes:
    """:func:`read_capped` over an async iterator."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk[: max_bytes + 1 - len(body)]
        if len(body) > max_bytes:
            break
    return bytes(body)


# Compressed replies could grow past any limit in one decoded chunk; token
# endpoint replies are small, so the libraries that ask for gzip by default
# (httpx, requests) ask for the identity encoding instead.
_IDENTITY = ("Accept-Encoding", "identity")


def _with_identity(headers: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    if any(n.lower() == "accept-encoding" for n, _ in headers):
        return headers
    return [*headers, _IDENTITY]


# -- what went wrong, when there is no response --------------------------------

_CONNECT_ERRNOS = {
    getattr(errno, name)
    for name in ("ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "EHOSTDOWN", "ENETDOWN")
    if hasattr(errno, name)
}
# Wrappers that say less than what they wrap (requests' ConnectionError
# around urllib3's ProtocolError around http.client's RemoteDisconnected).
_VAGUE = {
    "Exception", "OSError", "TimeoutError", "timeout", "CancelledError", "ConnectionError", "URLError",
    "MaxRetryError", "ProtocolError", "HTTPError", "RequestException", "ChunkedEncodingError",
}


def _chain(error: BaseException) -> List[BaseException]:
    """``error`` and what it wraps (``__cause__``, ``__context__``, ``reason``,
    exceptions in ``args``: how urllib, urllib3, requests and httpx nest the
    socket's error), outermost first."""
    out: List[BaseException] = []
    queue = [error]
    while queue and len(out) < 16:
        e = queue.pop(0)
        if any(e is seen for seen in out):
            continue
        out.append(e)
        nested = [e.__cause__, e.__context__, getattr(e, "reason", None), *getattr(e, "args", ())]
        queue.extend(n for n in nested if isinstance(n, BaseException))
    return out


def _is_http_client(e: BaseException, *names: str) -> bool:
    return type(e).__module__ == "http.client" and type(e).__name__ in names


def failure(error: BaseException, request_sent: Optional[bool]) -> TransportFailure:
    """A :class:`TransportFailure` for ``error`` (any library's), its kind and
    cause read from the exceptions it wraps; ``request_sent`` is what the
    caller knows of the stage it failed at (a reset before sending stays
    unknown: it may have been sent)."""
    import socket
    import ssl

    chain = _chain(error)
    kind = "other"
    for e in chain:
        if isinstance(e, ssl.SSLError):
            kind = "tls"
        elif isinstance(e, (socket.gaierror, ConnectionRefusedError)):
            kind = "connect"
        elif isinstance(e, (socket.timeout, TimeoutError)):
            kind = "timeout"
        elif isinstance(e, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)) or _is_http_client(
            e, "RemoteDisconnected", "IncompleteRead"
        ):
            kind = "reset"
        elif isinstance(e, OSError) and e.errno in _CONNECT_ERRNOS:
            kind = "connect"
        else:
            continue
        break
    if kind == "other":  # the library's own classes, when no socket error is inside
        names = {type(e).__name__ for e in chain}
        if names & {"ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout", "TimeoutException", "Timeout"}:
            kind = "timeout"
        elif names & {"ConnectError", "NewConnectionError", "NameResolutionError"}:
            kind = "connect"
        elif names & {"ReadError", "WriteError", "ChunkedEncodingError", "ProtocolError"}:
            kind = "reset"
    if kind == "reset" and request_sent is False:
        request_sent = None
    elif kind == "connect" and request_sent is None:
        request_sent = False
    return TransportFailure(kind, type(error).__name__, _cause(chain), request_sent)


def _cause(chain: List[BaseException]) -> str:
    import socket
    import ssl

    eai = {v: k for k, v in vars(socket).items() if k.startswith("EAI_") and isinstance(v, int)}
    for e in chain:
        if isinstance(e, socket.gaierror) and e.errno in eai:
            return eai[e.errno]
        if isinstance(e, ssl.SSLError):
            return str(e.reason or type(e).__name__)
        if isinstance(e, OSError) and isinstance(e.errno, int) and e.errno in errno.errorcode:
            return errno.errorcode[e.errno]
    for e in chain:  # the library's own class: ReadTimeout, RemoteProtocolError, RemoteDisconnected
        if type(e).__name__ not in _VAGUE:
            return type(e).__name__
    return "TimeoutError" if isinstance(chain[-1], (socket.timeout, TimeoutError)) else type(chain[-1]).__name__


class UrllibTransport:
    """The standard library's ``urllib`` (no third-party dependency); never follows redirects."""

    def __init__(self, context: Optional[ssl.SSLContext] = None) -> None:
        # The opener is made at the first request: urllib.request (with
        # http.client, email and ssl) would be most of a new client's time.
        self._context = context
        self._opener: Any = None

    def _open(self, request: Any, timeout: float) -> Any:
        if self._opener is None:
            self._opener = self._build_opener(self._context)
        return self._opener.open(request, timeout=timeout)

    @staticmethod
    def _build_opener(context: Optional[ssl.SSLContext]) -> Any:
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            # A token endpoint that redirects is misconfigured; following it
            # would resend the credentials somewhere else.
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        handlers: List[Any] = [NoRedirect()]
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        return urllib.request.build_opener(*handlers)

    def send(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout_ms: int, *, max_bytes: int
    ) -> HttpReply:
        import http.client
        import urllib.error
        import urllib.request

        request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
        error: Optional[TransportFailure] = None
        response: Any = None
        try:
            response = self._open(request, timeout_ms / 1000)
        except urllib.error.HTTPError as e:  # a 4xx/5xx: a reply like any other
            response = e
        except urllib.error.URLError as e:
            # urllib wraps what failed while connecting and writing the request.
            error = failure(e, request_sent=False)
        except (OSError, http.client.HTTPException) as e:  # waiting for the status line
            error = failure(e, request_sent=True)
        if response is None:
            # Raised outside the except block: no chained context that could
            # carry this frame's request headers into a traceback.
            raise error or TransportFailure("other", "no response")
        try:
            status = response.status
            reply_headers = list(response.headers.items())
            data = b""
            if not declared_too_large(reply_headers, max_bytes):
                data = read_capped(iter(lambda: response.read(_CHUNK), b""), max_bytes)
            return HttpReply(status, reply_headers, data)
        except (OSError, http.client.HTTPException) as e:
            error = failure(e, request_sent=True)
        finally:
            response.close()  # without reading the rest: the socket is closed
        raise error


def _httpx_failure(e: Exception) -> TransportFailure:
    import httpx

    if isinstance(e, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)):
        sent: Optional[bool] = False
    elif isinstance(e, (httpx.ReadError, httpx.ReadTimeout, httpx.RemoteProtocolError)):
        sent = True
    else:
        sent = None
    f = failure(e, sent)
    if isinstance(e, httpx.RemoteProtocolError) and f.kind == "other":
        # h11's "Server disconnected without sending a response." / "peer
        # closed connection without sending complete message body".
        text = str(e).lower()
        if "disconnect" in text or "closed" in text:
            f.kind = "reset"
    return f


class HttpxTransport:
    """Sends with an ``httpx.Client`` (yours, for proxies/mTLS, or a new one)."""

    def __init__(self, client: Optional[httpx.Client] = None) -> None:
        import httpx

        self._client = client if client is not None else httpx.Client()

    def send(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout_ms: int, *, max_bytes: int
    ) -> HttpReply:
        import httpx

        error: Optional[TransportFailure] = None
        try:
            request = self._client.build_request(
                method, url, headers=_with_identity(headers), content=body, timeout=timeout_ms / 1000
            )
            r = self._client.send(request, stream=True, follow_redirects=False)
        except httpx.HTTPError as e:
            error = _httpx_failure(e)
        if error is not None:
            raise error
        try:
            reply_headers = list(r.headers.multi_items())
            data = b"" if declared_too_large(reply_headers, max_bytes) else read_capped(r.iter_bytes(_CHUNK), max_bytes)
            return HttpReply(r.status_code, reply_headers, data)
        except httpx.HTTPError as e:
            error = _httpx_failure(e)
        finally:
            r.close()  # unread: httpx closes the connection instead of returning it to the pool
        raise error


class HttpxAsyncTransport:
    """Sends with an ``httpx.AsyncClient`` (yours, or a new one)."""

    def __init__(self, client: Optional[httpx.AsyncClient] = None) -> None:
        import httpx

        self._client = client if client is not None else httpx.AsyncClient()

    async def send(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout_ms: int, *, max_bytes: int
    ) -> HttpReply:
        import httpx

        error: Optional[TransportFailure] = None
        try:
            request = self._client.build_request(
                method, url, headers=_with_identity(headers), content=body, timeout=timeout_ms / 1000
            )
            r = await self._client.send(request, stream=True, follow_redirects=False)
        except httpx.HTTPError as e:
            error = _httpx_failure(e)
        if error is not None:
            raise error
        try:
            reply_headers = list(r.headers.multi_items())
            data = b""
            if not declared_too_large(reply_headers, max_bytes):
                data = await read_capped_async(r.aiter_bytes(_CHUNK), max_bytes)
            return HttpReply(r.status_code, reply_headers, data)
        except httpx.HTTPError as e:
            error = _httpx_failure(e)
        finally:
            await r.aclose()
        raise error


def _requests_failure(e: Exception, reading: bool) -> TransportFailure:
    import requests

    if reading or isinstance(e, requests.ReadTimeout):
        sent: Optional[bool] = True
    elif isinstance(e, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        sent = False
    elif any(type(x).__name__ == "MaxRetryError" for x in _chain(e)):
        sent = False  # urllib3 gave up connecting (requests sends with retries=0: reads are not retried)
    else:
        sent = True  # urllib3's ProtocolError: the connection dropped while the answer was awaited
    return failure(e, sent)


class RequestsTransport:
    """Sends with a ``requests.Session`` (yours, or a new one); no redirects."""

    def __init__(self, session: Optional[requests.Session] = None) -> None:
        import requests

        self._session = session if session is not None else requests.Session()

    def send(
        self, method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout_ms: int, *, max_bytes: int
    ) -> HttpReply:
        import requests

        error: Optional[TransportFailure] = None
        try:
            r = self._session.request(
                method,
                url,
                headers=dict(_with_identity(headers)),
                data=body,
                timeout=timeout_ms / 1000,
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as e:
            error = _requests_failure(e, reading=False)
        if error is not None:
            raise error
        try:
            reply_headers = list(r.headers.items())
            data = b""
            if not declared_too_large(reply_headers, max_bytes):
                data = read_capped(r.iter_content(_CHUNK), max_bytes)
            return HttpReply(r.status_code, reply_headers, data)
        except requests.RequestException as e:
            error = _requests_failure(e, reading=True)
        finally:
            r.close()  # unread: urllib3 closes the connection rather than drain it
        raise error
