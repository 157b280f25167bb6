"""The contenders of W1/W3/W4: one protocol, one module per implementation.

Every contender implements the same slice of CCC's call-control rules, at the level of
callstate's domain (no parameter parsing, no rendering):

* an agent is signed in and ``READY`` when the contender is built;
* ``make_call``: the agent ``READY -> DIALING``; a job is created with the agent's leg
  (``ANSWERED`` at once) and the customer's leg (``CREATED``: it has not rung yet);
* ``far_end_answered``: the customer's leg ``-> ANSWERED``, the agent ``DIALING -> TALKING``;
* ``hold`` (any leg of the job): the acting agent is a participant whose own leg is answered,
  is ``TALKING``, and the leg is answered and not held -> held, opening a hold interval;
* ``retrieve``: the leg is held -> answered, closing the interval;
* ``release`` (the agent's own leg, or a named one): every leg ``RELEASED`` (an open interval
  is closed), the agent ``WORKING``, the job ``ENDED``;
* ``ready``: ``READY``/``WORKING`` -> ``READY``.

Besides the state changes, every contender checks the acting agent's device, moves its
heartbeat and publishes callstate's events (``peers/_base.py`` writes these rules once).

A refusal raises :class:`Refused` with callstate's error code, and the checks run in
callstate's order (existence, participation, user state, channel state), so the equivalence
test (``tests/test_bench_peers.py``) can compare every step.

The contenders are named in :data:`CONTENDERS` by import path, so that a process measuring one
of them imports only that one.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import NamedTuple, Protocol

__all__ = [
    "CHANNEL_STATE",
    "CONTENDERS",
    "DEVICE",
    "JOB_ID",
    "NOT_CHANNEL",
    "NOT_JOB",
    "PARAMETER_INVALID",
    "PEERS",
    "USER_STATE",
    "Call",
    "Contender",
    "Refused",
    "device_of",
    "load",
    "loadable",
]

USER_STATE = "InvalidOperation.UserState"
CHANNEL_STATE = "InvalidOperation.ChannelState"
JOB_ID = "Permission.JobId"
NOT_JOB = "NotExists.JobId"
NOT_CHANNEL = "NotExists.ChannelId"
PARAMETER_INVALID = "Parameter.Invalid"
DEVICE = "Permission.DeviceId"


def device_of(user_id: str) -> str:
    """The device an agent signs in with (every contender's agents use it)."""
    return "dev-" + user_id.partition("@")[0]


class Refused(Exception):
    """A refused operation; ``code`` is callstate's error code for the same refusal."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Call(NamedTuple):
    """The ids of one two-party call, as the contender minted them."""

    job_id: str
    agent_leg: str
    customer_leg: str


class Contender(Protocol):
    """What W1, W3 and W4 drive, and what the equivalence test compares.

    A contender is built with its agents (``Contender(agents)``), each signed in and ``READY``.
    ``now`` is the instant in epoch ms (hold intervals are stamped with it).
    """

    name: str
    family: str

    def make_call(self, user_id: str, callee: str, now: int) -> Call:
        """The agent places an outbound call; answers the new call's ids."""
        ...

    def far_end_answered(self, job_id: str, channel_id: str, now: int) -> None:
        """The network reports that the customer answered (a signal)."""
        ...

    def hold(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        """HoldCall."""
        ...

    def retrieve(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        """RetrieveCall."""
        ...

    def release(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        """ReleaseCall (``channel_id`` empty: the agent's own leg)."""
        ...

    def ready(self, user_id: str, now: int) -> None:
        """ReadyForService."""
        ...

    def forget(self, job_id: str) -> None:
        """Drop an ended call (what callstate's store does once its retention has passed)."""
        ...

    def agent_state(self, user_id: str) -> str:
        """The agent's state, CCC's name (``READY``, ``TALKING``...)."""
        ...

    def leg_state(self, job_id: str, channel_id: str) -> str:
        """A leg's state as CCC's errors write it (``HELD`` for a held leg)."""
        ...

    def holds(self, job_id: str, channel_id: str) -> list[tuple[int, int | None]]:
        """A leg's hold intervals, ``(start, end)``; ``end`` is ``None`` while held."""
        ...

    def published(self) -> list[str]:
        """The types of the events published so far, in order (callstate's names)."""
        ...


class ContenderClass(Protocol):
    """A contender's class: built from the ids of its (signed-in, ``READY``) agents."""

    name: str
    family: str

    def __call__(self, agents: Sequence[str]) -> Contender: ...


#: Library peers, by short name -> ``module:Class`` (relative to this package).
PEERS: dict[str, str] = {
    "transitions-per-object": "transitions_per_object:TransitionsPerObject",
    "transitions-shared": "transitions_shared:TransitionsShared",
    "python-statemachine": "pystatemachine:PythonStateMachine",
    "dict-fsm": "dict_fsm:DictFSM",
}

#: Every contender of W1/W3/W4: callstate's domain first, then the peers.
CONTENDERS: dict[str, str] = {
    "callstate": "benchmarks.subject:CallstateDomain",
    **{name: f"benchmarks.peers.{path}" for name, path in PEERS.items()},
}


def load(name: str) -> ContenderClass:
    """The contender class registered as ``name`` (imports only its module)."""
    module, _, cls = CONTENDERS[name].partition(":")
    found: ContenderClass = getattr(importlib.import_module(module), cls)
    return found


def loadable() -> dict[str, ContenderClass]:
    """Every contender whose library is installed (python-statemachine is optional)."""
    found: dict[str, ContenderClass] = {}
    for name in CONTENDERS:
        try:
            found[name] = load(name)
        except ImportError:
            continue
    return found
