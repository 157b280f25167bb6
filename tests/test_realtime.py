"""The real-time board: ListRealtimeAgentStates and ListRealtimeSkillGroupStates.

Both are read-only: they commit nothing (no event, no instant, no Heartbeat) and answer from
one read of the store, after what fell due by now was applied. Their pages, filters and
refusals are checked on a world of five agents in two groups.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import GROUP, INSTANCE, NUMBER, START

from callstate import Engine, Ids, ManualClock, Reply, default_world
from callstate.domain import ListRealtimeAgentStates, Page, RealtimeState

OTHER = "other@ccc-test"
AGENTS = [f"agent-{i}@ccc-test" for i in range(1, 6)]
CALLER = "13100000000"


def world(**instance: Any) -> dict[str, Any]:
    data = default_world().to_dict()
    inst = data["instances"][0]
    inst["skillGroups"].append({"skillGroupId": OTHER, "name": "other"})
    inst["users"] = [
        {"userId": uid, "extension": f"800{i}", "mobile": f"1390000000{i}",
         "skillGroups": [GROUP, OTHER] if i == 5 else [GROUP]}
        for i, uid in enumerate(AGENTS, 1)
    ]  # fmt: skip
    inst.update(instance)
    return data


@pytest.fixture
def board(clock: ManualClock) -> Iterator[Engine]:
    engine = Engine(world(), clock=clock, ids=Ids(seed=3), network=None)
    yield engine
    engine.close()


def act(engine: Engine, action: str, user: str, **params: str) -> dict[str, Any]:
    reply = engine.handle(action, {"InstanceId": INSTANCE, "UserId": user, **params})
    assert reply.ok, reply.body
    return reply.body["Data"]  # type: ignore[no-any-return]


def sign_in(engine: Engine, user: str, groups: tuple[str, ...] = (GROUP,)) -> None:
    act(engine, "SignInGroup", user, DeviceId="dev", SignedSkillGroupIdList=json.dumps(groups))


def arrive(engine: Engine) -> str:
    reply = engine.signal("CallArrived", {"InstanceId": INSTANCE, "Caller": CALLER,
                                          "Callee": NUMBER})  # fmt: skip
    assert reply.ok, reply.body
    return str(reply.body["Data"]["CallContext"]["JobId"])


def query(engine: Engine, action: str, **params: str) -> Reply:
    return engine.handle(action, {"InstanceId": INSTANCE, "PageNumber": "1", "PageSize": "10",
                                  **params})  # fmt: skip


def rows(engine: Engine, action: str, **params: str) -> list[dict[str, Any]]:
    reply = query(engine, action, **params)
    assert reply.ok, reply.body
    return reply.body["Data"]["List"]  # type: ignore[no-any-return]


def states(engine: Engine, **params: str) -> dict[str, str]:
    return {r["AgentId"]: r["State"] for r in rows(engine, "ListRealtimeAgentStates", **params)}


def busy_centre(engine: Engine, clock: ManualClock) -> str:
    """agent-1 TALKING on an inbound call, agent-2 ACW, agent-3 on break, agent-4 offline,
    agent-5 READY in the other group only; one call waits; answers its JobId."""
    sign_in(engine, AGENTS[0])
    act(engine, "AnswerCall", AGENTS[0], JobId=arrive(engine))
    sign_in(engine, AGENTS[1])
    made = act(engine, "MakeCall", AGENTS[1], Caller=NUMBER, Callee="13188888888")
    act(engine, "ReleaseCall", AGENTS[1], JobId=made["CallContext"]["JobId"])
    sign_in(engine, AGENTS[2])
    act(engine, "TakeBreak", AGENTS[2], Code="Lunch")
    sign_in(engine, AGENTS[4], (OTHER,))
    clock.advance(2_000)
    waiting = arrive(engine)
    clock.advance(3_000)
    return waiting


def test_agents_read_in_the_realtime_vocabulary(board: Engine, clock: ManualClock) -> None:
    busy_centre(board, clock)
    expected = ["Talking", "ACW", "Break", "Offline", "Ready"]
    assert states(board) == dict(zip(AGENTS, expected, strict=True))
    talking, _, on_break, _, ready = rows(board, "ListRealtimeAgentStates")
    assert (talking["CallType"], talking["Duration"], talking["StateTime"]) == ("INBOUND", 5, START)
    assert (on_break["BreakCode"], ready["BreakCode"]) == ("Lunch", "")
    assert (ready["SkillGroupIdList"], ready["SkillGroupNameList"]) == ([OTHER], ["other"])


def test_groups_count_their_agents_by_state_and_their_waiting_calls(
    board: Engine, clock: ManualClock
) -> None:
    busy_centre(board, clock)
    group, other = rows(board, "ListRealtimeSkillGroupStates")
    assert group == {
        "BreakCodeDetailList": [{"BreakCode": "Lunch", "Count": 1}], "BreakingAgents": 1,
        "InstanceId": INSTANCE, "LoggedInAgents": 3, "LongestWaitingTime": 3,
        "OutboundScenarioReadyAgents": 0, "ReadyAgents": 0, "SkillGroupId": GROUP,
        "SkillGroupName": "skill-group", "TalkingAgents": 1, "TotalAgents": 5,
        "WaitingCalls": 1, "WorkingAgents": 1,
    }  # fmt: skip
    counts = (other["TotalAgents"], other["LoggedInAgents"], other["ReadyAgents"])
    assert counts == (1, 1, 1) and other["WaitingCalls"] == 0


def test_filters_all_hold(board: Engine, clock: ManualClock) -> None:
    busy_centre(board, clock)
    assert list(states(board, StateList='["Break","ACW","Offline"]')) == AGENTS[1:4]
    assert list(states(board, AgentIdList=json.dumps(AGENTS[3:]))) == AGENTS[3:]
    assert list(states(board, SkillGroupId=OTHER)) == [AGENTS[4]]
    assert states(board, SkillGroupId=OTHER, StateList='["Offline"]') == {}
    listed = rows(board, "ListRealtimeSkillGroupStates", SkillGroupIdList=json.dumps([OTHER]))
    assert [g["SkillGroupId"] for g in listed] == [OTHER]


def test_pages_cut_the_filtered_rows(board: Engine) -> None:
    for page, expected in [(1, AGENTS[:2]), (2, AGENTS[2:4]), (3, AGENTS[4:]), (4, [])]:
        reply = query(board, "ListRealtimeAgentStates", PageNumber=str(page), PageSize="2")
        data = reply.body["Data"]
        assert [r["AgentId"] for r in data["List"]] == expected
        assert (data["PageNumber"], data["PageSize"], data["TotalCount"]) == (page, 2, 5)


@pytest.mark.parametrize(
    ("params", "code", "error_params"),
    [
        ({"PageNumber": "0"}, "Parameter.Minimum", ["PageNumber", "1"]),
        ({"PageNumber": "101"}, "Parameter.Maximum", ["PageNumber", "100"]),
        ({"PageSize": "0"}, "Parameter.Minimum", ["PageSize", "1"]),
        ({"PageSize": " "}, "Parameter.Blank", ["PageSize"]),
        ({"PageSize": "ten"}, "Parameter.Format", ["PageSize", "It must be an integer."]),
        ({"StateList": '["READY"]'}, "Parameter.Enumeration",
         ["StateList", ",".join(s.value for s in RealtimeState)]),
        ({"StateList": '"Ready"'}, "Parameter.Format",
         ["StateList", "It must be a JSON array of non-blank strings."]),
        ({"AgentIdList": json.dumps(["a"] * 21)}, "Parameter.Invalid",
         ["AgentIdList", "It names at most 20 agents"]),
        ({"AgentIdList": '["nobody"]'}, "NotExists.UserId", ["nobody", INSTANCE]),
        ({"SkillGroupId": "nowhere"}, "NotExists.SkillGroupId", ["nowhere", INSTANCE]),
        ({"InstanceId": "elsewhere"}, "NotExists.InstanceId", ["elsewhere"]),
    ],
)  # fmt: skip
def test_bad_paging_and_filters_are_refused(
    board: Engine, params: dict[str, str], code: str, error_params: list[str]
) -> None:
    reply = query(board, "ListRealtimeAgentStates", **params)
    assert (reply.body["Code"], reply.body["Params"]) == (code, error_params)


def test_an_unknown_group_in_the_group_list_is_refused(board: Engine) -> None:
    reply = query(board, "ListRealtimeSkillGroupStates", SkillGroupIdList='["nowhere"]')
    assert (reply.status, reply.body["Code"]) == (404, "NotExists.SkillGroupId")


def test_a_query_commits_nothing(board: Engine, clock: ManualClock) -> None:
    busy_centre(board, clock)
    before = board.view(INSTANCE)
    assert before is not None
    clock.advance(7_000)
    for action in ("ListRealtimeAgentStates", "ListRealtimeSkillGroupStates"):
        assert query(board, action).ok
    typed = board.execute(ListRealtimeAgentStates(INSTANCE, 1, 10))
    assert typed.ok and typed.events == () and typed.seq == before.seq
    assert isinstance(typed.answer, Page) and typed.answer.total_count == 5
    assert [row.state for row in typed.answer.rows][:2] == [
        RealtimeState.TALKING,
        RealtimeState.ACW,
    ]
    after = board.view(INSTANCE)
    assert after is not None
    assert (after.seq, after.last_now) == (before.seq, before.last_now)
    assert after.users == before.users and after.jobs == before.jobs


def test_a_query_is_no_heartbeat(clock: ManualClock) -> None:
    """An agent whose client only reads the board is signed out when its heartbeat lapses."""
    engine = Engine(world(heartbeatTimeoutMs=10_000), clock=clock, ids=Ids(seed=3), network=None)
    sign_in(engine, AGENTS[0])
    for _ in range(3):
        clock.advance(4_000)
        assert states(engine, AgentIdList=json.dumps(AGENTS[:1]))  # read as the agent's client
    assert states(engine, AgentIdList=json.dumps(AGENTS[:1])) == {AGENTS[0]: "Offline"}


def test_a_query_answers_as_of_now_what_fell_due_applied(board: Engine, clock: ManualClock) -> None:
    sign_in(board, AGENTS[0])
    arrive(board)
    assert states(board, AgentIdList=json.dumps(AGENTS[:1])) == {AGENTS[0]: "Ringing"}
    clock.advance(30_000)  # the bundled ring timeout: the offer rang out, the call waits again
    assert states(board, AgentIdList=json.dumps(AGENTS[:1])) == {AGENTS[0]: "Break"}
    (group, _) = rows(board, "ListRealtimeSkillGroupStates")
    assert (group["WaitingCalls"], group["BreakCodeDetailList"]) == (
        1, [{"BreakCode": "RingingTimeout", "Count": 1}])  # fmt: skip
