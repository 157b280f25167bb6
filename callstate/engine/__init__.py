"""The imperative shell: applies requests atomically over a store, with injected clock and ids.

``RedisStore`` (extra ``redis``) is imported on first use, so this package needs no redis-py.
"""

from typing import TYPE_CHECKING, Any

from ._clock import Clock, ManualClock, SystemClock
from ._engine import DEFAULT_NETWORK, Engine
from ._feed import EventFeed
from ._ids import EPOCH_MS, Ids, JobIdDraft
from ._memory import MemoryStore
from ._network import Scheduled, SimulatedNetwork
from ._open import STORE_FACTORIES, StoreSpecError, open_store
from ._result import Refusal, Result
from ._store import Committed, InstanceView, Store, StoreConflict, Transaction
from ._world import DEFAULT_WORLD_FILE, WorldSource, default_world, load_world

if TYPE_CHECKING:
    from ._redis import RedisStore as RedisStore

__all__ = [
    "DEFAULT_NETWORK",
    "DEFAULT_WORLD_FILE",
    "EPOCH_MS",
    "STORE_FACTORIES",
    "Clock",
    "Committed",
    "Engine",
    "EventFeed",
    "Ids",
    "InstanceView",
    "JobIdDraft",
    "ManualClock",
    "MemoryStore",
    "Refusal",
    "Result",
    "Scheduled",
    "SimulatedNetwork",
    "Store",
    "StoreConflict",
    "StoreSpecError",
    "SystemClock",
    "Transaction",
    "WorldSource",
    "default_world",
    "load_world",
    "open_store",
]


def __getattr__(name: str) -> Any:
    if name == "RedisStore":  # imports redis-py: only when asked for
        from ._redis import RedisStore  # noqa: PLC0415

        return RedisStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
