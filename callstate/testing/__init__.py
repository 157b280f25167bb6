"""Hypothesis tools for property-testing callstate and integrations built on it (extra ``testing``).

* :class:`CallCentreMachine`: a ready-made ``RuleBasedStateMachine`` over every action and
  signal, with the engine's invariants; ``CallCentreMachine.TestCase`` is a test.
* :func:`wire_params`: action names and raw parameter dicts as they might arrive on the wire.
* :func:`request_values`: well-typed command and signal values; ``st.from_type(HoldCall)``
  works once Hypothesis has loaded callstate's entry point.
"""

from ._machine import MACHINE_WORLD, CallCentreMachine
from ._strategies import ids, register_strategies, request_values, wire_params

__all__ = [
    "MACHINE_WORLD",
    "CallCentreMachine",
    "ids",
    "register_strategies",
    "request_values",
    "wire_params",
]


def _hypothesis_setup_hook() -> None:
    """Hypothesis' entry point: register strategies for every request class."""
    register_strategies()
