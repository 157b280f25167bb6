"""Supervision: MonitorCall, CoachCall, BargeInCall, InterceptCall, their events and errors.

Golden scenarios pin the exact events of monitor -> coach -> barge-in and of an intercept;
the error rows pin each documented refusal, and that a refusal changes nothing; the release
cascade's supervisor rows are seen end to end (the supervisor back in READY, no wrap-up).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import AGENT, GROUP, INSTANCE, START, Agent, Call, signal

from callstate import Engine, Event, Ids, ManualClock, WorldError, default_world
from callstate.domain import World

SUPERVISOR = "supervisor@ccc-test"  # a member of the group who supervises it
OTHER = "user-two@ccc-test"  # another agent of the group, supervising nobody


def _world() -> dict[str, Any]:
    world = default_world().to_dict()
    world["instances"][0]["users"] += [
        {"userId": SUPERVISOR, "extension": "80011479", "skillGroups": [GROUP],
         "supervises": [GROUP]},
        {"userId": OTHER, "extension": "80011475", "skillGroups": [GROUP]},
    ]  # fmt: skip
    return world


class Floor:
    """An agent talking to a customer, a supervisor signed in and READY, the events seen."""

    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.engine = Engine(_world(), clock=self.clock, ids=Ids(seed=13), network=None)
        self.agent = Agent(self.engine, self.clock)
        self.sup = Agent(self.engine, self.clock, SUPERVISOR, "dev-sup")
        self.other = Agent(self.engine, self.clock, OTHER, "dev-other")
        self.sup.sign_in()
        self.agent.sign_in()
        self.call = self.agent.dial("13900000000")
        assert signal(self.engine, "FarEndAnswered", self.call, self.call.customer_leg).ok
        self.events: list[Event] = []
        self.engine.subscribe(self.events.append)

    def supervise(self, action: str, **params: str) -> dict[str, Any]:
        """Supervisor's ``action`` on the agent (the parameter naming the agent is added)."""
        self.clock.advance(1_000)
        return self.sup.ok(action, **{_NAMES[action]: AGENT, **params})

    def seen(self) -> list[tuple[str, str]]:
        """The events since the last call, as (type, agentId)."""
        seen = [(e.event_type.value, e.agent_id) for e in self.events]
        self.events.clear()
        return seen

    def state(self) -> Any:
        return self.engine.snapshot()["instances"][INSTANCE]


_NAMES = {
    "MonitorCall": "MonitoredUserId",
    "CoachCall": "CoachedUserId",
    "BargeInCall": "BargedUserId",
    "InterceptCall": "InterceptedUserId",
}


@pytest.fixture
def floor() -> Iterator[Floor]:
    floor = Floor()
    yield floor
    floor.engine.close()


def _flags(data: dict[str, Any]) -> dict[str, str]:
    """ChannelFlags of each live leg, by its user ("" for the customer)."""
    return {c["UserId"]: c["ChannelFlags"] for c in data["CallContext"]["ChannelContexts"]
            if c["ChannelState"] != "RELEASED"}  # fmt: skip


def _board(floor: Floor) -> dict[str, tuple[str, str, str]]:
    page = {"InstanceId": INSTANCE, "PageNumber": "1", "PageSize": "10"}
    reply = floor.engine.handle("ListRealtimeAgentStates", page)
    return {r["AgentId"]: (r["State"], r["StateCode"], r["CounterParty"])
            for r in reply.body["Data"]["List"]}  # fmt: skip


S, A = SUPERVISOR, AGENT


