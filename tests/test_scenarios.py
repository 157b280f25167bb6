"""Whole calls, end to end through the public API: states, events and call detail records."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from conftest import AGENT, GROUP, INSTANCE, NUMBER, Agent, Call, signal

from callstate import Engine, Event, EventType, Ids, ManualClock
from callstate.domain import decide

TWO = "user-two@ccc-test"
WORLD: dict[str, Any] = {
    "instances": [
        {
            "instanceId": INSTANCE,
            "numbers": [NUMBER],
            "ringTimeoutMs": 30_000,
            "retentionMs": 60_000,
            "skillGroups": [{"skillGroupId": GROUP}],
            "users": [
                {
                    "userId": AGENT,
                    "extension": "80011474",
                    "mobile": "13900000001",
                    "skillGroups": [GROUP],
                },
                {"userId": TWO, "extension": "80011475", "skillGroups": [GROUP]},
            ],
            "dialling": {
                "numbers": {
                    "13100000000": {"outcome": "answer", "afterMs": 2000},
                    "13100000001": {"outcome": "busy", "afterMs": 500},
                    "13100000002": {"outcome": "reject", "afterMs": 800},
                    "13100000003": {"outcome": "noAnswer"},
                    "13100000004": {"outcome": "answer", "afterMs": 40_000},
                }
            },
        }
    ]
}


class Centre:
    """An engine on WORLD with two agents signed in and every event recorded."""

    def __init__(self, network: bool = True, world: dict[str, Any] = WORLD) -> None:
        self.clock = ManualClock(1_700_000_000_000)
        engine = Engine(world, clock=self.clock, ids=Ids(seed=5))
        self.engine = (
            engine if network else Engine(world, clock=self.clock, ids=Ids(seed=5), network=None)
        )
        self.events: list[Event] = []
        self.engine.subscribe(self.events.append)
        self.a = Agent(self.engine, self.clock, AGENT, "dev-a")
        self.b = Agent(self.engine, self.clock, TWO, "dev-b")
        self.a.sign_in()
        self.b.sign_in()
        self.events.clear()

    def types(self) -> list[str]:
        return [e.event_type.value for e in self.events]

    def cdr(self, job: str) -> dict[str, Any]:
        (event,) = [e for e in self.events if e.event_type is EventType.CDRReady]
        assert event.contact_id == job
        return event.to_dict()

    def offer(self, user: str = AGENT) -> Call:
        reply = self.engine.signal(
            "CallOffered",
            {
                "InstanceId": INSTANCE,
                "Caller": "13812345678",
                "Callee": NUMBER,
                "UserId": user,
                "SkillGroupId": GROUP,
            },
        )
        assert reply.ok, reply.body
        return Call.of(reply.body["Data"]["CallContext"])

    def state(self, user: str = AGENT) -> str:
        view = self.engine.view(INSTANCE)
        assert view is not None
        return view.users[user].state.value

    def job(self, job_id: str) -> Any:
        view = self.engine.view(INSTANCE)
        assert view is not None
        return view.jobs[job_id]


def legs(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["CallContext"]["ChannelContexts"]  # type: ignore[no-any-return]


def test_outbound_call_with_hold_and_retrieve() -> None:
    c = Centre()
    call = c.a.dial("13100000000")
    assert c.state() == "DIALING"
    c.clock.advance(2000)  # the callee answers after 2000 ms
    data = c.a.poll()
    assert data["UserContext"]["UserState"] == "TALKING"
    assert {leg["ChannelState"] for leg in legs(data)} == {"ANSWERED"}
    answered_at = c.clock()
    assert all(leg["Timestamp"] == answered_at for leg in legs(data))

    c.clock.advance(5000)
    held = c.a.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg, Music="")
    assert [leg["ChannelId"] for leg in legs(held)] == [call.agent_leg]  # the held leg is hidden
    polled = c.a.poll()
    flags = {leg["ChannelId"]: leg["ChannelFlags"] for leg in legs(polled)}
    assert flags == {call.agent_leg: "", call.customer_leg: "HOLD"}
    assert polled["UserContext"]["UserState"] == "TALKING"

    c.clock.advance(12_000)
    retrieved = c.a.ok("RetrieveCall", JobId=call.job, ChannelId=call.customer_leg)
    assert [leg["ChannelId"] for leg in legs(retrieved)] == [call.agent_leg, call.customer_leg]
    c.clock.advance(3000)
    c.a.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
    c.clock.advance(4000)
    released = c.a.ok("ReleaseCall", JobId=call.job)
    assert {leg["ChannelState"] for leg in legs(released)} == {"RELEASED"}
    assert {leg["ReleaseReason"] for leg in legs(released)} == {"200 - Okay"}
    assert {leg["ReleaseInitiator"] for leg in legs(released)} == {"80011474"}
    assert released["UserContext"]["UserState"] == "WORKING"
    assert released["UserContext"]["JobId"] == call.job

    assert c.types() == [
        "AgentDialing",
        "Dialing",
        "Ringing",
        "Established",
        "AgentTalk",
        "Held",
        "Retrieved",
        "Held",
        "Released",
        "AgentRelease",
        "Released",
        "CDRReady",
    ]
    held_event = c.events[5].to_dict()
    assert held_event["heldChannelId"] == call.customer_leg
    assert held_event["agentId"] == AGENT
    cdr = c.cdr(call.job)
    assert cdr["dispositionCode"] == "Success"
    assert (cdr["holdCount"], cdr["heldMs"], cdr["longestHoldMs"]) == (2, 16_000, 12_000)
    customer = next(ch for ch in cdr["channels"] if ch["channelId"] == call.customer_leg)
    assert [(h["endTime"] - h["startTime"]) for h in customer["holds"]] == [12_000, 4000]

    ready = c.a.ok("ReadyForService")
    assert (ready["UserState"], ready["JobId"]) == ("READY", "")


@pytest.mark.parametrize(
    ("callee", "after", "reason", "initiator", "disposition"),
    [
        ("13100000001", 500, "486 - Busy Here", "13100000001", "Reject"),
        ("13100000002", 800, "603 - Decline", "13100000002", "Reject"),
        ("13100000003", 30_000, "480 - Temporarily Unavailable", "13100000003", "NoAnswer"),
        # answers after 40 s, past the 30 s dial timeout: it is a no answer at 30 s
        ("13100000004", 30_000, "480 - Temporarily Unavailable", "13100000004", "NoAnswer"),
    ],
)
def test_outbound_call_the_customer_does_not_take(
    callee: str, after: int, reason: str, initiator: str, disposition: str
) -> None:
    c = Centre()
    call = c.a.dial(callee)
    c.clock.advance(after - 1)
    c.engine.tick()
    assert c.state() == "DIALING"
    c.clock.advance(1)
    c.engine.tick()
    assert c.state() == "WORKING"
    job = c.job(call.job)
    assert job.state.value == "ENDED"
    assert {(ch.release_reason, ch.release_initiator) for ch in job.channels} == {
        (reason, initiator)
    }
    assert c.cdr(call.job)["dispositionCode"] == disposition


def test_dial_timeout_comes_from_make_call() -> None:
    c = Centre()
    data = c.a.ok("MakeCall", Caller=NUMBER, Callee="13100000004", TimeoutSeconds="45")
    c.clock.advance(40_000)  # answers at 40 s, inside the 45 s timeout
    c.engine.tick()
    assert c.state() == "TALKING"
    assert data["UserContext"]["UserState"] == "DIALING"


def test_agent_cancels_a_dialling_call() -> None:
    c = Centre()
    call = c.a.dial("13100000003")
    released = c.a.ok("ReleaseCall", JobId=call.job)
    assert {leg["ReleaseReason"] for leg in legs(released)} == {"487 - Request Terminated"}
    assert released["UserContext"]["UserState"] == "WORKING"
    c.clock.advance(60_000)
    c.engine.tick()  # the scheduled no-answer finds the call over: dropped, nothing changes
    assert c.types().count("CDRReady") == 1


def test_inbound_call_answered_held_and_hung_up_by_the_customer_while_held() -> None:
    c = Centre()
    call = c.offer()
    assert c.state() == "RINGING"
    view = c.engine.view(INSTANCE)
    assert view is not None
    assert view.users[AGENT].reserved == c.clock()
    c.clock.advance(3000)
    answered = c.a.ok("AnswerCall", JobId=call.job)
    assert answered["UserContext"]["UserState"] == "TALKING"
    agent_leg = next(leg for leg in legs(answered) if leg["UserId"])
    assert agent_leg["SkillGroupId"] == GROUP and agent_leg["Originator"] == "13812345678"
    c.clock.advance(1000)
    c.a.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
    c.clock.advance(7000)
    hung_up = signal(c.engine, "FarEndHungUp", call, call.customer_leg)
    assert hung_up.ok
    job = c.job(call.job)
    customer = job.channel(call.customer_leg)
    assert not customer.held and customer.holds.newest.end_ms == c.clock()
    assert {ch.release_initiator for ch in job.channels} == {"13812345678"}
    assert c.state() == "WORKING"
    cdr = c.cdr(call.job)
    assert (cdr["heldMs"], cdr["dispositionCode"], cdr["callType"]) == (7000, "Success", "INBOUND")


def test_ring_timeout_withdraws_the_offer_and_the_call_waits_for_another_agent() -> None:
    c = Centre()
    call = c.offer()
    c.clock.advance(30_000)  # the instance's ring timeout
    c.engine.tick()
    view = c.engine.view(INSTANCE)
    assert view is not None
    assert (view.users[AGENT].state.value, view.users[AGENT].break_code) == (
        "BREAK",
        "RingingTimeout",
    )
    assert view.users[AGENT].job_id == ""
    assert view.jobs[call.job].state.value == "QUEUED"
    customer = view.jobs[call.job].channel(call.customer_leg)
    assert customer is not None and customer.live
    reoffered = c.engine.signal(
        "CallReoffered",
        {"InstanceId": INSTANCE, "JobId": call.job, "UserId": TWO, "SkillGroupId": GROUP},
    )
    assert reoffered.ok, reoffered.body
    assert c.state(TWO) == "RINGING"
    c.b.ok("AnswerCall", JobId=call.job)
    assert c.state(TWO) == "TALKING"
    assert "AgentBreak" in c.types()


def test_reoffer_to_the_same_agent_gets_a_new_channel_id() -> None:
    """Regression: SPEC §6's ``{jobCreatedMs}`` would give both offers one ChannelId."""
    c = Centre(network=False)
    call = c.offer()
    assert signal(c.engine, "FarEndHungUp", call, call.agent_leg).ok  # the phone refused it
    view = c.engine.view(INSTANCE)
    assert view is not None
    assert view.users[AGENT].break_code == "RejectCall"
    c.a.ok("ReadyForService")
    again = c.engine.signal(
        "CallReoffered",
        {"InstanceId": INSTANCE, "JobId": call.job, "UserId": AGENT, "SkillGroupId": GROUP},
    )
    assert again.ok
    ids = [leg["ChannelId"] for leg in again.body["Data"]["CallContext"]["ChannelContexts"]]
    assert len(ids) == len(set(ids)) == 3


