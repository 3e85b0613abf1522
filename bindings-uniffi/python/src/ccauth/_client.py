"""ClientCredentials: the core's token lifecycle driven from Python.

The core decides who fetches, who waits and for how long, when to refresh,
when to retry, which headers an API call gets and what an API's answer means;
this file sends requests, reads the clock and wakes waiters (threads and
asyncio tasks alike, so one client can serve both).

Secrets never sit in a local of a frame that an exception passes through:
errors are raised outside ``except`` blocks (no chained context) and the
constructor drops its secret arguments before anything can raise.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, List, Mapping, NoReturn, Optional, Sequence, Set, Tuple, Union

from ._config import Options, Pairs, client_auth, client_config
from ._errors import CLIENT_OPTION_NAMES, FFI_ERRORS, Error, bad_option, from_ffi, from_info
from ._ffi import ccauth_ffi as _ffi
from ._signing import Signer, host_signers
from ._token import AccessToken
from ._transport import AsyncTransport, HttpReply, Transport, TransportFailure, UrllibTransport

if TYPE_CHECKING:  # pragma: no cover
    import asyncio

    import httpx
    import requests

    from ._events import LifecycleEvent, TokenStats
    from ._ffi.ccauth_ffi import BodyFormat, ClientAuth, PrivateKey, RefreshPolicy, RetryPolicy, StoreKeys
    from ._fleet import AsyncStore, Store
    from ._introspection import Introspection

# asyncio, json and Introspection (dataclasses) are imported where they are
# used (import time: sync-only services never need asyncio, the hot paths no
# json, most services never introspect); the refresh jitter's
# seed comes from os.urandom rather than the secrets module (hashlib, OpenSSL).

__all__ = ["ClientCredentials"]

_HINTS = {"access_token": _ffi.TokenTypeHint.ACCESS_TOKEN, "refresh_token": _ffi.TokenTypeHint.REFRESH_TOKEN}


class _Ready:
    """The core's ready answer, memoized for the span it holds for; the API
    headers join it when the core says they serve every call (no per-call proof)."""

    __slots__ = ("headers", "token", "until", "valid_from")

    def __init__(self, token: AccessToken, valid_from: int, until: int) -> None:
        self.token = token
        self.valid_from = valid_from
        self.until = until
        self.headers: Optional[Dict[str, str]] = None


_KINDS = {
    "timeout": _ffi.TransportKind.TIMEOUT,
    "connect": _ffi.TransportKind.CONNECT,
    "tls": _ffi.TransportKind.TLS,
    "reset": _ffi.TransportKind.RESET,
}


class _Reported(TransportFailure):
    """The ticket is already reported (its client assertion or a signature could not be had)."""


class _SignerFailed(Exception):
    """A signer raised (or is async where it cannot be awaited): the message
    is the exception's class only, never its text (which may quote anything)."""


def _signer_failure(error: BaseException) -> str:
    return f"{type(error).__name__}"


def _signature(value: object) -> bytes:
    """A signer's answer as bytes (anything else: empty, which the core refuses as INVALID_SIGNATURE)."""
    return bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else b""


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


_logger: Any = None


def _info_logged() -> bool:
    """Whether the ``ccauth`` logger takes INFO records (never, while nothing
    imported ``logging``): else the events of a fetch that went well (all
    INFO) are left in the core (it keeps the last 64) instead of being
    drained for no one."""
    global _logger
    if _logger is None:
        logging = sys.modules.get("logging")
        if logging is None:
            return False
        _logger = logging.getLogger("ccauth")
    enabled: bool = _logger.isEnabledFor(20)
    return enabled


def _failure(error: Exception) -> TransportFailure:
    """Any failure of a host transport is a transport error."""
    if isinstance(error, TransportFailure):
        return error
    return TransportFailure("other", type(error).__name__, type(error).__name__)


def _transport_kind(failure: TransportFailure) -> Any:
    return _KINDS.get(failure.kind, _ffi.TransportKind.OTHER)


def _headers(pairs: Sequence[Tuple[str, str]]) -> List[Any]:
    return [_ffi.Header(name=n, value=v) for n, v in pairs]


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _cancel_task(loop: asyncio.AbstractEventLoop, task: asyncio.Task[None]) -> None:
    try:
        loop.call_soon_threadsafe(task.cancel)
    except RuntimeError:  # that loop is closed: the task is gone with it
        pass


def _fire(ref: weakref.ReferenceType[ClientCredentials], arm: int) -> None:
    """The proactive refresh timer of sync clients: the get-token path, in
    the background (a client nobody holds any more is left alone)."""
    client = ref()
    if client is not None and client._fired(arm):
        try:
            client._get_token()
        except Exception:  # the next caller gets the error
            pass


async def _fire_async(ref: weakref.ReferenceType[ClientCredentials], arm: int, delay: float) -> None:
    """:func:`_fire` as an asyncio task (cancelled by ``close()``, a newer timer or the end of its loop)."""
    import asyncio

    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        client = ref()
        if client is not None and client._fired(arm):  # the loop ended, not close() or a newer timer
            client._arm()  # a daemon thread takes over
        raise
    client = ref()
    if client is not None and client._fired(arm):
        try:
            await client._get_token_async()
        except Exception:  # the next caller gets the error
            pass


