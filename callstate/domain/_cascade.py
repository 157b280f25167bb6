"""The release cascade: what releasing one leg does to its agent and to the call, as tables.

Hang-ups, refusals, ring and queue timeouts, ReleaseCall and ResetAgentState all release a leg
through :func:`release`, which reads the tables below and nothing else (SPEC §3.1, §3.3):

1. A leg leaves by a :class:`Way`, which names the channel row it takes (:data:`LEAVES_BY`):
   ``release`` from any live state, ``refuse`` only before it was answered. An open hold (and
   an open mute) closes first: the region resets (``leave``) before its leg leaves ``ANSWERED``.
2. A leg's :class:`Role` comes from its party and whether it was answered (:data:`ROLES`): the
   customer; an agent's answered leg (the agent talks, or dials: the workbench connects first);
   an offer (an agent leg ringing at the agent); an external party (a number outside the
   centre the call dialled, answered or not: it has no agent to move).
3. The leg's agent moves by :data:`AGENT_CASCADE`, keyed by (role, way, the agent's state): the
   agent table's trigger, the agent event, the break code it leaves, and whether the agent
   leaves the call (READY and BREAK keep no JobId). No row: the agent does not move (a reset
   agent is moved by ResetAgentState itself; a customer's leg has no agent).
4. Then the call follows :data:`CALL_CASCADE`, keyed by (customers live, agent legs live, the
   released leg's role): it goes on; or it requeues (the last offer was withdrawn while the
   customer waits: the queue timeout starts); or it ends: every live leg leaves with the call,
   each by rule 3, and the call detail record is written. The customer gone ends the call; the
   last agent leg gone ends it, unless that leg was an offer and the customer is still there.
   An external party gone ends a call no agent serves (a forwarded call), and leaves a call
   an agent serves going on (a consultation of a number refused, cancelled or hung up).
5. A hold needs an agent on the line to retrieve it: when the call goes on with no leg left
   whose role is :attr:`Role.AGENT` (an answered agent leg), its held legs are retrieved, in
   the name of the agent who held them (a held customer blind-transferred, or left by the
   initiator of a consultation the consultee has not answered yet).
6. A supervisor's leg (a mode in :data:`ROLE_OF_MODE`) follows the call's agents: once no
   answered agent leg is left live, every supervisor's leg leaves with the call, each by
   rule 3 (straight to READY, no wrap-up), announcing the end of its mode
   (:data:`STOP_EVENTS`). Nobody supervises a call without its agent, and a supervisor's leg
   never keeps a call going: to go on talking to the customer, a supervisor intercepts.
7. An agent's leg of an internal call is a peer *to the call* (:data:`CALL_ROLES`; its agent
   moves by its own role): either released ends it; both agents wrap up, as after any call.

A call with more parties (a consultee, a conference member, a supervisor, a second customer)
adds roles and rows here, not branches in the interpreter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from enum import Enum
from itertools import product
from typing import Any

import attrs

from ._call_end import Cause, record_the_end
from ._events import EventType
from ._records import CallType, Channel, Job, Party
from ._states import (
    AGENT,
    CHANNEL,
    HOLD,
    JOB,
    MUTE,
    ChannelState,
    JobState,
    SupervisionMode,
    UserState,
)
from ._step import Step, close_hold, close_mute

__all__ = [
    "AGENT_CASCADE",
    "AGENT_ROWS",
    "CALL_CASCADE",
    "CALL_ROLES",
    "CALL_ROWS",
    "LEAVES_BY",
    "ROLES",
    "ROLE_OF_MODE",
    "ROLE_OF_WAY",
    "STOP_EVENTS",
    "AgentMove",
    "Cause",
    "Next",
    "Role",
    "Way",
    "release",
    "retrieve",
]

RINGING_TIMEOUT = "RingingTimeout"  # CCC's break code after an offer rang out
REJECT_CALL = "RejectCall"  # CCC's break code after the agent's phone refused an offer


class Way(Enum):
    """How a leg is released."""

    RELEASED = "released"  # hung up, ReleaseCall, or ended by the platform (queue timeout)
    REFUSED = "refused"  # declined before it was answered (busy, no answer, rejected)
    RANG_OUT = "rang out"  # an offer unanswered until its ring timeout
    RESET = "reset"  # ResetAgentState: the command moves the agent itself
    WITH_THE_CALL = "with the call"  # the call ended around it
    TRANSFERRED = "transferred"  # its agent handed the call on (blind or attended transfer)
    WITHDRAWN = "withdrawn"  # the call took it back: a consultation cancelled
    LEFT = "left"  # its agent left a conference (EndConference): the others talk on


class Role(Enum):
    """What a leg is to the call, for the cascade."""

    CUSTOMER = "customer"
    AGENT = "agent"  # an agent leg that was answered: its agent talks or dials
    OFFER = "offer"  # an agent leg not answered: it rings at its agent
    TRANSFEROR = "transferor"  # an agent's leg left by transfer: someone else takes the call
    EXTERNAL = "external"  # a number outside the centre: forwarded to, transferred or consulted
    MEMBER = "member"  # a conference member's leg, left by EndConference
    SUPERVISOR = "supervisor"  # a supervisor's leg: monitoring, coaching or barged in
    PEER = "peer"  # to the call: an agent's leg of an internal call, answered or ringing


class Next(Enum):
    """What the call does after a leg is released."""

    GO_ON = "goes on"
    REQUEUE = "requeues"
    END = "ends"


@attrs.frozen
class AgentMove:
    """How a released leg moves its agent: the agent table's trigger and what comes with it."""

    trigger: str
    event: EventType
    break_code: str | None = None  # None: the break code stays as it is
    leaves_call: bool = False  # the agent keeps no JobId