@pytest.mark.parametrize(
    ("queued", "disposition"), [(False, "AbandonedRing"), (True, "AbandonedInQueue")]
)
def test_caller_abandons(queued: bool, disposition: str) -> None:
    c = Centre()
    call = c.offer()
    if queued:
        c.clock.advance(30_000)
        c.engine.tick()
    assert signal(c.engine, "FarEndHungUp", call, call.customer_leg).ok
    assert c.state() == ("BREAK" if queued else "READY")
    assert c.job(call.job).state.value == "ENDED"
    assert c.cdr(call.job)["dispositionCode"] == disposition


def test_reset_while_talking_releases_the_call_and_signs_out() -> None:
    c = Centre()
    call = c.a.dial("13100000000")
    c.clock.advance(2000)
    c.a.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
    c.clock.advance(500)
    reset = c.a.ok("ResetAgentState")
    assert (reset["UserState"], reset["JobId"], reset["DeviceId"]) == ("OFFLINE", "", "")
    job = c.job(call.job)
    assert job.state.value == "ENDED" and not any(ch.live or ch.held for ch in job.channels)
    assert c.types()[-2:] == ["CDRReady", "AgentCheckOut"]
    assert c.a.do("PollUserStatus").ok  # an offline agent can still be polled


def test_reset_while_ringing_puts_the_caller_back_in_the_queue() -> None:
    c = Centre()
    call = c.offer()
    c.a.ok("ResetAgentState")
    assert c.job(call.job).state.value == "QUEUED"
    assert c.state() == "OFFLINE"


