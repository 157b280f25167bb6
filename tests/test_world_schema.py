"""The world's JSON Schema (callstate/data/world.schema.json) agrees with the world's loader.

For generated documents, the schema accepts exactly what ``World.from_dict`` accepts, except
what a schema cannot say (duplicates, a user's skill group the instance lacks), which the
loader alone refuses; and JSON Schema's ``integer`` takes ``1.0``, which the loader refuses
(generated numbers are never integral floats).
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
    return st.integers(0, 29).flatmap(lambda n: valid if n else ANY)


@st.composite
def fields(draw: st.DrawFn, /, **strategies: st.SearchStrategy[Any]) -> dict[str, Any]:
    """An object with these keys, each present nine times in ten."""
    return {k: draw(v) for k, v in strategies.items() if draw(st.integers(0, 9))}


texts = maybe(st.lists(st.sampled_from(["a", "b", *["a"] * 20, " ", ""]), max_size=2))
#: Durations at the edges of every range, and null; mostly valid ones.
duration = st.sampled_from([None, -1, 0, 1, 2, 30_000, 10**12, 10**12 + 1])
outcome = maybe(
    fields(
        outcome=maybe(st.sampled_from(["answer", "busy", "noAnswer", "reject", "other"])),
        afterMs=maybe(duration),
        earlyMedia=maybe(st.booleans()),
    )
)


def _with_id(group: dict[str, Any], i: int) -> dict[str, Any]:
    return {**group, "skillGroupId": f"g{i}"}


@st.composite
def instances(draw: st.DrawFn, index: int) -> Any:
    groups = [
        draw(maybe(fields(name=maybe(st.just("G"))).map(functools.partial(_with_id, i=i))))
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
            ringTimeoutMs=maybe(duration),
            retentionMs=maybe(duration),
            queuingTimeoutMs=maybe(duration),
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
    if names_an_unknown_group(document):  # what a schema cannot say: the loader alone refuses
        assert not loads(document)
    else:
        assert VALIDATOR.is_valid(document) == loads(document), document


def names_an_unknown_group(document: Any) -> bool:
    """Whether a user lists a skill group its instance does not have (among valid shapes)."""
    listed = document.get("instances") if isinstance(document, dict) else None
    for instance in listed if isinstance(listed, list) else []:
        if not isinstance(instance, dict):
            continue
        groups = instance.get("skillGroups")
        groups = groups if isinstance(groups, list) else []
        known = {g.get("skillGroupId") for g in groups if isinstance(g, dict)}
        users = instance.get("users")
        for user in users if isinstance(users, list) else []:
            wanted = user.get("skillGroups") if isinstance(user, dict) else None
            if isinstance(wanted, list) and not set(wanted) <= known:
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
