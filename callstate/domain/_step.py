"""What every decider shares: the workspace it is given, one decision's step, and the lookups.

The :class:`Workspace` protocol is stated here once; the engine's store transactions extend it.
A decider is a function ``(Step, request) -> Outcome``; the concern modules (agent state, call
control, signals) each keep a table of theirs, which ``_decide`` joins.

The existence checks (SPEC §4 #2-5) raise the catalogued ``NotExists`` errors; the device and
participation checks (#6, #7) raise the catalogued ``Permission`` errors.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from enum import Enum
from typing import Any, Protocol, TypeVar

import attrs

from . import _commands as cmd
from ._errors import (
    NotExistsChannelId,
    NotExistsInstanceId,
    NotExistsJobId,
    NotExistsUserId,
    PermissionDeviceId,
    PermissionJobId,
)
from ._events import SCENARIO_EVENTS, Event, EventType
from ._records import Channel, Job, MuteInterval, Party, User
from ._states import AGENT, ChannelState
from ._world import InstanceConfig

__all__ = [
    "DEFAULT_DIAL_TIMEOUT_MS",
    "LISTINGS",
    "Decider",
    "Listing",
    "Outcome",
    "Step",
    "Workspace",
    "channel_of",
    "check_device",
    "close_hold",
    "close_mute",
    "decides",
    "leave_call",
    "new_leg",
    "own_leg",
]

#: How long a dialled party may ring (CCC's default ``TimeoutSeconds``: MakeCall's, a transfer's,
#: a conference's).
DEFAULT_DIAL_TIMEOUT_MS = 30_000


class Workspace(Protocol):
    """What the decide step may read and write. The engine implements it over its store.

    ``user`` and ``job`` return working copies, the same object on every call within one
    decision, or ``None`` when there is no such record.
    """

    def instance(self, instance_id: str) -> InstanceConfig | None:
        """The instance's provisioning."""

    def user(self, instance_id: str, user_id: str) -> User | None:
        """A working copy of the user."""

    def job(self, instance_id: str, job_id: str) -> Job | None:
        """A working copy of the call (ended calls stay until their retention passes)."""

    def add_job(self, job: Job) -> None:
        """Record a call the decision created."""

    def new_job_id(self, now_ms: int) -> str:
        """A fresh JobId; it is used up only if the decision is committed."""

    def working_copies(self) -> tuple[Collection[User], Collection[Job]]:
        """The users and calls this decision has read or created so far.

        Live views: they grow as the decision reads more records (copy before reading on).
        """

    def agents_in(self, instance_id: str, queue: str) -> Iterator[str]:
        """The UserIds the store indexes as eligible for ``queue``, the lowest rank first.

        As committed: a working copy may since differ (the domain checks each one it takes).
        """

    def calls_in(self, instance_id: str, queue: str) -> Iterator[str]:
        """The JobIds the store indexes as waiting in ``queue``, head first (as committed)."""

    def waiting(self, instance_id: str, queue: str) -> int:
        """How many calls the store indexes as waiting in ``queue`` (as committed)."""


class Listing(Enum):
    """Which of a call's legs a reply lists, each with its index among the call's legs."""

    EVERY_LEG = "every leg"  # held ones flagged HOLD (PollUserStatus and most replies)
    CONVERSATION = "the legs not held"  # the conversation as the acting agent hears it

    def legs(self, job: Job) -> tuple[tuple[int, Channel], ...]:
        """The listed legs of ``job``, in creation order, with their indexes in the call."""
        every = self is Listing.EVERY_LEG
        return tuple([(i, leg) for i, leg in enumerate(job.channels) if every or not leg.held])


#: Replies that list less than every leg: a HoldCall or RetrieveCall reply shows the legs not
#: held, which is what the seed shows after holding the customer (SPEC §4).
LISTINGS: dict[type[cmd.Request], Listing] = {
    cmd.HoldCall: Listing.CONVERSATION,
    cmd.RetrieveCall: Listing.CONVERSATION,
}


@attrs.frozen
class Outcome:
    """What a committed decision tells the adapter: the contexts to answer with, and events.

    ``legs`` are the call's legs the reply lists (:data:`LISTINGS`), with their indexes.
    """

    request: cmd.Request
    user: User | None
    job: Job | None
    events: tuple[Event, ...]
    legs: tuple[tuple[int, Channel], ...] = ()


