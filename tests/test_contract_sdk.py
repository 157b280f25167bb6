"""SDK contract: every action's success body is what ``alibabacloud_ccc20200701`` 2.35.0 reads.

For each action a real engine is driven through a scenario in which the action
succeeds with a meaningful state (a call with a held leg, an inbound offer answered, ...). Then:

(a) the SDK's ``<Action>ResponseBody`` model reads the body and writes it back unchanged,
    except HoldCall's ``ChannelContexts[].AssociatedData``, which the seed documents and the SDK
    model lacks (SPEC §5);
(b) the body's keys are the SDK model's keys at every level, list items included, and every
    value has the type the SDK model annotates;
(c) our declared shapes (``callstate.api.SHAPES``) are the SDK's key tree, with the same types,
    HoldCall's ``AssociatedData`` again excepted.

The SDK's key tree is derived by introspection of the generated models (``sdk_trees.py``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from conftest import AGENT, CUSTOMER, DEVICE, GROUP, INSTANCE, NUMBER, START, Agent, Call
from contract_reads import READ_SCENARIOS
from darabonba.model import DaraModel
from sdk_trees import (
    assert_matches,
    sdk_body_model,
    sdk_body_tree,
    shape_without_associated_data,
    struct_lists,
    without_associated_data,
)

from callstate import Engine, Ids, ManualClock, Reply, default_world
from callstate.api import SHAPES, envelope
from callstate.api._shapes import BOOL, INT, STR, STRS, WITHOUT_PARAMS
from callstate.domain import ACTIONS

ACTION_NAMES = (
    "SignInGroup",
    "SignOutGroup",
    "ReadyForService",
    "TakeBreak",
    "ChangeWorkMode",
    "ResetAgentState",
    "PollUserStatus",
    "MakeCall",
    "AnswerCall",
    "HoldCall",
    "RetrieveCall",
    "ReleaseCall",
    "ClaimCall",
    "BlindTransfer",
    "InitiateAttendedTransfer",
    "CompleteAttendedTransfer",
    "CancelAttendedTransfer",
    "SwitchToConference",
    "StartConference",
    "EndConference",
    "ListRealtimeAgentStates",
    "ListRealtimeSkillGroupStates",
    "MuteCall",
    "UnmuteCall",
    "SendDtmfSignaling",
    "ChangeVisibility",
    "MonitorCall",
    "CoachCall",
    "BargeInCall",
    "InterceptCall",
    *(action for action, _ in READ_SCENARIOS.values()),
)
INBOUND_CALLER = "13100000000"

# --- scenarios: each ends with the action under test succeeding ------------------------------


class Desk:
    """An engine without a simulated network, one agent, and the calls it is on."""

    def __init__(self, world: Any = None) -> None:
        self.clock = ManualClock(START)
        self.engine = Engine(world, clock=self.clock, ids=Ids(seed=20200701), network=None)
        self.agent = Agent(self.engine, self.clock)

    def step(self) -> None:
        self.clock.advance(1_000)

    def sign_in(self) -> None:
        self.agent.ok(
            "SignInGroup", SignedSkillGroupIdList=json.dumps([GROUP]), ChatDeviceId="chat-1"
        )
        self.step()

    def talking(self) -> Call:
        """Signed in, dialled CUSTOMER, the customer answered: a two-party call."""
        self.sign_in()
        call = self.agent.dial(CUSTOMER)
        self.step()
        reply = self.engine.signal(
            "FarEndAnswered",
            {"InstanceId": INSTANCE, "JobId": call.job, "ChannelId": call.customer_leg},
        )
        assert reply.ok, reply.body
        assert reply.body["Data"]["UserContext"]["UserState"] == "TALKING"
        self.step()
        return call

    def held(self) -> Call:
        call = self.talking()
        self.agent.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
        self.step()
        return call

    def do(self, action: str, **params: Any) -> Reply:
        reply = self.agent.do(action, **params)
        assert reply.status == 200, reply.body
        return reply


def _sign_in(d: Desk) -> Reply:
    return d.do("SignInGroup", SignedSkillGroupIdList=json.dumps([GROUP]), ChatDeviceId="chat-1")


def _sign_out(d: Desk) -> Reply:
    d.sign_in()
    return d.do("SignOutGroup")


def _ready(d: Desk) -> Reply:
    d.sign_in()
    d.agent.ok("TakeBreak", Code="Lunch")
    d.step()
    return d.do("ReadyForService", OutboundScenario="true")


def _take_break(d: Desk) -> Reply:
    d.sign_in()
    return d.do("TakeBreak", Code="Lunch")


def _change_work_mode(d: Desk) -> Reply:
    d.sign_in()
    return d.do("ChangeWorkMode", WorkMode="OFF_SITE", Mobile="13900000009")


def _reset(d: Desk) -> Reply:
    d.held()
    return d.do("ResetAgentState")


def _poll_on_call(d: Desk) -> Reply:
    d.held()
    return d.do("PollUserStatus")


def _poll_idle(d: Desk) -> Reply:
    d.sign_in()
    return d.do("PollUserStatus")


def _make_call(d: Desk) -> Reply:
    d.sign_in()
    return d.do("MakeCall", Caller=NUMBER, Callee=CUSTOMER, MediaType="AUDIO")


def _answer_call(d: Desk) -> Reply:
    d.sign_in()
    offered = d.engine.signal(
        "CallOffered",
        {
            "InstanceId": INSTANCE,
            "Caller": INBOUND_CALLER,
            "Callee": NUMBER,
            "UserId": AGENT,
            "SkillGroupId": GROUP,
        },
    )
    assert offered.ok, offered.body
    d.step()
    return d.do("AnswerCall", JobId=offered.body["Data"]["CallContext"]["JobId"])


def _hold_call(d: Desk) -> Reply:
    call = d.talking()
    return d.do("HoldCall", JobId=call.job, ChannelId=call.customer_leg)


def _retrieve_call(d: Desk) -> Reply:
    call = d.held()
    return d.do("RetrieveCall", JobId=call.job, ChannelId=call.customer_leg)


def _release_call(d: Desk) -> Reply:
    call = d.talking()
    return d.do("ReleaseCall", JobId=call.job)


def _claim_call(d: Desk) -> Reply:
    world = default_world().to_dict()
    world["instances"][0]["skillGroups"][0]["routingType"] = "Manual"
    d.engine.reset(world)
    d.sign_in()
    arrived = d.engine.signal(
        "CallArrived", {"InstanceId": INSTANCE, "Caller": INBOUND_CALLER, "Callee": NUMBER}
    )
    assert arrived.ok, arrived.body
    assert arrived.body["Data"]["CallContext"]["ChannelContexts"][0]["ChannelState"] == "ANSWERED"
    d.step()
    return d.do("ClaimCall", JobId=arrived.body["Data"]["CallContext"]["JobId"])


SECOND = "user-two@ccc-test"


def _blind_transfer(d: Desk) -> Reply:
    call = d.talking()
    return d.do("BlindTransfer", JobId=call.job, Transferee=GROUP, TransfereeType="SKILL_GROUP")


SECOND_EXTENSION = "80011475"


def _second_agent(d: Desk) -> Agent:
    """A second agent of the group (at :data:`SECOND_EXTENSION`), signed in and READY."""
    world = default_world().to_dict()
    world["instances"][0]["users"].append(
        {"userId": SECOND, "extension": SECOND_EXTENSION, "skillGroups": [GROUP]}
    )
    d.engine.reset(world)
    second = Agent(d.engine, d.clock, SECOND, "dev-two")
    second.sign_in()
    return second


def _consulting(d: Desk) -> tuple[Call, Agent]:
    """A second agent READY, the first talking and consulting it (ringing)."""
    second = _second_agent(d)
    call = d.talking()
    d.agent.ok("InitiateAttendedTransfer", JobId=call.job, Transferee=SECOND)
    d.step()
    return call, second


def _initiate_attended_transfer(d: Desk) -> Reply:
    call, _ = _consulting(d)
    d.agent.ok("CancelAttendedTransfer", JobId=call.job)
    d.step()
    return d.do("InitiateAttendedTransfer", JobId=call.job, Transferee=SECOND)


def _complete_attended_transfer(d: Desk) -> Reply:
    call, second = _consulting(d)
    second.ok("AnswerCall", JobId=call.job)
    d.step()
    return d.do("CompleteAttendedTransfer", JobId=call.job)


def _cancel_attended_transfer(d: Desk) -> Reply:
    call, _ = _consulting(d)
    return d.do("CancelAttendedTransfer", JobId=call.job)


def _switch_to_conference(d: Desk) -> Reply:
    call, second = _consulting(d)
    second.ok("AnswerCall", JobId=call.job)
    d.step()
    return d.do("SwitchToConference", JobId=call.job)


def _start_conference(d: Desk) -> Reply:
    call, _ = _consulting(d)  # the second agent is provisioned, and rings
    d.agent.ok("CancelAttendedTransfer", JobId=call.job)
    d.agent.ok("ReleaseCall", JobId=call.job)
    d.agent.ok("ReadyForService")
    d.step()
    return d.do("StartConference", ParticipantListJson=f'["{SECOND_EXTENSION}"]')


def _end_conference(d: Desk) -> Reply:
    call, second = _consulting(d)
    second.ok("AnswerCall", JobId=call.job)
    d.agent.ok("SwitchToConference", JobId=call.job)
    d.step()
    return d.do("EndConference", JobId=call.job)


def _board(d: Desk, action: str, **params: str) -> Reply:
    reply = d.engine.handle(action, {"InstanceId": INSTANCE, "PageNumber": "1",
                                     "PageSize": "10", **params})  # fmt: skip
    assert reply.status == 200, reply.body
    return reply


def _agent_states(d: Desk) -> Reply:
    d.sign_in()
    arrived = d.engine.signal(
        "CallArrived", {"InstanceId": INSTANCE, "Caller": INBOUND_CALLER, "Callee": NUMBER}
    )
    assert arrived.ok, arrived.body
    d.do("AnswerCall", JobId=arrived.body["Data"]["CallContext"]["JobId"])
    d.step()
    return _board(d, "ListRealtimeAgentStates", StateList='["Talking"]', AgentIdList=f'["{AGENT}"]')


def _group_states(d: Desk) -> Reply:
    d.sign_in()
    d.agent.ok("TakeBreak", Code="Lunch")
    arrived = d.engine.signal(
        "CallArrived", {"InstanceId": INSTANCE, "Caller": INBOUND_CALLER, "Callee": NUMBER}
    )
    assert arrived.ok, arrived.body
    d.step()
    return _board(d, "ListRealtimeSkillGroupStates", SkillGroupIdList=f'["{GROUP}"]')


def _mute_call(d: Desk) -> Reply:
    call = d.held()
    return d.do("MuteCall", JobId=call.job, ChannelId=call.customer_leg)


def _unmute_call(d: Desk) -> Reply:
    call = d.talking()
    d.agent.ok("MuteCall", JobId=call.job)
    d.step()
    return d.do("UnmuteCall")


def _send_dtmf(d: Desk) -> Reply:
    call = d.talking()
    return d.do("SendDtmfSignaling", JobId=call.job, ChannelId=call.customer_leg, Dtmf="1*#")


def _change_visibility(d: Desk) -> Reply:
    d.sign_in()
    return d.do("ChangeVisibility", Invisible="true")


SUPERVISOR = "supervisor@ccc-test"


def _supervising(d: Desk, action: str, named: str) -> Reply:
    """A supervisor of the group, after monitoring the talking agent, takes ``action``."""
    world = default_world().to_dict()
    world["instances"][0]["users"].append(
        {"userId": SUPERVISOR, "extension": "80011479", "skillGroups": [GROUP],
         "supervises": [GROUP]}
    )  # fmt: skip
    d.engine.reset(world)
    call = d.talking()
    sup = Agent(d.engine, d.clock, SUPERVISOR, "dev-sup")
    sup.sign_in()
    if action != "MonitorCall":
        sup.ok("MonitorCall", MonitoredUserId=AGENT)
    d.step()
    reply = sup.do(action, **{named: AGENT, "JobId": call.job})
    assert reply.status == 200, reply.body
    return reply


def _calling_colleague(d: Desk) -> tuple[Agent, Reply]:
    """The agent, signed in, makes an internal call to a READY colleague's extension."""
    colleague = _second_agent(d)
    d.sign_in()
    return colleague, d.do("MakeCall", Callee=SECOND_EXTENSION)