#: The channel row each way takes.
LEAVES_BY: dict[Way, str] = {
    Way.RELEASED: "release",
    Way.REFUSED: "refuse",
    Way.RANG_OUT: "refuse",
    Way.RESET: "release",
    Way.WITH_THE_CALL: "release",
    Way.TRANSFERRED: "release",
    Way.WITHDRAWN: "release",
    Way.LEFT: "release",
}

#: A way that makes the released leg's role what it is, whatever the leg.
ROLE_OF_WAY: dict[Way, Role] = {Way.TRANSFERRED: Role.TRANSFEROR, Way.LEFT: Role.MEMBER}

#: A supervisor's leg's role, whatever its party and state (a mode not listed: no supervisor).
ROLE_OF_MODE: dict[SupervisionMode, Role] = {
    SupervisionMode.MONITORING: Role.SUPERVISOR,
    SupervisionMode.COACHING: Role.SUPERVISOR,
    SupervisionMode.BARGED_IN: Role.SUPERVISOR,
}

#: The event a supervisor's leg announces when it leaves (barging in has no stop event).
STOP_EVENTS: dict[SupervisionMode, EventType] = {
    SupervisionMode.MONITORING: EventType.StopMonitor,
    SupervisionMode.COACHING: EventType.StopCoach,
}

#: (the call's type, the leg's role) -> the leg's role to the call, where it differs.
CALL_ROLES: dict[tuple[CallType, Role], Role] = {
    (CallType.INTERNAL, Role.AGENT): Role.PEER, (CallType.INTERNAL, Role.OFFER): Role.PEER,
}  # fmt: skip

#: (party, answered) -> role.
ROLES: dict[tuple[Party, bool], Role] = {
    (Party.CUSTOMER, False): Role.CUSTOMER,
    (Party.CUSTOMER, True): Role.CUSTOMER,
    (Party.USER, True): Role.AGENT,
    (Party.USER, False): Role.OFFER,
    (Party.EXTERNAL, False): Role.EXTERNAL,
    (Party.EXTERNAL, True): Role.EXTERNAL,
}

R, W, U, E = Role, Way, UserState, EventType
_TALK_ENDS = AgentMove("own_leg_released", E.AgentRelease)
_DIAL_ENDS = AgentMove("dial_ended", E.AgentRelease)
_SUPERVISION_ENDS = AgentMove("supervision_ended", E.AgentReady, leaves_call=True)

