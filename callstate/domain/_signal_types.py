"""Signals (what the network and the platform report) as frozen values, with their parameters.

Like commands (``_commands.py``), each class is its own parameter table: a field is a
parameter, in CamelCase on the wire, required unless it has a default.
"""

from __future__ import annotations

import attrs

from ._requests import Signal
from ._wire import bounded

__all__ = [
    "CallArrived",
    "CallOffered",
    "CallReoffered",
    "ChannelSignal",
    "FarEndAnswered",
    "FarEndBusy",
    "FarEndEarlyMedia",
    "FarEndHungUp",
    "FarEndNoAnswer",
    "FarEndRejected",
    "FarEndRinging",
    "RingTimeout",
    "TimerFired",
]


@attrs.frozen
class CallOffered(Signal):
    """An inbound call from ``Caller`` to the instance number ``Callee`` is offered to an agent."""

    caller: str
    callee: str
    user_id: str
    skill_group_id: str


@attrs.frozen
class CallReoffered(Signal):
    """A queued call (its last offer was withdrawn) is offered to an agent."""

    job_id: str
    user_id: str
    skill_group_id: str


@attrs.frozen
class ChannelSignal(Signal):
    """A signal about one leg of one call."""

    job_id: str
    channel_id: str


@attrs.frozen
class FarEndEarlyMedia(ChannelSignal):
    """The customer's leg has early media (provisional audio before answer)."""


@attrs.frozen
class FarEndRinging(ChannelSignal):
    """The customer's phone is ringing."""


@attrs.frozen
class FarEndAnswered(ChannelSignal):
    """The customer answered: the outbound call is established."""


@attrs.frozen
class FarEndBusy(ChannelSignal):
    """The customer's line is busy (486)."""


@attrs.frozen
class FarEndNoAnswer(ChannelSignal):
    """The customer did not answer in time (480)."""


@attrs.frozen
class FarEndRejected(ChannelSignal):
    """The customer declined the call (603)."""


@attrs.frozen
class FarEndHungUp(ChannelSignal):
    """A party hung up its leg (any live leg: the customer, or an agent's phone dropping)."""


@attrs.frozen
class RingTimeout(ChannelSignal):
    """An agent did not answer an offered call in time: the offer is withdrawn."""


@attrs.frozen
class CallArrived(Signal):
    """An inbound call from ``Caller`` reaches the instance number ``Callee``: callstate routes it.

    The number's route names the queue; the call waits there, in ``CallPriority`` order (0
    first), until an agent is offered it.
    """

    caller: str
    callee: str
    call_priority: int | None = bounded(0, 9)


@attrs.frozen
class TimerFired(Signal):
    """A timer the store holds fell due: a ring, queue, wrap-up, hold or heartbeat timeout.

    Not a network signal (it is not in :data:`SIGNALS`, so no client sends it): the engine
    applies it from the store's timer index at ``due_ms``. It applies only if the record
    still declares that timer (``domain/_timers.py``): a timer whose record moved on is
    refused, so each fires at most once, whichever process applies it first.
    """

    timer: str
    record_id: str
    due_ms: int
    channel_id: str = ""
