"""The state machines of callstate: one table, and one transitions ``Machine``, per entity kind.

Theory of operation (the rules of this file):

1. Every change of a state attribute (``User.state``, ``Channel.state``, ``Channel.hold_state``,
   ``Job.state``) is ``TABLE.move(record, trigger)``. Nothing else assigns them, so these
   tables are the whole truth, and ``docs/state-machines.md`` is generated from them.
2. The guard and the change are one row: ``move`` finds the row for (trigger, current state) and
   applies it, or raises the table's catalogued refusal. No caller asks first and fires later.
3. Each table is defined as one transitions ``Machine``, built once at import with
   ``model=None`` from the rows below; its public ``events`` are compiled into the lookup that
   ``move`` reads (records are never registered with a machine). transitions remains the
   definition, the diagrams' source and, in the tests, a differential oracle.
4. A row whose destination is ``None`` is a *guard-only* row: the action is allowed in that state
   and changes no state (HoldCall needs a TALKING agent and leaves it TALKING).
5. When a (state, trigger) pair is not in the table, the refusal's Params are the current state
   and the allowed ones, alphabetically, read from the machine, never written twice.
6. Regions are declared: hold is a region of ``ANSWERED`` (``Region(CHANNEL, ANSWERED)``), so a
   leg that is not answered refuses every hold trigger. ``ChannelState`` stays ``ANSWERED``
   while the hold region is ``HELD``; in error messages a held channel's state is ``HELD``.
   Mute is a second region of ``ANSWERED``, independent of hold: a leg can be held and muted.
7. Coupled transitions (a released leg moves its agent; the last agent leg gone requeues or
   ends the call) are the release cascade's tables, beside these in ``_cascade.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from operator import attrgetter
from typing import Any, Generic, TypeVar

import attrs
from transitions import Machine

from ._errors import (
    CCCError,
    InvalidOperationCallState,
    InvalidOperationChannelState,
    InvalidOperationUserState,
)

__all__ = [
    "AGENT",
    "CHANNEL",
    "HOLD",
    "JOB",
    "MUTE",
    "SUPERVISION",
    "TABLES",
    "ChannelState",
    "HoldState",
    "JobState",
    "MuteState",
    "Region",
    "StateTable",
    "SupervisionMode",
    "TableRefusal",
    "UserState",
]


class UserState(Enum):
    """An agent's state (``UserContext.UserState``), exactly CCC's values."""

    OFFLINE = "OFFLINE"
    READY = "READY"
    BREAK = "BREAK"
    DIALING = "DIALING"
    RINGING = "RINGING"
    TALKING = "TALKING"
    WORKING = "WORKING"


class ChannelState(Enum):
    """A call leg's lifecycle (``ChannelContext.ChannelState``), exactly CCC's values."""

    NONE = "NONE"
    CREATED = "CREATED"
    EARLY_MEDIA = "EARLY_MEDIA"
    RINGING = "RINGING"
    ANSWERED = "ANSWERED"
    RELEASED = "RELEASED"
    RETIRED = "RETIRED"


class HoldState(Enum):
    """The hold region inside ``ANSWERED``: the leg's media is flowing or suspended."""

    ACTIVE = "ACTIVE"
    HELD = "HELD"


class MuteState(Enum):
    """The mute region inside ``ANSWERED``, beside hold: the leg's outgoing audio is cut or not."""

    UNMUTED = "UNMUTED"
    MUTED = "MUTED"


class JobState(Enum):
    """A call (job) as a whole."""

    ACTIVE = "ACTIVE"  # an agent leg is live, an offer rings, or a number outside is dialled
    QUEUED = "QUEUED"  # the customer waits for an agent: just arrived, or an offer was withdrawn
    ENDED = "ENDED"  # every leg is released; kept for PollUserStatus until the retention passes


class SupervisionMode(Enum):
    """What a supervisor's leg does in the call it supervises (``NONE``: not supervising)."""

    NONE = "NONE"
    MONITORING = "MONITORING"  # listens; nobody hears the supervisor
    COACHING = "COACHING"  # whispers: the agent hears the supervisor, the customer does not
    BARGED_IN = "BARGED_IN"  # speaks: a three-party call


U, C, H, J, M = UserState, ChannelState, HoldState, JobState, MuteState
V = SupervisionMode
ANY = "*"