# The released leg's agent (SPEC §3.1)
#   role      way               agent's state   the agent's move
AGENT_ROWS: Sequence[tuple[Role, Way, UserState, AgentMove]] = (
    (R.AGENT, W.RELEASED,       U.TALKING, _TALK_ENDS),
    (R.AGENT, W.RELEASED,       U.DIALING, _DIAL_ENDS),
    (R.AGENT, W.WITH_THE_CALL,  U.TALKING, _TALK_ENDS),
    (R.AGENT, W.WITH_THE_CALL,  U.DIALING, _DIAL_ENDS),
    (R.OFFER, W.RELEASED,       U.RINGING,
     AgentMove("offer_rejected", E.AgentBreak, REJECT_CALL, leaves_call=True)),
    (R.OFFER, W.RANG_OUT,       U.RINGING,
     AgentMove("ring_timeout", E.AgentBreak, RINGING_TIMEOUT, leaves_call=True)),
    (R.OFFER, W.WITH_THE_CALL,  U.RINGING,
     AgentMove("abandoned", E.AgentReady, leaves_call=True)),
    (R.TRANSFEROR, W.TRANSFERRED, U.TALKING, _TALK_ENDS),
    (R.AGENT, W.WITHDRAWN,      U.TALKING, _TALK_ENDS),
    (R.OFFER, W.WITHDRAWN,      U.RINGING,
     AgentMove("abandoned", E.AgentReady, leaves_call=True)),
    (R.MEMBER, W.LEFT,          U.TALKING, _TALK_ENDS),
    (R.SUPERVISOR, W.RELEASED,  U.TALKING, _SUPERVISION_ENDS),
    (R.SUPERVISOR, W.WITH_THE_CALL, U.TALKING, _SUPERVISION_ENDS),
)  # fmt: skip

ANY = "*"
# The call, once the leg is released (SPEC §3.3)
#   customers live   agent legs live   released leg    the call
CALL_ROWS: Sequence[tuple[Any, Any, Role, Next]] = (
    (ANY,            ANY,              R.CUSTOMER,     Next.END),  # the customer gone ends it
    (ANY,            True,             R.AGENT,        Next.GO_ON),
    (ANY,            True,             R.OFFER,        Next.GO_ON),
    (ANY,            False,            R.AGENT,        Next.END),  # the last agent left
    (True,           False,            R.OFFER,        Next.REQUEUE),  # the customer waits on
    (False,          False,            R.OFFER,        Next.END),
    (True,           ANY,              R.TRANSFEROR,   Next.GO_ON),  # the transfer takes it on
    (False,          ANY,              R.TRANSFEROR,   Next.END),
    (ANY,            True,             R.EXTERNAL,     Next.GO_ON),  # an agent still serves
    (ANY,            False,            R.EXTERNAL,     Next.END),  # the forward is over
    (True,           True,             R.MEMBER,       Next.GO_ON),  # an agent talks on to it
    (True,           False,            R.MEMBER,       Next.END),  # no customer left alone
    (False,          True,             R.MEMBER,       Next.GO_ON),  # the agents talk on
    (False,          False,            R.MEMBER,       Next.END),
    (ANY,            ANY,              R.SUPERVISOR,   Next.GO_ON),  # the agent goes on alone
    (ANY,            ANY,              R.PEER,         Next.END),  # either agent ends it
)  # fmt: skip


def _expand(value: Any, every: Sequence[Any]) -> Sequence[Any]:
    return every if value == ANY else (value,)


def _call_keys() -> Iterator[tuple[tuple[bool, bool, Role], Next]]:
    for customers, agents, role, then in CALL_ROWS:
        for key in product(_expand(customers, (False, True)), _expand(agents, (False, True))):
            yield (*key, role), then


def _compile_call_rows() -> dict[tuple[bool, bool, Role], Next]:
    """The call rows as a lookup; every situation must have exactly one row."""
    table: dict[tuple[bool, bool, Role], Next] = {}
    for key, then in _call_keys():
        if key in table:
            raise ValueError(f"two call-cascade rows for {key}")
        table[key] = then
    missing = set(product((False, True), (False, True), Role)) - set(table)
    if missing:
        raise ValueError(f"no call-cascade row for {sorted(missing, key=str)}")
    return table


#: (role, way, the agent's state) -> the agent's move.
AGENT_CASCADE: dict[tuple[Role, Way, UserState], AgentMove] = {
    (role, way, state): move for role, way, state, move in AGENT_ROWS
}
#: (customers live, agent legs live, the released leg's role) -> what the call does.
CALL_CASCADE: dict[tuple[bool, bool, Role], Next] = _compile_call_rows()


