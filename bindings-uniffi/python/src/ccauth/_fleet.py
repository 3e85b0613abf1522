"""A fleet shares one token through a store: the store interface, the
redis-py adapters, and the runner of the core's store commands.

The core (``TokenLifecycle.store_begin`` and the steps after it) decides
everything: what to read, when to take the lease, how long to back off,
what to publish and when to release; this module only runs the four
commands it names against a store and reports what came back. Values are
sealed entries (AES-256-GCM, sealed by the core) or lease owner ids: never a
token or a secret in clear.

The store is never a reason to fail a caller: an exception, a timeout or an
answer of the wrong type is reported as ``StoreReply.FAILED`` and the core
fetches alone (``store_unavailable``), never raised.

redis-py is not a dependency: the adapters call the client they are given
(duck-typed) and never import ``redis``.
"""

from __future__ import annotations

from typing import Any, Awaitable, Dict, Optional, Protocol, Union

from ._ffi import ccauth_ffi as _ffi

__all__ = ["AsyncRedisStore", "AsyncStore", "RedisStore", "Store", "delete_if_equals_script"]


def delete_if_equals_script() -> str:
    """The compare-and-delete Lua script (``EVAL script 1 key value``):
    deletes ``key`` only while it holds ``value``."""
    script: str = _ffi.delete_if_equals_script()
    return script


class Store(Protocol):
    """What a fleet store does (synchronous): four commands, one key each.

    Implement it over any client (a Redis Cluster client, Valkey, a
    Memcached with CAS, …); :class:`RedisStore` is the redis-py one. Raising
    is fine: any exception counts as the store failing (the token request
    goes ahead alone). Calls must not block for long: give the client a
    socket timeout (half a second is plenty).
    """

    def get(self, key: str) -> Optional[bytes]:
        """``GET key``: the value, or ``None`` when there is none."""
        ...

    def set_if_absent(self, key: str, value: bytes, ttl_ms: int) -> bool:
        """``SET key value NX PX ttl_ms``: whether it was set."""
        ...

    def set(self, key: str, value: bytes, ttl_ms: int) -> object:
        """``SET key value PX ttl_ms`` (the answer is not read)."""
        ...

    def delete_if_equals(self, key: str, value: bytes) -> bool:
        """Deletes ``key`` only while it holds ``value`` (Redis: ``EVAL`` of
        :func:`delete_if_equals_script` with 1 key; Valkey 9: ``DELIFEQ``):
        whether it was deleted."""
        ...


class AsyncStore(Protocol):
    """:class:`Store` for asyncio: the same four commands, as coroutines."""

    async def get(self, key: str) -> Optional[bytes]:
        """``GET key``."""
        ...

    async def set_if_absent(self, key: str, value: bytes, ttl_ms: int) -> bool:
        """``SET key value NX PX ttl_ms``."""
        ...

    async def set(self, key: str, value: bytes, ttl_ms: int) -> object:
        """``SET key value PX ttl_ms``."""
        ...

    async def delete_if_equals(self, key: str, value: bytes) -> bool:
        """Compare-and-delete."""
        ...


