"""Entity records: the agent (``UserContext``), the call (``CallContext``) and its legs.

Records are small slotted attrs classes that carry the state attributes the machines of
``_states`` drive. They are mutated only by the domain's decide step, and only on working copies
(a store makes them from its stored form) that the engine commits whole or throws away, so a
rejected command never touches stored state. How a record is stored or rendered as JSON is the
stores' business (``callstate/engine``), not the domain's.

Hold accounting is derived from each leg's hold intervals (count, total, longest); nothing is
counted twice because nothing is counted at all. The intervals are an immutable linked list of
plain tuples (:class:`Holds`), so holding and retrieving cost the same however often a leg was
held before, and a store can keep a leg's history as atomic values only, held or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import Enum
from typing import Any

import attrs

from ._states import ChannelState, HoldState, JobState, MuteState, SupervisionMode, UserState
from ._world import UserProfile, WorkMode

__all__ = [
    "ATTENDED_TRANSFER",
    "BLIND_TRANSFER",
    "CHANNEL_FLAGS",
    "CONFERENCE",
    "CONSULTANT",
    "CONSULTED",
    "CallType",
    "Channel",
    "HoldInterval",
    "Holds",
    "Job",
    "MuteInterval",
    "Party",
    "User",
]

#: A consultation leg's ``CallType``.
CONSULTANT = "CONSULTANT"
#: A conference member's leg's ``CallType`` (a switched consultation, or StartConference's),
#: and its ``scenario``.
CONFERENCE = "CONFERENCE"
#: A leg's ``scenario`` (the events' dial scenario): why the leg is in the call. A blind
#: transfer's target, and the transferor's leg it released.
BLIND_TRANSFER = "BLIND_TRANSFER"
#: An attended transfer's consultee once it took the call, and the initiator's leg it released.
ATTENDED_TRANSFER = "ATTENDED_TRANSFER"
#: A consultation's leg, while it is one.
CONSULTED = "CONSULTED"


class CallType(Enum):
    """``CallType``: how the call was first created (only the ones this engine makes)."""

    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"
    CONFERENCE = "CONFERENCE"  # StartConference: a new call of agents
    INTERNAL = "INTERNAL"  # MakeCall to an agent's extension: a call of two agents


class Party(Enum):
    """Whose leg a channel is: the customer's, an agent's, or a number outside the centre's.

    The value is the leg id's kind: ``ch:customer:``, ``ch:user:``, ``ch:external:``.
    """

    CUSTOMER = "customer"
    USER = "user"
    EXTERNAL = "external"  # a number the centre dialled: a forward, a transfer, a consultation


@attrs.frozen
class HoldInterval:
    """One hold of one leg: from ``start_ms`` to ``end_ms`` (``None`` while still held)."""

    start_ms: int
    end_ms: int | None
    music: str
    by_user: str

    def duration(self) -> int:
        """Held milliseconds; an open interval counts 0 until it closes."""
        return 0 if self.end_ms is None else self.end_ms - self.start_ms


class Holds:
    """A leg's hold intervals, newest first in a chain of plain tuples, iterated oldest first.

    The chain is ``(size, start_ms, end_ms, music, by_user, older)``, ``older`` being the same
    shape or ``None``: atomic values only, so a store that keeps :attr:`chain` as it is keeps a
    leg invisible to the collector however often it was held. Adding an interval or closing
    the newest one is O(1) and copies nothing, so every working copy of a leg shares its
    history; walking it (for the call detail record) is O(n) once.
    """

    __slots__ = ("chain",)

    def __init__(self, chain: tuple[Any, ...] | None = None) -> None:
        self.chain = chain

    @staticmethod
    def of(intervals: Iterable[HoldInterval]) -> Holds:
        """The history of these intervals, given oldest first (none: :data:`NO_HOLDS`)."""
        holds = NO_HOLDS
        for interval in intervals:
            holds = holds.add(interval)
        return holds

    @property
    def newest(self) -> HoldInterval | None:
        """The latest interval (open while the leg is held), if any."""
        node = self.chain
        return None if node is None else HoldInterval(node[1], node[2], node[3], node[4])

    def add(self, interval: HoldInterval) -> Holds:
        """These intervals and a newer one."""
        return Holds((len(self) + 1, *_fields(interval), self.chain))

    def replace_newest(self, interval: HoldInterval) -> Holds:
        """These intervals with the newest one replaced (closed)."""
        assert self.chain is not None, "only a leg held before has a newest interval"
        return Holds((self.chain[0], *_fields(interval), self.chain[5]))

    def opened(self, start_ms: int, music: str, by_user: str) -> Holds:
        """These intervals and a newer, open one: ``add`` with no interval object built."""
        return Holds((len(self) + 1, start_ms, None, music, by_user, self.chain))

    def closed(self, end_ms: int) -> Holds:
        """These intervals with the newest (open) one closed at ``end_ms``.

        ``replace_newest`` with the newest interval ended, made from the chain directly: no
        interval object is built (a RetrieveCall would build two).
        """
        node = self.chain
        assert node is not None and node[2] is None, "a held leg has an open interval"
        return Holds((node[0], node[1], end_ms, *node[3:]))

    def __iter__(self) -> Iterator[HoldInterval]:
        newest_first: list[HoldInterval] = []
        node = self.chain
        while node is not None:
            newest_first.append(HoldInterval(node[1], node[2], node[3], node[4]))
            node = node[5]
        return reversed(newest_first)

    def __len__(self) -> int:
        return 0 if self.chain is None else int(self.chain[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Holds):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Holds({list(self)!r})"


def _fields(h: HoldInterval) -> tuple[int, int | None, str, str]:
    return h.start_ms, h.end_ms, h.music, h.by_user


NO_HOLDS = Holds()

#: The ``ChannelFlags`` of a leg not held, by its supervision mode (barged in: a plain party).
SUPERVISION_FLAGS: dict[SupervisionMode, str] = {
    SupervisionMode.NONE: "",
    SupervisionMode.MONITORING: "MONITORING",
    SupervisionMode.COACHING: "COACHING",
    SupervisionMode.BARGED_IN: "",
}


@attrs.frozen
class MuteInterval:
    """One mute of one leg: from ``start_ms`` to ``end_ms`` (``None`` while still muted)."""

    start_ms: int
    end_ms: int | None
    by_user: str

    def duration(self) -> int:
        """Muted milliseconds; an open interval counts 0 until it closes."""
        return 0 if self.end_ms is None else self.end_ms - self.start_ms


#: ``ChannelFlags`` by the leg's two regions: hold and mute, comma-joined when both are set.
CHANNEL_FLAGS: dict[tuple[HoldState, MuteState], str] = {
    (HoldState.ACTIVE, MuteState.UNMUTED): "",
    (HoldState.HELD, MuteState.UNMUTED): "HOLD",
    (HoldState.ACTIVE, MuteState.MUTED): "MUTE",
    (HoldState.HELD, MuteState.MUTED): "HOLD,MUTE",
}


@attrs.define(slots=True)
class User:
    """An agent: the provisioned profile plus the live ``UserContext``."""

    user_id: str
    instance_id: str
    extension: str
    mobile: str
    work_mode: WorkMode
    skill_group_ids: tuple[str, ...]
    state: UserState = UserState.OFFLINE
    break_code: str = ""
    device_id: str = ""
    chat_device_id: str = ""
    signed_skill_group_ids: tuple[str, ...] = ()
    job_id: str = ""
    heartbeat: int = 0
    reserved: int = 0
    outbound_scenario: bool = False
    #: The instant the agent entered its state (the agent table stamps it).
    state_since: int = 0
    #: Calls answered since the agent last signed in (the FEWEST_CALLS strategy's count).
    calls_answered: int = 0
    #: The SIP phone RegisterDevice registered for the agent ("": none ever registered).
    registered_device: str = ""
    #: When that registration lapses unless renewed (the device is offline from then on).
    registration_expires_ms: int = 0

    @classmethod
    def from_profile(cls, profile: UserProfile, instance_id: str) -> User:
        """A signed-out agent as provisioned."""
        return cls(
            user_id=profile.user_id,
            instance_id=instance_id,
            extension=profile.extension,
            mobile=profile.mobile,
            work_mode=profile.work_mode,
            skill_group_ids=profile.skill_group_ids,
        )


@attrs.define(slots=True)
class Channel:
    """A call leg (``ChannelContext``) with its hold region and hold intervals."""

    channel_id: str
    job_id: str
    party: Party
    originator: str
    destination: str
    skill_group_id: str
    user_id: str
    user_extension: str
    timestamp: int
    media_type: str = "AUDIO"
    state: ChannelState = ChannelState.CREATED
    hold_state: HoldState = HoldState.ACTIVE
    release_initiator: str = ""
    release_reason: str = ""
    holds: Holds = NO_HOLDS
    #: Whether the open hold outlasted the instance's ``maxHoldMs`` (its agent was told).
    recalled: bool = False
    #: The leg's own ``CallType`` (``CONSULTANT`` for a consultation); "" is the call's.
    call_type: str = ""
    #: When the leg was answered (0: never): an agent's talk time starts here at the earliest.
    answered_ms: int = 0
    mute_state: MuteState = MuteState.UNMUTED
    #: The leg's mutes, oldest first; the newest is open while the leg is muted.
    mutes: tuple[MuteInterval, ...] = ()
    #: A supervisor's leg: what it does in the call (``NONE`` for every other leg).
    supervision: SupervisionMode = SupervisionMode.NONE
    #: Why the leg is in the call, as its events' ``scenario`` says ("": it is the call's own),
    #: set by the row that made it part of a transfer, a consultation or a conference.
    scenario: str = ""
    #: How long an offer on this leg rings before it rings out (0: the instance's
    #: ``ringTimeoutMs``): the ``TimeoutSeconds`` of the transfer, consultation, conference
    #: or internal MakeCall that offered it.
    ring_timeout_ms: int = 0

    @property
    def held(self) -> bool:
        """Whether the leg is on hold (only an ANSWERED leg can be)."""
        return self.hold_state is HoldState.HELD

    @property
    def live(self) -> bool:
        """Whether the leg is not released."""
        return self.state is not ChannelState.RELEASED

    @property
    def muted(self) -> bool:
        """Whether the leg is muted (only an ANSWERED leg can be)."""
        return self.mute_state is MuteState.MUTED

    @property
    def flags(self) -> str:
        """``ChannelFlags``: ``HOLD``, ``MUTE`` (:data:`CHANNEL_FLAGS`), else a supervisor's."""
        return (
            CHANNEL_FLAGS[self.hold_state, self.mute_state] or SUPERVISION_FLAGS[self.supervision]
        )

    @property
    def written_state(self) -> str:
        """The state as error messages write it: ``HELD`` for a held leg (SPEC §3.2)."""
        return "HELD" if self.held else self.state.value

    @property
    def hold_count(self) -> int:
        """How many times the leg was put on hold."""
        return len(self.holds)

    @property
    def held_ms(self) -> int:
        """Total closed hold time."""
        return sum(h.duration() for h in self.holds)

    @property
    def longest_hold_ms(self) -> int:
        """The longest closed hold."""
        return max((h.duration() for h in self.holds), default=0)