class Step:
    """The state of one decision: the workspace, the instant, and the events so far."""

    __slots__ = ("events", "now", "ws")

    def __init__(self, ws: Workspace, now: int) -> None:
        self.ws = ws
        self.now = now
        self.events: list[Event] = []

    def outcome(self, request: cmd.Request, user: User | None, job: Job | None) -> Outcome:
        """The decision's outcome: its records, its events, and the legs its reply lists."""
        listed = () if job is None else LISTINGS.get(type(request), Listing.EVERY_LEG).legs(job)
        return Outcome(request, user, job, tuple(self.events), listed)

    # --- lookups (existence checks) ----------------------------------------------------------
    def instance(self, instance_id: str) -> InstanceConfig:
        """The instance, or ``NotExists.InstanceId``."""
        inst = self.ws.instance(instance_id)
        if inst is None:
            raise NotExistsInstanceId(instance_id)
        return inst

    def user(self, inst: InstanceConfig, user_id: str) -> User:
        """A working copy of the user, or ``NotExists.UserId``."""
        user = self.ws.user(inst.instance_id, user_id)
        if user is None:
            raise NotExistsUserId(user_id, inst.instance_id)
        return user

    def job(self, inst: InstanceConfig, job_id: str) -> Job:
        """A working copy of the call, or ``NotExists.JobId``."""
        job = self.ws.job(inst.instance_id, job_id)
        if job is None:
            raise NotExistsJobId(job_id)
        return job

    # --- events ------------------------------------------------------------------------------
    def agent_event(self, kind: EventType, user: User, leg: Channel | None = None) -> None:
        """Record an agent event about ``user`` at this instant (``leg``: the agent's own)."""
        self.events.append(
            Event(
                kind,
                self.now,
                user.instance_id,
                agent_id=user.user_id,
                skill_group_ids=user.signed_skill_group_ids,
                contact_id=user.job_id,
                detail=_scenario(kind, leg),
            )
        )

    def call_event(self, kind: EventType, job: Job, leg: Channel, agent_id: str = "",
                   detail: tuple[tuple[str, str], ...] = ()) -> None:  # fmt: skip
        """Record a call event about ``leg`` of ``job`` now (``detail``: the event's own fields)."""
        # By position, in Event's field order (a third cheaper than by keyword; every request
        # makes one): seq 0 (the store stamps it), no skill groups, no CDR. ``_value_`` is a
        # plain attribute, where an Enum's ``value`` is a property.
        if leg.scenario:  # "" for nearly every leg: the hot path looks no further
            detail += _scenario(kind, leg)
        self.events.append(
            Event(kind, self.now, job.instance_id, 0, agent_id, (), job.job_id, leg.channel_id,
                  job.call_type._value_, job.caller, job.callee, None, detail)
        )  # fmt: skip


def _scenario(kind: EventType, leg: Channel | None) -> tuple[tuple[str, str], ...]:
    """The ``scenario`` field an event about ``leg`` carries, if its kind carries one."""
    if leg is None or not leg.scenario or kind not in SCENARIO_EVENTS:
        return ()
    return (("scenario", leg.scenario),)


R = TypeVar("R", bound=cmd.Request)
#: A decider: one request applied to the step, or its catalogued error raised.
Decider = Callable[[Step, Any], Outcome]


def decides(
    table: dict[type[cmd.Request], Decider], cls: type[R]
) -> Callable[[Callable[[Step, R], Outcome]], Callable[[Step, R], Outcome]]:
    """Register the decorated function in ``table`` as the decider of ``cls``."""

    def register(fn: Callable[[Step, R], Outcome]) -> Callable[[Step, R], Outcome]:
        table[cls] = fn
        return fn

    return register


# --- shared checks ---------------------------------------------------------------------------
def channel_of(job: Job, channel_id: str) -> Channel:
    """SPEC §4 #5: the call's leg ``channel_id``, or ``NotExists.ChannelId``."""
    leg = job.channel(channel_id)
    if leg is None:
        raise NotExistsChannelId(channel_id, job.job_id)
    return leg


def check_device(user: User, device_id: str) -> None:
    """SPEC §4 #6: a DeviceId that is given must be the user's active device."""
    if device_id and device_id != user.device_id:
        raise PermissionDeviceId(device_id, user.user_id)


def own_leg(user: User, job: Job, *, answered: bool) -> Channel:
    """SPEC §4 #7: the user's leg in this call, live (or ANSWERED when ``answered``)."""
    leg = job.leg_of(user.user_id)
    wanted = _ANSWERED if answered else _LIVE
    if leg is None or leg.state not in wanted:
        raise PermissionJobId(user.user_id, job.job_id)
    return leg


_LIVE = tuple(s for s in ChannelState if s not in (ChannelState.RELEASED, ChannelState.RETIRED))
_ANSWERED = (ChannelState.ANSWERED,)


def new_leg(job: Job, party: Party, originator: str, destination: str, user: User | None,
            skill_group_id: str, now: int, media_type: str = "AUDIO") -> Channel:  # fmt: skip
    """A new leg of ``job``, in CREATED, appended in creation order.

    Its id is ``ch:{customer|user}:{Originator}->{Destination}:{createdMs}:{JobId}`` (SPEC §6).
    ``createdMs`` is the leg's creation instant: the job's for the legs created with the call,
    so SPEC's ``jobCreatedMs`` holds for them; a leg added later (a re-offer) has its own, and
    if that id is taken (the same agent re-offered within one millisecond) the instant moves on
    by a millisecond until the id is unique in the call.
    """
    created = now
    while job.channel(f"ch:{party.value}:{originator}->{destination}:{created}:{job.job_id}"):
        created += 1
    leg = Channel(
        channel_id=f"ch:{party.value}:{originator}->{destination}:{created}:{job.job_id}",
        job_id=job.job_id,
        party=party,
        originator=originator,
        destination=destination,
        skill_group_id=skill_group_id,
        user_id=user.user_id if party is Party.USER and user else "",
        user_extension=user.extension if user else "",
        timestamp=now,
        media_type=media_type,
    )
    job.channels.append(leg)
    return leg


def leave_call(user: User, trigger: str, now: int) -> None:
    """The agent leaves a call for READY, BREAK or OFFLINE, where no JobId is kept."""
    AGENT.move(user, trigger, now)
    user.job_id = ""


def close_hold(leg: Channel, now: int) -> None:
    """End the leg's open hold interval at ``now`` (its hold state moves separately)."""
    leg.holds = leg.holds.closed(now)


def close_mute(leg: Channel, now: int) -> None:
    """End the leg's open mute interval at ``now`` (its mute state moves separately)."""
    *older, last = leg.mutes
    assert last.end_ms is None, "a muted leg has an open interval"
    leg.mutes = (*older, MuteInterval(last.start_ms, now, last.by_user))
