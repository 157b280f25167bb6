"""Internal calls: MakeCall to an agent's extension rings that agent (``CallType`` INTERNAL).

A golden scenario pins the exact events of a call made, answered and hung up; each way an
internal call ends before or after the answer pins both agents and the call detail record;
refusals (``NotExists.Extension``, ``UserBusy``) change nothing; a call of two agents has no
customer to transfer or supervise. (The error rows are in test_errors.py, the SDK round trip
in test_contract_sdk.py, the cascade's rows in test_cascade.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import AGENT, GROUP, INSTANCE, START, Agent

from callstate import Engine, Event, Ids, ManualClock, default_world

COLLEAGUE = "colleague@ccc-test"
SUPERVISOR = "supervisor@ccc-test"
EXT_A, EXT_B = "80011474", "80011475"  # the agent's and the colleague's extensions


def _world() -> dict[str, Any]:
    world = default_world().to_dict()
    world["instances"][0]["users"] += [
        {"userId": COLLEAGUE, "extension": EXT_B, "skillGroups": [GROUP]},
        {"userId": SUPERVISOR, "extension": "80011479", "skillGroups": [GROUP],
         "supervises": [GROUP]},
    ]  # fmt: skip
    return world


class Office:
    """Two agents and a supervisor signed in and READY, the events seen since the last look."""

    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.engine = Engine(_world(), clock=self.clock, ids=Ids(seed=5), network=None)
        self.a = Agent(self.engine, self.clock, AGENT, "dev-a")
        self.b = Agent(self.engine, self.clock, COLLEAGUE, "dev-b")
        self.sup = Agent(self.engine, self.clock, SUPERVISOR, "dev-sup")
        for agent in (self.a, self.b, self.sup):
            agent.sign_in()
        self.events: list[Event] = []
        self.engine.subscribe(self.events.append)

    def call_b(self) -> dict[str, Any]:
        """A calls B's extension (with a Caller that is no number: ignored); the call context."""
        self.clock.advance(1_000)
        return self.a.ok("MakeCall", Callee=EXT_B, Caller="0000")["CallContext"]  # type: ignore[no-any-return]

    def seen(self) -> list[tuple[str, str, str]]:
        """The events since the last look, as (type, agentId, the leg's extension or "")."""
        legs = {c.channel_id: c.user_extension for j in self._jobs() for c in j.channels}
        seen = [(e.event_type.value, e.agent_id, legs.get(e.channel_id, "")) for e in self.events]
        self.events.clear()
        return seen

    def _jobs(self) -> list[Any]:
        view = self.engine.view(INSTANCE)
        assert view is not None
        return list(view.jobs.values())

    def states(self) -> tuple[str, str]:
        view = self.engine.view(INSTANCE)
        assert view is not None
        return view.users[AGENT].state.value, view.users[COLLEAGUE].state.value

    def cdr(self) -> Any:
        (record,) = [e.cdr for e in self.events if e.cdr is not None]
        return record


@pytest.fixture
def office() -> Iterator[Office]:
    office = Office()
    yield office
    office.engine.close()


def test_a_colleague_is_rung_answers_and_the_caller_hangs_up(office: Office) -> None:
    call = office.call_b()
    job = call["JobId"]
    assert call["CallType"] == "INTERNAL"
    legs = [(c["UserId"], c["ChannelState"], c["CallType"]) for c in call["ChannelContexts"]]
    assert legs == [(AGENT, "ANSWERED", "INTERNAL"), (COLLEAGUE, "RINGING", "INTERNAL")]
    assert office.seen() == [
        ("AgentDialing", AGENT, ""),
        ("Ringing", COLLEAGUE, EXT_B),
        ("AgentRinging", COLLEAGUE, ""),
    ]
    assert office.states() == ("DIALING", "RINGING")

    office.clock.advance(1_000)
    answered = office.b.ok("AnswerCall", JobId=job)
    assert answered["UserContext"]["UserState"] == "TALKING"
    assert office.seen() == [
        ("Established", COLLEAGUE, EXT_B),
        ("AgentTalk", COLLEAGUE, ""),
        ("AgentTalk", AGENT, ""),
    ]
    assert office.states() == ("TALKING", "TALKING")

    office.clock.advance(5_000)
    office.a.ok("ReleaseCall", JobId=job)
    cdr = office.cdr()
    assert office.seen() == [
        ("Released", AGENT, EXT_A),
        ("AgentRelease", AGENT, ""),
        ("Released", COLLEAGUE, EXT_B),
        ("AgentRelease", COLLEAGUE, ""),
        ("CDRReady", "", ""),
    ]
    assert office.states() == ("WORKING", "WORKING")  # both wrap up, as after any call
    assert (cdr.call_type, cdr.disposition, cdr.caller, cdr.callee) == (
        "INTERNAL", "Success", EXT_A, EXT_B,
    )  # fmt: skip
    assert cdr.end_ms - cdr.established_ms == 5_000


