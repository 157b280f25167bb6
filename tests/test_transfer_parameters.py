"""A transfer's own parameters: ``TimeoutSeconds`` (how long the target rings) and ``Transferor``.

The routing world with a 60 s ring timeout (so a transfer's 30-300 s can be the shorter) and
the numbers outside of ``test_external``, played by the simulated network. Every scenario
starts from ANN talking with a customer, BEN and CAT READY. ``TimeoutSeconds`` means the same
for a conference's invitees and for a colleague's extension called: how long each one rings.
"""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_ccc20200701 import models
from server_support import client
from test_external import DIALLING, OUTSIDE, SILENT, parties
from test_routing import ANN, BEN, CAT, INSTANCE, SALES, Centre, world
from test_transfers import BLIND, CONSULTED, legs, talking

import callstate
from callstate.engine import SimulatedNetwork

RING_MS = 60_000  # the instance's ring timeout: longer than the transfers' own below
OTHER_NUMBER = "01000000002"  # another of the instance's numbers, to show a number outside


def centre() -> tuple[Centre, str]:
    c = Centre(world(ringTimeoutMs=RING_MS, dialling={"numbers": DIALLING}))
    c.engine.network = SimulatedNetwork()
    return talking(c)


@pytest.mark.parametrize(
    ("action", "scenario"),
    [("BlindTransfer", BLIND), ("InitiateAttendedTransfer", CONSULTED)],
)
def test_a_transfers_timeout_rings_the_target_out_before_the_instances(
    action: str, scenario: str
) -> None:
    c, job = centre()
    c.agents[ANN].ok(action, JobId=job, Transferee=BEN, TimeoutSeconds="30")
    c.log()
    c.advance(29_999)
    assert c.log() == [] and c.state(BEN) == "RINGING"
    c.advance(1)
    assert c.log()[:3] == [("RingingTimeout", BEN), ("Released", BEN, scenario),
                           ("AgentBreak", BEN)]  # fmt: skip
    assert c.state(BEN) == "BREAK"


def test_without_a_timeout_the_target_rings_for_the_instances() -> None:
    c, job = centre()
    c.agents[ANN].ok("InitiateAttendedTransfer", JobId=job, Transferee=BEN)
    c.advance(RING_MS - 1)
    assert c.state(BEN) == "RINGING"
    c.advance(1)
    assert c.state(BEN) == "BREAK" and legs(c, job)[0] == ("customer", "ANSWERED", True)


def test_a_consulted_numbers_timeout_is_its_dial_timeout() -> None:
    c, job = centre()
    c.agents[ANN].ok("InitiateAttendedTransfer", JobId=job, Transferee=SILENT,
                     TransfereeType="EXTERNAL", TimeoutSeconds="45")  # fmt: skip
    c.advance(44_999)  # past the default 30 s: still ringing
    assert parties(c, job)[2] == (SILENT, "RINGING", False)
    c.advance(1)
    assert parties(c, job)[2] == (SILENT, "RELEASED", False)
    assert c.job(job).channels[2].release_reason == "480 - Temporarily Unavailable"


@pytest.mark.parametrize(
    ("action", "kind"),
    [("BlindTransfer", "EXTERNAL_NUMBER"), ("InitiateAttendedTransfer", "EXTERNAL")],
)
def test_the_transferor_is_the_number_a_party_outside_is_shown(action: str, kind: str) -> None:
    c, job = centre()
    c.agents[ANN].ok(action, JobId=job, Transferee=OUTSIDE, TransfereeType=kind,
                     Transferor=OTHER_NUMBER)  # fmt: skip
    assert [leg.originator for leg in c.job(job).channels] == [
        "13800000000", "13800000000", OTHER_NUMBER]  # fmt: skip


