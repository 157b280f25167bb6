"""Parties outside the contact centre: a number the call dials (an external leg).

A call dials a number outside the centre in three situations: its route or its group's overflow
forwards it (``forward``: the customer talks with the number, no agent serves the call), an
agent blind-transfers it there, or an agent consults the number (a ``CONSULTANT`` leg while the
customer is held). Each is one external leg (``Party.EXTERNAL``), created by :func:`dial`:

* it is dialled as MakeCall's far end is: a ``Dialing`` event about the leg asks the simulated
  network to play the number as the world's ``dialling`` says, through the far end's signals
  (early media, ringing, answered, busy, no answer, rejected, hung up);
* answered (:func:`answered`), it joins the conversation (``Established``; ``StartConsultant``
  for a consultation); refused or hung up, it leaves by the release cascade's ``external``
  role: a call an agent still serves goes on, a forwarded call ends.
"""

from __future__ import annotations

import re

from ._errors import ParameterInvalid
from ._events import EventType
from ._records import CONSULTANT, CallType, Channel, Job, Party
from ._states import CHANNEL, JOB
from ._step import DEFAULT_DIAL_TIMEOUT_MS, Step, new_leg
from ._world import InstanceConfig

__all__ = ["answered", "check_outside_number", "dial", "forward"]

#: What a number outside the centre may look like: digits, an optional leading ``+``.
_NUMBER = re.compile(r"\+?[0-9]{1,32}")


def check_outside_number(inst: InstanceConfig, name: str, number: str) -> None:
    """``Parameter.Invalid`` naming ``name`` unless ``number`` is a number outside the centre.

    One of the instance's own numbers or an agent's extension is inside it: a call would come
    back (a route loop) or ring an agent without its offer; transfer to AGENT for that.
    """
    if not _NUMBER.fullmatch(number):
        raise ParameterInvalid(name, "It must be a telephone number: digits, an optional +")
    if number in inst.numbers or number in inst.extensions:
        raise ParameterInvalid(name, f"{number} is inside the contact centre, not external")


def dial(step: Step, job: Job, number: str, agent_id: str = "", call_type: str = "",
         shown: str = "", scenario: str = "",
         timeout_ms: int = DEFAULT_DIAL_TIMEOUT_MS) -> Channel:  # fmt: skip
    """Dial ``number`` for ``job``: a new external leg, CREATED until the far end reports.

    The leg calls from ``shown`` (what the party outside is shown; by default the customer's
    number). The call's dial timeout, after which the number has not answered, is
    ``timeout_ms``: by default CCC's for a transfer, 30 s.
    """
    shown = shown or (job.callee if job.call_type is CallType.OUTBOUND else job.caller)
    leg = new_leg(job, Party.EXTERNAL, shown, number, None, job.skill_group_id, step.now)
    leg.call_type = call_type
    leg.scenario = scenario
    job.timeout_ms = timeout_ms
    step.call_event(EventType.Dialing, job, leg, agent_id)
    return leg


def forward(step: Step, job: Job, number: str, agent_id: str = "", scenario: str = "",
            shown: str = "", timeout_ms: int = DEFAULT_DIAL_TIMEOUT_MS) -> Channel:  # fmt: skip
    """Forward the call to ``number``: it leaves any queue, and an external leg is dialled."""
    JOB.move(job, "forward")
    job.queue_deadline_ms = 0
    return dial(step, job, number, agent_id, "", shown, scenario, timeout_ms)


def answered(step: Step, job: Job, leg: Channel) -> None:
    """The number answered: the external leg joins the conversation."""
    CHANNEL.move(leg, "answer")
    leg.timestamp = step.now
    job.established_ms = job.established_ms or step.now  # a forwarded call is answered now
    step.call_event(EventType.Established, job, leg)
    if leg.call_type == CONSULTANT:
        step.call_event(EventType.StartConsultant, job, leg)