def _answer_internal_call(d: Desk) -> Reply:
    colleague, made = _calling_colleague(d)
    d.step()
    reply = colleague.do("AnswerCall", JobId=made.body["Data"]["CallContext"]["JobId"])
    assert reply.status == 200, reply.body
    return reply


SCENARIOS: dict[str, tuple[str, Callable[[Desk], Reply]]] = {
    "SignInGroup": ("SignInGroup", _sign_in),
    "SignOutGroup": ("SignOutGroup", _sign_out),
    "ReadyForService": ("ReadyForService", _ready),
    "TakeBreak": ("TakeBreak", _take_break),
    "ChangeWorkMode": ("ChangeWorkMode", _change_work_mode),
    "ResetAgentState": ("ResetAgentState", _reset),
    "PollUserStatus-on-call-with-held-leg": ("PollUserStatus", _poll_on_call),
    "PollUserStatus-no-call": ("PollUserStatus", _poll_idle),
    "MakeCall": ("MakeCall", _make_call),
    "AnswerCall": ("AnswerCall", _answer_call),
    "MakeCall-internal": ("MakeCall", lambda d: _calling_colleague(d)[1]),
    "AnswerCall-internal": ("AnswerCall", _answer_internal_call),
    "HoldCall": ("HoldCall", _hold_call),
    "RetrieveCall": ("RetrieveCall", _retrieve_call),
    "ReleaseCall": ("ReleaseCall", _release_call),
    "ClaimCall": ("ClaimCall", _claim_call),
    "BlindTransfer": ("BlindTransfer", _blind_transfer),
    "InitiateAttendedTransfer": ("InitiateAttendedTransfer", _initiate_attended_transfer),
    "CompleteAttendedTransfer": ("CompleteAttendedTransfer", _complete_attended_transfer),
    "CancelAttendedTransfer": ("CancelAttendedTransfer", _cancel_attended_transfer),
    "SwitchToConference": ("SwitchToConference", _switch_to_conference),
    "StartConference": ("StartConference", _start_conference),
    "EndConference": ("EndConference", _end_conference),
    "ListRealtimeAgentStates": ("ListRealtimeAgentStates", _agent_states),
    "ListRealtimeSkillGroupStates": ("ListRealtimeSkillGroupStates", _group_states),
    "MuteCall-held-leg": ("MuteCall", _mute_call),
    "UnmuteCall": ("UnmuteCall", _unmute_call),
    "SendDtmfSignaling": ("SendDtmfSignaling", _send_dtmf),
    "ChangeVisibility": ("ChangeVisibility", _change_visibility),
    "MonitorCall": ("MonitorCall", lambda d: _supervising(d, "MonitorCall", "MonitoredUserId")),
    "CoachCall": ("CoachCall", lambda d: _supervising(d, "CoachCall", "CoachedUserId")),
    "BargeInCall": ("BargeInCall", lambda d: _supervising(d, "BargeInCall", "BargedUserId")),
    "InterceptCall": (
        "InterceptCall",
        lambda d: _supervising(d, "InterceptCall", "InterceptedUserId"),
    ),
    **READ_SCENARIOS,
}


