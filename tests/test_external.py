"""Parties outside the contact centre: forwards, overflow, transfers and consultations to a number.

The routing world of ``test_routing`` with one more number, routed to a number outside, and
the simulated network on, playing each number as the world's ``dialling`` says: ``OUTSIDE``
answers after 2 s, ``BUSY`` is busy, ``SILENT`` never answers, ``DECLINES`` rejects. Every
scenario pins its exact events (type, the agent each names: "" for none, and the ``scenario``
third when the event has one).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sdk_trees import assert_matches, sdk_body_model, sdk_body_tree
from test_routing import ANN, BEN, CAT, INSTANCE, QUEUE_MS, SALES, Centre, world
from test_transfers import ATTENDED, BLIND, CONSULTED
from test_transfers import talking as transfers_talking

from callstate import JobState, World, WorldError
from callstate.domain import Party
from callstate.engine import SimulatedNetwork

FORWARDED = "01000000004"  # an instance number routed outside
OUTSIDE, BUSY, SILENT, DECLINES = "13700000001", "13700000002", "13700000003", "13700000004"
DIALLING = {
    OUTSIDE: {"outcome": "answer", "afterMs": 2_000},
    BUSY: {"outcome": "busy"},
    SILENT: {"outcome": "noAnswer"},
    DECLINES: {"outcome": "reject", "afterMs": 1_000},
}
RINGS_OUT_MS = 30_000  # a dialled number not answering: the dial timeout


def centre(**sales: Any) -> Centre:
    """The routing world, a number routed to ``OUTSIDE``, ``sales`` changing the sales group."""
    base = world(sales=sales, dialling={"numbers": DIALLING})
    instance = base["instances"][0]
    instance["numbers"].append(FORWARDED)
    instance["routes"][FORWARDED] = {"externalNumber": OUTSIDE}
    c = Centre(base)
    c.engine.network = SimulatedNetwork()
    return c


def talking() -> tuple[Centre, str]:
    """As test_transfers' ``talking``, on a centre with numbers outside (:func:`centre`)."""
    return transfers_talking(centre())


def parties(c: Centre, job: str) -> list[tuple[str, str, bool]]:
    """(whose, state, held) of every leg: an external leg is named by its number."""
    return [(leg.destination if leg.party is Party.EXTERNAL else leg.user_id or "customer",
             leg.state.value, leg.held) for leg in c.job(job).channels]  # fmt: skip


def hang_up(c: Centre, job: str, index: int) -> None:
    leg = c.job(job).channels[index].channel_id
    reply = c.engine.signal(
        "FarEndHungUp", {"InstanceId": INSTANCE, "JobId": job, "ChannelId": leg}
    )
    assert reply.ok, reply.body


def round_trips(action: str, body: dict[str, Any]) -> None:
    """The body has the SDK model's exact shape and survives its round trip."""
    assert_matches(sdk_body_tree(action), body, "$")
    assert sdk_body_model(action)().from_map(copy.deepcopy(body)).to_map() == body


# --- a number routed outside --------------------------------------------------------------------
def test_a_call_to_a_forwarded_number_talks_with_the_number_outside_until_either_hangs_up() -> None:
    c = centre()
    job = c.arrive(FORWARDED)
    assert c.log() == [("Dialing", ""), ("Ringing", "")]
    assert c.job(job).state is JobState.ACTIVE
    c.advance(2_000)
    assert c.log() == [("Established", "")]
    assert parties(c, job) == [("customer", "ANSWERED", False), (OUTSIDE, "ANSWERED", False)]
    c.advance(600_000)  # no queue, no agent: nothing times the conversation out
    hang_up(c, job, 1)
    assert c.log() == [("Released", ""), ("Released", ""), ("CDRReady", "")]
    cdr = c.cdr(job)
    assert (cdr["dispositionCode"], cdr["releaseInitiator"]) == ("Success", OUTSIDE)
    assert [leg["party"] for leg in cdr["channels"]] == ["customer", "external"]


@pytest.mark.parametrize(
    ("number", "after", "disposition", "reason"),
    [
        (BUSY, 0, "Reject", "486 - Busy Here"),
        (SILENT, RINGS_OUT_MS, "NoAnswer", "480 - Temporarily Unavailable"),
        (DECLINES, 1_000, "Reject", "603 - Decline"),
    ],
)
def test_a_forward_the_number_refuses_ends_the_call_with_its_cause(
    number: str, after: int, disposition: str, reason: str
) -> None:
    c = centre(overflowNumber=number, queuingOverflowThreshold=0)  # every sales call overflows
    job = c.arrive()
    c.advance(after)
    assert c.job(job).state is JobState.ENDED
    assert c.log()[-3:] == [("Released", ""), ("Released", ""), ("CDRReady", "")]
    cdr = c.cdr(job)
    assert (cdr["dispositionCode"], cdr["releaseReason"], cdr["releaseInitiator"]) == (
        disposition, reason, number,
    )  # fmt: skip


