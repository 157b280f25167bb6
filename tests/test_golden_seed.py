"""The founding document's example, reproduced exactly through the public API.

HoldCall.md shows the HoldCall response after an agent dialled 13188888888 from 01012345678 and
held the customer's leg. Played on the bundled world with the seed's instants, the engine's
reply must equal that example, with the three documented differences only:

1. values are typed (SPEC §5): ``"200"`` -> ``200``, ``"false"`` -> ``false``, a JSON-encoded
   list -> a list;
2. the placeholders ``无`` become empty values of their type, except ``CallContext.InstanceId``,
   whose real value exists (``ccc-test``); ``AssociatedData`` is ``{}``;
3. ``Reserved`` is the MakeCall instant: the seed's is 3 ms earlier, which a one-instant command
   cannot produce.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import DEVICE, INSTANCE, Agent

from callstate import Engine, Ids, ManualClock, Reply
from callstate.api import SHAPES, envelope, read_xml

FIXTURE = Path(__file__).parent / "fixtures" / "holdcall_seed.json"
SEED_DOC = Path(__file__).resolve().parents[2] / "shared" / "reference" / "HoldCall.md"

SEED_REQUEST_ID = "174F7777-2F6C-4F10-B889-C698E26C1AE0"
SIGN_IN_AT = 1_609_255_700_000
DIAL_AT = 1_609_255_715_825
ANSWER_AT = 1_609_255_716_900
HOLD_AT = 1_609_255_716_908
PLACEHOLDER = "无"


def seed() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text("utf-8"))  # type: ignore[no-any-return]


def typed(shape: Any, value: Any) -> Any:
    """The seed's string rendering read with the documented types; placeholders -> empty."""
    if isinstance(shape, dict):
        return {k: typed(shape[k], v) for k, v in value.items()}
    if isinstance(shape, list):
        return [typed(shape[0], item) for item in value]
    empty = value == PLACEHOLDER
    if shape == "int":
        return 0 if empty else int(value)
    if shape == "bool":
        return False if empty else value == "true"
    if shape == "list[str]":
        return [] if empty else json.loads(value)
    if shape == "map":
        return {} if empty else value
    return "" if empty else value


def expected_body() -> dict[str, Any]:
    body: dict[str, Any] = typed(envelope(SHAPES["HoldCall"]), seed())
    body["Data"]["CallContext"]["InstanceId"] = INSTANCE  # difference 2: the real value
    body["Data"]["UserContext"]["Reserved"] = DIAL_AT  # difference 3
    return body


def play(engine: Engine, clock: ManualClock, answer: bool) -> dict[str, Any]:
    agent = Agent(engine, clock)
    clock.set(SIGN_IN_AT)
    agent.sign_in()
    clock.set(DIAL_AT)
    call = agent.dial()
    if answer:  # no simulated network: the test is the network
        clock.set(ANSWER_AT)
        reply = engine.signal(
            "FarEndAnswered",
            {"InstanceId": INSTANCE, "JobId": call.job, "ChannelId": call.customer_leg},
        )
        assert reply.ok, reply.body
    clock.set(HOLD_AT)
    reply = agent.do("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
    assert reply.status == 200
    return reply.body


def test_holdcall_reply_equals_the_seed_with_the_simulated_network() -> None:
    """The bundled world makes 13188888888 answer 1075 ms after the dial: at ...900."""
    clock = ManualClock(SIGN_IN_AT)
    ids = Ids(request_ids=["sign-in", "make-call", SEED_REQUEST_ID])
    body = play(Engine(clock=clock, ids=ids), clock, answer=False)
    assert body == expected_body()


def test_holdcall_reply_equals_the_seed_with_the_answer_signalled() -> None:
    """An embedder feeding real signals (no simulated network) gets the same reply."""
    clock = ManualClock(SIGN_IN_AT)
    ids = Ids(request_ids=["sign-in", "make-call", "answered", SEED_REQUEST_ID])
    body = play(Engine(clock=clock, ids=ids, network=None), clock, answer=True)
    assert body == expected_body()


def test_seed_job_id_is_the_snowflake_of_the_dial_instant() -> None:
    clock = ManualClock(SIGN_IN_AT)
    engine = Engine(clock=clock, ids=Ids(seed=1))
    body = play(engine, clock, answer=False)
    assert body["Data"]["CallContext"]["JobId"] == "job-65825892782321664"
    assert body["Data"]["UserContext"]["DeviceId"] == DEVICE


def test_the_xml_rendering_reads_back_into_the_same_body() -> None:
    clock = ManualClock(SIGN_IN_AT)
    engine = Engine(clock=clock, ids=Ids(seed=1))
    body = play(engine, clock, answer=False)
    xml = Reply("HoldCall", 200, body).to_xml()
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<HoldCallResponse>')
    assert "<ChannelId>ch:user:13188888888-&gt;80011474:1609255715825:" in xml
    assert read_xml(xml) == body


@pytest.mark.skipif(not SEED_DOC.exists(), reason="../shared is not beside the checkout")
def test_fixture_is_the_seed_documents_json_example() -> None:
    doc = SEED_DOC.read_text("utf-8")
    block = re.search(r"`JSON`格式\s*```\s*(\{.*?\})\s*```", doc, re.S)
    assert block is not None
    assert json.loads(block.group(1)) == seed()