# Agent (SPEC §3.1)   trigger             from                                  to
AGENT_ROWS: Sequence[tuple[str, Any, UserState | None]] = (
    ("SignInGroup",       U.OFFLINE,                                U.READY),
    ("SignInGroup",       [U.READY, U.BREAK, U.WORKING],            None),
    ("ReadyForService",   [U.BREAK, U.READY, U.WORKING],            U.READY),
    ("TakeBreak",         [U.READY, U.BREAK, U.WORKING],            U.BREAK),
    ("MakeCall",          U.READY,                                  U.DIALING),
    ("offered",           U.READY,                                  U.RINGING),
    ("AnswerCall",        U.RINGING,                                U.TALKING),
    ("ClaimCall",         U.READY,                                  U.RINGING),
    ("ring_timeout",      U.RINGING,                                U.BREAK),
    ("offer_rejected",    U.RINGING,                                U.BREAK),
    ("abandoned",         U.RINGING,                                U.READY),
    ("far_end_answered",  U.DIALING,                                U.TALKING),
    ("dial_ended",        U.DIALING,                                U.WORKING),
    ("own_leg_released",  U.TALKING,                                U.WORKING),
    ("wrap_up_ended",     U.WORKING,                                U.READY),
    ("ChangeWorkMode",    [U.OFFLINE, U.READY, U.BREAK, U.WORKING], None),
    ("SignOutGroup",      [U.READY, U.BREAK, U.WORKING],            U.OFFLINE),
    ("ResetAgentState",   ANY,                                      U.OFFLINE),
    ("heartbeat_lost",    [U.READY, U.BREAK, U.DIALING, U.RINGING, U.TALKING, U.WORKING],
                                                                    U.OFFLINE),
    ("PollUserStatus",    ANY,                                      None),
    ("HoldCall",          U.TALKING,                                None),
    ("RetrieveCall",      U.TALKING,                                None),
    ("ReleaseCall",       [U.DIALING, U.RINGING, U.TALKING],        None),  # ringing: declines
    ("BlindTransfer",     U.TALKING,                                None),
    ("InitiateAttendedTransfer", U.TALKING,                         None),
    ("CompleteAttendedTransfer", U.TALKING,                         None),
    ("CancelAttendedTransfer",   U.TALKING,                         None),
    ("SwitchToConference",       U.TALKING,                         None),
    ("StartConference",          U.READY,                           U.TALKING),
    ("EndConference",            U.TALKING,                         None),
    ("MuteCall",          U.TALKING,                                None),
    ("UnmuteCall",        U.TALKING,                                None),
    ("SendDtmfSignaling", U.TALKING,                                None),
    ("ChangeVisibility",  [U.READY, U.BREAK, U.WORKING],            None),
    # Supervision: a supervisor starts from READY (so supervises one call at a time), the
    # supervised agent must be talking, and a supervisor's leg ends straight in READY.
    ("MonitorCall",       U.READY,                                  U.TALKING),
    ("CoachCall",         U.READY,                                  U.TALKING),
    ("BargeInCall",       U.READY,                                  U.TALKING),
    ("InterceptCall",     U.READY,                                  U.TALKING),
    ("supervised",        U.TALKING,                                None),
    ("supervision_ended", U.TALKING,                                U.READY),
)  # fmt: skip

# Channel lifecycle (SPEC §3.2): a leg is created in CREATED (the machine's initial state).
#                       trigger   from                                         to
CHANNEL_ROWS: Sequence[tuple[str, Any, ChannelState | None]] = (
    ("early_media",  C.CREATED,                                      C.EARLY_MEDIA),
    ("ring",         [C.CREATED, C.EARLY_MEDIA],                     C.RINGING),
    ("answer",       [C.CREATED, C.EARLY_MEDIA, C.RINGING],          C.ANSWERED),
    ("refuse",       [C.CREATED, C.EARLY_MEDIA, C.RINGING],          C.RELEASED),
    ("release",      [C.CREATED, C.EARLY_MEDIA, C.RINGING, C.ANSWERED], C.RELEASED),
)  # fmt: skip

# Hold region of ANSWERED (SPEC §3.2, §4)  trigger   from                to
HOLD_ROWS: Sequence[tuple[str, Any, HoldState | None]] = (
    ("hold",      H.ACTIVE,            H.HELD),
    ("retrieve",  H.HELD,              H.ACTIVE),
    ("leave",     H.HELD,              H.ACTIVE),  # a held leg leaves ANSWERED: the region resets
    ("send_dtmf", H.ACTIVE,            None),  # tones go on an answered leg that is not held
    ("ivr_route", H.ACTIVE,            None),  # and the far end's IVR answers them there
)  # fmt: skip

