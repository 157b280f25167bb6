"""Peer (a): transitions with a new ``Machine`` per object, as a first-time user writes it.

Every agent, leg and job gets its own ``Machine(model=record, ..., auto_transitions=False)``,
which builds that machine's states, events and transitions and binds the trigger methods onto
the record. Nothing is shared between records, so nothing needs unregistering.
"""

from __future__ import annotations

from transitions import Machine

from ._records import Agent, Job
from ._transitions_base import (
    AGENT_STATES,
    AGENT_TRANSITIONS,
    CHANNEL_STATES,
    CHANNEL_TRANSITIONS,
    JOB_STATES,
    JOB_TRANSITIONS,
    TransitionsPeer,
)

__all__ = ["TransitionsPerObject"]


class TransitionsPerObject(TransitionsPeer):
    """One ``Machine`` per agent, per leg and per job."""

    name = "transitions (Machine per object)"

    def _attach_agent(self, agent: Agent) -> None:
        Machine(
            model=agent, states=AGENT_STATES, transitions=AGENT_TRANSITIONS, initial="READY",
            auto_transitions=False,
        )  # fmt: skip

    def _attach_call(self, job: Job) -> None:
        for leg in (job.agent_leg, job.customer_leg):
            Machine(
                model=leg, states=CHANNEL_STATES, transitions=CHANNEL_TRANSITIONS,
                initial="CREATED", auto_transitions=False,
            )  # fmt: skip
        Machine(
            model=job, states=JOB_STATES, transitions=JOB_TRANSITIONS, initial="ACTIVE",
            auto_transitions=False,
        )  # fmt: skip

    def _detach_call(self, job: Job) -> None:
        """Nothing to do: each machine lives as long as its record."""
