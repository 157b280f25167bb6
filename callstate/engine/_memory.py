"""The in-memory store: one process's state in dicts, records kept packed.

Records are kept *packed*: a user, or a call with its legs, as nested plain tuples of atomic
values (a leg's hold history as its :attr:`~callstate.domain.Holds.chain`, itself such a
tuple). Python's collector stops tracking such tuples, so a full collection costs the same with
a hundred thousand live calls as with none (``tests/test_memory_store.py``). A transaction
unpacks what it reads into its working copies (a copy it needed anyway) and packs what it
commits. The packing is this store's alone: the domain's records know nothing of it.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Callable, Collection, Iterator, Sequence
from enum import Enum
from itertools import chain
from typing import Any, TypeVar

import attrs

from ..domain import (
    CallType,
    Channel,
    ChannelState,
    Event,
    Holds,
    HoldState,
    InstanceConfig,
    Job,
    JobState,
    MuteState,
    Party,
    SupervisionMode,
    User,
    UserState,
    WorkMode,
    World,
)
from ._feed import EventFeed
from ._indexes import DueTimer, QueueIndex, TimerIndex
from ._plain import instance_snapshot
from ._store import Committed, InstanceView

__all__ = ["MemoryStore"]

T = TypeVar("T")
Packed = tuple[Any, ...]
#: A field's ``(to plain, from plain)`` functions, for a value that is not atomic.
Convert = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _tuple_codec(
    cls: type[T], convert: dict[str, Convert], enums: dict[str, type[Enum]]
) -> tuple[Callable[[T], Packed], Callable[[Packed], T]]:
    """``(pack, unpack)``: an instance of the slotted attrs class ``cls`` as a plain tuple, back.

    ``enums`` maps a field holding an Enum member to its class: packed as the member's value
    (members are objects the collector tracks), written inline both ways (``_value_``, and a
    subscription of the class's value map: no call per field). ``convert`` maps any other
    field whose values are not atomic to ``(to plain, from plain)`` functions; a field left as
    an object keeps its tuple tracked. The functions are generated once per class, as attrs
    generates ``__init__``: ``unpack`` assigns each slot of a new instance directly, with
    nothing to validate (the values were a record's), several times faster than calling the
    class.
    """
    names = [f.name for f in attrs.fields(cls)]  # type: ignore[arg-type]

    def to_plain(n: str) -> str:
        if n in enums:
            return f"self.{n}._value_"
        return f"_to_{n}(self.{n})" if n in convert else f"self.{n}"

    def from_plain(n: str, i: int) -> str:
        if n in enums:
            return f"_members_{n}[t[{i}]]"
        return f"_from_{n}(t[{i}])" if n in convert else f"t[{i}]"

    packed = ", ".join(to_plain(n) for n in names)
    lines = [f"def pack(self):\n    return ({packed},)", "def unpack(t):", "    new = _new(_cls)"]
    lines.extend(f"    new.{name} = {from_plain(name, i)}" for i, name in enumerate(names))
    lines.append("    return new")
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    for name, (to_plain_fn, from_plain_fn) in convert.items():
        namespace[f"_to_{name}"], namespace[f"_from_{name}"] = to_plain_fn, from_plain_fn
    for name, enum in enums.items():
        namespace[f"_members_{name}"] = enum._value2member_map_
    exec("\n".join(lines), namespace)
    return namespace["pack"], namespace["unpack"]


#: The history of a leg never held: one value for all (a history is never changed, only replaced).
_NO_HOLDS = Holds()

_pack_user, _unpack_user = _tuple_codec(User, {}, {"work_mode": WorkMode, "state": UserState})
_pack_channel, _unpack_channel = _tuple_codec(
    Channel,
    # the chain of plain tuples as it is
    {"holds": (lambda h: h.chain, lambda packed: _NO_HOLDS if packed is None else Holds(packed))},
    {
        "party": Party,
        "state": ChannelState,
        "hold_state": HoldState,
        "mute_state": MuteState,
        "supervision": SupervisionMode,
    },
)
_CHANNEL_WIDTH = len(attrs.fields(Channel))
_pack_job, _unpack_job = _tuple_codec(
    Job,
    {
        # The legs' fields in one flat tuple, not a tuple of tuples: the collector untracks one
        # level of nested tuples per pass, so every level less is a pass less before a freshly
        # written call stops costing full collections anything.
        "channels": (
            lambda legs: tuple(chain.from_iterable(map(_pack_channel, legs))),
            lambda flat: [
                _unpack_channel(flat[i : i + _CHANNEL_WIDTH])
                for i in range(0, len(flat), _CHANNEL_WIDTH)
            ],
        ),
    },
    {"call_type": CallType, "state": JobState},
)


class _Instance:
    """One instance's live state in memory, its records packed."""

    __slots__ = ("config", "events", "expiries", "jobs", "last_now", "queues", "seq", "users")

    def __init__(self, config: InstanceConfig, log_size: int) -> None:
        self.config = config
        self.users = {
            uid: _pack_user(User.from_profile(p, config.instance_id))
            for uid, p in config.users.items()
        }
        self.jobs: dict[str, Packed] = {}
        self.last_now = 0
        self.seq = 0
        self.events: deque[Event] = deque(maxlen=log_size)
        self.expiries: deque[tuple[int, str]] = deque()  # (forget at, JobId), in ending order
        self.queues = QueueIndex()


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
        self._timers = TimerIndex()

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
        self._timers = TimerIndex()  # provisioned agents are OFFLINE: nothing is declared yet

    def node_id(self) -> None:
        """One process: the engine's default node will do."""
        return None

    def world(self) -> World:
        """The world the store was last reset to."""
        return self._world

    def begin(self, new_job_id: Callable[[int], str]) -> _MemoryTransaction:
        """Open a transaction."""
        return _MemoryTransaction(self._instances, self._timers, new_job_id)

    def view(self, instance_id: str) -> InstanceView | None:
        """A copy of one instance's live state."""
        inst = self._instances.get(instance_id)
        if inst is None:
            return None
        return InstanceView(
            inst.config,
            {k: _unpack_user(u) for k, u in inst.users.items()},
            {k: _unpack_job(j) for k, j in inst.jobs.items()},
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
        copies = [(iid, i.config, i.last_now, i.seq, i.users.copy(), i.jobs.copy())
                  for iid, i in self._instances.items()]  # fmt: skip

        def render() -> dict[str, Any]:
            return {
                iid: instance_snapshot(
                    config,
                    last_now,
                    seq,
                    {k: _unpack_user(u) for k, u in users.items()},
                    {k: _unpack_job(j) for k, j in jobs.items()},
                )
                for iid, config, last_now, seq, users, jobs in copies
            }

        return render

    def due_timers(self, now: int) -> list[DueTimer]:
        """Timers due by ``now``, earliest first, taken out of the index (each is due once)."""
        return self._timers.due(now)

    def close(self) -> None:
        """Nothing to release."""


class _MemoryTransaction:
    """Working copies over the memory store; commit writes them back."""

    def __init__(self, instances: dict[str, _Instance], timers: TimerIndex,
                 new_job_id: Callable[[int], str]) -> None:  # fmt: skip
        self._instances = instances
        self._timers = timers
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
            copy = self._users[key] = _unpack_user(stored)
        return copy

    def job(self, instance_id: str, job_id: str) -> Job | None:
        key = (instance_id, job_id)
        copy = self._jobs.get(key)
        if copy is None:
            inst = self._instances.get(instance_id)
            stored = None if inst is None else inst.jobs.get(job_id)
            if stored is None:
                return None
            copy = self._jobs[key] = _unpack_job(stored)
            if copy.state is JobState.ENDED:
                self._ended_before.add(key)
        return copy

    def add_job(self, job: Job) -> None:
        self._jobs[(job.instance_id, job.job_id)] = job

    def working_copies(self) -> tuple[Collection[User], Collection[Job]]:
        return self._users.values(), self._jobs.values()

    def agents_in(self, instance_id: str, queue: str) -> Iterator[str]:
        return self._instances[instance_id].queues.agents_in(queue)

    def calls_in(self, instance_id: str, queue: str) -> Iterator[str]:
        return self._instances[instance_id].queues.calls_in(queue)

    def waiting(self, instance_id: str, queue: str) -> int:
        return self._instances[instance_id].queues.waiting(queue)

    def last_now(self, instance_id: str) -> int:
        inst = self._instances.get(instance_id)
        return 0 if inst is None else inst.last_now

    def commit(self, instance_id: str, now: int, events: Sequence[Event]) -> Committed:
        timers = self._timers
        for (iid, uid), user in self._users.items():
            inst = self._instances[iid]
            inst.users[uid] = _pack_user(user)
            inst.queues.write_user(user, inst.config)
            timers.write_user(user, inst.config)
        for key, job in self._jobs.items():
            inst = self._instances[key[0]]
            inst.jobs[key[1]] = _pack_job(job)
            inst.queues.write_job(job)
            timers.write_job(job, inst.config)
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