def test_a_call_that_waits_its_queue_timeout_overflows_to_the_number() -> None:
    c = centre(overflowNumber=OUTSIDE)
    job = c.arrive()
    assert c.log() == [("Enqueue", "")]
    c.advance(QUEUE_MS)
    assert c.log() == [("Dialing", ""), ("Ringing", "")]
    assert c.job(job).state is JobState.ACTIVE and c.job(job).queue_deadline_ms == 0
    c.ready(ANN)  # the call left the queue: a free agent is not offered it
    assert c.state(ANN) == "READY"
    c.advance(1_000)
    assert parties(c, job)[1] == (OUTSIDE, "ANSWERED", False)


def test_a_call_beyond_the_overflow_threshold_is_forwarded_at_once() -> None:
    c = centre(overflowNumber=OUTSIDE, queuingOverflowThreshold=1)
    first = c.arrive()
    second = c.arrive()
    assert c.log() == [("Enqueue", ""), ("Dialing", ""), ("Ringing", "")]
    assert c.job(first).state is JobState.QUEUED and c.job(second).state is JobState.ACTIVE


# --- blind transfer to a number -----------------------------------------------------------------
def test_a_blind_transfer_to_a_number_hands_the_customer_to_it() -> None:
    c, job = talking()
    data = c.agents[ANN].ok("BlindTransfer", JobId=job, Transferee=OUTSIDE,
                            TransfereeType="EXTERNAL_NUMBER")  # fmt: skip
    assert data["UserContext"]["UserState"] == "WORKING"
    assert c.log() == [("Released", ANN, BLIND), ("AgentRelease", ANN, BLIND),
                       ("BlindTransfer", ANN, BLIND), ("Dialing", ANN, BLIND),
                       ("Ringing", ANN, BLIND)]  # fmt: skip
    c.advance(2_000)
    assert c.log() == [("Established", "", BLIND)]
    assert parties(c, job) == [("customer", "ANSWERED", False), (ANN, "RELEASED", False),
                               (OUTSIDE, "ANSWERED", False)]  # fmt: skip
    hang_up(c, job, 0)
    assert c.log() == [("Released", ""), ("Released", "", BLIND), ("CDRReady", "")]
    cdr = c.cdr(job)
    assert c.job(job).state is JobState.ENDED and cdr["dispositionCode"] == "Success"
    assert [(a["agentId"], a["talkMs"]) for a in cdr["agents"]] == [(ANN, 2_000)]


def test_a_blind_transfer_to_a_busy_number_ends_the_call() -> None:
    c, job = talking()
    reply = c.agents[ANN].do("BlindTransfer", JobId=job, Transferee=BUSY,
                             TransfereeType="EXTERNAL_NUMBER")  # fmt: skip
    round_trips("BlindTransfer", reply.body)
    assert c.log() == [("Released", ANN, BLIND), ("AgentRelease", ANN, BLIND),
                       ("BlindTransfer", ANN, BLIND), ("Dialing", ANN, BLIND),
                       ("Released", "", BLIND), ("Released", ""), ("CDRReady", "")]  # fmt: skip
    assert c.state(ANN) == "WORKING"
    assert c.cdr(job)["releaseReason"] == "486 - Busy Here"


# --- consulting a number ------------------------------------------------------------------------
def consulting_outside(number: str = OUTSIDE) -> tuple[Centre, str]:
    """ANN consults ``number`` about the call (the log holds the initiation's events)."""
    c, job = talking()
    reply = c.agents[ANN].do("InitiateAttendedTransfer", JobId=job, Transferee=number,
                             TransfereeType="EXTERNAL")  # fmt: skip
    assert reply.ok, reply.body
    round_trips("InitiateAttendedTransfer", reply.body)
    listed = reply.body["Data"]["CallContext"]["ChannelContexts"]
    assert [(leg["CallType"], leg["ChannelFlags"]) for leg in listed] == [
        ("INBOUND", "HOLD"), ("INBOUND", ""), ("CONSULTANT", ""),
    ]  # fmt: skip
    return c, job


