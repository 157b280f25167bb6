"""The decide step: one command or signal, applied to working copies, as a guarded transition.

``decide(workspace, request, now)`` runs the checks of SPEC §4, generalised to every action, in
this order, and raises the first failure as a catalogued error:

1. parameters (done when the request value was constructed);
2. existence: instance, user, call, channel (and numbers, skill groups);
3. the device, where SPEC §10 checks it;
4. participation: the user's own leg in this call is in the state the action needs;
5. the user's state, from the agent table;
6. the channel's state, from the channel and hold tables;
7. values that depend on the world (hold music, internal numbers).

Each state check is the table row that also makes the change (``TABLE.move``), so a check
and its change cannot drift apart; a check made after an earlier row moved a working copy may
still refuse, and then the engine drops the working copies and the events: it commits a
decision whole, or nothing.

The release of a leg is the one shared mechanism (:func:`_release`): it closes an open hold,
releases the leg, moves its agent, and applies the rule that no customer is left alone (SPEC
§3.3): when the last live agent leg goes, the call ends, unless that leg was an unanswered offer
(the caller waits in the queue for another agent).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, Protocol, TypeVar

import attrs

from . import _commands as cmd
from ._errors import (
    InvalidOperationCallState,
    InvalidOperationOutboundScenario,
    InvalidOperationSkillGroup,
    NotExistsChannelId,
    NotExistsInstanceId,
    NotExistsJobId,
    NotExistsNumber,
    NotExistsSkillGroupId,
    NotExistsUserId,
    ParameterBlank,
    ParameterInvalid,
    PermissionDeviceId,
    PermissionJobId,
    PermissionSkillGroup,
)
from ._events import CallDetailRecord, Event, EventType
from ._records import CallType, Channel, HoldInterval, Job, Party, User
from ._states import AGENT, CHANNEL, HOLD, JOB, ChannelState, JobState, UserState
from ._world import InstanceConfig, WorkMode

__all__ = ["LISTINGS", "Cause", "Listing", "Outcome", "Workspace", "decide"]

WARM_UP = "Warm-up"  # CCC's break code of a fresh sign-in
RINGING_TIMEOUT = "RingingTimeout"  # CCC's break code after an offer rang out
REJECT_CALL = "RejectCall"  # CCC's break code after the agent's phone refused an offer
DEFAULT_DIAL_TIMEOUT_MS = 30_000


class Cause(Enum):
    """Why a leg was released, as ``ReleaseReason`` writes it (SIP code - text)."""

    HANG_UP = "200 - Okay"
    CANCEL = "487 - Request Terminated"
    BUSY = "486 - Busy Here"
    NO_ANSWER = "480 - Temporarily Unavailable"
    REJECTED = "603 - Decline"
    RING_TIMEOUT = "408 - Request Timeout"
    QUEUING_TIMEOUT = "480 - Queuing Timeout"


class Workspace(Protocol):
    """What the decide step may read and write. The engine implements it over its store.

    ``user`` and ``job`` return working copies, the same object on every call within one
    decision, or ``None`` when there is no such record.
    """

    def instance(self, instance_id: str) -> InstanceConfig | None:
        """The instance's provisioning."""

    def user(self, instance_id: str, user_id: str) -> User | None:
        """A working copy of the user."""

    def job(self, instance_id: str, job_id: str) -> Job | None:
        """A working copy of the call (ended calls stay until their retention passes)."""

    def add_job(self, job: Job) -> None:
        """Record a call the decision created."""

    def new_job_id(self, now_ms: int) -> str:
        """A fresh JobId; it is used up only if the decision is committed."""


class Listing(Enum):
    """Which of a call's legs a reply lists, each with its index among the call's legs."""

    EVERY_LEG = "every leg"  # held ones flagged HOLD (PollUserStatus and most replies)
    CONVERSATION = "the legs not held"  # the conversation as the acting agent hears it

    def legs(self, job: Job) -> tuple[tuple[int, Channel], ...]:
        """The listed legs of ``job``, in creation order, with their indexes in the call."""
        every = self is Listing.EVERY_LEG
        return tuple((i, leg) for i, leg in enumerate(job.channels) if every or not leg.held)


