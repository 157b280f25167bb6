"""The W1/W3 rules, written once for every peer: a peer only says how a record changes state.

:class:`RulesPeer` runs callstate's checks in callstate's order (existence, device,
participation, the agent's state, the leg's state), then the changes callstate makes: the state
changes, the hold intervals, the leg's timestamp, the acting agent's heartbeat, and one event
per change, named and ordered as callstate publishes them (``AgentDialing``, ``Dialing``,
``Ringing``...). So every contender does the same work for the same outcome, and the equivalence
test compares the events too.

A peer subclass provides :meth:`RulesPeer._fire` (ask its library to apply a trigger to a
record; ``False`` when the library refuses it) and says how a new record gets its machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from . import (
    CHANNEL_STATE,
    DEVICE,
    JOB_ID,
    NOT_CHANNEL,
    NOT_JOB,
    PARAMETER_INVALID,
    USER_STATE,
    Call,
    Refused,
    device_of,
)
from ._records import ANSWERABLE, ANSWERED, Agent, Job, Leg

__all__ = ["RulesPeer"]

Event = tuple[str, int, str, str, str]  # (type, time, job, channel, agent)


class RulesPeer:
    """The W1/W3 rules over records whose states a library (or a dict) changes."""

    name: ClassVar[str]
    family: ClassVar[str]
    agent_cls: ClassVar[type[Any]] = Agent
    leg_cls: ClassVar[type[Any]] = Leg
    job_cls: ClassVar[type[Any]] = Job

    def __init__(self, agents: Sequence[str]) -> None:
        self.devices = {uid: device_of(uid) for uid in agents}
        self.agents: dict[str, Any] = {}
        for uid in agents:
            agent = self.agent_cls(uid, self.devices[uid])
            self._attach_agent(agent)
            self.agents[uid] = agent
        self.jobs: dict[str, Any] = {}
        self.events: list[Event] = []
        self._seq = 0

    # --- what a peer provides ----------------------------------------------------------------
    def _fire(self, record: Any, trigger: str) -> bool:
        """Apply ``trigger`` to ``record`` with the peer's machinery; False if refused."""
        raise NotImplementedError

    def _attach_agent(self, agent: Any) -> None:
        """Give a new (READY) agent its machine."""

    def _attach_call(self, job: Any) -> None:
        """Give a new call's records their machines (legs CREATED, job ACTIVE)."""

    def _detach_call(self, job: Any) -> None:
        """Let go of an ended call's machines."""

    # --- the rules -----------------------------------------------------------------------------
    def publish(
        self, kind: str, now: int, job: str = "", channel: str = "", agent: str = ""
    ) -> None:
        """Record an event, as callstate publishes one per change."""
        self.events.append((kind, now, job, channel, agent))

    def published(self) -> list[str]:
        """The types of every event so far, in order."""
        return [event[0] for event in self.events]

    def _device(self, agent: Any) -> None:
        if self.devices[agent.user_id] != agent.device_id:
            raise Refused(DEVICE)

    def make_call(self, user_id: str, callee: str, now: int) -> Call:
        agent = self.agents[user_id]
        self._device(agent)
        if not self._fire(agent, "make_call"):
            raise Refused(USER_STATE)
        self._seq += 1
        job_id = f"job-{self._seq}"
        mine = self.leg_cls(f"{job_id}:agent", user_id, False, now)
        theirs = self.leg_cls(f"{job_id}:customer:{callee}", "", True, now)
        job = self.job_cls(job_id, mine, theirs)
        self._attach_call(job)
        self._fire(mine, "answer")  # the customer's leg stays CREATED: the far end rings later
        self.jobs[job_id] = job
        agent.job_id = job_id
        agent.heartbeat = now
        self.publish("AgentDialing", now, job_id, "", user_id)
        self.publish("Dialing", now, job_id, theirs.channel_id, user_id)
        return Call(job_id, mine.channel_id, theirs.channel_id)

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
        if not self._fire(agent, "far_end_answered"):
            raise Refused(USER_STATE)
        self._fire(leg, "answer")
        for each in job.legs.values():
            if each.state == "ANSWERED":
                each.timestamp = now
        self.publish("Established", now, job_id, channel_id, agent.user_id)
        self.publish("AgentTalk", now, job_id, "", agent.user_id)

    def _participant(self, user_id: str, job: Any) -> Any:
        agent = self.agents[user_id]
        self._device(agent)
        own = job.agent_leg
        if own.user_id != user_id or own.state not in ANSWERED:
            raise Refused(JOB_ID)
        if agent.state != "TALKING":
            raise Refused(USER_STATE)
        return agent

    def hold(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        job, leg = self._job_leg(job_id, channel_id)
        agent = self._participant(user_id, job)
        if not self._fire(leg, "hold"):
            raise Refused(CHANNEL_STATE)
        leg.holds.append([now, None, user_id])
        leg.timestamp = agent.heartbeat = now
        self.publish("Held", now, job_id, channel_id, user_id)

    def retrieve(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        job, leg = self._job_leg(job_id, channel_id)
        agent = self._participant(user_id, job)
        if not self._fire(leg, "retrieve"):
            raise Refused(CHANNEL_STATE)
        leg.holds[-1][1] = now
        leg.timestamp = agent.heartbeat = now
        self.publish("Retrieved", now, job_id, channel_id, user_id)

    def release(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        job = self.jobs.get(job_id)
        if job is None:
            raise Refused(NOT_JOB)
        target = None
        if channel_id:
            target = job.legs.get(channel_id)
            if target is None:
                raise Refused(NOT_CHANNEL)
        agent = self.agents[user_id]
        self._device(agent)
        own = job.agent_leg
        if own.user_id != user_id or own.state == "RELEASED":
            raise Refused(JOB_ID)
        if agent.state not in ("DIALING", "TALKING"):
            raise Refused(USER_STATE)
        target = target or own
        if target.state == "RELEASED":
            raise Refused(CHANNEL_STATE)
        agent.heartbeat = now
        self._release_leg(job, target, now)
        for leg in job.legs.values():  # a two-party call ends with either leg
            if leg.state != "RELEASED":
                self._release_leg(job, leg, now)
        self._fire(job, "end")
        self.publish("CDRReady", now, job_id)
        self._detach_call(job)

    def _release_leg(self, job: Any, leg: Any, now: int) -> None:
        held = leg.state == "HELD"
        self._fire(leg, "release")
        if held:
            leg.holds[-1][1] = now
        leg.timestamp = now
        self.publish("Released", now, job.job_id, leg.channel_id, leg.user_id)
        if not leg.customer:
            agent = self.agents[leg.user_id]
            self._fire(agent, "own_leg_released" if agent.state == "TALKING" else "dial_ended")
            self.publish("AgentRelease", now, job.job_id, "", agent.user_id)

    def ready(self, user_id: str, now: int) -> None:
        agent = self.agents[user_id]
        if not self._fire(agent, "ready_for_service"):
            raise Refused(USER_STATE)
        agent.job_id = ""
        agent.heartbeat = now
        self.publish("AgentReady", now, "", "", user_id)

    # --- what the equivalence test observes --------------------------------------------------
    def forget(self, job_id: str) -> None:
        del self.jobs[job_id]

    def agent_state(self, user_id: str) -> str:
        return str(self.agents[user_id].state)

    def leg_state(self, job_id: str, channel_id: str) -> str:
        return str(self.jobs[job_id].legs[channel_id].state)

    def holds(self, job_id: str, channel_id: str) -> list[tuple[int, int | None]]:
        return [(h[0], h[1]) for h in self.jobs[job_id].legs[channel_id].holds]