def test_consulting_a_number_holds_the_customer_and_completing_hands_them_over() -> None:
    c, job = consulting_outside()
    assert c.log() == [("Held", ANN), ("InitiateConsultant", ANN, CONSULTED),
                       ("Dialing", ANN, CONSULTED), ("Ringing", ANN, CONSULTED)]  # fmt: skip
    c.advance(2_000)
    assert c.log() == [("Established", "", CONSULTED), ("StartConsultant", "")]
    c.agents[ANN].ok("CompleteAttendedTransfer", JobId=job)
    assert c.log() == [("Retrieved", ANN), ("Released", ANN, ATTENDED),
                       ("AgentRelease", ANN, ATTENDED), ("AttendedTransfer", ANN, ATTENDED),
                       ("StopConsultant", "")]  # fmt: skip
    assert parties(c, job) == [("customer", "ANSWERED", False), (ANN, "RELEASED", False),
                               (OUTSIDE, "ANSWERED", False)]  # fmt: skip
    transfer = next(
        e for e in c.engine.events(INSTANCE) if e.event_type.value == "AttendedTransfer"
    )
    assert transfer.to_dict()["transferee"] == OUTSIDE
    hang_up(c, job, 2)
    cdr = c.cdr(job)
    assert (cdr["holdCount"], cdr["releaseInitiator"]) == (1, OUTSIDE)


def test_cancelling_a_consultation_of_a_number_retrieves_the_customer() -> None:
    c, job = consulting_outside()
    c.advance(2_000)
    c.log()
    c.agents[ANN].ok("CancelAttendedTransfer", JobId=job)
    assert c.log() == [("Released", "", CONSULTED), ("StopConsultant", ""), ("Retrieved", ANN)]
    assert parties(c, job) == [("customer", "ANSWERED", False), (ANN, "ANSWERED", False),
                               (OUTSIDE, "RELEASED", False)]  # fmt: skip


@pytest.mark.parametrize(
    ("number", "after", "rang"),
    [(BUSY, 0, []), (SILENT, RINGS_OUT_MS, [("Ringing", ANN, CONSULTED)])],
)
def test_a_consulted_number_that_does_not_take_the_call_leaves_the_customer_held(
    number: str, after: int, rang: list[tuple[str, ...]]
) -> None:
    c, job = consulting_outside(number)  # ANN answered 2 s ago
    c.advance(after)
    assert c.log() == [("Held", ANN), ("InitiateConsultant", ANN, CONSULTED),
                       ("Dialing", ANN, CONSULTED), *rang, ("Released", "", CONSULTED)]  # fmt: skip
    assert parties(c, job) == [("customer", "ANSWERED", True), (ANN, "ANSWERED", False),
                               (number, "RELEASED", False)]  # fmt: skip
    assert c.agents[ANN].do("CompleteAttendedTransfer", JobId=job).body["Code"] == (
        "InvalidOperation.NoConsultation"
    )
    c.clock.advance(1_000)
    c.agents[ANN].ok("RetrieveCall", JobId=job, ChannelId=c.job(job).channels[0].channel_id)
    assert parties(c, job)[0] == ("customer", "ANSWERED", False)
    c.agents[ANN].ok("ReleaseCall", JobId=job)
    assert c.log() == [("Retrieved", ANN), ("Released", ANN), ("AgentRelease", ANN),
                       ("Released", ""), ("CDRReady", "")]  # fmt: skip
    cdr = c.cdr(job)
    assert [(a["agentId"], a["talkMs"], a["holdCount"], a["heldMs"]) for a in cdr["agents"]] == [
        (ANN, 2_000 + after + 1_000, 1, after + 1_000)]  # fmt: skip


# --- consulting a skill group -------------------------------------------------------------------
def test_consulting_a_skill_group_rings_the_agent_its_routing_picks() -> None:
    c, job = talking()
    c.agents[ANN].ok("InitiateAttendedTransfer", JobId=job, Transferee=SALES,
                     TransfereeType="SKILL_GROUP")  # fmt: skip
    # MOST_IDLE: BEN has been READY longer than CAT
    assert c.log() == [("Held", ANN), ("InitiateConsultant", ANN, CONSULTED),
                       ("Ringing", BEN, CONSULTED), ("AgentRinging", BEN, CONSULTED)]  # fmt: skip
    c.answer(BEN)
    assert c.log() == [("Established", BEN, CONSULTED), ("AgentTalk", BEN, CONSULTED),
                       ("StartConsultant", BEN)]  # fmt: skip
    c.agents[ANN].ok("CompleteAttendedTransfer", JobId=job)
    assert c.state(BEN) == "TALKING" and c.state(ANN) == "WORKING" and c.state(CAT) == "READY"


