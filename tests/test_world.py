"""World files: read, checked (errors name the bad path), written back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from callstate import Engine, World, WorldError, default_world, load_world
from callstate.engine import DEFAULT_WORLD_FILE


def test_the_default_world_is_the_seeds() -> None:
    world = default_world()
    inst = world.instances["ccc-test"]
    user = inst.users["user-test@ccc-test"]
    assert (user.extension, user.mobile, user.work_mode.value) == (
        "80011474",
        "13900000001",
        "ON_SITE",
    )
    assert user.skill_group_ids == ("skill-group@ccc-test",)
    assert inst.numbers == ("01012345678",)
    assert inst.dialling_for("13188888888").after_ms == 1075
    assert inst.dialling_for("13000000000").after_ms == 0


def test_a_world_reads_back_from_its_dict() -> None:
    world = default_world()
    assert World.from_dict(world.to_dict()) == world
    assert World.from_dict(json.loads(json.dumps(world.to_dict()))) == world


def test_a_world_file_loads_by_path(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(DEFAULT_WORLD_FILE.read_text("utf-8"), "utf-8")
    assert load_world(path) == default_world()
    assert load_world(str(path)) == default_world()


def _world(**instance: Any) -> dict[str, Any]:
    return {"instances": [{"instanceId": "i", **instance}]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"instances": "x"}, "$.instances: expected a list"),
        ({"instances": [1]}, "$.instances[0]: expected an object, got a number"),
        ({"instances": [{}]}, "$.instances[0].instanceId: required"),
        ({"instances": [{"instanceId": " "}]}, "$.instances[0].instanceId: may not be blank"),
        (_world(numbers=[""]), "$.instances[0].numbers[0]: expected a non-blank string"),
        (_world(ringTimeoutMs=True), "$.instances[0].ringTimeoutMs: expected an integer"),
        (_world(ringTimeoutMs=0), "$.instances[0].ringTimeoutMs: must be >= 1"),
        (
            _world(users=[{"userId": "u", "extension": "1", "skillGroups": ["g"]}]),
            "$.instances[0].users[0].skillGroups[0]: no skill group 'g'",
        ),
        (
            _world(users=[{"userId": "u", "extension": "1"}, {"userId": "v", "extension": "1"}]),
            "$.instances[0].users[1].extension: duplicate '1'",
        ),
        (
            _world(users=[{"userId": "u", "extension": "1", "workMode": "HOME"}]),
            "$.instances[0].users[0].workMode: expected one of ON_SITE, OFF_SITE, OFFICE_PHONE",
        ),
        (
            _world(dialling={"numbers": {"1": {"outcome": "maybe"}}}),
            "$.instances[0].dialling.numbers.1.outcome: expected one of answer, busy",
        ),
        (
            {"instances": [{"instanceId": "i"}, {"instanceId": "i"}]},
            "$.instances[1].instanceId: duplicate 'i'",
        ),
    ],
)
def test_a_bad_world_names_the_bad_path(document: dict[str, Any], message: str) -> None:
    with pytest.raises(WorldError) as caught:
        World.from_dict(document)
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, ValueError)


def test_unreadable_and_non_json_files_are_world_errors(tmp_path: Path) -> None:
    with pytest.raises(WorldError, match="cannot read world file"):
        load_world(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", "utf-8")
    with pytest.raises(WorldError, match="not JSON"):
        load_world(bad)


def test_reset_starts_over_from_the_world() -> None:
    engine = Engine(network=None)
    agent = {"InstanceId": "ccc-test", "UserId": "user-test@ccc-test", "DeviceId": "d"}
    signed = engine.handle(
        "SignInGroup", {**agent, "SignedSkillGroupIdList": '["skill-group@ccc-test"]'}
    )
    assert signed.ok
    engine.reset()
    polled = engine.handle("PollUserStatus", agent)
    assert polled.body["Data"]["UserContext"]["UserState"] == "OFFLINE"
    engine.reset(_world())
    assert engine.handle("PollUserStatus", agent).body["Code"] == "NotExists.InstanceId"


def test_a_world_with_an_overflow_cycle_is_refused() -> None:
    doc = default_world().to_dict()
    groups = doc["instances"][0]["skillGroups"]
    groups[0]["overflowSkillGroupId"] = "b"
    groups.append({"skillGroupId": "b", "overflowSkillGroupId": "c"})
    groups.append({"skillGroupId": "c", "overflowSkillGroupId": "b"})
    with pytest.raises(
        WorldError, match=r"skillGroups\[0\].overflowSkillGroupId: its overflows cycle at .b."
    ):
        World.from_dict(doc)
