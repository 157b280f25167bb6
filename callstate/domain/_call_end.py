"""How a call's end is written down: why legs left, the disposition, the closing events.

:class:`Cause` is why a leg left; an ended call's record gets its disposition (reference/ccc-api.md
§C.12) and the call announces ``Abandoned`` (if the caller gave up) and ``CDRReady``.

The release cascade (``_cascade``) decides *that* a call ends; this module writes what the
ending says, from the call as it is then.
"""

from __future__ import annotations

from enum import Enum

from ._events import CallDetailRecord, Event, EventType
from ._records import CallType, Job
from ._step import Step

__all__ = ["ABANDON_PHASES", "Cause", "record_the_end"]


class Cause(Enum):
    """Why a leg was released, as ``ReleaseReason`` writes it (SIP code - text)."""

    HANG_UP = "200 - Okay"
    CANCEL = "487 - Request Terminated"
    BUSY = "486 - Busy Here"
    NO_ANSWER = "480 - Temporarily Unavailable"
    REJECTED = "603 - Decline"
    RING_TIMEOUT = "408 - Request Timeout"
    QUEUING_TIMEOUT = "480 - Queuing Timeout"


def record_the_end(step: Step, job: Job, cause: Cause, initiator: str, queued: bool) -> None:
    """Write the ended call's release, disposition and record; announce them.

    ``queued``: whether the call was waiting in a queue when it ended (an abandoned call's phase).
    """
    job.queue_deadline_ms = 0
    job.ended_ms = step.now
    job.release_initiator = initiator
    job.release_reason = cause.value
    job.disposition = _disposition(job, cause, queued)
    phase = ABANDON_PHASES.get(job.disposition)
    if phase is not None:
        step.events.append(
            Event(EventType.Abandoned, step.now, job.instance_id, contact_id=job.job_id,
                  channel_id=job.channels[0].channel_id, call_type=job.call_type.value,
                  caller=job.caller, callee=job.callee, detail=(("abandonPhase", phase),))
        )  # fmt: skip
    step.events.append(
        Event(EventType.CDRReady, step.now, job.instance_id, contact_id=job.job_id,
              call_type=job.call_type.value, caller=job.caller, callee=job.callee,
              cdr=CallDetailRecord.of(job))
    )  # fmt: skip


#: The CDR dispositions of a caller who hung up before an agent answered: ``abandonPhase``.
ABANDON_PHASES: dict[str, str] = {"AbandonedInQueue": "Queuing", "AbandonedRing": "Ringing"}


#: The CDR disposition of a call that ended unanswered, by the cause that ended it.
_DISPOSITIONS: dict[Cause, str] = {
    Cause.QUEUING_TIMEOUT: "QueuingTimeout",
    Cause.BUSY: "Reject",
    Cause.REJECTED: "Reject",
    Cause.NO_ANSWER: "NoAnswer",  # a dialled number (the customer, or a forward) did not answer
}


def _disposition(job: Job, cause: Cause, queued: bool) -> str:
    """CCC's CDR ``dispositionCode`` (reference/ccc-api.md §C.12)."""
    if job.established_ms:
        return "Success"
    if cause in _DISPOSITIONS:
        return _DISPOSITIONS[cause]
    if job.call_type is CallType.INBOUND:
        return "AbandonedInQueue" if queued else "AbandonedRing"
    return "NoAnswer"
