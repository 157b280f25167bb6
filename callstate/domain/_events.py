"""Domain events, named as CCC's event catalogue (SPEC §9), and the call detail record.

Events are frozen values. The decide step produces them with ``seq=0``; the store that commits
them makes stamped ones (:meth:`Event.stamped`) with the instance's sequence numbers.
:meth:`Event.to_dict` is the published form, with CCC's field names: ``eventType``,
``eventTime`` (ISO-8601 UTC), ``instanceId``, ``seq``, then ``agentId`` and ``skillGroupIds``
for agent events, ``contactId`` (the JobId), ``channelId``, ``callType``, ``caller`` and
``callee`` for call events, ``heldChannelId`` / ``retrievedChannelId`` / ``mutedChannelId`` /
``unmutedChannelId`` (and the acting ``agentId``) for Held / Retrieved / Muted / Unmuted,
``agentId`` for AssignAgent (the agent offered the call) and RingingTimeout (the agent whose
offer rang out), and the record for ``CDRReady``. A leg's events (``Dialing``, ``Ringing``,
``Established``, ``Released``) and its agent's (``AgentDialing``, ``AgentRinging``,
``AgentTalk``, ``AgentRelease``) add the leg's ``scenario`` when it has one
(:data:`SCENARIO_EVENTS`). How a store keeps events is the store's business.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import attrs

from ._records import Channel, HoldInterval, Job, MuteInterval

__all__ = [
    "AGENT_EVENTS",
    "SCENARIO_EVENTS",
    "AgentDetail",
    "CallDetailRecord",
    "ChannelDetail",
    "Event",
    "EventType",
    "iso_time",
]


class EventType(Enum):
    """Every event callstate publishes."""

    AgentCheckIn = "AgentCheckIn"
    AgentReady = "AgentReady"
    AgentDialing = "AgentDialing"
    AgentRinging = "AgentRinging"
    AgentTalk = "AgentTalk"
    AgentRelease = "AgentRelease"
    AgentBreak = "AgentBreak"
    AgentCheckOut = "AgentCheckOut"
    Dialing = "Dialing"
    Ringing = "Ringing"
    Established = "Established"
    Released = "Released"
    Held = "Held"
    Retrieved = "Retrieved"
    Muted = "Muted"
    Unmuted = "Unmuted"
    DtmfSent = "DtmfSent"
    IvrTracking = "IvrTracking"
    Enqueue = "Enqueue"
    AssignAgent = "AssignAgent"
    RingingTimeout = "RingingTimeout"
    QueueingTimeout = "QueueingTimeout"
    Abandoned = "Abandoned"
    HoldTimeout = "HoldTimeout"
    BlindTransfer = "BlindTransfer"
    AttendedTransfer = "AttendedTransfer"
    InitiateConsultant = "InitiateConsultant"
    StartConsultant = "StartConsultant"
    StopConsultant = "StopConsultant"
    StartConference = "StartConference"
    StopConference = "StopConference"
    CDRReady = "CDRReady"
    StartMonitor = "StartMonitor"
    StopMonitor = "StopMonitor"
    StartCoach = "StartCoach"
    StopCoach = "StopCoach"
    BargeIn = "BargeIn"
    Intercept = "Intercept"


AGENT_EVENTS = frozenset(t for t in EventType if t.value.startswith("Agent"))

#: The events that carry their leg's ``scenario`` (when it has one): a leg's and its agent's.
SCENARIO_EVENTS = frozenset({
    EventType.AgentDialing, EventType.AgentRinging, EventType.AgentTalk,
    EventType.AgentRelease, EventType.Dialing, EventType.Ringing, EventType.Established,
    EventType.Released,
})  # fmt: skip

#: The call events that publish ``agentId`` (the agent acting, offered the call, whose offer
#: rang out, or consulted), with the name under which they repeat their ``channelId`` ("":
#: none). Every other call event names its agent only through its leg, as CCC's do.
_AGENT_NAMED: dict[EventType, str] = {
    EventType.Held: "heldChannelId",
    EventType.Retrieved: "retrievedChannelId",
    EventType.Muted: "mutedChannelId",
    EventType.Unmuted: "unmutedChannelId",
    EventType.DtmfSent: "",  # the agent who sent the tones
    EventType.AssignAgent: "",
    EventType.RingingTimeout: "",
    EventType.HoldTimeout: "",  # the agent who held the leg, told it is held too long
    EventType.BlindTransfer: "",  # the transferring agent
    EventType.AttendedTransfer: "",
    EventType.InitiateConsultant: "",  # the initiating agent
    EventType.StartConsultant: "",  # the consultee
    EventType.StopConsultant: "",
    EventType.StartConference: "",  # the agent who started it (or switched a consultation)
    EventType.StopConference: "",  # the agent whose leaving ended it
    # supervision: the supervisor, on its own leg
    EventType.StartMonitor: "",
    EventType.StopMonitor: "",
    EventType.StartCoach: "",
    EventType.StopCoach: "",
    EventType.BargeIn: "",
    EventType.Intercept: "",
}


def iso_time(ms: int) -> str:
    """Epoch milliseconds as ISO-8601 UTC with milliseconds: ``2020-12-29T15:28:35.825Z``."""
    stamp = datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def _interval_dict(h: HoldInterval) -> dict[str, Any]:
    return {"startTime": h.start_ms, "endTime": h.end_ms, "music": h.music, "heldBy": h.by_user}


def _mute_dict(m: MuteInterval) -> dict[str, Any]:
    return {"startTime": m.start_ms, "endTime": m.end_ms, "mutedBy": m.by_user}


@attrs.frozen
class ChannelDetail:
    """One leg in a call detail record, with its hold and mute accounting."""

    channel_id: str
    party: str
    user_id: str
    release_initiator: str
    release_reason: str
    holds: tuple[HoldInterval, ...]
    hold_count: int
    held_ms: int
    longest_hold_ms: int
    #: When the leg was answered (0: never) and released: its agent's talk time is between.
    answered_ms: int = 0
    released_ms: int = 0
    #: The leg's mutes, oldest first; every one is closed, as the leg is released.
    mutes: tuple[MuteInterval, ...] = ()

    @property
    def muted_ms(self) -> int:
        """Total muted time."""
        return sum(m.duration() for m in self.mutes)

    @classmethod
    def of(cls, ch: Channel) -> ChannelDetail:
        """The record of a released leg (its last change, ``timestamp``, is its release)."""
        return cls(
            ch.channel_id,
            ch.party.value,
            ch.user_id,
            ch.release_initiator,
            ch.release_reason,
            tuple(ch.holds),
            ch.hold_count,
            ch.held_ms,
            ch.longest_hold_ms,
            ch.answered_ms,
            ch.timestamp,
            ch.mutes,
        )

    def to_dict(self) -> dict[str, Any]:
        """The published form."""
        return {
            "channelId": self.channel_id,
            "party": self.party,
            "userId": self.user_id,
            "releaseInitiator": self.release_initiator,
            "releaseReason": self.release_reason,
            "holdCount": self.hold_count,
            "heldMs": self.held_ms,
            "longestHoldMs": self.longest_hold_ms,
            "holds": [_interval_dict(h) for h in self.holds],
            "muteCount": len(self.mutes),
            "mutedMs": self.muted_ms,
            "mutes": [_mute_dict(m) for m in self.mutes],
        }


@attrs.frozen
class AgentDetail:
    """One agent who handled a call (answered a leg of it), in a call detail record.

    ``talk_ms``: over the agent's answered legs, from the later of the leg's answer and the
    call's establishment to the leg's release (held or not). ``hold_count`` and ``held_ms``:
    the holds the agent made, of any leg (a consultation's automatic hold included).
    """

    agent_id: str
    talk_ms: int
    hold_count: int
    held_ms: int

    @classmethod
    def each_of(cls, channels: tuple[ChannelDetail, ...], established_ms: int,
                ) -> tuple[AgentDetail, ...]:  # fmt: skip
        """Every agent who answered a leg, in the order they first answered."""
        talk: dict[str, int] = {}
        for ch in channels:
            if ch.user_id and ch.answered_ms:
                start = max(ch.answered_ms, established_ms)
                spoke = ch.released_ms - start if established_ms else 0
                talk[ch.user_id] = talk.get(ch.user_id, 0) + max(spoke, 0)
        holds = [h for ch in channels for h in ch.holds]
        return tuple(
            cls(agent, ms, sum(1 for h in holds if h.by_user == agent),
                sum(h.duration() for h in holds if h.by_user == agent))
            for agent, ms in talk.items()
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The published form."""
        return {"agentId": self.agent_id, "talkMs": self.talk_ms,
                "holdCount": self.hold_count, "heldMs": self.held_ms}  # fmt: skip


@attrs.frozen
class CallDetailRecord:
    """What is known of an ended call: times, disposition, and per-leg and total hold accounting."""

    contact_id: str
    call_type: str
    caller: str
    callee: str
    skill_group_id: str
    start_ms: int
    established_ms: int
    end_ms: int
    disposition: str
    release_initiator: str
    release_reason: str
    channels: tuple[ChannelDetail, ...]

    @classmethod
    def of(cls, job: Job) -> CallDetailRecord:
        """The record of an ended job."""
        return cls(
            job.job_id,
            job.call_type.value,
            job.caller,
            job.callee,
            job.skill_group_id,
            job.created_ms,
            job.established_ms,
            job.ended_ms,
            job.disposition,
            job.release_initiator,
            job.release_reason,
            tuple(ChannelDetail.of(c) for c in job.channels),
        )

    @property
    def agents(self) -> tuple[AgentDetail, ...]:
        """Each agent who handled the call, with talk time, hold count and held time."""
        return AgentDetail.each_of(self.channels, self.established_ms)

    @property
    def hold_count(self) -> int:
        """Holds over every leg."""
        return sum(c.hold_count for c in self.channels)

    @property
    def held_ms(self) -> int:
        """Held time over every leg."""
        return sum(c.held_ms for c in self.channels)

    @property
    def longest_hold_ms(self) -> int:
        """The longest single hold of any leg."""
        return max((c.longest_hold_ms for c in self.channels), default=0)

    def to_dict(self) -> dict[str, Any]:
        """The published form (``agentIds`` comma-joined, as CCC's records write them)."""
        agents = self.agents
        return {
            "contactId": self.contact_id,
            "callType": self.call_type,
            "caller": self.caller,
            "callee": self.callee,
            "skillGroupId": self.skill_group_id,
            "startTime": self.start_ms,
            "establishedTime": self.established_ms,
            "releaseTime": self.end_ms,
            "dispositionCode": self.disposition,
            "releaseInitiator": self.release_initiator,
            "releaseReason": self.release_reason,
            "holdCount": self.hold_count,
            "heldMs": self.held_ms,
            "longestHoldMs": self.longest_hold_ms,
            "agentIds": ",".join(a.agent_id for a in agents),
            "agents": [a.to_dict() for a in agents],
            "channels": [c.to_dict() for c in self.channels],
        }


@attrs.frozen
class Event:
    """One published event. Which optional fields are meaningful depends on :attr:`event_type`."""

    event_type: EventType
    time_ms: int
    instance_id: str
    seq: int = 0
    agent_id: str = ""
    skill_group_ids: tuple[str, ...] = ()
    contact_id: str = ""
    channel_id: str = ""
    call_type: str = ""
    caller: str = ""
    callee: str = ""
    cdr: CallDetailRecord | None = None
    #: The event's own fields beyond the common ones, as (CCC name, value) pairs, published last
    #: (``queueType``, ``skillGroupId``, ``abandonPhase``...).
    detail: tuple[tuple[str, str], ...] = ()

    def stamped(self, seq: int) -> Event:
        """A new event, equal to this one but for its sequence number ``seq``.

        The store stamps what it commits. Every field is passed on by position, about twice as
        fast as ``attrs.evolve`` (two events a request); ``tests/test_events.py`` fails if a
        field is left out.
        """
        return Event(
            self.event_type,
            self.time_ms,
            self.instance_id,
            seq,
            self.agent_id,
            self.skill_group_ids,
            self.contact_id,
            self.channel_id,
            self.call_type,
            self.caller,
            self.callee,
            self.cdr,
            self.detail,
        )

    def to_dict(self) -> dict[str, Any]:
        """The published form, with CCC's field names."""
        out: dict[str, Any] = {
            "eventType": self.event_type.value,
            "eventTime": iso_time(self.time_ms),
            "instanceId": self.instance_id,
            "seq": self.seq,
        }
        if self.event_type in AGENT_EVENTS:
            out["agentId"] = self.agent_id
            out["skillGroupIds"] = list(self.skill_group_ids)
            if self.contact_id:
                out["contactId"] = self.contact_id
            out.update(self.detail)
            return out
        out["contactId"] = self.contact_id
        if self.cdr is not None:
            out.update(self.cdr.to_dict())
            return out
        out.update(
            channelId=self.channel_id,
            callType=self.call_type,
            caller=self.caller,
            callee=self.callee,
        )
        named = _AGENT_NAMED.get(self.event_type)
        if named is not None:
            if named:
                out[named] = self.channel_id
            out["agentId"] = self.agent_id
        out.update(self.detail)
        return out
