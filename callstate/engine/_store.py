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
"""

from __future__ import annotations

import heapq
import secrets
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import attrs

from ..domain import Event, InstanceConfig, Job, JobState, User, Workspace, World
from ._feed import EventFeed

__all__ = [
    "Committed",
    "InstanceView",
    "MemoryStore",
    "QueueDeadline",
    "Store",
    "StoreConflict",
    "Transaction",
    "instance_snapshot",
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


#: A queued call's deadline, as a store's index holds it: (InstanceId, JobId, deadline ms).
QueueDeadline = tuple[str, str, int]


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

    def due_queue_timeouts(self, now: int) -> list[QueueDeadline]:
        """The queued calls whose deadline is ``now`` or earlier, earliest first.

        The index is written with the calls (a call is in it exactly while QUEUED, under the
        deadline of its latest queueing), so a call is due once.
        """

    def close(self) -> None:
        """Release connections (a no-op for the memory store)."""


def instance_snapshot(
    last_now: int, seq: int, users: Mapping[str, User], jobs: Mapping[str, Job]
) -> dict[str, Any]:
    """One instance's live state as JSON-ready data: what every store's ``snapshot`` answers."""
    return {
        "lastNow": last_now,
        "seq": seq,
        "users": {k: u.to_dict() for k, u in users.items()},
        "jobs": {k: j.to_dict() for k, j in jobs.items()},
    }


class _Instance:
    """One instance's live state in memory.

    Records are kept packed (``User.pack()``, ``Job.pack()``): plain tuples of atomic values,
    which Python's collector stops tracking, so that a full collection costs the same with a
    hundred thousand live calls as with none. A transaction unpacks what it reads into its
    working copies (a copy it needed anyway) and packs what it commits.
    """

    __slots__ = ("config", "deadlines", "events", "expiries", "jobs", "last_now", "queue", "seq",
                 "users")  # fmt: skip

    def __init__(self, config: InstanceConfig, log_size: int) -> None:
        self.config = config
        self.users = {
            uid: User.from_profile(p, config.instance_id).pack() for uid, p in config.users.items()
        }
        self.jobs: dict[str, tuple[Any, ...]] = {}
        self.last_now = 0
        self.seq = 0
        self.events: deque[Event] = deque(maxlen=log_size)
        self.expiries: deque[tuple[int, str]] = deque()  # (forget at, JobId), in ending order
        # Queued calls: JobId -> deadline, and a heap of (deadline, JobId) whose entries that no
        # longer match ``deadlines`` (the call was offered again, or ended) are skipped.
        self.deadlines: dict[str, int] = {}
        self.queue: list[tuple[int, str]] = []


class MemoryStore:
    """The default store: one process's state in dicts. Lookups are O(1) at any size.

    Ended calls are forgotten ``retentionMs`` after they end, checked as commits pass that
    instant. The event log keeps the last ``log_size`` events per instance.
    """

    #: Requests on this store are pure CPU: an event loop may run them itself.
    blocking_io = False

    def __init__(self, log_size: int = 10_000) -> None:
        self._log_size = log_size
        self._attached = False
        self._world = World()
        self._generation = ""
        self._instances: dict[str, _Instance] = {}

    def attach(self, world: World) -> None:
        """Provision ``world`` unless the store was provisioned before."""
        if not self._attached:
            self.reset(world)

    def reset(self, world: World) -> None:
        """Replace everything with ``world`` as provisioned."""
        self._attached = True
        self._world = world
        self._generation = secrets.token_hex(6)
        self._instances = {iid: _Instance(c, self._log_size) for iid, c in world.instances.items()}

    def node_id(self) -> None:
        """One process: the engine's default node will do."""
        return None

    def world(self) -> World:
        """The world the store was last reset to."""
        return self._world

    def begin(self, new_job_id: Callable[[int], str]) -> _MemoryTransaction:
        """Open a transaction."""
        return _MemoryTransaction(self._instances, new_job_id)

    def view(self, instance_id: str) -> InstanceView | None:
        """A copy of one instance's live state."""
        inst = self._instances.get(instance_id)
        if inst is None:
            return None
        return InstanceView(
            inst.config,
            {k: User.unpack(u) for k, u in inst.users.items()},
            {k: Job.unpack(j) for k, j in inst.jobs.items()},
            inst.seq,
            inst.last_now,
        )

    def events(self, instance_id: str, after_seq: int = 0) -> list[Event]:
        """Logged events after ``after_seq`` (O(answered): the log's seqs are consecutive)."""
        inst = self._instances.get(instance_id)
        if inst is None or not inst.events:
            return []
        log = inst.events
        start = min(max(after_seq + 1 - log[0].seq, 0), len(log))
        return [log[i] for i in range(start, len(log))]

    def generation(self) -> str:
        """A new random token at every reset."""
        return self._generation

    def log(self, instance_id: str, after_seq: int = 0) -> tuple[str, list[Event]]:
        """The generation and the logged events after ``after_seq``."""
        return self._generation, self.events(instance_id, after_seq)

    def feed(self, feed: EventFeed) -> None:
        """One process: the engine feeds its own commits."""
        return None

    def snapshot(self) -> dict[str, Any]:
        """Every instance's live state as JSON-ready data."""
        return self.capture()()

    def capture(self) -> Callable[[], dict[str, Any]]:
        """Shallow copies of the dicts of packed records (immutable tuples), rendered later."""
        copies = [(iid, i.last_now, i.seq, i.users.copy(), i.jobs.copy())
                  for iid, i in self._instances.items()]  # fmt: skip

        def render() -> dict[str, Any]:
            return {
                iid: instance_snapshot(
                    last_now,
                    seq,
                    {k: User.unpack(u) for k, u in users.items()},
                    {k: Job.unpack(j) for k, j in jobs.items()},
                )
                for iid, last_now, seq, users, jobs in copies
            }

        return render

    def due_queue_timeouts(self, now: int) -> list[QueueDeadline]:
        """Queued calls due by ``now``, taken out of the index (each is due once)."""
        due: list[QueueDeadline] = []
        for iid, inst in self._instances.items():
            while inst.queue and inst.queue[0][0] <= now:
                deadline, job_id = heapq.heappop(inst.queue)
                if inst.deadlines.get(job_id) == deadline:
                    del inst.deadlines[job_id]
                    due.append((iid, job_id, deadline))
        return sorted(due, key=lambda d: d[2])

    def close(self) -> None:
        """Nothing to release."""


