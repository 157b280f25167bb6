"""What the two transitions peers share: the state tables, and firing a trigger.

The peers differ only in how a record gets its machine: a new ``Machine`` per object (peer a)
or ``add_model`` on one shared ``Machine`` per kind, with ``remove_model`` when the call ends
(peer b). Either way the record receives transitions' bound trigger methods (``leg.hold()``)
and every state change is such a trigger; one the current state does not allow raises
``MachineError``, which is the refusal.
"""

from __future__ import annotations

from typing import Any

from transitions import MachineError

from ._base import RulesPeer

__all__ = [
    "AGENT_STATES",
    "AGENT_TRANSITIONS",
    "CHANNEL_STATES",
    "CHANNEL_TRANSITIONS",
    "JOB_STATES",
    "JOB_TRANSITIONS",
    "TransitionsPeer",
]

AGENT_STATES = ["READY", "DIALING", "TALKING", "WORKING"]
AGENT_TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "make_call", "source": "READY", "dest": "DIALING"},
    {"trigger": "far_end_answered", "source": "DIALING", "dest": "TALKING"},
    {"trigger": "dial_ended", "source": "DIALING", "dest": "WORKING"},
    {"trigger": "own_leg_released", "source": "TALKING", "dest": "WORKING"},
    {"trigger": "ready_for_service", "source": ["READY", "WORKING"], "dest": "READY"},
]
CHANNEL_STATES = ["CREATED", "RINGING", "ANSWERED", "HELD", "RELEASED"]
CHANNEL_TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "ring", "source": "CREATED", "dest": "RINGING"},
    {"trigger": "answer", "source": ["CREATED", "RINGING"], "dest": "ANSWERED"},
    {"trigger": "hold", "source": "ANSWERED", "dest": "HELD"},
    {"trigger": "retrieve", "source": "HELD", "dest": "ANSWERED"},
    {
        "trigger": "release",
        "source": ["CREATED", "RINGING", "ANSWERED", "HELD"],
        "dest": "RELEASED",
    },
]
JOB_STATES = ["ACTIVE", "ENDED"]
JOB_TRANSITIONS: list[dict[str, Any]] = [{"trigger": "end", "source": "ACTIVE", "dest": "ENDED"}]


class TransitionsPeer(RulesPeer):
    """The rules on transitions models; subclasses say how a model gets its machine."""

    family = "transitions"

    def _fire(self, record: Any, trigger: str) -> bool:
        try:
            getattr(record, trigger)()
        except MachineError:
            return False
        return True