def play(scenario: str) -> tuple[str, Reply]:
    action, run = SCENARIOS[scenario]
    reply = run(Desk())
    assert reply.action == action
    assert reply.status == 200 and reply.body["Code"] == "OK", reply.body
    assert reply.body["HttpStatusCode"] == 200
    assert reply.body["Message"] == ""
    assert reply.body.get("Params", "none") == ("none" if action in WITHOUT_PARAMS else [])
    return action, reply


# --- meta-tests: the introspection and the comparison can see what they claim ----------------


def test_every_action_has_a_scenario_and_an_sdk_model() -> None:
    assert set(ACTION_NAMES) == set(ACTIONS)
    assert {action for action, _ in SCENARIOS.values()} == set(ACTION_NAMES)
    for action in ACTION_NAMES:
        assert issubclass(sdk_body_model(action), DaraModel)


def test_introspection_reads_the_hold_call_model_as_generated() -> None:
    tree = sdk_body_tree("HoldCall")
    assert tree["HttpStatusCode"] == INT
    assert tree["Params"] == STRS
    channel = tree["Data"]["CallContext"]["ChannelContexts"][0]
    assert channel["Timestamp"] == INT
    assert channel["SkillGroupId"] == STR
    assert "AssociatedData" not in channel
    assert tree["Data"]["UserContext"]["OutboundScenario"] == BOOL
    assert tree["Data"]["UserContext"]["SignedSkillGroupIdList"] == STRS


