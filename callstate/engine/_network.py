"""The simulated network: what a switch would report, for the demo, the emulator and tests.

It watches committed outcomes and schedules the signals a real network would send (SPEC §8):

* every leg the centre dials (MakeCall's customer, an external party: a forwarded call, a
  transfer or a consultation to a number outside; each announced by a ``Dialing`` event)
  behaves as the world's ``dialling`` says for its number: at once it
  reports early media (where the world says ``earlyMedia``) and rings (unless it is busy: a busy
  line never rings); then it answers (``afterMs`` after it started ringing, or never if that is
  past the call's timeout, in which case it does not answer), is busy, rejects, or does not
  answer (at the call's timeout);
* after SendDtmfSignaling on a leg outside the centre (a customer, an external party), a
  dialled number with an ``ivr`` menu in the world answers the digits that select a route
  with ``IvrRouted`` at once (other digits: nothing, as a menu that does not know them waits
  on);
* (an offer's ring timeout is not the network's: it is a timer the store holds, as every
  timer of the contact centre is: ``domain/_timers.py``).

The engine applies due signals, at their due instants, before each request it handles and right
after each commit; a signal the call no longer allows (the agent hung up first) is dropped.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any

import attrs

from ..domain import (
    Channel,
    ChannelSignal,
    DialOutcome,
    EventType,
    FarEndAnswered,
    FarEndBusy,
    FarEndEarlyMedia,
    FarEndNoAnswer,
    FarEndRejected,
    FarEndRinging,
    InstanceConfig,
    IvrRouted,
    Job,
    Outcome,
    Party,
    SendDtmfSignaling,
    wire_fields,
)

__all__ = ["Scheduled", "SimulatedNetwork"]

_ON_DIAL: dict[DialOutcome, type[ChannelSignal]] = {
    DialOutcome.ANSWER: FarEndAnswered,
    DialOutcome.BUSY: FarEndBusy,
    DialOutcome.REJECT: FarEndRejected,
    DialOutcome.NO_ANSWER: FarEndNoAnswer,
}


@attrs.frozen(order=True)
class Scheduled:
    """A signal due at ``due_ms``; ``order`` keeps signals due at one instant in schedule order."""

    due_ms: int
    order: int
    signal: ChannelSignal = attrs.field(order=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for snapshots."""
        params = {f.wire: getattr(self.signal, f.name) for f in wire_fields(type(self.signal))}
        return {"dueMs": self.due_ms, "signal": self.signal.action, "params": params}


class SimulatedNetwork:
    """Schedules the network's reactions; the engine applies them when due."""

    def __init__(self) -> None:
        self._pending: list[Scheduled] = []
        self._order = itertools.count()

    def react(self, outcome: Outcome, config: InstanceConfig, now: int) -> None:
        """Schedule what the network does about a committed outcome: dial, answer tones.

        Every ``Dialing`` event names a leg the centre dials (MakeCall's customer, an external
        party: a forward, a transfer or a consultation to a number); each is played alike.
        """
        job = outcome.job
        if job is None:
            return
        for event in outcome.events:
            if event.event_type is EventType.Dialing and event.contact_id == job.job_id:
                leg = job.channel(event.channel_id)
                if leg is not None:
                    self._dial(job, leg, config, now)
        if isinstance(outcome.request, SendDtmfSignaling):
            self._tones(outcome.request, job, config, now)

    def _dial(self, job: Job, leg: Channel, config: InstanceConfig, now: int) -> None:
        """The dialled number behaves as the world's ``dialling`` says, within the timeout."""
        dialling = config.dialling_for(leg.destination)
        kind = _ON_DIAL[dialling.outcome]
        after = dialling.after_ms
        if kind is FarEndNoAnswer or (kind is FarEndAnswered and after >= job.timeout_ms):
            kind, after = FarEndNoAnswer, job.timeout_ms
        ids = (job.instance_id, job.job_id, leg.channel_id)
        if dialling.early_media:
            self._at(now, FarEndEarlyMedia(*ids))
        if kind is not FarEndBusy:
            self._at(now, FarEndRinging(*ids))
        self._at(now + after, kind(*ids))

    def _tones(
        self, request: SendDtmfSignaling, job: Job, config: InstanceConfig, now: int
    ) -> None:
        leg = job.channel(request.channel_id)
        if leg is None or leg.party is Party.USER:
            return  # an agent's workbench has no menu
        route = dict(config.dialling_for(leg.destination).ivr).get(request.dtmf.strip())
        if route is not None:
            self._at(now, IvrRouted(job.instance_id, job.job_id, leg.channel_id, route))

    def _at(self, due_ms: int, signal: ChannelSignal) -> None:
        heapq.heappush(self._pending, Scheduled(due_ms, next(self._order), signal))

    def first_due(self, now: int) -> Scheduled | None:
        """The earliest signal due at or before ``now``; it stays scheduled until discarded.

        The engine discards a signal once the call decided it (applied or refused); one the
        store could not take (down) stays due for the next pass.
        """
        if self._pending and self._pending[0].due_ms <= now:
            return self._pending[0]
        return None

    def discard(self, scheduled: Scheduled) -> None:
        """Take ``scheduled`` off the schedule (gone already: nothing happens)."""
        if self._pending and self._pending[0] is scheduled:
            heapq.heappop(self._pending)
        elif scheduled in self._pending:
            self._pending.remove(scheduled)
            heapq.heapify(self._pending)

    def next_due(self) -> int | None:
        """When the earliest scheduled signal is due (``None``: nothing is scheduled)."""
        return self._pending[0].due_ms if self._pending else None

    def pending(self) -> list[Scheduled]:
        """Everything scheduled, in no particular order (a copy: sort it as needed)."""
        return list(self._pending)

    def clear(self) -> None:
        """Forget everything scheduled (the world was reset)."""
        self._pending.clear()
