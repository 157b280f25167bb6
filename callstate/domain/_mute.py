"""MuteCall and UnmuteCall: the mute region of a leg, beside hold and independent of it.

Checks as HoldCall's (existence, device, participation, the agent's state, the leg's state);
the leg is the one ``ChannelId`` names, or the agent's own. The region's row is the state check
and the change (``MUTE.move``): a leg that is not answered has no mute region to move. Each mute
is an interval on the leg, closed by UnmuteCall or when the leg is released (the cascade), and
listed in the call detail record.
"""

from __future__ import annotations

from ._events import EventType
from ._records import Channel, Job, MuteInterval, User
from ._requests import Request
from ._states import AGENT, MUTE
from ._step import Decider, Outcome, Step, channel_of, check_device, close_mute, decides, own_leg
from ._workbench_commands import MuteCall, UnmuteCall

__all__ = ["DECIDERS"]

#: The decider of each mute action.
DECIDERS: dict[type[Request], Decider] = {}


def _mute_checks(step: Step, c: MuteCall | UnmuteCall, trigger: str) -> tuple[User, Job, Channel]:
    """The checks shared by MuteCall and UnmuteCall, the last of which moves the leg's region."""
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    if not (c.job_id or user.job_id):  # no call named, none under way: the agent is not TALKING
        AGENT.move(user, c.action, step.now)
    job = step.job(inst, c.job_id or user.job_id)
    target = channel_of(job, c.channel_id) if c.channel_id else None
    check_device(user, c.device_id)
    own = own_leg(user, job, answered=True)
    AGENT.move(user, c.action, step.now)
    leg = target or own
    MUTE.move(leg, trigger)
    leg.timestamp = step.now
    return user, job, leg


@decides(DECIDERS, MuteCall)
def _mute_call(step: Step, c: MuteCall) -> Outcome:
    user, job, leg = _mute_checks(step, c, "mute")
    leg.mutes = (*leg.mutes, MuteInterval(step.now, None, user.user_id))
    step.call_event(EventType.Muted, job, leg, user.user_id)
    return step.outcome(c, user, job)


@decides(DECIDERS, UnmuteCall)
def _unmute_call(step: Step, c: UnmuteCall) -> Outcome:
    user, job, leg = _mute_checks(step, c, "unmute")
    close_mute(leg, step.now)
    step.call_event(EventType.Unmuted, job, leg, user.user_id)
    return step.outcome(c, user, job)