class _MemoryTransaction:
    """Working copies over the memory store; commit writes them back."""

    def __init__(self, instances: dict[str, _Instance], new_job_id: Callable[[int], str]) -> None:
        self._instances = instances
        self.new_job_id = new_job_id
        self._users: dict[tuple[str, str], User] = {}
        self._jobs: dict[tuple[str, str], Job] = {}
        self._ended_before: set[tuple[str, str]] = set()

    def instance(self, instance_id: str) -> InstanceConfig | None:
        inst = self._instances.get(instance_id)
        return None if inst is None else inst.config

    def user(self, instance_id: str, user_id: str) -> User | None:
        key = (instance_id, user_id)
        copy = self._users.get(key)
        if copy is None:
            inst = self._instances.get(instance_id)
            stored = None if inst is None else inst.users.get(user_id)
            if stored is None:
                return None
            copy = self._users[key] = User.unpack(stored)
        return copy

    def job(self, instance_id: str, job_id: str) -> Job | None:
        key = (instance_id, job_id)
        copy = self._jobs.get(key)
        if copy is None:
            inst = self._instances.get(instance_id)
            stored = None if inst is None else inst.jobs.get(job_id)
            if stored is None:
                return None
            copy = self._jobs[key] = Job.unpack(stored)
            if copy.state is JobState.ENDED:
                self._ended_before.add(key)
        return copy

    def add_job(self, job: Job) -> None:
        self._jobs[(job.instance_id, job.job_id)] = job

    def last_now(self, instance_id: str) -> int:
        inst = self._instances.get(instance_id)
        return 0 if inst is None else inst.last_now

    def commit(self, instance_id: str, now: int, events: Sequence[Event]) -> Committed:
        for (iid, uid), user in self._users.items():
            self._instances[iid].users[uid] = user.pack()
        for key, job in self._jobs.items():
            inst = self._instances[key[0]]
            inst.jobs[key[1]] = job.pack()
            if job.state is JobState.QUEUED:
                if inst.deadlines.get(key[1]) != job.queue_deadline_ms:
                    inst.deadlines[key[1]] = job.queue_deadline_ms
                    heapq.heappush(inst.queue, (job.queue_deadline_ms, key[1]))
            else:
                inst.deadlines.pop(key[1], None)
            if job.state is JobState.ENDED and key not in self._ended_before:
                inst.expiries.append((job.ended_ms + inst.config.retention_ms, job.job_id))
        inst = self._instances[instance_id]
        stamped = tuple(e.stamped(inst.seq + i) for i, e in enumerate(events, 1))
        inst.seq += len(stamped)
        inst.events.extend(stamped)
        inst.last_now = max(inst.last_now, now)
        while inst.expiries and inst.expiries[0][0] <= now:
            inst.jobs.pop(inst.expiries.popleft()[1], None)
        return Committed(stamped, inst.seq)
