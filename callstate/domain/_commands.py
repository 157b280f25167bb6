"""Commands (CCC actions, from an agent) and signals (from the network), as frozen values.

A command class is named exactly as its CCC action, and its fields are the action's parameters:
the wire name is the field name in CamelCase (``instance_id`` -> ``InstanceId``), a field with no
default is required, and fields are checked in declaration order. So this module is also the
parameter table the adapter reads (:func:`wire_fields`); nothing lists the parameters twice.

Constructing a command checks its parameters in field order: a required one that is blank
(:meth:`WireField.given`, SPEC §4 check 1, the one place that check is written; the wire adapter
uses it too) raises :class:`~callstate.domain.ParameterBlank`, an integer out of its range
``ParameterMinimum`` / ``ParameterMaximum``.
"""

from __future__ import annotations

from enum import Enum

import attrs

from ._errors import ParameterMaximum, ParameterMinimum
from ._wire import WireField, bounded, wire_fields, wire_name
from ._world import WorkMode

__all__ = [
    "COMMANDS",
    "SIGNALS",
    "AnswerCall",
    "CallArrived",
    "CallOffered",
    "CallReoffered",
    "ChangeWorkMode",
    "ChannelSignal",
    "ClaimCall",
    "Command",
    "FarEndAnswered",
    "FarEndBusy",
    "FarEndEarlyMedia",
    "FarEndHungUp",
    "FarEndNoAnswer",
    "FarEndRejected",
    "FarEndRinging",
    "HoldCall",
    "MakeCall",
    "MediaType",
    "PollUserStatus",
    "ReadyForService",
    "ReleaseCall",
    "Request",
    "ResetAgentState",
    "RetrieveCall",
    "RingTimeout",
    "SignInGroup",
    "SignOutGroup",
    "Signal",
    "TakeBreak",
    "TimerFired",
    "WireField",
    "wire_fields",
    "wire_name",
]


class MediaType(Enum):
    """MakeCall's ``MediaType``."""

    AUDIO = "AUDIO"
    VIDEO = "VIDEO"


@attrs.frozen
class Request:
    """Base of commands and signals: checks required parameters when constructed.

    Every request names its contact-centre instance first.
    """

    instance_id: str

    def __attrs_post_init__(self) -> None:
        for field in wire_fields(type(self)):
            value = getattr(self, field.name)
            if field.given(value) and field.bounds is not None:
                low, high = field.bounds
                if value < low:
                    raise ParameterMinimum(field.wire, str(low))
                if value > high:
                    raise ParameterMaximum(field.wire, str(high))

    @property
    def action(self) -> str:
        """The CCC action (or signal) name: the class name."""
        return type(self).__name__


@attrs.frozen
class Command(Request):
    """An agent's action. ``UserId`` is required everywhere (SPEC §10)."""


@attrs.frozen
class Signal(Request):
    """Something the network reports (SPEC §8), answered like a command."""


# --- agent state -------------------------------------------------------------------------------
@attrs.frozen
class SignInGroup(Command):
    """Go online into skill groups; DeviceId becomes the active device."""

    signed_skill_group_id_list: tuple[str, ...]
    device_id: str
    user_id: str
    additivity: bool = False
    chat_device_id: str = ""


@attrs.frozen
class SignOutGroup(Command):
    """Go offline."""

    user_id: str
    device_id: str = ""


@attrs.frozen
class ReadyForService(Command):
    """Become ready for calls (outbound calls only, with ``OutboundScenario``)."""

    user_id: str
    device_id: str = ""
    outbound_scenario: bool = False


@attrs.frozen
class TakeBreak(Command):
    """Go on break with a break code."""

    code: str
    user_id: str
    device_id: str = ""


@attrs.frozen
class ChangeWorkMode(Command):
    """Change how the agent is reached (on site, off site on the mobile, office phone)."""

    work_mode: WorkMode
    user_id: str
    mobile: str = ""
    device_id: str = ""


@attrs.frozen
class ResetAgentState(Command):
    """Force the agent offline, releasing the agent's live legs."""

    user_id: str
    device_id: str = ""


@attrs.frozen
class PollUserStatus(Command):
    """Read the agent's state and current call (updates only the heartbeat)."""

    user_id: str
    device_id: str = ""


# --- call control ------------------------------------------------------------------------------
@attrs.frozen
class MakeCall(Command):
    """Place an outbound call from ``Caller`` (an instance number) to ``Callee``."""

    callee: str
    user_id: str
    caller: str = ""
    device_id: str = ""
    timeout_seconds: int | None = bounded(30, 300)
    media_type: MediaType = MediaType.AUDIO


@attrs.frozen
class AnswerCall(Command):
    """Answer the call ringing at the agent."""

    job_id: str
    user_id: str
    device_id: str = ""


@attrs.frozen
class HoldCall(Command):
    """Put a leg of the call on hold; the held party hears ``Music``."""

    job_id: str
    channel_id: str
    device_id: str
    user_id: str
    music: str = ""


@attrs.frozen
class RetrieveCall(Command):
    """Take a held leg off hold."""

    job_id: str
    channel_id: str
    device_id: str
    user_id: str


@attrs.frozen
class ReleaseCall(Command):
    """Hang up (by default the agent's own leg); in a two-party call this ends the call."""

    job_id: str
    user_id: str
    channel_id: str = ""
    device_id: str = ""


@attrs.frozen
class ClaimCall(Command):
    """Take a call waiting in a manually routed skill group: it rings at the agent."""

    job_id: str
    user_id: str
    skill_group_id: str = ""


# --- signals -----------------------------------------------------------------------------------
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


#: The actions that change state, by name (with the queries: ``ACTIONS``, ``_queries.py``).
COMMANDS: dict[str, type[Command]] = {
    cls.__name__: cls
    for cls in (
        SignInGroup,
        SignOutGroup,
        ReadyForService,
        TakeBreak,
        ChangeWorkMode,
        ResetAgentState,
        PollUserStatus,
        MakeCall,
        AnswerCall,
        HoldCall,
        RetrieveCall,
        ReleaseCall,
        ClaimCall,
    )
}

SIGNALS: dict[str, type[Signal]] = {
    cls.__name__: cls
    for cls in (
        CallArrived,
        CallOffered,
        CallReoffered,
        FarEndEarlyMedia,
        FarEndRinging,
        FarEndAnswered,
        FarEndBusy,
        FarEndNoAnswer,
        FarEndRejected,
        FarEndHungUp,
        RingTimeout,
    )
}
