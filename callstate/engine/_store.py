"""The store seam, and the in-memory store behind it.

A :class:`Store` holds the world's provisioning and the live records, by instance. The engine
applies a request in a :class:`Transaction`:

1. ``begin`` opens one; the decide step reads *working copies* through it (it is the domain's
   ``Workspace``) and mutates only those;
2. ``commit`` writes every record the decision read or created, stamps the events with the
   instance's next sequence numbers, appends them to the log, and moves the instance's clock;
3. a decision that raised is simply dropped: nothing was written.

A shared store (Redis, with compare-and-set on per-record versions) raises
:class:`StoreConflict` from ``commit`` when another process changed a record this transaction
read; the engine then re-reads and re-decides. The memory store serves one process, whose engine
applies one request at a time, so it never conflicts.

The stores: :class:`~callstate.engine.MemoryStore` (``_memory.py``, the default) and
``RedisStore`` (``_redis.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import attrs

from ..domain import Event, InstanceConfig, Job, User, Workspace, World
from ._feed import EventFeed
from ._indexes import DueTimer

__all__ = [
    "Committed",
    "DueTimer",
    "InstanceView",
    "Store",
    "StoreConflict",
    "Transaction",
]


class StoreConflict(Exception):
    """A record read by the transaction was changed by someone else before it committed.

    ``floor`` is the earliest instant a new decision may take (0: any): a record the decision
    read was last written at it, and no record's timestamps may go backwards.
    """

    def __init__(self, message: str, floor: int = 0) -> None:
        super().__init__(message)
        self.floor = floor


@attrs.frozen
class Committed:
    """What a commit published: the stamped events and the instance's sequence number after."""

    events: tuple[Event, ...]
    seq: int


@attrs.frozen
class InstanceView:
    """A read-only copy of one instance's live state (for invariants, tests and tooling)."""

    config: InstanceConfig
    users: dict[str, User]
    jobs: dict[str, Job]
    seq: int
    last_now: int


class Transaction(Workspace, Protocol):
    """One request's access to the store: the domain's ``Workspace``, and its commit."""

    def last_now(self, instance_id: str) -> int:
        """The latest ``now`` committed in the instance (0 if none)."""

    def commit(self, instance_id: str, now: int, events: Sequence[Event]) -> Committed:
        """Write everything read or created, and publish ``events``; or raise StoreConflict."""


class Store(Protocol):
    """Where instances' provisioning and live records are kept."""

    def attach(self, world: World) -> None:
        """Provision ``world`` if the store holds none yet; a store that has one keeps it.

        An engine attaches when it starts: a shared store outlives the processes using it, and
        a new process must not wipe the calls of the others.
        """

    def reset(self, world: World) -> None:
        """Replace everything with ``world`` as provisioned: every agent signed out, no calls."""

    def node_id(self) -> int | None:
        """A snowflake node (0-1023) for this process's JobIds.

        Unique among the processes sharing the store; ``None`` when the store serves one
        process.
        """

    def world(self) -> World:
        """The world the store was last reset to."""

    def begin(self, new_job_id: Callable[[int], str]) -> Transaction:
        """Open a transaction; ``new_job_id`` draws JobIds for it."""

    def view(self, instance_id: str) -> InstanceView | None:
        """A copy of one instance's live state."""

    def events(self, instance_id: str, after_seq: int = 0) -> list[Event]:
        """The instance's logged events with ``seq > after_seq``, oldest first."""

    def generation(self) -> str:
        """An opaque token of the store's data: event ids carry it with ``seq``.

        It changes at every reset and whenever the data was lost and provisioned again (a
        ``seq`` of another generation names another event), never otherwise.
        """

    def log(self, instance_id: str, after_seq: int = 0) -> tuple[str, list[Event]]:
        """The generation and the instance's logged events after ``after_seq``, read together."""

    def feed(self, feed: EventFeed) -> Callable[[], None] | None:
        """Keep ``feed`` filled with every process's events, by a background reader.

        Answers a function that stops the reader; ``None`` when the store serves one process
        (the engine then feeds its own commits).
        """

    def snapshot(self) -> dict[str, Any]:
        """Every instance's live state as JSON-ready data."""

    def capture(self) -> Callable[[], dict[str, Any]]:
        """A cheap copy of the state, as a function that renders it as :meth:`snapshot` does.

        The engine captures under its lock and renders outside it, so that no request waits
        for a rendering whose cost grows with the number of calls.
        """

    def due_timers(self, now: int) -> list[DueTimer]:
        """The timers due by ``now``, earliest first, each answered once by this store.

        The index is written with the records that declare the timers (``domain/_timers.py``),
        so it is as current as they are. A shared store may answer a timer to several
        processes; the decision that fires it checks the record, so one of them fires it.
        """

    def close(self) -> None:
        """Release connections (a no-op for the memory store)."""
