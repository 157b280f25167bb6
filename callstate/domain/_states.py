"""The state machines of callstate: one table, and one transitions ``Machine``, per entity kind.

Theory of operation (the rules of this file):

1. Every change of a state attribute (``User.state``, ``Channel.state``, ``Channel.hold_state``,
   ``Job.state``) happens by firing a trigger of the machine for that kind. Nothing else assigns
   them, so these tables are the whole truth, and ``docs/state-machines.md`` is generated from
   them.
2. Each machine is built once, at import, with ``model=None``: records are plain attrs objects
   and are never registered with a machine (no ``add_model``, no per-object bound methods).
   Firing runs the machine's own ``Transition`` for (trigger, current state), found once at
   import: ``transition.execute(EventData(...))``, the code ``Event.trigger`` ends in after
   looking the transition up, which our table has already done (and checked, rule 4).
3. A row whose destination is ``None`` is a *guard-only* row: the action is allowed in that state
   and changes no state (HoldCall needs a TALKING agent and leaves it TALKING). Guard-only rows
   are checked, never fired.
4. When a (state, trigger) pair is not in the table, the action is refused with an error whose
   Params are the current state and the allowed ones, alphabetically; the allowed states are read
   from the machine, never written twice.
5. Hold is an orthogonal region of ``ANSWERED``: ``ChannelState`` stays ``ANSWERED`` while the
   hold region is ``HELD``. In error messages a held channel's state is written ``HELD``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, Generic, TypeVar

from transitions import Machine
from transitions.core import Event, EventData, State, Transition

__all__ = [
    "AGENT",
    "CHANNEL",
    "HOLD",
    "JOB",
    "ChannelState",
    "HoldState",
    "JobState",
    "StateTable",
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


class JobState(Enum):
    """A call (job) as a whole."""

    ACTIVE = "ACTIVE"  # at least one agent leg is live, or an offer to an agent is ringing
    QUEUED = "QUEUED"  # the customer waits for an agent: the offer to the last one was withdrawn
    ENDED = "ENDED"  # every leg is released; kept for PollUserStatus until the retention passes


U, C, H, J = UserState, ChannelState, HoldState, JobState
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
    ("ring_timeout",      U.RINGING,                                U.BREAK),
    ("offer_rejected",    U.RINGING,                                U.BREAK),
    ("abandoned",         U.RINGING,                                U.READY),
    ("far_end_answered",  U.DIALING,                                U.TALKING),
    ("dial_ended",        U.DIALING,                                U.WORKING),
    ("own_leg_released",  U.TALKING,                                U.WORKING),
    ("ChangeWorkMode",    [U.OFFLINE, U.READY, U.BREAK, U.WORKING], None),
    ("SignOutGroup",      [U.READY, U.BREAK, U.WORKING],            U.OFFLINE),
    ("ResetAgentState",   ANY,                                      U.OFFLINE),
    ("PollUserStatus",    ANY,                                      None),
    ("HoldCall",          U.TALKING,                                None),
    ("RetrieveCall",      U.TALKING,                                None),
    ("ReleaseCall",       [U.DIALING, U.TALKING],                   None),
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
)  # fmt: skip

# Job (SPEC §3.3)     trigger          from                      to
JOB_ROWS: Sequence[tuple[str, Any, JobState | None]] = (
    ("requeue",        J.ACTIVE,               J.QUEUED),
    ("reoffer",        J.QUEUED,               J.ACTIVE),
    ("queue_timeout",  J.QUEUED,               None),  # the call ends: ``end`` fires
    ("end",            [J.ACTIVE, J.QUEUED],   J.ENDED),
)  # fmt: skip


S = TypeVar("S", bound=Enum)


def _value(state: Enum) -> str:
    return str(state.value)


# --- transitions, tuned through its own extension points (state_cls, transition_cls) ----------
# Our tables have no callbacks: no conditions, no before/after, no on_enter/on_exit. For such a
# transition, transitions still builds log messages (reading each State's name: two property
# calls per read for an Enum state), walks empty callback lists and converts Enum members to
# names on every lookup. These subclasses skip exactly that work when there is nothing to call,
# and defer to transitions otherwise, so a state change is still transitions' own
# ``Transition._change_state`` (exit, set_state, enter), at about a third of the cost.
class _State(State):
    """A State whose name is computed once, and which skips enter/exit when it has no callbacks."""

    def __init__(self, name: str | Enum, *args: Any, **kwargs: Any) -> None:
        super().__init__(name, *args, **kwargs)
        self._plain_name = name.name if isinstance(name, Enum) else name

    @property
    def name(self) -> str:
        """The state's name (transitions computes it on every read)."""
        return self._plain_name

    def enter(self, event_data: EventData) -> None:
        """Run on_enter callbacks, if there are any."""
        if self.on_enter:
            super().enter(event_data)

    def exit(self, event_data: EventData) -> None:
        """Run on_exit callbacks, if there are any."""
        if self.on_exit:
            super().exit(event_data)


