"""The invariants of calls with many parties, as functions of an instance's live state.

Each function answers what breaks its invariant (empty: it holds). They read the domain's own
notions, never a list of parties or actions written here, so a new kind of leg, a new action or
a new row of a table is covered as soon as it exists:

* :func:`held_without_retriever`: a held leg has, in its call, a live agent able to retrieve it:
  one whose state the agent table lets ``RetrieveCall`` from, whose current call it is, and
  whose own leg there is answered (the participation check RetrieveCall itself runs);
* :func:`customers_alone`: a live customer has company: a live leg of any other party (an
  agent's, ringing or answered; any party the records add), or the call waits in a queue;
* :func:`agents_in_two_legs`: an agent has at most one live leg, in the call it is in;
* :func:`holds_by_agent`: per agent, the holds a call detail record counts, read from its legs'
  hold intervals (each names the agent who held it);
* :func:`supervised_without_agent`: a supervised call (a supervisor's leg live in it) has its
  agent: a live, answered agent leg that is not a supervisor's;
* :func:`supervisors_in_two_calls`: a supervisor is in one call at most: the one it supervises;
* :func:`regions_out_of_order`: each region of a leg (hold, mute) keeps well-nested intervals:
  in order and apart, inside the leg's answered life, the newest open exactly while the region
  is set, and all closed once the leg is released.
"""

from __future__ import annotations

from collections import Counter

from ..domain import (
    AGENT,
    CallDetailRecord,
    Channel,
    ChannelState,
    Job,
    JobState,
    Party,
    PermissionJobId,
    SupervisionMode,
)
from ..domain._step import own_leg
from ..engine import InstanceView

__all__ = [
    "agents_in_two_legs",
    "customers_alone",
    "held_without_retriever",
    "holds_by_agent",
    "regions_out_of_order",
    "supervised_without_agent",
    "supervisors_in_two_calls",
]


def _live_jobs(view: InstanceView) -> list[Job]:
    return [j for j in view.jobs.values() if j.state is not JobState.ENDED]


def _can_retrieve(view: InstanceView, job: Job, leg: Channel) -> bool:
    """Whether the agent of ``leg`` could retrieve a held leg of ``job`` now."""
    user = view.users.get(leg.user_id)
    if user is None or user.job_id != job.job_id or not AGENT.allows(user, "RetrieveCall"):
        return False
    try:
        own_leg(user, job, answered=True)
    except PermissionJobId:
        return False
    return True


def held_without_retriever(view: InstanceView) -> list[Channel]:
    """The held legs whose call has no live agent able to retrieve them."""
    return [
        leg
        for job in _live_jobs(view)
        for leg in job.channels
        if leg.held and not any(_can_retrieve(view, job, c) for c in job.channels if c.live)
    ]


def customers_alone(view: InstanceView) -> list[Job]:
    """The live calls whose live customer has no other live party and waits in no queue."""
    return [
        job
        for job in _live_jobs(view)
        if job.state is not JobState.QUEUED
        and any(c.live and c.party is Party.CUSTOMER for c in job.channels)
        and not any(c.live and c.party is not Party.CUSTOMER for c in job.channels)
    ]


def agents_in_two_legs(view: InstanceView) -> dict[str, list[str]]:
    """Agents with more than one live leg, or a live leg outside their current call."""
    legs: dict[str, list[Channel]] = {}
    for job in view.jobs.values():
        for leg in job.channels:
            if leg.live and leg.user_id:
                legs.setdefault(leg.user_id, []).append(leg)
    return {
        uid: [c.channel_id for c in mine]
        for uid, mine in legs.items()
        if len(mine) > 1 or mine[0].job_id != view.users[uid].job_id
    }


def holds_by_agent(cdr: CallDetailRecord) -> Counter[str]:
    """How many holds the record counts per agent (each hold interval names its agent)."""
    return Counter(h.by_user for leg in cdr.channels for h in leg.holds)


def _supervising(job: Job) -> list[Channel]:
    return [c for c in job.channels if c.live and c.supervision is not SupervisionMode.NONE]


def supervised_without_agent(view: InstanceView) -> list[Job]:
    """The live calls with a supervisor's live leg and no live answered agent leg beside it."""
    return [
        job
        for job in _live_jobs(view)
        if _supervising(job)
        and not any(c.live and c.party is Party.USER and c.state is ChannelState.ANSWERED
                    and c.supervision is SupervisionMode.NONE for c in job.channels)
    ]  # fmt: skip


def supervisors_in_two_calls(view: InstanceView) -> dict[str, list[str]]:
    """The users supervising a call with a live leg in another call too: their calls' JobIds."""
    supervisors = {leg.user_id for job in view.jobs.values() for leg in _supervising(job)}
    calls: dict[str, set[str]] = {}
    for job in view.jobs.values():
        for leg in job.channels:
            if leg.live and leg.user_id in supervisors:
                calls.setdefault(leg.user_id, set()).add(job.job_id)
    return {uid: sorted(jobs) for uid, jobs in calls.items() if len(jobs) > 1}


def _nested(intervals: list[tuple[int, int | None]], is_set: bool, leg: Channel) -> bool:
    """Whether one region's intervals (oldest first) are well nested in ``leg``'s life."""
    if (bool(intervals) and intervals[-1][1] is None) != is_set:
        return False  # the newest open exactly while the region is set
    released = leg.timestamp if leg.state is ChannelState.RELEASED else None
    since = leg.answered_ms
    for start, end in intervals:
        if start < since or (end is None and released is not None):
            return False  # overlapping, before the answer, or left open by the release
        if end is not None and (end < start or (released is not None and end > released)):
            return False
        since = start if end is None else end
    return True


def regions_out_of_order(view: InstanceView) -> list[str]:
    """The legs whose hold or mute intervals are not well nested (see the module's list)."""
    return [
        leg.channel_id
        for job in view.jobs.values()
        for leg in job.channels
        if not _nested([(h.start_ms, h.end_ms) for h in leg.holds], leg.held, leg)
        or not _nested([(m.start_ms, m.end_ms) for m in leg.mutes], leg.muted, leg)
    ]
