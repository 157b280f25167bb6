"""A held customer always has an agent able to retrieve them: the state machine's findings.

Each case is an example ``CallCentreMachine`` found (shrunk by hand to its story): the last
agent who could retrieve a held customer left the call while it went on, and the customer stayed
on hold with nobody on the line. The hold now ends when that agent leaves: the customer is
retrieved (``Retrieved``, by the agent who held them) and waits for the next agent unheld.
"""

from __future__ import annotations

from test_routing import ANN, BEN, CAT, SALES, Centre
from test_transfers import BLIND, legs, talking

from callstate import JobState


def hold(c: Centre, job: str, uid: str = ANN) -> None:
    """``uid`` holds the customer of ``job``; the event log is clear."""
    customer = c.job(job).channels[0].channel_id
    c.agents[uid].ok("HoldCall", JobId=job, ChannelId=customer)
    c.log()


def test_a_held_customer_blind_transferred_to_an_agent_is_retrieved() -> None:
    c, job = talking()
    hold(c, job)
    c.agents[ANN].ok("BlindTransfer", JobId=job, Transferee=BEN, TransfereeType="AGENT")
    assert c.log() == [("Released", ANN, BLIND), ("AgentRelease", ANN, BLIND),
                       ("Retrieved", ANN), ("BlindTransfer", ANN, BLIND), ("Ringing", BEN, BLIND),
                       ("AgentRinging", BEN, BLIND)]  # fmt: skip
    assert legs(c, job)[0] == ("customer", "ANSWERED", False)
    c.answer(BEN)
    c.agents[BEN].ok("ReleaseCall", JobId=job)
    assert [h["heldBy"] for h in c.cdr(job)["channels"][0]["holds"]] == [ANN]


def test_a_held_customer_blind_transferred_to_a_skill_group_waits_unheld() -> None:
    c, job = talking()
    c.agents[BEN].ok("TakeBreak", Code="Lunch")
    c.agents[CAT].ok("TakeBreak", Code="Lunch")
    hold(c, job)
    c.agents[ANN].ok("BlindTransfer", JobId=job, Transferee=SALES, TransfereeType="SKILL_GROUP")
    assert c.job(job).state is JobState.QUEUED
    assert legs(c, job)[0] == ("customer", "ANSWERED", False)


def test_the_initiator_hanging_up_before_the_consultee_answers_retrieves_the_customer() -> None:
    c, job = talking()
    c.agents[ANN].ok("InitiateAttendedTransfer", JobId=job, Transferee=BEN)
    c.log()
    c.agents[ANN].ok("ReleaseCall", JobId=job)
    assert c.log() == [("Released", ANN), ("AgentRelease", ANN), ("Retrieved", ANN)]
    assert legs(c, job) == [("customer", "ANSWERED", False), (ANN, "RELEASED", False),
                            (BEN, "RINGING", False)]  # fmt: skip
    c.answer(BEN)  # BEN takes the customer, who was not left on hold meanwhile
    hold(c, job, BEN)
    c.agents[BEN].ok("ReleaseCall", JobId=job)
    cdr = c.cdr(job)
    assert [h["heldBy"] for h in cdr["channels"][0]["holds"]] == [ANN, BEN]
    assert cdr["holdCount"] == 2
