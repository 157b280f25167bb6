"""Text through every entry point: lone surrogates are refused at the edge, all else round-trips.

A lone surrogate (U+D800..U+DFFF alone) is not Unicode text: UTF-8 cannot carry it, so a stored
one would make every later JSON rendering fail. NUL, bidirectional marks and astral characters
are text: they are stored, and the state, the poll (JSON and XML) and the event stream render.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_support import AGENT, GROUP, INSTANCE, NUMBER, SSE, control, http_call

from callstate import Engine, Ids, Reply, World, WorldError, default_world
from callstate.api import json_bytes, read_xml
from callstate.server import ThreadedServer
from callstate.server._http import json_response, reply_response

ME = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": "dev-1"}
ODD = [
    "\x00",
    "\u200f",
    "\u202e",
    "\U0001f600",
    "\ud800",
    "\udfff",
    "\ud83d",
    "\ude00",
    "\r",
    "\x1f",
]
# Joined by hand: st.text() over this alphabet drops the sampled characters.
CHARS = st.one_of(st.sampled_from(ODD), st.characters())
TEXT = st.lists(CHARS, min_size=1, max_size=12).map("".join).filter(str.strip)
SURROGATE = re.compile("[\ud800-\udfff]")
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def poisoned(text: str) -> bool:
    return SURROGATE.search(text) is not None


def as_read(text: str) -> str:
    """``text`` as a JSON body carries it (a high-low surrogate pair reads as one character)."""
    return json.loads(json.dumps(text))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer(Engine(ids=Ids(seed=1))) as running:
        yield running


def fresh(
    server: ThreadedServer, world: dict[str, Any] | None = None, *, sign_in: bool = True
) -> None:
    assert control(server.url, "POST", "/_callstate/reset", world or default_world().to_dict())[0]
    group = json.dumps([GROUP])
    assert (
        not sign_in
        or server.emulator.engine.handle("SignInGroup", {**ME, "SignedSkillGroupIdList": group}).ok
    )


def rpc(server: ThreadedServer, action: str, params: dict[str, bytes], xml: bool = False) -> Any:
    """A form-body action; the values are raw bytes, so they can be anything a client sends."""
    form = "&".join(f"{k}={quote_from_bytes(v)}" for k, v in params.items())
    query = f"/?Action={action}&Version=2020-07-01" + ("&Format=XML" if xml else "")
    headers = {"content-type": "application/x-www-form-urlencoded"}
    status, _, body = http_call(server.url, "POST", query, form.encode(), headers)
    return status, (read_xml(body.decode("utf-8")) if xml else json.loads(body))


def everything_renders(server: ThreadedServer) -> dict[str, Any]:
    """State, the poll in JSON and XML, and the resumed event stream all answer; the state."""
    status, state = control(server.url, "GET", "/_callstate/state")
    assert status == 200
    me = {k: v.encode("utf-8") for k, v in ME.items()}
    assert rpc(server, "PollUserStatus", me)[0] == 200
    assert rpc(server, "PollUserStatus", me, xml=True)[0] == 200
    logged = server.emulator.engine.events(INSTANCE)
    stream = SSE(server.url, f"/_callstate/events?instance={INSTANCE}&after=0")
    try:
        assert [e["seq"] for e in stream.events(len(logged))] == [e.seq for e in logged]
    finally:
        stream.close()
    return state  # type: ignore[no-any-return]


def world_with(text: str) -> dict[str, Any]:
    world = default_world().to_dict()
    instance = world["instances"][0]
    instance["skillGroups"][0]["name"] = text
    instance["users"][0]["mobile"] = text
    instance["holdMusic"] = [text]
    instance["dialling"]["numbers"][text] = {"outcome": "busy", "afterMs": 5}
    return world


# --- through HTTP -----------------------------------------------------------------------------
@SETTINGS
@given(text=TEXT)
def test_action_params_from_any_bytes_render_everywhere(server: ThreadedServer, text: str) -> None:
    fresh(server, sign_in=False)
    sent = text.encode("utf-8", "surrogatepass")  # a surrogate arrives as invalid UTF-8
    params = {**{k: v.encode() for k, v in ME.items()}, "DeviceId": sent}
    group = json.dumps([GROUP]).encode()
    status, reply = rpc(server, "SignInGroup", {**params, "SignedSkillGroupIdList": group})
    assert (status, reply["Code"]) == (200, "OK"), reply
    received = sent.decode("utf-8", "replace")  # what the server read
    for xml in (False, True):
        status, reply = rpc(server, "PollUserStatus", params, xml=xml)
        shown = NOT_XML.sub("\ufffd", received) if xml else received
        assert (status, reply["Data"]["UserContext"]["DeviceId"]) == (200, shown)
    assert reply["Data"]["UserContext"]["DeviceId"] == NOT_XML.sub("\ufffd", received)
    everything_renders(server)


@SETTINGS
@given(text=TEXT)
def test_signal_params_are_refused_or_render_everywhere(server: ThreadedServer, text: str) -> None:
    text = as_read(text)
    fresh(server)
    engine = server.emulator.engine
    before, logged = control(server.url, "GET", "/_callstate/state")[1], engine.events(INSTANCE)
    live = SSE(server.url, f"/_callstate/events?instance={INSTANCE}")
    offer = {"InstanceId": INSTANCE, "Caller": text, "Callee": NUMBER, "UserId": AGENT,
             "SkillGroupId": GROUP}  # fmt: skip
    try:
        status, reply = control(server.url, "POST", "/_callstate/signals/CallOffered", offer)
        if poisoned(text):
            assert (status, reply["Code"], reply["Params"][0]) == (
                400,
                "Parameter.Format",
                "Caller",
            )
            assert "surrogate" in reply["Message"]
            assert control(server.url, "GET", "/_callstate/state")[1] == before
            assert engine.events(INSTANCE) == logged
        else:
            assert (status, reply["Code"]) == (200, "OK"), reply
            new = engine.events(INSTANCE, logged[-1].seq)
            sent = live.events(len(new))  # the live stream renders them too
            assert [e["seq"] for e in sent] == [e.seq for e in new]
            assert text in [e.get("caller") for e in sent]
    finally:
        live.close()
    state = everything_renders(server)
    callers = [job["caller"] for job in state["instances"][INSTANCE]["jobs"].values()]
    assert callers == ([] if poisoned(text) else [text])


@SETTINGS
@given(text=TEXT)
def test_world_documents_are_refused_or_render_everywhere(
    server: ThreadedServer, text: str
) -> None:
    text = as_read(text)
    fresh(server)
    before = control(server.url, "GET", "/_callstate/state")[1]
    world = world_with(text)
    status, reply = control(server.url, "PUT", "/_callstate/world", world)
    if poisoned(text):
        assert (status, reply["Code"]) == (400, "Parameter.Invalid")
        assert "surrogate" in reply["Message"]
        assert control(server.url, "GET", "/_callstate/world")[1] == default_world().to_dict()
        assert control(server.url, "GET", "/_callstate/state")[1] == before
    else:
        assert status == 200, reply
        # as loaded: the document's keys, and the defaults of those it left out
        assert (
            control(server.url, "GET", "/_callstate/world")[1] == World.from_dict(world).to_dict()
        )
        fresh(server, world)
    everything_renders(server)


# --- the shared check, without HTTP -----------------------------------------------------------
@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "\ude00\ud83d"])
def test_an_embedder_gets_the_same_refusal(engine: Engine, bad: str) -> None:
    before = engine.snapshot()
    group = json.dumps([GROUP])
    reply = engine.handle("SignInGroup", {**ME, "DeviceId": bad, "SignedSkillGroupIdList": group})
    assert (reply.status, reply.body["Code"], reply.body["Params"][0]) == (
        400,
        "Parameter.Format",
        "DeviceId",
    )
    listed = engine.handle("SignInGroup", {**ME, "SignedSkillGroupIdList": json.dumps([bad])})
    assert (listed.status, listed.body["Params"][0]) == (400, "SignedSkillGroupIdList")
    assert engine.snapshot() == before
    with pytest.raises(WorldError, match="surrogate"):
        World.from_dict(world_with(bad))


def test_no_stored_string_can_make_a_json_rendering_fail() -> None:
    body = {"Code": "OK", "Message": "\ud800 \U0001f600 \x00", "Params": ["\udfff"]}
    for response in (reply_response(Reply("X", 200, body)), json_response(body)):
        assert json.loads(bytes(response.body)) == body


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(CHARS),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(CHARS), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=JSON_VALUES)
def test_replies_are_the_json_modules_compact_text(value: Any) -> None:
    # The encoder is called directly (no JSONEncoder set-up per call): the text is still what
    # json.dumps writes with these options, NaN, surrogates and control characters included.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert Reply("X", 200, {"Data": value}).to_json() == '{"Data":' + text + "}"
    try:
        expected = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the ASCII-escaped text
        expected = json.dumps(value, separators=(",", ":")).encode("ascii")
    assert json_bytes(value) == expected


def test_a_circular_value_is_refused_as_the_json_module_refuses_it() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        json_bytes(loop)
