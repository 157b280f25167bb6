"""The world: what is provisioned before any call (SPEC §7), as frozen values.

A world is read from a JSON document (or the same structure as a Python dict)::

    {"instances": [{
        "instanceId": "ccc-test",
        "numbers": ["01012345678"],
        "holdMusic": [],                       # names HoldCall's Music may take; [] = any
        "ringTimeoutMs": 30000,                # an unanswered offer times out; null = never
        "retentionMs": 3600000,                # how long an ended call stays visible
        "queuingTimeoutMs": 600000,            # a queued call ends (QueuingTimeout) after this
        "skillGroups": [{"skillGroupId": "skill-group@ccc-test", "name": "..."}],
        "users": [{"userId": "user-test@ccc-test", "extension": "80011474",
                   "mobile": "13900000001", "workMode": "ON_SITE",
                   "skillGroups": ["skill-group@ccc-test"]}],
        "dialling": {"default": {"outcome": "answer", "afterMs": 0},
                     "numbers": {"13188888888": {"outcome": "answer", "afterMs": 1075},
                                 "13188888889": {"outcome": "busy", "earlyMedia": true}}}
    }]}

Every number is a duration in milliseconds, an integer from 0 (``ringTimeoutMs``: 1) to
:data:`MAX_DURATION_MS` (10**12, about 31.7 years): an epoch instant plus any of them stays
below 2**53, so it is exact wherever it goes (a JSON number, a Lua number in the Redis store's
commit script, a Redis expiry).

:meth:`World.from_dict` checks the whole document and raises :class:`WorldError` naming the
first offending path; :meth:`World.to_dict` writes the same structure back.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

import attrs

from ._errors import WorldError
from ._text import NOT_TEXT_REASON, is_text

__all__ = [
    "MAX_DURATION_MS",
    "DialOutcome",
    "Dialling",
    "InstanceConfig",
    "SkillGroup",
    "UserProfile",
    "WorkMode",
    "World",
]


#: The largest duration a world may give (ms): about 31.7 years. An instant plus a duration then
#: stays far below 2**53, so it is exact as a Lua number, a JSON number and a Redis expiry.
MAX_DURATION_MS = 10**12


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


@attrs.frozen
class SkillGroup:
    """A skill group of an instance."""

    skill_group_id: str
    name: str = ""


@attrs.frozen
class UserProfile:
    """A provisioned agent: who they are and which skill groups they may sign in to."""

    user_id: str
    extension: str
    mobile: str = ""
    work_mode: WorkMode = WorkMode.ON_SITE
    skill_group_ids: tuple[str, ...] = ()


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
    #: Every agent's extension, for O(1) look-ups whatever the number of agents.
    extensions: frozenset[str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "extensions", frozenset(u.extension for u in self.users.values()))

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
        reader = _Reader(data, "$")
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


class _Reader:
    """A typed view of one object of the document that knows its own path, for error messages."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise WorldError(f"{path}: expected an object, got {_json_kind(data)}")
        self.data: Mapping[str, Any] = data
        self.path = path

    def _get(self, key: str, kind: type, default: Any, *, nullable: bool = False) -> Any:
        if key not in self.data:
            if default is _REQUIRED:
                raise WorldError(f"{self.path}.{key}: required")
            return default
        value = self.data[key]
        if value is None and nullable:
            return None
        # bool is an int in Python; a world file's true is never a number.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise WorldError(f"{self.path}.{key}: expected {_KIND_NAMES[kind]}")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value: str = self._get(key, str, _REQUIRED if default is None else default)
        if default is None and not value.strip():
            raise WorldError(f"{self.path}.{key}: may not be blank")
        return _checked_text(value, f"{self.path}.{key}")

    def integer(self, key: str, default: int | None, *, minimum: int = 0) -> int | None:
        """A duration in ms, from ``minimum`` to :data:`MAX_DURATION_MS` (every number is one)."""
        value: int | None = self._get(key, int, default, nullable=True)
        if value is not None and value < minimum:
            raise WorldError(f"{self.path}.{key}: must be >= {minimum}")
        if value is not None and value > MAX_DURATION_MS:
            raise WorldError(f"{self.path}.{key}: must be <= {MAX_DURATION_MS}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value: bool = self._get(key, bool, default)
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value: list[Any] = self._get(key, list, [])
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise WorldError(f"{self.path}.{key}[{i}]: expected a non-blank string")
            _checked_text(item, f"{self.path}.{key}[{i}]")
        return tuple(value)

    def text_keys(self) -> list[str]:
        """The object's keys, each checked as text (a key is stored and rendered too)."""
        return [_checked_text(key, f"{self.path} key {i}") for i, key in enumerate(self.data)]

    def items(self, key: str) -> list[_Reader]:
        value: list[Any] = self._get(key, list, [])
        return [_Reader(item, f"{self.path}.{key}[{i}]") for i, item in enumerate(value)]

    def object(self, key: str) -> _Reader | None:
        if self.data.get(key) is None:
            return None
        return _Reader(self.data[key], f"{self.path}.{key}")

    def enum(self, key: str, enum: type[E], default: E) -> E:
        value: str = self._get(key, str, default.value)
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in enum)
            raise WorldError(f"{self.path}.{key}: expected one of {allowed}") from None


