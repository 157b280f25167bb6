"""Supervision: a supervisor monitors, coaches, barges in on or intercepts an agent's call.

Every action runs the same checks, in the documented order:

1. parameters (the command class); a supervisor cannot supervise itself (``Parameter.Invalid``);
2. existence: the instance, the supervisor, the supervised agent, the call (``MonitorCall`` names
   none: it is the call the agent is talking on, so a monitored agent not talking is refused by
   its state, check 5, before any call is looked up);
3. the supervisor's device;
4. participation: the agent's own answered leg in the call (``Permission.JobId``);
5. user state: the agent is TALKING (the agent table's ``supervised`` row); a supervisor not yet
   in this call starts from READY (its action's row: so it supervises one call at a time);
   the call has a customer (CCC supervises agent-customer calls: a call of agents only, an
   internal call or a conference of agents, is ``InvalidOperation.NoCustomer``);
6. channel state: the supervisor's leg moves by the supervision table (``SUPERVISION``): a new
   leg starts at ``NONE``; coaching and barging in only escalate, and repeating a mode is
   refused (``InvalidOperation.ChannelState`` naming the mode);
7. the world: the supervisor supervises a skill group the agent is signed in to
   (``Permission.User``).

The supervisor's leg is connected at once (``Established``, ``AgentTalk``), then the action's
event (``StartMonitor``, ``StartCoach``, ``BargeIn``, ``Intercept``); an escalation first ends
the mode it leaves (``StopMonitor``, ``StopCoach``). Intercepting makes the supervisor's leg the
call's agent leg before the agent's leg is released (the agent goes to wrap-up), so the customer
is never left alone. How a supervisor's leg ends is the release cascade's (``_cascade.py``).
"""

from __future__ import annotations

from . import _supervision_commands as cmd
from ._cascade import STOP_EVENTS, Cause, Way, release
from ._commands import Request
from ._errors import ParameterInvalid, PermissionUser
from ._events import EventType
from ._records import Channel, Job, Party, User
from ._states import AGENT, CHANNEL, SUPERVISION, SupervisionMode
from ._step import Decider, Outcome, Step, check_device, new_leg, own_leg
from ._transfers import _customer as customer
from ._wire import wire_name

__all__ = ["DECIDERS", "supervising_leg"]

#: The decider of each supervision action.
DECIDERS: dict[type[Request], Decider] = {}

Supervising = cmd.MonitorCall | cmd.CoachCall | cmd.BargeInCall | cmd.InterceptCall

#: Each action's supervised agent parameter (its wire name is the field's, CamelCased).
_SUPERVISED: dict[type[Request], str] = {
    cmd.MonitorCall: "monitored_user_id",
    cmd.CoachCall: "coached_user_id",
    cmd.BargeInCall: "barged_user_id",
    cmd.InterceptCall: "intercepted_user_id",
}
#: The event each action announces on the supervisor's leg.
_STARTS: dict[type[Request], EventType] = {
    cmd.MonitorCall: EventType.StartMonitor,
    cmd.CoachCall: EventType.StartCoach,
    cmd.BargeInCall: EventType.BargeIn,
    cmd.InterceptCall: EventType.Intercept,
}


def supervising_leg(job: Job, user_id: str) -> Channel | None:
    """The user's live leg in ``job`` if it is a supervisor's (monitoring, coaching, barged in)."""
    leg = job.leg_of(user_id)
    if leg is None or not leg.live or leg.supervision is SupervisionMode.NONE:
        return None
    return leg


def _checked(step: Step, c: Supervising) -> tuple[User, User, Job, Channel, Channel | None]:
    """Checks 1-5: the supervisor, the agent, the call, the agent's leg, the supervisor's leg."""
    field = _SUPERVISED[type(c)]
    agent_id: str = getattr(c, field)
    if agent_id == c.user_id:
        raise ParameterInvalid(wire_name(field), "A user cannot supervise itself")
    inst = step.instance(c.instance_id)
    sup = step.user(inst, c.user_id)
    agent = step.user(inst, agent_id)
    if isinstance(c, cmd.MonitorCall):
        AGENT.move(agent, "supervised", step.now)  # a talking agent has a call to listen to
        job = step.job(inst, agent.job_id)
        check_device(sup, c.device_id)
        agent_leg = own_leg(agent, job, answered=True)
    else:
        job = step.job(inst, c.job_id)
        check_device(sup, c.device_id)
        agent_leg = own_leg(agent, job, answered=True)
        AGENT.move(agent, "supervised", step.now)
    leg = supervising_leg(job, sup.user_id)
    if leg is None:
        AGENT.move(sup, c.action, step.now)  # READY -> TALKING: one supervised call at a time
    return sup, agent, job, agent_leg, leg


def _permitted(step: Step, sup: User, agent: User) -> None:
    """Check 7: the supervisor supervises a skill group the agent is signed in to."""
    inst = step.instance(sup.instance_id)
    supervised = inst.users[sup.user_id].supervises
    if not any(g in supervised for g in agent.signed_skill_group_ids):
        raise PermissionUser(agent.user_id)


def _supervise(step: Step, c: Supervising) -> tuple[User, User, Job, Channel, Channel]:
    """The shared checks and moves: the supervisor's leg in its new mode, events but the last."""
    sup, agent, job, agent_leg, leg = _checked(step, c)
    customer(job)  # an agent-customer call
    fresh = leg is None
    if leg is None:
        leg = new_leg(job, Party.USER, job.caller, sup.extension, sup, job.skill_group_id,
                      step.now)  # fmt: skip
    leaving = leg.supervision
    SUPERVISION.move(leg, c.action)
    _permitted(step, sup, agent)
    if fresh:  # the supervisor's workbench connects at once
        CHANNEL.move(leg, "answer")
        sup.job_id = job.job_id
        step.call_event(EventType.Established, job, leg, sup.user_id)
        step.agent_event(EventType.AgentTalk, sup)
    stop = STOP_EVENTS.get(leaving)
    if stop is not None:
        step.call_event(stop, job, leg, sup.user_id)
    leg.timestamp = step.now
    return sup, agent, job, agent_leg, leg


def _started(step: Step, c: Supervising) -> Outcome:
    sup, agent, job, agent_leg, leg = _supervise(step, c)
    if isinstance(c, cmd.InterceptCall):  # the supervisor's leg is the agent leg now
        release(step, job, agent_leg, Way.RELEASED, Cause.HANG_UP, sup.extension)
    step.call_event(_STARTS[type(c)], job, leg, sup.user_id, (("counterParty", agent.user_id),))
    return step.outcome(c, sup, job)


DECIDERS.update(dict.fromkeys(_STARTS, _started))
