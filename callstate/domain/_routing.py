"""Queues and automatic call distribution: who waits where, in which order, and who is next.

The rules, in one screen:

1. A call callstate distributes waits in one queue (``Job.queue``): a skill group's
   (``SkillGroup/<id>``) or one agent's (``Agent/<id>``), while it is ``QUEUED``. A queue is
   ordered by :func:`call_rank`: ``CallPriority`` (0 first), then the instant it joined.
2. An agent may be offered calls from a queue (:func:`agent_places`) while READY and not
   outbound-only: from the agent's own queue, and from each signed-in group whose routing is
   Automatic. The group's :class:`~callstate.domain.Strategy` ranks them (:data:`RANKS`):
   the lowest rank is offered first.
3. Assignment is immediate: :func:`distribute` runs after every decision, in the same commit,
   and pairs every waiting call with an eligible agent until none is left. So after a commit,
   a READY agent eligible for a queue and a call waiting in it never coexist.
4. A store indexes what this module declares (:func:`agent_places`, :func:`call_place`), so
   the next agent and the next call are found in O(log n); the decision re-checks each
   candidate on its working copy, so an index a step behind never assigns wrongly.

What makes a call wait, and what a timed-out one does, is the queue's; what releasing an offer
does (the call requeues at its place, the agent goes to BREAK) is the release cascade's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from ._events import EventType
from ._external import forward
from ._records import Channel, Job, Party, User
from ._states import AGENT, CHANNEL, JOB, JobState, UserState
from ._step import Step, new_leg
from ._world import InstanceConfig, QueueType, Route, RoutingType, Strategy

__all__ = [
    "RANKS",
    "agent_places",
    "call_place",
    "call_rank",
    "distribute",
    "enqueue",
    "free_agent",
    "offer",
    "send",
    "waits",
]

#: An agent's rank in a queue: the lowest is offered first. Ints and the UserId only, so that
#: a store can keep it (the Redis store: the first as a score, the rest as the member).
Rank = tuple[int, int, str]


def _random_draw(seed: int, user: User) -> int:
    """A 48-bit draw from the seed, the agent and the instant it became READY: reproducible."""
    key = f"{seed}:{user.user_id}:{user.state_since}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=6).digest(), "big")


#: How each strategy ranks a READY agent (the seed is the instance's ``routingSeed``).
RANKS: dict[Strategy, Callable[[User, int], Rank]] = {
    Strategy.MOST_IDLE: lambda u, seed: (u.state_since, 0, u.user_id),
    Strategy.ROUND_ROBIN: lambda u, seed: (u.reserved, 0, u.user_id),
    Strategy.FEWEST_CALLS: lambda u, seed: (u.calls_answered, u.state_since, u.user_id),
    Strategy.RANDOM: lambda u, seed: (_random_draw(seed, u), 0, u.user_id),
}


_NONE: Mapping[str, User] = MappingProxyType({})  # no assignment
_NOWHERE: Mapping[str, Rank] = MappingProxyType({})  # the places of an agent not READY


def _group_queue(group_id: str) -> str:
    return Route(QueueType.SKILL_GROUP, group_id).queue


def agent_places(user: User, inst: InstanceConfig) -> Mapping[str, Rank]:
    """The queues the agent may be offered calls from now, with the agent's rank in each."""
    if user.state is not UserState.READY or user.outbound_scenario:
        return _NOWHERE
    places = {Route(QueueType.AGENT, user.user_id).queue: (0, 0, user.user_id)}
    for gid in user.signed_skill_group_ids:
        group = inst.skill_groups.get(gid)
        if group is not None and group.routing_type is RoutingType.AUTOMATIC:
            places[_group_queue(gid)] = RANKS[group.strategy](user, inst.routing_seed)
    return places


def call_rank(job: Job) -> tuple[int, int, str]:
    """A waiting call's place in its queue: priority, then the instant it joined."""
    return (job.priority, job.queued_ms, job.job_id)


def waits(job: Job) -> bool:
    """Whether the call waits in a queue of callstate's."""
    return job.state is JobState.QUEUED and bool(job.queue)


