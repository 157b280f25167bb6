"""Transfers: blind, and attended (a consultation the initiator completes or cancels).

Each action runs the shared checks in order (existence, device, participation: the agent's own
answered leg, the agent's state from its table row), then its own:

* ``BlindTransfer``: the transferring agent's leg leaves the call by ``transferred`` (the agent
  goes to WORKING; the call goes on: someone else takes it), then the call is offered to the
  agent named (who must be READY), joins the named skill group's queue, or is forwarded to
  the number named (``EXTERNAL_NUMBER``: an external leg is dialled; busy, unanswered or
  rejected, the call ends: the transferor is gone, and nobody else serves the customer);
* ``InitiateAttendedTransfer``: the customer's leg is held (a counted hold, by the initiator)
  and a consultation leg (``CallType`` ``CONSULTANT``) rings at the consultee: the agent
  named, the skill group's agent its routing picks now (``InvalidOperation.NoAgentAvailable``
  when none is free: a consultation does not queue), or the number named (``EXTERNAL``: an
  external leg is dialled; busy, unanswered or rejected, the consultation is over and the
  customer stays held by the initiator, who retrieves them);
* ``CompleteAttendedTransfer``: the answered consultee takes the customer, who is retrieved;
  the initiator's leg leaves by ``transferred``;
* ``CancelAttendedTransfer``: the consultation leg is ``withdrawn`` (an answered consultee goes
  to WORKING, a ringing one back to READY) and the customer is retrieved.

``TimeoutSeconds`` is how long the target rings: an agent's offer (the leg's own ring timeout,
instead of the instance's) or a number's dial timeout (absent: CCC's 30 s); ``Transferor`` is
the number a party outside is shown (one of the instance's numbers), ignored for an agent or a
skill group, as CCC documents.

A customer on hold always has an agent able to retrieve them: the release cascade ends a call
whose last agent leg is gone. IVR is not built yet: it is refused as ``Parameter.Invalid``
naming ``TransfereeType``.
"""

from __future__ import annotations

from collections.abc import Callable

from . import _commands as cmd
from ._cascade import Cause, Way, release, retrieve
from ._errors import (
    InvalidOperationConsultationExists,
    InvalidOperationNoAgentAvailable,
    InvalidOperationNoConsultation,
    InvalidOperationNoCustomer,
    InvalidOperationOutboundScenario,
    NotExistsNumber,
    NotExistsSkillGroupId,
    ParameterInvalid,
)
from ._events import EventType
from ._external import check_outside_number, dial, forward
from ._records import (
    ATTENDED_TRANSFER,
    BLIND_TRANSFER,
    CONSULTANT,
    CONSULTED,
    Channel,
    HoldInterval,
    Job,
    Party,
    User,
)
from ._routing import free_agent, join, offer, own_ring_timeout_ms
from ._states import AGENT, HOLD, JOB, ChannelState
from ._step import DEFAULT_DIAL_TIMEOUT_MS, Decider, Outcome, Step, check_device, decides, own_leg
from ._world import InstanceConfig, QueueType, Route

__all__ = ["DECIDERS"]

#: The decider of each transfer action.
DECIDERS: dict[type[cmd.Request], Decider] = {}

T = cmd.TransfereeType
#: What each action can hand a call to today; the other types are refused by name.
_BUILT: dict[type[cmd.Request], frozenset[cmd.TransfereeType]] = {
    cmd.BlindTransfer: frozenset({T.AGENT, T.SKILL_GROUP, T.EXTERNAL_NUMBER}),
    cmd.InitiateAttendedTransfer: frozenset({T.AGENT, T.SKILL_GROUP, T.EXTERNAL}),
}


def _transferring(step: Step, c: cmd.BlindTransfer | cmd.InitiateAttendedTransfer
                  | cmd.CompleteAttendedTransfer | cmd.CancelAttendedTransfer
                  | cmd.SwitchToConference,
                  ) -> tuple[InstanceConfig, User, Job, Channel]:  # fmt: skip
    """The shared checks: the agent, its call, its device, its answered leg, its state."""
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    job = step.job(inst, c.job_id)
    check_device(user, c.device_id)
    leg = own_leg(user, job, answered=True)
    AGENT.move(user, c.action, step.now)
    return inst, user, job, leg


def _supported(c: cmd.BlindTransfer | cmd.InitiateAttendedTransfer) -> None:
    if c.transferee_type not in _BUILT[type(c)]:
        built = ", ".join(sorted(t.value for t in _BUILT[type(c)]))
        reason = f"{c.action} to {c.transferee_type.value} is not supported: one of {built}"
        raise ParameterInvalid("TransfereeType", reason)


