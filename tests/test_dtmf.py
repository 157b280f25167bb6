"""SendDtmfSignaling and the far end's IVR: digits checked, sent as an event, routed by the world.

The world's number IVR answers at once and is a menu: ``1`` -> sales, ``0#`` -> operator.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import CUSTOMER, START, Agent, Call

from callstate import Engine, Event, Ids, ManualClock, default_world

IVR = "4008000000"


@pytest.fixture
def desk() -> Iterator[tuple[Engine, Agent, list[Event]]]:
    world = default_world().to_dict()
    numbers = world["instances"][0].setdefault("dialling", {}).setdefault("numbers", {})
    numbers[IVR] = {"outcome": "answer", "afterMs": 0, "ivr": {"1": "sales", "0#": "operator"}}
    clock = ManualClock(START)
    engine = Engine(world, clock=clock, ids=Ids(seed=3))
    agent = Agent(engine, clock)
    agent.sign_in()
    seen: list[Event] = []
    engine.subscribe(seen.append)
    yield engine, agent, seen
    engine.close()


def dialled(agent: Agent, seen: list[Event], number: str = IVR) -> Call:
    call = agent.dial(number)
    agent.clock.advance(2000)  # every number here has answered by then
    assert agent.poll()["UserContext"]["UserState"] == "TALKING"
    seen.clear()
    return call


def events(seen: list[Event]) -> list[dict[str, Any]]:
    out = [e.to_dict() for e in seen]
    seen.clear()
    return out


def test_digits_reach_the_ivr_which_answers_with_its_route(
    desk: tuple[Engine, Agent, list[Event]],
) -> None:
    _, agent, seen = desk
    call = dialled(agent, seen)
    data = agent.ok("SendDtmfSignaling", JobId=call.job, ChannelId=call.customer_leg, Dtmf="1")
    assert data["CallContext"]["JobId"] == call.job
    agent.clock.advance(1)
    agent.poll()  # the network's answer is applied before the next request
    sent, routed = events(seen)
    assert (sent["eventType"], sent["channelId"], sent["dtmf"], sent["agentId"]) == (
        "DtmfSent",
        call.customer_leg,
        "1",
        agent.user,
    )
    assert (routed["eventType"], routed["channelId"], routed["route"]) == (
        "IvrTracking", call.customer_leg, "sales")  # fmt: skip
    agent.ok("SendDtmfSignaling", JobId=call.job, ChannelId=call.customer_leg, Dtmf="0#")
    agent.poll()
    assert [e.get("route") for e in events(seen)] == [None, "operator"]


def test_digits_no_menu_knows_change_nothing_but_are_sent(
    desk: tuple[Engine, Agent, list[Event]],
) -> None:
    _, agent, seen = desk
    call = dialled(agent, seen)
    agent.ok("SendDtmfSignaling", JobId=call.job, ChannelId=call.customer_leg, Dtmf="9")
    agent.poll()
    assert [e["eventType"] for e in events(seen)] == ["DtmfSent"]


def test_a_number_without_a_menu_does_not_answer_digits(
    desk: tuple[Engine, Agent, list[Event]],
) -> None:
    _, agent, seen = desk
    call = dialled(agent, seen, CUSTOMER)
    agent.ok("SendDtmfSignaling", JobId=call.job, ChannelId=call.customer_leg, Dtmf="1")
    agent.poll()
    assert [e["eventType"] for e in events(seen)] == ["DtmfSent"]


@pytest.mark.parametrize(
    ("params", "code", "fill"),
    [
        ({"Dtmf": "12a"}, "Parameter.Invalid",
         ["Dtmf", "It may hold only the digits 0-9, * and #"]),
        ({"Dtmf": " "}, "Parameter.Blank", ["Dtmf"]),
        ({"Dtmf": "1", "ChannelId": "ch:none"}, "NotExists.ChannelId", None),
        ({"Dtmf": "1", "DeviceId": "dev-other"}, "Permission.DeviceId", None),
        ({"Dtmf": "1", "held": True}, "InvalidOperation.ChannelState", ["HELD", "ANSWERED"]),
        ({"Dtmf": "1", "released": True}, "Permission.JobId", None),
    ],
)  # fmt: skip
def test_a_refused_send_changes_nothing(
    desk: tuple[Engine, Agent, list[Event]], params: dict[str, Any], code: str,
    fill: list[str] | None,
) -> None:  # fmt: skip
    engine, agent, seen = desk
    call = dialled(agent, seen)
    params = {"JobId": call.job, "ChannelId": call.customer_leg, **params}
    if params.pop("held", None):
        agent.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
    if params.pop("released", None):
        agent.ok("ReleaseCall", JobId=call.job)
    seen.clear()
    before = engine.snapshot()
    reply = agent.do("SendDtmfSignaling", **params)
    assert reply.body["Code"] == code, reply.body
    if fill is not None:
        assert reply.body["Params"] == fill
    assert engine.snapshot() == before and seen == []


def test_the_ivr_does_not_answer_a_leg_released_before_it_could(
    desk: tuple[Engine, Agent, list[Event]],
) -> None:
    engine, agent, seen = desk
    call = dialled(agent, seen)
    routing = {"InstanceId": "ccc-test", "JobId": call.job, "ChannelId": call.customer_leg,
               "Route": "sales"}  # fmt: skip
    assert engine.signal("IvrRouted", routing).ok
    agent.ok("ReleaseCall", JobId=call.job)
    late = engine.signal("IvrRouted", routing)
    assert late.body["Code"] == "InvalidOperation.ChannelState"
    assert late.body["Params"] == ["RELEASED", "ANSWERED"]