def test_the_transferor_is_ignored_for_an_agent() -> None:
    c, job = centre()
    c.agents[ANN].ok("BlindTransfer", JobId=job, Transferee=BEN, Transferor="not-a-number")
    assert c.job(job).channels[2].originator == c.job(job).caller != "not-a-number"


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"TimeoutSeconds": "29"}, "Parameter.Minimum", "TimeoutSeconds"),
        ({"TimeoutSeconds": "301"}, "Parameter.Maximum", "TimeoutSeconds"),
        ({"TimeoutSeconds": "soon"}, "Parameter.Format", "TimeoutSeconds"),
        ({"Transferee": OUTSIDE, "TransfereeType": "EXTERNAL", "Transferor": "01099999999"},
         "NotExists.Number", "01099999999"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("action", ["BlindTransfer", "InitiateAttendedTransfer"])
def test_a_refused_timeout_or_transferor_changes_nothing(
    action: str, params: dict[str, str], code: str, param: str
) -> None:
    c, job = centre()
    if action == "BlindTransfer" and params.get("TransfereeType") == "EXTERNAL":
        params = {**params, "TransfereeType": "EXTERNAL_NUMBER"}
    before = c.engine.snapshot()
    reply = c.agents[ANN].do(action, **{"JobId": job, "Transferee": BEN, **params})
    assert (reply.body["Code"], reply.body["Params"][0]) == (code, param), reply.body
    assert c.engine.snapshot() == before and c.events == []


def test_the_official_sdk_sends_both_parameters() -> None:
    c, job = centre()
    me: dict[str, Any] = {"instance_id": INSTANCE, "user_id": ANN, "job_id": job}
    with callstate.mock_ccc(c.engine):
        ccc = client("ccc.cn-shanghai.aliyuncs.com")
        body = ccc.initiate_attended_transfer(models.InitiateAttendedTransferRequest(
            **me, transferee=SALES, transferee_type="SKILL_GROUP", timeout_seconds=30,
            transferor=OTHER_NUMBER)).body  # fmt: skip
    assert body.code == "OK"
    assert c.job(job).channels[2].ring_timeout_ms == 30_000


# --- the same TimeoutSeconds for a conference's invitees and a colleague called ------------------
def test_a_conferences_timeout_rings_out_its_agents_and_numbers() -> None:
    c, _ = centre()  # BEN (READY) opens a conference with CAT (1003) and a silent number
    data = c.agents[BEN].ok("StartConference", ParticipantListJson=f'["1003", "{SILENT}"]',
                            TimeoutSeconds="40")  # fmt: skip
    conference = str(data["CallContext"]["JobId"])
    c.log()
    c.advance(39_999)  # past the 30 s dial timeout, short of the instance's 60 s
    assert c.log() == [] and c.state(CAT) == "RINGING"
    assert parties(c, conference)[2] == (SILENT, "RINGING", False)
    c.advance(1)
    assert c.state(CAT) == "BREAK" and parties(c, conference)[2] == (SILENT, "RELEASED", False)


def test_a_colleague_called_rings_for_the_calls_timeout() -> None:
    c, _ = centre()
    data = c.agents[BEN].ok("MakeCall", Callee="1003", TimeoutSeconds="35")
    c.log()
    c.advance(34_999)
    assert c.state(CAT) == "RINGING"
    c.advance(1)
    assert c.log()[:3] == [("RingingTimeout", CAT), ("Released", CAT), ("AgentBreak", CAT)]
    assert c.job(str(data["CallContext"]["JobId"])).state.value == "ENDED"


@pytest.mark.parametrize(
    ("action", "params"),
    [("StartConference", {"ParticipantListJson": '["1003"]'}), ("MakeCall", {"Callee": "1003"})],
)
def test_a_refused_conference_or_internal_timeout_changes_nothing(
    action: str, params: dict[str, str]
) -> None:
    c, _ = centre()
    before = c.engine.snapshot()
    reply = c.agents[BEN].do(action, **params, TimeoutSeconds="29")
    assert (reply.body["Code"], reply.body["Params"][0]) == ("Parameter.Minimum", "TimeoutSeconds")
    assert c.engine.snapshot() == before and c.events == []
