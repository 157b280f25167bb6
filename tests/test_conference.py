"""Conferences: a consultation switched to a three-party call, a new one, members leaving.

Every scenario runs on the routing world of ``test_routing`` (ANN, BEN and CAT at extensions
1001-1003); a switched conference starts from ANN consulting BEN about an inbound call. The
exact events name the agent second and the ``scenario`` third when the event has one.
"""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_ccc20200701 import models
from alibabacloud_tea_openapi.exceptions import ClientException
from server_support import client
from test_routing import ANN, BEN, CAT, INSTANCE, NUMBER, Centre
from test_transfers import consulting, legs, talking

import callstate
from callstate import JobState

CONF = "CONFERENCE"  # the members' legs' scenario, and the conference events'


def conference() -> tuple[Centre, str]:
    """ANN, BEN and the customer in one conference (BEN answered ANN's consultation)."""
    c, job = consulting()
    c.clock.advance(2_000)
    c.agents[ANN].ok("SwitchToConference", JobId=job)
    c.log()
    return c, job


def call_types(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(whose, CallType, ChannelFlags) of every leg a reply lists."""
    return [(leg["UserId"] or "customer", leg["CallType"], leg["ChannelFlags"])
            for leg in data["CallContext"]["ChannelContexts"]]  # fmt: skip


def test_switching_retrieves_the_customer_and_makes_both_agents_members() -> None:
    c, job = consulting()
    data = c.agents[ANN].ok("SwitchToConference", JobId=job)
    assert c.log() == [("Retrieved", ANN), ("StopConsultant", BEN),
                       ("StartConference", ANN, CONF)]  # fmt: skip
    assert call_types(data) == [("customer", "INBOUND", ""), (ANN, "CONFERENCE", ""),
                                (BEN, "CONFERENCE", "")]  # fmt: skip
    assert legs(c, job) == [("customer", "ANSWERED", False), (ANN, "ANSWERED", False),
                            (BEN, "ANSWERED", False)]  # fmt: skip
    assert c.state(ANN) == c.state(BEN) == "TALKING"
    started = next(e for e in c.engine.events(INSTANCE) if e.event_type.value == "StartConference")
    assert started.to_dict()["scenario"] == "CONFERENCE"
    assert started.to_dict()["agentId"] == ANN
    # the consultation is over: it can be neither completed nor switched again
    for action in ("CompleteAttendedTransfer", "SwitchToConference"):
        assert c.agents[ANN].do(action, JobId=job).body["Code"] == "InvalidOperation.NoConsultation"


def test_consult_conference_one_leaves_then_the_call_ends_with_each_agent_in_its_record() -> None:
    # ANN answered at T; at T+2 s ANN consulted (the customer held) and BEN answered; +2 s
    c, job = conference()
    c.clock.advance(3_000)
    c.agents[ANN].ok("EndConference", JobId=job)
    assert c.log() == [("StopConference", ANN, CONF), ("Released", ANN, CONF),
                       ("AgentRelease", ANN, CONF)]  # fmt: skip
    assert c.job(job).state is JobState.ACTIVE
    assert c.state(ANN) == "WORKING" and c.state(BEN) == "TALKING"
    c.clock.advance(4_000)
    c.agents[BEN].ok("EndConference", JobId=job)  # no customer is left alone: the call ends
    assert c.log() == [("Released", BEN, CONF), ("AgentRelease", BEN, CONF), ("Released", ""),
                       ("CDRReady", "")]  # fmt: skip
    cdr = c.cdr(job)
    assert cdr["agentIds"] == f"{ANN},{BEN}"
    assert cdr["agents"] == [
        {"agentId": ANN, "talkMs": 7_000, "holdCount": 1, "heldMs": 2_000},
        {"agentId": BEN, "talkMs": 9_000, "holdCount": 0, "heldMs": 0},
    ]
    assert cdr["holdCount"] == 1 and cdr["dispositionCode"] == "Success"


@pytest.mark.parametrize(
    ("who", "answered", "params", "code"),
    [
        (ANN, False, {}, "InvalidOperation.NoConsultation"),  # the consultee has not answered
        (BEN, True, {}, "InvalidOperation.NoConsultation"),  # only the initiator switches
        (CAT, True, {}, "Permission.JobId"),
        (ANN, True, {"JobId": "job-none"}, "NotExists.JobId"),
        (ANN, True, {"DeviceId": "dev-other"}, "Permission.DeviceId"),
        (ANN, True, {"JobId": ""}, "Parameter.Blank"),
    ],
)  # fmt: skip
def test_a_refused_switch_changes_nothing(
    who: str, answered: bool, params: dict[str, str], code: str
) -> None:
    c, job = consulting(answered)
    before = c.engine.snapshot()
    reply = c.agents[who].do("SwitchToConference", **{"JobId": job, **params})
    assert reply.body["Code"] == code, reply.body
    assert c.engine.snapshot() == before and c.events == []


def test_a_switch_with_no_consultation_names_it_none() -> None:
    c, job = talking()
    reply = c.agents[ANN].do("SwitchToConference", JobId=job)
    assert (reply.body["Code"], reply.body["Params"]) == ("InvalidOperation.NoConsultation",
                                                          [job, "NONE"])  # fmt: skip


def test_any_member_holds_and_retrieves_one_leg_of_three() -> None:
    c, job = conference()
    customer, ann, ben = (leg.channel_id for leg in c.job(job).channels)
    data = c.agents[BEN].ok("HoldCall", JobId=job, ChannelId=customer)
    # the seed's rule: the reply lists the legs not held
    assert [leg["ChannelId"] for leg in data["CallContext"]["ChannelContexts"]] == [ann, ben]
    assert c.log() == [("Held", BEN)]
    c.agents[ANN].ok("RetrieveCall", JobId=job, ChannelId=customer)  # another member retrieves
    data = c.agents[ANN].ok("HoldCall", JobId=job, ChannelId=ben)  # an agent's leg, too
    assert [leg["ChannelId"] for leg in data["CallContext"]["ChannelContexts"]] == [customer, ann]
    polled = c.agents[BEN].ok("PollUserStatus")
    assert [leg["ChannelFlags"] for leg in polled["CallContext"]["ChannelContexts"]] == [
        "", "", "HOLD"]  # fmt: skip
    again = c.agents[BEN].do("HoldCall", JobId=job, ChannelId=ben)
    assert (again.body["Code"], again.body["Params"]) == ("InvalidOperation.ChannelState",
                                                          ["HELD", "ANSWERED"])  # fmt: skip
    # the holder leaves: the held member can still be retrieved by an agent in the call
    c.agents[ANN].ok("EndConference", JobId=job)
    c.agents[BEN].ok("RetrieveCall", JobId=job, ChannelId=ben)
    assert legs(c, job)[2] == (BEN, "ANSWERED", False)


def started() -> tuple[Centre, str]:
    """ANN started a conference with BEN and CAT, who both answered."""
    c = Centre()
    c.ready(ANN, BEN, CAT)
    c.log()
    data = c.agents[ANN].ok("StartConference", ParticipantListJson='["1002", "1003"]')
    job = str(data["CallContext"]["JobId"])
    c.clock.advance(1_000)
    c.answer(BEN)
    c.clock.advance(1_000)
    c.answer(CAT)
    c.log()
    return c, job


def test_starting_a_conference_rings_each_agent_listed() -> None:
    c = Centre()
    c.ready(ANN, BEN, CAT)
    c.log()
    data = c.agents[ANN].ok("StartConference", ParticipantListJson='["1002", "1003"]')
    assert c.log() == [("AgentTalk", ANN, CONF), ("StartConference", ANN, CONF),
                       ("Ringing", BEN, CONF), ("AgentRinging", BEN, CONF),
                       ("Ringing", CAT, CONF), ("AgentRinging", CAT, CONF)]  # fmt: skip
    assert data["CallContext"]["CallType"] == "CONFERENCE"
    assert call_types(data) == [(ANN, "CONFERENCE", ""), (BEN, "CONFERENCE", ""),
                                (CAT, "CONFERENCE", "")]  # fmt: skip
    assert [leg["ChannelState"] for leg in data["CallContext"]["ChannelContexts"]] == [
        "ANSWERED", "RINGING", "RINGING"]  # fmt: skip
    assert data["UserContext"]["UserState"] == "TALKING"
    assert data["UserContext"]["DeviceState"] == "ONLINE"
    job = data["CallContext"]["JobId"]
    c.answer(BEN)
    assert c.log() == [("Established", BEN, CONF), ("AgentTalk", BEN, CONF)]
    c.agents[CAT].ok("ReleaseCall", JobId=job)  # CAT declines: the others talk on
    assert c.state(CAT) == "BREAK" and c.job(job).state is JobState.ACTIVE


def test_members_leave_a_conference_of_agents_until_the_last_ends_it() -> None:
    c, job = started()
    c.clock.advance(1_000)
    c.agents[BEN].ok("EndConference", JobId=job)  # three members: two talk on
    assert c.log() == [("Released", BEN, CONF), ("AgentRelease", BEN, CONF)]
    c.agents[ANN].ok("EndConference", JobId=job)  # two: the conference is over
    assert c.log() == [("StopConference", ANN, CONF), ("Released", ANN, CONF),
                       ("AgentRelease", ANN, CONF)]  # fmt: skip
    c.clock.advance(1_000)
    c.agents[CAT].ok("EndConference", JobId=job)
    assert c.log() == [("Released", CAT, CONF), ("AgentRelease", CAT, CONF), ("CDRReady", "")]
    cdr = c.cdr(job)
    assert cdr["callType"] == "CONFERENCE" and cdr["dispositionCode"] == "Success"
    assert [(a["agentId"], a["talkMs"]) for a in cdr["agents"]] == [
        (ANN, 2_000), (BEN, 2_000), (CAT, 2_000)]  # fmt: skip


@pytest.mark.parametrize(
    ("participants", "code"),
    [
        ("[]", "Parameter.Blank"),
        ('["1002", "1002"]', "Parameter.Invalid"),
        ('["1001"]', "Parameter.Invalid"),  # itself
        ("1002", "Parameter.Format"),
        ('["1002", 3]', "Parameter.Format"),
        ("", "Parameter.Blank"),
        ('["1002", "ext-4"]', "Parameter.Invalid"),  # no agent's extension, and no number
    ],
)
def test_a_refused_participant_list_changes_nothing(participants: str, code: str) -> None:
    c = Centre()
    c.ready(ANN, BEN)
    c.log()
    before = c.engine.snapshot()
    reply = c.agents[ANN].do("StartConference", ParticipantListJson=participants)
    assert reply.body["Code"] == code, reply.body
    assert reply.body["Params"][0] == "ParticipantListJson"
    assert c.engine.snapshot() == before and c.events == []


def test_a_conference_needs_a_ready_agent_and_ready_participants() -> None:
    c = Centre()
    c.ready(ANN, BEN)
    c.agents[BEN].ok("TakeBreak", Code="Lunch")
    c.log()
    before = c.engine.snapshot()
    busy = c.agents[ANN].do("StartConference", ParticipantListJson='["1002"]')
    assert (busy.body["Code"], busy.body["Params"]) == ("InvalidOperation.UserState",
                                                        ["BREAK", "READY"])  # fmt: skip
    alone = c.agents[CAT].do("StartConference", ParticipantListJson='["1001"]')  # CAT offline
    assert (alone.body["Code"], alone.body["Params"]) == ("InvalidOperation.UserState",
                                                          ["OFFLINE", "READY"])  # fmt: skip
    ghost = c.engine.handle("StartConference", {"InstanceId": INSTANCE, "UserId": "ghost",
                                                "ParticipantListJson": '["1002"]'})  # fmt: skip
    assert ghost.body["Code"] == "NotExists.UserId"
    assert c.engine.snapshot() == before and c.events == []


@pytest.mark.parametrize(
    ("who", "params", "code"),
    [
        (ANN, {}, "InvalidOperation.NoConference"),  # a two-party call
        (CAT, {}, "Permission.JobId"),
        (ANN, {"JobId": "job-none"}, "NotExists.JobId"),
        (ANN, {"UserId": "ghost"}, "NotExists.UserId"),
    ],
)
def test_a_refused_end_conference_changes_nothing(
    who: str, params: dict[str, str], code: str
) -> None:
    c, job = talking()
    before = c.engine.snapshot()
    reply = c.agents[who].do("EndConference", **{"JobId": job, **params})
    assert reply.body["Code"] == code, reply.body
    assert c.engine.snapshot() == before and c.events == []


def test_a_ringing_member_declines_rather_than_leaves() -> None:
    c = Centre()
    c.ready(ANN, BEN)
    data = c.agents[ANN].ok("StartConference", ParticipantListJson='["1002"]')
    reply = c.agents[BEN].do("EndConference", JobId=data["CallContext"]["JobId"])
    assert reply.body["Code"] == "Permission.JobId"


@pytest.mark.parametrize(
    ("action", "params"),
    [("BlindTransfer", {"Transferee": CAT}), ("InitiateAttendedTransfer", {"Transferee": CAT})],
)
def test_a_conference_of_agents_has_no_customer_to_transfer(
    action: str, params: dict[str, str]
) -> None:
    c = Centre()
    c.ready(ANN, BEN, CAT)
    data = c.agents[ANN].ok("StartConference", ParticipantListJson='["1002"]')
    job = str(data["CallContext"]["JobId"])
    c.answer(BEN)
    c.log()
    before = c.engine.snapshot()
    reply = c.agents[ANN].do(action, JobId=job, **params)
    assert (reply.body["Code"], reply.body["Params"]) == ("InvalidOperation.NoCustomer", [job])
    assert c.engine.snapshot() == before and c.events == []


def test_an_outbound_agent_talks_from_the_customers_answer_not_from_the_dial() -> None:
    c = Centre()
    c.ready(ANN)
    data = c.agents[ANN].ok("MakeCall", Caller=NUMBER, Callee="13900000000")
    job, customer = data["CallContext"]["JobId"], data["CallContext"]["ChannelContexts"][1]
    c.clock.advance(3_000)  # ANN's leg is connected; the customer's rings
    c.engine.signal("FarEndAnswered", {"InstanceId": INSTANCE, "JobId": job,
                                       "ChannelId": customer["ChannelId"]})  # fmt: skip
    c.clock.advance(5_000)
    c.agents[ANN].ok("ReleaseCall", JobId=job)
    assert c.cdr(job)["agents"] == [{"agentId": ANN, "talkMs": 5_000, "holdCount": 0,
                                     "heldMs": 0}]  # fmt: skip


def test_the_official_sdk_drives_a_conference_through_the_mock() -> None:
    c, job = consulting()
    with callstate.mock_ccc(c.engine):
        ccc = client("ccc.cn-shanghai.aliyuncs.com")
        me = {"instance_id": INSTANCE, "user_id": ANN}
        switched = ccc.switch_to_conference(models.SwitchToConferenceRequest(**me, job_id=job))
        legs_ = switched.body.data.call_context.channel_contexts
        assert [leg.call_type for leg in legs_] == ["INBOUND", "CONFERENCE", "CONFERENCE"]
        assert switched.body.data.user_context.device_state == "ONLINE"
        left = ccc.end_conference(models.EndConferenceRequest(**me, job_id=job)).body.data
        assert (left.user_context.user_state, left.context_id > 0) == ("WORKING", True)
        c.agents[ANN].ok("ReadyForService")
        started = ccc.start_conference(
            models.StartConferenceRequest(**me, participant_list_json='["1003"]')
        ).body.data
        assert started.call_context.call_type == "CONFERENCE"
        assert [leg.channel_state for leg in started.call_context.channel_contexts] == [
            "ANSWERED", "RINGING"]  # fmt: skip
        with pytest.raises(ClientException) as refused:
            ccc.start_conference(models.StartConferenceRequest(**me, participant_list_json="[]"))
        assert refused.value.code == "Parameter.Blank"
