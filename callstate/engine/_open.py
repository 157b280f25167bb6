"""Opening a store by its spec: ``Engine(store="memory")``, ``callstate serve --store ...``.

A URL scheme maps to a factory in :data:`STORE_FACTORIES`: ``memory`` (or ``memory://``, the
default) is the in-memory store; ``redis://`` and ``rediss://`` (TLS) the Redis store
(``callstate[redis]``), imported only when asked for, so callstate runs without redis-py.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from ..domain import CallstateError
from ._memory import MemoryStore
from ._store import Store

__all__ = ["STORE_FACTORIES", "StoreSpecError", "open_store"]


class StoreSpecError(CallstateError, ValueError):
    """A store spec that names no available store, or a bad parameter; the message says which.

    Part of the one error tree (``except CallstateError`` catches it); not a :class:`CCCError`,
    since it is an embedder's or operator's mistake, never answered to a client.
    """


def _memory(spec: str) -> Store:
    return MemoryStore()


def _redis(spec: str) -> Store:
    try:
        from ._redis import RedisStore  # noqa: PLC0415 (the redis extra is optional)
    except ModuleNotFoundError as err:
        if (err.name or "").split(".")[0] != "redis":
            raise
        raise StoreSpecError(
            f"store {spec!r} needs redis-py: pip install 'callstate[redis]'"
        ) from None
    return RedisStore.from_url(spec)


#: URL scheme -> a factory taking the whole spec.
STORE_FACTORIES: dict[str, Callable[[str], Store]] = {
    "memory": _memory,
    "redis": _redis,
    "rediss": _redis,
}


def open_store(spec: str = "memory") -> Store:
    """The store a spec names: ``memory`` (the default) or ``<scheme>://...``."""
    text = spec.strip()
    scheme = urlsplit(text).scheme if "://" in text else text
    factory = STORE_FACTORIES.get(scheme.lower())
    if factory is None:
        available = ", ".join(sorted(STORE_FACTORIES))
        raise StoreSpecError(f"unsupported store {spec!r}: available: {available}")
    return factory(text)
