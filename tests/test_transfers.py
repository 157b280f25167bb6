"""Blind and attended transfers, with their exact events, their refusals, and the held customer.

Every scenario starts from a call that arrived, was offered to ANN and answered: ANN talks
with the customer. BEN and CAT are signed in and READY unless the test says otherwise. The
exact events name, third, the ``scenario`` of the leg they are about (its agent's events too).
"""

from __future__ import annotations

from typing import Any

import pytest
from test_routing import ANN, BEN, CAT, INSTANCE, SALES, Centre

from callstate import JobState

BLIND, ATTENDED, CONSULTED = "BLIND_TRANSFER", "ATTENDED_TRANSFER", "CONSULTED"


def talking(c: Centre | None = None) -> tuple[Centre, str]:
    """ANN talks with a customer; BEN and CAT are READY; the event log is clear."""
    c = c or Centre()
    c.ready(ANN)
    job = c.arrive()
    c.answer(ANN)
    c.ready(BEN, CAT)
    c.log()
    return c, job


def agents(c: Centre, job: str) -> list[tuple[str, int, int, int]]:
    """The call detail record's agents: (agent, talk ms, hold count, held ms)."""
    return [(a["agentId"], a["talkMs"], a["holdCount"], a["heldMs"]) for a in c.cdr(job)["agents"]]


def legs(c: Centre, job: str) -> list[tuple[str, str, bool]]:
    """(whose, state, held) of every leg of the call."""
    return [(leg.user_id or "customer", leg.state.value, leg.held) for leg in c.job(job).channels]


def test_a_blind_transfer_to_an_agent_releases_the_transferor_then_rings_the_target() -> None:
    c, job = talking()  # ANN answered 2 s ago
    c.clock.advance(1_000)
    data = c.agents[ANN].ok("BlindTransfer", JobId=job, Transferee=BEN, TransfereeType="AGENT")
    assert data["UserContext"]["UserState"] == "WORKING"
    assert c.log() == [("Released", ANN, BLIND), ("AgentRelease", ANN, BLIND),
                       ("BlindTransfer", ANN, BLIND), ("Ringing", BEN, BLIND),
                       ("AgentRinging", BEN, BLIND)]  # fmt: skip
    c.answer(BEN)
    assert c.log() == [("Established", BEN, BLIND), ("AgentTalk", BEN, BLIND)]
    assert legs(c, job) == [("customer", "ANSWERED", False), (ANN, "RELEASED", False),
                            (BEN, "ANSWERED", False)]  # fmt: skip
    transfer = next(e for e in c.engine.events(INSTANCE) if e.event_type.value == "BlindTransfer")
    assert transfer.to_dict()["transferee"] == BEN
    assert transfer.to_dict()["scenario"] == "BLIND_TRANSFER"
    c.clock.advance(2_000)
    c.agents[BEN].ok("ReleaseCall", JobId=job)
    assert c.log() == [("Released", BEN, BLIND), ("AgentRelease", BEN, BLIND), ("Released", ""),
                       ("CDRReady", "")]  # fmt: skip
    assert agents(c, job) == [(ANN, 3_000, 0, 0), (BEN, 2_000, 0, 0)]