def test_an_ended_call_is_kept_for_the_retention_then_forgotten() -> None:
    c = Centre(network=False)
    call = c.a.dial("13100000000")
    c.a.ok("ReleaseCall", JobId=call.job)
    c.clock.advance(59_999)
    c.a.ok("PollUserStatus")
    assert c.a.do("HoldCall", JobId=call.job, ChannelId=call.customer_leg).body["Code"] == (
        "Permission.JobId"
    )
    c.clock.advance(1)
    c.a.ok("PollUserStatus")  # a commit at or after the instant forgets the call
    assert c.a.do("HoldCall", JobId=call.job, ChannelId=call.customer_leg).body["Code"] == (
        "NotExists.JobId"
    )
    polled = c.a.poll()  # the agent is still WORKING on a call that is gone
    assert polled["UserContext"]["JobId"] == call.job
    assert polled["CallContext"]["JobId"] == "" and legs(polled) == []


def test_timestamps_never_go_backwards_when_the_clock_does() -> None:
    c = Centre(network=False)
    call = c.a.dial("13100000000")
    c.clock.advance(1000)
    assert signal(c.engine, "FarEndAnswered", call, call.customer_leg).ok
    before = c.a.poll()
    c.clock.advance(-60_000)  # an NTP step back
    held = c.a.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
    assert held["UserContext"]["Heartbeat"] == before["UserContext"]["Heartbeat"]
    after = c.a.poll()
    customer = next(leg for leg in legs(after) if leg["ChannelId"] == call.customer_leg)
    assert customer["Timestamp"] >= max(leg["Timestamp"] for leg in legs(before))