def test_consulting_a_skill_group_with_nobody_free_is_refused() -> None:
    c, job = talking()
    for uid in (BEN, CAT):
        c.agents[uid].ok("TakeBreak", Code="Lunch")
    before = c.engine.snapshot()
    c.log()
    reply = c.agents[ANN].do("InitiateAttendedTransfer", JobId=job, Transferee=SALES,
                             TransfereeType="SKILL_GROUP")  # fmt: skip
    assert (reply.body["Code"], reply.body["Params"]) == (
        "InvalidOperation.NoAgentAvailable",
        [SALES],
    )
    assert c.engine.snapshot() == before and c.log() == []


# --- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("action", "params", "code"),
    [
        ("BlindTransfer", {"Transferee": "ben", "TransfereeType": "EXTERNAL_NUMBER"},
         "Parameter.Invalid"),
        ("BlindTransfer", {"Transferee": FORWARDED, "TransfereeType": "EXTERNAL_NUMBER"},
         "Parameter.Invalid"),  # one of the centre's own numbers
        ("BlindTransfer", {"Transferee": "1002", "TransfereeType": "EXTERNAL_NUMBER"},
         "Parameter.Invalid"),  # an agent's extension
        ("BlindTransfer", {"Transferee": OUTSIDE, "TransfereeType": "EXTERNAL"},
         "Parameter.Invalid"),  # consulting's spelling
        ("InitiateAttendedTransfer", {"Transferee": "+86 137", "TransfereeType": "EXTERNAL"},
         "Parameter.Invalid"),
        ("InitiateAttendedTransfer", {"Transferee": OUTSIDE, "TransfereeType": "EXTERNAL_NUMBER"},
         "Parameter.Invalid"),  # blind transfer's spelling
        ("InitiateAttendedTransfer", {"Transferee": "ghost", "TransfereeType": "SKILL_GROUP"},
         "NotExists.SkillGroupId"),
        ("InitiateAttendedTransfer", {"Transferee": OUTSIDE, "TransfereeType": "EXTERNAL",
                                      "DeviceId": "dev-other"}, "Permission.DeviceId"),
    ],
)  # fmt: skip
def test_a_refused_transfer_to_outside_changes_nothing(
    action: str, params: dict[str, str], code: str
) -> None:
    c, job = talking()
    before = c.engine.snapshot()
    reply = c.agents[ANN].do(action, JobId=job, **params)
    assert reply.body["Code"] == code, reply.body
    assert c.engine.snapshot() == before and c.events == []


# --- the world ----------------------------------------------------------------------------------
def _instance(**changes: Any) -> dict[str, Any]:
    document = world(**changes)
    document["instances"][0]["numbers"].append(FORWARDED)
    return document


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_instance(routes={FORWARDED: {"externalNumber": FORWARDED}}),
         r"routes\.01000000004\.externalNumber: '01000000004' is one of the instance's own"),
        (_instance(routes={FORWARDED: {"externalNumber": OUTSIDE, "skillGroup": SALES}}),
         r"routes\.01000000004: expected one of skillGroup, agent, externalNumber"),
        (_instance(sales={"overflowNumber": FORWARDED}),
         r"skillGroups\[0\]\.overflowNumber: '01000000004' is one of the instance's own"),
        (_instance(sales={"overflowNumber": OUTSIDE, "overflowSkillGroupId": "claims@ccc-route"}),
         r"skillGroups\[0\]: expected one of overflowSkillGroupId, overflowNumber"),
    ],
)  # fmt: skip
def test_a_world_forwarding_inside_the_centre_or_two_ways_is_refused(
    document: dict[str, Any], message: str
) -> None:
    with pytest.raises(WorldError, match=message):
        World.from_dict(document)


def test_the_routes_and_overflows_to_a_number_read_back() -> None:
    document = _instance(routes={FORWARDED: {"externalNumber": OUTSIDE}},
                         sales={"overflowNumber": BUSY})  # fmt: skip
    loaded = World.from_dict(document)
    assert World.from_dict(loaded.to_dict()) == loaded
    instance = loaded.to_dict()["instances"][0]
    assert instance["routes"][FORWARDED] == {"externalNumber": OUTSIDE}
    assert instance["skillGroups"][0]["overflowNumber"] == BUSY
