"""Internal calls: MakeCall to an agent's extension rings that agent (``CallType`` INTERNAL).

MakeCall's ``Callee`` is an agent's extension for an internal call, a number outside for an
outbound one (reference: MakeCall). A ``Callee`` is taken for an extension when it is one of
the instance's, or when it is shaped like one (digits only, as long as one of the instance's
extensions): that is ``NotExists.Extension``, CCC's documented refusal, checked with the
existence checks. The ``Caller`` is ignored, as CCC documents for internal calls.

The checks, in the documented order: the instance, the caller, the extension (existence); the
caller's device; the caller's state (``MakeCall``: READY -> DIALING); then the called agent,
who must be free to be offered a call (the agent table's ``offered`` row: READY; not outbound
only, which CCC calls invisible), else ``UserBusy``. Calling one's own extension is busy: the
caller is dialling by then.

Both legs are agent legs (party ``user``). The caller's is answered at once (the workbench
connects first, as for an outbound call) and the caller is DIALING (``AgentDialing``); the
called agent is offered the call as an inbound offer is (``Ringing``, ``AgentRinging``; it
rings for MakeCall's ``TimeoutSeconds``, absent: the instance's ring timeout) and answers with
AnswerCall (``Established``, ``AgentTalk``), which connects the caller too (``AgentTalk``:
:func:`caller_connected`). There is no ``Dialing`` event: nobody outside the centre is dialled.
How either leg's release ends the call is the release cascade's ``peer`` rows (``_cascade.py``).
"""

from __future__ import annotations

from . import _commands as cmd
from ._events import EventType
from ._internal_errors import NotExistsExtension, UserBusy
from ._records import CallType, Job, Party, User
from ._routing import offer, own_ring_timeout_ms
from ._states import AGENT, CHANNEL, ChannelState
from ._step import DEFAULT_DIAL_TIMEOUT_MS, Outcome, Step, check_device, new_leg
from ._world import InstanceConfig

__all__ = ["call_colleague", "called_agent", "caller_connected"]


def called_agent(step: Step, inst: InstanceConfig, callee: str) -> User | None:
    """The agent ``callee`` is the extension of; ``None`` for a number outside the centre.

    ``NotExists.Extension`` for a ``callee`` shaped like an extension that is no agent's.
    """
    user_id = inst.extensions.get(callee)
    if user_id is not None:
        return step.user(inst, user_id)
    if callee.isdigit() and len(callee) in inst.extension_lengths:
        raise NotExistsExtension()
    return None


def call_colleague(step: Step, c: cmd.MakeCall, inst: InstanceConfig, user: User,
                   colleague: User) -> Outcome:  # fmt: skip
    """MakeCall's checks 3 on, and the call, once ``c.callee`` is ``colleague``'s extension."""
    check_device(user, c.device_id)
    AGENT.move(user, "MakeCall", step.now)
    if not AGENT.allows(colleague, "offered") or colleague.outbound_scenario:
        raise UserBusy(colleague.user_id)
    AGENT.move(colleague, "offered", step.now)
    now = step.now
    group = user.signed_skill_group_ids[0] if user.signed_skill_group_ids else ""
    job = Job(
        job_id=step.ws.new_job_id(now),
        instance_id=inst.instance_id,
        call_type=CallType.INTERNAL,
        caller=user.extension,
        callee=colleague.extension,
        created_ms=now,
        skill_group_id=group,
        timeout_ms=DEFAULT_DIAL_TIMEOUT_MS,
    )
    own = new_leg(job, Party.USER, colleague.extension, user.extension, user, group, now,
                  c.media_type.value)  # fmt: skip
    CHANNEL.move(own, "answer")  # the workbench connects first
    own.answered_ms = now
    user.reserved = now
    user.job_id = job.job_id
    step.ws.add_job(job)
    step.agent_event(EventType.AgentDialing, user)
    rings_ms = own_ring_timeout_ms(c.timeout_seconds)  # the colleague's phone, as a customer's
    offer(step, colleague, job, group, ring_timeout_ms=rings_ms).media_type = c.media_type.value
    return step.outcome(c, user, job)


def caller_connected(step: Step, job: Job) -> None:
    """The called agent answered: the dialling caller talks now, as on a customer's answer."""
    caller = job.channels[0]  # the caller's leg is the call's first
    user = step.ws.user(job.instance_id, caller.user_id)
    assert user is not None, "an agent leg names a provisioned user"
    AGENT.move(user, "far_end_answered", step.now)
    for leg in job.channels:  # the call is established: both legs change now
        if leg.state is ChannelState.ANSWERED:
            leg.timestamp = step.now
    step.agent_event(EventType.AgentTalk, user)
