"""The bundled state machine must catch a broken engine, or it proves nothing.

Each case plants one bug in a rule (a row of a state table made a no-op) and requires
``CallCentreMachine`` to fail. The machine is run derandomised, so the outcome is reproducible.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky
from hypothesis.stateful import run_state_machine_as_test

from callstate.domain import StateTable, _cascade
from callstate.testing import CallCentreMachine
from callstate.testing._machine_world import AGENTS, DEVICES, INSTANCE, NUMBERS, SUPERVISOR

# (table, trigger) rows whose move is planted as "allowed, but nothing changes".
PLANTED = [
    pytest.param(("job", "end"), id="calls-never-end"),
    pytest.param(("agent", "own_leg_released"), id="agent-stays-talking-after-hang-up"),
    pytest.param(("hold", "retrieve"), id="retrieve-leaves-the-leg-held"),
    pytest.param(("channel", "answer"), id="answered-legs-stay-ringing"),
]


@pytest.mark.parametrize("planted", PLANTED)
def test_the_machine_fails_against_a_planted_bug(
    planted: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_move = StateTable.move

    def move(table: StateTable[Any], record: object, trigger: str, now: int = -1) -> None:
        if (table.kind, trigger) == planted and table.allows(record, trigger):
            return  # the planted bug: the row allows the action and then changes nothing
        real_move(table, record, trigger, now)

    monkeypatch.setattr(StateTable, "move", move)
    with pytest.raises((AssertionError, Flaky)):
        _run()


def _run() -> None:
    run_state_machine_as_test(
        CallCentreMachine,
        settings=settings(
            max_examples=200,
            stateful_step_count=60,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],  # failing is the point: no time spent shrinking
            suppress_health_check=list(HealthCheck),
        ),
    )


# --- supervision: the machine's invariant against planted bugs, on a scripted path ----------
# Supervision needs a talking agent and a READY supervisor at once, which random runs reach
# too rarely to plant bugs cheaply: these cases script the path with the machine's own rules
# and require the supervision invariant (and no other) to fail, and to pass without the bug.


def _supervised(*, second_call: bool) -> CallCentreMachine:
    """agent1 talking (and agent2 too), the supervisor monitoring agent1, then agent2."""
    machine = CallCentreMachine()
    machine.everyone_signs_in()
    for agent in AGENTS[: 2 if second_call else 1]:
        assert machine.send("MakeCall", agent, Callee="13100000000", Caller=NUMBERS[0]).ok
    machine.time_passes(1)  # the callee answers: the agents talk
    for agent in AGENTS[: 2 if second_call else 1]:
        machine.send("MonitorCall", SUPERVISOR, MonitoredUserId=agent, DeviceId=DEVICES[0])
    return machine


def _invariants(machine: CallCentreMachine) -> None:
    machine.agents_agree_with_their_calls()
    machine.legs_are_consistent()
    machine.supervision_has_its_agent()


@pytest.mark.parametrize("planted", [False, True])
def test_the_invariant_sees_a_supervisor_outlive_the_agent(
    planted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planted: supervisors' legs count as plain agent legs, so they stay when the agent goes."""
    if planted:
        monkeypatch.setattr(_cascade, "ROLE_OF_MODE", {})
    machine = _supervised(second_call=False)
    _invariants(machine)
    job = machine.engine.view(INSTANCE).users[AGENTS[0]].job_id  # type: ignore[union-attr]
    assert machine.send("ReleaseCall", AGENTS[0], JobId=job).ok
    if planted:
        with pytest.raises(AssertionError):
            machine.supervision_has_its_agent()
        machine.legs_are_consistent()  # no other invariant notices
    else:
        _invariants(machine)
    machine.teardown()


@pytest.mark.parametrize("planted", [False, True])
def test_the_invariant_sees_a_supervisor_in_two_calls(
    planted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planted: MonitorCall's agent row allows and changes nothing (the supervisor stays READY)."""
    real_move = StateTable.move

    def move(table: StateTable[Any], record: object, trigger: str, now: int = -1) -> None:
        if not (planted and (table.kind, trigger) == ("agent", "MonitorCall")):
            real_move(table, record, trigger, now)

    monkeypatch.setattr(StateTable, "move", move)
    machine = _supervised(second_call=True)
    if planted:
        with pytest.raises(AssertionError, match="supervisor"):
            machine.supervision_has_its_agent()
    else:
        _invariants(machine)
    machine.teardown()