#: Replies that list less than every leg: a HoldCall or RetrieveCall reply shows the legs not
#: held, which is what the seed shows after holding the customer (SPEC §4).
LISTINGS: dict[type[cmd.Request], Listing] = {
    cmd.HoldCall: Listing.CONVERSATION,
    cmd.RetrieveCall: Listing.CONVERSATION,
}


@attrs.frozen
class Outcome:
    """What a committed decision tells the adapter: the contexts to answer with, and events.

    ``legs`` are the call's legs the reply lists (:data:`LISTINGS`), with their indexes.
    """

    request: cmd.Request
    user: User | None
    job: Job | None
    events: tuple[Event, ...]
    legs: tuple[tuple[int, Channel], ...] = ()


R = TypeVar("R", bound=cmd.Request)
_DECIDERS: dict[type[cmd.Request], Callable[[_Step, Any], Outcome]] = {}


def _decides(
    cls: type[R],
) -> Callable[[Callable[[_Step, R], Outcome]], Callable[[_Step, R], Outcome]]:
    def register(fn: Callable[[_Step, R], Outcome]) -> Callable[[_Step, R], Outcome]:
        _DECIDERS[cls] = fn
        return fn

    return register


def decide(ws: Workspace, request: cmd.Request, now: int) -> Outcome:
    """Apply one request to the workspace at instant ``now`` (epoch ms), or raise its error."""
    outcome = _DECIDERS[type(request)](_Step(ws, now), request)
    if isinstance(request, cmd.Command) and outcome.user is not None:
        # SPEC §3.1: Heartbeat is the time of the user's latest successful command, any kind.
        outcome.user.heartbeat = now
    return outcome


class _Step:
    """The state of one decision: the workspace, the instant, and the events so far."""

    __slots__ = ("events", "now", "ws")

    def __init__(self, ws: Workspace, now: int) -> None:
        self.ws = ws
        self.now = now
        self.events: list[Event] = []

    def outcome(self, request: cmd.Request, user: User | None, job: Job | None) -> Outcome:
        listed = () if job is None else LISTINGS.get(type(request), Listing.EVERY_LEG).legs(job)
        return Outcome(request, user, job, tuple(self.events), listed)

    # --- lookups (existence checks) ----------------------------------------------------------
    def instance(self, instance_id: str) -> InstanceConfig:
        inst = self.ws.instance(instance_id)
        if inst is None:
            raise NotExistsInstanceId(instance_id)
        return inst

    def user(self, inst: InstanceConfig, user_id: str) -> User:
        user = self.ws.user(inst.instance_id, user_id)
        if user is None:
            raise NotExistsUserId(user_id, inst.instance_id)
        return user

    def job(self, inst: InstanceConfig, job_id: str) -> Job:
        job = self.ws.job(inst.instance_id, job_id)
        if job is None:
            raise NotExistsJobId(job_id)
        return job

    # --- events ------------------------------------------------------------------------------
    def agent_event(self, kind: EventType, user: User) -> None:
        self.events.append(
            Event(
                kind,
                self.now,
                user.instance_id,
                agent_id=user.user_id,
                skill_group_ids=user.signed_skill_group_ids,
                contact_id=user.job_id,
            )
        )

    def call_event(self, kind: EventType, job: Job, leg: Channel, agent_id: str = "") -> None:
        self.events.append(
            Event(
                kind,
                self.now,
                job.instance_id,
                agent_id=agent_id,
                contact_id=job.job_id,
                channel_id=leg.channel_id,
                call_type=job.call_type.value,
                caller=job.caller,
                callee=job.callee,
            )
        )


# --- shared checks ---------------------------------------------------------------------------
def _channel(job: Job, channel_id: str) -> Channel:
    leg = job.channel(channel_id)
    if leg is None:
        raise NotExistsChannelId(channel_id, job.job_id)
    return leg


def _device(user: User, device_id: str) -> None:
    """SPEC §4 #6: a DeviceId that is given must be the user's active device."""
    if device_id and device_id != user.device_id:
        raise PermissionDeviceId(device_id, user.user_id)


def _own_leg(user: User, job: Job, *, answered: bool) -> Channel:
    """SPEC §4 #7: the user's leg in this call, live (or ANSWERED when ``answered``)."""
    leg = job.leg_of(user.user_id)
    wanted = _ANSWERED if answered else _LIVE
    if leg is None or leg.state not in wanted:
        raise PermissionJobId(user.user_id, job.job_id)
    return leg