def test_a_blind_transfer_to_a_skill_group_queues_the_call_for_its_agents() -> None:
    c, job = talking()
    c.agents[BEN].ok("TakeBreak", Code="Lunch")
    c.agents[CAT].ok("TakeBreak", Code="Lunch")
    c.log()
    c.agents[ANN].ok("BlindTransfer", JobId=job, Transferee=SALES, TransfereeType="SKILL_GROUP",
                     CallPriority="0")  # fmt: skip
    assert c.log() == [("Released", ANN, BLIND), ("AgentRelease", ANN, BLIND),
                       ("BlindTransfer", ANN, BLIND), ("Enqueue", "")]  # fmt: skip
    assert c.job(job).state is JobState.QUEUED and c.job(job).priority == 0
    c.agents[CAT].ok("ReadyForService")
    assert c.ringing(CAT) == job
    # the agent the group's routing offers it to is the transfer's target
    assert c.log() == [("AgentReady", CAT), ("AssignAgent", CAT), ("Ringing", CAT, BLIND),
                       ("AgentRinging", CAT, BLIND)]  # fmt: skip
    c.answer(CAT)
    c.clock.advance(4_000)
    c.agents[CAT].ok("ReleaseCall", JobId=job)
    assert c.log()[-4:] == [("Released", CAT, BLIND), ("AgentRelease", CAT, BLIND),
                            ("Released", ""), ("CDRReady", "")]  # fmt: skip
    assert agents(c, job) == [(ANN, 2_000, 0, 0), (CAT, 4_000, 0, 0)]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"Transferee": BEN, "TransfereeType": "IVR"}, "Parameter.Invalid"),
        ({"Transferee": BEN, "TransfereeType": "EXTERNAL_NUMBER"}, "Parameter.Invalid"),
        ({"Transferee": BEN, "TransfereeType": "NOBODY"}, "Parameter.Enumeration"),
        ({"Transferee": ANN}, "Parameter.Invalid"),
        ({"Transferee": "ghost@ccc-route"}, "NotExists.UserId"),
        ({"Transferee": "ghost", "TransfereeType": "SKILL_GROUP"}, "NotExists.SkillGroupId"),
        ({"Transferee": BEN, "CallPriority": "10"}, "Parameter.Maximum"),
        ({"Transferee": BEN, "JobId": "job-none"}, "NotExists.JobId"),
        ({"Transferee": BEN, "DeviceId": "dev-other"}, "Permission.DeviceId"),
    ],
)
def test_a_refused_blind_transfer_changes_nothing(params: dict[str, str], code: str) -> None:
    c, job = talking()
    before = c.engine.snapshot()
    reply = c.agents[ANN].do("BlindTransfer", **{"JobId": job, **params})
    assert reply.body["Code"] == code, reply.body
    assert c.engine.snapshot() == before and c.events == []


def test_a_blind_transfer_to_an_agent_on_break_is_refused_by_the_agents_state() -> None:
    c, job = talking()
    c.agents[BEN].ok("TakeBreak", Code="Lunch")
    reply = c.agents[ANN].do("BlindTransfer", JobId=job, Transferee=BEN)
    assert reply.body["Code"] == "InvalidOperation.UserState"
    assert reply.body["Params"] == ["BREAK", "READY"]


def test_only_the_talking_agent_of_the_call_transfers_it() -> None:
    c, job = talking()
    reply = c.agents[BEN].do("BlindTransfer", JobId=job, Transferee=CAT)
    assert reply.body["Code"] == "Permission.JobId"


def consulting(answered: bool = True) -> tuple[Centre, str]:
    """ANN consults BEN about the call (BEN answered unless ``answered`` is false)."""
    c, job = talking()
    c.agents[ANN].ok("InitiateAttendedTransfer", JobId=job, Transferee=BEN)
    if answered:
        c.answer(BEN)
    c.log()
    return c, job


def test_initiating_holds_the_customer_and_rings_the_consultee() -> None:
    c, job = talking()
    data = c.agents[ANN].ok("InitiateAttendedTransfer", JobId=job, Transferee=BEN)
    assert c.log() == [("Held", ANN), ("InitiateConsultant", ANN, CONSULTED),
                       ("Ringing", BEN, CONSULTED), ("AgentRinging", BEN, CONSULTED)]  # fmt: skip
    assert legs(c, job) == [("customer", "ANSWERED", True), (ANN, "ANSWERED", False),
                            (BEN, "RINGING", False)]  # fmt: skip
    listed = data["CallContext"]["ChannelContexts"]
    assert [leg["CallType"] for leg in listed] == ["INBOUND", "INBOUND", "CONSULTANT"]
    assert [leg["ChannelFlags"] for leg in listed] == ["HOLD", "", ""]
    c.answer(BEN)
    assert c.log() == [("Established", BEN, CONSULTED), ("AgentTalk", BEN, CONSULTED),
                       ("StartConsultant", BEN)]  # fmt: skip
    assert c.state(ANN) == "TALKING" and c.state(BEN) == "TALKING"


