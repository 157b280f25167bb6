"""The release cascade, situation by situation: what releasing one leg does to agents and call.

Each case builds a call by hand (legs in given states, each agent leg's agent in a given state),
releases one leg through the cascade's interpreter, and checks SPEC §3.1/§3.3's consequences:
the agents' states, break codes, JobIds and events, and whether the call goes on, requeues or
ends. Some situations (two agent legs live at once, an offer left without a customer) no action
can reach yet; they pin the rows the coming multi-party calls will rely on. Every row of both
cascade tables is exercised, so a changed row fails a case here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from itertools import product
from typing import Any, NamedTuple, TypeVar

import pytest

from callstate.domain import (
    CallType,
    Channel,
    ChannelState,
    EventType,
    HoldInterval,
    HoldState,
    InstanceConfig,
    InvalidOperationChannelState,
    Job,
    JobState,
    Party,
    SupervisionMode,
    User,
    UserState,
    WorkMode,
    _cascade,
)
from callstate.domain._cascade import AGENT_ROWS, CALL_ROWS, Cause, Way, release
from callstate.domain._step import Step

INSTANCE = "inst"
NOW = 5_000
QUEUING_TIMEOUT_MS = 7_000
C, U = ChannelState, UserState
K = TypeVar("K")
V = TypeVar("V")


class Leg(NamedTuple):
    """A leg of the hand-built call; ``agent`` is its agent's state (None: a customer leg, or
    an external party's when ``external``)."""

    state: ChannelState
    agent: UserState | None = None
    held: bool = False
    external: bool = False
    supervision: SupervisionMode = SupervisionMode.NONE


class Agent(NamedTuple):
    """What an agent is after the release (``event`` None: no agent event)."""

    state: UserState
    break_code: str
    in_call: bool
    event: EventType | None


class Case(NamedTuple):
    legs: tuple[Leg, ...]
    released: int  # index of the leg released
    way: Way
    agents: tuple[Agent, ...]  # one per agent leg, in leg order
    call: JobState
    call_type: CallType = CallType.INBOUND


class _Workspace:
    def __init__(self, users: dict[str, User]) -> None:
        self.users = users
        self.config = InstanceConfig(INSTANCE, queuing_timeout_ms=QUEUING_TIMEOUT_MS)

    def instance(self, instance_id: str) -> InstanceConfig | None:
        return self.config

    def user(self, instance_id: str, user_id: str) -> User | None:
        return self.users.get(user_id)

    def job(self, instance_id: str, job_id: str) -> Job | None:
        return None

    def add_job(self, job: Job) -> None:
        raise AssertionError("the cascade creates no call")

    def new_job_id(self, now_ms: int) -> str:
        raise AssertionError("the cascade creates no call")

    def working_copies(self) -> tuple[Collection[User], Collection[Job]]:
        return self.users.values(), []

    def agents_in(self, instance_id: str, queue: str) -> Iterator[str]:
        raise AssertionError("the cascade distributes no call")

    def calls_in(self, instance_id: str, queue: str) -> Iterator[str]:
        raise AssertionError("the cascade distributes no call")

    def waiting(self, instance_id: str, queue: str) -> int:
        raise AssertionError("the cascade distributes no call")


def _build(legs: tuple[Leg, ...],
           call_type: CallType = CallType.INBOUND) -> tuple[Job, dict[str, User]]:  # fmt: skip
    job = Job("job-1", INSTANCE, call_type, "caller", "callee", created_ms=1_000)
    users: dict[str, User] = {}
    for i, leg in enumerate(legs):
        user_id = f"agent-{i}" if leg.agent else ""
        party = Party.USER if leg.agent else Party.EXTERNAL if leg.external else Party.CUSTOMER
        channel = Channel(f"ch-{i}", job.job_id, party,
                          "caller", "callee", "group", user_id, f"80{i}" if user_id else "",
                          timestamp=1_000, state=leg.state,
                          supervision=leg.supervision)  # fmt: skip
        if leg.held:
            channel.hold_state = HoldState.HELD
            channel.holds = channel.holds.add(HoldInterval(2_000, None, "", user_id))
        job.channels.append(channel)
        if leg.agent:
            users[user_id] = User(user_id, INSTANCE, f"80{i}", "", WorkMode.ON_SITE, ("group",),
                                  state=leg.agent, break_code="Lunch",
                                  job_id=job.job_id)  # fmt: skip
    return job, users