# Mute region of ANSWERED, independent of hold  trigger   from          to
MUTE_ROWS: Sequence[tuple[str, Any, MuteState | None]] = (
    ("mute",      M.UNMUTED,           M.MUTED),
    ("unmute",    M.MUTED,             M.UNMUTED),
    ("leave",     M.MUTED,             M.UNMUTED),  # a muted leg leaves ANSWERED: the region resets
)  # fmt: skip

# A supervisor's leg (its ``supervision``): a new leg starts at NONE; coaching and barging in
# only escalate; an intercepting supervisor's leg becomes the call's agent leg (NONE again).
#                       trigger          from                                       to
SUPERVISION_ROWS: Sequence[tuple[str, Any, SupervisionMode | None]] = (
    ("MonitorCall",   V.NONE,                                        V.MONITORING),
    ("CoachCall",     [V.NONE, V.MONITORING],                        V.COACHING),
    ("BargeInCall",   [V.NONE, V.MONITORING, V.COACHING],            V.BARGED_IN),
    ("InterceptCall", [V.NONE, V.MONITORING, V.COACHING, V.BARGED_IN], V.NONE),
)  # fmt: skip

# Job (SPEC §3.3)     trigger          from                      to
JOB_ROWS: Sequence[tuple[str, Any, JobState | None]] = (
    ("enqueue",        J.ACTIVE,               J.QUEUED),  # an arrival joins its queue
    ("requeue",        J.ACTIVE,               J.QUEUED),
    ("overflow",       J.QUEUED,               None),  # it moves to another group's queue
    ("transfer",       J.ACTIVE,               J.QUEUED),  # blind transfer to a skill group
    ("forward",        [J.ACTIVE, J.QUEUED],   J.ACTIVE),  # a number outside is dialled
    ("reoffer",        J.QUEUED,               J.ACTIVE),
    ("queue_timeout",  J.QUEUED,               None),  # the call ends: ``end`` fires
    ("end",            [J.ACTIVE, J.QUEUED],   J.ENDED),
)  # fmt: skip


S = TypeVar("S", bound=Enum)


def _value(state: Enum) -> str:
    return str(state.value)


def _hold_written(state: Enum) -> str:
    """The hold region as messages write it: an active answered leg is ``ANSWERED``."""
    return "ANSWERED" if state is HoldState.ACTIVE else str(state.value)


def _mute_written(state: Enum) -> str:
    """The mute region as messages write it: an unmuted answered leg is ``ANSWERED``."""
    return "ANSWERED" if state is MuteState.UNMUTED else str(state.value)


def _mute_current(record: Any) -> str:
    """A muted leg is ``MUTED`` in the mute region's refusals, else as the channel writes it."""
    return "MUTED" if record.mute_state is MuteState.MUTED else str(record.written_state)


@attrs.frozen
class TableRefusal:
    """How a table refuses a trigger: the catalogued error and how states are written in it.

    ``current`` writes the record's state for the error's first Param (a held leg is ``HELD``
    whatever table refused it); ``written`` writes each allowed state for the second.
    """

    error: type[CCCError]
    current: Callable[[Any], str]
    written: Callable[[Any], str] = _value


@attrs.frozen
class Region:
    """A table whose states exist only while a record is in one state of another table.

    The hold region lives inside ``ANSWERED``: a leg that is not answered has no hold state to
    move, so every trigger of the region is refused there.
    """

    parent: StateTable[Any]
    within: Enum