_LIVE = tuple(s for s in ChannelState if s not in (ChannelState.RELEASED, ChannelState.RETIRED))
_ANSWERED = (ChannelState.ANSWERED,)


def _customer_number(job: Job) -> str:
    return job.callee if job.call_type is CallType.OUTBOUND else job.caller


def _new_leg(job: Job, party: Party, originator: str, destination: str, user: User | None,
             skill_group_id: str, now: int, media_type: str = "AUDIO") -> Channel:  # fmt: skip
    """A new leg of ``job``, in CREATED, appended in creation order.

    Its id is ``ch:{customer|user}:{Originator}->{Destination}:{createdMs}:{JobId}`` (SPEC §6).
    ``createdMs`` is the leg's creation instant: the job's for the legs created with the call,
    so SPEC's ``jobCreatedMs`` holds for them; a leg added later (a re-offer) has its own, and
    if that id is taken (the same agent re-offered within one millisecond) the instant moves on
    by a millisecond until the id is unique in the call.
    """
    created = now
    while job.channel(f"ch:{party.value}:{originator}->{destination}:{created}:{job.job_id}"):
        created += 1
    leg = Channel(
        channel_id=f"ch:{party.value}:{originator}->{destination}:{created}:{job.job_id}",
        job_id=job.job_id,
        party=party,
        originator=originator,
        destination=destination,
        skill_group_id=skill_group_id,
        user_id=user.user_id if party is Party.USER and user else "",
        user_extension=user.extension if user else "",
        timestamp=now,
        media_type=media_type,
    )
    job.channels.append(leg)
    return leg


# --- release: the one mechanism behind hang-ups, refusals, timeouts and resets ---------------
def _release(step: _Step, job: Job, first: Channel, cause: Cause, initiator: str,
             *, trigger: str = "release", spare: User | None = None) -> None:  # fmt: skip
    """Release ``first``, then keep the call consistent (SPEC §3.3).

    The released leg's agent moves (unless it is ``spare``, whose caller moves it). If the
    customer's leg went, the two-party call is over. If the last live agent leg went, the call
    ends too, unless that leg was an offer never answered while the customer is still there: then
    the customer waits in the queue for another agent. ``first`` leaves by ``trigger`` (a
    refusal is the ``refuse`` row, which only a leg not yet answered has); the rest by release.
    """
    withdrawn_offer = first.party is Party.USER and first.state is not ChannelState.ANSWERED
    _release_leg(step, job, first, trigger, cause, initiator, direct=True, spare=spare)
    customer_live = any(c.live for c in job.channels if c.party is Party.CUSTOMER)
    if first.party is Party.USER and not job.live_agent_legs and withdrawn_offer and customer_live:
        JOB.move(job, "requeue")
        inst = step.ws.instance(job.instance_id)
        assert inst is not None, "a call belongs to a provisioned instance"
        job.queue_deadline_ms = step.now + inst.queuing_timeout_ms
        return
    if first.party is Party.CUSTOMER or not job.live_agent_legs:
        for leg in job.channels:
            if leg.live:
                _release_leg(step, job, leg, "release", cause, initiator, direct=False,
                             spare=spare)  # fmt: skip
        _end(step, job, cause, initiator)


def _release_leg(step: _Step, job: Job, leg: Channel, trigger: str, cause: Cause,
                 initiator: str, *, direct: bool, spare: User | None) -> None:  # fmt: skip
    answered = leg.state is ChannelState.ANSWERED
    if leg.held:  # the hold region closes before its leg leaves ANSWERED
        _close_hold(leg, step.now)
        HOLD.move(leg, "leave")
    CHANNEL.move(leg, trigger)
    leg.timestamp = step.now
    leg.release_initiator = initiator
    leg.release_reason = cause.value
    step.call_event(EventType.Released, job, leg, leg.user_id)
    if leg.party is not Party.USER:
        return
    user = step.ws.user(job.instance_id, leg.user_id)
    assert user is not None, "an agent leg names a provisioned user"
    if user is spare:
        return
    if user.state is UserState.TALKING:
        AGENT.move(user, "own_leg_released")
        step.agent_event(EventType.AgentRelease, user)
    elif user.state is UserState.DIALING:
        AGENT.move(user, "dial_ended")
        step.agent_event(EventType.AgentRelease, user)
    elif user.state is UserState.RINGING and not answered:
        if not direct:
            _leave_call(user, "abandoned")
            step.agent_event(EventType.AgentReady, user)
        else:
            rang_out = cause is Cause.RING_TIMEOUT
            _leave_call(user, "ring_timeout" if rang_out else "offer_rejected")
            user.break_code = RINGING_TIMEOUT if rang_out else REJECT_CALL
            step.agent_event(EventType.AgentBreak, user)


