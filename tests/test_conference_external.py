"""Conferences with numbers outside the centre: StartConference dials each number it lists.

The centre of ``test_external`` (the simulated network on): ``OUTSIDE`` answers after 2 s,
``BUSY`` is busy, ``SILENT`` never answers, ``DECLINES`` rejects after 1 s. ANN (extension
1001) starts each conference; BEN is at 1002. Every scenario pins its exact events (type,
the agent each names: "" for none, and the ``scenario``: every member's leg is a conference's).
"""

from __future__ import annotations

import pytest
from test_conference import CONF
from test_external import BUSY, DECLINES, FORWARDED, OUTSIDE, SILENT, centre, parties, round_trips
from test_routing import ANN, BEN, Centre

from callstate import JobState

NUMBER = "01000000001"  # the routing instance's first number: what a number outside is shown


def start(*participants: str) -> tuple[Centre, str]:
    """ANN (BEN READY too) starts a conference with ``participants``; the log is clear after."""
    c = centre()
    c.ready(ANN, BEN)
    c.log()
    listed = ", ".join(f'"{p}"' for p in participants)
    reply = c.agents[ANN].do("StartConference", ParticipantListJson=f"[{listed}]")
    assert reply.ok, reply.body
    round_trips("StartConference", reply.body)
    return c, str(reply.body["Data"]["CallContext"]["JobId"])


def test_a_conference_dials_each_number_and_a_busy_one_leaves_the_others_talking() -> None:
    c, job = start("1002", OUTSIDE, BUSY)
    assert c.log() == [
        ("AgentTalk", ANN, CONF), ("StartConference", ANN, CONF),
        ("Ringing", BEN, CONF), ("AgentRinging", BEN, CONF),
        ("Dialing", ANN, CONF), ("Dialing", ANN, CONF),
        # the network reports at once: OUTSIDE rings, BUSY is busy (its leg alone is released)
        ("Ringing", BEN, CONF), ("Released", "", CONF),
    ]  # fmt: skip
    external = [leg for leg in c.job(job).channels if leg.destination in (OUTSIDE, BUSY)]
    assert [(leg.call_type, leg.originator) for leg in external] == [("CONFERENCE", NUMBER)] * 2
    assert parties(c, job) == [(ANN, "ANSWERED", False), (BEN, "RINGING", False),
                               (OUTSIDE, "RINGING", False), (BUSY, "RELEASED", False)]  # fmt: skip
    c.clock.advance(1_000)
    c.answer(BEN)
    c.advance(1_000)  # OUTSIDE answers 2 s after it rang: it joins
    assert c.log() == [("Established", BEN, CONF), ("AgentTalk", BEN, CONF),
                       ("Established", "", CONF)]  # fmt: skip
    assert parties(c, job)[:3] == [(ANN, "ANSWERED", False), (BEN, "ANSWERED", False),
                                   (OUTSIDE, "ANSWERED", False)]  # fmt: skip
    c.clock.advance(3_000)
    c.agents[ANN].ok("EndConference", JobId=job)  # BEN talks on with the number
    assert c.log() == [("Released", ANN, CONF), ("AgentRelease", ANN, CONF)]
    c.clock.advance(2_000)
    # BEN leaving would leave the number alone with nobody: the call ends
    c.agents[BEN].ok("EndConference", JobId=job)
    assert c.log() == [("StopConference", BEN, CONF), ("Released", BEN, CONF),
                       ("AgentRelease", BEN, CONF), ("Released", "", CONF),
                       ("CDRReady", "")]  # fmt: skip
    cdr = c.cdr(job)
    assert (cdr["callType"], cdr["dispositionCode"]) == ("CONFERENCE", "Success")
    assert [(leg["party"], leg["releaseReason"]) for leg in cdr["channels"]] == [
        ("user", "200 - Okay"), ("user", "200 - Okay"), ("external", "200 - Okay"),
        ("external", "486 - Busy Here"),
    ]  # fmt: skip
    assert [(a["agentId"], a["talkMs"]) for a in cdr["agents"]] == [(ANN, 4_000), (BEN, 6_000)]


@pytest.mark.parametrize(
    ("number", "after", "reason"),
    [(SILENT, 30_000, "480 - Temporarily Unavailable"), (DECLINES, 1_000, "603 - Decline")],
)
def test_a_number_that_does_not_answer_or_rejects_releases_its_leg_only(
    number: str, after: int, reason: str
) -> None:
    c, job = start(number)
    assert c.log() == [("AgentTalk", ANN, CONF), ("StartConference", ANN, CONF),
                       ("Dialing", ANN, CONF), ("Ringing", ANN, CONF)]  # fmt: skip
    c.advance(after)
    assert c.log() == [("Released", "", CONF)]
    assert c.job(job).state is JobState.ACTIVE and c.state(ANN) == "TALKING"
    assert c.job(job).channels[1].release_reason == reason
    c.agents[ANN].ok("ReleaseCall", JobId=job)
    assert c.log() == [("Released", ANN, CONF), ("AgentRelease", ANN, CONF), ("CDRReady", "")]


def test_the_number_hanging_up_leaves_the_agents_talking() -> None:
    c, job = start("1002", OUTSIDE)
    c.answer(BEN)
    c.advance(2_000)
    c.log()
    outside = c.job(job).channels[2].channel_id
    c.engine.signal("FarEndHungUp", {"InstanceId": c.job(job).instance_id, "JobId": job,
                                     "ChannelId": outside})  # fmt: skip
    assert c.log() == [("Released", "", CONF)]
    assert c.job(job).state is JobState.ACTIVE
    assert c.state(ANN) == c.state(BEN) == "TALKING"


@pytest.mark.parametrize(
    "participants",
    [
        f'["1002", "{FORWARDED}"]',  # one of the centre's own numbers
        '["1002", "13x00"]',  # neither an extension nor a number
        f'["{OUTSIDE}", "{OUTSIDE}"]',
    ],
)
def test_a_refused_number_changes_nothing(participants: str) -> None:
    c = centre()
    c.ready(ANN, BEN)
    c.log()
    before = c.engine.snapshot()
    reply = c.agents[ANN].do("StartConference", ParticipantListJson=participants)
    assert (reply.body["Code"], reply.body["Params"][0]) == ("Parameter.Invalid",
                                                             "ParticipantListJson")  # fmt: skip
    assert c.engine.snapshot() == before and c.log() == []
    assert c.engine.network is not None and c.engine.network.pending() == []