def call_place(job: Job) -> tuple[str, tuple[int, int, str]] | None:
    """The queue the call waits in, with its rank there (``None``: it waits in none)."""
    return (job.queue, call_rank(job)) if waits(job) else None


def _automatic(inst: InstanceConfig, queue: str) -> bool:
    kind, _, target = queue.partition("/")
    if kind == QueueType.AGENT.value:
        return True
    group = inst.skill_groups.get(target)
    return group is not None and group.routing_type is RoutingType.AUTOMATIC


# --- joining a queue -------------------------------------------------------------------------
def enqueue(step: Step, job: Job, route: Route, inst: InstanceConfig, trigger: str) -> None:
    """The call joins ``route``'s queue (``trigger``: the job table's row), at the back.

    A skill group whose queue already holds ``queuingOverflowThreshold`` calls sends it on to
    its overflow group or number instead (once: the world refuses overflow cycles). A route
    to a number outside the centre forwards the call there: it waits in no queue.
    """
    if route.queue_type is QueueType.SKILL_GROUP:
        group = inst.skill_groups[route.target]
        overflow = group.overflow_route
        if (
            overflow is not None
            and group.overflow_threshold is not None
            and step.ws.waiting(inst.instance_id, route.queue) >= group.overflow_threshold
        ):
            route = overflow
    send(step, job, route, inst, trigger)


def send(step: Step, job: Job, route: Route, inst: InstanceConfig, trigger: str) -> None:
    """The call goes where ``route`` says: into its queue, or out of the centre.

    Into a queue by the job row ``trigger``; a route to a number forwards the call there (an
    external leg is dialled).
    """
    if route.queue_type is QueueType.EXTERNAL_NUMBER:
        forward(step, job, route.target)
        return
    JOB.move(job, trigger)
    join(step, job, route, inst)


def join(step: Step, job: Job, route: Route, inst: InstanceConfig) -> None:
    """Place the (QUEUED) call at the back of ``route``'s queue, with that queue's timeout."""
    job.queue = route.queue
    if route.queue_type is QueueType.SKILL_GROUP:
        job.skill_group_id = route.target
    job.queued_ms = step.now
    job.queue_deadline_ms = step.now + inst.queuing_timeout(job.skill_group_id)
    detail = (("queueType", route.queue_type.value), ("skillGroupId", job.skill_group_id))
    _call_event(step, EventType.Enqueue, job, detail)


def _call_event(step: Step, kind: EventType, job: Job, detail: tuple[tuple[str, str], ...],
                agent_id: str = "") -> None:  # fmt: skip
    """A queue event: about the call's customer leg."""
    customer = next(c for c in job.channels if c.party is Party.CUSTOMER)
    step.call_event(kind, job, customer, agent_id, detail)


# --- offering --------------------------------------------------------------------------------
def own_ring_timeout_ms(timeout_seconds: int | None) -> int:
    """A request's ``TimeoutSeconds`` as the leg's own ring timeout (0, absent: the instance's)."""
    return timeout_seconds * 1000 if timeout_seconds else 0


def offer(step: Step, user: User, job: Job, group: str, scenario: str = "",
          ring_timeout_ms: int = 0) -> Channel:  # fmt: skip
    """Ring ``user`` (moved to RINGING by the caller's row) with the call: a new agent leg.

    The leg's ``scenario`` is ``scenario``, else the one the call's routed offers carry; it
    rings for ``ring_timeout_ms`` (0: the instance's ``ringTimeoutMs``).
    """
    leg = new_leg(job, Party.USER, job.caller, user.extension, user, group, step.now)
    leg.scenario = scenario or job.scenario
    leg.ring_timeout_ms = ring_timeout_ms
    CHANNEL.move(leg, "ring")
    user.reserved = step.now
    user.job_id = job.job_id
    step.call_event(EventType.Ringing, job, leg, user.user_id)
    step.agent_event(EventType.AgentRinging, user, leg)
    return leg


