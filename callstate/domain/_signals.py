"""The signals (SPEC §8): what the network reports, applied as the switch would.

Offers and re-offers (the embedder's switch routing) create a ringing agent leg; the far end's
early media, ringing and answer move a leg the centre dialled: the customer's (and, on answer,
the dialling agent) or an external party's (``_external.py``); refusals, hang-ups and ring
timeouts hand a leg to the release cascade, which moves the agents and the call. Calls
callstate routes itself arrive by ``CallArrived`` (``_arrivals.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from . import _commands as cmd
from ._cascade import Cause, Way, release
from ._errors import (
    InvalidOperationOutboundScenario,
    InvalidOperationSkillGroup,
    NotExistsNumber,
    NotExistsSkillGroupId,
    ParameterInvalid,
)
from ._events import EventType
from ._external import answered
from ._records import CallType, Channel, Job, Party, User
from ._routing import offer
from ._states import AGENT, CHANNEL, JOB, ChannelState
from ._step import Decider, Outcome, Step, channel_of, decides, new_leg
from ._timers import ring_out
from ._world import InstanceConfig

__all__ = ["DECIDERS"]

#: The decider of each signal.
DECIDERS: dict[type[cmd.Request], Decider] = {}


_AGENT_LEGS = frozenset({Party.USER})
#: The legs the far end's signals are about: the numbers the centre dials.
_FAR_END = frozenset({Party.CUSTOMER, Party.EXTERNAL})


def _far_number(job: Job, leg: Channel) -> str:
    """The number at the far end of ``leg`` (the customer's, or the external party's)."""
    if leg.party is Party.EXTERNAL:
        return leg.destination
    return job.callee if job.call_type is CallType.OUTBOUND else job.caller


def _offer_checks(step: Step, inst: InstanceConfig, user_id: str, group: str) -> User:
    user = step.user(inst, user_id)
    if group not in inst.skill_groups:
        raise NotExistsSkillGroupId(group, inst.instance_id)
    if group not in user.signed_skill_group_ids:
        raise InvalidOperationSkillGroup(user.user_id, group)
    AGENT.move(user, "offered", step.now)
    if user.outbound_scenario:
        raise InvalidOperationOutboundScenario(user.user_id)
    return user


@decides(DECIDERS, cmd.CallOffered)
def _call_offered(step: Step, s: cmd.CallOffered) -> Outcome:
    inst = step.instance(s.instance_id)
    if s.callee not in inst.numbers:
        raise NotExistsNumber(s.callee, inst.instance_id)
    user = _offer_checks(step, inst, s.user_id, s.skill_group_id)
    job = Job(
        job_id=step.ws.new_job_id(step.now),
        instance_id=inst.instance_id,
        call_type=CallType.INBOUND,
        caller=s.caller,
        callee=s.callee,
        created_ms=step.now,
        skill_group_id=s.skill_group_id,
    )
    customer = new_leg(job, Party.CUSTOMER, s.caller, s.callee, user, s.skill_group_id, step.now)
    CHANNEL.move(customer, "answer")  # the platform answered the caller: queue, then agent
    offer(step, user, job, s.skill_group_id)
    step.ws.add_job(job)
    return step.outcome(s, user, job)


@decides(DECIDERS, cmd.CallReoffered)
def _call_reoffered(step: Step, s: cmd.CallReoffered) -> Outcome:
    inst = step.instance(s.instance_id)
    job = step.job(inst, s.job_id)
    user = _offer_checks(step, inst, s.user_id, s.skill_group_id)
    JOB.move(job, "reoffer")
    job.queue_deadline_ms = 0
    job.skill_group_id = s.skill_group_id
    offer(step, user, job, s.skill_group_id)
    return step.outcome(s, user, job)


def _leg_signal(step: Step, s: cmd.ChannelSignal,
                parties: frozenset[Party] | None) -> tuple[Job, Channel]:  # fmt: skip
    inst = step.instance(s.instance_id)
    job = step.job(inst, s.job_id)
    leg = channel_of(job, s.channel_id)
    if parties is not None and leg.party not in parties:
        kinds = " or ".join(sorted(p.value for p in parties))
        raise ParameterInvalid("ChannelId", f"{s.action} applies to a {kinds} leg")
    return job, leg


def _agent_of(step: Step, job: Job) -> User | None:
    """The agent of the call's most recent agent leg: whom a signal's reply describes."""
    for leg in reversed(job.channels):
        if leg.party is Party.USER:
            return step.ws.user(job.instance_id, leg.user_id)
    return None


@decides(DECIDERS, cmd.FarEndEarlyMedia)
def _far_end_early_media(step: Step, s: cmd.FarEndEarlyMedia) -> Outcome:
    job, leg = _leg_signal(step, s, _FAR_END)
    CHANNEL.move(leg, "early_media")
    leg.timestamp = step.now
    return step.outcome(s, _agent_of(step, job), job)


@decides(DECIDERS, cmd.FarEndRinging)
def _far_end_ringing(step: Step, s: cmd.FarEndRinging) -> Outcome:
    job, leg = _leg_signal(step, s, _FAR_END)
    CHANNEL.move(leg, "ring")
    leg.timestamp = step.now
    user = _agent_of(step, job)
    step.call_event(EventType.Ringing, job, leg, user.user_id if user else "")
    return step.outcome(s, user, job)


@decides(DECIDERS, cmd.FarEndAnswered)
def _far_end_answered(step: Step, s: cmd.FarEndAnswered) -> Outcome:
    job, leg = _leg_signal(step, s, _FAR_END)
    _ANSWERS[leg.party](step, job, leg)
    return step.outcome(s, _agent_of(step, job), job)


def _customer_answered(step: Step, job: Job, leg: Channel) -> None:
    """The customer an agent dialled answered: the outbound call is established."""
    CHANNEL.move(leg, "answer")
    user = _agent_of(step, job)
    assert user is not None, "an outbound call has its agent's leg"
    AGENT.move(user, "far_end_answered", step.now)
    for ch in job.channels:  # the call is established: both legs change now (SPEC §8)
        if ch.state is ChannelState.ANSWERED:
            ch.timestamp = step.now
    job.established_ms = step.now
    step.call_event(EventType.Established, job, leg, user.user_id)
    step.agent_event(EventType.AgentTalk, user)


#: What the far end answering does, by whose leg it is.
_ANSWERS: dict[Party, Callable[[Step, Job, Channel], None]] = {
    Party.CUSTOMER: _customer_answered,
    Party.EXTERNAL: answered,
}


def _refused(cause: Cause) -> Decider:
    def refused(step: Step, s: cmd.ChannelSignal) -> Outcome:
        job, leg = _leg_signal(step, s, _FAR_END)
        user = _agent_of(step, job)
        release(step, job, leg, Way.REFUSED, cause, _far_number(job, leg))
        return step.outcome(s, user, job)

    return refused


DECIDERS[cmd.FarEndBusy] = _refused(Cause.BUSY)
DECIDERS[cmd.FarEndNoAnswer] = _refused(Cause.NO_ANSWER)
DECIDERS[cmd.FarEndRejected] = _refused(Cause.REJECTED)


@decides(DECIDERS, cmd.FarEndHungUp)
def _far_end_hung_up(step: Step, s: cmd.FarEndHungUp) -> Outcome:
    job, leg = _leg_signal(step, s, None)
    user = _agent_of(step, job)
    initiator = leg.user_extension if leg.party is Party.USER else _far_number(job, leg)
    release(step, job, leg, Way.RELEASED, Cause.HANG_UP, initiator)
    return step.outcome(s, user, job)


@decides(DECIDERS, cmd.RingTimeout)
def _ring_timeout(step: Step, s: cmd.RingTimeout) -> Outcome:
    job, leg = _leg_signal(step, s, _AGENT_LEGS)
    user = step.ws.user(job.instance_id, leg.user_id)
    ring_out(step, job, leg)
    return step.outcome(s, user, job)
