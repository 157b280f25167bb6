"""A module with its own world: ``ccc_world`` overridden for every test here."""

from __future__ import annotations

from typing import Any

import pytest
from desk import Desk

from callstate import Engine


@pytest.fixture
def ccc_world() -> dict[str, Any]:
    users = [{"userId": "a@ccc-other", "extension": "8001", "skillGroups": ["g@ccc-other"]}]
    instance = {
        "instanceId": "ccc-other",
        "numbers": ["02000000000"],
        "skillGroups": [{"skillGroupId": "g@ccc-other"}],
        "users": users,
    }
    return {"instances": [instance]}


def test_the_server_serves_the_modules_world(ccc_client: Any) -> None:
    desk = Desk(ccc_client, "ccc-other", "a@ccc-other", "dev-a")
    assert desk.sign_in("g@ccc-other") == "READY"
    desk.dial("13900000000", caller="02000000000")
    assert desk.hold() == "TALKING"


def test_the_engine_too(ccc_engine: Engine) -> None:
    assert sorted(ccc_engine.world.instances) == ["ccc-other"]
    agent = {"InstanceId": "ccc-other", "UserId": "a@ccc-other"}
    polled = ccc_engine.handle("PollUserStatus", agent)
    assert polled.body["Data"]["UserContext"]["UserState"] == "OFFLINE"
