"""Inbound routing scenarios, with their exact events: queues, strategies, declines, timers.

Each scenario runs on a small world of its own (three agents, two skill groups) with no
simulated network, so every event is the routing's doing; the clock is advanced by hand and
``engine.tick()`` applies what fell due.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import Agent

from callstate import Engine, Event, Ids, ManualClock, Reply

INSTANCE = "ccc-route"
SALES, CLAIMS = "sales@ccc-route", "claims@ccc-route"
NUMBER, CLAIMS_NUMBER, DIRECT_NUMBER = "01000000001", "01000000002", "01000000003"
ANN, BEN, CAT = "ann@ccc-route", "ben@ccc-route", "cat@ccc-route"
CALLER = "13800000000"
RING_MS, QUEUE_MS = 20_000, 60_000
T0 = 1_700_000_000_000

WORLD: dict[str, Any] = {
    "instances": [{
        "instanceId": INSTANCE,
        "numbers": [NUMBER, CLAIMS_NUMBER, DIRECT_NUMBER],
        "ringTimeoutMs": RING_MS,
        "queuingTimeoutMs": QUEUE_MS,
        "routes": {CLAIMS_NUMBER: {"skillGroup": CLAIMS}, DIRECT_NUMBER: {"agent": CAT}},
        "skillGroups": [{"skillGroupId": SALES},
                        {"skillGroupId": CLAIMS, "routingType": "Manual"}],
        "users": [{"userId": uid, "extension": ext, "skillGroups": [SALES, CLAIMS]}
                  for uid, ext in ((ANN, "1001"), (BEN, "1002"), (CAT, "1003"))],
    }]
}  # fmt: skip


def world(**changes: Any) -> dict[str, Any]:
    """WORLD with instance keys changed; ``sales`` updates the sales group."""
    w = copy.deepcopy(WORLD)
    sales = changes.pop("sales", {})
    w["instances"][0].update(changes)
    w["instances"][0]["skillGroups"][0].update(sales)
    return w


class Desk(Agent):
    """An agent of this world's instance."""

    def do(self, action: str, **params: Any) -> Reply:
        request = {"InstanceId": INSTANCE, "UserId": self.user, "DeviceId": self.device}
        return self.engine.handle(action, {**request, **params})


class Centre:
    """An engine on a routing world, its agents by name, and every event it published."""

    def __init__(self, w: dict[str, Any] = WORLD) -> None:
        self.clock = ManualClock(T0)
        self.engine = Engine(w, clock=self.clock, ids=Ids(seed=3), network=None)
        self.events: list[Event] = []
        self.engine.subscribe(self.events.append)
        self.agents = {
            uid: Desk(self.engine, self.clock, uid, f"dev-{uid}") for uid in (ANN, BEN, CAT)
        }

    def ready(self, *users: str, groups: tuple[str, ...] = (SALES,)) -> None:
        for uid in users:
            self.agents[uid].sign_in(groups)
            self.clock.advance(1_000)

    def arrive(
        self, number: str = NUMBER, priority: int | None = None, caller: str = CALLER
    ) -> str:
        params = {"InstanceId": INSTANCE, "Caller": caller, "Callee": number}
        if priority is not None:
            params["CallPriority"] = str(priority)
        reply = self.engine.signal("CallArrived", params)
        assert reply.ok, reply.body
        return str(reply.body["Data"]["CallContext"]["JobId"])

    def advance(self, ms: int) -> None:
        self.clock.advance(ms)
        self.engine.tick()

    def log(self) -> list[tuple[str, ...]]:
        """(event type, the agent or the routing detail) of every event since the last look,
        and its ``scenario`` third when it has one."""
        seen = [(e.event_type.value, e.agent_id or detail.get("abandonPhase", ""))
                + ((detail["scenario"],) if "scenario" in detail else ())
                for e in self.events for detail in [dict(e.detail)]]  # fmt: skip
        self.events.clear()
        return seen

    def state(self, uid: str) -> str:
        view = self.engine.view(INSTANCE)
        assert view is not None
        return view.users[uid].state.value

    def job(self, job_id: str) -> Any:
        view = self.engine.view(INSTANCE)
        assert view is not None
        return view.jobs[job_id]

    def ringing(self, uid: str) -> str:
        """The JobId ringing at ``uid``."""
        assert self.state(uid) == "RINGING"
        view = self.engine.view(INSTANCE)
        assert view is not None
        return view.users[uid].job_id

    def answer(self, uid: str) -> None:
        self.agents[uid].ok("AnswerCall", JobId=self.ringing(uid))

    def cdr(self, job_id: str) -> dict[str, Any]:
        (found,) = [
            e.to_dict() for e in self.engine.events(INSTANCE) if e.cdr and e.contact_id == job_id
        ]
        return found


