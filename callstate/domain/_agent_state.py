"""The agent-state actions (SPEC §3.1, §4): sign in and out, ready, break, work mode, reset, poll.

Each one checks that the instance and the user exist (the DeviceId is not checked) and then
moves the agent by its own row of the agent table, which refuses it in a state that does not
allow it. ResetAgentState first releases the agent's live leg through the release cascade.
"""

from __future__ import annotations

from typing import Protocol

from . import _commands as cmd
from ._cascade import Cause, Way, release
from ._errors import NotExistsSkillGroupId, ParameterBlank, PermissionSkillGroup
from ._events import EventType
from ._records import Job, User
from ._states import AGENT, UserState
from ._step import Decider, Outcome, Step, decides, leave_call
from ._world import WorkMode

__all__ = ["DECIDERS"]

WARM_UP = "Warm-up"  # CCC's break code of a fresh sign-in

#: The decider of each agent-state action.
DECIDERS: dict[type[cmd.Request], Decider] = {}


class _ByUser(Protocol):
    @property
    def instance_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def action(self) -> str: ...


def _agent(step: Step, c: _ByUser) -> User:
    """The agent of an agent-state action: instance and user exist (DeviceId is ignored).

    The action's own row of the agent table then moves (or refuses) the agent.
    """
    return step.user(step.instance(c.instance_id), c.user_id)


def _go_offline(user: User, trigger: str, now: int) -> None:
    """The agent goes OFFLINE: signed in to no group, with no active device."""
    leave_call(user, trigger, now)
    user.signed_skill_group_ids = ()
    user.device_id = user.chat_device_id = ""


@decides(DECIDERS, cmd.SignInGroup)
def _sign_in(step: Step, c: cmd.SignInGroup) -> Outcome:
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    for gid in c.signed_skill_group_id_list:
        if gid not in inst.skill_groups:
            raise NotExistsSkillGroupId(gid, inst.instance_id)
    foreign = [g for g in c.signed_skill_group_id_list if g not in user.skill_group_ids]
    if foreign:
        raise PermissionSkillGroup(",".join(foreign))
    checking_in = user.state is UserState.OFFLINE
    AGENT.move(user, "SignInGroup", step.now)
    groups = c.signed_skill_group_id_list
    if c.additivity and not checking_in:
        groups = user.signed_skill_group_ids + groups
    user.signed_skill_group_ids = tuple(dict.fromkeys(groups))
    user.device_id = c.device_id
    user.chat_device_id = c.chat_device_id
    step.agent_event(EventType.AgentCheckIn, user)
    if checking_in:  # a new shift: FEWEST_CALLS counts from here
        user.break_code = WARM_UP
        user.outbound_scenario = False
        user.calls_answered = 0
        step.agent_event(EventType.AgentReady, user)
    return step.outcome(c, user, None)


@decides(DECIDERS, cmd.SignOutGroup)
def _sign_out(step: Step, c: cmd.SignOutGroup) -> Outcome:
    user = _agent(step, c)
    step.agent_event(EventType.AgentCheckOut, user)
    _go_offline(user, "SignOutGroup", step.now)
    return step.outcome(c, user, None)


@decides(DECIDERS, cmd.ReadyForService)
def _ready(step: Step, c: cmd.ReadyForService) -> Outcome:
    user = _agent(step, c)
    leave_call(user, "ReadyForService", step.now)
    user.outbound_scenario = c.outbound_scenario
    step.agent_event(EventType.AgentReady, user)
    return step.outcome(c, user, None)


@decides(DECIDERS, cmd.TakeBreak)
def _take_break(step: Step, c: cmd.TakeBreak) -> Outcome:
    user = _agent(step, c)
    leave_call(user, "TakeBreak", step.now)
    user.break_code = c.code
    step.agent_event(EventType.AgentBreak, user)
    return step.outcome(c, user, None)


@decides(DECIDERS, cmd.ChangeWorkMode)
def _change_work_mode(step: Step, c: cmd.ChangeWorkMode) -> Outcome:
    user = _agent(step, c)
    AGENT.move(user, c.action, step.now)
    mobile = c.mobile or user.mobile
    if c.work_mode is WorkMode.OFF_SITE and not mobile:
        raise ParameterBlank("Mobile")  # off site, the agent is reached only on the mobile
    user.work_mode = c.work_mode
    user.mobile = mobile
    return step.outcome(c, user, None)


def force_offline(step: Step, user: User, trigger: str) -> Job | None:
    """Sign the agent out whatever it was doing: its live leg is released first.

    ResetAgentState, and the heartbeat timeout (``trigger``: the agent table's row).
    """
    job = step.ws.job(user.instance_id, user.job_id) if user.job_id else None
    leg = job.leg_of(user.user_id) if job else None
    if job is not None and leg is not None and leg.live:
        release(step, job, leg, Way.RESET, Cause.HANG_UP, user.extension)
    if user.state is not UserState.OFFLINE:
        step.agent_event(EventType.AgentCheckOut, user)
    _go_offline(user, trigger, step.now)
    return job


@decides(DECIDERS, cmd.ResetAgentState)
def _reset(step: Step, c: cmd.ResetAgentState) -> Outcome:
    user = _agent(step, c)
    job = force_offline(step, user, "ResetAgentState")
    return step.outcome(c, user, job)


@decides(DECIDERS, cmd.PollUserStatus)
def _poll(step: Step, c: cmd.PollUserStatus) -> Outcome:
    user = _agent(step, c)
    AGENT.move(user, c.action, step.now)
    job = step.ws.job(c.instance_id, user.job_id) if user.job_id else None
    return step.outcome(c, user, job)