def _leave_call(user: User, trigger: str) -> None:
    """The agent leaves a call for READY, BREAK or OFFLINE, where no JobId is kept."""
    AGENT.move(user, trigger)
    user.job_id = ""


def _go_offline(user: User, trigger: str) -> None:
    """The agent goes OFFLINE: signed in to no group, with no active device."""
    _leave_call(user, trigger)
    user.signed_skill_group_ids = ()
    user.device_id = user.chat_device_id = ""


def _end(step: _Step, job: Job, cause: Cause, initiator: str) -> None:
    queued = job.state is JobState.QUEUED
    JOB.move(job, "end")
    job.queue_deadline_ms = 0
    job.ended_ms = step.now
    job.release_initiator = initiator
    job.release_reason = cause.value
    job.disposition = _disposition(job, cause, queued)
    step.events.append(
        Event(EventType.CDRReady, step.now, job.instance_id, contact_id=job.job_id,
              call_type=job.call_type.value, caller=job.caller, callee=job.callee,
              cdr=CallDetailRecord.of(job))
    )  # fmt: skip


def _disposition(job: Job, cause: Cause, queued: bool) -> str:
    """CCC's CDR ``dispositionCode`` (reference/ccc-api.md §C.12)."""
    if job.established_ms:
        return "Success"
    if cause is Cause.QUEUING_TIMEOUT:
        return "QueuingTimeout"
    if cause in (Cause.BUSY, Cause.REJECTED):
        return "Reject"
    if job.call_type is CallType.INBOUND:
        return "AbandonedInQueue" if queued else "AbandonedRing"
    return "NoAnswer"


def _close_hold(leg: Channel, now: int) -> None:
    last = leg.holds.newest
    assert last is not None and last.end_ms is None, "a held leg has an open interval"
    leg.holds = leg.holds.replace_newest(HoldInterval(last.start_ms, now, last.music, last.by_user))


# --- agent state -----------------------------------------------------------------------------
@_decides(cmd.SignInGroup)
def _sign_in(step: _Step, c: cmd.SignInGroup) -> Outcome:
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    for gid in c.signed_skill_group_id_list:
        if gid not in inst.skill_groups:
            raise NotExistsSkillGroupId(gid, inst.instance_id)
    foreign = [g for g in c.signed_skill_group_id_list if g not in user.skill_group_ids]
    if foreign:
        raise PermissionSkillGroup(",".join(foreign))
    checking_in = user.state is UserState.OFFLINE
    AGENT.move(user, "SignInGroup")
    groups = c.signed_skill_group_id_list
    if c.additivity and not checking_in:
        groups = user.signed_skill_group_ids + groups
    user.signed_skill_group_ids = tuple(dict.fromkeys(groups))
    user.device_id = c.device_id
    user.chat_device_id = c.chat_device_id
    step.agent_event(EventType.AgentCheckIn, user)
    if checking_in:
        user.break_code = WARM_UP
        user.outbound_scenario = False
        step.agent_event(EventType.AgentReady, user)
    return step.outcome(c, user, None)


class _ByUser(Protocol):
    @property
    def instance_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def action(self) -> str: ...


def _agent(step: _Step, c: _ByUser) -> User:
    """The agent of an agent-state action: instance and user exist (DeviceId is ignored).

    The action's own row of the agent table then moves (or refuses) the agent.
    """
    return step.user(step.instance(c.instance_id), c.user_id)


@_decides(cmd.SignOutGroup)
def _sign_out(step: _Step, c: cmd.SignOutGroup) -> Outcome:
    user = _agent(step, c)
    step.agent_event(EventType.AgentCheckOut, user)
    _go_offline(user, "SignOutGroup")
    return step.outcome(c, user, None)


