"""The stateful property test: every action and signal, in random order, against the invariants."""

from hypothesis import HealthCheck, settings

from callstate.testing import CallCentreMachine

TestCallCentre = CallCentreMachine.TestCase
TestCallCentre.settings = settings(
    max_examples=200,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
