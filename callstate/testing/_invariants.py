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
  hold intervals (each names the agent who held it).
"""

from __future__ import annotations

from collections import Counter

from ..domain import AGENT, CallDetailRecord, Channel, Job, JobState, Party, PermissionJobId
from ..domain._step import own_leg
from ..engine import InstanceView

__all__ = ["agents_in_two_legs", "customers_alone", "held_without_retriever", "holds_by_agent"]


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