def test_an_arrival_is_enqueued_assigned_and_answered_with_the_documented_events() -> None:
    c = Centre()
    c.ready(ANN)
    c.log()
    job = c.arrive()
    assert c.log() == [
        ("Enqueue", ""),
        ("AssignAgent", ANN),
        ("Ringing", ANN),
        ("AgentRinging", ANN),
    ]
    enqueue = next(e for e in c.engine.events(INSTANCE) if e.event_type.value == "Enqueue")
    assert enqueue.to_dict()["queueType"] == "SkillGroup"
    assert enqueue.to_dict()["skillGroupId"] == SALES
    c.answer(ANN)
    assert c.log() == [("Established", ANN), ("AgentTalk", ANN)]
    assert c.job(job).state.value == "ACTIVE" and c.state(ANN) == "TALKING"


def test_an_arrival_with_nobody_ready_waits_and_the_next_ready_agent_gets_it_at_once() -> None:
    c = Centre()
    job = c.arrive()
    assert c.job(job).state.value == "QUEUED" and c.log() == [("Enqueue", "")]
    c.ready(BEN)  # signing in makes BEN READY: the same commit offers the waiting call
    assert c.log() == [("AgentCheckIn", BEN), ("AgentReady", BEN), ("AssignAgent", BEN),
                       ("Ringing", BEN), ("AgentRinging", BEN)]  # fmt: skip
    assert c.ringing(BEN) == job


def test_an_offer_that_rings_out_moves_to_the_next_agent() -> None:
    c = Centre()
    c.ready(ANN, BEN)
    c.log()
    job = c.arrive()
    first = next(u for u in (ANN, BEN) if c.state(u) == "RINGING")
    second = BEN if first == ANN else ANN
    c.log()
    c.advance(RING_MS)
    assert c.log() == [
        ("RingingTimeout", first), ("Released", first), ("AgentBreak", first),
        ("AssignAgent", second), ("Ringing", second), ("AgentRinging", second),
    ]  # fmt: skip
    assert c.ringing(second) == job
    view = c.engine.view(INSTANCE)
    assert view is not None and view.users[first].break_code == "RingingTimeout"


def test_assign_agent_and_ringing_timeout_publish_their_agent_other_call_events_do_not() -> None:
    c = Centre()
    c.ready(ANN, BEN)
    job = c.arrive()
    first = next(u for u in (ANN, BEN) if c.state(u) == "RINGING")
    second = BEN if first == ANN else ANN
    c.advance(RING_MS)
    published = [e.to_dict() for e in c.engine.events(INSTANCE) if e.contact_id == job]
    named = [(e["eventType"], e.get("agentId")) for e in published
             if not e["eventType"].startswith("Agent")]  # fmt: skip
    assert named == [
        ("Enqueue", None), ("AssignAgent", first), ("Ringing", None),
        ("RingingTimeout", first), ("Released", None),
        ("AssignAgent", second), ("Ringing", None),
    ]  # fmt: skip