def _agent_offered(step: Step, inst: InstanceConfig, user: User, transferee: str) -> User:
    """The agent a call is handed to: another agent of the instance, READY for inbound calls."""
    target = step.user(inst, transferee)
    if target.user_id == user.user_id:
        raise ParameterInvalid("Transferee", "An agent cannot transfer a call to itself")
    AGENT.move(target, "offered", step.now)
    if target.outbound_scenario:
        raise InvalidOperationOutboundScenario(target.user_id)
    return target


def _outside(inst: InstanceConfig, c: cmd.BlindTransfer | cmd.InitiateAttendedTransfer,
             ) -> tuple[str, int]:  # fmt: skip
    """How the number ``Transferee`` is dialled: the number it is shown, and for how long.

    ``Transferor``, when given, is the number shown: one of the instance's (as MakeCall's
    ``Caller``); ``TimeoutSeconds`` the dial timeout (absent: CCC's default, 30 s).
    """
    check_outside_number(inst, "Transferee", c.transferee)
    if c.transferor and c.transferor not in inst.numbers:
        raise NotExistsNumber(c.transferor, inst.instance_id)
    return c.transferor, own_ring_timeout_ms(c.timeout_seconds) or DEFAULT_DIAL_TIMEOUT_MS


def _customer(job: Job) -> Channel:
    """The call's live customer leg, or ``NoCustomer`` (a conference of agents has none)."""
    live = [c for c in job.channels if c.party is Party.CUSTOMER and c.live]
    if not live:
        raise InvalidOperationNoCustomer(job.job_id)
    return live[0]


def _event(step: Step, kind: EventType, job: Job, leg: Channel, agent_id: str,
           **detail: str) -> None:  # fmt: skip
    step.call_event(kind, job, leg, agent_id, tuple(detail.items()))


# --- blind transfer ---------------------------------------------------------------------------
@decides(DECIDERS, cmd.BlindTransfer)
def _blind_transfer(step: Step, c: cmd.BlindTransfer) -> Outcome:
    inst, user, job, leg = _transferring(step, c)
    _supported(c)
    handing: Callable[[], None]
    if c.transferee_type is T.AGENT:
        target = _agent_offered(step, inst, user, c.transferee)

        def handing() -> None:
            target.job_id = job.job_id
            offer(step, target, job, job.skill_group_id, BLIND_TRANSFER,
                  own_ring_timeout_ms(c.timeout_seconds))  # fmt: skip
    elif c.transferee_type is T.EXTERNAL_NUMBER:
        shown, timeout_ms = _outside(inst, c)

        def handing() -> None:
            forward(step, job, c.transferee, user.user_id, BLIND_TRANSFER, shown, timeout_ms)
    else:
        if c.transferee not in inst.skill_groups:
            raise NotExistsSkillGroupId(c.transferee, inst.instance_id)
        JOB.move(job, "transfer")

        def handing() -> None:
            if c.call_priority is not None:
                job.priority = c.call_priority
            job.scenario = BLIND_TRANSFER  # every agent routing offers it to is its target
            join(step, job, Route(QueueType.SKILL_GROUP, c.transferee), inst)

    # The transferring agent's leg is released first (Released, AgentRelease), then the
    # BlindTransfer event, then the target rings or the call waits in the queue.
    leg.scenario = BLIND_TRANSFER
    release(step, job, leg, Way.TRANSFERRED, Cause.HANG_UP, user.extension)
    _event(step, EventType.BlindTransfer, job, _customer(job), user.user_id,
           transferee=c.transferee, transfereeType=c.transferee_type.value,
           scenario=BLIND_TRANSFER)  # fmt: skip
    handing()
    return step.outcome(c, user, job)


# --- attended transfer ------------------------------------------------------------------------
@decides(DECIDERS, cmd.InitiateAttendedTransfer)
def _initiate(step: Step, c: cmd.InitiateAttendedTransfer) -> Outcome:
    inst, user, job, leg = _transferring(step, c)
    _supported(c)
    if job.consultation() is not None:
        raise InvalidOperationConsultationExists(job.job_id)
    consultee, ring = _CONSULTS[c.transferee_type](step, inst, user, c)
    customer = _customer(job)
    if not customer.held:  # the customer waits on hold while the agents talk
        HOLD.move(customer, "hold")
        customer.holds = customer.holds.add(HoldInterval(step.now, None, "", user.user_id))
        customer.recalled = False
        customer.timestamp = step.now
        step.call_event(EventType.Held, job, customer, user.user_id)
    _event(step, EventType.InitiateConsultant, job, leg, user.user_id, consultee=consultee,
           scenario=CONSULTED)  # fmt: skip
    consulting = ring(job)
    job.consulting = consulting.channel_id
    return step.outcome(c, user, job)


