"""SendDtmfSignaling, and the far end's IVR answering the tones (IvrRouted).

SendDtmfSignaling runs HoldCall's checks; its state checks are guard-only rows: the agent
``TALKING`` (``AGENT``) and the leg answered and not held (the hold region's ``send_dtmf`` row:
a leg not answered has no hold region, a held one hears no tones). The digits are the
``DtmfSent`` event; the simulated network reads it and, where the dialled number is an IVR of
the world, answers with ``IvrRouted``, which publishes CCC's ``IvrTracking`` with the route.
"""

from __future__ import annotations

from ._call_control import hold_region_checks
from ._events import EventType
from ._requests import Request
from ._states import HOLD
from ._step import Decider, Outcome, Step, channel_of, decides
from ._workbench_commands import IvrRouted, SendDtmfSignaling

__all__ = ["DECIDERS"]

#: The decider of each DTMF request.
DECIDERS: dict[type[Request], Decider] = {}


@decides(DECIDERS, SendDtmfSignaling)
def _send_dtmf(step: Step, c: SendDtmfSignaling) -> Outcome:
    _, user, job, leg = hold_region_checks(step, c, "send_dtmf")
    digits = c.dtmf.strip()
    step.call_event(EventType.DtmfSent, job, leg, user.user_id, (("dtmf", digits),))
    return step.outcome(c, user, job)


@decides(DECIDERS, IvrRouted)
def _ivr_routed(step: Step, s: IvrRouted) -> Outcome:
    inst = step.instance(s.instance_id)
    job = step.job(inst, s.job_id)
    leg = channel_of(job, s.channel_id)
    HOLD.move(leg, "ivr_route")  # the IVR answers a leg that is answered, not held
    step.call_event(EventType.IvrTracking, job, leg, "", (("route", s.route),))
    return step.outcome(s, None, job)