class _Transition(Transition):
    """A Transition that goes straight to the state change when no callback could run."""

    def execute(self, event_data: EventData) -> bool:
        """Change the state; transitions' full procedure whenever callbacks are configured."""
        machine = event_data.machine
        if (self.prepare or self.conditions or self.before or self.after
                or machine.before_state_change or machine.after_state_change):  # fmt: skip
            return bool(super().execute(event_data))
        if self.dest is not None:
            self._change_state(event_data)
        return True


class _Machine(Machine):
    """A Machine of :class:`_State` and :class:`_Transition` that looks states up in a dict."""

    state_cls = _State
    transition_cls = _Transition

    def add_states(self, *args: Any, **kwargs: Any) -> None:
        """Add states, and index them by name and by Enum member."""
        super().add_states(*args, **kwargs)
        self._by_key: dict[Any, State] = {}
        for state in self.states.values():
            self._by_key[state.name] = self._by_key[state.value] = state

    def get_state(self, state: Any) -> State:
        """The State for a name or an Enum member (transitions' errors for anything else)."""
        try:
            return self._by_key[state]
        except (KeyError, TypeError):
            found: State = super().get_state(state)
            return found


class StateTable(Generic[S]):
    """One entity kind's table and the single transitions ``Machine`` built from it.

    :meth:`allows` and :meth:`expected` answer from the machine's own transition lists;
    :meth:`fire` lets transitions perform the change on the record's attribute.
    """

    def __init__(
        self,
        kind: str,
        states: type[S],
        rows: Sequence[tuple[str, Any, S | None]],
        attribute: str,
        initial: S,
    ) -> None:
        self.attribute = attribute
        self.initial = initial
        self.machine = _Machine(
            model=None,
            states=list(states),
            initial=None,
            transitions=[{"trigger": t, "source": src, "dest": dest} for t, src, dest in rows],
            auto_transitions=False,
            model_attribute=attribute,
            name=kind,
        )
        # Tuples, not sets: a few Enum members compare by identity, while a set would call
        # Enum's __hash__, which is Python code in 3.11.
        self._allowed: dict[str, tuple[S, ...]] = {
            trigger: tuple(states[name] for name in event.transitions)
            for trigger, event in self.machine.events.items()
        }
        # (trigger, state name) -> what Event.trigger would find: the event, the source State
        # object and the first transition (a table has one transition per pair).
        self._steps: dict[tuple[str, str], tuple[Event, State, Transition]] = {
            (trigger, source): (event, self.machine.get_state(source), found[0])
            for trigger, event in self.machine.events.items()
            for source, found in event.transitions.items()
        }

    def allows(self, record: object, trigger: str) -> bool:
        """Whether the record's current state has a row for ``trigger``."""
        state: S = getattr(record, self.attribute)
        return state in self._allowed[trigger]

    def expected(self, trigger: str, written: Callable[[S], str] = _value) -> str:
        """The states that allow ``trigger``, comma-joined alphabetically (CCC's error Params).

        ``written`` names a state as messages write it (the hold region writes ACTIVE as
        ``ANSWERED``).
        """
        return ",".join(sorted(written(s) for s in self._allowed[trigger]))

    def fire(self, record: object, trigger: str) -> None:
        """Let the machine change the record's state; the caller has checked :meth:`allows`."""
        event, source, transition = self._steps[trigger, getattr(record, self.attribute)._name_]
        transition.execute(EventData(source, event, self.machine, record, (), {}))


AGENT: StateTable[UserState] = StateTable("agent", UserState, AGENT_ROWS, "state", U.OFFLINE)
CHANNEL: StateTable[ChannelState] = StateTable(
    "channel", ChannelState, CHANNEL_ROWS, "state", C.CREATED
)
HOLD: StateTable[HoldState] = StateTable("hold", HoldState, HOLD_ROWS, "hold_state", H.ACTIVE)
JOB: StateTable[JobState] = StateTable("job", JobState, JOB_ROWS, "state", J.ACTIVE)
