"""Users and calls as JSON-ready data: the one projection of the records, and its inverse.

``engine.snapshot()`` (and ``GET /_callstate/state``) renders every live record in this form,
and the Redis store keeps its records in it (a call without its hold history:
``_redis_jobs.py``). A record becomes a dict of its fields in declaration order, with the
field names as keys: enum members as their values, tuples as lists, a leg's hold history as a
list of its intervals (``start_ms``, ``end_ms``, ``music``, ``by_user``), oldest first, and
its mutes likewise (``start_ms``, ``end_ms``, ``by_user``). The
domain knows nothing of it: its records carry behaviour only.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

import attrs

from ..domain import (
    CallType,
    Channel,
    ChannelState,
    HoldInterval,
    Holds,
    HoldState,
    InstanceConfig,
    Job,
    JobState,
    MuteInterval,
    MuteState,
    Party,
    SupervisionMode,
    User,
    UserState,
    WorkMode,
    call_place,
    job_timers,
    user_timers,
)

__all__ = ["instance_snapshot", "job_from_plain", "plain", "plain_value", "user_from_plain"]


def plain_value(_: Any, __: Any, value: Any) -> Any:
    """An ``attrs.asdict`` value serializer: one field's value in the plain form."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Holds):
        return [attrs.asdict(h) for h in value]
    return list(value) if isinstance(value, tuple) else value


def plain(record: User | Job) -> dict[str, Any]:
    """A user, or a call with its legs, as JSON-ready data."""
    return attrs.asdict(record, value_serializer=plain_value)


def user_from_plain(data: Mapping[str, Any]) -> User:
    """A new user from :func:`plain`'s form."""
    return User(**{
        **data,
        "work_mode": WorkMode(data["work_mode"]),
        "state": UserState(data["state"]),
        "skill_group_ids": tuple(data["skill_group_ids"]),
        "signed_skill_group_ids": tuple(data["signed_skill_group_ids"]),
    })  # fmt: skip


def _channel_from_plain(data: Mapping[str, Any]) -> Channel:
    return Channel(**{
        **data,
        "party": Party(data["party"]),
        "state": ChannelState(data["state"]),
        "hold_state": HoldState(data["hold_state"]),
        "supervision": SupervisionMode(data["supervision"]),
        "holds": Holds.of(HoldInterval(**h) for h in data["holds"]),
        "mute_state": MuteState(data["mute_state"]),
        "mutes": tuple(MuteInterval(**m) for m in data["mutes"]),
    })  # fmt: skip


def job_from_plain(data: Mapping[str, Any]) -> Job:
    """A new call, with new legs, from :func:`plain`'s form."""
    return Job(**{
        **data,
        "call_type": CallType(data["call_type"]),
        "state": JobState(data["state"]),
        "channels": [_channel_from_plain(c) for c in data["channels"]],
    })  # fmt: skip


def instance_snapshot(
    config: InstanceConfig,
    last_now: int,
    seq: int,
    users: Mapping[str, User],
    jobs: Mapping[str, Job],
) -> dict[str, Any]:
    """One instance's live state as JSON-ready data: what every store's ``snapshot`` answers.

    Besides the records: each queue's waiting calls, head first, and every declared timer,
    earliest first, both derived from the records as the domain declares them.
    """
    queues: dict[str, list[tuple[Any, str]]] = {}
    for job in jobs.values():
        place = call_place(job)
        if place is not None:
            queues.setdefault(place[0], []).append((place[1], job.job_id))
    timers = [(due, kind.value, jid, leg) for jid, j in jobs.items()
              for due, kind, leg in job_timers(j, config)]  # fmt: skip
    timers += [(due, kind.value, uid, "") for uid, u in users.items()
               for due, kind, _ in user_timers(u, config)]  # fmt: skip
    return {
        "lastNow": last_now,
        "seq": seq,
        "users": {k: plain(u) for k, u in users.items()},
        "jobs": {k: plain(j) for k, j in jobs.items()},
        "queues": {q: [jid for _, jid in sorted(calls)] for q, calls in sorted(queues.items())},
        "timers": [
            {"dueMs": due, "timer": kind, "recordId": rid, "channelId": leg}
            for due, kind, rid, leg in sorted(timers)
        ],
    }
