"""Peer (d): a hand-written ``dict[(state, event)] -> state`` machine on slotted records.

No library: every transition is one dict lookup and one attribute store. This is the practical
limit of a Python state machine that still reads its rules from a table (guard-only rows
included, as in callstate's tables).
"""

from __future__ import annotations

from collections.abc import Sequence

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

__all__ = ["DictFSM"]

# Agent: (state, event) -> state. Rows whose destination is the source are guard-only.
AGENT: dict[tuple[str, str], str] = {
    ("READY", "make_call"): "DIALING",
    ("DIALING", "far_end_answered"): "TALKING",
    ("DIALING", "dial_ended"): "WORKING",
    ("TALKING", "own_leg_released"): "WORKING",
    ("READY", "ready"): "READY",
    ("WORKING", "ready"): "READY",
    ("TALKING", "hold"): "TALKING",
    ("TALKING", "retrieve"): "TALKING",
    ("DIALING", "release"): "DIALING",
    ("TALKING", "release"): "TALKING",
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

_ANSWERED = ("ANSWERED", "HELD")  # a held leg is still answered


class Agent:
    """A signed-in agent."""

    __slots__ = ("job_id", "state", "user_id")

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
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


class DictFSM:
    """The rules of W1/W3 as dict lookups."""

    name = "dict FSM (limit)"
    family = "hand-written"

    def __init__(self, agents: Sequence[str]) -> None:
        self.agents = {uid: Agent(uid) for uid in agents}
        self.jobs: dict[str, Job] = {}
        self._seq = 0

    def make_call(self, user_id: str, callee: str, now: int) -> Call:
        agent = self.agents[user_id]
        state = AGENT.get((agent.state, "make_call"))
        if state is None:
            raise Refused(USER_STATE)
        self._seq += 1
        job_id = f"job-{self._seq}"
        mine = Leg(f"{job_id}:agent", user_id, False, now)
        mine.state = CHANNEL["CREATED", "answer"]
        theirs = Leg(f"{job_id}:customer:{callee}", "", True, now)
        theirs.state = CHANNEL["CREATED", "ring"]
        self.jobs[job_id] = Job(job_id, mine, theirs)
        agent.state = state
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
        leg_state = CHANNEL.get((leg.state, "answer"))
        if leg_state is None:
            raise Refused(CHANNEL_STATE)
        agent = self.agents[job.agent_leg.user_id]
        agent_state = AGENT.get((agent.state, "far_end_answered"))
        if agent_state is None:
            raise Refused(USER_STATE)
        leg.state = leg_state
        agent.state = agent_state
        for each in job.legs.values():
            if each.state == "ANSWERED":
                each.timestamp = now

    def _participant(self, user_id: str, job: Job, event: str) -> Agent:
        own = job.agent_leg
        if own.user_id != user_id or own.state not in _ANSWERED:
            raise Refused(JOB_ID)
        agent = self.agents[user_id]
        if (agent.state, event) not in AGENT:
            raise Refused(USER_STATE)
        return agent

    def hold(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        job, leg = self._job_leg(job_id, channel_id)
        self._participant(user_id, job, "hold")
        state = CHANNEL.get((leg.state, "hold"))
        if state is None:
            raise Refused(CHANNEL_STATE)
        leg.state = state
        leg.holds.append([now, None, user_id])
        leg.timestamp = now

    def retrieve(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        job, leg = self._job_leg(job_id, channel_id)
        self._participant(user_id, job, "retrieve")
        state = CHANNEL.get((leg.state, "retrieve"))
        if state is None:
            raise Refused(CHANNEL_STATE)
        leg.state = state
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
        if (self.agents[user_id].state, "release") not in AGENT:
            raise Refused(USER_STATE)
        target = target or own
        if (target.state, "release") not in CHANNEL:
            raise Refused(CHANNEL_STATE)
        self._release_leg(target, now)
        for leg in job.legs.values():  # a two-party call ends with either leg
            if leg.state != "RELEASED":
                self._release_leg(leg, now)
        job.state = JOB[job.state, "end"]

    def _release_leg(self, leg: Leg, now: int) -> None:
        if leg.state == "HELD":
            leg.holds[-1][1] = now
        leg.state = CHANNEL[leg.state, "release"]
        leg.timestamp = now
        if not leg.customer:
            agent = self.agents[leg.user_id]
            event = "own_leg_released" if agent.state == "TALKING" else "dial_ended"
            agent.state = AGENT[agent.state, event]

    def ready(self, user_id: str, now: int) -> None:
        agent = self.agents[user_id]
        state = AGENT.get((agent.state, "ready"))
        if state is None:
            raise Refused(USER_STATE)
        agent.state = state
        agent.job_id = ""

    def forget(self, job_id: str) -> None:
        del self.jobs[job_id]

    def agent_state(self, user_id: str) -> str:
        return self.agents[user_id].state

    def leg_state(self, job_id: str, channel_id: str) -> str:
        return self.jobs[job_id].legs[channel_id].state

    def holds(self, job_id: str, channel_id: str) -> list[tuple[int, int | None]]:
        return [(h[0], h[1]) for h in self.jobs[job_id].legs[channel_id].holds]  # type: ignore[misc]