def test_the_comparison_detects_missing_extra_and_mistyped_keys() -> None:
    _, reply = play("HoldCall")
    tree = sdk_body_tree("HoldCall")
    good = without_associated_data(reply.body)
    assert_matches(tree, good, "$")
    mutations: tuple[Callable[[dict[str, Any]], object], ...] = (
        lambda b: b["Data"]["UserContext"].pop("Heartbeat"),
        lambda b: b["Data"]["CallContext"]["ChannelContexts"][0].update(Extra="x"),
        lambda b: b["Data"]["UserContext"].update(OutboundScenario="false"),
        lambda b: b["Data"]["CallContext"]["ChannelContexts"][0].update(Timestamp=True),
        lambda b: b["Data"]["UserContext"].update(SignedSkillGroupIdList='["g"]'),
    )
    for mutate in mutations:
        bad = copy.deepcopy(good)
        mutate(bad)
        with pytest.raises(AssertionError):
            assert_matches(tree, bad, "$")


# --- the contract ----------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_sdk_model_round_trips_the_body(scenario: str) -> None:
    """(a) ``Model().from_map(body).to_map() == body`` (HoldCall: less AssociatedData)."""
    action, reply = play(scenario)
    body = reply.body
    expected = without_associated_data(body) if action == "HoldCall" else body
    model = sdk_body_model(action)().from_map(copy.deepcopy(body))
    model.validate()
    assert model.to_map() == expected
    if action == "HoldCall":  # the SDK drops what it does not know: the comparison sees extras
        assert model.to_map() != body
    # the round trip is through the SDK's attributes, not a stored copy of the map
    assert model.request_id == body["RequestId"]
    assert model.http_status_code == 200


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_body_has_every_sdk_key_with_the_sdk_type(scenario: str) -> None:
    """(b) the body's key tree is the SDK model's, at every level and in every list item."""
    action, reply = play(scenario)
    body = without_associated_data(reply.body) if action == "HoldCall" else reply.body
    tree = sdk_body_tree(action)
    assert_matches(tree, body, action)
    # lists of structs: the call's legs and the queries' rows (and a group's break codes) are
    # listed; every other list has nothing to hold in callstate (chats, parallel jobs): []
    lists = dict(struct_lists(tree, body, action))
    listed = (".ChannelContexts", ".Data.List", ".BreakCodeDetailList", "ListDevices.Data")
    for path, items in lists.items():
        if path.endswith(listed) and scenario != "PollUserStatus-no-call":
            assert items, f"{path}: the scenario should list something"
        elif not path.endswith(listed):
            assert items == [], path
    expected_lists = {
        "PollUserStatus": {"CallContext.ChannelContexts", "ChatContexts",
                           "UserContext.ParallelJobList"},
        "MakeCall": {"CallContext.ChannelContexts"},
        "AnswerCall": {"CallContext.ChannelContexts"},
        "HoldCall": {"CallContext.ChannelContexts"},
        "RetrieveCall": {"CallContext.ChannelContexts"},
        "ReleaseCall": {"CallContext.ChannelContexts"},
        "ClaimCall": {"CallContext.ChannelContexts"},
        "BlindTransfer": {"CallContext.ChannelContexts"},
        "InitiateAttendedTransfer": {"CallContext.ChannelContexts"},
        "CompleteAttendedTransfer": {"CallContext.ChannelContexts"},
        "CancelAttendedTransfer": {"CallContext.ChannelContexts"},
        "SwitchToConference": {"CallContext.ChannelContexts"},
        "StartConference": {"CallContext.ChannelContexts"},
        "EndConference": {"CallContext.ChannelContexts"},
        "MonitorCall": {"CallContext.ChannelContexts"},
        "CoachCall": {"CallContext.ChannelContexts"},
        "BargeInCall": {"CallContext.ChannelContexts"},
        "InterceptCall": {"CallContext.ChannelContexts"},
        "ListRealtimeAgentStates": {"List"},
        "ListRealtimeSkillGroupStates": {"List", "List.BreakCodeDetailList"},
        "MuteCall": {"CallContext.ChannelContexts"},
        "UnmuteCall": {"CallContext.ChannelContexts"},
        "SendDtmfSignaling": {"CallContext.ChannelContexts"},
        "ListDevices": {"ListDevices.Data"},  # Data is the list of devices
        "RedialCall": {"CallContext.ChannelContexts"},
    }.get(action, set())  # fmt: skip
    assert {p.removeprefix(f"{action}.Data.") for p in lists} == expected_lists


