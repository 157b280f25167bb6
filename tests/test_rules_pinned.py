"""Rules that no other test would notice if broken: timestamps of held legs, agents' heartbeats."""

from __future__ import annotations

from conftest import AGENT, INSTANCE, Agent, signal

from callstate import Engine, ManualClock


def _legs(agent: Agent) -> dict[str, dict[str, object]]:
    context = agent.poll()["CallContext"]
    return {leg["ChannelId"]: leg for leg in context["ChannelContexts"]}


def test_a_held_leg_is_stamped_with_the_hold_and_the_retrieve_instant(
    quiet_engine: Engine, clock: ManualClock
) -> None:
    agent = Agent(quiet_engine, clock)
    agent.sign_in()
    call = agent.dial()
    signal(quiet_engine, "FarEndAnswered", call, call.customer_leg)
    clock.advance(2_500)
    held_at = clock()
    agent.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
    clock.advance(4_000)
    assert _legs(agent)[call.customer_leg]["Timestamp"] == held_at
    retrieved_at = clock()
    agent.ok("RetrieveCall", JobId=call.job, ChannelId=call.customer_leg)
    clock.advance(1_000)
    assert _legs(agent)[call.customer_leg]["Timestamp"] == retrieved_at


def test_network_signals_never_move_an_agents_heartbeat(
    quiet_engine: Engine, clock: ManualClock
) -> None:
    agent = Agent(quiet_engine, clock)
    agent.sign_in()
    call = agent.dial()
    last_command = clock()

    def heartbeat() -> int:
        view = quiet_engine.view(INSTANCE)
        assert view is not None
        return view.users[AGENT].heartbeat

    assert heartbeat() == last_command
    for name in ("FarEndAnswered", "FarEndHungUp"):
        clock.advance(3_000)
        assert signal(quiet_engine, name, call, call.customer_leg).ok
        assert heartbeat() == last_command, name