def test_completing_hands_the_customer_to_the_consultee() -> None:
    c, job = consulting()  # ANN answered 2 s ago, BEN now
    c.clock.advance(1_000)
    c.agents[ANN].ok("CompleteAttendedTransfer", JobId=job)
    assert c.log() == [("Retrieved", ANN), ("Released", ANN, ATTENDED),
                       ("AgentRelease", ANN, ATTENDED), ("AttendedTransfer", ANN, ATTENDED),
                       ("StopConsultant", BEN)]  # fmt: skip
    assert legs(c, job) == [("customer", "ANSWERED", False), (ANN, "RELEASED", False),
                            (BEN, "ANSWERED", False)]  # fmt: skip
    assert c.state(ANN) == "WORKING" and c.state(BEN) == "TALKING"
    c.clock.advance(2_000)
    c.agents[BEN].ok("ReleaseCall", JobId=job)  # BEN's leg took the call: no more a consultation
    assert c.log() == [("Released", BEN, ATTENDED), ("AgentRelease", BEN, ATTENDED),
                       ("Released", ""), ("CDRReady", "")]  # fmt: skip
    cdr = c.cdr(job)
    assert cdr["holdCount"] == 1 and cdr["dispositionCode"] == "Success"
    # the consultation's hold is ANN's, held from the initiation to the completion
    assert agents(c, job) == [(ANN, 3_000, 1, 1_000), (BEN, 3_000, 0, 0)]


def test_cancelling_an_answered_consultation_retrieves_the_customer() -> None:
    c, job = consulting()  # ANN answered 2 s ago, BEN now
    c.clock.advance(1_000)
    c.agents[ANN].ok("CancelAttendedTransfer", JobId=job)
    assert c.log() == [("Released", BEN, CONSULTED), ("AgentRelease", BEN, CONSULTED),
                       ("StopConsultant", BEN), ("Retrieved", ANN)]  # fmt: skip
    assert c.state(BEN) == "WORKING" and c.state(ANN) == "TALKING"
    assert legs(c, job)[0] == ("customer", "ANSWERED", False)
    c.clock.advance(2_000)
    c.agents[ANN].ok("ReleaseCall", JobId=job)
    assert c.log() == [("Released", ANN), ("AgentRelease", ANN), ("Released", ""),
                       ("CDRReady", "")]  # fmt: skip
    assert agents(c, job) == [(ANN, 5_000, 1, 1_000), (BEN, 1_000, 0, 0)]


def test_cancelling_a_ringing_consultation_returns_the_consultee_to_ready() -> None:
    c, job = consulting(answered=False)
    c.agents[ANN].ok("CancelAttendedTransfer", JobId=job)
    assert c.log() == [("Released", BEN, CONSULTED), ("AgentReady", BEN),
                       ("StopConsultant", BEN), ("Retrieved", ANN)]  # fmt: skip
    assert c.state(BEN) == "READY"


def test_a_consultee_who_does_not_answer_leaves_the_customer_held_for_the_initiator() -> None:
    c, job = consulting(answered=False)
    c.advance(20_000)  # BEN's offer rings out: no StopConsultant (nobody stopped it)
    assert c.log() == [("RingingTimeout", BEN), ("Released", BEN, CONSULTED), ("AgentBreak", BEN)]
    assert c.state(BEN) == "BREAK" and legs(c, job)[0] == ("customer", "ANSWERED", True)
    customer = c.job(job).channels[0].channel_id
    c.agents[ANN].ok("RetrieveCall", JobId=job, ChannelId=customer)
    assert legs(c, job)[0] == ("customer", "ANSWERED", False)
    c.agents[ANN].ok("ReleaseCall", JobId=job)
    assert c.log() == [("Retrieved", ANN), ("Released", ANN), ("AgentRelease", ANN),
                       ("Released", ""), ("CDRReady", "")]  # fmt: skip
    assert agents(c, job) == [(ANN, 22_000, 1, 20_000)]  # the consultee never talked


def test_a_customer_who_hangs_up_during_the_consultation_ends_the_call() -> None:
    c, job = consulting()
    customer = c.job(job).channels[0].channel_id
    c.engine.signal("FarEndHungUp", {"InstanceId": INSTANCE, "JobId": job, "ChannelId": customer})
    assert c.job(job).state is JobState.ENDED
    assert c.state(ANN) == "WORKING" and c.state(BEN) == "WORKING"


