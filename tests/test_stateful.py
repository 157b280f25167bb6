"""The stateful property test: every action and signal, in random order, against the invariants.

It runs twice: randomised (new sequences each run) and derandomised (the same sequences every
run, so a CI failure reproduces).
"""

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from callstate.testing import CallCentreMachine

_SETTINGS = settings(
    max_examples=200,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

TestCallCentre = CallCentreMachine.TestCase
TestCallCentre.settings = _SETTINGS


def test_call_centre_derandomised() -> None:
    run_state_machine_as_test(
        CallCentreMachine, settings=settings(_SETTINGS, derandomize=True, database=None)
    )