def test_a_ringing_agent_declines_with_release_call_and_the_call_goes_back_to_the_head() -> None:
    c = Centre()
    c.ready(ANN)
    first = c.arrive(caller="13800000001")
    c.clock.advance(10)
    second = c.arrive(caller="13800000002")  # waits behind the first
    c.clock.advance(10)
    c.log()
    declined = c.agents[ANN].do("ReleaseCall", JobId=first)
    assert declined.ok, declined.body
    assert (
        c.state(ANN) == "BREAK"
        and declined.body["Data"]["UserContext"]["BreakCode"] == "RejectCall"
    )
    assert c.log() == [("Released", ANN), ("AgentBreak", ANN)]
    assert c.job(first).state.value == "QUEUED"
    c.ready(BEN)  # the declined call is still at the head: it is offered before the second
    assert c.ringing(BEN) == first
    assert c.job(second).state.value == "QUEUED"


def test_a_ringing_agent_can_decline_only_its_own_offer() -> None:
    c = Centre()
    c.ready(ANN)
    job = c.arrive()
    customer = c.job(job).channels[0].channel_id
    refused = c.agents[ANN].do("ReleaseCall", JobId=job, ChannelId=customer)
    assert refused.body["Code"] == "Parameter.Invalid", refused.body
    assert c.ringing(ANN) == job


def test_an_agent_ready_for_outbound_calls_only_is_never_offered_one() -> None:
    c = Centre()
    c.ready(ANN)
    c.agents[ANN].ok("ReadyForService", OutboundScenario="true")
    job = c.arrive()
    assert c.state(ANN) == "READY" and c.job(job).state.value == "QUEUED"
    c.agents[ANN].ok("ReadyForService")  # ready for inbound calls again: offered at once
    assert c.ringing(ANN) == job


def test_a_call_nobody_takes_times_out_of_the_queue() -> None:
    c = Centre()
    job = c.arrive()
    c.log()
    c.advance(QUEUE_MS - 1)
    assert c.job(job).state.value == "QUEUED"
    c.advance(1)
    assert c.log() == [("QueueingTimeout", ""), ("Released", ""), ("CDRReady", "")]
    assert c.cdr(job)["dispositionCode"] == "QueuingTimeout"


def test_a_call_overflows_on_timeout_to_the_overflow_group() -> None:
    c = Centre(world(sales={"overflowSkillGroupId": CLAIMS, "queuingTimeoutMs": 5_000}))
    job = c.arrive()
    c.log()
    c.advance(5_000)
    assert c.log() == [("Enqueue", "")]
    assert c.job(job).queue == f"SkillGroup/{CLAIMS}" and c.job(job).state.value == "QUEUED"
    c.advance(QUEUE_MS)  # the claims group has no overflow: the call ends
    assert c.job(job).state.value == "ENDED"


def test_a_call_arriving_at_a_full_queue_overflows() -> None:
    c = Centre(world(sales={"overflowSkillGroupId": CLAIMS, "queuingOverflowThreshold": 1}))
    first, second = c.arrive(), c.arrive(caller="13800000009")
    assert c.job(first).skill_group_id == SALES and c.job(second).skill_group_id == CLAIMS


def test_a_caller_hanging_up_in_the_queue_is_abandoned_in_queuing() -> None:
    c = Centre()
    job = c.arrive()
    c.log()
    customer = c.job(job).channels[0].channel_id
    reply = c.engine.signal(
        "FarEndHungUp", {"InstanceId": INSTANCE, "JobId": job, "ChannelId": customer}
    )
    assert reply.ok, reply.body
    assert c.log() == [("Released", ""), ("Abandoned", "Queuing"), ("CDRReady", "")]
    assert c.cdr(job)["dispositionCode"] == "AbandonedInQueue"