def _store_options(options: Dict[str, Any]) -> Dict[str, Any]:
    """redis-py options for a store: short timeouts, and one immediate retry
    (a connection Redis closed while idle) instead of redis-py's default of
    ten with backoff, which holds each command of a stopped Redis ~4 s."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    options.setdefault("socket_timeout", 0.5)
    options.setdefault("socket_connect_timeout", 0.5)
    options.setdefault("retry", Retry(NoBackoff(), 1))
    return options


def _check_client(client: Any, name: str) -> None:
    """A redis-py client that decodes answers to ``str`` would mangle the
    sealed (binary) entries: refused at once rather than failing every read."""
    pool = getattr(client, "connection_pool", None)
    kwargs = getattr(pool, "connection_kwargs", None)
    if isinstance(kwargs, dict) and kwargs.get("decode_responses"):
        raise ValueError(f"{name} needs a client with decode_responses=False (store entries are binary)")


class RedisStore:
    """The fleet store on a redis-py ``redis.Redis`` (or ``RedisCluster``,
    or any client with the same ``get``/``set``/``eval``).

    >>> store = RedisStore.from_url("redis://redis.internal:6379/0")
    >>> client = ClientCredentials(token_endpoint, client_id, secret, store=store)

    Commands: ``GET``, ``SET NX PX``, ``SET PX`` and ``EVAL`` with one key
    (all single-slot: a cluster accepts them). A client of your own is
    used as it is: its socket timeouts and retries are the store's, and
    redis-py's defaults (no socket timeout; ten retries with backoff, ~4 s
    a command while Redis is down) hold a token request back that long;
    :meth:`from_url` sets 0.5 s timeouts and one immediate retry.
    """

    __slots__ = ("_client", "_script")

    def __init__(self, client: Any) -> None:
        _check_client(client, "RedisStore")
        self._client = client
        self._script = delete_if_equals_script()

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisStore:
        """A store on a new ``redis.Redis.from_url(url, **options)`` with
        store-friendly defaults (``socket_timeout=0.5``,
        ``socket_connect_timeout=0.5``, ``retry=Retry(NoBackoff(), 1)``;
        ``options`` win)."""
        import redis

        return cls(redis.Redis.from_url(url, **_store_options(options)))

    def get(self, key: str) -> Optional[bytes]:
        value: Optional[bytes] = self._client.get(key)
        return value

    def set_if_absent(self, key: str, value: bytes, ttl_ms: int) -> bool:
        return bool(self._client.set(key, value, px=ttl_ms, nx=True))

    def set(self, key: str, value: bytes, ttl_ms: int) -> object:
        return self._client.set(key, value, px=ttl_ms)

    def delete_if_equals(self, key: str, value: bytes) -> bool:
        return bool(self._client.eval(self._script, 1, key, value))

    def __repr__(self) -> str:
        return f"RedisStore({type(self._client).__name__})"


class AsyncRedisStore:
    """The fleet store on a ``redis.asyncio.Redis`` (or any client with the
    same coroutine ``get``/``set``/``eval``). Each command is bounded by
    ``timeout_ms`` (a slower Redis counts as down)."""

    __slots__ = ("_client", "_script", "_timeout")

    def __init__(self, client: Any, timeout_ms: int = 500) -> None:
        _check_client(client, "AsyncRedisStore")
        self._client = client
        self._script = delete_if_equals_script()
        self._timeout = timeout_ms / 1000

    @classmethod
    def from_url(cls, url: str, timeout_ms: int = 500, **options: Any) -> AsyncRedisStore:
        """A store on a new ``redis.asyncio.Redis.from_url(url, **options)``,
        with the defaults of :meth:`RedisStore.from_url`."""
        import redis.asyncio

        return cls(redis.asyncio.Redis.from_url(url, **_store_options(options)), timeout_ms)

    async def _bounded(self, call: Awaitable[Any]) -> Any:
        import asyncio

        return await asyncio.wait_for(call, self._timeout)

    async def get(self, key: str) -> Optional[bytes]:
        value: Optional[bytes] = await self._bounded(self._client.get(key))
        return value

    async def set_if_absent(self, key: str, value: bytes, ttl_ms: int) -> bool:
        return bool(await self._bounded(self._client.set(key, value, px=ttl_ms, nx=True)))

    async def set(self, key: str, value: bytes, ttl_ms: int) -> object:
        return await self._bounded(self._client.set(key, value, px=ttl_ms))

    async def delete_if_equals(self, key: str, value: bytes) -> bool:
        return bool(await self._bounded(self._client.eval(self._script, 1, key, value)))

    def __repr__(self) -> str:
        return f"AsyncRedisStore({type(self._client).__name__})"


AnyStore = Union[Store, AsyncStore]


def is_async(store: object) -> bool:
    """Whether ``store``'s commands are coroutine functions (an :class:`AsyncStore`)."""
    import inspect

    return inspect.iscoroutinefunction(getattr(store, "get", None))


def _value(value: object) -> Any:
    """A GET's answer as the core's reply (bytes or none; anything else is a failed store)."""
    if value is None:
        return _ffi.StoreReply.VALUE(value=None)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _ffi.StoreReply.VALUE(value=bytes(value))
    return _ffi.StoreReply.FAILED()


def run_command(store: Store, command: Any) -> Any:
    """Runs one core :class:`StoreCommand` on a sync store; its reply (``FAILED`` on any exception)."""
    try:
        if command.is_GET():
            return _value(store.get(command.key))
        if command.is_SET_IF_ABSENT():
            return _ffi.StoreReply.DONE(applied=bool(store.set_if_absent(command.key, command.value, command.ttl_ms)))
        if command.is_SET():
            store.set(command.key, command.value, command.ttl_ms)
            return _ffi.StoreReply.DONE(applied=True)
        if command.is_DELETE_IF_EQUALS():
            return _ffi.StoreReply.DONE(applied=bool(store.delete_if_equals(command.key, command.value)))
    except Exception:  # the store is never a reason to fail a caller
        pass
    return _ffi.StoreReply.FAILED()


async def run_command_async(store: AsyncStore, command: Any) -> Any:
    """:func:`run_command` for an :class:`AsyncStore` (a timeout is an exception, so ``FAILED``)."""
    try:
        if command.is_GET():
            return _value(await store.get(command.key))
        if command.is_SET_IF_ABSENT():
            return _ffi.StoreReply.DONE(applied=bool(await store.set_if_absent(command.key, command.value, command.ttl_ms)))
        if command.is_SET():
            await store.set(command.key, command.value, command.ttl_ms)
            return _ffi.StoreReply.DONE(applied=True)
        if command.is_DELETE_IF_EQUALS():
            return _ffi.StoreReply.DONE(applied=bool(await store.delete_if_equals(command.key, command.value)))
    except Exception:  # asyncio.TimeoutError included; CancelledError is not caught
        pass
    return _ffi.StoreReply.FAILED()
