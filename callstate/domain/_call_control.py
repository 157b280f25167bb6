"""The call-control actions (SPEC §4, §8): Make, Answer, Hold, Retrieve and ReleaseCall.

MakeCall to an agent's extension is an internal call (``_internal.py``).

Each runs SPEC §4's checks in order (existence, device, participation, the user's state, the
channel's state, world values); every state check is the table row that also makes the change.
ReleaseCall hands the leg to the release cascade, which moves the agents and the call.
"""

from __future__ import annotations

from collections.abc import Callable

from . import _commands as cmd
from ._cascade import Cause, Way, release
from ._errors import NotExistsNumber, ParameterBlank, ParameterInvalid
from ._events import EventType
from ._internal import call_colleague, called_agent, caller_connected
from ._records import CONSULTANT, CallType, Channel, Job, Party, User
from ._states import AGENT, CHANNEL, HOLD, UserState
from ._step import (
    DEFAULT_DIAL_TIMEOUT_MS,
    Decider,
    Outcome,
    Step,
    channel_of,
    check_device,
    close_hold,
    decides,
    new_leg,
    own_leg,
)
from ._workbench_commands import SendDtmfSignaling
from ._world import InstanceConfig

__all__ = ["DECIDERS"]

#: ReleaseCall's ``ReleaseReason``, by the releasing agent's state: a dialling agent cancels,
#: a ringing one declines its offer, a talking one hangs up.
RELEASE_CAUSES: dict[UserState, Cause] = {
    UserState.DIALING: Cause.CANCEL,
    UserState.RINGING: Cause.REJECTED,
    UserState.TALKING: Cause.HANG_UP,
}

#: The decider of each call-control action.
DECIDERS: dict[type[cmd.Request], Decider] = {}


@decides(DECIDERS, cmd.MakeCall)
def _make_call(step: Step, c: cmd.MakeCall) -> Outcome:
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    colleague = called_agent(step, inst, c.callee)
    if colleague is not None:
        return call_colleague(step, c, inst, user, colleague)
    caller = c.caller or (inst.numbers[0] if inst.numbers else "")
    if not caller:
        raise ParameterBlank("Caller")  # the instance has no number to call from
    if caller not in inst.numbers:
        raise NotExistsNumber(caller, inst.instance_id)
    check_device(user, c.device_id)
    AGENT.move(user, "MakeCall", step.now)
    now = step.now
    job = Job(
        job_id=step.ws.new_job_id(now),
        instance_id=inst.instance_id,
        call_type=CallType.OUTBOUND,
        caller=caller,
        callee=c.callee,
        created_ms=now,
        skill_group_id=user.signed_skill_group_ids[0] if user.signed_skill_group_ids else "",
        timeout_ms=(c.timeout_seconds * 1000) if c.timeout_seconds else DEFAULT_DIAL_TIMEOUT_MS,
    )
    media = c.media_type.value
    agent_leg = new_leg(job, Party.USER, c.callee, user.extension, user, job.skill_group_id,
                        now, media)  # fmt: skip
    CHANNEL.move(agent_leg, "answer")  # the workbench connects first (SPEC §8)
    agent_leg.answered_ms = now
    # The customer's leg stays CREATED until the far end reports early media or ringing.
    customer_leg = new_leg(job, Party.CUSTOMER, caller, c.callee, user, job.skill_group_id,
                           now, media)  # fmt: skip
    user.reserved = now
    user.job_id = job.job_id
    step.ws.add_job(job)
    step.agent_event(EventType.AgentDialing, user)
    step.call_event(EventType.Dialing, job, customer_leg, user.user_id)
    return step.outcome(c, user, job)


@decides(DECIDERS, cmd.AnswerCall)
def _answer_call(step: Step, c: cmd.AnswerCall) -> Outcome:
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    job = step.job(inst, c.job_id)
    check_device(user, c.device_id)
    leg = own_leg(user, job, answered=False)
    AGENT.move(user, "AnswerCall", step.now)
    CHANNEL.move(leg, "answer")
    user.calls_answered += 1
    leg.timestamp = leg.answered_ms = step.now
    job.established_ms = job.established_ms or step.now  # a consultee answers a call underway
    step.call_event(EventType.Established, job, leg, user.user_id)
    step.agent_event(EventType.AgentTalk, user, leg)
    if leg.call_type == CONSULTANT:
        step.call_event(EventType.StartConsultant, job, leg, user.user_id)
    _ANSWERED.get(job.call_type, _nobody_else)(step, job)
    return step.outcome(c, user, job)


def _nobody_else(step: Step, job: Job) -> None:
    """An answer that connects nobody but the agent who answered."""


#: Whom else an agent's answer connects, by the call's type: an internal call's caller.
_ANSWERED: dict[CallType, Callable[[Step, Job], None]] = {CallType.INTERNAL: caller_connected}


def hold_region_checks(
    step: Step, c: cmd.HoldCall | cmd.RetrieveCall | SendDtmfSignaling, trigger: str
) -> tuple[InstanceConfig, User, Job, Channel]:
    """SPEC §4 checks 2-9 on a leg's hold region: HoldCall's, RetrieveCall's, SendDtmfSignaling's.

    The last check is the region's row for ``trigger``, which moves it (or only guards).
    """
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    job = step.job(inst, c.job_id)
    leg = channel_of(job, c.channel_id)
    check_device(user, c.device_id)
    own_leg(user, job, answered=True)
    AGENT.move(user, c.action, step.now)
    HOLD.move(leg, trigger)
    return inst, user, job, leg


@decides(DECIDERS, cmd.HoldCall)
def _hold_call(step: Step, c: cmd.HoldCall) -> Outcome:
    inst, user, job, leg = hold_region_checks(step, c, "hold")
    if c.music and inst.hold_music and c.music not in inst.hold_music:
        raise ParameterInvalid("Music", f"It must be one of {','.join(inst.hold_music)}")
    leg.holds = leg.holds.opened(step.now, c.music, user.user_id)
    leg.recalled = False  # a new hold is timed afresh (maxHoldMs)
    leg.timestamp = step.now
    step.call_event(EventType.Held, job, leg, user.user_id)
    return step.outcome(c, user, job)


@decides(DECIDERS, cmd.RetrieveCall)
def _retrieve_call(step: Step, c: cmd.RetrieveCall) -> Outcome:
    _, user, job, leg = hold_region_checks(step, c, "retrieve")
    close_hold(leg, step.now)
    leg.timestamp = step.now
    step.call_event(EventType.Retrieved, job, leg, user.user_id)
    return step.outcome(c, user, job)


@decides(DECIDERS, cmd.ReleaseCall)
def _release_call(step: Step, c: cmd.ReleaseCall) -> Outcome:
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    job = step.job(inst, c.job_id)
    target = channel_of(job, c.channel_id) if c.channel_id else None
    check_device(user, c.device_id)
    own = own_leg(user, job, answered=False)
    AGENT.move(user, "ReleaseCall", step.now)
    if user.state is UserState.RINGING and target not in (None, own):
        raise ParameterInvalid("ChannelId", "A ringing agent can only decline its own offer")
    release(step, job, target or own, Way.RELEASED, RELEASE_CAUSES[user.state], user.extension)
    return step.outcome(c, user, job)
