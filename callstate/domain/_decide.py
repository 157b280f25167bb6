"""The decide step: one command or signal, applied to working copies, as a guarded transition.

``decide(workspace, request, now)`` runs the checks of SPEC §4, generalised to every action, in
this order, and raises the first failure as a catalogued error:

1. parameters (done when the request value was constructed);
2. existence: instance, user, call, channel (and numbers, skill groups);
3. the device, where SPEC §10 checks it;
4. participation: the user's own leg in this call is in the state the action needs;
5. the user's state, from the agent table;
6. the channel's state, from the channel and hold tables;
7. values that depend on the world (hold music, internal numbers).

Each state check is the table row that also makes the change (``TABLE.move``), so a check
and its change cannot drift apart; a check made after an earlier row moved a working copy may
still refuse, and then the engine drops the working copies and the events: it commits a
decision whole, or nothing.

The deciders live by concern: agent state (``_agent_state``), call control
(``_call_control``), signals (``_signals``); what releasing a leg does to its agent and to the
call is the release cascade's tables (``_cascade``); what they share is in ``_step``.
"""

from __future__ import annotations

from . import (
    _agent_state,
    _arrivals,
    _call_control,
    _conference,
    _devices,
    _dtmf,
    _mute,
    _redial,
    _signals,
    _supervision,
    _timers,
    _transfers,
    _visibility,
)
from . import _commands as cmd
from ._cascade import Cause
from ._routing import distribute
from ._step import LISTINGS, Decider, Listing, Outcome, Step, Workspace

__all__ = ["LISTINGS", "Cause", "Listing", "Outcome", "Workspace", "decide"]

_DECIDERS: dict[type[cmd.Request], Decider] = {
    **_agent_state.DECIDERS,
    **_call_control.DECIDERS,
    **_signals.DECIDERS,
    **_arrivals.DECIDERS,
    **_timers.DECIDERS,
    **_transfers.DECIDERS,
    **_conference.DECIDERS,
    **_mute.DECIDERS,
    **_dtmf.DECIDERS,
    **_visibility.DECIDERS,
    **_supervision.DECIDERS,
    **_devices.DECIDERS,
    **_redial.DECIDERS,
}


def decide(ws: Workspace, request: cmd.Request, now: int) -> Outcome:
    """Apply one request to the workspace at instant ``now`` (epoch ms), or raise its error."""
    step = Step(ws, now)
    outcome = _DECIDERS[type(request)](step, request)
    # In the same commit: a free agent and a waiting call never coexist after it.
    assigned = distribute(step)
    if assigned:  # the reply shows the call as distributed (and whom it rings, if it named none)
        user = outcome.user or assigned.get(outcome.job.job_id if outcome.job else "")
        outcome = step.outcome(request, user, outcome.job)
    if isinstance(request, cmd.Command) and outcome.user is not None:
        # SPEC §3.1: Heartbeat is the time of the user's latest successful command, any kind.
        outcome.user.heartbeat = now
    return outcome
