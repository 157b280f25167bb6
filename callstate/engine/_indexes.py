"""The memory store's indexes: queues (who is next) and timers (what is due), in O(log n).

What goes in them is the domain's to say (``agent_places``, ``call_place``, ``job_timers``,
``user_timers``); the store writes each record's entries when it commits the record, so an
index is exactly as current as the records. Both are binary heaps with lazy deletion: an entry
is valid while the record still declares it; stale ones are popped while they are on top (so
the first valid one is found at once), skipped when met below, and the heap is rebuilt when
they outnumber the valid ones, so memory stays proportional to what is
declared now, whatever the traffic.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterator
from typing import Any, Generic, TypeVar

from ..domain import InstanceConfig, Job, Timer, TimerDue, User, agent_places, call_place
from ..domain import job_timers as declared_by_job
from ..domain import user_timers as declared_by_user

__all__ = ["DueTimer", "QueueIndex", "RankedSet", "TimerIndex"]

M = TypeVar("M", bound=Hashable)

#: A timer fallen due: (InstanceId, the record's id, the declared timer).
DueTimer = tuple[str, str, TimerDue]


class RankedSet(Generic[M]):
    """Members by rank, lowest first: O(log n) to put or drop one, O(k log k) to walk k."""

    __slots__ = ("_heap", "_rank")

    def __init__(self) -> None:
        self._heap: list[tuple[Any, M]] = []
        self._rank: dict[M, Any] = {}

    def put(self, member: M, rank: Any) -> None:
        """Add ``member`` at ``rank``, or move it there."""
        if self._rank.get(member) != rank:
            self._rank[member] = rank
            heapq.heappush(self._heap, (rank, member))
            self._settle()

    def discard(self, member: M) -> None:
        """Take ``member`` out, if it is in."""
        if self._rank.pop(member, None) is not None:
            self._settle()

    def __len__(self) -> int:
        return len(self._rank)

    def __iter__(self) -> Iterator[M]:
        """The members, lowest rank first, without changing the heap (valid entries only)."""
        heap, rank = self._heap, self._rank
        frontier = [(heap[0], 0)] if heap else []
        seen: set[M] = set()
        while frontier:
            (entry_rank, member), i = heapq.heappop(frontier)
            if rank.get(member) == entry_rank and member not in seen:
                seen.add(member)
                yield member
            for child in (2 * i + 1, 2 * i + 2):
                if child < len(heap):
                    heapq.heappush(frontier, (heap[child], child))

    def _settle(self) -> None:
        """Keep the top valid (so the first member is found at once) and the heap compact."""
        heap, rank = self._heap, self._rank
        while heap and rank.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)
        if len(heap) > 2 * len(rank) + 32:
            self._heap = [(r, m) for m, r in rank.items()]
            heapq.heapify(self._heap)


class QueueIndex:
    """One instance's queues: the agents eligible for each, and the calls waiting in each."""

    __slots__ = ("_agents", "_calls", "_placed", "_waiting_in")

    def __init__(self) -> None:
        self._agents: dict[str, RankedSet[str]] = {}
        self._calls: dict[str, RankedSet[str]] = {}
        self._placed: dict[str, tuple[str, ...]] = {}  # UserId -> queues it is in
        self._waiting_in: dict[str, str] = {}  # JobId -> its queue

    def agents_in(self, queue: str) -> Iterator[str]:
        """Eligible agents of ``queue``, the lowest rank first."""
        return iter(self._agents.get(queue, ()))

    def calls_in(self, queue: str) -> Iterator[str]:
        """Calls waiting in ``queue``, head first."""
        return iter(self._calls.get(queue, ()))

    def waiting(self, queue: str) -> int:
        """How many calls wait in ``queue``."""
        calls = self._calls.get(queue)
        return 0 if calls is None else len(calls)

    def write_user(self, user: User, inst: InstanceConfig) -> None:
        """Index the agent as committed."""
        places = agent_places(user, inst)
        placed = self._placed.get(user.user_id)
        if placed is None and not places:
            return  # neither indexed nor eligible: most commits (the agent is on a call)
        for queue in placed or ():
            if queue not in places:
                agents = self._agents[queue]
                agents.discard(user.user_id)
                if not agents:  # an agent's own queue is empty most of the time: no set kept
                    del self._agents[queue]
        for queue, rank in places.items():
            self._agents.setdefault(queue, RankedSet()).put(user.user_id, rank)
        if places:
            self._placed[user.user_id] = tuple(places)
        else:
            self._placed.pop(user.user_id, None)

    def write_job(self, job: Job) -> None:
        """Index the call as committed."""
        place = call_place(job)
        before = self._waiting_in.get(job.job_id)
        if before is not None and (place is None or place[0] != before):
            calls = self._calls[before]
            calls.discard(job.job_id)
            if not calls:
                del self._calls[before]
            del self._waiting_in[job.job_id]
        if place is not None:
            self._calls.setdefault(place[0], RankedSet()).put(job.job_id, place[1])
            self._waiting_in[job.job_id] = place[0]


class TimerIndex:
    """Every instance's declared timers, by due instant."""

    __slots__ = ("_count", "_declared", "_heap")

    def __init__(self) -> None:
        self._heap: list[tuple[int, str, str, str, str]] = []  # (due, iid, id, kind, leg)
        self._declared: dict[tuple[str, str], frozenset[TimerDue]] = {}
        self._count = 0  # timers declared, over every record

    def write_user(self, user: User, inst: InstanceConfig) -> None:
        """Index the agent's timers as committed."""
        self._write(inst.instance_id, user.user_id, declared_by_user(user, inst))

    def write_job(self, job: Job, inst: InstanceConfig) -> None:
        """Index the call's timers as committed."""
        self._write(inst.instance_id, job.job_id, declared_by_job(job, inst))

    def _write(self, instance_id: str, record_id: str, timers: list[TimerDue]) -> None:
        key = (instance_id, record_id)
        if not timers and key not in self._declared:
            return  # declares none and did not before: most commits when no timer is configured
        now = frozenset(timers)
        before = self._declared.get(key, frozenset())
        if before == now:
            return
        self._count += len(now) - len(before)
        if now:
            self._declared[key] = now
        else:
            self._declared.pop(key, None)
        for due, kind, channel in now - before:
            heapq.heappush(self._heap, (due, instance_id, record_id, kind.value, channel))
        if len(self._heap) > 2 * self._count + 64:
            self._heap = [(d, k[0], k[1], t.value, c) for k, ts in self._declared.items()
                          for d, t, c in ts]  # fmt: skip
            heapq.heapify(self._heap)

    def due(self, now: int) -> list[DueTimer]:
        """The timers due by ``now``, earliest first, each answered once."""
        due: list[DueTimer] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            at, iid, record_id, kind, channel = heapq.heappop(heap)
            key = (iid, record_id)
            declared = self._declared.get(key, frozenset())
            timer = (at, Timer(kind), channel)
            if timer in declared:
                self._declared[key] = declared - {timer}
                self._count -= 1
                due.append((iid, record_id, timer))
        return due

    def next_due(self) -> int | None:
        """When the earliest entry falls due (it may be stale: then nothing is due then)."""
        return self._heap[0][0] if self._heap else None