def test_the_initiator_hanging_up_leaves_the_held_customer_to_the_consultee() -> None:
    c, job = consulting()
    c.agents[ANN].ok("ReleaseCall", JobId=job)
    assert legs(c, job)[0] == ("customer", "ANSWERED", True)
    customer = c.job(job).channels[0].channel_id
    c.agents[BEN].ok("RetrieveCall", JobId=job, ChannelId=customer)
    assert legs(c, job)[0] == ("customer", "ANSWERED", False)


@pytest.mark.parametrize(
    ("action", "answered", "params", "code"),
    [
        ("InitiateAttendedTransfer", True, {"Transferee": CAT},
         "InvalidOperation.ConsultationExists"),
        ("CompleteAttendedTransfer", False, {}, "InvalidOperation.NoConsultation"),
        ("InitiateAttendedTransfer", True, {"Transferee": CAT, "TransfereeType": "IVR"},
         "Parameter.Invalid"),
    ],
)  # fmt: skip
def test_a_refused_consultation_step_changes_nothing(
    action: str, answered: bool, params: dict[str, Any], code: str
) -> None:
    c, job = consulting(answered)
    before = c.engine.snapshot()
    reply = c.agents[ANN].do(action, JobId=job, **params)
    assert reply.body["Code"] == code, reply.body
    assert c.engine.snapshot() == before and c.events == []


def test_complete_or_cancel_with_no_consultation_is_refused() -> None:
    c, job = talking()
    for action in ("CompleteAttendedTransfer", "CancelAttendedTransfer"):
        reply = c.agents[ANN].do(action, JobId=job)
        assert reply.body["Code"] == "InvalidOperation.NoConsultation"
        assert reply.body["Params"] == [job, "NONE"]


def test_a_completed_consultation_is_over_and_the_new_agent_can_consult_in_turn() -> None:
    c, job = consulting()
    c.agents[ANN].ok("CompleteAttendedTransfer", JobId=job)
    for action in ("CompleteAttendedTransfer", "CancelAttendedTransfer"):  # found by paths()
        reply = c.agents[BEN].do(action, JobId=job)
        assert reply.body["Code"] == "InvalidOperation.NoConsultation", reply.body
    c.agents[BEN].ok("InitiateAttendedTransfer", JobId=job, Transferee=CAT)
    c.answer(CAT)
    c.agents[BEN].ok("CompleteAttendedTransfer", JobId=job)
    assert c.state(CAT) == "TALKING" and legs(c, job)[0] == ("customer", "ANSWERED", False)


def test_the_consultee_cannot_complete_or_cancel_the_consultation() -> None:
    c, job = consulting()
    for action in ("CompleteAttendedTransfer", "CancelAttendedTransfer"):
        reply = c.agents[BEN].do(action, JobId=job)
        assert reply.body["Code"] == "InvalidOperation.NoConsultation", reply.body


def test_the_transfer_events_name_their_agents() -> None:
    c, job = consulting()
    c.agents[ANN].ok("CompleteAttendedTransfer", JobId=job)
    published = [e.to_dict() for e in c.engine.events(INSTANCE)]
    named = {e["eventType"]: e.get("agentId") for e in published if "Consult" in e["eventType"]
             or e["eventType"] == "AttendedTransfer"}  # fmt: skip
    assert named == {"InitiateConsultant": ANN, "StartConsultant": BEN, "StopConsultant": BEN,
                     "AttendedTransfer": ANN}  # fmt: skip
    transfer = next(e for e in published if e["eventType"] == "AttendedTransfer")
    assert transfer["transferee"] == BEN and transfer["scenario"] == "ATTENDED_TRANSFER"
    # a leg's scenario is published on its events and on its agent's, and on no others
    ringing = [(e["agentId"], e.get("scenario")) for e in published
               if e["eventType"] == "AgentRinging"]  # fmt: skip
    assert ringing == [(ANN, None), (BEN, CONSULTED)]
    assert [e.get("scenario") for e in published if e["eventType"] in ("Held", "Retrieved")] == [
        None, None]  # fmt: skip