def test_heartbeat_moves_with_every_successful_command_only() -> None:
    c = Centre()
    c.clock.advance(10)
    assert c.a.poll()["UserContext"]["Heartbeat"] == c.clock()
    first = c.clock()
    c.clock.advance(10)
    assert not c.a.do("AnswerCall", JobId="job-1").ok
    assert c.a.poll()["UserContext"]["Heartbeat"] == first + 10
    assert c.a.do("SignOutGroup").ok


def test_context_id_is_the_instance_event_sequence() -> None:
    c = Centre()
    made = c.a.ok("MakeCall", Caller=NUMBER, Callee="13100000003")
    dialing = [e for e in c.events if e.event_type is EventType.Dialing]
    assert made["ContextId"] == dialing[-1].seq  # its own last event
    assert c.events[-1].event_type is EventType.Ringing  # the far end rang right after
    polled = c.a.poll()
    assert polled["ContextId"] == c.events[-1].seq
    assert c.a.poll()["ContextId"] == polled["ContextId"]  # nothing happened since


def test_resigning_in_adds_groups_and_moves_the_active_device() -> None:
    world = json.loads(json.dumps(WORLD))
    world["instances"][0]["skillGroups"].append({"skillGroupId": "vip@ccc-test"})
    world["instances"][0]["users"][0]["skillGroups"].append("vip@ccc-test")
    clock = ManualClock()
    engine = Engine(world, clock=clock, ids=Ids(seed=1))
    agent = Agent(engine, clock, AGENT, "dev-1")
    agent.sign_in()
    moved = Agent(engine, clock, AGENT, "dev-2")
    data = moved.ok("SignInGroup", SignedSkillGroupIdList='["vip@ccc-test"]', Additivity="True")
    assert data["SignedSkillGroupIdList"] == [GROUP, "vip@ccc-test"]
    assert data["DeviceId"] == "dev-2"
    assert agent.do("MakeCall", Caller=NUMBER, Callee="1").body["Code"] == "Permission.DeviceId"
    replaced = moved.ok("SignInGroup", SignedSkillGroupIdList='["vip@ccc-test"]')
    assert replaced["SignedSkillGroupIdList"] == ["vip@ccc-test"]


def test_off_site_work_mode_needs_a_mobile() -> None:
    c = Centre()
    assert c.b.do("ChangeWorkMode", WorkMode="OFF_SITE").body["Code"] == "Parameter.Blank"
    changed = c.b.ok("ChangeWorkMode", WorkMode="OFF_SITE", Mobile="13700000000")
    assert (changed["WorkMode"], changed["UserState"]) == ("OFF_SITE", "READY")
    assert c.a.ok("ChangeWorkMode", WorkMode="OFF_SITE")["WorkMode"] == "OFF_SITE"


