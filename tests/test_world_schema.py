"""The world's JSON Schema (callstate/data/world.schema.json) agrees with the world's loader.

For generated documents, the schema accepts exactly what ``World.from_dict`` accepts, except
what a schema cannot say (duplicates; a user's skill group, an overflow group, a route's group,
agent or number that the instance lacks; overflows that cycle), which the loader alone
refuses; and JSON Schema's ``integer`` takes ``1.0``, which the loader refuses (generated
numbers are never integral floats).
"""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callstate import default_world
from callstate.domain import World, WorldError

pytestmark = pytest.mark.redis_store  # no store: run once

SCHEMA = json.loads(files("callstate").joinpath("data/world.schema.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

#: Values of every JSON kind, valid for some fields and not for others.
ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([-1, 0, 1, 5, 10**12, 10**12 + 1]),
    st.sampled_from(["", " ", "x", "ON_SITE", "busy", "noAnswer"]),
    st.just(1.5),
    st.just([]),
    st.just(["g0"]),
    st.just({}),
)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a valid value, sometimes any value."""
    # sampled_from, not integers(0, 29): Hypothesis favours an integer range's ends, which
    # made most documents invalid several times over (a schema's one wrong key then hid).
    return st.sampled_from([True] * 29 + [False]).flatmap(lambda ok: valid if ok else ANY)


@st.composite
def fields(draw: st.DrawFn, /, **strategies: st.SearchStrategy[Any]) -> dict[str, Any]:
    """An object with these keys, each present nine times in ten."""
    present = st.sampled_from([True] * 9 + [False])
    return {k: draw(v) for k, v in strategies.items() if draw(present)}


texts = maybe(st.lists(st.sampled_from(["a", "b", *["a", "b"] * 10, " ", ""]), max_size=2))
#: IVR menus: DTMF digits (or not) -> a route (or a blank one), each refused as the loader does.
ivr_menus = st.dictionaries(
    st.sampled_from(["1", "*0#", "1", "x", ""]),
    st.sampled_from(["sales", "sales", " "]),
    max_size=2,
)
#: Durations at the edges of every range, and null; mostly valid ones (a world has a dozen of
#: them: a document whose only fault is elsewhere must be common).
duration = st.sampled_from([None, 0, 1, 2, 30_000, 10**12] * 4 + [-1, 10**12 + 1])
outcome = maybe(
    fields(
        outcome=maybe(st.sampled_from(["answer", "busy", "noAnswer", "reject", "other"])),
        afterMs=maybe(duration),
        earlyMedia=maybe(st.booleans()),
        ivr=maybe(ivr_menus),
    )
)


def _with_id(group: dict[str, Any], i: int) -> dict[str, Any]:
    return {**group, "skillGroupId": f"g{i}"}


#: Skill groups g0, g1 and agents u0, u1 exist when the instance has that many; the numbers
#: "a" and "b" when it lists them. Mostly valid values: a document whose only fault is one
#: key must be common, or a schema that disagrees on that key goes unnoticed.
GROUP_KEYS: dict[str, st.SearchStrategy[Any]] = {
    "name": maybe(st.just("G")),
    "strategy": maybe(st.sampled_from(["MOST_IDLE", "ROUND_ROBIN", "FEWEST_CALLS", "RANDOM"])),
    "routingType": maybe(st.sampled_from(["Automatic", "Manual"])),
    "queuingTimeoutMs": maybe(duration),
    "queuingOverflowThreshold": maybe(duration),
    "overflowSkillGroupId": maybe(st.sampled_from(["", "", "g0", "g1"])),
    "overflowNumber": maybe(st.sampled_from(["", "", "", "139", "a"])),
    "acwMs": maybe(duration),
}
group = fields(**GROUP_KEYS)
route = maybe(
    fields(skillGroup=st.sampled_from(["g0", "g1", ""]))
    | fields(agent=st.sampled_from(["u0", "u1", ""]))
    | fields(externalNumber=st.sampled_from(["139", "a", ""]))
    | fields(skillGroup=st.sampled_from(["g0", ""]), agent=st.sampled_from(["u0", ""]))
    | fields(skillGroup=st.sampled_from(["g0", ""]), externalNumber=st.sampled_from(["139", ""]))
)
routes = maybe(st.dictionaries(st.sampled_from(["a", "a", "b", "c"]), route, max_size=2))
#: The instance's keys of a number (durations, the seed) or of routing.
INSTANCE_KEYS: dict[str, st.SearchStrategy[Any]] = {
    **{key: maybe(duration) for key in ("ringTimeoutMs", "retentionMs", "queuingTimeoutMs",
                                        "maxHoldMs", "heartbeatTimeoutMs", "routingSeed")},
    "routes": routes,
}  # fmt: skip


@st.composite
def instances(draw: st.DrawFn, index: int) -> Any:
    groups = [
        draw(maybe(group.map(functools.partial(_with_id, i=i))))
        for i in range(draw(st.integers(0, 2)))
    ]
    known = [f"g{i}" for i in range(len(groups))]
    users = [
        draw(
            maybe(
                fields(
                    userId=st.just(f"u{i}"),
                    extension=st.just(f"80{i}"),
                    mobile=maybe(st.just("139")),
                    workMode=maybe(st.sampled_from(["ON_SITE", "OFF_SITE", "OFFICE_PHONE"])),
                    skillGroups=st.lists(st.sampled_from(known), unique=True)
                    if known
                    else st.just([]),
                )
            )
        )
        for i in range(draw(st.integers(0, 2)))
    ]
    dialling = maybe(
        fields(default=outcome, numbers=maybe(st.dictionaries(st.sampled_from(["1", ""]), outcome)))
    )
    body = draw(
        fields(
            instanceId=st.just(f"i{index}"),
            numbers=texts,
            holdMusic=texts,
            **INSTANCE_KEYS,
            dialling=dialling,
            skillGroups=st.just(groups),
            users=st.just(users),
        )
    )
    return draw(maybe(st.just(body)))


@st.composite
def worlds(draw: st.DrawFn) -> Any:
    count = draw(st.integers(0, 2))
    listed = [draw(instances(i)) for i in range(count)]
    return draw(maybe(st.just({"instances": listed})))


def loads(document: Any) -> bool:
    try:
        World.from_dict(document)
    except WorldError:
        return False
    return True


@settings(max_examples=1000)
@given(worlds())
def test_the_schema_accepts_what_the_loader_accepts(document: Any) -> None:
    if names_the_unknown(document):  # what a schema cannot say: the loader alone refuses
        assert not loads(document)
    else:
        assert VALIDATOR.is_valid(document) == loads(document), document


#: A valid instance with two groups, two agents and the numbers a and b, for one key at a time.
BASE: dict[str, Any] = {
    "instanceId": "i0",
    "numbers": ["a", "b"],
    "skillGroups": [{"skillGroupId": "g0"}, {"skillGroupId": "g1"}],
    "users": [{"userId": "u0", "extension": "800", "skillGroups": ["g0"]},
              {"userId": "u1", "extension": "801"}],
}  # fmt: skip


@settings(max_examples=500)
@given(st.data())
def test_one_key_at_a_time_the_schema_agrees_with_the_loader(data: st.DataObject) -> None:
    """A valid world with one instance or skill group key set: any disagreement on that key
    shows (the whole-document test rarely meets a document whose only fault is one key)."""
    instance = json.loads(json.dumps(BASE))
    table, target = data.draw(
        st.sampled_from([(INSTANCE_KEYS, instance), (GROUP_KEYS, instance["skillGroups"][0])])
    )
    key = data.draw(st.sampled_from(sorted(table)))
    target[key] = data.draw(table[key])
    document = {"instances": [instance]}
    if names_the_unknown(document):
        assert not loads(document)
    else:
        assert VALIDATOR.is_valid(document) == loads(document), document


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _objects(value: Any) -> list[dict[str, Any]]:
    return [v for v in _listed(value) if isinstance(v, dict)]


def names_the_unknown(document: Any) -> bool:
    """Whether a valid-shaped instance names what it does not have (a user's or a route's skill
    group, an overflow group, a route's agent, or a route's number), forwards to one of its own
    numbers, or its overflows cycle."""
    instances = document.get("instances") if isinstance(document, dict) else None
    for instance in _objects(instances):
        groups = _objects(instance.get("skillGroups"))
        known = {g.get("skillGroupId") for g in groups}
        users = _objects(instance.get("users"))
        table = instance.get("routes")
        table = table if isinstance(table, dict) else {}
        entries = [e for e in table.values() if isinstance(e, dict)]
        wanted = [gid for user in users for gid in _listed(user.get("skillGroups"))]
        wanted += [g.get("overflowSkillGroupId") for g in groups]
        wanted += [e.get("skillGroup") for e in entries]
        agents = [e.get("agent") for e in entries]
        if any(isinstance(g, str) and g and g not in known for g in wanted):
            return True
        if any(isinstance(a, str) and a and a not in {u.get("userId") for u in users}
               for a in agents):  # fmt: skip
            return True
        numbers = [n for n in _listed(instance.get("numbers")) if isinstance(n, str)]
        if not set(table) <= set(numbers) or _overflows_cycle(groups):
            return True
        outside = [e.get("externalNumber") for e in entries]
        outside += [g.get("overflowNumber") for g in groups]
        if any(isinstance(n, str) and n and n in numbers for n in outside):
            return True
    return False


def _overflows_cycle(groups: list[dict[str, Any]]) -> bool:
    """Whether following overflowSkillGroupId from some group comes back to a group."""
    nxt = {g.get("skillGroupId"): g.get("overflowSkillGroupId") for g in groups}
    for start in nxt:
        seen, at = set(), start
        while isinstance(at, str) and at in nxt and at not in seen:
            seen.add(at)
            at = nxt[at]
        if isinstance(at, str) and at in seen:
            return True
    return False


def test_the_bundled_world_and_its_round_trip_are_valid() -> None:
    assert VALIDATOR.is_valid(
        json.loads(files("callstate").joinpath("data/default_world.json").read_text("utf-8"))
    )
    assert VALIDATOR.is_valid(default_world().to_dict())


@pytest.mark.parametrize(
    "instance",
    [
        {"instanceId": "i", "skillGroups": [{"skillGroupId": "g"}, {"skillGroupId": "g"}]},
        {"instanceId": "i", "users": [{"userId": "u", "extension": "1", "skillGroups": ["g"]}]},
        {
            "instanceId": "i",
            "users": [{"userId": "u", "extension": "1"}, {"userId": "v", "extension": "1"}],
        },
    ],
    ids=["duplicate-group", "unknown-group", "duplicate-extension"],
)
def test_what_only_the_loader_refuses(instance: dict[str, Any]) -> None:
    assert VALIDATOR.is_valid({"instances": [instance]})
    assert not loads({"instances": [instance]})
