"""Entity records: the agent (``UserContext``), the call (``CallContext``) and its legs.

Records are small slotted attrs classes that carry the state attributes the machines of
``_states`` drive. They are mutated only by the domain's decide step, and only on working copies
(:meth:`User.clone`, :meth:`Job.clone`) that the engine commits whole or throws away, so a
rejected command never touches stored state.

Hold accounting is derived from each leg's hold intervals (count, total, longest); nothing is
counted twice because nothing is counted at all.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import attrs

from ._states import ChannelState, HoldState, JobState, UserState
from ._world import UserProfile, WorkMode

__all__ = ["CallType", "Channel", "HoldInterval", "Job", "Party", "User"]


class CallType(Enum):
    """``CallType``: how the call was first created (only the two this engine makes)."""

    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


class Party(Enum):
    """Whose leg a channel is: the customer's, or an agent's (``ch:customer:`` / ``ch:user:``)."""

    CUSTOMER = "customer"
    USER = "user"


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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HoldInterval:
        """Read back :meth:`to_dict`."""
        return cls(**data)


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

    def clone(self) -> User:
        """A working copy (every field is immutable, so a shallow copy is a full one)."""
        return attrs.evolve(self)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy: enums as their values, tuples as lists."""
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> User:
        """Read back :meth:`to_dict`."""
        return cls(**{
            **data,
            "work_mode": WorkMode(data["work_mode"]),
            "state": UserState(data["state"]),
            "skill_group_ids": tuple(data["skill_group_ids"]),
            "signed_skill_group_ids": tuple(data["signed_skill_group_ids"]),
        })  # fmt: skip


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
    state: ChannelState = ChannelState.NONE
    hold_state: HoldState = HoldState.ACTIVE
    release_initiator: str = ""
    release_reason: str = ""
    holds: tuple[HoldInterval, ...] = ()

    @property
    def held(self) -> bool:
        """Whether the leg is on hold (only an ANSWERED leg can be)."""
        return self.hold_state is HoldState.HELD

    @property
    def live(self) -> bool:
        """Whether the leg is not released."""
        return self.state is not ChannelState.RELEASED

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

    def clone(self) -> Channel:
        """A working copy (the interval tuple is immutable and shared)."""
        return attrs.evolve(self)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Channel:
        """Read back :meth:`to_dict`."""
        return cls(**{
            **data,
            "party": Party(data["party"]),
            "state": ChannelState(data["state"]),
            "hold_state": HoldState(data["hold_state"]),
            "holds": tuple(HoldInterval.from_dict(h) for h in data["holds"]),
        })  # fmt: skip


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
    release_initiator: str = ""
    release_reason: str = ""
    disposition: str = ""

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

    @property
    def live_agent_legs(self) -> list[Channel]:
        """Agent legs not yet released."""
        return [c for c in self.channels if c.party is Party.USER and c.live]

    def clone(self) -> Job:
        """A working copy with copies of its legs."""
        return attrs.evolve(self, channels=[c.clone() for c in self.channels])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, legs included."""
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        """Read back :meth:`to_dict`."""
        return cls(**{
            **data,
            "call_type": CallType(data["call_type"]),
            "state": JobState(data["state"]),
            "channels": [Channel.from_dict(c) for c in data["channels"]],
        })  # fmt: skip


def _plain(record: Any) -> dict[str, Any]:
    def value(_: Any, __: Any, v: Any) -> Any:
        if isinstance(v, Enum):
            return v.value
        return list(v) if isinstance(v, tuple) else v

    return attrs.asdict(record, value_serializer=value)
