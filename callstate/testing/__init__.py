"""Hypothesis tools for property-testing callstate and integrations built on it (extra ``testing``).

* :class:`CallCentreMachine`: a ready-made ``RuleBasedStateMachine`` over every action and
  signal, with the engine's invariants; ``CallCentreMachine.TestCase`` is a test.
* :func:`mock_ccc`: the official SDK against an in-process engine, no socket (docs/testing.md);
* the pytest plugin :mod:`callstate.testing.plugin` (fixtures ``ccc_engine``, ``ccc_server``,
  ``ccc_client``, ``ccc_world``, ``ccc_network``) and :class:`Network` (signals and time);
* :class:`CallCentreClient`: the protocol through which the machine and the paths drive *your*
  client (``CallCentreMachine.make_client``), with :class:`EngineClient` and :class:`SdkClient`;
* :func:`paths`: the shortest request sequences to every state and every row of the state
  tables (:class:`Path`, :class:`PathStep`; replay one on :func:`path_engine`); :func:`unreached`;
* :func:`wire_params`: action names and raw parameter dicts as they might arrive on the wire.
* :func:`request_values`: well-typed command and signal values; ``st.from_type(HoldCall)``
  works once Hypothesis has loaded callstate's entry point.

This package imports nothing when it is imported: its names are loaded on first use. Hypothesis
runs its plugins (``_hypothesis_setup_hook`` here) while ``import hypothesis`` is still under
way, so a package that imported Hypothesis at its top would be half-loaded when Hypothesis asked
it for the hook, and ``from callstate.testing import ...`` would fail in a fresh interpreter.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._client import CallCentreClient, EngineClient, SdkClient
    from ._machine import MACHINE_WORLD, CallCentreMachine
    from ._mock import mock_ccc
    from ._network import START_MS, Network
    from ._paths import Path, PathStep, path_engine, paths, unreached
    from ._strategies import ids, register_strategies, request_values, wire_params

__all__ = [
    "MACHINE_WORLD",
    "START_MS",
    "CallCentreClient",
    "CallCentreMachine",
    "EngineClient",
    "Network",
    "Path",
    "PathStep",
    "SdkClient",
    "ids",
    "mock_ccc",
    "path_engine",
    "paths",
    "register_strategies",
    "request_values",
    "unreached",
    "wire_params",
]

_WHERE = {
    "CallCentreClient": "._client",
    "EngineClient": "._client",
    "SdkClient": "._client",
    "Path": "._paths",
    "PathStep": "._paths",
    "path_engine": "._paths",
    "paths": "._paths",
    "unreached": "._paths",
    "MACHINE_WORLD": "._machine",
    "CallCentreMachine": "._machine",
    "Network": "._network",
    "START_MS": "._network",
    "mock_ccc": "._mock",
    "ids": "._strategies",
    "register_strategies": "._strategies",
    "request_values": "._strategies",
    "wire_params": "._strategies",
}


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def _hypothesis_setup_hook() -> None:
    """Hypothesis' entry point: register strategies for every request class."""
    __getattr__("register_strategies")()