@pytest.mark.parametrize("action", ACTION_NAMES)
def test_declared_shape_is_the_sdk_key_tree(action: str) -> None:
    """(c) ``SHAPES[action]`` in its envelope is the SDK's tree (HoldCall: plus AssociatedData)."""
    ours = envelope(SHAPES[action], action)
    if action == "HoldCall":
        ours = shape_without_associated_data(ours)
    assert ours == sdk_body_tree(action)


# --- what the scenarios show: the state is meaningful, not a body of empty values -------------


def test_poll_on_a_call_with_a_held_leg_lists_both_legs_and_flags_the_held_one() -> None:
    _, reply = play("PollUserStatus-on-call-with-held-leg")
    data = reply.body["Data"]
    channels = data["CallContext"]["ChannelContexts"]
    assert len(channels) == 2
    flags = {c["ChannelId"].split(":")[1]: c["ChannelFlags"] for c in channels}
    assert flags == {"user": "", "customer": "HOLD"}
    assert [c["Index"] for c in channels] == [0, 1]
    assert data["ChatContexts"] == []
    assert data["UserContext"]["ParallelJobList"] == []
    assert data["UserContext"]["UserState"] == "TALKING"
    assert data["CallContext"]["InstanceId"] == INSTANCE


def test_poll_with_no_call_answers_an_empty_call_context_and_empty_lists() -> None:
    _, reply = play("PollUserStatus-no-call")
    data = reply.body["Data"]
    assert data["ChatContexts"] == []
    assert data["CallContext"]["ChannelContexts"] == []
    assert data["CallContext"]["JobId"] == ""
    assert data["UserContext"]["UserState"] == "READY"
    assert data["UserContext"]["JobId"] == ""
    assert_matches(sdk_body_tree("PollUserStatus"), reply.body, "PollUserStatus")


