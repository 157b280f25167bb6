"""Calls callstate routes itself: an inbound arrival joins its queue; an agent claims a call.

``CallArrived`` is a call reaching one of the instance's numbers: the platform answers the
caller (the customer's leg is ANSWERED: it hears the queue's announcements), the number's
route names the queue, and the call joins it (``Enqueue``); the distribution that runs after
every decision offers it at once if an agent is free. ``ClaimCall`` takes a call waiting in
a manually routed group (``RoutingType`` Manual), which callstate never offers by itself.
"""

from __future__ import annotations

from . import _commands as cmd
from ._errors import (
    InvalidOperationNotClaimable,
    InvalidOperationSkillGroup,
    NotExistsNumber,
    NotExistsSkillGroupId,
)
from ._records import CallType, Job, Party
from ._routing import assign, enqueue, waits
from ._states import CHANNEL
from ._step import Decider, Outcome, Step, decides, new_leg
from ._world import QueueType, RoutingType

__all__ = ["DECIDERS"]

#: The deciders of arrivals and claims.
DECIDERS: dict[type[cmd.Request], Decider] = {}

#: The ``CallPriority`` of a call that gives none: the middle of 0 (highest) .. 9.
DEFAULT_PRIORITY = 5


@decides(DECIDERS, cmd.CallArrived)
def _call_arrived(step: Step, s: cmd.CallArrived) -> Outcome:
    inst = step.instance(s.instance_id)
    if s.callee not in inst.numbers:
        raise NotExistsNumber(s.callee, inst.instance_id)
    route = inst.route_for(s.callee)
    if route is None:  # an instance with no skill group and no route for the number
        raise NotExistsSkillGroupId("", inst.instance_id)
    group = route.target if route.queue_type is QueueType.SKILL_GROUP else ""
    job = Job(
        job_id=step.ws.new_job_id(step.now),
        instance_id=inst.instance_id,
        call_type=CallType.INBOUND,
        caller=s.caller,
        callee=s.callee,
        created_ms=step.now,
        skill_group_id=group,
        priority=DEFAULT_PRIORITY if s.call_priority is None else s.call_priority,
    )
    customer = new_leg(job, Party.CUSTOMER, s.caller, s.callee, None, group, step.now)
    CHANNEL.move(customer, "answer")  # the platform answers the caller, who hears the queue
    enqueue(step, job, route, inst, "enqueue")
    step.ws.add_job(job)
    return step.outcome(s, None, job)


@decides(DECIDERS, cmd.ClaimCall)
def _claim_call(step: Step, c: cmd.ClaimCall) -> Outcome:
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    job = step.job(inst, c.job_id)
    if c.skill_group_id and c.skill_group_id not in inst.skill_groups:
        raise NotExistsSkillGroupId(c.skill_group_id, inst.instance_id)
    group = inst.skill_groups.get(job.skill_group_id)
    if not waits(job) or group is None or group.routing_type is not RoutingType.MANUAL:
        raise InvalidOperationNotClaimable(job.job_id)
    if c.skill_group_id and c.skill_group_id != job.skill_group_id:
        raise InvalidOperationSkillGroup(user.user_id, c.skill_group_id)
    if job.skill_group_id not in user.signed_skill_group_ids:
        raise InvalidOperationSkillGroup(user.user_id, job.skill_group_id)
    assign(step, job, user, "ClaimCall")
    return step.outcome(c, user, job)
