"""MuteCall and UnmuteCall: a leg's mute region, independent of hold, its events and intervals.

Every test starts from a two-party call on the quiet engine: the agent dialled, the customer
answered, nothing else has happened; the event log is clear.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Agent, Call, signal

from callstate import Engine, Event, ManualClock


def talking(quiet_engine: Engine, clock: ManualClock) -> tuple[Agent, Call, list[Event]]:
    agent = Agent(quiet_engine, clock)
    agent.sign_in()
    call = agent.dial()
    assert signal(quiet_engine, "FarEndAnswered", call, call.customer_leg).ok
    seen: list[Event] = []
    quiet_engine.subscribe(seen.append)
    clock.advance(1000)
    return agent, call, seen


def flags(data: dict[str, Any]) -> list[str]:
    return [leg["ChannelFlags"] for leg in data["CallContext"]["ChannelContexts"]]


def logged(seen: list[Event]) -> list[tuple[str, str]]:
    out = [(e.event_type.value, e.to_dict().get("mutedChannelId") or
            e.to_dict().get("unmutedChannelId") or e.channel_id) for e in seen]  # fmt: skip
    seen.clear()
    return out


def test_mute_during_hold_keeps_both_regions_and_their_events(
    quiet_engine: Engine, clock: ManualClock
) -> None:
    agent, call, seen = talking(quiet_engine, clock)
    agent.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
    data = agent.ok("MuteCall", JobId=call.job, ChannelId=call.customer_leg)
    assert flags(data) == ["", "HOLD,MUTE"]  # agent's leg, customer's leg
    clock.advance(500)
    agent.ok("RetrieveCall", JobId=call.job, ChannelId=call.customer_leg)
    assert flags(agent.poll()) == ["", "MUTE"]  # retrieved, still muted
    clock.advance(500)
    data = agent.ok("UnmuteCall", JobId=call.job, ChannelId=call.customer_leg)
    assert flags(data) == ["", ""]
    customer = call.customer_leg
    assert logged(seen) == [("Held", customer), ("Muted", customer), ("Retrieved", customer),
                            ("Unmuted", customer)]  # fmt: skip
    muted = next(e for e in quiet_engine.events("ccc-test") if e.event_type.value == "Muted")
    assert muted.to_dict()["agentId"] == agent.user


def test_mute_defaults_to_the_agents_own_leg_and_unmute_to_its_current_call(
    quiet_engine: Engine, clock: ManualClock
) -> None:
    agent, call, seen = talking(quiet_engine, clock)
    assert flags(agent.ok("MuteCall", JobId=call.job)) == ["MUTE", ""]
    assert flags(agent.poll()) == ["MUTE", ""]
    assert agent.poll()["UserContext"]["UserState"] == "TALKING"  # mute moves no agent
    assert flags(agent.ok("UnmuteCall")) == ["", ""]
    assert logged(seen) == [("Muted", call.agent_leg), ("Unmuted", call.agent_leg)]


def test_release_closes_open_mutes_and_the_record_lists_every_interval(
    quiet_engine: Engine, clock: ManualClock
) -> None:
    agent, call, seen = talking(quiet_engine, clock)
    agent.ok("MuteCall", JobId=call.job)
    clock.advance(300)
    agent.ok("UnmuteCall", JobId=call.job)
    clock.advance(100)
    agent.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
    agent.ok("MuteCall", JobId=call.job, ChannelId=call.customer_leg)
    agent.ok("MuteCall", JobId=call.job)
    clock.advance(700)
    agent.ok("ReleaseCall", JobId=call.job)
    cdr = seen[-1].to_dict()
    own, customer = cdr["channels"]
    assert (own["muteCount"], own["mutedMs"]) == (2, 1000)
    assert [(m["endTime"] - m["startTime"]) for m in own["mutes"]] == [300, 700]
    assert (customer["muteCount"], customer["mutedMs"], customer["heldMs"]) == (1, 700, 700)
    assert all(m["endTime"] is not None for m in own["mutes"] + customer["mutes"])
    job = quiet_engine.snapshot()["instances"]["ccc-test"]["jobs"][call.job]
    assert [leg["mute_state"] for leg in job["channels"]] == ["UNMUTED", "UNMUTED"]


@pytest.mark.parametrize(
    ("action", "params", "code", "fill"),
    [
        ("MuteCall", {"ChannelId": "ch:none"}, "NotExists.ChannelId", None),
        ("MuteCall", {"JobId": "job-none"}, "NotExists.JobId", None),
        ("MuteCall", {"DeviceId": "dev-other"}, "Permission.DeviceId", None),
        ("MuteCall", {"JobId": ""}, "Parameter.Blank", ["JobId"]),
        ("MuteCall", {"muted": "own"}, "InvalidOperation.ChannelState", ["MUTED", "ANSWERED"]),
        ("UnmuteCall", {}, "InvalidOperation.ChannelState", ["ANSWERED", "MUTED"]),
        ("UnmuteCall", {"muted": "own", "ChannelId": "customer"}, "InvalidOperation.ChannelState",
         ["ANSWERED", "MUTED"]),
        ("UnmuteCall", {"released": True}, "Permission.JobId", None),  # its call, wrapped up
        ("UnmuteCall", {"released": True, "ready": True}, "InvalidOperation.UserState",
         ["READY", "TALKING"]),  # no call named and none under way
        ("MuteCall", {"released": True}, "Permission.JobId", None),
    ],
)  # fmt: skip
def test_a_refused_mute_or_unmute_changes_nothing(
    quiet_engine: Engine, clock: ManualClock, action: str, params: dict[str, Any], code: str,
    fill: list[str] | None,
) -> None:  # fmt: skip
    agent, call, seen = talking(quiet_engine, clock)
    params = dict(params)
    if params.pop("muted", None):
        agent.ok("MuteCall", JobId=call.job)
    if params.pop("released", None):  # the call is over: the agent is in after-call work
        agent.ok("ReleaseCall", JobId=call.job)
        params["JobId"] = call.job if action == "MuteCall" else ""
    if params.pop("ready", None):
        agent.ok("ReadyForService")
    if params.get("ChannelId") == "customer":
        params["ChannelId"] = call.customer_leg
    seen.clear()
    before = quiet_engine.snapshot()
    reply = agent.do(action, **{"JobId": call.job, **params})
    assert reply.body["Code"] == code, reply.body
    if fill is not None:
        assert reply.body["Params"] == fill
    assert quiet_engine.snapshot() == before and seen == []