class ClientCredentials:
    """An OAuth 2.0 client credentials client: tokens cached, refreshed ahead
    of expiry, fetched once for any number of concurrent callers.

    >>> client = ClientCredentials(token_endpoint, client_id, client_secret, scopes=["api.read"])
    >>> client.authorization_header()
    'Bearer eyJ…'

    Thread-safe; one instance serves threads and asyncio tasks together.
    Options are validated at once (a :class:`ConfigError` names the bad one).
    ``close()`` (or leaving a ``with``/``async with`` block) stops the
    proactive refresh timer.
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
        auth: Optional[ClientAuth] = None,
        scopes: Union[str, Sequence[str], None] = None,
        include_scope: Optional[bool] = None,
        audience: Optional[str] = None,
        resources: Union[str, Sequence[str], None] = None,
        extra_body_params: Optional[Pairs] = None,
        extra_query_params: Optional[Pairs] = None,
        extra_headers: Optional[Pairs] = None,
        body_format: Optional[BodyFormat] = None,
        max_response_bytes: Optional[int] = None,
        refresh: Optional[RefreshPolicy] = None,
        retry: Optional[RetryPolicy] = None,
        assertion_audience: Optional[str] = None,
        assertion_lifetime_ms: Optional[int] = None,
        dpop_key: Union[PrivateKey, Signer, bool, Any, None] = None,
        revocation_endpoint: Optional[str] = None,
        introspection_endpoint: Optional[str] = None,
        proactive_refresh: bool = False,
        danger_accept_insecure_http: bool = False,
        client_assertion: Optional[Callable[[], str]] = None,
        transport: Optional[Transport] = None,
        async_transport: Optional[AsyncTransport] = None,
        timeout_ms: int = 10_000,
        on_event: Optional[Callable[[LifecycleEvent], Any]] = None,
        store: Union[Store, AsyncStore, None] = None,
        store_key: Union[bytes, str, None] = None,
        _discovered: Optional[Tuple[str, str]] = None,
    ) -> None:
        """
        The options are the core's (docs/OPTIONS.md), validated at once.

        :param token_endpoint: the token endpoint URL (https, or http to a loopback host).
        :param client_id: the client id.
        :param client_secret: shorthand for ``auth=ClientAuth.CLIENT_SECRET_BASIC(secret=ClientSecret(client_secret))``.
        :param auth: how the client authenticates (:class:`ClientAuth`): the
            method with its credential, e.g. ``ClientAuth.CLIENT_SECRET_POST(secret=ClientSecret(s))``,
            ``ClientAuth.PRIVATE_KEY_JWT(key=PrivateKey.parse(pem), key_id="k1")``,
            ``ClientAuth.NONE()`` for a public client.
        :param scopes: scopes to request (a list, or one space-delimited string).
        :param include_scope: ``False`` leaves ``scope`` out of the request.
        :param audience: the ``audience`` parameter (Auth0 and others).
        :param resources: RFC 8707 resource indicator(s).
        :param extra_body_params: extra form/JSON parameters, after the standard ones.
        :param extra_query_params: extra query parameters for the token URL.
        :param extra_headers: extra headers for the token request.
        :param body_format: ``BodyFormat.FORM`` (default) or ``BodyFormat.JSON``.
        :param max_response_bytes: largest token response accepted (default 1 MiB).
        :param refresh: when to refresh (:class:`RefreshPolicy`).
        :param retry: how to retry a failed token request (:class:`RetryPolicy`).
        :param assertion_audience: the client assertions' ``aud`` (default: the token
            endpoint; the issuer after :meth:`discover`).
        :param assertion_lifetime_ms: lifetime of each assertion, 1 s to 5 min (default 60 s).
        :param dpop_key: DPoP (RFC 9449): the key (:class:`PrivateKey`, a :class:`Signer`
            or a ``cryptography`` private key object), or ``True`` for a new ES256 one.
        :param revocation_endpoint: RFC 7009 endpoint for :meth:`revoke` (discovery fills it).
        :param introspection_endpoint: RFC 7662 endpoint for :meth:`introspect` (discovery fills it).
        :param proactive_refresh: refresh in the background at the refresh
            time (a daemon timer, an asyncio task for the ``*_async`` side), so
            an idle service's next call never waits for a fetch; :meth:`close` stops it.
        :param danger_accept_insecure_http: allow plain http to a non-loopback host.
        :param client_assertion: the assertion source of ``ClientAuth.EXTERNAL_ASSERTION``
            (the default ``auth`` when given alone): called for every token request,
            e.g. to read a Kubernetes service-account token file. An expired one is never sent.
        :param transport: sends token requests; default: the standard library.
        :param async_transport: sends token requests for the ``*_async`` methods;
            default: ``transport`` in a worker thread.
        :param timeout_ms: milliseconds before a token request counts as timed out.
        :param on_event: called with each :class:`LifecycleEvent` (a fetch started,
            succeeded, was retried or failed; a token was dropped; a failure was
            reset), on the thread that made the change, never for a call served
            from the cache; keep it fast. An exception it raises is logged and ignored.
        :param store: a fleet store (:class:`RedisStore`, :class:`AsyncRedisStore`, or
            any :class:`Store`/:class:`AsyncStore`): processes sharing it make one
            token request per refresh between them. Read only when this client's
            cache needs a token; entries sealed by the core; a failing store means
            fetching alone, never an error. An :class:`AsyncStore` serves the
            ``*_async`` methods (sync calls then fetch alone); a :class:`Store`
            serves both (the asyncio side runs its commands in a worker thread).
        :param store_key: an extra key (at least 16 bytes) mixed into the sealing key;
            required when the client holds no secret (a host-signed key, an
            external assertion, mTLS, a public client).
        """
        issuer, metadata = _discovered if _discovered is not None else (None, None)
        # Built before anything else, the secret dropped before an error
        # passes through this frame (raised outside the except block).
        error: Optional[Error] = None
        signers: Dict[Any, Signer] = {}
        try:
            auth, dpop_key, signers = host_signers(client_auth(auth, client_secret, client_assertion), dpop_key)
            config = client_config(
                token_endpoint,
                client_id,
                auth,
                scopes=scopes,
                include_scope=include_scope,
                audience=audience,
                resources=resources,
                extra_body_params=extra_body_params,
                extra_query_params=extra_query_params,
                extra_headers=extra_headers,
                body_format=body_format,
                max_response_bytes=max_response_bytes,
                refresh=refresh,
                retry=retry,
                assertion_audience=assertion_audience,
                assertion_lifetime_ms=assertion_lifetime_ms,
                dpop_key=dpop_key,
                revocation_endpoint=revocation_endpoint,
                introspection_endpoint=introspection_endpoint,
                proactive_refresh=proactive_refresh,
                danger_accept_insecure_http=danger_accept_insecure_http,
                issuer=issuer,
                server_metadata_json=metadata,
            )
        except Error as e:
            error = e
        del client_secret, auth, dpop_key
        if error is not None:
            raise error
        lifecycle = _ffi.TokenLifecycle.with_config(config, int.from_bytes(os.urandom(8), "big") >> 1)
        del config
        keys = _attach_store(lifecycle, store, store_key)
        del store_key
        self._start(lifecycle, signers, client_assertion, transport, async_transport, timeout_ms, proactive_refresh, on_event)
        self._attach(store, keys)

    def _start(
        self,
        lifecycle: Any,
        signers: Dict[Any, Signer],
        client_assertion: Optional[Callable[[], str]],
        transport: Optional[Transport],
        async_transport: Optional[AsyncTransport],
        timeout_ms: int,
        proactive_refresh: bool,
        on_event: Optional[Callable[[LifecycleEvent], Any]],
    ) -> None:
        """The driver's state around the core's lifecycle (every constructor ends here)."""
        self._lifecycle = lifecycle
        # Randomness for signatures (jti, salts): the OS source.
        self._lifecycle.seed_entropy(os.urandom(32))
        self._max_bytes: int = lifecycle.max_response_bytes()
        self._client_assertion = client_assertion
        # The host-signed keys' signers, by what they sign (empty: the core signs).
        self._signers = signers
        self._transport: Transport = transport if transport is not None else UrllibTransport()
        self._async_transport = async_transport
        self._timeout_ms = timeout_ms
        self._cond = threading.Condition()
        self._generation = 0
        self._async_waiters: List[Tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._tasks: Set[asyncio.Future[None]] = set()
        # The core's last "ready" answer and the span it holds for (the core
        # says it): asking again inside it would only cost a call into Rust.
        # Any report, invalidation, import or revocation clears it.
        self._ready: Optional[_Ready] = None
        # Which answers of an API the core must see (its lists; the same for every call).
        self._report_statuses: FrozenSet[int] = frozenset()
        self._report_headers: Tuple[str, ...] = ()
        # The proactive refresh timer: when it fires, how to cancel it, which one it is.
        self._timer_at: Optional[int] = None
        self._cancel: Optional[Callable[[], None]] = None
        self._timer_loop: Optional[asyncio.AbstractEventLoop] = None
        self._arms = 0
        self._closed = not proactive_refresh  # without the option the core never arms a timer: no call to ask
        # Lifecycle events: drained after the calls that can change the
        # lifecycle (never on the memoized path), delivered in order by one
        # thread at a time (see _emit).
        self._on_event = on_event
        self._emit_lock = threading.Lock()
        self._emit_wanted = False
        # The fleet store (None: none attached), whether its commands are
        # coroutines, and its keys.
        self._store: Any = None
        self._store_async = False
        self._store_keys: Optional[StoreKeys] = None
        # Tokens served from the memo (the core counts the ones it serves): an
        # itertools.count, whose next() is one C call (no lost increments
        # between threads); stats() reads it by calling it, and takes its reads off.
        self._hit = itertools.count(1).__next__
        self._hit_reads = 0

    def _attach(self, store: Any, keys: Optional[StoreKeys]) -> None:
        if store is not None:
            from ._fleet import is_async

            self._store, self._store_async, self._store_keys = store, is_async(store), keys

    @property
    def store_keys(self) -> Optional[StoreKeys]:
        """The fleet store's keys of this client (``.token``: the sealed entry,
        ``.lease``: the fetch lease; ``ccauth:{<id>}:…``, the braces a Redis
        Cluster hash tag), or ``None`` without a store."""
        return self._store_keys

    def __repr__(self) -> str:
        lifecycle = getattr(self, "_lifecycle", None)  # absent while a bad config is rejected
        key = lifecycle.cache_key() if lifecycle is not None else None
        return f"ClientCredentials(cache_key={key!r})"

    def close(self) -> None:
        """Stops the proactive refresh timer for good. The client still
        answers; it only no longer refreshes in the background."""
        with self._cond:
            self._closed = True
            if self._cancel is not None:
                self._cancel()
            self._timer_at = self._cancel = self._timer_loop = None

    def __enter__(self) -> ClientCredentials:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> ClientCredentials:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    # -- the lifecycle loop: threads -------------------------------------------

    def get_token(self) -> AccessToken:
        """A valid token: cached, or fetched once for every concurrent caller."""
        ready = self._ready
        if ready is not None and ready.valid_from <= _now_ms() < ready.until:
            self._hit()
            return ready.token
        return self._get_token()

    def authorization_header(self) -> str:
        """The ``Authorization`` header value, e.g. ``Bearer eyJ…``."""
        ready = self._ready
        if ready is not None and ready.valid_from <= _now_ms() < ready.until:
            self._hit()
            return ready.token._authorization or ready.token.authorization
        return self._get_token().authorization

    def _get_token(self) -> AccessToken:
        while True:
            generation = self._generation
            ready, now = self._ready, _now_ms()
            if ready is not None and ready.valid_from <= now < ready.until:  # a report just set it
                self._hit()
                return ready.token
            decision = self._lifecycle.poll(now)
            if decision.is_READY():
                return self._remember(decision, generation)
            if decision.is_FETCH():
                if decision.ticket.attempt > 1 or self._on_event is not None or _info_logged():
                    self._emit()
                self._fetch(decision.ticket)
            elif decision.is_REFRESH_AHEAD():
                if decision.ticket.attempt > 1 or self._on_event is not None or _info_logged():
                    self._emit()
                threading.Thread(target=self._fetch, args=(decision.ticket,), name="ccauth-refresh", daemon=True).start()
                return AccessToken._from_ffi(decision.token, decision.info)
            elif decision.is_WAIT():
                with self._cond:
                    if self._generation == generation:
                        self._cond.wait(decision.wait_ms / 1000)
            else:
                raise self._failed(decision)

    def _fetch(self, ticket: Any) -> None:
        """A fetch ticket: through the fleet store when one is attached (a sync
        one: an asyncio store cannot be driven from here, so sync calls fetch alone)."""
        if self._store is None or self._store_async:
            self._run(ticket)
            return
        from ._fleet import run_command

        lifecycle, store, fetched = self._lifecycle, self._store, False
        try:
            step = lifecycle.store_begin(ticket.id, _now_ms())
            while True:
                if step.is_COMMAND():
                    reply = run_command(store, step.command)
                    step = lifecycle.store_reply(ticket.id, reply, _now_ms())
                elif step.is_SLEEP():
                    self._emit()  # lease_busy: this process waits on another's fetch
                    time.sleep(max(0, step.until_ms - _now_ms()) / 1000)
                    step = lifecycle.store_resume(ticket.id, _now_ms())
                elif step.is_FETCH():
                    fetched = True
                    self._emit()  # the store's events so far (lease_acquired, store_unavailable) before a request that may hang
                    self._run(ticket)  # reported (waiters woken with the token) before publishing
                    step = lifecycle.store_fetched(ticket.id, _now_ms())
                else:
                    break
        except BaseException:  # interrupted before the ticket was reported: report it
            if not fetched:
                self._report(ticket, None, TransportFailure("other", "interrupted"))
            raise
        self._shared_done(fetched)

    def _shared_done(self, fetched: bool) -> None:
        """After a store conversation: a store hit answered the ticket (wake
        the waiters, who find the token in the core); deliver the store's events.
        Always drained: a store_unavailable is a WARNING, and the Redis round
        trips dwarf the drain."""
        if not fetched:
            self._wake()
            self._arm()
        self._emit()

    def _drop_shared(self) -> None:
        """After the core dropped a token: its store commands (delete the shared
        entry while it still holds that token), replies ignored. An asyncio
        store's run as a task on the running loop (none running: left to the
        entry's expiry and the other processes' own 401s)."""
        if self._store is None:
            return
        commands = self._lifecycle.store_commands()
        if not commands:
            return
        from ._fleet import run_command, run_command_async

        if not self._store_async:
            for command in commands:
                run_command(self._store, command)
            return
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return

        async def run_all() -> None:
            for command in commands:
                await run_command_async(self._store, command)

        task = loop.create_task(run_all())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _run(self, ticket: Any) -> None:
        """Sends one ticket's request and reports the outcome to the core.

        Whatever happens, the ticket is reported: an interrupted fetch
        (KeyboardInterrupt, a cancelled task) left unreported would make every
        waiter wait for the core's attempt timeout.
        """
        reply: Optional[HttpReply] = None
        failure: Optional[TransportFailure] = None
        try:
            reply = self._send(ticket)
        except Exception as e:
            failure = _failure(e)
        except BaseException:
            self._report(ticket, None, TransportFailure("other", "interrupted"))
            raise
        self._report(ticket, reply, failure)

    def _send(self, ticket: Any, signatures: Optional[List[bytes]] = None) -> HttpReply:
        # The credentials go straight into the call: no local of this frame
        # (or any ccauth frame a traceback shows) holds them in the clear
        # (the request object prints redacted).
        request = self._request(ticket, signatures)  # prints redacted
        return self._transport.send(
            request.method, request.url, _pairs(request.headers), request.body, self._timeout_ms, max_bytes=self._max_bytes
        )

    # -- the lifecycle loop: asyncio -------------------------------------------

    async def get_token_async(self) -> AccessToken:
        """:meth:`get_token` for asyncio: single-flight across tasks (and threads)."""
        ready = self._ready
        if ready is not None and ready.valid_from <= _now_ms() < ready.until:
            self._hit()
            return ready.token
        return await self._get_token_async()

    async def authorization_header_async(self) -> str:
        """:meth:`authorization_header` for asyncio."""
        return (await self.get_token_async()).authorization

    async def _get_token_async(self) -> AccessToken:
        import asyncio

        loop = asyncio.get_running_loop()
        while True:
            generation = self._generation
            ready, now = self._ready, _now_ms()
            if ready is not None and ready.valid_from <= now < ready.until:  # a report just set it
                self._hit()
                return ready.token
            decision = self._lifecycle.poll(now)
            if decision.is_READY():
                return self._remember(decision, generation, loop)
            if decision.is_FETCH():
                if decision.ticket.attempt > 1 or self._on_event is not None or _info_logged():
                    self._emit()
                await self._fetch_async(decision.ticket)
            elif decision.is_REFRESH_AHEAD():
                if decision.ticket.attempt > 1 or self._on_event is not None or _info_logged():
                    self._emit()
                task = loop.create_task(self._fetch_async(decision.ticket))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                return AccessToken._from_ffi(decision.token, decision.info)
            elif decision.is_WAIT():
                fut: asyncio.Future[None] = loop.create_future()
                with self._cond:
                    if self._generation != generation:
                        continue
                    self._async_waiters.append((loop, fut))
                timer = loop.call_later(decision.wait_ms / 1000, _resolve, fut)
                await fut
                timer.cancel()
            else:
                raise self._failed(decision)

    async def _fetch_async(self, ticket: Any) -> None:
        """:meth:`_fetch` for asyncio: an :class:`AsyncStore` awaited on the
        loop, a sync store's commands in a worker thread."""
        if self._store is None:
            await self._run_async(ticket)
            return
        import asyncio

        from ._fleet import run_command, run_command_async

        loop = asyncio.get_running_loop()
        lifecycle, store, fetched = self._lifecycle, self._store, False
        try:
            step = lifecycle.store_begin(ticket.id, _now_ms())
            while True:
                if step.is_COMMAND():
                    if self._store_async:
                        reply = await run_command_async(store, step.command)
                    else:
                        reply = await loop.run_in_executor(None, run_command, store, step.command)
                    step = lifecycle.store_reply(ticket.id, reply, _now_ms())
                elif step.is_SLEEP():
                    self._emit()
                    await asyncio.sleep(max(0, step.until_ms - _now_ms()) / 1000)
                    step = lifecycle.store_resume(ticket.id, _now_ms())
                elif step.is_FETCH():
                    fetched = True
                    self._emit()
                    await self._run_async(ticket)
                    step = lifecycle.store_fetched(ticket.id, _now_ms())
                else:
                    break
        except BaseException:  # asyncio.CancelledError before the ticket was reported: report it
            if not fetched:
                self._report(ticket, None, TransportFailure("other", "cancelled"), loop)
            raise
        if not fetched:
            self._wake()
            self._arm(loop)
        self._emit()

    async def _run_async(self, ticket: Any) -> None:
        """:meth:`_run` for asyncio (a cancelled task still reports its ticket)."""
        import asyncio

        loop = asyncio.get_running_loop()
        reply: Optional[HttpReply] = None
        failure: Optional[TransportFailure] = None
        try:
            signatures = await self._signatures_async(ticket)
            if self._async_transport is not None:
                request = self._request(ticket, signatures)
                reply = await self._async_transport.send(
                    request.method, request.url, _pairs(request.headers), request.body, self._timeout_ms, max_bytes=self._max_bytes
                )
            else:
                reply = await loop.run_in_executor(None, self._send, ticket, signatures)
        except Exception as e:
            failure = _failure(e)
        except BaseException:  # asyncio.CancelledError, KeyboardInterrupt
            self._report(ticket, None, TransportFailure("other", "cancelled"), loop)
            raise
        self._report(ticket, reply, failure, loop)

    async def _signatures_async(self, ticket: Any) -> Optional[List[bytes]]:
        """The ticket's signatures made on the loop (an async signer is
        awaited there), or ``None`` when the core signs; a failed signer is
        reported (raises :class:`_Reported`)."""
        if not ticket.signing_inputs:
            return None
        try:
            return await self._sign_inputs_async(ticket.signing_inputs)
        except _SignerFailed as e:
            message = str(e)
        self._lifecycle.signer_failed(ticket.id, message, _now_ms())
        raise _Reported("other", "the request was not signed")

    # -- what both loops share ---------------------------------------------------

    def _request(self, ticket: Any, signatures: Optional[List[bytes]] = None) -> Any:
        """The ticket's request; with the host's assertion when the config
        takes one minted elsewhere (read from its source for each request),
        and the JWTs of host-signed keys (``signatures``, else signed here).
        Raises :class:`_Reported` when there is none to send: the core has the
        source's or the signer's failure, or refused the assertion or a
        signature (failing the fetch for every waiter)."""
        inputs = ticket.signing_inputs
        if not inputs and not ticket.needs_client_assertion:
            return ticket.request
        failed: Optional[str] = None
        try:
            if inputs and signatures is None:
                signatures = self._sign_inputs(inputs)
            assertion: Optional[str] = None
            if ticket.needs_client_assertion:
                assert self._client_assertion is not None
                assertion = self._client_assertion()
            if not inputs:
                assert assertion is not None
                return self._lifecycle.request_with_assertion(ticket.id, assertion, _now_ms())
            return self._lifecycle.complete_request(ticket.id, signatures or [], assertion, _now_ms())
        except FFI_ERRORS:
            pass
        except _SignerFailed as e:  # the core retries like a network failure
            self._lifecycle.signer_failed(ticket.id, str(e), _now_ms())
            raise _Reported("other", "the request was not signed") from None
        except Exception as e:  # the source failed: the core retries like a network failure
            failed = str(e) or type(e).__name__
        if failed is not None:
            self._lifecycle.assertion_source_failed(ticket.id, failed, _now_ms())
        raise _Reported("other", "the client assertion was not sent")

    def _sign_inputs(self, inputs: Sequence[Any]) -> List[bytes]:
        """One signature per signing input, by its key's signer (sync);
        raises :class:`_SignerFailed`."""
        signatures = []
        for i in inputs:
            try:
                value = self._signers[i.purpose].sign(i.alg, i.key_id, i.bytes)
            except Exception as e:
                raise _SignerFailed(_signer_failure(e)) from None
            if hasattr(value, "__await__"):
                getattr(value, "close", lambda: None)()  # never awaited: no warning
                raise _SignerFailed("an async signer: use the *_async methods")
            signatures.append(_signature(value))
        return signatures

    async def _sign_inputs_async(self, inputs: Sequence[Any]) -> List[bytes]:
        """:meth:`_sign_inputs`, awaiting a signer that is a coroutine function."""
        signatures = []
        for i in inputs:
            try:
                value = self._signers[i.purpose].sign(i.alg, i.key_id, i.bytes)
                if hasattr(value, "__await__"):
                    value = await value
            except Exception as e:
                raise _SignerFailed(_signer_failure(e)) from None
            signatures.append(_signature(value))
        return signatures

    def _report(
        self, ticket: Any, reply: Optional[HttpReply], failure: Optional[TransportFailure], loop: Optional[asyncio.AbstractEventLoop] = None
    ) -> None:
        """Tells the core the ticket's outcome, wakes every waiter (threads
        and tasks), memoizes a new token for the span the core gives (no poll
        after a fetch) and re-arms the proactive refresh timer."""
        generation = self._generation
        ready: Optional[_Ready] = None
        try:
            if reply is not None:
                outcome = self._lifecycle.handle_response(ticket.id, reply.status, _headers(reply.headers), reply.body, _now_ms())
                if outcome.is_TOKEN():
                    ready = _Ready(AccessToken._from_ffi(outcome.token, outcome.info), outcome.valid_from_ms, outcome.valid_until_ms)
            elif failure is not None and not isinstance(failure, _Reported):
                self._lifecycle.handle_transport_error(
                    ticket.id, _transport_kind(failure), str(failure), failure.cause, failure.request_sent, _now_ms()
                )
        finally:
            self._wake(ready, generation)
            self._arm(loop)
            # After waking the waiters (a slow listener delays no one). A
            # first attempt's events are INFO when it brings a token (a retry
            # may follow a WARNING a poll recorded): not drained for no one.
            if ready is None or ticket.attempt > 1 or self._on_event is not None or _info_logged():
                self._emit()

    def _remember(self, decision: Any, generation: int, loop: Optional[asyncio.AbstractEventLoop] = None) -> AccessToken:
        """A ready answer: memoized for the span the core gives, unless
        something changed since the poll."""
        token = AccessToken._from_ffi(decision.token, decision.info)
        with self._cond:
            if self._generation == generation:
                self._ready = _Ready(token, decision.valid_from_ms, decision.valid_until_ms)
        self._arm(loop)
        return token

    def _wake(self, ready: Optional[_Ready] = None, generation: int = -1) -> None:
        """Forgets the memoized answer (or puts the one a report gave in its
        place, unless something, an invalidation, changed the core since
        ``generation``) and wakes every caller waiting for an outcome (threads and tasks)."""
        with self._cond:
            self._ready = ready if generation == self._generation else None
            self._generation += 1
            self._cond.notify_all()
            waiters, self._async_waiters = self._async_waiters, []
        for loop, fut in waiters:
            try:
                loop.call_soon_threadsafe(_resolve, fut)
            except RuntimeError:  # that loop is closed
                pass

    def _arm(self, loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        """Arms the one proactive refresh timer at the core's time (a daemon
        thread; an asyncio task on ``loop``), or disarms it when the core has none."""
        if self._closed and self._timer_at is None:  # no timer, and none to come
            return
        with self._cond:
            at = None if self._closed else self._lifecycle.proactive_refresh_at()
            if at == self._timer_at and (self._timer_loop is None or not self._timer_loop.is_closed()):
                return
            if self._cancel is not None:
                self._cancel()
            self._timer_at, self._cancel, self._timer_loop = at, None, loop
            if at is None:
                return
            self._arms += 1
            delay = (at - _now_ms()) / 1000  # past: at once
            if loop is None:
                timer = threading.Timer(delay, _fire, (weakref.ref(self), self._arms))
                timer.name, timer.daemon = "ccauth-refresh-timer", True
                timer.start()
                self._cancel = timer.cancel
            else:
                task = loop.create_task(_fire_async(weakref.ref(self), self._arms, delay), name="ccauth-refresh-timer")
                self._cancel = functools.partial(_cancel_task, loop, task)

    def _fired(self, arm: int) -> bool:
        """Whether timer ``arm`` is the one armed (it no longer is)."""
        with self._cond:
            if arm != self._arms or self._timer_at is None:
                return False
            self._timer_at = self._cancel = self._timer_loop = None
            return True

    # -- API calls -------------------------------------------------------------

    def _api_headers(self, token: AccessToken, method: str, url: str) -> Dict[str, str]:
        """The core's headers for an API call with ``token`` (the caller
        copies them): kept with the ready memo when they serve every call."""
        ready = self._ready
        if ready is not None and ready.token is token and ready.headers is not None:
            return ready.headers
        answer = self._lifecycle.api_headers(token._ffi, method.upper(), url, _now_ms())
        headers = {h.name: h.value for h in answer.headers}
        pending = answer.dpop_to_sign
        if pending is not None:  # a host-signed DPoP key: sign the proof here
            headers["DPoP"] = self._dpop_proof(pending)
        if not self._report_statuses:
            self._report_statuses = frozenset(answer.report_statuses)
            self._report_headers = tuple(answer.report_headers)
        if answer.reusable and ready is not None and ready.token is token:
            ready.headers = headers  # a memo cleared since is dropped with its headers
        return headers

    async def _api_headers_async(self, token: AccessToken, method: str, url: str) -> Dict[str, str]:
        """:meth:`_api_headers`, awaiting an async signer of a host-signed DPoP key."""
        if self._signers.get(_ffi.SigningPurpose.DPOP_PROOF) is None:
            return self._api_headers(token, method, url)
        answer = self._lifecycle.api_headers(token._ffi, method.upper(), url, _now_ms())
        headers = {h.name: h.value for h in answer.headers}
        if not self._report_statuses:
            self._report_statuses = frozenset(answer.report_statuses)
            self._report_headers = tuple(answer.report_headers)
        pending = answer.dpop_to_sign
        if pending is not None:
            signature: Optional[bytes] = None
            try:
                signature = (await self._sign_inputs_async([pending.signing_input()]))[0]
            except _SignerFailed as e:
                message = str(e)
            headers["DPoP"] = self._dpop_proof(pending, signature, None if signature is not None else message)
        return headers

    def _dpop_proof(self, pending: Any, signature: Optional[bytes] = None, failed: Optional[str] = None) -> str:
        """The ``DPoP`` value of an API call with a host-signed DPoP key
        (``signature`` made here when not given). A signer that fails raises
        the core's :class:`TransportError` for it (``cause`` ``signer``), a
        signature that does not fit a :class:`ConfigError` ``INVALID_SIGNATURE``."""
        error: Optional[Error] = None
        if signature is None and failed is None:
            try:
                signature = self._sign_inputs([pending.signing_input()])[0]
            except _SignerFailed as e:
                failed = str(e)
        if failed is not None:
            error = from_ffi(
                self._lifecycle.admin_transport_error(_ffi.TransportKind.OTHER, f"the signer failed: {failed}", "signer", False)
            )
        else:
            try:
                proof: str = pending.proof(signature)
                return proof
            except FFI_ERRORS as e:
                error = from_ffi(e)
        raise error

    def _must_report(self, status: int, headers: Mapping[str, str]) -> bool:
        """Whether an API's answer can change anything in the core (its
        statuses and headers; ``headers`` is case-insensitive, as httpx's and requests' are)."""
        return status in self._report_statuses or any(name in headers for name in self._report_headers)

    def _api_response(
        self, token: AccessToken, url: str, status: int, www_authenticate: Optional[str], dpop_nonce: Optional[str], nonce_retried: bool
    ) -> Any:
        """The core's verdict on an API's answer to a call made with ``token``
        (``RETRY_WITH_NEW_TOKEN``: the token was dropped, so is the memo)."""
        verdict = self._lifecycle.api_response(token.access_token, url, status, www_authenticate, dpop_nonce, nonce_retried)
        if verdict == _ffi.ApiVerdict.RETRY_WITH_NEW_TOKEN:
            self._wake()
            self._drop_shared()
            self._emit()
        return verdict

    def authorization_headers(self, method: str, url: str) -> Dict[str, str]:
        """The headers for an API call: ``Authorization``, plus ``DPoP`` (a
        fresh proof for ``method`` and ``url``) when the token is DPoP-bound.
        Pass a ``DPoP-Nonce`` the API answers to :meth:`remember_dpop_nonce`."""
        return dict(self._api_headers(self.get_token(), method, url))

    async def authorization_headers_async(self, method: str, url: str) -> Dict[str, str]:
        """:meth:`authorization_headers` for asyncio."""
        return dict(await self._api_headers_async(await self.get_token_async(), method, url))

    def remember_dpop_nonce(self, url: str, nonce: str) -> bool:
        """Remembers a resource server's ``DPoP-Nonce`` for the next proofs to it."""
        remembered: bool = self._lifecycle.remember_dpop_nonce(url, nonce)
        return remembered

    def invalidate(self, token: AccessToken, www_authenticate: Optional[str] = None) -> bool:
        """The API rejected ``token`` (with this ``WWW-Authenticate``).

        Returns whether the core dropped it: then the next call fetches a new
        one. An ``insufficient_scope`` challenge keeps the token.
        """
        # The core first, then the memo: a caller that polled the core before
        # the drop read the old generation, so it cannot memoize the dropped token.
        dropped: bool = self._lifecycle.invalidate(token.access_token, www_authenticate)
        self._wake()
        if dropped:
            self._drop_shared()
            self._emit()
        return dropped

    # -- observability -----------------------------------------------------------

    def stats(self) -> TokenStats:
        """The client's counters and state: tokens served (from its cache and
        fresh), fetches, failures, invalidations, the cached token's expiry and
        id, the cool-down in force. Cheap: read it from a metrics callback."""
        from ._events import TokenStats

        with self._cond:
            hits = self._hit() - 1 - self._hit_reads  # this read is not a token served
            self._hit_reads += 1
        return TokenStats._from_ffi(self._lifecycle.stats(), hits)

    def reset_failure(self) -> bool:
        """Ends the cool-down after a failed fetch (or a retry's backoff) at
        once: the next caller fetches, with a fresh retry budget (say, after
        the secret was fixed on the server). Returns whether there was one."""
        reset: bool = self._lifecycle.reset_failure(_now_ms())
        if reset:
            self._wake()  # waiters fetch now instead of at the end of their wait
            self._emit()
        return reset

    def _emit(self) -> None:
        """Drains the core's events and delivers them (logger, ``on_event``).

        One thread delivers at a time, so events keep their order; a thread
        that finds another delivering leaves it a note to drain once more
        (so no event waits for the next change), and a listener that calls
        back into the client cannot deadlock on it. Never raises.
        """
        self._emit_wanted = True
        while self._emit_wanted and self._emit_lock.acquire(blocking=False):
            try:
                self._emit_wanted = False
                records = self._lifecycle.drain_events()
                if records:
                    from ._events import deliver

                    deliver(records, self._on_event)
            except Exception:  # a logging handler's failure never fails a token request
                pass
            finally:
                self._emit_lock.release()

    def _failed(self, decision: Any) -> Error:
        """The error of a failed decision (its events delivered first); one
        served from the cool-down carries its end and says how to end it."""
        self._emit()
        error = from_info(decision.error)
        until = decision.cooldown_until_ms
        if until is not None:
            error._served_from_cooldown(until)
        return error

    # -- revocation, introspection, discovery ------------------------------------

    def revoke(self, token: Union[AccessToken, str, None] = None, hint: str = "access_token") -> None:
        """Revokes ``token`` (RFC 7009; default: the cached one, which is then
        dropped so the next call fetches a new token)."""
        value = self.get_token().access_token if token is None else token if isinstance(token, str) else token.access_token
        del token
        error: Optional[Error] = None
        try:
            self._admin(self._lifecycle.prepare_revocation_request, self._lifecycle.handle_revocation_response, value, hint)
        except Error as e:
            error = e
        del value  # no token in a frame the traceback shows
        self._wake()  # the core dropped the cached token if it was that one
        self._drop_shared()
        self._emit()
        if error is not None:
            raise error

    def introspect(self, token: Union[AccessToken, str], hint: Optional[str] = None) -> Introspection:
        """Asks the server about ``token`` (RFC 7662)."""
        value = token if isinstance(token, str) else token.access_token
        del token
        error: Optional[Error] = None
        text = "null"
        try:
            text = self._admin(self._lifecycle.prepare_introspection_request, self._lifecycle.handle_introspection_response, value, hint)
        except Error as e:
            error = e
        del value  # no token in a frame the traceback shows
        if error is not None:
            raise error
        import json

        from ._introspection import Introspection

        members: Dict[str, Any] = json.loads(text)
        return Introspection(
            active=members.get("active") is True,
            scope=members.get("scope"),
            client_id=members.get("client_id"),
            exp=members.get("exp"),
            token_type=members.get("token_type"),
            fields=members,
        )

    def _admin(self, build: Callable[..., Any], read: Callable[..., Any], token: str, hint: Optional[str]) -> Any:
        """Sends the request the core builds (endpoint, client authentication;
        a host-signed key signs its client assertion here, with the signer the
        token requests use) and returns what the core reads from the answer."""
        # The token and the client's credentials are in the request (printed
        # redacted) and go straight into the call: no local of this frame
        # holds them in the clear when an error passes through it.
        error: Optional[Error] = None
        parts: Any = None
        try:
            unsigned = build(token, _HINTS.get(hint or ""), _now_ms())
            inputs = unsigned.signing_inputs()
            parts = unsigned.finish(self._sign_inputs(inputs) if inputs else [])
        except FFI_ERRORS as e:
            error = from_ffi(e, CLIENT_OPTION_NAMES)
        except _SignerFailed as e:  # the same error a token request's failed signer ends in
            error = from_ffi(self._lifecycle.admin_transport_error(_ffi.TransportKind.OTHER, f"the signer failed: {e}", "signer", False))
        del token
        if error is not None:
            raise error
        try:
            reply = self._transport.send(
                parts.method, parts.url, _pairs(parts.headers), parts.body, self._timeout_ms, max_bytes=self._max_bytes
            )
        except Exception as e:  # any failure of a host transport is a transport error
            f = _failure(e)
            error = from_ffi(self._lifecycle.admin_transport_error(_transport_kind(f), str(f), f.cause, f.request_sent))
        if error is not None:
            raise error
        try:
            return read(reply.status, _headers(reply.headers), reply.body, _now_ms())
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
        timeout_ms: int = 10_000,
        **options: Any,
    ) -> ClientCredentials:
        """A client from the issuer alone: fetches its metadata (RFC 8414,
        then OpenID Connect Discovery), checks the issuer, and takes the token
        endpoint, the auth method and the signing algorithm the server supports.
        The core keeps each issuer's metadata for a while (per process). Other
        keyword options are those of :class:`ClientCredentials`."""
        error: Optional[Error] = _OPTIONS.error(0, options, check_required=False)
        if error is not None:
            del client_secret, options
            raise error
        try:
            metadata = _discover(issuer, transport, danger_accept_insecure_http, timeout_ms)
        except Error as e:
            error = e
        if error is not None:
            del client_secret, options
            raise error
        return cls(
            token_endpoint or "",
            client_id,
            client_secret,
            transport=transport,
            danger_accept_insecure_http=danger_accept_insecure_http,
            timeout_ms=timeout_ms,
            _discovered=(issuer, metadata),
            **options,
        )

    @classmethod
    def from_env(
        cls,
        *,
        transport: Optional[Transport] = None,
        async_transport: Optional[AsyncTransport] = None,
        timeout_ms: int = 10_000,
        on_event: Optional[Callable[[LifecycleEvent], Any]] = None,
        environ: Optional[Mapping[str, str]] = None,
        store: Union[Store, AsyncStore, None] = None,
        store_key: Union[bytes, str, None] = None,
    ) -> ClientCredentials:
        """A client from ``CCAUTH_*`` environment variables, as ``python -m
        ccauth doctor`` reads them (``--help`` lists them all):
        ``CCAUTH_TOKEN_ENDPOINT`` (or ``CCAUTH_ISSUER``, then discovery),
        ``CCAUTH_CLIENT_ID``, ``CCAUTH_CLIENT_SECRET``, ``CCAUTH_AUTH_METHOD``,
        ``CCAUTH_SCOPE`` (space-separated), ``CCAUTH_AUDIENCE``,
        ``CCAUTH_RESOURCE``, ``CCAUTH_PRIVATE_KEY`` (or ``CCAUTH_PRIVATE_KEY_FILE``),
        ``CCAUTH_KEY_ID``, ``CCAUTH_CLIENT_ASSERTION_ALG``, ``CCAUTH_BODY_FORMAT``,
        and ``CCAUTH_CONFIG_FILE``: a JSON config document (the sans-IO
        functions' document) that the variables override. The core reads
        them; a misspelt ``CCAUTH_`` name is a :class:`ConfigError` with the
        right one. ``environ``: another mapping than ``os.environ``.
        ``store``, ``store_key``: a fleet store, as in the constructor."""
        from ._doctor import load_options

        error: Optional[Error] = None
        options = ""
        try:
            options = load_options([], os.environ if environ is None else environ)[1] or "{}"
        except Error as e:
            error = e
        del environ
        client: Optional[ClientCredentials] = None
        if error is None:
            try:
                client = cls._from_options(options, transport, async_transport, timeout_ms, on_event, store, store_key)
            except Error as e:
                error = e
        options = ""  # the secret: not in this frame when an error passes through
        if error is not None:
            raise error
        assert client is not None
        return client

    @classmethod
    def _from_options(
        cls,
        options: str,
        transport: Optional[Transport],
        async_transport: Optional[AsyncTransport],
        timeout_ms: int,
        on_event: Optional[Callable[[LifecycleEvent], Any]],
        store: Union[Store, AsyncStore, None] = None,
        store_key: Union[bytes, str, None] = None,
    ) -> ClientCredentials:
        """A client from the core's client options (a config document, JSON
        text): with an ``issuer`` and no ``server_metadata``, discovery first."""
        import json

        error: Optional[Error] = None
        lifecycle: Any = None
        proactive = False
        try:
            document = json.loads(options)
            proactive = document.get("proactive_refresh") is True
            for name in ("external_client_assertion", "host_signed_key", "host_signed_dpop_key"):
                if document.get(name):
                    raise bad_option(name, "needs a callable or a signer: build ClientCredentials(...) with it")
            issuer = document.get("issuer")
            if isinstance(issuer, str) and "server_metadata" not in document:
                insecure = document.get("danger_accept_insecure_http") is True
                document["server_metadata"] = json.loads(_discover(issuer, transport, insecure, timeout_ms))
            lifecycle = _ffi.TokenLifecycle(json.dumps(document), int.from_bytes(os.urandom(8), "big") >> 1)
        except FFI_ERRORS as e:
            error = from_ffi(e)
        except Error as e:
            error = e
        document, options = None, ""  # the secret: not in this frame when an error passes through
        if error is not None:
            raise error
        keys = _attach_store(lifecycle, store, store_key)
        del store_key
        client = object.__new__(cls)
        client._start(lifecycle, {}, None, transport, async_transport, timeout_ms, proactive, on_event)
        client._attach(store, keys)
        return client

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
        self._wake()
        try:
            return AccessToken._from_ffi(self._lifecycle.import_token(document, _now_ms()))
        except FFI_ERRORS as e:
            error = from_ffi(e)
        del document
        raise error

    def httpx_auth(self) -> httpx.Auth:
        """An ``httpx.Auth`` (sync and async clients) that adds the token (and
        DPoP proof), and resends once when the core says so: with the API's
        DPoP nonce, or with a fresh token after a 401 that condemned it."""
        try:
            from ._httpx_auth import HttpxAuth
        except ModuleNotFoundError as e:
            _raise_missing_extra("httpx", e)
        return HttpxAuth(self)

    def requests_auth(self) -> requests.auth.AuthBase:
        """A ``requests`` auth like :meth:`httpx_auth` (a streamed body is not resent)."""
        try:
            from ._requests_auth import RequestsAuth
        except ModuleNotFoundError as e:
            _raise_missing_extra("requests", e)
        return RequestsAuth(self)