def test_monitor_then_coach_then_barge_in_then_the_agent_hangs_up(floor: Floor) -> None:
    job = floor.call.job
    data = floor.supervise("MonitorCall")
    assert floor.seen() == [("Established", S), ("AgentTalk", S), ("StartMonitor", S)]
    assert data["CallContext"]["JobId"] == job
    assert data["UserContext"]["UserState"] == "TALKING"
    assert data["UserContext"]["JobId"] == job
    assert _flags(data) == {A: "", "": "", S: "MONITORING"}
    board = _board(floor)
    assert board[S] == ("Talking", "Monitoring", A)
    assert board[A] == ("Talking", "Monitored", S)

    data = floor.supervise("CoachCall", JobId=job)
    assert floor.seen() == [("StopMonitor", S), ("StartCoach", S)]
    assert _flags(data) == {A: "", "": "", S: "COACHING"}

    data = floor.supervise("BargeInCall", JobId=job)
    assert floor.seen() == [("StopCoach", S), ("BargeIn", S)]
    assert _flags(data) == {A: "", "": "", S: ""}
    assert _board(floor)[A] == ("Talking", "Monitored", S)

    # the agent leaves: nobody supervises a call without its agent; the supervisor is READY
    floor.clock.advance(1_000)
    floor.agent.ok("ReleaseCall", JobId=job)
    assert floor.seen() == [
        ("Released", A), ("AgentRelease", A), ("Released", S), ("AgentReady", S),
        ("Released", ""), ("CDRReady", ""),
    ]  # fmt: skip
    sup = floor.sup.poll()["UserContext"]
    assert (sup["UserState"], sup["JobId"]) == ("READY", "")
    assert floor.agent.poll()["UserContext"]["UserState"] == "WORKING"


def test_a_monitoring_supervisor_hangs_up_straight_to_ready(floor: Floor) -> None:
    floor.supervise("MonitorCall")
    floor.seen()
    data = floor.sup.ok("ReleaseCall", JobId=floor.call.job)
    assert floor.seen() == [("Released", S), ("StopMonitor", S), ("AgentReady", S)]
    assert data["UserContext"]["UserState"] == "READY"
    assert _board(floor)[A] == ("Talking", "", "")
    assert floor.agent.poll()["UserContext"]["UserState"] == "TALKING"


def test_intercept_takes_the_call_and_sends_the_agent_to_wrap_up(floor: Floor) -> None:
    job = floor.call.job
    floor.supervise("MonitorCall")
    floor.seen()
    data = floor.supervise("InterceptCall", JobId=job)
    assert floor.seen() == [
        ("StopMonitor", S), ("Released", A), ("AgentRelease", A), ("Intercept", S),
    ]  # fmt: skip
    assert _flags(data) == {"": "", S: ""}
    assert floor.agent.poll()["UserContext"]["UserState"] == "WORKING"
    assert _board(floor)[S] == ("Talking", "", "")
    # the supervisor is the call's agent now: hanging up ends the call and means wrap-up
    floor.sup.ok("ReleaseCall", JobId=job)
    assert floor.seen() == [
        ("Released", S), ("AgentRelease", S), ("Released", ""), ("CDRReady", ""),
    ]  # fmt: skip
    assert floor.sup.poll()["UserContext"]["UserState"] == "WORKING"


def test_intercept_from_ready_connects_the_supervisor_first(floor: Floor) -> None:
    floor.supervise("InterceptCall", JobId=floor.call.job)
    assert floor.seen() == [
        ("Established", S), ("AgentTalk", S), ("Released", A), ("AgentRelease", A),
        ("Intercept", S),
    ]  # fmt: skip


def test_the_customer_hanging_up_ends_supervision_too(floor: Floor) -> None:
    floor.supervise("CoachCall", JobId=floor.call.job)
    floor.seen()
    assert signal(floor.engine, "FarEndHungUp", floor.call, floor.call.customer_leg).ok
    assert floor.seen() == [
        ("Released", ""), ("Released", A), ("AgentRelease", A),
        ("Released", S), ("StopCoach", S), ("AgentReady", S), ("CDRReady", ""),
    ]  # fmt: skip


# --- refusals: each documented, each changing nothing ----------------------------------------
def _busy_elsewhere(floor: Floor) -> None:
    """The supervisor is on break: it is not READY to supervise."""
    floor.sup.ok("TakeBreak", Code="Lunch")


def _agent_not_talking(floor: Floor) -> None:
    floor.agent.ok("ReleaseCall", JobId=floor.call.job)


def _already_monitoring(floor: Floor) -> None:
    floor.supervise("MonitorCall")


def _already_coaching(floor: Floor) -> None:
    floor.supervise("CoachCall", JobId=floor.call.job)


def _other_talking(floor: Floor) -> None:
    floor.other.sign_in()


def _nothing(floor: Floor) -> None:
    """No preparation."""