# --- the interpreter -------------------------------------------------------------------------
def release(step: Step, job: Job, leg: Channel, way: Way, cause: Cause, initiator: str) -> None:
    """Release ``leg`` of ``job`` by ``way``, then move its agent and the call by the tables."""
    role = _release_leg(step, job, leg, way, cause, initiator)
    supervisors = [o for o in job.channels if o.live and o.supervision in ROLE_OF_MODE]
    if supervisors and not any(_role(o) is Role.AGENT for o in job.channels if o.live):
        for other in supervisors:  # rule 5: nobody supervises a call without its agent
            _release_leg(step, job, other, Way.WITH_THE_CALL, cause, initiator)
    customers = agents = False
    for other in job.channels:
        if other.live:
            customers = customers or other.party is Party.CUSTOMER
            agents = agents or other.party is Party.USER
    role = CALL_ROLES.get((job.call_type, role), role)
    _NEXT[CALL_CASCADE[customers, agents, role]](step, job, cause, initiator)


def _role(leg: Channel) -> Role:
    """A leg's role by what it is: a supervisor's by its mode, any other's by :data:`ROLES`."""
    return ROLE_OF_MODE.get(leg.supervision) or ROLES[leg.party, leg.state is ChannelState.ANSWERED]


def _release_leg(step: Step, job: Job, leg: Channel, way: Way, cause: Cause,
                 initiator: str) -> Role:  # fmt: skip
    role = ROLE_OF_WAY.get(way) or _role(leg)
    if leg.held:  # the hold region closes before its leg leaves ANSWERED
        close_hold(leg, step.now)
        HOLD.move(leg, "leave")
    if leg.muted:  # so does the mute region
        close_mute(leg, step.now)
        MUTE.move(leg, "leave")
    CHANNEL.move(leg, LEAVES_BY[way])
    leg.timestamp = step.now
    leg.release_initiator = initiator
    leg.release_reason = cause.value
    step.call_event(EventType.Released, job, leg, leg.user_id)
    stop = STOP_EVENTS.get(leg.supervision)
    if stop is not None:
        step.call_event(stop, job, leg, leg.user_id)
    if not leg.user_id:  # a customer's leg has no agent
        return role
    user = step.ws.user(job.instance_id, leg.user_id)
    assert user is not None, "an agent leg names a provisioned user"
    move = AGENT_CASCADE.get((role, way, user.state))
    if move is not None:
        AGENT.move(user, move.trigger, step.now)
        if move.leaves_call:
            user.job_id = ""
        if move.break_code is not None:
            user.break_code = move.break_code
        step.agent_event(move.event, user, leg)
    return role


def retrieve(step: Step, job: Job, leg: Channel, agent_id: str) -> None:
    """Take ``leg`` off hold (``Retrieved``, by ``agent_id``): its hold interval closes."""
    close_hold(leg, step.now)
    HOLD.move(leg, "retrieve")
    leg.timestamp = step.now
    step.call_event(EventType.Retrieved, job, leg, agent_id)


def _go_on(step: Step, job: Job, cause: Cause, initiator: str) -> None:
    """Someone still serves the customer; a hold nobody on the line can retrieve ends (rule 5)."""
    if any(c.live and ROLES[c.party, c.state is ChannelState.ANSWERED] is Role.AGENT
           for c in job.channels):  # fmt: skip
        return
    for leg in job.channels:
        if leg.held:
            newest = leg.holds.newest
            assert newest is not None, "a held leg has an open interval"
            retrieve(step, job, leg, newest.by_user)


def _requeue(step: Step, job: Job, cause: Cause, initiator: str) -> None:
    """The customer waits in the queue for another agent, until the queue timeout."""
    JOB.move(job, "requeue")
    inst = step.ws.instance(job.instance_id)
    assert inst is not None, "a call belongs to a provisioned instance"
    # It keeps its place in its queue (``queued_ms``); its wait is timed afresh.
    job.queue_deadline_ms = step.now + inst.queuing_timeout(job.skill_group_id)


def _end(step: Step, job: Job, cause: Cause, initiator: str) -> None:
    """Every live leg leaves with the call; the call ends and its detail record is written."""
    for leg in job.channels:
        if leg.live:
            _release_leg(step, job, leg, Way.WITH_THE_CALL, cause, initiator)
    queued = job.state is JobState.QUEUED
    JOB.move(job, "end")
    record_the_end(step, job, cause, initiator, queued)


_NEXT: dict[Next, Callable[[Step, Job, Cause, str], None]] = {
    Next.GO_ON: _go_on,
    Next.REQUEUE: _requeue,
    Next.END: _end,
}