def test_job_ids_are_snowflakes_with_a_sequence_within_one_millisecond() -> None:
    c = Centre(network=False)
    first = c.a.dial("13100000000")
    second = c.b.dial("13100000000")
    assert int(second.job[4:]) == int(first.job[4:]) + 1


def test_a_failing_subscriber_does_not_break_the_engine(caplog: pytest.LogCaptureFixture) -> None:
    c = Centre()

    def broken(event: Event) -> None:
        raise RuntimeError("subscriber bug")

    unsubscribe = c.engine.subscribe(broken)
    assert c.a.ok("TakeBreak", Code="lunch")["UserState"] == "BREAK"
    assert "subscriber" in caplog.text
    unsubscribe()
    assert c.types() == ["AgentBreak"]


def test_an_unexpected_fault_is_a_500_that_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c = Centre()
    before = c.engine.snapshot()
    import callstate.engine._engine as engine_module

    def boom(*args: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(engine_module, "decide", boom)
    reply = c.a.do("TakeBreak", Code="lunch")
    assert (reply.status, reply.body["Code"]) == (500, "InternalService.Common")
    assert "KeyError" not in reply.body["Message"]  # the class name is for the log only
    assert c.engine.snapshot() == before


def test_poll_without_a_call_has_an_empty_call_context() -> None:
    c = Centre()
    polled = c.b.poll()
    assert polled["CallContext"] == {
        "CallType": "",
        "CallVariables": "",
        "ChannelContexts": [],
        "InstanceId": "",
        "JobId": "",
    }
    assert polled["ChatContexts"] == [] and polled["UserContext"]["ParallelJobList"] == []


def test_subscribing_after_a_seq_replays_the_log_then_goes_live_without_gaps() -> None:
    c = Centre()
    c.a.ok("TakeBreak", Code="lunch")
    c.a.ok("ReadyForService")
    first_seq = c.events[0].seq
    seen: list[int] = []
    resets: list[bool] = []
    c.engine.subscribe(
        lambda e: seen.append(e.seq),
        instance_id=INSTANCE,
        after_seq=first_seq,
        on_reset=lambda: resets.append(True),
    )
    assert seen == [first_seq + 1]  # the backlog: ReadyForService's AgentReady
    c.b.ok("TakeBreak", Code="lunch")
    assert seen == [first_seq + 1, first_seq + 2]
    other: list[Event] = []
    c.engine.subscribe(other.append, instance_id="elsewhere")
    c.a.ok("TakeBreak", Code="x")
    assert other == []
    c.engine.reset()
    assert resets == [True]


@pytest.mark.parametrize("due", ["FarEndAnswered", "TimerFired"])
def test_what_faults_as_it_falls_due_does_not_fail_the_engine(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, due: str
) -> None:
    """A fault (a bug, not a refusal) applying a due signal or timer is logged and skipped.

    Only a store that could not decide stops the pass. A faulting signal kept due, or a faulting
    timer (the store keeps it) raised at every pass, failed every later request of the engine,
    whoever made it: one bad call took the whole centre down. It is logged once: a timer kept
    in the store and faulting at every pass (each tick) flooded the log.
    """
    c = Centre()
    if due == "FarEndAnswered":
        c.a.dial("13100000000")  # the callee answers after 2000 ms
    else:
        c.offer()  # rings out after 30 s

    def faulting(tx: Any, request: Any, now: int) -> Any:
        if request.action == due:
            raise RuntimeError("a planted fault")
        return decide(tx, request, now)

    monkeypatch.setattr("callstate.engine._engine.decide", faulting)
    c.clock.advance(30_000)
    c.engine.tick()  # the fault: logged
    assert c.b.poll()["UserContext"]["UserState"] == "READY"  # another agent's next request
    for _ in range(3):
        c.clock.advance(50)
        c.engine.tick()
        c.b.poll()
    assert [r.levelname for r in caplog.records if r.levelno >= logging.ERROR] == ["ERROR"]
    assert c.state() == ("DIALING" if due == "FarEndAnswered" else "RINGING")  # it was lost
    assert c.engine.network is not None and c.engine.network.next_due() is None