@_decides(cmd.ReadyForService)
def _ready(step: _Step, c: cmd.ReadyForService) -> Outcome:
    user = _agent(step, c)
    _leave_call(user, "ReadyForService")
    user.outbound_scenario = c.outbound_scenario
    step.agent_event(EventType.AgentReady, user)
    return step.outcome(c, user, None)


@_decides(cmd.TakeBreak)
def _take_break(step: _Step, c: cmd.TakeBreak) -> Outcome:
    user = _agent(step, c)
    _leave_call(user, "TakeBreak")
    user.break_code = c.code
    step.agent_event(EventType.AgentBreak, user)
    return step.outcome(c, user, None)


@_decides(cmd.ChangeWorkMode)
def _change_work_mode(step: _Step, c: cmd.ChangeWorkMode) -> Outcome:
    user = _agent(step, c)
    AGENT.move(user, c.action)
    mobile = c.mobile or user.mobile
    if c.work_mode is WorkMode.OFF_SITE and not mobile:
        raise ParameterBlank("Mobile")  # off site, the agent is reached only on the mobile
    user.work_mode = c.work_mode
    user.mobile = mobile
    return step.outcome(c, user, None)


@_decides(cmd.ResetAgentState)
def _reset(step: _Step, c: cmd.ResetAgentState) -> Outcome:
    user = _agent(step, c)
    job = step.ws.job(c.instance_id, user.job_id) if user.job_id else None
    leg = job.leg_of(user.user_id) if job else None
    if job is not None and leg is not None and leg.live:
        _release(step, job, leg, Cause.HANG_UP, user.extension, spare=user)
    if user.state is not UserState.OFFLINE:
        step.agent_event(EventType.AgentCheckOut, user)
    _go_offline(user, "ResetAgentState")
    return step.outcome(c, user, job)


@_decides(cmd.PollUserStatus)
def _poll(step: _Step, c: cmd.PollUserStatus) -> Outcome:
    user = _agent(step, c)
    AGENT.move(user, c.action)
    job = step.ws.job(c.instance_id, user.job_id) if user.job_id else None
    return step.outcome(c, user, job)


# --- call control ----------------------------------------------------------------------------
@_decides(cmd.MakeCall)
def _make_call(step: _Step, c: cmd.MakeCall) -> Outcome:
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    caller = c.caller or (inst.numbers[0] if inst.numbers else "")
    if not caller:
        raise ParameterBlank("Caller")  # the instance has no number to call from
    if caller not in inst.numbers:
        raise NotExistsNumber(caller, inst.instance_id)
    _device(user, c.device_id)
    AGENT.move(user, "MakeCall")
    if c.callee in inst.extensions:
        raise ParameterInvalid("Callee", "Internal calls to an extension are not supported")
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
    agent_leg = _new_leg(job, Party.USER, c.callee, user.extension, user, job.skill_group_id,
                         now, media)  # fmt: skip
    CHANNEL.move(agent_leg, "answer")  # the workbench connects first (SPEC §8)
    # The customer's leg stays CREATED until the far end reports early media or ringing.
    customer_leg = _new_leg(job, Party.CUSTOMER, caller, c.callee, user, job.skill_group_id,
                            now, media)  # fmt: skip
    user.reserved = now
    user.job_id = job.job_id
    step.ws.add_job(job)
    step.agent_event(EventType.AgentDialing, user)
    step.call_event(EventType.Dialing, job, customer_leg, user.user_id)
    return step.outcome(c, user, job)


@_decides(cmd.AnswerCall)
def _answer_call(step: _Step, c: cmd.AnswerCall) -> Outcome:
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    job = step.job(inst, c.job_id)
    _device(user, c.device_id)
    leg = _own_leg(user, job, answered=False)
    AGENT.move(user, "AnswerCall")
    CHANNEL.move(leg, "answer")
    leg.timestamp = step.now
    job.established_ms = step.now
    step.call_event(EventType.Established, job, leg, user.user_id)
    step.agent_event(EventType.AgentTalk, user)
    return step.outcome(c, user, job)