def test_a_caller_hanging_up_while_it_rings_is_abandoned_in_ringing() -> None:
    c = Centre()
    c.ready(ANN)
    job = c.arrive()
    c.log()
    customer = c.job(job).channels[0].channel_id
    c.engine.signal("FarEndHungUp", {"InstanceId": INSTANCE, "JobId": job, "ChannelId": customer})
    assert c.log() == [("Released", ""), ("Released", ANN), ("AgentReady", ANN),
                       ("Abandoned", "Ringing"), ("CDRReady", "")]  # fmt: skip
    assert c.state(ANN) == "READY" and c.cdr(job)["dispositionCode"] == "AbandonedRing"


def test_a_higher_priority_call_overtakes_the_queue() -> None:
    c = Centre()
    low = c.arrive(priority=9, caller="13800000001")
    c.clock.advance(1)
    normal = c.arrive(caller="13800000002")
    c.clock.advance(1)
    urgent = c.arrive(priority=0, caller="13800000003")
    c.ready(ANN)
    c.ready(BEN)
    c.ready(CAT)
    assert [c.ringing(u) for u in (ANN, BEN, CAT)] == [urgent, normal, low]


def _offered_to(c: Centre, calls: int) -> list[str]:
    """Whom each of ``calls`` arrivals rings; each caller hangs up while it rings (READY again)."""
    order = []
    for i in range(calls):
        job = c.arrive(caller=f"1380000{i:04d}")
        order.append(next(u for u in (ANN, BEN, CAT) if c.state(u) == "RINGING"))
        c.clock.advance(1_000)
        customer = c.job(job).channels[0].channel_id
        hung_up = {"InstanceId": INSTANCE, "JobId": job, "ChannelId": customer}
        assert c.engine.signal("FarEndHungUp", hung_up).ok
        c.clock.advance(1_000)
    return order


def test_most_idle_offers_the_agent_ready_the_longest() -> None:
    c = Centre()
    c.ready(BEN, CAT, ANN)  # BEN ready first
    assert _offered_to(c, 4) == [BEN, CAT, ANN, BEN]


def test_round_robin_offers_each_agent_in_turn() -> None:
    c = Centre(world(sales={"strategy": "ROUND_ROBIN"}))
    c.ready(CAT, ANN, BEN)
    assert _offered_to(c, 6) == [ANN, BEN, CAT, ANN, BEN, CAT]  # never offered: by UserId


def test_fewest_calls_offers_the_agent_who_answered_least() -> None:
    c = Centre(world(sales={"strategy": "FEWEST_CALLS"}))
    c.ready(BEN)
    job = c.arrive()
    c.answer(BEN)  # BEN has answered one call
    c.agents[BEN].ok("ReleaseCall", JobId=job)
    c.agents[BEN].ok("ReadyForService")  # BEN is now READY the longest...
    c.clock.advance(1_000)
    c.ready(ANN)
    nxt = c.arrive(caller="13800000007")
    assert c.ringing(ANN) == nxt  # ...but ANN answered fewer
    assert c.state(BEN) == "READY"


def test_an_agent_signing_in_again_starts_a_new_count_of_calls() -> None:
    c = Centre(world(sales={"strategy": "FEWEST_CALLS"}))
    c.ready(BEN)
    job = c.arrive()
    c.answer(BEN)
    c.agents[BEN].ok("ReleaseCall", JobId=job)
    c.agents[BEN].ok("SignOutGroup")
    c.ready(BEN, ANN)  # both at 0: BEN is READY the longest
    nxt = c.arrive(caller="13800000007")
    assert c.ringing(BEN) == nxt


def test_random_is_reproducible_from_the_seed_and_the_seed_matters() -> None:
    def picks(seed: int) -> list[str]:
        c = Centre(world(routingSeed=seed, sales={"strategy": "RANDOM"}))
        c.ready(ANN, BEN, CAT)
        return _offered_to(c, 6)

    assert picks(1) == picks(1)
    assert len({tuple(picks(seed)) for seed in range(6)}) > 1


