"""The memory store's packed records: what the garbage collector sees of them."""

from __future__ import annotations

import gc

from conftest import INSTANCE, Agent

from callstate import Engine, Ids, ManualClock, MemoryStore

START = 1_609_255_700_000


def test_a_held_calls_stored_form_is_untracked_by_the_collector() -> None:
    """Holding a call must not make its stored tuple one more object every collection walks."""
    clock, store = ManualClock(START), MemoryStore()
    engine = Engine(clock=clock, ids=Ids(seed=1), store=store, network=None)
    agent = Agent(engine, clock)
    agent.sign_in()
    call = agent.dial("13900000000")
    engine.signal("FarEndAnswered", {"InstanceId": INSTANCE, "JobId": call.job,
                                     "ChannelId": call.customer_leg})  # fmt: skip
    for _ in range(3):  # held, retrieved and held again: closed and open intervals both
        clock.advance(1000)
        agent.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
        clock.advance(1000)
        agent.ok("RetrieveCall", JobId=call.job, ChannelId=call.customer_leg)
    agent.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
    # A full collection untracks a tuple whose items are all untracked when it gets to it; it
    # walks parents before children, so each pass untracks one more level of fresh nesting
    # (job, legs, leg, hold chain): enough passes leave exactly what can never be untracked.
    for _ in range(16):
        gc.collect()
    stored = store._instances[INSTANCE].jobs[call.job]
    assert gc.is_tracked(stored) is False
    (held,) = [leg for leg in engine.view(INSTANCE).jobs[call.job].channels if leg.held]  # type: ignore[union-attr]
    assert held.hold_count == 4 and held.held_ms == 3000


def test_a_freshly_held_call_is_untracked_within_three_full_collections() -> None:
    """The transient after a burst of holds: one pass per nesting level, and no more levels.

    The legs are one flat tuple inside the call's (not a tuple of tuples), so a call held once
    nests three levels deep (the call, its legs, a leg's hold chain): three passes.
    """
    clock, store = ManualClock(START), MemoryStore()
    engine = Engine(clock=clock, ids=Ids(seed=1), store=store, network=None)
    agent = Agent(engine, clock)
    agent.sign_in()
    call = agent.dial("13900000000")
    engine.signal("FarEndAnswered", {"InstanceId": INSTANCE, "JobId": call.job,
                                     "ChannelId": call.customer_leg})  # fmt: skip
    for _ in range(16):
        gc.collect()
    agent.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
    agent.ok("RetrieveCall", JobId=call.job, ChannelId=call.customer_leg)
    for _ in range(3):
        gc.collect()
    assert gc.is_tracked(store._instances[INSTANCE].jobs[call.job]) is False
