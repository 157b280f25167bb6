"""Plain records shared by the library peers, and the rules' constants.

The library peers keep their records as ordinary classes (with a ``__dict__``): transitions
binds its trigger methods onto the model object, and python-statemachine stores the state on it.
``state`` is the machine's state attribute; the libraries set it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ANSWERABLE", "ANSWERED", "Agent", "Job", "Leg"]

ANSWERED = ("ANSWERED", "HELD")  # a held leg is still answered (participation check)
ANSWERABLE = ("CREATED", "RINGING")  # what the far end's answer needs


class Agent:
    """A signed-in agent (the machine sets ``state``)."""

    def __init__(self, user_id: str, device_id: str) -> None:
        self.user_id = user_id
        self.device_id = device_id
        self.heartbeat = 0
        self.job_id = ""
        self.state: Any = None
        self.machine: Any = None


class Leg:
    """A call leg and its hold intervals ``[start, end, by_user]``."""

    def __init__(self, channel_id: str, user_id: str, customer: bool, now: int) -> None:
        self.channel_id = channel_id
        self.user_id = user_id
        self.customer = customer
        self.holds: list[list[Any]] = []
        self.timestamp = now
        self.state: Any = None
        self.machine: Any = None


class Job:
    """A two-party call."""

    def __init__(self, job_id: str, agent_leg: Leg, customer_leg: Leg) -> None:
        self.job_id = job_id
        self.agent_leg = agent_leg
        self.customer_leg = customer_leg
        self.legs = {agent_leg.channel_id: agent_leg, customer_leg.channel_id: customer_leg}
        self.state: Any = None
        self.machine: Any = None
