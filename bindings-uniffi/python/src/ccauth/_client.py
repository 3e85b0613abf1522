"""ClientCredentials: the core's token lifecycle driven from Python.

The core decides who fetches, who waits, when to refresh and when to retry;
this file sends requests, reads the clock and wakes waiters (threads and
asyncio tasks alike, so one client can serve both).

Secrets never sit in a local of a frame that an exception passes through:
errors are raised outside ``except`` blocks (no chained context) and the
constructor drops its secret arguments before anything can raise.
"""

from __future__ import annotations

import json
import os
import secrets as _random
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, NoReturn, Optional, Sequence, Set, Tuple, Union

from ._errors import CLIENT_OPTION_NAMES, FFI_ERRORS, Error, config_error, from_ffi, from_info, transport_error
from ._ffi import ccauth_ffi as _ffi
from ._options import KeyInput, Options, Pairs, RefreshPolicy, RetryPolicy, config_document
from ._token import AccessToken
from ._transport import AsyncTransport, HttpReply, Transport, TransportFailure, UrllibTransport

if TYPE_CHECKING:  # pragma: no cover
    import asyncio

    import httpx
    import requests

# asyncio is imported where it is used: it is most of the import time of the
# package, and sync-only services never need it.

__all__ = ["ClientCredentials", "Introspection"]

# Discovered metadata, shared by every client in the process (the core keeps each an hour).
_METADATA = _ffi.MetadataCache(3_600_000)

_HINTS = {"access_token": _ffi.TokenTypeHint.ACCESS_TOKEN, "refresh_token": _ffi.TokenTypeHint.REFRESH_TOKEN}