def _hold_checks(
    step: _Step, c: cmd.HoldCall | cmd.RetrieveCall, trigger: str
) -> tuple[InstanceConfig, User, Job, Channel]:
    """SPEC §4 checks 2-9, shared by HoldCall and RetrieveCall."""
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    job = step.job(inst, c.job_id)
    leg = _channel(job, c.channel_id)
    _device(user, c.device_id)
    _own_leg(user, job, answered=True)
    AGENT.move(user, c.action)
    HOLD.move(leg, trigger)
    return inst, user, job, leg


@_decides(cmd.HoldCall)
def _hold_call(step: _Step, c: cmd.HoldCall) -> Outcome:
    inst, user, job, leg = _hold_checks(step, c, "hold")
    if c.music and inst.hold_music and c.music not in inst.hold_music:
        raise ParameterInvalid("Music", f"It must be one of {','.join(inst.hold_music)}")
    leg.holds = leg.holds.add(HoldInterval(step.now, None, c.music, user.user_id))
    leg.timestamp = step.now
    step.call_event(EventType.Held, job, leg, user.user_id)
    return step.outcome(c, user, job)


@_decides(cmd.RetrieveCall)
def _retrieve_call(step: _Step, c: cmd.RetrieveCall) -> Outcome:
    _, user, job, leg = _hold_checks(step, c, "retrieve")
    _close_hold(leg, step.now)
    leg.timestamp = step.now
    step.call_event(EventType.Retrieved, job, leg, user.user_id)
    return step.outcome(c, user, job)


@_decides(cmd.ReleaseCall)
def _release_call(step: _Step, c: cmd.ReleaseCall) -> Outcome:
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    job = step.job(inst, c.job_id)
    target = _channel(job, c.channel_id) if c.channel_id else None
    _device(user, c.device_id)
    own = _own_leg(user, job, answered=False)
    AGENT.move(user, "ReleaseCall")
    target = target or own
    cause = Cause.CANCEL if user.state is UserState.DIALING else Cause.HANG_UP
    _release(step, job, target, cause, user.extension)
    return step.outcome(c, user, job)


# --- signals ---------------------------------------------------------------------------------
def _offer(step: _Step, user: User, job: Job, group: str) -> Channel:
    """Checks and effects shared by an offer and a re-offer, once the call is known."""
    leg = _new_leg(job, Party.USER, job.caller, user.extension, user, group, step.now)
    CHANNEL.move(leg, "ring")
    user.reserved = step.now
    user.job_id = job.job_id
    step.call_event(EventType.Ringing, job, leg, user.user_id)
    step.agent_event(EventType.AgentRinging, user)
    return leg


def _offer_checks(step: _Step, inst: InstanceConfig, user_id: str, group: str) -> User:
    user = step.user(inst, user_id)
    if group not in inst.skill_groups:
        raise NotExistsSkillGroupId(group, inst.instance_id)
    if group not in user.signed_skill_group_ids:
        raise InvalidOperationSkillGroup(user.user_id, group)
    AGENT.move(user, "offered")
    if user.outbound_scenario:
        raise InvalidOperationOutboundScenario(user.user_id)
    return user


@_decides(cmd.CallOffered)
def _call_offered(step: _Step, s: cmd.CallOffered) -> Outcome:
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
    customer = _new_leg(job, Party.CUSTOMER, s.caller, s.callee, user, s.skill_group_id, step.now)
    CHANNEL.move(customer, "answer")  # the platform answered the caller: queue, then agent
    _offer(step, user, job, s.skill_group_id)
    step.ws.add_job(job)
    return step.outcome(s, user, job)


@_decides(cmd.CallReoffered)
def _call_reoffered(step: _Step, s: cmd.CallReoffered) -> Outcome:
    inst = step.instance(s.instance_id)
    job = step.job(inst, s.job_id)
    user = _offer_checks(step, inst, s.user_id, s.skill_group_id)
    JOB.move(job, "reoffer")
    job.queue_deadline_ms = 0
    job.skill_group_id = s.skill_group_id
    _offer(step, user, job, s.skill_group_id)
    return step.outcome(s, user, job)


def _leg_signal(step: _Step, s: cmd.ChannelSignal, party: Party | None) -> tuple[Job, Channel]:
    inst = step.instance(s.instance_id)
    job = step.job(inst, s.job_id)
    leg = _channel(job, s.channel_id)
    if party is not None and leg.party is not party:
        raise ParameterInvalid("ChannelId", f"{s.action} applies to a {party.value} leg")
    return job, leg