def assign(step: Step, job: Job, user: User, trigger: str = "offered") -> None:
    """Take the call out of its queue and offer it to ``user`` (``AssignAgent``)."""
    AGENT.move(user, trigger, step.now)
    JOB.move(job, "reoffer")
    job.queue_deadline_ms = 0
    queue_type = job.queue.partition("/")[0]
    _call_event(step, EventType.AssignAgent, job,
                (("queueType", queue_type), ("skillGroupId", job.skill_group_id)),
                user.user_id)  # fmt: skip
    offer(step, user, job, job.skill_group_id)


def distribute(step: Step) -> Mapping[str, User]:
    """Pair waiting calls with eligible agents until no pair is left (rule 3).

    Answers the agent each call was offered to, by JobId.
    """
    users, jobs = step.ws.working_copies()
    for user in users:  # plain loops: this runs after every decision, and most stop here
        if user.state is UserState.READY:
            break
    else:
        for job in jobs:
            if job.state is JobState.QUEUED:
                break
        else:
            return _NONE  # nobody free and nothing waiting
    assigned: dict[str, User] = {}
    while (pair := _next_pair(step)) is not None:
        assign(step, *pair)
        assigned[pair[0].job_id] = pair[1]
    return assigned


def _next_pair(step: Step) -> tuple[Job, User] | None:
    user_view, job_view = step.ws.working_copies()
    users, jobs = list(user_view), list(job_view)  # the lookups below may read more records
    for job in sorted((j for j in jobs if waits(j)), key=call_rank):
        inst = step.ws.instance(job.instance_id)
        if inst is not None and _automatic(inst, job.queue):
            user = _best_agent(step, inst, job.queue, users)
            if user is not None:
                return job, user
    for user in users:
        inst = step.ws.instance(user.instance_id)
        if inst is None:
            continue
        places = agent_places(user, inst)
        heads = [j for q in places if (j := _head(step, inst, q, jobs)) is not None]
        if heads:
            return min(heads, key=call_rank), user
    return None


def free_agent(step: Step, inst: InstanceConfig, group_id: str) -> User | None:
    """The agent the group's routing would offer a call to now (``None``: nobody is free).

    A consultation of the group rings this agent at once; it never waits in the queue.
    """
    users, _ = step.ws.working_copies()
    return _best_agent(step, inst, _group_queue(group_id), list(users))


def _best_agent(step: Step, inst: InstanceConfig, queue: str,
                working: Iterable[User]) -> User | None:  # fmt: skip
    """The eligible agent of the lowest rank: the index's best still eligible, or a working copy."""
    ranked = [(rank, u) for u in working if (rank := agent_places(u, inst).get(queue))]
    indexed = _first(step.ws.agents_in(inst.instance_id, queue),
                     lambda uid: step.ws.user(inst.instance_id, uid),
                     lambda u: agent_places(u, inst).get(queue))  # fmt: skip
    if indexed is not None:
        ranked.append(indexed)
    return min(ranked, key=lambda r: r[0])[1] if ranked else None


def _head(step: Step, inst: InstanceConfig, queue: str, working: Iterable[Job]) -> Job | None:
    """The call at the head of ``queue``: the index's first still waiting, or a working copy."""
    ranked = [(call_rank(j), j) for j in working if waits(j) and j.queue == queue]
    indexed = _first(step.ws.calls_in(inst.instance_id, queue),
                     lambda jid: step.ws.job(inst.instance_id, jid),
                     lambda j: call_rank(j) if waits(j) and j.queue == queue else None)  # fmt: skip
    if indexed is not None:
        ranked.append(indexed)
    return min(ranked, key=lambda r: r[0])[1] if ranked else None


def _first(ids: Iterator[str], load: Callable[[str], Any],
           rank_of: Callable[[Any], Any]) -> tuple[Any, Any] | None:  # fmt: skip
    """The first indexed record whose working copy still ranks in the queue, with its rank."""
    for record_id in ids:
        record = load(record_id)
        rank = None if record is None else rank_of(record)
        if rank is not None:
            return rank, record
    return None
