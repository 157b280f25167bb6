"""Commands (CCC actions, from an agent) as frozen values, and the registries of every request.

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

from ._device_commands import DEVICE_COMMANDS
from ._requests import Command, MediaType, Request, Signal
from ._signal_types import (
    CallArrived,
    CallOffered,
    CallReoffered,
    ChannelSignal,
    FarEndAnswered,
    FarEndBusy,
    FarEndEarlyMedia,
    FarEndHungUp,
    FarEndNoAnswer,
    FarEndRejected,
    FarEndRinging,
    RingTimeout,
    TimerFired,
)
from ._supervision_commands import SUPERVISION_COMMANDS
from ._wire import WireField, bounded, wire_fields, wire_name
from ._workbench_commands import (
    ChangeVisibility,
    IvrRouted,
    MuteCall,
    SendDtmfSignaling,
    UnmuteCall,
)
from ._world import WorkMode

__all__ = [
    "COMMANDS",
    "SIGNALS",
    "AnswerCall",
    "BlindTransfer",
    "CallArrived",
    "CallOffered",
    "CallReoffered",
    "CancelAttendedTransfer",
    "ChangeVisibility",
    "ChangeWorkMode",
    "ChannelSignal",
    "ClaimCall",
    "Command",
    "CompleteAttendedTransfer",
    "EndConference",
    "FarEndAnswered",
    "FarEndBusy",
    "FarEndEarlyMedia",
    "FarEndHungUp",
    "FarEndNoAnswer",
    "FarEndRejected",
    "FarEndRinging",
    "HoldCall",
    "InitiateAttendedTransfer",
    "IvrRouted",
    "MakeCall",
    "MediaType",
    "MuteCall",
    "PollUserStatus",
    "ReadyForService",
    "ReleaseCall",
    "Request",
    "ResetAgentState",
    "RetrieveCall",
    "RingTimeout",
    "SendDtmfSignaling",
    "SignInGroup",
    "SignOutGroup",
    "Signal",
    "StartConference",
    "SwitchToConference",
    "TakeBreak",
    "TimerFired",
    "TransfereeType",
    "UnmuteCall",
    "WireField",
    "wire_fields",
    "wire_name",
]


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


# --- transfers --------------------------------------------------------------------------------
class TransfereeType(Enum):
    """``TransfereeType``: whom a call is handed (consulting: AGENT, SKILL_GROUP, EXTERNAL)."""

    AGENT = "AGENT"
    SKILL_GROUP = "SKILL_GROUP"
    IVR = "IVR"
    EXTERNAL_NUMBER = "EXTERNAL_NUMBER"
    EXTERNAL = "EXTERNAL"


@attrs.frozen
class BlindTransfer(Command):
    """Hand the call to an agent or a skill group's queue; the transferring agent leaves it."""

    job_id: str
    transferee: str
    user_id: str
    device_id: str = ""
    transferee_type: TransfereeType = TransfereeType.AGENT
    call_priority: int | None = bounded(0, 9)
    #: The number a party outside is shown (one of the instance's); ignored for agents.
    transferor: str = ""
    #: How long the target may ring (MakeCall's range); absent: the instance's ring timeout.
    timeout_seconds: int | None = bounded(30, 300)


@attrs.frozen
class InitiateAttendedTransfer(Command):
    """Consult another agent about the call: the customer is held, the consultee rings."""

    job_id: str
    transferee: str
    user_id: str
    device_id: str = ""
    transferee_type: TransfereeType = TransfereeType.AGENT
    #: The number a party outside is shown (one of the instance's); ignored for agents.
    transferor: str = ""
    #: How long the consultee may ring (MakeCall's range); absent: the instance's ring timeout.
    timeout_seconds: int | None = bounded(30, 300)


@attrs.frozen
class CompleteAttendedTransfer(Command):
    """Hand the customer to the consultee: the customer is retrieved, the initiator leaves."""

    job_id: str
    user_id: str
    device_id: str = ""


@attrs.frozen
class CancelAttendedTransfer(Command):
    """End the consultation: the consultee's leg is released, the customer retrieved."""

    job_id: str
    user_id: str
    device_id: str = ""


# --- conference ------------------------------------------------------------------------------
@attrs.frozen
class SwitchToConference(Command):
    """Turn the consultation under way into a three-party call: the customer is retrieved."""

    job_id: str
    user_id: str
    device_id: str = ""


@attrs.frozen
class StartConference(Command):
    """Start a new call with the agents and numbers outside that ``ParticipantListJson`` lists.

    ``TimeoutSeconds`` is how long each invitee rings (an agent; a number: its dial timeout).
    """

    participant_list_json: tuple[str, ...]
    user_id: str
    timeout_seconds: int | None = bounded(30, 300)


@attrs.frozen
class EndConference(Command):
    """The agent ``UserId`` leaves the conference; the others talk on."""

    job_id: str
    user_id: str


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
        BlindTransfer,
        InitiateAttendedTransfer,
        CompleteAttendedTransfer,
        CancelAttendedTransfer,
        SwitchToConference,
        StartConference,
        EndConference,
        MuteCall,
        UnmuteCall,
        SendDtmfSignaling,
        ChangeVisibility,
        *SUPERVISION_COMMANDS,
        *DEVICE_COMMANDS,
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
        IvrRouted,
    )
}