def test_a_manual_group_keeps_its_calls_until_an_agent_claims_one() -> None:
    c = Centre()
    c.ready(ANN, groups=(SALES, CLAIMS))
    job = c.arrive(CLAIMS_NUMBER)
    assert c.state(ANN) == "READY" and c.job(job).state.value == "QUEUED"
    c.log()
    claimed = c.agents[ANN].ok("ClaimCall", JobId=job)
    assert claimed["UserContext"]["UserState"] == "RINGING"
    assert c.log() == [("AssignAgent", ANN), ("Ringing", ANN), ("AgentRinging", ANN)]


def test_a_number_routed_to_an_agent_waits_for_that_agent_alone() -> None:
    c = Centre()
    c.ready(ANN, BEN)
    job = c.arrive(DIRECT_NUMBER)
    assert c.job(job).state.value == "QUEUED" and c.job(job).queue == f"Agent/{CAT}"
    c.log()
    c.ready(CAT)
    assert c.ringing(CAT) == job
    enqueue = next(e for e in c.engine.events(INSTANCE) if e.event_type.value == "AssignAgent")
    assert enqueue.to_dict()["queueType"] == "Agent"


def test_after_call_work_ends_after_the_groups_acw() -> None:
    c = Centre(world(sales={"acwMs": 15_000}))
    c.ready(ANN)
    job = c.arrive()
    c.answer(ANN)
    c.agents[ANN].ok("ReleaseCall", JobId=job)
    assert c.state(ANN) == "WORKING"
    c.log()
    c.advance(14_999)
    assert c.state(ANN) == "WORKING"
    nxt = c.arrive(caller="13800000005")  # waits: ANN is wrapping up
    c.advance(1)
    assert c.log() == [("Enqueue", ""), ("AgentReady", ANN), ("AssignAgent", ANN),
                       ("Ringing", ANN), ("AgentRinging", ANN)]  # fmt: skip
    assert c.ringing(ANN) == nxt


def test_a_leg_held_too_long_raises_hold_timeout_once_and_stays_held() -> None:
    c = Centre(world(maxHoldMs=30_000))
    c.ready(ANN)
    job = c.arrive()
    c.answer(ANN)
    customer = c.job(job).channels[0].channel_id
    c.agents[ANN].ok("HoldCall", JobId=job, ChannelId=customer)
    c.log()
    c.advance(30_000)
    c.advance(60_000)
    assert c.log() == [("HoldTimeout", ANN)]
    assert c.job(job).channels[0].held
    c.agents[ANN].ok("RetrieveCall", JobId=job, ChannelId=customer)
    c.agents[ANN].ok("HoldCall", JobId=job, ChannelId=customer)
    c.log()
    c.advance(30_000)  # a new hold is timed afresh
    assert c.log() == [("HoldTimeout", ANN)]


def test_an_agent_whose_heartbeat_is_too_old_is_signed_out() -> None:
    c = Centre(world(heartbeatTimeoutMs=60_000))
    c.ready(ANN)  # signed in 1 s ago
    c.advance(58_000)
    c.agents[ANN].ok("PollUserStatus")  # a command keeps the agent alive
    c.log()
    c.advance(59_999)
    assert c.state(ANN) == "READY"
    c.advance(1)
    assert c.state(ANN) == "OFFLINE" and c.log() == [("AgentCheckOut", ANN)]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"Callee": NUMBER, "CallPriority": "10"}, "Parameter.Maximum"),
        ({"Callee": NUMBER, "CallPriority": "-1"}, "Parameter.Minimum"),
        ({"Callee": "09999999999"}, "NotExists.Number"),
        ({"Callee": ""}, "Parameter.Blank"),
    ],
)
def test_call_arrived_refuses_bad_input_and_changes_nothing(
    params: dict[str, str], code: str
) -> None:
    c = Centre()
    before = c.engine.snapshot()
    reply = c.engine.signal("CallArrived", {"InstanceId": INSTANCE, "Caller": CALLER, **params})
    assert reply.body["Code"] == code
    assert c.engine.snapshot() == before and c.events == []