@pytest.mark.parametrize(
    ("scenario", "states"),
    [
        ("MakeCall", ["ANSWERED", "CREATED"]),
        ("AnswerCall", ["ANSWERED", "ANSWERED"]),
        ("HoldCall", ["ANSWERED"]),
        ("RetrieveCall", ["ANSWERED", "ANSWERED"]),
        ("ReleaseCall", ["RELEASED", "RELEASED"]),
        ("ClaimCall", ["ANSWERED", "RINGING"]),
    ],
)
def test_call_scenarios_answer_with_their_legs(scenario: str, states: list[str]) -> None:
    _, reply = play(scenario)
    channels = reply.body["Data"]["CallContext"]["ChannelContexts"]
    assert [c["ChannelState"] for c in channels] == states
    user = reply.body["Data"]["UserContext"]
    assert user["DeviceId"] == DEVICE
    assert user["SignedSkillGroupIdList"] == [GROUP]
    if scenario == "ReleaseCall":
        assert all(c["ReleaseReason"] == "200 - Okay" for c in channels)


def test_the_agent_board_shows_the_agent_talking_on_the_inbound_call() -> None:
    _, reply = play("ListRealtimeAgentStates")
    data = reply.body["Data"]
    assert (data["PageNumber"], data["PageSize"], data["TotalCount"]) == (1, 10, 1)
    (row,) = data["List"]
    assert (row["AgentId"], row["State"], row["CallType"]) == (AGENT, "Talking", "INBOUND")
    assert (row["Duration"], row["StateTime"]) == (1, START + 1_000)
    assert row["SkillGroupIdList"] == [GROUP] and row["SkillGroupNameList"] == ["skill-group"]


def test_the_group_board_shows_the_waiting_call_and_the_agent_on_break() -> None:
    _, reply = play("ListRealtimeSkillGroupStates")
    (row,) = reply.body["Data"]["List"]
    assert (row["SkillGroupId"], row["WaitingCalls"], row["LongestWaitingTime"]) == (GROUP, 1, 1)
    assert (row["TotalAgents"], row["LoggedInAgents"], row["BreakingAgents"]) == (1, 1, 1)
    assert row["ReadyAgents"] == row["TalkingAgents"] == 0
    assert row["BreakCodeDetailList"] == [{"BreakCode": "Lunch", "Count": 1}]