def _agent_of(step: _Step, job: Job) -> User | None:
    """The agent of the call's most recent agent leg: whom a signal's reply describes."""
    for leg in reversed(job.channels):
        if leg.party is Party.USER:
            return step.ws.user(job.instance_id, leg.user_id)
    return None


@_decides(cmd.FarEndEarlyMedia)
def _far_end_early_media(step: _Step, s: cmd.FarEndEarlyMedia) -> Outcome:
    job, leg = _leg_signal(step, s, Party.CUSTOMER)
    CHANNEL.move(leg, "early_media")
    leg.timestamp = step.now
    return step.outcome(s, _agent_of(step, job), job)


@_decides(cmd.FarEndRinging)
def _far_end_ringing(step: _Step, s: cmd.FarEndRinging) -> Outcome:
    job, leg = _leg_signal(step, s, Party.CUSTOMER)
    CHANNEL.move(leg, "ring")
    leg.timestamp = step.now
    user = _agent_of(step, job)
    step.call_event(EventType.Ringing, job, leg, user.user_id if user else "")
    return step.outcome(s, user, job)


@_decides(cmd.FarEndAnswered)
def _far_end_answered(step: _Step, s: cmd.FarEndAnswered) -> Outcome:
    job, leg = _leg_signal(step, s, Party.CUSTOMER)
    CHANNEL.move(leg, "answer")
    user = _agent_of(step, job)
    assert user is not None, "an outbound call has its agent's leg"
    AGENT.move(user, "far_end_answered")
    for ch in job.channels:  # the call is established: both legs change now (SPEC §8)
        if ch.state is ChannelState.ANSWERED:
            ch.timestamp = step.now
    job.established_ms = step.now
    step.call_event(EventType.Established, job, leg, user.user_id)
    step.agent_event(EventType.AgentTalk, user)
    return step.outcome(s, user, job)


def _refused(cause: Cause) -> Callable[[_Step, cmd.ChannelSignal], Outcome]:
    def refused(step: _Step, s: cmd.ChannelSignal) -> Outcome:
        job, leg = _leg_signal(step, s, Party.CUSTOMER)
        user = _agent_of(step, job)
        _release(step, job, leg, cause, _customer_number(job), trigger="refuse")
        return step.outcome(s, user, job)

    return refused


_DECIDERS[cmd.FarEndBusy] = _refused(Cause.BUSY)
_DECIDERS[cmd.FarEndNoAnswer] = _refused(Cause.NO_ANSWER)
_DECIDERS[cmd.FarEndRejected] = _refused(Cause.REJECTED)


@_decides(cmd.FarEndHungUp)
def _far_end_hung_up(step: _Step, s: cmd.FarEndHungUp) -> Outcome:
    job, leg = _leg_signal(step, s, None)
    user = _agent_of(step, job)
    initiator = _customer_number(job) if leg.party is Party.CUSTOMER else leg.user_extension
    _release(step, job, leg, Cause.HANG_UP, initiator)
    return step.outcome(s, user, job)


@_decides(cmd.RingTimeout)
def _ring_timeout(step: _Step, s: cmd.RingTimeout) -> Outcome:
    job, leg = _leg_signal(step, s, Party.USER)
    user = step.ws.user(job.instance_id, leg.user_id)
    _release(step, job, leg, Cause.RING_TIMEOUT, leg.user_extension, trigger="refuse")
    return step.outcome(s, user, job)


@_decides(cmd.QueueTimeout)
def _queue_timeout(step: _Step, s: cmd.QueueTimeout) -> Outcome:
    """The platform ends a call that waited its queue timeout: CCC's ``QueuingTimeout``."""
    inst = step.instance(s.instance_id)
    job = step.job(inst, s.job_id)
    JOB.move(job, "queue_timeout")
    if job.queue_deadline_ms != s.deadline_ms or step.now < s.deadline_ms:
        # queued again since (or not yet due): this deadline is not the call's
        raise InvalidOperationCallState(job.state.value, JOB.expected("queue_timeout"))
    (customer,) = [c for c in job.channels if c.party is Party.CUSTOMER]
    step.call_event(EventType.QueueingTimeout, job, customer)
    _release(step, job, customer, Cause.QUEUING_TIMEOUT, job.callee)
    return step.outcome(s, None, job)
