"""ChangeVisibility: an invisible agent is offered no inbound call; made visible, it is at once."""

from __future__ import annotations

import pytest
from test_routing import ANN, Centre


def test_an_invisible_agent_is_skipped_and_a_visible_one_is_offered_the_waiting_call() -> None:
    c = Centre()
    c.ready(ANN)
    data = c.agents[ANN].ok("ChangeVisibility", Invisible="true")
    assert (data["UserState"], data["OutboundScenario"]) == ("READY", True)
    job = c.arrive()
    assert c.state(ANN) == "READY" and c.job(job).state.value == "QUEUED"
    c.log()
    data = c.agents[ANN].ok("ChangeVisibility", Invisible="false")
    assert data["OutboundScenario"] is False
    assert c.ringing(ANN) == job  # the same commit's distribution offers it
    assert [kind for kind, _ in c.log()] == ["AssignAgent", "Ringing", "AgentRinging"]


@pytest.mark.parametrize(
    ("params", "signed_in", "code", "fill"),
    [
        ({}, False, "InvalidOperation.UserState", ["OFFLINE", "BREAK,READY,WORKING"]),
        ({"Invisible": "maybe"}, True, "Parameter.Format", None),
        ({"UserId": "ghost@ccc-route"}, True, "NotExists.UserId", None),
        ({"InstanceId": "ccc-none"}, True, "NotExists.InstanceId", None),
    ],
)
def test_a_refused_change_changes_nothing(
    params: dict[str, str], signed_in: bool, code: str, fill: list[str] | None
) -> None:
    c = Centre()
    if signed_in:
        c.ready(ANN)
    before = c.engine.snapshot()
    c.log()
    reply = c.agents[ANN].do("ChangeVisibility", **{"Invisible": "true", **params})
    assert reply.body["Code"] == code, reply.body
    if fill is not None:
        assert reply.body["Params"] == fill
    assert c.engine.snapshot() == before and c.log() == []