talking = Leg(C.ANSWERED, U.TALKING)
dialing = Leg(C.ANSWERED, U.DIALING)
ringing = Leg(C.RINGING, U.RINGING)
customer = Leg(C.ANSWERED)
gone = Leg(C.RELEASED)  # a customer leg already released
outside = Leg(C.ANSWERED, external=True)  # a number outside the centre, answered
dialled = Leg(C.RINGING, external=True)  # a number outside the centre, ringing
held = Leg(C.ANSWERED, held=True)
WRAP_UP = Agent(U.WORKING, "Lunch", True, EventType.AgentRelease)
REJECTED = Agent(U.BREAK, "RejectCall", False, EventType.AgentBreak)
RANG_OUT = Agent(U.BREAK, "RingingTimeout", False, EventType.AgentBreak)
ABANDONED = Agent(U.READY, "Lunch", False, EventType.AgentReady)
TALKS_ON = Agent(U.TALKING, "Lunch", True, None)  # not moved
RINGS_ON = Agent(U.RINGING, "Lunch", True, None)
A, Q, E = JobState.ACTIVE, JobState.QUEUED, JobState.ENDED
monitoring = Leg(C.ANSWERED, U.TALKING, supervision=SupervisionMode.MONITORING)
coaching = Leg(C.ANSWERED, U.TALKING, supervision=SupervisionMode.COACHING)
barged = Leg(C.ANSWERED, U.TALKING, supervision=SupervisionMode.BARGED_IN)
SUPERVISION_ENDS = Agent(U.READY, "Lunch", False, EventType.AgentReady)  # no wrap-up
INTERNAL = CallType.INTERNAL