JOB = "{job}"
ERRORS: dict[str, tuple[Any, str, dict[str, str], str, list[str]]] = {
    # name: (preparation, action, params (UserId: the supervisor's), code, Params)
    "no monitored user": (_nothing, "MonitorCall", {"MonitoredUserId": ""},
                          "Parameter.Blank", ["MonitoredUserId"]),
    "timeout too short": (_nothing, "MonitorCall", {"TimeoutSeconds": "5"},
                          "Parameter.Minimum", ["TimeoutSeconds", "30"]),
    "supervising oneself": (_nothing, "CoachCall", {"JobId": JOB, "CoachedUserId": S},
                            "Parameter.Invalid",
                            ["CoachedUserId", "A user cannot supervise itself"]),
    "unknown agent": (_nothing, "BargeInCall", {"JobId": JOB, "BargedUserId": "nobody"},
                      "NotExists.UserId", ["nobody", INSTANCE]),
    "unknown call": (_nothing, "InterceptCall", {"JobId": "job-0"},
                     "NotExists.JobId", ["job-0"]),
    "not the supervisor's device": (_nothing, "MonitorCall", {"DeviceId": "dev-x"},
                                    "Permission.DeviceId", ["dev-x", S]),
    "agent not on that call": (_other_talking, "CoachCall",
                               {"JobId": JOB, "CoachedUserId": OTHER},
                               "Permission.JobId", [OTHER, JOB]),
    "monitored agent not talking": (_agent_not_talking, "MonitorCall", {},
                                    "InvalidOperation.UserState", ["WORKING", "TALKING"]),
    "supervisor not ready": (_busy_elsewhere, "MonitorCall", {},
                             "InvalidOperation.UserState", ["BREAK", "READY"]),
    "monitoring twice": (_already_monitoring, "MonitorCall", {},
                         "InvalidOperation.ChannelState", ["MONITORING", "NONE"]),
    "coaching back to monitoring": (_already_coaching, "MonitorCall", {},
                                    "InvalidOperation.ChannelState", ["COACHING", "NONE"]),
    "coaching twice": (_already_coaching, "CoachCall", {"JobId": JOB},
                       "InvalidOperation.ChannelState", ["COACHING", "MONITORING,NONE"]),
}  # fmt: skip


@pytest.mark.parametrize("name", list(ERRORS))
def test_a_refused_supervision_is_documented_and_changes_nothing(floor: Floor, name: str) -> None:
    prepare, action, params, code, expected = ERRORS[name]
    prepare(floor)
    job = floor.call.job
    sent = {_NAMES[action]: AGENT, **{k: v.replace(JOB, job) for k, v in params.items()}}
    before = floor.state()
    floor.events.clear()
    reply = floor.sup.do(action, **sent)
    assert (reply.body["Code"], reply.body["Params"]) == (
        code, [p.replace(JOB, job) for p in expected]
    )  # fmt: skip
    assert floor.state() == before
    assert floor.events == []


def test_a_user_supervising_no_group_of_the_agent_is_refused(floor: Floor) -> None:
    floor.other.sign_in()
    before = floor.state()
    reply = floor.other.do("MonitorCall", MonitoredUserId=AGENT)
    assert (reply.status, reply.body["Code"], reply.body["Params"]) == (
        403, "Permission.User", [AGENT]
    )  # fmt: skip
    assert reply.body["Message"] == f"You have no permission to access user(s) {AGENT}."
    assert floor.state() == before


def test_a_supervisor_supervises_one_call_at_a_time(floor: Floor) -> None:
    floor.supervise("MonitorCall")
    floor.other.sign_in()
    other = Call.of(floor.other.ok("MakeCall", Caller="01012345678", Callee="13900000001")
                    ["CallContext"])  # fmt: skip
    assert signal(floor.engine, "FarEndAnswered", other, other.customer_leg).ok
    reply = floor.sup.do("CoachCall", JobId=other.job, CoachedUserId=OTHER)
    assert (reply.body["Code"], reply.body["Params"]) == (
        "InvalidOperation.UserState", ["TALKING", "READY"]
    )  # fmt: skip


def test_the_world_names_only_its_own_groups_as_supervised() -> None:
    world = _world()
    world["instances"][0]["users"][1]["supervises"] = ["no-such-group"]
    with pytest.raises(WorldError, match=r"users\[1\]\.supervises\[0\]: no skill group"):
        World.from_dict(world)
    read = World.from_dict(_world())
    assert World.from_dict(json.loads(json.dumps(read.to_dict()))) == read
    assert read.instances[INSTANCE].users[SUPERVISOR].supervises == (GROUP,)