_REQUIRED = object()
_KIND_NAMES = {str: "a string", int: "an integer", list: "a list", bool: "a boolean"}


def _checked_text(value: str, path: str) -> str:
    """``value``, if it is Unicode text (:func:`is_text`); a world never stores anything else."""
    if not is_text(value):
        raise WorldError(f"{path}: {NOT_TEXT_REASON.removesuffix('.')}")
    return value


def _json_kind(value: object) -> str:
    """What a JSON document calls ``value``'s type (messages never name Python types)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string" if isinstance(value, str) else "a list"


E = TypeVar("E", bound=Enum)


def _dialling(reader: _Reader | None, default: Dialling) -> Dialling:
    if reader is None:
        return default
    outcome = reader.enum("outcome", DialOutcome, default.outcome)
    early_media = reader.boolean("earlyMedia", default.early_media)
    return Dialling(outcome, reader.integer("afterMs", 0) or 0, early_media)


def _instance(r: _Reader) -> InstanceConfig:
    instance_id = r.text("instanceId")
    groups: dict[str, SkillGroup] = {}
    for g in r.items("skillGroups"):
        group = SkillGroup(g.text("skillGroupId"), g.text("name", ""))
        if group.skill_group_id in groups:
            raise WorldError(f"{g.path}.skillGroupId: duplicate {group.skill_group_id!r}")
        groups[group.skill_group_id] = group
    users: dict[str, UserProfile] = {}
    extensions: set[str] = set()
    for u in r.items("users"):
        profile = UserProfile(
            user_id=u.text("userId"),
            extension=u.text("extension"),
            mobile=u.text("mobile", ""),
            work_mode=u.enum("workMode", WorkMode, WorkMode.ON_SITE),
            skill_group_ids=u.strings("skillGroups"),
        )
        if profile.user_id in users:
            raise WorldError(f"{u.path}.userId: duplicate {profile.user_id!r}")
        if profile.extension in extensions:
            raise WorldError(f"{u.path}.extension: duplicate {profile.extension!r}")
        for i, gid in enumerate(profile.skill_group_ids):
            if gid not in groups:
                raise WorldError(f"{u.path}.skillGroups[{i}]: no skill group {gid!r}")
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


def _queuing_timeout(r: _Reader) -> int:
    """Every queued call ends: a queue timeout is required (no ``null`` for "never")."""
    value = r.integer("queuingTimeoutMs", 600_000, minimum=1)
    if value is None:
        raise WorldError(f"{r.path}.queuingTimeoutMs: expected an integer (a queued call ends)")
    return value


def _dialling_dict(d: Dialling) -> dict[str, Any]:
    return {"outcome": d.outcome.value, "afterMs": d.after_ms, "earlyMedia": d.early_media}


def _instance_dict(i: InstanceConfig) -> dict[str, Any]:
    return {
        "instanceId": i.instance_id,
        "numbers": list(i.numbers),
        "holdMusic": list(i.hold_music),
        "ringTimeoutMs": i.ring_timeout_ms,
        "retentionMs": i.retention_ms,
        "queuingTimeoutMs": i.queuing_timeout_ms,
        "skillGroups": [
            {"skillGroupId": g.skill_group_id, "name": g.name} for g in i.skill_groups.values()
        ],
        "users": [
            {
                "userId": u.user_id,
                "extension": u.extension,
                "mobile": u.mobile,
                "workMode": u.work_mode.value,
                "skillGroups": list(u.skill_group_ids),
            }
            for u in i.users.values()
        ],
        "dialling": {
            "default": _dialling_dict(i.default_dialling),
            "numbers": {n: _dialling_dict(d) for n, d in i.dialling.items()},
        },
    }
