"""Peer (c): python-statemachine, a ``StateMachine`` class per kind and an instance per object.

This is the usage its documentation shows for domain objects: the machine is declared once as
a class, each record gets ``Machine(model=record)`` (the state value is stored on
``record.state``), and events are the machine's methods (``leg.machine.hold()``). An event the
current state does not allow raises ``TransitionNotAllowed``, which is the refusal.
"""

from __future__ import annotations

from typing import Any

from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

from ._base import RulesPeer
from ._records import Agent, Job

__all__ = ["AgentMachine", "ChannelMachine", "JobMachine", "PythonStateMachine"]


class AgentMachine(StateMachine):
    """A signed-in agent."""

    ready = State("READY", value="READY", initial=True)
    dialing = State("DIALING", value="DIALING")
    talking = State("TALKING", value="TALKING")
    working = State("WORKING", value="WORKING")

    make_call = ready.to(dialing)
    far_end_answered = dialing.to(talking)
    dial_ended = dialing.to(working)
    own_leg_released = talking.to(working)
    ready_for_service = ready.to.itself() | working.to(ready)  # type: ignore[no-untyped-call]


class ChannelMachine(StateMachine):
    """A call leg; the hold region is flattened into ``HELD``."""

    created = State("CREATED", value="CREATED", initial=True)
    ringing = State("RINGING", value="RINGING")
    answered = State("ANSWERED", value="ANSWERED")
    held = State("HELD", value="HELD")
    released = State("RELEASED", value="RELEASED", final=True)

    ring = created.to(ringing)
    answer = created.to(answered) | ringing.to(answered)
    hold = answered.to(held)
    retrieve = held.to(answered)
    release = (
        created.to(released) | ringing.to(released) | answered.to(released) | held.to(released)
    )


class JobMachine(StateMachine):
    """A call as a whole."""

    active = State("ACTIVE", value="ACTIVE", initial=True)
    ended = State("ENDED", value="ENDED", final=True)

    end = active.to(ended)


class PythonStateMachine(RulesPeer):
    """The rules with python-statemachine machines bound to plain records."""

    name = "python-statemachine"
    family = "python-statemachine"

    def _fire(self, record: Any, trigger: str) -> bool:
        try:
            getattr(record.machine, trigger)()
        except TransitionNotAllowed:
            return False
        return True

    def _attach_agent(self, agent: Agent) -> None:
        agent.machine = AgentMachine(model=agent)

    def _attach_call(self, job: Job) -> None:
        job.agent_leg.machine = ChannelMachine(model=job.agent_leg)
        job.customer_leg.machine = ChannelMachine(model=job.customer_leg)
        job.machine = JobMachine(model=job)