@attrs.define(slots=True)
class Job:
    """A call (``CallContext``): its legs in creation order and how it ends."""

    job_id: str
    instance_id: str
    call_type: CallType
    caller: str
    callee: str
    created_ms: int
    skill_group_id: str = ""
    state: JobState = JobState.ACTIVE
    channels: list[Channel] = attrs.field(factory=list)
    established_ms: int = 0
    ended_ms: int = 0
    timeout_ms: int = 0
    #: While QUEUED, the instant the call ends unless an agent is offered it first (else 0).
    queue_deadline_ms: int = 0
    release_initiator: str = ""
    release_reason: str = ""
    disposition: str = ""
    #: The queue callstate distributes the call from (``SkillGroup/<id>`` or ``Agent/<id>``);
    #: "" for a call whose offers the embedder's switch makes (``CallOffered``).
    queue: str = ""
    #: ``CallPriority``: 0 (highest) to 9; a queue is ordered by it, then by :attr:`queued_ms`.
    priority: int = 5
    #: When the call joined its queue: its place in it, kept when an offer is declined.
    queued_ms: int = 0
    #: The consultation leg while a consultation is under way (set by its initiation, cleared
    #: when it is completed or cancelled); "" otherwise.
    consulting: str = ""
    #: The ``scenario`` of the legs routing offers the call on ("": none), ``BLIND_TRANSFER``
    #: once it was blind-transferred to a skill group.
    scenario: str = ""

    def channel(self, channel_id: str) -> Channel | None:
        """The leg with this id, if the call has it."""
        for ch in self.channels:
            if ch.channel_id == channel_id:
                return ch
        return None

    def leg_of(self, user_id: str) -> Channel | None:
        """The user's most recent leg in this call."""
        for ch in reversed(self.channels):
            if ch.party is Party.USER and ch.user_id == user_id:
                return ch
        return None

    def consultation(self) -> Channel | None:
        """The consultation leg, while one is under way (its leg live)."""
        leg = self.channel(self.consulting) if self.consulting else None
        return leg if leg is not None and leg.live else None

    @property
    def live_agent_legs(self) -> list[Channel]:
        """Agent legs not yet released."""
        return [c for c in self.channels if c.party is Party.USER and c.live]