class _Sealed:
    """Holds the config document (it has the credentials) out of repr() and vars()."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "_Sealed([REDACTED])"


@dataclass(frozen=True)
class Introspection:
    """What the server says of a token (RFC 7662)."""

    active: bool
    scope: Optional[str] = None
    client_id: Optional[str] = None
    exp: Optional[int] = None
    """Expiry, Unix seconds."""
    token_type: Optional[str] = None
    fields: Dict[str, Any] = field(default_factory=dict, repr=False)
    """Every member the server sent."""

_KINDS = {
    "timeout": _ffi.TransportKind.TIMEOUT,
    "connect": _ffi.TransportKind.CONNECT,
    "tls": _ffi.TransportKind.TLS,
    "reset": _ffi.TransportKind.RESET,
}

# The core trusts a token from 5 s before its issue time (clock steps back).
_CLOCK_STEP_MS = 5_000


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class ClientCredentials:
    """An OAuth 2.0 client credentials client: tokens cached, refreshed ahead
    of expiry, fetched once for any number of concurrent callers.

    >>> client = ClientCredentials(token_endpoint, client_id, client_secret, scopes=["api.read"])
    >>> client.authorization_header()
    'Bearer eyJ…'

    Thread-safe; one instance serves threads and asyncio tasks together.
    Options are validated at once (a :class:`ConfigError` names the bad one).
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> ClientCredentials:
        # An unknown keyword option (or a required one left out) is a
        # ConfigError naming it, not Python's TypeError. Only names are read;
        # the values (the secret) are dropped before anything is raised.
        error = _OPTIONS.error(len(args), kwargs)
        del args, kwargs
        if error is not None:
            raise error
        return super().__new__(cls)

    def __init__(
        self,
        token_endpoint: str,
        client_id: str,
        client_secret: Optional[str] = None,
        *,
        auth_method: Optional[str] = None,
        basic_auth_encoding: Optional[str] = None,
        scopes: Union[str, Sequence[str], None] = None,
        include_scope: Optional[bool] = None,
        audience: Optional[str] = None,
        resources: Union[str, Sequence[str], None] = None,
        extra_body_params: Optional[Pairs] = None,
        extra_query_params: Optional[Pairs] = None,
        extra_headers: Optional[Pairs] = None,
        body_format: Optional[str] = None,
        danger_accept_insecure_http: bool = False,
        max_response_bytes: Optional[int] = None,
        refresh: Optional[RefreshPolicy] = None,
        retry: Optional[RetryPolicy] = None,
        private_key: Optional[KeyInput] = None,
        client_assertion_alg: Optional[str] = None,
        key_id: Optional[str] = None,
        assertion_audience: Optional[str] = None,
        assertion_lifetime_ms: Optional[int] = None,
        client_assertion: Optional[Callable[[], str]] = None,
        dpop: Union[bool, KeyInput, None] = None,
        revocation_endpoint: Optional[str] = None,
        introspection_endpoint: Optional[str] = None,
        transport: Optional[Transport] = None,
        async_transport: Optional[AsyncTransport] = None,
        timeout: float = 10.0,
        _discovered: Optional[Tuple[str, Mapping[str, Any]]] = None,
    ) -> None:
        """
        :param token_endpoint: the token endpoint URL (https, or http to a loopback host).
        :param client_id: the client id.
        :param client_secret: the secret for ``client_secret_basic``/``client_secret_post``.
        :param auth_method: ``client_secret_basic`` (default), ``client_secret_post``,
            ``tls_client_auth`` or ``none``.
        :param basic_auth_encoding: ``form_urlencoded`` (RFC 6749 §2.3.1, default) or
            ``raw`` for servers that do not decode Basic credentials.
        :param scopes: scopes to request (a list, or one space-delimited string).
        :param include_scope: ``False`` leaves ``scope`` out of the request.
        :param audience: the ``audience`` parameter (Auth0 and others).
        :param resources: RFC 8707 resource indicator(s).
        :param extra_body_params: extra form/JSON parameters, after the standard ones.
        :param extra_query_params: extra query parameters for the token URL.
        :param extra_headers: extra headers for the token request.
        :param body_format: ``form`` (default) or ``json``.
        :param danger_accept_insecure_http: allow plain http to a non-loopback host.
        :param max_response_bytes: largest token response accepted (default 1 MiB).
        :param refresh: when to refresh (:class:`RefreshPolicy`).
        :param retry: how to retry a failed token request (:class:`RetryPolicy`).
        :param private_key: the key for ``private_key_jwt`` (RFC 7523): PKCS#8 PEM
            text, or a JWK (mapping or JSON text). RS256/PS256, ES256, ES384, EdDSA.
        :param client_assertion_alg: the assertion ``alg``: ``HS256`` (default),
            ``HS384`` or ``HS512`` for ``client_secret_jwt``; the key's own otherwise.
        :param key_id: the ``kid`` header of client assertions.
        :param assertion_audience: the assertions' ``aud`` (default: the token
            endpoint; the issuer after :meth:`discover`).
        :param assertion_lifetime_ms: lifetime of each assertion, 1 s to 5 min (default 60 s).
        :param client_assertion: ``private_key_jwt`` with an assertion minted
            elsewhere (workload identity): called for every token request, e.g.
            to read a Kubernetes service-account token file. An expired one is never sent.
        :param dpop: DPoP (RFC 9449): ``True`` for a new ES256 key, or the key to use.
        :param revocation_endpoint: RFC 7009 endpoint for :meth:`revoke` (discovery fills it).
        :param introspection_endpoint: RFC 7662 endpoint for :meth:`introspect` (discovery fills it).
        :param transport: sends token requests; default: the standard library.
        :param async_transport: sends token requests for the ``*_async`` methods;
            default: ``transport`` in a worker thread.
        :param timeout: seconds before a token request counts as timed out.
        """
        error: Optional[Error] = None
        dpop_key: Optional[KeyInput] = None
        if dpop is True:
            try:
                dpop_key = _ffi.generate_dpop_key(os.urandom(32))
            except FFI_ERRORS as e:
                error = from_ffi(e)
        elif dpop is not None and dpop is not False:
            dpop_key = dpop
        del dpop
        if error is not None:
            raise error
        issuer, metadata = _discovered if _discovered is not None else (None, None)
        document = config_document(
            private_key=private_key,
            client_assertion_alg=client_assertion_alg,
            key_id=key_id,
            assertion_audience=assertion_audience,
            assertion_lifetime_ms=assertion_lifetime_ms,
            external_client_assertion=client_assertion is not None,
            dpop_key=dpop_key,
            issuer=issuer,
            server_metadata=metadata,
            token_endpoint=token_endpoint,
            client_id=client_id,
            client_secret=client_secret,
            auth_method=auth_method,
            basic_auth_encoding=basic_auth_encoding,
            scopes=scopes,
            include_scope=include_scope,
            audience=audience,
            resources=resources,
            extra_body_params=extra_body_params,
            extra_query_params=extra_query_params,
            extra_headers=extra_headers,
            body_format=body_format,
            danger_accept_insecure_http=danger_accept_insecure_http,
            max_response_bytes=max_response_bytes,
            refresh=refresh,
            retry=retry,
        )
        del client_secret, private_key, dpop_key
        try:
            self._lifecycle = _ffi.TokenLifecycle(document, _random.randbits(63))
            # Randomness for signatures (jti, salts): the OS source.
            self._lifecycle.seed_entropy(os.urandom(32))
        except FFI_ERRORS as e:
            error = from_ffi(e, CLIENT_OPTION_NAMES)
        if error is not None:
            del document
            raise error
        # Kept for revocation and introspection requests (same client authentication).
        self._document = _Sealed(document)
        del document
        self._client_assertion = client_assertion
        meta: Mapping[str, Any] = metadata or {}
        self._revocation_endpoint = revocation_endpoint or meta.get("revocation_endpoint")
        self._introspection_endpoint = introspection_endpoint or meta.get("introspection_endpoint")
        self._transport: Transport = transport if transport is not None else UrllibTransport()
        self._async_transport = async_transport
        self._timeout = timeout
        # Replies are read up to this many bytes (+1: enough for the core to refuse them).
        self._max_bytes: int = self._lifecycle.max_response_bytes()
        self._cond = threading.Condition()
        self._generation = 0
        self._async_waiters: List[Tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._tasks: Set[asyncio.Future[None]] = set()
        # The core's last "ready" answer, memoized: the core answers "ready"
        # with the same token until its refresh time, so asking again inside
        # that window would only cost a call into Rust. Any report,
        # invalidation or import clears it.
        self._ready: Optional[Tuple[AccessToken, int, int]] = None

    def __repr__(self) -> str:
        lifecycle = getattr(self, "_lifecycle", None)  # absent while a bad config is rejected
        key = lifecycle.cache_key() if lifecycle is not None else None
        return f"ClientCredentials(cache_key={key!r})"

    # -- sync ---------------------------------------------------------------

    def get_token(self) -> AccessToken:
        """A valid token: cached, or fetched once for every concurrent caller."""
        ready = self._ready
        if ready is not None:
            now = _now_ms()
            if ready[1] <= now < ready[2]:
                return ready[0]
        return self._get_token()

    def authorization_header(self) -> str:
        """The ``Authorization`` header value, e.g. ``Bearer eyJ…``."""
        return self.get_token().authorization

    def _get_token(self) -> AccessToken:
        while True:
            generation = self._generation
            ready = self._ready  # set by a fetch that just finished
            if ready is not None and ready[1] <= _now_ms() < ready[2]:
                return ready[0]
            decision = self._lifecycle.poll(_now_ms())
            if decision.is_READY():
                return self._remember(decision.token, decision.info, generation)
            if decision.is_FETCH():
                self._run(decision.ticket)
            elif decision.is_REFRESH_AHEAD():
                threading.Thread(
                    target=self._run, args=(decision.ticket,), name="ccauth-refresh", daemon=True
                ).start()
                return AccessToken._from_ffi(decision.token, decision.info)
            elif decision.is_WAIT():
                timeout = min(max(decision.until_ms - _now_ms(), 1), 1_000) / 1000
                with self._cond:
                    if self._generation == generation:
                        self._cond.wait(timeout)
            else:
                break
        raise from_info(decision.error)

    def _run(self, ticket: Any) -> None:
        """Sends one ticket's request and reports the outcome to the core.

        Whatever happens, the ticket is reported: an interrupted fetch
        (KeyboardInterrupt, a cancelled task) left unreported would make every
        waiter wait for the core's attempt timeout.
        """
        reply: Optional[HttpReply] = None
        failure = TransportFailure("other", "request failed")
        try:
            reply = self._send(ticket)
        except TransportFailure as e:
            failure = e
        except Exception as e:  # any failure of a host transport is a transport error
            failure = TransportFailure("other", type(e).__name__, type(e).__name__)
        except BaseException:
            self._report(ticket, None, TransportFailure("other", "interrupted"))
            raise
        self._report(ticket, reply, failure)

    def _request(self, ticket: Any) -> Any:
        """The ticket's request; with the host's assertion when the config
        takes one minted elsewhere (read from its source for each request)."""
        if not ticket.needs_client_assertion:
            return ticket.request
        assert self._client_assertion is not None
        try:
            return self._lifecycle.request_with_assertion(ticket.id, self._client_assertion(), _now_ms())
        except FFI_ERRORS:
            # The core failed the fetch already (every waiter gets the error).
            raise TransportFailure("other", "the client assertion was refused") from None

    def _send(self, ticket: Any) -> HttpReply:
        # The credentials go straight into the call: no local of this frame
        # (or any ccauth frame a traceback shows) holds them in the clear
        # (the request object prints redacted).
        request = self._request(ticket)
        return self._transport.send(
            ticket.method,
            ticket.url,
            [(h.name, h.value) for h in request.headers()],
            request.body(),
            self._timeout,
            max_bytes=self._max_bytes,
        )

    async def _send_async(self, ticket: Any) -> HttpReply:
        assert self._async_transport is not None
        request = self._request(ticket)
        return await self._async_transport.send(
            ticket.method,
            ticket.url,
            [(h.name, h.value) for h in request.headers()],
            request.body(),
            self._timeout,
            max_bytes=self._max_bytes,
        )

    def _report(self, ticket: Any, reply: Optional[HttpReply], failure: TransportFailure) -> None:
        token: Optional[AccessToken] = None
        try:
            if reply is not None:
                headers = [_ffi.Header(name=n, value=v) for n, v in reply.headers]
                outcome = self._lifecycle.handle_response(ticket.id, reply.status, headers, reply.body, _now_ms())
                if outcome.is_TOKEN():
                    token = AccessToken._from_ffi(outcome.token, outcome.info)
            else:
                kind = _KINDS.get(failure.kind, _ffi.TransportKind.OTHER)
                self._lifecycle.handle_transport_error(
                    ticket.id, kind, str(failure), failure.cause, failure.request_sent, _now_ms()
                )
        finally:
            self._wake(token)

    def _remember(self, ffi_token: Any, info: Any, generation: int) -> AccessToken:
        token = AccessToken._from_ffi(ffi_token, info)
        with self._cond:
            if self._generation == generation:
                self._ready = (token, token.issued_at_ms - _CLOCK_STEP_MS, token.refresh_at_ms)
        return token

    def _wake(self, token: Optional[AccessToken] = None) -> None:
        """Wakes every caller waiting for a fetch outcome (threads and tasks);
        a new token is what the core will answer "ready" with, so it is memoized."""
        with self._cond:
            self._generation += 1
            self._ready = None if token is None else (token, token.issued_at_ms - _CLOCK_STEP_MS, token.refresh_at_ms)
            self._cond.notify_all()
            waiters, self._async_waiters = self._async_waiters, []
        for loop, fut in waiters:
            try:
                loop.call_soon_threadsafe(_resolve, fut)
            except RuntimeError:  # that loop is closed
                pass

    # -- asyncio ------------------------------------------------------------

    async def get_token_async(self) -> AccessToken:
        """:meth:`get_token` for asyncio: single-flight across tasks (and threads)."""
        ready = self._ready
        if ready is not None:
            now = _now_ms()
            if ready[1] <= now < ready[2]:
                return ready[0]
        import asyncio

        while True:
            generation = self._generation
            ready = self._ready  # set by a fetch that just finished
            if ready is not None and ready[1] <= _now_ms() < ready[2]:
                return ready[0]
            decision = self._lifecycle.poll(_now_ms())
            if decision.is_READY():
                return self._remember(decision.token, decision.info, generation)
            if decision.is_FETCH():
                await self._run_async(decision.ticket)
            elif decision.is_REFRESH_AHEAD():
                task = asyncio.ensure_future(self._run_async(decision.ticket))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                return AccessToken._from_ffi(decision.token, decision.info)
            elif decision.is_WAIT():
                await self._wait_async(generation, decision.until_ms)
            else:
                break
        raise from_info(decision.error)

    async def authorization_header_async(self) -> str:
        """:meth:`authorization_header` for asyncio."""
        return (await self.get_token_async()).authorization

    async def _wait_async(self, generation: int, until_ms: int) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        with self._cond:
            if self._generation != generation:
                return
            self._async_waiters.append((loop, fut))
        timeout = min(max(until_ms - _now_ms(), 1), 1_000) / 1000
        try:
            await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            pass

    async def _run_async(self, ticket: Any) -> None:
        """:meth:`_run` for asyncio (a cancelled task still reports its ticket)."""
        import asyncio

        reply: Optional[HttpReply] = None
        failure = TransportFailure("other", "request failed")
        try:
            if self._async_transport is not None:
                reply = await self._send_async(ticket)
            else:
                reply = await asyncio.get_running_loop().run_in_executor(None, self._send, ticket)
        except TransportFailure as e:
            failure = e
        except Exception as e:  # any failure of a host transport is a transport error
            failure = TransportFailure("other", type(e).__name__, type(e).__name__)
        except BaseException:  # asyncio.CancelledError, KeyboardInterrupt
            self._report(ticket, None, TransportFailure("other", "cancelled"))
            raise
        self._report(ticket, reply, failure)

    # -- the rest -----------------------------------------------------------

    def invalidate(self, token: AccessToken, www_authenticate: Optional[str] = None) -> bool:
        """The API rejected ``token`` (with this ``WWW-Authenticate``).

        Returns whether the core dropped it: then the next call fetches a new
        one. An ``insufficient_scope`` challenge keeps the token.
        """
        # The core first, then the memo: a caller that polled the core before
        # the drop read the old generation, so it cannot memoize the dropped token.
        dropped: bool = self._lifecycle.invalidate(token.access_token, www_authenticate)
        with self._cond:
            self._generation += 1
            self._ready = None
        return dropped

    # -- DPoP, revocation, introspection, discovery ---------------------------

    def _headers_for(self, token: AccessToken, method: str, url: str) -> Dict[str, str]:
        if token.token_type.lower() != "dpop":
            return {"Authorization": token.authorization}
        proof = self._lifecycle.dpop_proof(token.access_token, method.upper(), url, _now_ms())
        if proof is None:
            return {"Authorization": token.authorization}
        return {"Authorization": token.authorization, "DPoP": proof}

    def authorization_headers(self, method: str, url: str) -> Dict[str, str]:
        """The headers for an API call: ``Authorization``, plus ``DPoP`` (a
        fresh proof for ``method`` and ``url``) when the token is DPoP-bound.
        Pass a ``DPoP-Nonce`` the API answers to :meth:`remember_dpop_nonce`."""
        return self._headers_for(self.get_token(), method, url)

    async def authorization_headers_async(self, method: str, url: str) -> Dict[str, str]:
        """:meth:`authorization_headers` for asyncio."""
        return self._headers_for(await self.get_token_async(), method, url)

    def remember_dpop_nonce(self, url: str, nonce: str) -> bool:
        """Remembers a resource server's ``DPoP-Nonce`` for the next proofs to it."""
        remembered: bool = self._lifecycle.remember_dpop_nonce(url, nonce)
        return remembered

    def revoke(self, token: Union[AccessToken, str, None] = None, hint: str = "access_token") -> None:
        """Revokes ``token`` (RFC 7009; default: the cached one, which is then
        dropped so the next call fetches a new token)."""
        value = self.get_token().access_token if token is None else token if isinstance(token, str) else token.access_token
        del token
        error: Optional[Error] = None
        try:
            self._admin("revocation", self._revocation_endpoint, value, hint)
        except Error as e:
            error = e
        if error is not None:
            del value  # no token in a frame the traceback shows
            raise error
        with self._cond:
            self._generation += 1
            self._ready = None
        self._lifecycle.invalidate(value, None)

    def introspect(self, token: Union[AccessToken, str], hint: Optional[str] = None) -> Introspection:
        """Asks the server about ``token`` (RFC 7662)."""
        value = token if isinstance(token, str) else token.access_token
        del token
        error: Optional[Error] = None
        text = "null"
        try:
            text = self._admin("introspection", self._introspection_endpoint, value, hint)
        except Error as e:
            error = e
        del value  # no token in a frame the traceback shows
        if error is not None:
            raise error
        members: Dict[str, Any] = json.loads(text)
        return Introspection(
            active=members.get("active") is True,
            scope=members.get("scope"),
            client_id=members.get("client_id"),
            exp=members.get("exp"),
            token_type=members.get("token_type"),
            fields=members,
        )

    def _admin(self, kind: str, endpoint: Optional[str], token: str, hint: Optional[str]) -> str:
        # The token and the client's credentials are in the request (printed
        # redacted) and go straight into the call: no local of this frame
        # holds them in the clear when an error passes through it.
        error: Optional[Error] = None
        reply: Optional[HttpReply] = None
        request: Any = None
        build = _ffi.build_revocation_request if kind == "revocation" else _ffi.build_introspection_request
        if endpoint is None:
            error = config_error(f"no {kind} endpoint (pass {kind}_endpoint or use discover())", f"{kind}_endpoint")
        else:
            try:
                request = build(self._document.value, endpoint, token, _HINTS.get(hint or ""), _now_ms(), os.urandom(32))
            except FFI_ERRORS as e:
                error = from_ffi(e, CLIENT_OPTION_NAMES)
        del token
        if error is not None:
            raise error
        try:
            reply = self._transport.send(
                "POST",
                request.url(),
                [(h.name, h.value) for h in request.headers()],
                request.body(),
                self._timeout,
                max_bytes=self._max_bytes,
            )
        except Exception as e:  # any failure of a host transport is a transport error
            error = transport_error(e)
        if error is not None or reply is None:
            raise error or transport_error(RuntimeError())
        pairs = [_ffi.Header(name=n, value=v) for n, v in reply.headers]
        try:
            if kind == "revocation":
                _ffi.parse_revocation_response(self._document.value, reply.status, pairs, reply.body, _now_ms())
                return "null"
            return str(_ffi.parse_introspection_response(self._document.value, reply.status, pairs, reply.body, _now_ms()))
        except FFI_ERRORS as e:
            error = from_ffi(e)
        raise error

    @classmethod
    def discover(
        cls,
        issuer: str,
        client_id: str,
        client_secret: Optional[str] = None,
        *,
        token_endpoint: Optional[str] = None,
        transport: Optional[Transport] = None,
        danger_accept_insecure_http: bool = False,
        timeout: float = 10.0,
        **options: Any,
    ) -> ClientCredentials:
        """A client from the issuer alone: fetches its metadata (RFC 8414,
        then OpenID Connect Discovery), checks the issuer, and takes the token
        endpoint, the auth method and the signing algorithm the server supports.
        Metadata is cached per issuer for an hour. Other keyword options are
        those of :class:`ClientCredentials`."""
        error: Optional[Error] = _OPTIONS.error(0, options, check_required=False)
        if error is not None:
            del client_secret, options
            raise error
        sender: Transport = transport if transport is not None else UrllibTransport()
        text = _METADATA.get(issuer, _now_ms())
        for kind in (_ffi.MetadataKind.O_AUTH, _ffi.MetadataKind.OPEN_ID):
            if text is not None:
                break
            try:
                request = _ffi.build_metadata_request(issuer, kind, danger_accept_insecure_http)
            except FFI_ERRORS as e:
                error = from_ffi(e)
                break
            try:
                reply = sender.send(
                    "GET",
                    request.url(),
                    [(h.name, h.value) for h in request.headers()],
                    b"",
                    timeout,
                    max_bytes=_ffi.default_max_response_bytes(),
                )
            except TransportFailure as e:
                error = transport_error(e)
                continue
            try:
                pairs = [_ffi.Header(name=n, value=v) for n, v in reply.headers]
                text = _ffi.parse_metadata_response(issuer, reply.status, pairs, reply.body, _now_ms())
                _METADATA.insert(issuer, text, _now_ms())
            except FFI_ERRORS as e:
                error = from_ffi(e)
        if text is None:
            raise error or transport_error(RuntimeError())
        return cls(
            token_endpoint or "",
            client_id,
            client_secret,
            transport=transport,
            danger_accept_insecure_http=danger_accept_insecure_http,
            timeout=timeout,
            _discovered=(issuer, json.loads(text)),
            **options,
        )

    def export_token(self) -> Optional[str]:
        """The cached token as a versioned JSON document (it holds the token:
        store it like a secret), or ``None``."""
        document: Optional[str] = self._lifecycle.export_token()
        return document

    def import_token(self, document: str) -> AccessToken:
        """Loads a document from :meth:`export_token` (e.g. from Redis).

        Raises :class:`TokenDocumentError` when it is expired, for another
        client or malformed.
        """
        error: Optional[Error] = None
        with self._cond:
            self._generation += 1
            self._ready = None
        try:
            return AccessToken._from_ffi(self._lifecycle.import_token(document, _now_ms()))
        except FFI_ERRORS as e:
            error = from_ffi(e)
        del document
        raise error

    def httpx_auth(self) -> httpx.Auth:
        """An ``httpx.Auth`` (sync and async clients) that adds the token and
        retries once, with a fresh token, on an ``invalid_token`` 401."""
        try:
            from ._httpx_auth import HttpxAuth
        except ModuleNotFoundError as e:
            _raise_missing_extra("httpx", e)
        return HttpxAuth(self)

    def requests_auth(self) -> requests.auth.AuthBase:
        """A ``requests`` auth that adds the token and retries once, with a
        fresh token, on an ``invalid_token`` 401 (when the body can be resent)."""
        try:
            from ._requests_auth import RequestsAuth
        except ModuleNotFoundError as e:
            _raise_missing_extra("requests", e)
        return RequestsAuth(self)


_OPTIONS = Options(ClientCredentials.__init__, method=True)


def _raise_missing_extra(extra: str, cause: ModuleNotFoundError) -> NoReturn:
    """Says the install line when the optional library a hook needs is absent."""
    if (cause.name or "").split(".")[0] != extra:
        raise cause  # something else is missing: do not hide it
    raise ImportError(f'client.{extra}_auth() needs {extra}: pip install "ccauth[{extra}]"') from cause
