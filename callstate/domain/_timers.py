"""The contact centre's timers, declared by the records they belong to, and what each one does.

A timer is not scheduled anywhere: a record *declares* it (:func:`job_timers`,
:func:`user_timers`) from its state and the world, and a store indexes what the records it
commits declare, by due instant. When one falls due the engine applies
:class:`~callstate.domain.TimerFired`; its decider fires the timer only if the record still
declares it with that due instant, so a timer whose record moved on (the offer was answered,
the call was offered again) is refused, and each one fires once even when several processes
see it due at the same time (the store's commit lets one of them through).

    timer      of     declared while                      due at                when it fires
    ring       call   an agent leg rings (an offer)       rang + ringTimeoutMs  the offer rings out
                                                          (or the leg's own)
    queue      call   it waits in a queue                 queue_deadline_ms     overflows, or ends
    hold       call   a leg is held, not yet recalled     held + maxHoldMs      HoldTimeout event
    wrapUp     agent  WORKING, a group of it has acwMs    WORKING + acwMs       the agent is READY
    heartbeat  agent  signed in, heartbeatTimeoutMs set   Heartbeat + timeout   it is signed out
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from . import _commands as cmd
from ._agent_state import force_offline
from ._cascade import Cause, Way, release
from ._errors import InvalidOperationCallState, InvalidOperationUserState
from ._events import EventType
from ._records import Channel, Job, Party, User
from ._routing import send
from ._states import JOB, ChannelState, JobState, UserState
from ._step import Decider, Outcome, Step, channel_of, decides, leave_call
from ._world import InstanceConfig

__all__ = ["DECIDERS", "Timer", "TimerDue", "job_timers", "ring_out", "user_timers"]

#: The decider of TimerFired.
DECIDERS: dict[type[cmd.Request], Decider] = {}


class Timer(Enum):
    """The kinds of timer (``TimerFired.timer`` is the value)."""

    RING = "ring"
    QUEUE = "queue"
    HOLD = "hold"
    WRAP_UP = "wrapUp"
    HEARTBEAT = "heartbeat"


#: One declared timer: (due instant, kind, the leg it is about or "").
TimerDue = tuple[int, Timer, str]


def job_timers(job: Job, inst: InstanceConfig) -> list[TimerDue]:
    """The timers a call declares now."""
    timers: list[TimerDue] = []
    if job.state is JobState.QUEUED:
        timers.append((job.queue_deadline_ms, Timer.QUEUE, ""))
    ring, max_hold = inst.ring_timeout_ms, inst.max_hold_ms
    for leg in job.channels:
        rings = leg.ring_timeout_ms or ring
        if rings and leg.party is Party.USER and leg.state is ChannelState.RINGING:
            timers.append((leg.timestamp + rings, Timer.RING, leg.channel_id))
        elif max_hold and leg.held and not leg.recalled:
            newest = leg.holds.newest
            assert newest is not None, "a held leg has an open interval"
            timers.append((newest.start_ms + max_hold, Timer.HOLD, leg.channel_id))
    return timers


def user_timers(user: User, inst: InstanceConfig) -> list[TimerDue]:
    """The timers an agent declares now."""
    timers: list[TimerDue] = []
    if user.state is UserState.WORKING:
        groups = [inst.skill_groups.get(gid) for gid in user.signed_skill_group_ids]
        acw = [g.acw_ms for g in groups if g is not None and g.acw_ms is not None]
        if acw:
            timers.append((user.state_since + min(acw), Timer.WRAP_UP, ""))
    if inst.heartbeat_timeout_ms and user.state is not UserState.OFFLINE:
        timers.append((user.heartbeat + inst.heartbeat_timeout_ms, Timer.HEARTBEAT, ""))
    return timers


# --- what each timer does ---------------------------------------------------------------------
def ring_out(step: Step, job: Job, leg: Channel) -> None:
    """The offer on ``leg`` rang out (``RingingTimeout``): the cascade moves agent and call."""
    step.call_event(EventType.RingingTimeout, job, leg, leg.user_id)
    release(step, job, leg, Way.RANG_OUT, Cause.RING_TIMEOUT, leg.user_extension)


def _queue_timed_out(step: Step, job: Job, inst: InstanceConfig) -> None:
    """The call waited its queue's timeout: it overflows (to a group or a number), or ends."""
    group = inst.skill_groups.get(job.skill_group_id)
    overflow = group.overflow_route if group is not None else None
    if job.queue and overflow is not None:
        send(step, job, overflow, inst, "overflow")
        return
    JOB.move(job, "queue_timeout")
    customer = next(c for c in job.channels if c.party is Party.CUSTOMER)
    step.call_event(EventType.QueueingTimeout, job, customer)
    release(step, job, customer, Way.RELEASED, Cause.QUEUING_TIMEOUT, job.callee)


def _hold_recalled(step: Step, job: Job, leg: Channel) -> None:
    """The leg was held ``maxHoldMs``: its agent is told (once per hold); it stays held."""
    leg.recalled = True
    newest = leg.holds.newest
    step.call_event(EventType.HoldTimeout, job, leg, newest.by_user if newest else "")


#: The kinds a call declares (the others are an agent's).
_CALL_TIMERS = frozenset({Timer.RING, Timer.QUEUE, Timer.HOLD})


@decides(DECIDERS, cmd.TimerFired)
def _timer_fired(step: Step, s: cmd.TimerFired) -> Outcome:
    inst = step.instance(s.instance_id)
    try:
        timer = Timer(s.timer)
    except ValueError:
        raise InvalidOperationCallState(s.timer, ",".join(t.value for t in Timer)) from None
    due = (s.due_ms, timer, s.channel_id)
    if timer in _CALL_TIMERS:
        job = step.job(inst, s.record_id)
        if due not in job_timers(job, inst) or step.now < s.due_ms:
            raise InvalidOperationCallState(job.state.value, f"{timer.value} due at {s.due_ms}")
        user = None
        if timer is Timer.QUEUE:
            _queue_timed_out(step, job, inst)
        else:
            leg = channel_of(job, s.channel_id)
            user = step.ws.user(inst.instance_id, leg.user_id) if leg.user_id else None
            (ring_out if timer is Timer.RING else _hold_recalled)(step, job, leg)
        return step.outcome(s, user, job)
    user = step.user(inst, s.record_id)
    if due not in user_timers(user, inst) or step.now < s.due_ms:
        raise InvalidOperationUserState(user.state.value, f"{timer.value} due at {s.due_ms}")
    _AGENT_FIRES[timer](step, user)
    return step.outcome(s, user, None)


def _wrap_up_ended(step: Step, user: User) -> None:
    leave_call(user, "wrap_up_ended", step.now)
    step.agent_event(EventType.AgentReady, user)


def _heartbeat_lost(step: Step, user: User) -> None:
    force_offline(step, user, "heartbeat_lost")


_AGENT_FIRES: dict[Timer, Callable[[Step, User], None]] = {
    Timer.WRAP_UP: _wrap_up_ended,
    Timer.HEARTBEAT: _heartbeat_lost,
}
