"""RedialCall: an earlier call's customer, called again as MakeCall would call them.

The redial of an outbound call dials its callee, of an inbound one its caller, from the
centre's number of that call; the reply and the events are MakeCall's to that number. Only an
agent who had a leg in the call may redial it; a refusal changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import AGENT, CUSTOMER, GROUP, INSTANCE, NUMBER, START, Agent, Call

from callstate import Engine, Ids, ManualClock, default_world
from callstate.api import SHAPES

SECOND = "second@ccc-test"
INBOUND = "13100000000"
HOTLINE = "01087654321"  # the centre's second number


def desk() -> Agent:
    """An agent on a world with a second agent, no simulated network, fixed ids."""
    world = default_world().to_dict()
    world["instances"][0]["numbers"].append(HOTLINE)
    world["instances"][0]["users"].append(
        {"userId": SECOND, "extension": "80011475", "skillGroups": [GROUP]}
    )
    clock = ManualClock(START)
    agent = Agent(Engine(world, clock=clock, ids=Ids(seed=11), network=None), clock)
    agent.sign_in()
    return agent


def ended_outbound(agent: Agent) -> Call:
    """The agent called CUSTOMER, who answered; the agent hung up and is READY again."""
    call = agent.dial(CUSTOMER)
    answered = agent.engine.signal(
        "FarEndAnswered",
        {"InstanceId": INSTANCE, "JobId": call.job, "ChannelId": call.customer_leg},
    )
    assert answered.ok, answered.body
    agent.ok("ReleaseCall", JobId=call.job)
    agent.ok("ReadyForService")
    agent.clock.advance(1_000)
    return call


def keep(shape: Any, value: Any) -> Any:
    """``value`` with only the keys ``shape`` has, at every level."""
    if isinstance(shape, dict):
        return {k: keep(kind, value[k]) for k, kind in shape.items()}
    if isinstance(shape, list) and isinstance(shape[0], dict):
        return [keep(shape[0], item) for item in value]
    return value


def test_a_redial_is_the_make_call_to_the_earlier_customer() -> None:
    redialler, dialler = desk(), desk()
    call = ended_outbound(redialler)
    ended_outbound(dialler)
    seq = redialler.engine.view(INSTANCE).seq  # type: ignore[union-attr]
    redial = redialler.do("RedialCall", JobId=call.job)
    dial = dialler.do("MakeCall", Caller=NUMBER, Callee=CUSTOMER)
    assert redial.ok and dial.ok, (redial.body, dial.body)
    assert redial.body["Data"] == keep(SHAPES["RedialCall"], dial.body["Data"])
    events = redialler.engine.events(INSTANCE, seq)
    assert [e.to_dict() for e in events] == [
        e.to_dict() for e in dialler.engine.events(INSTANCE, seq)
    ]
    legs = redial.body["Data"]["CallContext"]["ChannelContexts"]
    assert [(c["Originator"], c["Destination"]) for c in legs][1] == (NUMBER, CUSTOMER)
    assert redial.body["Data"]["UserContext"]["UserState"] == "DIALING"


def test_an_inbound_call_is_redialled_to_its_caller_from_the_number_it_called() -> None:
    agent = desk()
    offered = agent.engine.signal("CallOffered", {"InstanceId": INSTANCE, "Caller": INBOUND,
                                                  "Callee": HOTLINE, "UserId": AGENT,
                                                  "SkillGroupId": GROUP})  # fmt: skip
    job = offered.body["Data"]["CallContext"]["JobId"]
    agent.ok("AnswerCall", JobId=job)
    agent.ok("ReleaseCall", JobId=job)
    agent.ok("ReadyForService")
    data = agent.ok("RedialCall", JobId=job)
    customer = data["CallContext"]["ChannelContexts"][1]
    assert (customer["Originator"], customer["Destination"]) == (HOTLINE, INBOUND)
    assert data["CallContext"]["CallType"] == "OUTBOUND"


def test_without_a_job_it_dials_the_callee() -> None:
    agent = desk()
    data = agent.ok("RedialCall", Callee=CUSTOMER)
    customer = data["CallContext"]["ChannelContexts"][1]
    assert (customer["Originator"], customer["Destination"]) == (NUMBER, CUSTOMER)


REFUSALS = [
    ({"JobId": "job-none"}, "NotExists.JobId", ["job-none"]),
    ({"JobId": "{job}", "UserId": SECOND}, "Permission.JobId", [SECOND, "{job}"]),
    ({"JobId": "{job}", "Callee": "13900000001"}, "Parameter.Invalid",
     ["Callee", "It is not the customer's number of {job}"]),
    ({}, "Parameter.Invalid", ["JobId", "Give the earlier call's JobId, or a Callee"]),
    ({"JobId": "{job}", "TimeoutSeconds": "29"}, "Parameter.Minimum", ["TimeoutSeconds", "30"]),
    ({"JobId": "{job}", "Caller": "01000000000"}, "NotExists.Number", ["01000000000", INSTANCE]),
    ({"JobId": "{job}", "DeviceId": "dev-other"}, "Permission.DeviceId", None),
    ({"JobId": "{job}", "InstanceId": "ccc-none"}, "NotExists.InstanceId", ["ccc-none"]),
]  # fmt: skip


@pytest.mark.parametrize(("params", "code", "fill"), REFUSALS)
def test_a_refused_redial_changes_nothing(
    params: dict[str, str], code: str, fill: list[str] | None
) -> None:
    agent = desk()
    call = ended_outbound(agent)
    before, seq = agent.engine.snapshot(), agent.engine.view(INSTANCE).seq  # type: ignore[union-attr]
    reply = agent.do("RedialCall", **{k: v.format(job=call.job) for k, v in params.items()})
    assert reply.body["Code"] == code, reply.body
    if fill is not None:
        assert reply.body["Params"] == [p.format(job=call.job) for p in fill]
    assert agent.engine.snapshot() == before and agent.engine.events(INSTANCE, seq) == []


def test_a_call_still_live_or_with_no_customer_is_not_redialled() -> None:
    agent = desk()
    call = agent.dial(CUSTOMER)
    live = agent.do("RedialCall", JobId=call.job)
    assert (live.body["Code"], live.body["Params"]) == (
        "InvalidOperation.UserState", ["DIALING", "READY"])  # fmt: skip
    agent.ok("ReleaseCall", JobId=call.job)
    agent.ok("ReadyForService")
    second = Agent(agent.engine, agent.clock, SECOND, "dev-two")
    second.sign_in()
    conference = agent.ok("StartConference", ParticipantListJson=json.dumps(["80011475"]))
    job = conference["CallContext"]["JobId"]
    refused = agent.do("RedialCall", JobId=job)
    assert (refused.body["Code"], refused.body["Params"]) == ("InvalidOperation.NoCustomer", [job])
