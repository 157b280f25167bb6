"""The world: what is provisioned before any call (SPEC §7), as frozen values.

A world is read from a JSON document (or the same structure as a Python dict)::

    {"instances": [{
        "instanceId": "ccc-test",
        "numbers": ["01012345678"],
        "holdMusic": [],                       # names HoldCall's Music may take; [] = any
        "ringTimeoutMs": 30000,                # an unanswered offer times out; null = never
        "retentionMs": 3600000,                # how long an ended call stays visible
        "queuingTimeoutMs": 600000,            # a queued call ends (QueuingTimeout) after this
        "maxHoldMs": null,                     # a leg held longer raises HoldTimeout; null = never
        "heartbeatTimeoutMs": null,            # an agent silent longer is signed out; null = never
        "routingSeed": 0,                      # seeds the RANDOM strategy
        "routes": {"01012345678": {"skillGroup": "skill-group@ccc-test"}},  # or {"agent": id},
                                               # or {"externalNumber": "13900000009"}
        "skillGroups": [{"skillGroupId": "skill-group@ccc-test", "name": "...",
                         "strategy": "MOST_IDLE",    # ROUND_ROBIN, FEWEST_CALLS, RANDOM
                         "routingType": "Automatic", # Manual: agents ClaimCall
                         "queuingTimeoutMs": null,   # null: the instance's
                         "queuingOverflowThreshold": null, "overflowSkillGroupId": "",
                         "overflowNumber": "",        # or overflow to a number outside
                         "acwMs": null}],            # after-call work ends after this
        "users": [{"userId": "user-test@ccc-test", "extension": "80011474",
                   "mobile": "13900000001", "workMode": "ON_SITE",
                   "skillGroups": ["skill-group@ccc-test"]}],
        "dialling": {"default": {"outcome": "answer", "afterMs": 0},
                     "numbers": {"13188888888": {"outcome": "answer", "afterMs": 1075},
                                 "13188888889": {"outcome": "busy", "earlyMedia": true}}}
    }]}

Every number but ``queuingOverflowThreshold`` (a queue length) and ``routingSeed`` is a
duration in milliseconds, an integer from 0 (``ringTimeoutMs``: 1) to
:data:`MAX_DURATION_MS` (10**12, about 31.7 years): an epoch instant plus any of them stays
below 2**53, so it is exact wherever it goes (a JSON number, a Lua number in the Redis store's
commit script, a Redis expiry).

:meth:`World.from_dict` checks the whole document and raises :class:`WorldError` naming the
first offending path; :meth:`World.to_dict` writes the same structure back.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

import attrs

from ._errors import WorldError
from ._tones import ivr_menu
from ._world_reader import MAX_DURATION_MS, Reader
from ._world_routes import ROUTE_KEY_OF, QueueType, Route, check_outside, read_routes

__all__ = [
    "MAX_DURATION_MS",
    "DialOutcome",
    "Dialling",
    "InstanceConfig",
    "QueueType",
    "Route",
    "RoutingType",
    "SkillGroup",
    "Strategy",
    "UserProfile",
    "WorkMode",
    "World",
]


class WorkMode(Enum):
    """How an agent is reached (``WorkMode``)."""

    ON_SITE = "ON_SITE"
    OFF_SITE = "OFF_SITE"
    OFFICE_PHONE = "OFFICE_PHONE"


class DialOutcome(Enum):
    """What a dialled number does in the simulated network."""

    ANSWER = "answer"
    BUSY = "busy"
    NO_ANSWER = "noAnswer"
    REJECT = "reject"


@attrs.frozen
class Dialling:
    """A dialled number's behaviour: its outcome, ``after_ms`` after the call starts ringing.

    The far end reports early media first when ``early_media`` (an announcement or ringback
    played before answer), then rings, unless it is busy (a busy line never rings).
    """

    outcome: DialOutcome = DialOutcome.ANSWER
    after_ms: int = 0
    early_media: bool = False
    #: An IVR menu once answered: (DTMF digits, the route they select), in the world's order.
    ivr: tuple[tuple[str, str], ...] = ()


class Strategy(Enum):
    """How a skill group picks among its READY agents (CCC's ``StrategyName``, and three more)."""

    MOST_IDLE = "MOST_IDLE"  # the longest READY first (CCC's default)
    ROUND_ROBIN = "ROUND_ROBIN"  # the least recently offered first
    FEWEST_CALLS = "FEWEST_CALLS"  # the fewest calls answered first, then the longest READY
    RANDOM = "RANDOM"  # a seeded draw: the same world and requests pick the same agents


class RoutingType(Enum):
    """``RoutingType``: callstate offers a group's calls itself, or agents claim them."""

    AUTOMATIC = "Automatic"
    MANUAL = "Manual"


@attrs.frozen
class SkillGroup:
    """A skill group of an instance, with its queue's distribution rules."""

    skill_group_id: str
    name: str = ""
    strategy: Strategy = Strategy.MOST_IDLE
    routing_type: RoutingType = RoutingType.AUTOMATIC
    #: A waiting call times out after this (``None``: the instance's ``queuingTimeoutMs``).
    queuing_timeout_ms: int | None = None
    #: A call arriving while this many wait overflows to :attr:`overflow` (``None``: never).
    overflow_threshold: int | None = None
    #: Where a call overflows to, and where a timed-out one goes instead of ending ("": ends).
    overflow: str = ""
    #: After-call work: a WORKING agent of the group is made READY after this (``None``: never).
    acw_ms: int | None = None
    #: A number outside the centre to overflow to instead of a group ("": none; not both).
    overflow_number: str = ""

    @property
    def overflow_route(self) -> Route | None:
        """Where an overflowing or timed-out call goes (``None``: it stays, or ends)."""
        if self.overflow:
            return Route(QueueType.SKILL_GROUP, self.overflow)
        if self.overflow_number:
            return Route(QueueType.EXTERNAL_NUMBER, self.overflow_number)
        return None


@attrs.frozen
class UserProfile:
    """A provisioned agent: who they are and which skill groups they may sign in to."""

    user_id: str
    extension: str
    mobile: str = ""
    work_mode: WorkMode = WorkMode.ON_SITE
    skill_group_ids: tuple[str, ...] = ()
    #: The skill groups whose signed-in agents this user may supervise (monitor, coach...).
    supervises: tuple[str, ...] = ()


@attrs.frozen
class InstanceConfig:
    """One contact-centre instance's provisioning."""

    instance_id: str
    users: Mapping[str, UserProfile] = attrs.field(factory=dict)
    skill_groups: Mapping[str, SkillGroup] = attrs.field(factory=dict)
    numbers: tuple[str, ...] = ()
    hold_music: tuple[str, ...] = ()
    ring_timeout_ms: int | None = 30_000
    retention_ms: int = 3_600_000
    queuing_timeout_ms: int = 600_000
    default_dialling: Dialling = Dialling()
    dialling: Mapping[str, Dialling] = attrs.field(factory=dict)
    #: Number -> route; a number with none goes to the first skill group.
    routes: Mapping[str, Route] = attrs.field(factory=dict)
    #: A leg held longer raises ``HoldTimeout`` for its agent (``None``: never).
    max_hold_ms: int | None = None
    #: An agent whose latest command is older is signed out (``None``: never).
    heartbeat_timeout_ms: int | None = None
    #: Seeds the RANDOM strategy's draws.
    routing_seed: int = 0
    #: Every agent's extension -> that agent's user id, for O(1) look-ups whatever the number
    #: of agents.
    extensions: Mapping[str, str] = attrs.field(init=False, eq=False, repr=False)
    #: How long the instance's extensions are: a ``Callee`` of digits this long is taken for one.
    extension_lengths: frozenset[int] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        owners = {u.extension: u.user_id for u in self.users.values()}
        object.__setattr__(self, "extensions", owners)
        object.__setattr__(self, "extension_lengths", frozenset(map(len, owners)))

    def route_for(self, number: str) -> Route | None:
        """Where a call to ``number`` goes (``None``: the instance has no skill group)."""
        route = self.routes.get(number)
        if route is None and self.skill_groups:
            route = Route(QueueType.SKILL_GROUP, next(iter(self.skill_groups)))
        return route

    def queuing_timeout(self, skill_group_id: str) -> int:
        """How long a call waits in the group's queue before it times out."""
        group = self.skill_groups.get(skill_group_id)
        timeout = group.queuing_timeout_ms if group is not None else None
        return self.queuing_timeout_ms if timeout is None else timeout

    def dialling_for(self, number: str) -> Dialling:
        """The simulated network's behaviour for a dialled number."""
        return self.dialling.get(number, self.default_dialling)


@attrs.frozen
class World:
    """Every instance, by id."""

    instances: Mapping[str, InstanceConfig] = attrs.field(factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> World:
        """Read and check a world document; raise :class:`WorldError` naming the bad path."""
        reader = Reader(data, "$")
        instances: dict[str, InstanceConfig] = {}
        for item in reader.items("instances"):
            inst = _instance(item)
            if inst.instance_id in instances:
                raise WorldError(f"{item.path}.instanceId: duplicate {inst.instance_id!r}")
            instances[inst.instance_id] = inst
        if not instances:  # a world with none would silently wipe every agent and call
            raise WorldError(f"{reader.path}.instances: a world needs at least one instance")
        return cls(instances)

    def to_dict(self) -> dict[str, Any]:
        """The world as a JSON-ready document that :meth:`from_dict` reads back."""
        return {"instances": [_instance_dict(i) for i in self.instances.values()]}


def _dialling(reader: Reader | None, default: Dialling) -> Dialling:
    if reader is None:
        return default
    outcome = reader.enum("outcome", DialOutcome, default.outcome)
    early_media = reader.boolean("earlyMedia", default.early_media)
    return Dialling(outcome, reader.integer("afterMs", 0) or 0, early_media, ivr_menu(reader))


def _instance(r: Reader) -> InstanceConfig:
    instance_id = r.text("instanceId")
    groups: dict[str, SkillGroup] = {}
    readers = r.items("skillGroups")
    for g in readers:
        group = _skill_group(g)
        if group.skill_group_id in groups:
            raise WorldError(f"{g.path}.skillGroupId: duplicate {group.skill_group_id!r}")
        groups[group.skill_group_id] = group
    own_numbers = r.strings("numbers")
    for g, group in zip(readers, groups.values(), strict=True):
        if group.overflow and group.overflow_number:
            raise WorldError(f"{g.path}: expected one of overflowSkillGroupId, overflowNumber")
        check_outside(g, "overflowNumber", group.overflow_number, own_numbers)
        if group.overflow and group.overflow not in groups:
            raise WorldError(f"{g.path}.overflowSkillGroupId: no skill group {group.overflow!r}")
        seen, nxt = {group.skill_group_id}, group.overflow
        while nxt:  # a cycle would pass a call around for ever: every call must end
            if nxt in seen:
                raise WorldError(f"{g.path}.overflowSkillGroupId: its overflows cycle at {nxt!r}")
            seen.add(nxt)
            nxt = groups[nxt].overflow if nxt in groups else ""
    users: dict[str, UserProfile] = {}
    extensions: set[str] = set()
    for u in r.items("users"):
        profile = UserProfile(
            user_id=u.text("userId"),
            extension=u.text("extension"),
            mobile=u.text("mobile", ""),
            work_mode=u.enum("workMode", WorkMode, WorkMode.ON_SITE),
            skill_group_ids=u.strings("skillGroups"),
            supervises=u.strings("supervises"),
        )
        if profile.user_id in users:
            raise WorldError(f"{u.path}.userId: duplicate {profile.user_id!r}")
        if profile.extension in extensions:
            raise WorldError(f"{u.path}.extension: duplicate {profile.extension!r}")
        for key, gids in (("skillGroups", profile.skill_group_ids),
                          ("supervises", profile.supervises)):  # fmt: skip
            for i, gid in enumerate(gids):
                if gid not in groups:
                    raise WorldError(f"{u.path}.{key}[{i}]: no skill group {gid!r}")
        users[profile.user_id] = profile
        extensions.add(profile.extension)
    dialling = r.object("dialling")
    default = _dialling(dialling.object("default") if dialling else None, Dialling())
    per_number: dict[str, Dialling] = {}
    numbers = dialling.object("numbers") if dialling else None
    if numbers is not None:
        for number in numbers.text_keys():
            per_number[number] = _dialling(numbers.object(number), default)
    return InstanceConfig(
        instance_id=instance_id,
        routes=read_routes(r, groups, users),
        max_hold_ms=r.integer("maxHoldMs", None, minimum=1),
        heartbeat_timeout_ms=r.integer("heartbeatTimeoutMs", None, minimum=1),
        routing_seed=r.integer("routingSeed", 0) or 0,
        users=users,
        skill_groups=groups,
        numbers=r.strings("numbers"),
        hold_music=r.strings("holdMusic"),
        ring_timeout_ms=r.integer("ringTimeoutMs", 30_000, minimum=1),
        retention_ms=r.integer("retentionMs", 3_600_000) or 0,
        queuing_timeout_ms=_queuing_timeout(r),
        default_dialling=default,
        dialling=per_number,
    )


def _skill_group(g: Reader) -> SkillGroup:
    return SkillGroup(
        g.text("skillGroupId"),
        g.text("name", ""),
        strategy=g.enum("strategy", Strategy, Strategy.MOST_IDLE),
        routing_type=g.enum("routingType", RoutingType, RoutingType.AUTOMATIC),
        queuing_timeout_ms=g.integer("queuingTimeoutMs", None, minimum=1),
        overflow_threshold=g.integer("queuingOverflowThreshold", None),
        overflow=g.text("overflowSkillGroupId", ""),
        acw_ms=g.integer("acwMs", None),
        overflow_number=g.text("overflowNumber", ""),
    )


def _queuing_timeout(r: Reader) -> int:
    """Every queued call ends: a queue timeout is required (no ``null`` for "never")."""
    value = r.integer("queuingTimeoutMs", 600_000, minimum=1)
    if value is None:
        raise WorldError(f"{r.path}.queuingTimeoutMs: expected an integer (a queued call ends)")
    return value


def _dialling_dict(d: Dialling) -> dict[str, Any]:
    return {"outcome": d.outcome.value, "afterMs": d.after_ms, "earlyMedia": d.early_media,
            "ivr": dict(d.ivr)}  # fmt: skip


def _skill_group_dict(g: SkillGroup) -> dict[str, Any]:
    return {
        "skillGroupId": g.skill_group_id,
        "name": g.name,
        "strategy": g.strategy.value,
        "routingType": g.routing_type.value,
        "queuingTimeoutMs": g.queuing_timeout_ms,
        "queuingOverflowThreshold": g.overflow_threshold,
        "overflowSkillGroupId": g.overflow,
        "acwMs": g.acw_ms,
        "overflowNumber": g.overflow_number,
    }


def _instance_dict(i: InstanceConfig) -> dict[str, Any]:
    return {
        "instanceId": i.instance_id,
        "numbers": list(i.numbers),
        "holdMusic": list(i.hold_music),
        "ringTimeoutMs": i.ring_timeout_ms,
        "retentionMs": i.retention_ms,
        "queuingTimeoutMs": i.queuing_timeout_ms,
        "maxHoldMs": i.max_hold_ms,
        "heartbeatTimeoutMs": i.heartbeat_timeout_ms,
        "routingSeed": i.routing_seed,
        "routes": {n: {ROUTE_KEY_OF[r.queue_type]: r.target} for n, r in i.routes.items()},
        "skillGroups": [_skill_group_dict(g) for g in i.skill_groups.values()],
        "users": [
            {
                "userId": u.user_id,
                "extension": u.extension,
                "mobile": u.mobile,
                "workMode": u.work_mode.value,
                "skillGroups": list(u.skill_group_ids),
                "supervises": list(u.supervises),
            }
            for u in i.users.values()
        ],
        "dialling": {
            "default": _dialling_dict(i.default_dialling),
            "numbers": {n: _dialling_dict(d) for n, d in i.dialling.items()},
        },
    }