def _attach_store(lifecycle: Any, store: object, store_key: Union[bytes, str, None]) -> Optional[StoreKeys]:
    """Attaches a fleet store to a new lifecycle (its keys), or ``None`` without one.
    A bad ``store_key`` (or a DPoP client) is a :class:`ConfigError`."""
    if store is None:
        return None
    error: Optional[Error] = None
    keys: Optional[StoreKeys] = None
    try:
        lifecycle.seed_entropy(os.urandom(32))  # the lease owner id and the seals' nonces
        keys = lifecycle.attach_store(store_key.encode() if isinstance(store_key, str) else store_key)
    except FFI_ERRORS as e:
        error = from_ffi(e, CLIENT_OPTION_NAMES)
    del store_key
    if error is not None:
        raise error
    return keys


def _pairs(headers: Sequence[Any]) -> List[Tuple[str, str]]:
    return [(h.name, h.value) for h in headers]


def _discover(issuer: str, transport: Optional[Transport], danger_accept_insecure_http: bool, timeout_ms: int) -> str:
    """The issuer's metadata (RFC 8414, then OpenID Connect Discovery; the
    core checks the issuer and keeps it per process), as JSON text. Raises
    the core's error when there is none."""
    sender: Transport = transport if transport is not None else UrllibTransport()
    discovery = _ffi.Discovery(issuer, danger_accept_insecure_http)
    step = discovery.start(_now_ms())
    while step.is_SEND():
        parts = step.request.parts()
        try:
            reply = sender.send(
                parts.method, parts.url, _pairs(parts.headers), parts.body, timeout_ms,
                max_bytes=_ffi.default_max_response_bytes(),
            )
        except Exception as e:  # any failure of a host transport is a transport error
            f = _failure(e)
            step = discovery.handle_transport_error(_transport_kind(f), str(f), f.cause, f.request_sent)
            continue
        step = discovery.handle_response(reply.status, _headers(reply.headers), reply.body, _now_ms())
    if step.is_FAILED():
        raise from_info(step.error)
    metadata: str = step.metadata_json
    return metadata


_OPTIONS = Options(ClientCredentials.__init__, method=True)


def _raise_missing_extra(extra: str, cause: ModuleNotFoundError) -> NoReturn:
    """Says the install line when the optional library a hook needs is absent."""
    if (cause.name or "").split(".")[0] != extra:
        raise cause  # something else is missing: do not hide it
    raise ImportError(f'client.{extra}_auth() needs {extra}: pip install "ccauth[{extra}]"') from cause