class StateTable(Generic[S]):
    """One entity kind's table, its transitions ``Machine``, and the moves compiled from it.

    The ``Machine`` (built once, ``model=None``) is the definition and the diagrams' source.
    At import its public ``events`` are compiled into one dict, (trigger, state) -> next state,
    which :meth:`move` reads: a state change and its guard are one lookup in the same row. A
    pair the machine has no transition for is refused with the table's catalogued error; the
    differential test (``tests/test_state_tables.py``) fires transitions' own triggers on a
    model for generated sequences and requires the same states and the same refusals.
    """

    def __init__(
        self,
        kind: str,
        states: type[S],
        rows: Sequence[tuple[str, Any, S | None]],
        attribute: str,
        initial: S,
        refusal: TableRefusal,
        region: Region | None = None,
        stamp: str | None = None,
    ) -> None:
        self.kind = kind
        self.stamp = stamp
        self.attribute = attribute
        self.initial = initial
        self.refusal = refusal
        self.region = region
        self.machine = Machine(
            model=None,
            states=list(states),
            initial=None,
            transitions=[{"trigger": t, "source": src, "dest": dest} for t, src, dest in rows],
            auto_transitions=False,
            model_attribute=attribute,
            name=kind,
        )
        # A guard-only row (dest None) moves a record to the state it is in. Keyed by the
        # state's name: an Enum member hashes through a Python-level ``__hash__``, a str does not
        # (two moves a HoldCall).
        self._moves: dict[tuple[str, str], S] = {
            (trigger, source): states[found[0].dest] if found[0].dest else states[source]
            for trigger, event in self.machine.events.items()
            for source, found in event.transitions.items()
        }
        self._allowed: dict[str, str] = {
            trigger: ",".join(sorted(refusal.written(states[s]) for s in event.transitions))
            for trigger, event in self.machine.events.items()
        }

    @property
    def triggers(self) -> tuple[str, ...]:
        """Every trigger of the table, in the table's order."""
        return tuple(self.machine.events)

    def allows(self, record: object, trigger: str) -> bool:
        """Whether the table has a row for ``trigger`` from the record's state (region included)."""
        region = self.region
        if region is not None and getattr(record, region.parent.attribute) is not region.within:
            return False
        return (trigger, getattr(record, self.attribute)._name_) in self._moves

    def expected(self, trigger: str) -> str:
        """The states that allow ``trigger``, written and comma-joined alphabetically."""
        return self._allowed[trigger]

    def move(self, record: object, trigger: str, now: int = -1) -> None:
        """Apply the row for (``trigger``, the record's state), or raise the table's refusal.

        A guard-only row leaves the state as it is; either way the guard and the change come
        from the same row. A table with a ``stamp`` attribute writes ``now`` there whenever
        the state changes (the agent's ``state_since``), so every such move passes ``now``.
        """
        region = self.region
        if region is None or getattr(record, region.parent.attribute) is region.within:
            current = getattr(record, self.attribute)
            dest = self._moves.get((trigger, current._name_))
            if dest is not None:
                if self.stamp is not None and dest is not current:
                    assert now >= 0, f"{self.kind} moves are stamped: pass now"
                    setattr(record, self.stamp, now)
                setattr(record, self.attribute, dest)
                return
        refusal = self.refusal
        raise refusal.error(refusal.current(record), self._allowed[trigger])


def _state_written(record: Any) -> str:
    return str(record.state.value)


def _supervision_written(record: Any) -> str:
    return str(record.supervision.value)


AGENT: StateTable[UserState] = StateTable(
    "agent", UserState, AGENT_ROWS, "state", U.OFFLINE,
    TableRefusal(InvalidOperationUserState, _state_written), stamp="state_since",
)  # fmt: skip
CHANNEL: StateTable[ChannelState] = StateTable(
    "channel", ChannelState, CHANNEL_ROWS, "state", C.CREATED,
    TableRefusal(InvalidOperationChannelState, attrgetter("written_state")),
)  # fmt: skip
HOLD: StateTable[HoldState] = StateTable(
    "hold", HoldState, HOLD_ROWS, "hold_state", H.ACTIVE,
    TableRefusal(InvalidOperationChannelState, attrgetter("written_state"), _hold_written),
    Region(CHANNEL, C.ANSWERED),
)  # fmt: skip
MUTE: StateTable[MuteState] = StateTable(
    "mute", MuteState, MUTE_ROWS, "mute_state", M.UNMUTED,
    TableRefusal(InvalidOperationChannelState, _mute_current, _mute_written),
    Region(CHANNEL, C.ANSWERED),
)  # fmt: skip
JOB: StateTable[JobState] = StateTable(
    "job", JobState, JOB_ROWS, "state", J.ACTIVE,
    TableRefusal(InvalidOperationCallState, _state_written),
)  # fmt: skip
SUPERVISION: StateTable[SupervisionMode] = StateTable(
    "supervision", SupervisionMode, SUPERVISION_ROWS, "supervision", V.NONE,
    TableRefusal(InvalidOperationChannelState, _supervision_written),
)  # fmt: skip

#: Every table, by its kind: what a test or a tool walks to see every row.
TABLES: dict[str, StateTable[Any]] = {
    t.kind: t for t in (AGENT, CHANNEL, HOLD, MUTE, SUPERVISION, JOB)
}
