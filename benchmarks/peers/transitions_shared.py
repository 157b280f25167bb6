"""Peer (b): transitions with one shared ``Machine`` per kind and ``add_model`` per object.

This is the multi-model usage transitions documents: the machines are built once (per peer
instance), each record is registered with ``add_model(record, initial=...)`` and unregistered
with ``remove_model`` when its call ends. Both scan the machine's ``models`` list, so their cost
grows with the number of live records; W4 measures that.
"""

from __future__ import annotations

from collections.abc import Sequence

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

__all__ = ["TransitionsShared"]


class TransitionsShared(TransitionsPeer):
    """One ``Machine`` per kind; records join with ``add_model`` and leave with ``remove_model``."""

    name = "transitions (shared Machine, add_model)"

    def __init__(self, agents: Sequence[str]) -> None:
        self.agent_machine = Machine(
            model=None, states=AGENT_STATES, transitions=AGENT_TRANSITIONS, initial=None,
            auto_transitions=False,
        )  # fmt: skip
        self.channel_machine = Machine(
            model=None, states=CHANNEL_STATES, transitions=CHANNEL_TRANSITIONS, initial=None,
            auto_transitions=False,
        )  # fmt: skip
        self.job_machine = Machine(
            model=None, states=JOB_STATES, transitions=JOB_TRANSITIONS, initial=None,
            auto_transitions=False,
        )  # fmt: skip
        super().__init__(agents)

    def _attach_agent(self, agent: Agent) -> None:
        self.agent_machine.add_model(agent, initial="READY")

    def _attach_call(self, job: Job) -> None:
        self.channel_machine.add_model([job.agent_leg, job.customer_leg], initial="CREATED")
        self.job_machine.add_model(job, initial="ACTIVE")

    def _detach_call(self, job: Job) -> None:
        self.channel_machine.remove_model([job.agent_leg, job.customer_leg])
        self.job_machine.remove_model(job)