CASES = {
    # the agent's own leg ends: the last agent leg gone ends the call
    "talking agent hangs up": Case((customer, talking), 1, Way.RELEASED, (WRAP_UP,), E),
    "dialling agent cancels": Case((dialing, Leg(C.RINGING)), 0, Way.RELEASED, (WRAP_UP,), E),
    # the customer gone ends the call, and its agents' legs with it
    "held customer hangs up": Case(
        (Leg(C.ANSWERED, held=True), talking), 0, Way.RELEASED, (WRAP_UP,), E
    ),
    "dialled number busy": Case((dialing, Leg(C.RINGING)), 1, Way.REFUSED, (WRAP_UP,), E),
    "caller abandons a ringing offer": Case((customer, ringing), 0, Way.RELEASED, (ABANDONED,), E),
    # an offer withdrawn while the customer waits: the call requeues
    "agent's phone rejects the offer": Case((customer, ringing), 1, Way.RELEASED, (REJECTED,), Q),
    "offer rings out": Case((customer, ringing), 1, Way.RANG_OUT, (RANG_OUT,), Q),
    "ringing agent reset": Case((customer, ringing), 1, Way.RESET, (RINGS_ON,), Q),
    "talking agent reset": Case((customer, talking), 1, Way.RESET, (TALKS_ON,), E),
    # another agent leg still live: the call goes on
    "one of two talking agents leaves": Case(
        (customer, talking, talking),
        1,
        Way.RELEASED,
        (WRAP_UP, TALKS_ON),
        A,
    ),
    "an offer to a second agent rings out": Case(
        (customer, talking, ringing),
        2,
        Way.RANG_OUT,
        (TALKS_ON, RANG_OUT),
        A,
    ),
    # no customer left: an offer withdrawn has no one to requeue for
    "offer rejected with no customer": Case((gone, ringing), 1, Way.RELEASED, (REJECTED,), E),
    # a transfer: the transferor leaves, someone else takes the customer
    "transferor leaves by transfer": Case((customer, talking), 1, Way.TRANSFERRED, (WRAP_UP,), A),
    "transferor leaves, consultee on": Case(
        (customer, talking, talking), 1, Way.TRANSFERRED, (WRAP_UP, TALKS_ON), A
    ),
    "transferor leaves a call with no customer": Case(
        (gone, talking), 1, Way.TRANSFERRED, (WRAP_UP,), E
    ),
    # a consultation cancelled: the consultee's leg is withdrawn
    "answered consultation withdrawn": Case(
        (customer, talking, talking), 2, Way.WITHDRAWN, (TALKS_ON, WRAP_UP), A
    ),
    "ringing consultation withdrawn": Case(
        (customer, talking, ringing), 2, Way.WITHDRAWN, (TALKS_ON, ABANDONED), A
    ),
    # a number outside the centre: a forward ends with it; a consultation of it goes on
    "forwarded number hangs up": Case((customer, outside), 1, Way.RELEASED, (), E),
    "forwarded number busy": Case((customer, dialled), 1, Way.REFUSED, (), E),
    "caller hangs up on a forward": Case((customer, outside), 0, Way.RELEASED, (), E),
    "consulted number busy": Case((held, talking, dialled), 2, Way.REFUSED, (TALKS_ON,), A),
    "consulted number withdrawn": Case((held, talking, outside), 2, Way.WITHDRAWN, (TALKS_ON,), A),
    "initiator hangs up on a consulted number": Case(
        (held, talking, outside), 1, Way.RELEASED, (WRAP_UP,), E
    ),
    # a conference member leaves (EndConference)
    "a member leaves, an agent talks on to the customer": Case(
        (customer, talking, talking), 1, Way.LEFT, (WRAP_UP, TALKS_ON), A
    ),
    "the last agent leaves: no customer is left alone": Case(
        (customer, talking), 1, Way.LEFT, (WRAP_UP,), E
    ),
    "a member leaves a conference of agents": Case(
        (talking, talking), 0, Way.LEFT, (WRAP_UP, TALKS_ON), A
    ),
    "the last member leaves a conference of agents": Case(
        (gone, talking), 1, Way.LEFT, (WRAP_UP,), E
    ),
    # a supervisor's leg: it ends in READY, and never outlives the call's agent
    "monitoring supervisor hangs up": Case(
        (customer, talking, monitoring), 2, Way.RELEASED, (TALKS_ON, SUPERVISION_ENDS), A
    ),
    "monitored agent hangs up": Case(
        (customer, talking, monitoring), 1, Way.RELEASED, (WRAP_UP, SUPERVISION_ENDS), E
    ),
    "agent leaves a barged-in call": Case(
        (customer, talking, barged), 1, Way.RELEASED, (WRAP_UP, SUPERVISION_ENDS), E
    ),
    "coached call's customer hangs up": Case(
        (customer, talking, coaching), 0, Way.RELEASED, (WRAP_UP, SUPERVISION_ENDS), E
    ),
    "monitored agent transfers the call": Case(
        (customer, talking, monitoring), 1, Way.TRANSFERRED, (WRAP_UP, SUPERVISION_ENDS), A
    ),
    # an internal call (two agents, no customer): either agent's leg released ends it
    "internal: the caller cancels": Case(
        (dialing, ringing), 0, Way.RELEASED, (WRAP_UP, ABANDONED), E, INTERNAL
    ),
    "internal: the called agent declines": Case(
        (dialing, ringing), 1, Way.RELEASED, (WRAP_UP, REJECTED), E, INTERNAL
    ),
    "internal: the called agent rings out": Case(
        (dialing, ringing), 1, Way.RANG_OUT, (WRAP_UP, RANG_OUT), E, INTERNAL
    ),
    "internal: the caller hangs up": Case(
        (talking, talking), 0, Way.RELEASED, (WRAP_UP, WRAP_UP), E, INTERNAL
    ),
    "internal: the called agent hangs up": Case(
        (talking, talking), 1, Way.RELEASED, (WRAP_UP, WRAP_UP), E, INTERNAL
    ),
    "the same legs in a conference of agents go on": Case(
        (talking, talking), 1, Way.RELEASED, (TALKS_ON, WRAP_UP), A, CallType.CONFERENCE
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_releasing_a_leg_moves_its_agents_and_the_call(case: Case) -> None:
    job, users = _build(case.legs, case.call_type)
    step = Step(_Workspace(users), NOW)
    release(step, job, job.channels[case.released], case.way, Cause.HANG_UP, "initiator")

    agent_legs = [leg for leg in job.channels if leg.party is Party.USER]
    for leg, want in zip(agent_legs, case.agents, strict=True):
        user = users[leg.user_id]
        got = Agent(user.state, user.break_code, user.job_id == job.job_id, None)
        events = [
            e.event_type for e in step.events if e.agent_id == leg.user_id and e.channel_id == ""
        ]
        assert got._replace(event=events[0] if events else None) == want, leg.user_id
    assert job.state is case.call
    released = job.channels[case.released]
    assert (released.state, released.timestamp, released.held) == (C.RELEASED, NOW, False)
    if case.call is JobState.ENDED:
        assert not any(leg.live for leg in job.channels)
        assert step.events[-1].event_type is EventType.CDRReady
    if case.call is JobState.QUEUED:
        assert job.queue_deadline_ms == NOW + QUEUING_TIMEOUT_MS


class _Recording(dict[K, V]):
    """A cascade table that records the keys the interpreter looks up."""

    def __init__(self, table: dict[K, V], seen: set[object]) -> None:
        super().__init__(table)
        self.seen = seen

    def __getitem__(self, key: K) -> V:
        self.seen.add(key)
        return super().__getitem__(key)

    def get(self, key: K, default: Any = None) -> Any:
        self.seen.add(key)
        return super().get(key, default)


def test_every_row_of_the_cascade_is_exercised(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cases above reach every row of both tables (a new row needs a case)."""
    seen: set[object] = set()
    monkeypatch.setattr(_cascade, "AGENT_CASCADE", _Recording(_cascade.AGENT_CASCADE, seen))
    monkeypatch.setattr(_cascade, "CALL_CASCADE", _Recording(_cascade.CALL_CASCADE, seen))
    for case in CASES.values():
        test_releasing_a_leg_moves_its_agents_and_the_call(case)
    for role, way, state, _ in AGENT_ROWS:
        assert (role, way, state) in seen, (role, way, state)
    for customers, agents, role, then in CALL_ROWS:
        keys = product(_every(customers), _every(agents), [role])
        assert seen.intersection(keys), (customers, agents, role, then)


def _every(value: object) -> tuple[object, ...]:
    return (False, True) if value == "*" else (value,)


@pytest.mark.parametrize("way", [Way.REFUSED, Way.RANG_OUT])
def test_an_answered_leg_cannot_be_refused_or_ring_out(way: Way) -> None:
    """A refusal and a ring timeout take the channel's ``refuse`` row: only before an answer."""
    job, users = _build((customer, talking))
    step = Step(_Workspace(users), NOW)
    with pytest.raises(InvalidOperationChannelState) as refused:
        release(step, job, job.channels[1], way, Cause.RING_TIMEOUT, "initiator")
    assert refused.value.params == ("ANSWERED", "CREATED,EARLY_MEDIA,RINGING")


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        pytest.param(CALL_ROWS[1:], "no call-cascade row", id="a situation without a row"),
        pytest.param((*CALL_ROWS, CALL_ROWS[0]), "two call-cascade rows", id="two rows for one"),
    ],
)
def test_the_call_table_has_exactly_one_row_per_situation(
    rows: tuple[Any, ...], problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_cascade, "CALL_ROWS", rows)
    with pytest.raises(ValueError, match=problem):
        _cascade._compile_call_rows()
