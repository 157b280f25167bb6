"""Conferences: a consultation switched to a three-party call, a new one, and leaving one.

* ``SwitchToConference``: the initiator of an answered consultation joins everyone: every held
  leg is retrieved (nobody is held in a conference), the consultation is over
  (``StopConsultant``) and both agents' legs take ``CallType`` ``CONFERENCE``
  (``StartConference``, scenario ``CONFERENCE``).
* ``StartConference``: a READY agent opens a new call (``CallType`` ``CONFERENCE``) and is in it
  at once (TALKING: the workbench connects to the bridge); each agent whose extension
  ``ParticipantListJson`` lists is offered a ``CONFERENCE`` leg, rings, and answers with
  AnswerCall; every other entry is a number outside the centre, dialled as an external
  ``CONFERENCE`` leg (from the instance's first number) that the simulated network plays:
  answered, it joins; busy, unanswered or rejected, that leg alone is released and the
  conference goes on (the release cascade's ``external`` rows: an agent still serves it).
* ``EndConference``: the agent ``UserId`` leaves by the release cascade's ``left`` way (the
  agent wraps up); the call goes on while an agent and a customer remain, or among agents
  alone, and ends when it would leave a customer with no agent (the cascade's ``member``
  rows). ``StopConference`` comes first when it leaves one member: the conference is over.

Hold and retrieve need nothing here: any member holds or retrieves any leg of the call.
"""

from __future__ import annotations

from collections.abc import Callable

from . import _commands as cmd
from ._cascade import Cause, Way, release, retrieve
from ._errors import InvalidOperationNoConference, ParameterInvalid
from ._events import EventType
from ._external import check_outside_number, dial
from ._records import CONFERENCE, CallType, Channel, Job, Party, User
from ._routing import offer, own_ring_timeout_ms
from ._states import AGENT, CHANNEL
from ._step import DEFAULT_DIAL_TIMEOUT_MS, Decider, Outcome, Step, decides, new_leg, own_leg
from ._transfers import (
    _agent_offered,
    _consultation,
    _customer,
    _event,
    _transferring,
)
from ._world import InstanceConfig

__all__ = ["DECIDERS"]

#: The decider of each conference action.
DECIDERS: dict[type[cmd.Request], Decider] = {}

PARTICIPANTS = "ParticipantListJson"


@decides(DECIDERS, cmd.SwitchToConference)
def _switch(step: Step, c: cmd.SwitchToConference) -> Outcome:
    _, user, job, leg = _transferring(step, c)
    consulting = _consultation(job, user, answered=True)
    for held in job.channels:  # nobody is held in a conference
        if held.held:
            retrieve(step, job, held, user.user_id)
    leg.call_type = consulting.call_type = CONFERENCE
    leg.scenario = consulting.scenario = CONFERENCE
    _event(step, EventType.StopConsultant, job, consulting, consulting.user_id)
    _event(step, EventType.StartConference, job, _customer(job), user.user_id,
           scenario=CONFERENCE)  # fmt: skip
    return step.outcome(c, user, job)


def _listed(participants: tuple[str, ...]) -> None:
    """The list's own check (check 1; an empty list is blank): nobody twice."""
    if len(set(participants)) < len(participants):
        raise ParameterInvalid(PARTICIPANTS, "It lists a participant twice")


#: How a participant joins the new call: its leg, made once the call exists.
Joining = Callable[[Job], Channel]


def _invited(step: Step, inst: InstanceConfig, user: User, participant: str,
             timeout_seconds: int | None) -> Joining:  # fmt: skip
    """How ``participant`` joins, once checked: an agent is offered the call, a number dialled.

    The agent at that extension must be another agent of the instance, READY for calls; any
    other entry must be a number outside the centre. Each rings for ``timeout_seconds`` (an
    agent, absent: the instance's ring timeout; a number, absent: the 30 s dial timeout).
    """
    if participant == user.extension:
        raise ParameterInvalid(PARTICIPANTS, "An agent cannot invite itself")
    agent = next((p.user_id for p in inst.users.values() if p.extension == participant), None)
    rings_ms = own_ring_timeout_ms(timeout_seconds)
    if agent is not None:
        invitee = _agent_offered(step, inst, user, agent)
        return lambda job: offer(step, invitee, job, job.skill_group_id, CONFERENCE, rings_ms)
    check_outside_number(inst, PARTICIPANTS, participant)
    shown = inst.numbers[0] if inst.numbers else ""
    dials_ms = rings_ms or DEFAULT_DIAL_TIMEOUT_MS
    return lambda job: dial(step, job, participant, user.user_id, CONFERENCE, shown, CONFERENCE,
                            dials_ms)  # fmt: skip


@decides(DECIDERS, cmd.StartConference)
def _start(step: Step, c: cmd.StartConference) -> Outcome:
    _listed(c.participant_list_json)
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    AGENT.move(user, c.action, step.now)
    invited = [_invited(step, inst, user, p, c.timeout_seconds) for p in c.participant_list_json]
    now = step.now
    group = user.signed_skill_group_ids[0] if user.signed_skill_group_ids else ""
    job = Job(job_id=step.ws.new_job_id(now), instance_id=inst.instance_id,
              call_type=CallType.CONFERENCE, caller=user.extension,
              callee=c.participant_list_json[0], created_ms=now, skill_group_id=group)  # fmt: skip
    own = new_leg(job, Party.USER, user.extension, user.extension, user, group, now)
    CHANNEL.move(own, "answer")  # the workbench connects to the bridge at once
    own.answered_ms = now
    own.call_type = own.scenario = CONFERENCE
    user.reserved = now
    user.job_id = job.job_id
    step.ws.add_job(job)
    step.agent_event(EventType.AgentTalk, user, own)
    _event(step, EventType.StartConference, job, own, user.user_id, scenario=CONFERENCE)
    for joining in invited:
        joining(job).call_type = CONFERENCE
    return step.outcome(c, user, job)


def _members(job: Job) -> int:
    return sum(1 for leg in job.channels if leg.live and leg.call_type == CONFERENCE)


@decides(DECIDERS, cmd.EndConference)
def _end(step: Step, c: cmd.EndConference) -> Outcome:
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    job = step.job(inst, c.job_id)
    leg = own_leg(user, job, answered=True)
    if leg.call_type != CONFERENCE:
        raise InvalidOperationNoConference(job.job_id, user.user_id)
    AGENT.move(user, c.action, step.now)
    if _members(job) == 2:  # one member would be left: the conference is over
        _event(step, EventType.StopConference, job, leg, user.user_id, scenario=CONFERENCE)
    release(step, job, leg, Way.LEFT, Cause.HANG_UP, user.extension)
    return step.outcome(c, user, job)