#: How an internal call ends: who does what, then both agents' states and the disposition.
ENDINGS = {
    "the caller cancels": ("a", "ReleaseCall", ("WORKING", "READY"), "NoAnswer"),
    "the colleague declines": ("b", "ReleaseCall", ("WORKING", "BREAK"), "Reject"),
    "the colleague's phone rings out": ("b", "RingTimeout", ("WORKING", "BREAK"), "NoAnswer"),
    "the colleague hangs up": ("b", "answer, then ReleaseCall", ("WORKING", "WORKING"), "Success"),
}


@pytest.mark.parametrize(("who", "what", "states", "disposition"), ENDINGS.values(), ids=ENDINGS)
def test_either_agent_ends_an_internal_call(
    office: Office, who: str, what: str, states: tuple[str, str], disposition: str
) -> None:
    call = office.call_b()
    job, b_leg = call["JobId"], call["ChannelContexts"][1]["ChannelId"]
    if what == "RingTimeout":
        leg = {"InstanceId": INSTANCE, "JobId": job, "ChannelId": b_leg}
        assert office.engine.signal("RingTimeout", leg).ok
    else:
        if what.startswith("answer"):
            office.b.ok("AnswerCall", JobId=job)
        getattr(office, who).ok("ReleaseCall", JobId=job)
    assert office.states() == states
    assert office.cdr().disposition == disposition
    assert all(not c.live for j in office._jobs() for c in j.channels)


@pytest.mark.parametrize(
    ("callee", "prepare", "code"),
    [
        ("80019999", None, "NotExists.Extension"),  # shaped like an extension, nobody's
        (EXT_B, "TakeBreak", "UserBusy"),
        (EXT_B, "outbound only", "UserBusy"),
        (EXT_B, "in a call", "UserBusy"),
        (EXT_A, None, "UserBusy"),  # one's own extension: the caller is dialling by then
    ],
)
def test_a_refused_internal_call_changes_nothing(
    office: Office, callee: str, prepare: str | None, code: str
) -> None:
    if prepare == "TakeBreak":
        office.b.ok("TakeBreak", Code="lunch")
    elif prepare == "outbound only":
        office.b.ok("ReadyForService", OutboundScenario="true")
    elif prepare == "in a call":
        office.b.ok("MakeCall", Callee="13900000000")
    office.seen()
    before = office.engine.snapshot()
    reply = office.a.do("MakeCall", Callee=callee)
    assert reply.body["Code"] == code
    assert office.engine.snapshot() == before
    assert office.seen() == []


def test_a_call_of_two_agents_has_no_customer_to_transfer_or_supervise(office: Office) -> None:
    job = office.call_b()["JobId"]
    office.b.ok("AnswerCall", JobId=job)
    refused = [
        office.a.do("BlindTransfer", JobId=job, Transferee=SUPERVISOR, TransfereeType="AGENT"),
        office.sup.do("MonitorCall", MonitoredUserId=AGENT),
        office.sup.do("InterceptCall", JobId=job, InterceptedUserId=COLLEAGUE),
    ]
    assert [(r.body["Code"], r.body["Params"]) for r in refused] == [
        ("InvalidOperation.NoCustomer", [job])
    ] * 3
    assert office.states() == ("TALKING", "TALKING")
