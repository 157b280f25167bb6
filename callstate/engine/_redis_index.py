"""The Redis store's indexes: queues and timers as sorted sets, written with the records.

What goes in them is the domain's to say (``agent_places``, ``call_place``, ``user_timers``,
``job_timers``); this module says how an entry is kept in Redis (docs/redis.md, "Routing"):

* a queue's eligible agents (``qa:<queue>``) and waiting calls (``qc:<queue>``): a rank
  ``(int, int, id)`` is the score ``int`` and the member ``<the second int, 16 digits><id>``.
  Redis orders equal scores by their members' bytes, which for zero-padded digits then a UTF-8
  id is the order of the tuples: the set's order is the domain's, exactly;
* the instance's timers (``timers``): score the due instant, member ``[kind, record id, leg]``
  as JSON.

A record's entries are computed when it is read (its state as stored) and when it is committed;
the commit script removes those that went and adds those that came (:func:`index_ops`), in
the same atomic step as the record. Each queue set has a version (``qv``, field = the set's
name), moved on by every commit that changes the set; a decision that read a set has its
version checked by the commit like a record's.
"""

from __future__ import annotations

import json
from typing import Any

from ..domain import InstanceConfig, Job, Timer, TimerDue, User, agent_places, call_place
from ..domain import job_timers as declared_by_job
from ..domain import user_timers as declared_by_user

__all__ = [
    "AGENTS",
    "CALLS",
    "TIMERS",
    "Entries",
    "decode_timer",
    "index_ops",
    "job_entries",
    "member_id",
    "user_entries",
]

#: The name (key suffix) of a queue's set of eligible agents, and of waiting calls.
AGENTS, CALLS = "qa:", "qc:"
#: The name (key suffix) of the instance's set of timers.
TIMERS = "timers"
#: A record's entries: ``(set name, member) -> score``.
Entries = dict[tuple[str, str], int]

_PAD = 16  # digits of the second int: every int below 10**16 (2**53 is 9.007e15)
_MAX_SCORE = 2**53 - 1  # a sorted set's score is a double: integers up to here are exact


def _checked(value: int, limit: int, what: str) -> int:
    """``value`` if ``0 <= value <= limit``: else a defect (the order could not be kept)."""
    if not 0 <= value <= limit:
        raise ValueError(f"{what} {value} is outside 0..{limit}: nothing was committed")
    return value


def _ranked(name: str, rank: tuple[int, int, str]) -> tuple[tuple[str, str], int]:
    first, second, record_id = rank
    member = f"{_checked(second, 10**_PAD - 1, 'rank'):0{_PAD}d}{record_id}"
    return (name, member), _checked(first, _MAX_SCORE, "rank")


def member_id(member: str) -> str:
    """The UserId or JobId of a queue set's member."""
    return member[_PAD:]


def _timers(record_id: str, timers: list[TimerDue]) -> Entries:
    return {(TIMERS, json.dumps([kind.value, record_id, leg])): _checked(due, _MAX_SCORE, "due")
            for due, kind, leg in timers}  # fmt: skip


def decode_timer(member: str, score: float) -> tuple[str, TimerDue]:
    """A timers set's entry: the record's id, and the timer it declares."""
    kind, record_id, leg = json.loads(member)
    return record_id, (int(score), Timer(kind), leg)


def user_entries(user: User, inst: InstanceConfig) -> Entries:
    """The agent's entries: a place in each queue it is eligible for, and its timers."""
    entries = dict(_ranked(AGENTS + q, rank) for q, rank in agent_places(user, inst).items())
    entries.update(_timers(user.user_id, declared_by_user(user, inst)))
    return entries


def job_entries(job: Job, inst: InstanceConfig) -> Entries:
    """The call's entries: its place in the queue it waits in, if any, and its timers."""
    place = call_place(job)
    entries = dict([_ranked(CALLS + place[0], place[1])] if place is not None else [])
    entries.update(_timers(job.job_id, declared_by_job(job, inst)))
    return entries


def index_ops(before: Entries, after: Entries) -> list[Any]:
    """The commit script's operations that turn ``before`` into ``after``.

    Four arguments each: ``-`` or ``+``, the set's name, the score (``""`` to remove), the
    member. A member that stays with another score is only added (``ZADD`` moves it).
    """
    ops: list[Any] = []
    for (name, member), _ in before.items():
        if (name, member) not in after:
            ops += ["-", name, "", member]
    for (name, member), score in after.items():
        if before.get((name, member)) != score:
            ops += ["+", name, score, member]
    return ops