#: Whom a consultation rings (as InitiateConsultant names it), and how its leg is made.
Consult = tuple[str, Callable[[Job], Channel]]


Consulting = cmd.InitiateAttendedTransfer


def _consult_agent(step: Step, inst: InstanceConfig, user: User, c: Consulting) -> Consult:
    return _ringing(step, _agent_offered(step, inst, user, c.transferee), c.timeout_seconds)


def _consult_group(step: Step, inst: InstanceConfig, user: User, c: Consulting) -> Consult:
    """The group's agent its routing would offer a call to now: a consultation never waits."""
    group = c.transferee
    if group not in inst.skill_groups:
        raise NotExistsSkillGroupId(group, inst.instance_id)
    consultee = free_agent(step, inst, group)
    if consultee is None:
        raise InvalidOperationNoAgentAvailable(group)
    AGENT.move(consultee, "offered", step.now)
    return _ringing(step, consultee, c.timeout_seconds)


def _ringing(step: Step, consultee: User, timeout_seconds: int | None) -> Consult:
    def ring(job: Job) -> Channel:
        consultee.job_id = job.job_id
        consulting = offer(step, consultee, job, job.skill_group_id, CONSULTED,
                           own_ring_timeout_ms(timeout_seconds))  # fmt: skip
        consulting.call_type = CONSULTANT
        return consulting

    return consultee.user_id, ring


def _consult_number(step: Step, inst: InstanceConfig, user: User, c: Consulting) -> Consult:
    number = c.transferee
    shown, timeout_ms = _outside(inst, c)
    return number, lambda job: dial(step, job, number, user.user_id, CONSULTANT, shown,
                                    CONSULTED, timeout_ms)  # fmt: skip


#: Whom each TransfereeType consults: the checks first, then (once the customer is held) the
#: consultee is rung.
_CONSULTS: dict[cmd.TransfereeType, Callable[[Step, InstanceConfig, User, Consulting], Consult]] = {
    T.AGENT: _consult_agent,
    T.SKILL_GROUP: _consult_group,
    T.EXTERNAL: _consult_number,
}


def _consultation(job: Job, user: User, answered: bool) -> Channel:
    """The consultation ``user`` initiated (answered, to complete), or ``NoConsultation``.

    The consultee cannot complete or cancel it: the customer is the initiator's to hand on.
    """
    consulting = job.consultation()
    if (
        consulting is None
        or consulting.user_id == user.user_id
        or (answered and consulting.state is not ChannelState.ANSWERED)
    ):
        state = "NONE" if consulting is None else consulting.written_state
        raise InvalidOperationNoConsultation(job.job_id, state)
    job.consulting = ""  # completed or cancelled: the consultation is over
    return consulting


def _retrieve_customer(step: Step, job: Job, user: User) -> None:
    customer = _customer(job)
    if customer.held:
        retrieve(step, job, customer, user.user_id)


@decides(DECIDERS, cmd.CompleteAttendedTransfer)
def _complete(step: Step, c: cmd.CompleteAttendedTransfer) -> Outcome:
    _, user, job, leg = _transferring(step, c)
    consulting = _consultation(job, user, answered=True)
    _retrieve_customer(step, job, user)
    leg.scenario = consulting.scenario = ATTENDED_TRANSFER  # the consultee has the call now
    release(step, job, leg, Way.TRANSFERRED, Cause.HANG_UP, user.extension)
    _event(step, EventType.AttendedTransfer, job, _customer(job), user.user_id,
           transferee=consulting.user_id or consulting.destination,
           scenario=ATTENDED_TRANSFER)  # fmt: skip
    _event(step, EventType.StopConsultant, job, consulting, consulting.user_id)
    return step.outcome(c, user, job)


@decides(DECIDERS, cmd.CancelAttendedTransfer)
def _cancel(step: Step, c: cmd.CancelAttendedTransfer) -> Outcome:
    _, user, job, _ = _transferring(step, c)
    consulting = _consultation(job, user, answered=False)
    release(step, job, consulting, Way.WITHDRAWN, Cause.HANG_UP, user.extension)
    _event(step, EventType.StopConsultant, job, consulting, consulting.user_id)
    _retrieve_customer(step, job, user)
    return step.outcome(c, user, job)
