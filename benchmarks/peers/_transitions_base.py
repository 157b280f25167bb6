"""What the two transitions peers share: the state tables and the operations.

The peers differ only in how a record gets its machine: a new ``Machine`` per object (peer a)
or ``add_model`` on one shared ``Machine`` per kind, with ``remove_model`` when the call ends
(peer b). Either way the record receives transitions' bound trigger methods (``leg.hold()``)
and every state change is such a trigger; an invalid one raises ``MachineError``, which is
the refusal of the operation's last check. Earlier checks (existence, participation, the
agent's state where it does not change) are plain comparisons, in callstate's order, so that
nothing changes before every check has passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from transitions import MachineError

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


class TransitionsPeer:
    """The W1/W3 rules on transitions models; subclasses say how a model gets its machine."""

    name = "transitions"
    family = "transitions"

    def __init__(self, agents: Sequence[str]) -> None:
        self.agents: dict[str, Any] = {}
        for uid in agents:
            agent = Agent(uid)
            self._attach_agent(agent)
            self.agents[uid] = agent
        self.jobs: dict[str, Any] = {}
        self._seq = 0

    # --- how a record gets its machine (the two peers differ here only) ---------------------
    def _attach_agent(self, agent: Agent) -> None:
        raise NotImplementedError

    def _attach_call(self, job: Job) -> None:
        raise NotImplementedError

    def _detach_call(self, job: Job) -> None:
        raise NotImplementedError

    # --- operations --------------------------------------------------------------------------
    def make_call(self, user_id: str, callee: str, now: int) -> Call:
        agent: Any = self.agents[user_id]
        try:
            agent.make_call()
        except MachineError:
            raise Refused(USER_STATE) from None
        self._seq += 1
        job_id = f"job-{self._seq}"
        job: Any = Job(
            job_id, Leg(f"{job_id}:agent", user_id, False, now),
            Leg(f"{job_id}:customer:{callee}", "", True, now),
        )  # fmt: skip
        self._attach_call(job)
        job.agent_leg.answer()
        job.customer_leg.ring()
        self.jobs[job_id] = job
        agent.job_id = job_id
        return Call(job_id, job.agent_leg.channel_id, job.customer_leg.channel_id)

    def _job_leg(self, job_id: str, channel_id: str) -> tuple[Any, Any]:
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
            agent.far_end_answered()
        except MachineError:
            raise Refused(USER_STATE) from None
        leg.answer()
        for each in job.legs.values():
            if each.state == "ANSWERED":
                each.timestamp = now

    def _participant(self, user_id: str, job: Any) -> None:
        own = job.agent_leg
        if own.user_id != user_id or own.state not in ANSWERED:
            raise Refused(JOB_ID)
        if self.agents[user_id].state != "TALKING":
            raise Refused(USER_STATE)

    def hold(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        job, leg = self._job_leg(job_id, channel_id)
        self._participant(user_id, job)
        try:
            leg.hold()
        except MachineError:
            raise Refused(CHANNEL_STATE) from None
        leg.holds.append([now, None, user_id])
        leg.timestamp = now

    def retrieve(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        job, leg = self._job_leg(job_id, channel_id)
        self._participant(user_id, job)
        try:
            leg.retrieve()
        except MachineError:
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
        except MachineError:
            raise Refused(CHANNEL_STATE) from None
        for leg in job.legs.values():  # a two-party call ends with either leg
            if leg.state != "RELEASED":
                self._release_leg(leg, now)
        job.end()
        self._detach_call(job)

    def _release_leg(self, leg: Any, now: int) -> None:
        held = leg.state == "HELD"
        leg.release()
        if held:
            leg.holds[-1][1] = now
        leg.timestamp = now
        if not leg.customer:
            agent = self.agents[leg.user_id]
            if agent.state == "TALKING":
                agent.own_leg_released()
            else:
                agent.dial_ended()

    def ready(self, user_id: str, now: int) -> None:
        agent = self.agents[user_id]
        try:
            agent.ready_for_service()
        except MachineError:
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
