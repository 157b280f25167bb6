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

from callstate.domain import StateTable
from callstate.testing import CallCentreMachine

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

    def move(table: StateTable[Any], record: object, trigger: str) -> None:
        if (table.kind, trigger) == planted and table.allows(record, trigger):
            return  # the planted bug: the row allows the action and then changes nothing
        real_move(table, record, trigger)

    monkeypatch.setattr(StateTable, "move", move)
    with pytest.raises((AssertionError, Flaky)):
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
