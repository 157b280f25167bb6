"""Every record has a bounded lifetime: a queued call ends after the instance's queue timeout.

And no request waits for a rendering of the whole state: ``snapshot`` copies under the engine's
lock and renders outside it.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest
from conftest import GROUP, INSTANCE, Call, signal
from test_scenarios import TWO, WORLD, Centre

import callstate.engine._memory as store_module
from callstate import Engine, EventType, Ids, ManualClock, MemoryStore, World, WorldError

QUEUE_MS = 120_000


def queued_centre(network: bool = False) -> tuple[Centre, Call]:
    """A Centre whose instance has a 2-minute queue timeout, with one call queued."""
    world = copy.deepcopy(WORLD)
    world["instances"][0]["queuingTimeoutMs"] = QUEUE_MS
    world["instances"][0]["ringTimeoutMs"] = None  # offers ring until the test says otherwise
    c = Centre(network=network, world=world)
    call = c.offer()
    assert signal(c.engine, "RingTimeout", call, call.agent_leg).ok  # the offer is withdrawn
    assert c.job(call.job).state.value == "QUEUED"
    c.events.clear()
    return c, call


def test_a_queued_call_ends_after_the_queue_timeout_with_no_network() -> None:
    c, call = queued_centre()
    queued_at = c.clock()
    c.clock.advance(QUEUE_MS - 1)
    c.engine.tick()
    assert c.job(call.job).state.value == "QUEUED" and c.events == []
    c.clock.advance(1)
    c.engine.tick()
    job = c.job(call.job)
    assert job.state.value == "ENDED" and job.ended_ms == queued_at + QUEUE_MS
    assert c.types() == ["QueueingTimeout", "Released", "CDRReady"]
    assert c.events[0].channel_id == call.customer_leg
    cdr = c.cdr(call.job)
    assert cdr["dispositionCode"] == "QueuingTimeout"
    assert cdr["releaseReason"] == "480 - Queuing Timeout"
    assert cdr["releaseTime"] == queued_at + QUEUE_MS
    c.clock.advance(QUEUE_MS)
    c.engine.tick()  # fired once
    assert c.types() == ["QueueingTimeout", "Released", "CDRReady"]


def test_a_request_applies_a_due_queue_timeout_first() -> None:
    c, call = queued_centre()
    c.clock.advance(QUEUE_MS + 5000)
    c.a.poll()  # no tick: the request itself applies what is due, at the deadline's instant
    assert c.job(call.job).state.value == "ENDED"
    assert c.events[0].time_ms == c.clock() - 5000


def test_a_reoffered_call_is_not_timed_out_and_a_new_queueing_gets_a_new_deadline() -> None:
    c, call = queued_centre()
    c.clock.advance(QUEUE_MS // 2)
    reoffer = {"InstanceId": INSTANCE, "JobId": call.job, "UserId": TWO, "SkillGroupId": GROUP}
    assert c.engine.signal("CallReoffered", reoffer).ok
    c.clock.advance(QUEUE_MS // 2)  # the first deadline passes while an agent is offered it
    c.engine.tick()
    assert c.job(call.job).state.value == "ACTIVE"
    job = c.job(call.job)
    offer = job.leg_of(TWO).channel_id
    assert c.engine.signal(
        "RingTimeout", {"InstanceId": INSTANCE, "JobId": call.job, "ChannelId": offer}
    ).ok
    requeued_at = c.clock()
    assert c.job(call.job).queue_deadline_ms == requeued_at + QUEUE_MS
    c.clock.advance(QUEUE_MS - 1)
    c.engine.tick()
    assert c.job(call.job).state.value == "QUEUED"
    c.clock.advance(1)
    c.engine.tick()
    assert c.job(call.job).state.value == "ENDED"
    assert [e.event_type for e in c.events].count(EventType.CDRReady) == 1


def test_an_answered_call_never_times_out() -> None:
    c, call = queued_centre()
    reoffer = {"InstanceId": INSTANCE, "JobId": call.job, "UserId": TWO, "SkillGroupId": GROUP}
    assert c.engine.signal("CallReoffered", reoffer).ok
    c.b.ok("AnswerCall", JobId=call.job)
    c.clock.advance(10 * QUEUE_MS)
    c.engine.tick()
    assert c.job(call.job).state.value == "ACTIVE"
    assert c.job(call.job).queue_deadline_ms == 0


def test_the_queue_timeout_defaults_to_ten_minutes_and_is_bounded() -> None:
    world = World.from_dict({"instances": [{"instanceId": "x"}]})
    assert world.instances["x"].queuing_timeout_ms == 600_000
    assert World.from_dict(world.to_dict()) == world
    for bad in (None, 0, -1, "600000", True):
        with pytest.raises(WorldError, match="queuingTimeoutMs"):
            World.from_dict({"instances": [{"instanceId": "x", "queuingTimeoutMs": bad}]})


def test_the_snapshot_is_rendered_outside_the_engine_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each instance is rendered while another thread can take the lock: requests go on."""
    clock = ManualClock(1_700_000_000_000)
    engine = Engine(clock=clock, ids=Ids(seed=3), store=MemoryStore())
    free: list[bool] = []
    render = store_module.instance_snapshot  # type: ignore[attr-defined]  # patched where used

    def watched(*args: Any) -> dict[str, Any]:
        taken: list[bool] = []

        def take() -> None:
            got = engine._lock.acquire(blocking=False)
            taken.append(got)
            if got:
                engine._lock.release()

        other = threading.Thread(target=take)
        other.start()
        other.join()
        free.append(taken[0])
        return render(*args)

    monkeypatch.setattr(store_module, "instance_snapshot", watched)
    snapshot = engine.snapshot()
    engine.close()
    assert snapshot["instances"][INSTANCE]["users"]
    assert free == [True]
