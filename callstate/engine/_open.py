"""Opening a store by its spec: ``Engine(store="memory")``, ``callstate serve --store ...``.

A URL scheme maps to a factory in :data:`STORE_FACTORIES`: ``memory`` (or ``memory://``, the
default) is the in-memory store.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from ._store import MemoryStore, Store

__all__ = ["STORE_FACTORIES", "StoreSpecError", "open_store"]


class StoreSpecError(ValueError):
    """A store spec that names no available store; the message says what is available."""


def _memory(spec: str) -> Store:
    return MemoryStore()


#: URL scheme -> a factory taking the whole spec.
STORE_FACTORIES: dict[str, Callable[[str], Store]] = {"memory": _memory}


def open_store(spec: str = "memory") -> Store:
    """The store a spec names: ``memory`` (the default) or ``<scheme>://...``."""
    text = spec.strip()
    scheme = urlsplit(text).scheme if "://" in text else text
    factory = STORE_FACTORIES.get(scheme.lower())
    if factory is None:
        available = ", ".join(sorted(STORE_FACTORIES))
        raise StoreSpecError(f"unsupported store {spec!r}: available: {available}")
    return factory(text)
