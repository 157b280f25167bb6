"""Peer (d): a hand-written ``dict[(state, event)] -> state`` machine on slotted records.

No library: every transition is one dict lookup and one attribute store. This is the practical
limit of a Python state machine that still reads its rules from a table.
"""

from __future__ import annotations

from typing import Any

from ._base import RulesPeer

__all__ = ["DictFSM"]

# Agent: (state, event) -> state.
AGENT: dict[tuple[str, str], str] = {
    ("READY", "make_call"): "DIALING",
    ("DIALING", "far_end_answered"): "TALKING",
    ("DIALING", "dial_ended"): "WORKING",
    ("TALKING", "own_leg_released"): "WORKING",
    ("READY", "ready_for_service"): "READY",
    ("WORKING", "ready_for_service"): "READY",
}
# Channel, with the hold region flattened into HELD.
CHANNEL: dict[tuple[str, str], str] = {
    ("CREATED", "ring"): "RINGING",
    ("CREATED", "answer"): "ANSWERED",
    ("RINGING", "answer"): "ANSWERED",
    ("ANSWERED", "hold"): "HELD",
    ("HELD", "retrieve"): "ANSWERED",
    ("CREATED", "release"): "RELEASED",
    ("RINGING", "release"): "RELEASED",
    ("ANSWERED", "release"): "RELEASED",
    ("HELD", "release"): "RELEASED",
}
JOB: dict[tuple[str, str], str] = {("ACTIVE", "end"): "ENDED"}


class Agent:
    """A signed-in agent."""

    __slots__ = ("device_id", "heartbeat", "job_id", "state", "user_id")

    def __init__(self, user_id: str, device_id: str) -> None:
        self.user_id = user_id
        self.device_id = device_id
        self.heartbeat = 0
        self.state = "READY"
        self.job_id = ""


class Leg:
    """A call leg and its hold intervals ``[start, end, by_user]``."""

    __slots__ = ("channel_id", "customer", "holds", "state", "timestamp", "user_id")

    def __init__(self, channel_id: str, user_id: str, customer: bool, now: int) -> None:
        self.channel_id = channel_id
        self.user_id = user_id
        self.customer = customer
        self.state = "CREATED"
        self.holds: list[list[int | str | None]] = []
        self.timestamp = now


class Job:
    """A two-party call."""

    __slots__ = ("agent_leg", "customer_leg", "job_id", "legs", "state")

    def __init__(self, job_id: str, agent_leg: Leg, customer_leg: Leg) -> None:
        self.job_id = job_id
        self.state = "ACTIVE"
        self.agent_leg = agent_leg
        self.customer_leg = customer_leg
        self.legs = {agent_leg.channel_id: agent_leg, customer_leg.channel_id: customer_leg}


#: Each record class's table.
_TABLES: dict[type, dict[tuple[str, str], str]] = {Agent: AGENT, Leg: CHANNEL, Job: JOB}


class DictFSM(RulesPeer):
    """The rules as dict lookups on slotted records."""

    name = "dict FSM (limit)"
    family = "hand-written"
    agent_cls = Agent
    leg_cls = Leg
    job_cls = Job

    def _fire(self, record: Any, trigger: str) -> bool:
        state = _TABLES[type(record)].get((record.state, trigger))
        if state is None:
            return False
        record.state = state
        return True
