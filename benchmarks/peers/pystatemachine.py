"""Peer (c): python-statemachine, a ``StateMachine`` class per kind and an instance per object.

This is the usage its documentation shows for domain objects: the machine is declared once as
a class, each record gets ``Machine(model=record)`` (the state value is stored on
``record.state``), and events are the machine's methods (``leg.machine.hold()``). An event the
current state does not allow raises ``TransitionNotAllowed``, the refusal of the operation's
last check; earlier checks are plain comparisons, in callstate's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

from . import (
    CHANNEL_STATE,
    JOB_ID,
    NOT_CHANNEL,
    NOT_JOB,
    PARAMETER_INVALID,
    USER_STATE,
    Call,
    Refused,
)
from ._records import ANSWERABLE, ANSWERED, Agent, Job, Leg

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


class PythonStateMachine:
    """The W1/W3 rules with python-statemachine machines bound to plain records."""

    name = "python-statemachine"
    family = "python-statemachine"

    def __init__(self, agents: Sequence[str]) -> None:
        self.agents: dict[str, Agent] = {}
        for uid in agents:
            agent = Agent(uid)
            agent.machine = AgentMachine(model=agent)
            self.agents[uid] = agent
        self.jobs: dict[str, Job] = {}
        self._seq = 0

    def make_call(self, user_id: str, callee: str, now: int) -> Call:
        agent = self.agents[user_id]
        try:
            agent.machine.make_call()
        except TransitionNotAllowed:
            raise Refused(USER_STATE) from None
        self._seq += 1
        job_id = f"job-{self._seq}"
        mine = Leg(f"{job_id}:agent", user_id, False, now)
        mine.machine = ChannelMachine(model=mine)
        mine.machine.answer()
        theirs = Leg(f"{job_id}:customer:{callee}", "", True, now)
        theirs.machine = ChannelMachine(model=theirs)
        theirs.machine.ring()
        job = Job(job_id, mine, theirs)
        job.machine = JobMachine(model=job)
        self.jobs[job_id] = job
        agent.job_id = job_id
        return Call(job_id, mine.channel_id, theirs.channel_id)

    def _job_leg(self, job_id: str, channel_id: str) -> tuple[Job, Leg]:
        job = self.jobs.get(job_id)
        if job is None:
            raise Refused(NOT_JOB)
        leg = job.legs.get(channel_id)
        if leg is None:
            raise Refused(NOT_CHANNEL)
        return job, leg

    def far_end_answered(self, job_id: str, channel_id: str, now: int) -> None:
        job, leg = self._job_leg(job_id, channel_id)
        if not leg.customer:
            raise Refused(PARAMETER_INVALID)
        if leg.state not in ANSWERABLE:
            raise Refused(CHANNEL_STATE)
        agent = self.agents[job.agent_leg.user_id]
        try:
            agent.machine.far_end_answered()
        except TransitionNotAllowed:
            raise Refused(USER_STATE) from None
        leg.machine.answer()
        for each in job.legs.values():
            if each.state == "ANSWERED":
                each.timestamp = now

    def _participant(self, user_id: str, job: Job) -> None:
        own = job.agent_leg
        if own.user_id != user_id or own.state not in ANSWERED:
            raise Refused(JOB_ID)
        if self.agents[user_id].state != "TALKING":
            raise Refused(USER_STATE)

    def hold(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        job, leg = self._job_leg(job_id, channel_id)
        self._participant(user_id, job)
        try:
            leg.machine.hold()
        except TransitionNotAllowed:
            raise Refused(CHANNEL_STATE) from None
        leg.holds.append([now, None, user_id])
        leg.timestamp = now

    def retrieve(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        job, leg = self._job_leg(job_id, channel_id)
        self._participant(user_id, job)
        try:
            leg.machine.retrieve()
        except TransitionNotAllowed:
            raise Refused(CHANNEL_STATE) from None
        leg.holds[-1][1] = now
        leg.timestamp = now

    def release(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        job = self.jobs.get(job_id)
        if job is None:
            raise Refused(NOT_JOB)
        target = None
        if channel_id:
            target = job.legs.get(channel_id)
            if target is None:
                raise Refused(NOT_CHANNEL)
        own = job.agent_leg
        if own.user_id != user_id or own.state == "RELEASED":
            raise Refused(JOB_ID)
        if self.agents[user_id].state not in ("DIALING", "TALKING"):
            raise Refused(USER_STATE)
        try:
            self._release_leg(target or own, now)
        except TransitionNotAllowed:
            raise Refused(CHANNEL_STATE) from None
        for leg in job.legs.values():  # a two-party call ends with either leg
            if leg.state != "RELEASED":
                self._release_leg(leg, now)
        job.machine.end()

    def _release_leg(self, leg: Leg, now: int) -> None:
        held = leg.state == "HELD"
        leg.machine.release()
        if held:
            leg.holds[-1][1] = now
        leg.timestamp = now
        if not leg.customer:
            machine: Any = self.agents[leg.user_id].machine
            if machine.model.state == "TALKING":
                machine.own_leg_released()
            else:
                machine.dial_ended()

    def ready(self, user_id: str, now: int) -> None:
        agent = self.agents[user_id]
        try:
            agent.machine.ready_for_service()
        except TransitionNotAllowed:
            raise Refused(USER_STATE) from None
        agent.job_id = ""

    def forget(self, job_id: str) -> None:
        del self.jobs[job_id]

    def agent_state(self, user_id: str) -> str:
        return str(self.agents[user_id].state)

    def leg_state(self, job_id: str, channel_id: str) -> str:
        return str(self.jobs[job_id].legs[channel_id].state)

    def holds(self, job_id: str, channel_id: str) -> list[tuple[int, int | None]]:
        return [(h[0], h[1]) for h in self.jobs[job_id].legs[channel_id].holds]
