"""Fuzz the adapter: whatever arrives, ``Engine.handle`` and ``Engine.signal`` answer documented
bodies.

Requests are aimed at an engine whose agent is signed in and talking to a customer, and most of
them start from parameters that name what exists (the instance, the agent, its device, the call
and its legs) so that they get past parsing and lookups into the deep checks; then parameters are
dropped, replaced by garbage (non-strings, huge strings, long digit strings, deeply nested JSON,
control characters) and joined by unknown keys. Action names are known, near misses or any text.

Every reply must be a success body with exactly the documented keys (SPEC §5) or a catalogued
error body, never a 500; its JSON must be the body, and its XML must read back into the body
unless a string in the body holds a character XML 1.0 cannot carry (``callstate/api/_xml.py``).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import AGENT, CUSTOMER, DEVICE, GROUP, INSTANCE, NUMBER, START, Agent, Call
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from callstate import Engine, Ids, ManualClock, Reply
from callstate.api import SHAPES, SIGNAL_SHAPE, envelope, error_reply, read_xml
from callstate.api._shapes import BOOL, INT, MAP, STR, STRS
from callstate.domain import ACTIONS, SIGNALS, NotExistsUserId, catalogue, wire_fields
from callstate.testing import wire_params

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
EXTENSION = "80011474"
ERROR_KEYS = {"Code", "HttpStatusCode", "Message", "Params", "RequestId"}
CODES = {cls.code: cls for cls in catalogue()}
REQUEST_ID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}")
# What XML 1.0 cannot carry: the control characters the module docstring names, U+FFFE/U+FFFF
# and (not named there, but not XML characters either) lone surrogates.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# --- the engine under fuzz ------------------------------------------------------------------

INBOUND_CALLER = "13100000000"
STARTS = ("talking", "held", "ringing", "ready")


def on_a_call() -> tuple[Engine, Call]:
    """A fresh engine (fixed clock, no simulated network): the agent talks to CUSTOMER.

    Everything is deterministic, so every engine built here has the same ids.
    """
    clock = ManualClock(START)
    engine = Engine(clock=clock, ids=Ids(seed=5), network=None)
    agent = Agent(engine, clock)
    agent.sign_in()
    call = agent.dial(CUSTOMER)
    answered = engine.signal(
        "FarEndAnswered",
        {"InstanceId": INSTANCE, "JobId": call.job, "ChannelId": call.customer_leg},
    )
    assert answered.ok, answered.body
    return engine, call


def engine_in(kind: str) -> Engine:
    """A fresh engine whose agent is TALKING, TALKING with the customer held, RINGING or READY."""
    if kind in ("talking", "held"):
        engine, call = on_a_call()
        if kind == "held":
            hold = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": DEVICE,
                    "JobId": call.job, "ChannelId": call.customer_leg}  # fmt: skip
            assert engine.handle("HoldCall", hold).ok
        return engine
    clock = ManualClock(START)
    engine = Engine(clock=clock, ids=Ids(seed=5), network=None)
    Agent(engine, clock).sign_in()
    if kind == "ringing":
        offer = {"InstanceId": INSTANCE, "Caller": INBOUND_CALLER, "Callee": NUMBER,
                 "UserId": AGENT, "SkillGroupId": GROUP}  # fmt: skip
        assert engine.signal("CallOffered", offer).ok
    return engine


def _ids_of_every_start() -> tuple[list[str], list[str]]:
    jobs: set[str] = set()
    channels: set[str] = set()
    for kind in STARTS:
        view = engine_in(kind).view(INSTANCE)
        assert view is not None
        for job in view.jobs.values():
            jobs.add(job.job_id)
            channels.update(c.channel_id for c in job.channels)
    return sorted(jobs), sorted(channels)


_, CALL = on_a_call()
JOBS, CHANNELS = _ids_of_every_start()

# --- strategies -----------------------------------------------------------------------------

ALL_WIRE_NAMES = sorted(
    {f.wire for cls in (*ACTIONS.values(), *SIGNALS.values()) for f in wire_fields(cls)}
)

#: Values that name what exists, or are well-formed, per parameter.
PLAUSIBLE: dict[str, list[Any]] = {
    "InstanceId": [INSTANCE],
    "UserId": [AGENT],
    "DeviceId": [DEVICE, DEVICE, "dev-other"],
    "JobId": JOBS,
    "ChannelId": CHANNELS,
    "Caller": [NUMBER, CUSTOMER, INBOUND_CALLER],
    "Callee": [CUSTOMER, NUMBER, EXTENSION, INBOUND_CALLER],
    "SkillGroupId": [GROUP],
    "SignedSkillGroupIdList": [json.dumps([GROUP]), [GROUP], "[]"],
    "Additivity": ["true", "false", "True", True],
    "ChatDeviceId": ["chat-1"],
    "OutboundScenario": ["true", "false", "FALSE", False],
    "Code": ["Lunch", "Warm-up"],
    "WorkMode": ["ON_SITE", "OFF_SITE", "OFFICE_PHONE", "on_site"],
    "Mobile": ["13900000009"],
    "TimeoutSeconds": ["30", "300", "29", "301", "+45", "-1", 60],
    "MediaType": ["AUDIO", "VIDEO", "audio"],
    "Music": ["", "jazz", "default"],
    "CallPriority": ["0", "9", "5", "10", "-1", 3],
    "Transferee": [AGENT, GROUP, "nobody"],
    "Transferor": [NUMBER, "01099999999"],
    "TransfereeType": ["AGENT", "SKILL_GROUP", "IVR", "agent"],
    "PageNumber": ["1", "2", "0", "101", 1],
    "PageSize": ["1", "100", "0", "101", 20],
    "AgentIdList": [json.dumps([AGENT]), json.dumps(["nobody"]), json.dumps(["a"] * 21), "[]"],
    "StateList": ['["Ready","Break"]', '["Talking"]', '["READY"]', "[]"],
    "SkillGroupIdList": [json.dumps([GROUP]), json.dumps(["nobody"]), "[]"],
    "ParticipantListJson": [json.dumps([EXTENSION]), json.dumps([CUSTOMER]), '["1", "1"]', "[]"],
    "Dtmf": ["1", "*0#", "12a", " 9 "],
    "Route": ["sales"],
    "Invisible": ["true", "false", "yes", True],
    "Extension": [EXTENSION, "1", ""],
    "Password": ["s3cret", " ", ""],
    **{
        name: [AGENT, "supervisor@ccc-test", "nobody"]
        for name in ("MonitoredUserId", "CoachedUserId", "BargedUserId", "InterceptedUserId")
    },
}
assert set(PLAUSIBLE) == set(ALL_WIRE_NAMES), set(ALL_WIRE_NAMES) ^ set(PLAUSIBLE)

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)

GARBAGE: st.SearchStrategy[Any] = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(max_codepoint=0x1F), max_size=6),  # control characters
    st.sampled_from(["", " ", "\t\n", "\u3000", "null", "None", "true", "0", "[]", "{}"]),
    st.sampled_from(["[" * 5000, "[" * 5000 + "]" * 5000, '["' + "a" * 10 + '"' + "]" * 5000]),
    st.sampled_from(["x" * 100_000, "9" * 5000, "1" * 19, "-" + "9" * 40, "\uff10\uff11\uff12"]),
    st.sampled_from(['["a", 1]', '[" "]', '"s"', '{"a": 1}', "[null]", '["\\u0000"]']),
    st.integers(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True),
    st.none(),
    st.booleans(),
    st.lists(st.text(max_size=5), max_size=3),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), _JSON, max_size=3),
    _JSON,
    st.binary(max_size=5),
    st.tuples(st.text(max_size=3)),
)

NEAR_MISSES = ["", " ", "holdcall", "HoldCall ", "Hold Call", "HOLDCALL", "__init__", "Request",
               "Command", "Signal", "ChannelSignal", "decide", "HoldCallRequest"]  # fmt: skip
ACTION_NAMES: st.SearchStrategy[str] = st.sampled_from(
    ["action"] * 6 + ["signal"] * 3 + ["near miss", "text"]
).flatmap(
    lambda kind: {
        "action": st.sampled_from(sorted(ACTIONS)),
        "signal": st.sampled_from(sorted(SIGNALS)),
        "near miss": st.sampled_from(NEAR_MISSES),
        "text": st.text(max_size=20),
    }[kind]
)


def _value(draw: st.DrawFn, wire: str, clean: bool) -> Any:
    """A plausible value; in a dirty request, sometimes garbage instead."""
    if clean or draw(st.sampled_from([True] * 4 + [False])):
        return draw(st.sampled_from(PLAUSIBLE[wire]))
    return draw(GARBAGE)


@st.composite
def fuzzed_request(draw: st.DrawFn) -> tuple[str, dict[str, Any], bool]:
    """A name, its parameters and whether it is sent as a signal (mostly: when it names one).

    A clean request has every parameter of its class, each plausible (it reaches the state
    checks, and often succeeds); a dirty one drops some, garbles some and adds strangers.
    """
    name = draw(ACTION_NAMES)
    cls = ACTIONS.get(name) or SIGNALS.get(name)
    as_signal = (name in SIGNALS) != draw(st.sampled_from([False] * 9 + [True]))
    clean = draw(st.booleans())
    params: dict[str, Any] = {}
    for field in wire_fields(cls) if cls is not None else ():
        if clean or draw(st.sampled_from([True] * 4 + [False])):
            params[field.wire] = _value(draw, field.wire, clean)
    if not clean:
        for wire in draw(st.lists(st.sampled_from(ALL_WIRE_NAMES), max_size=3)):
            params[wire] = _value(draw, wire, clean)
        params.update(draw(st.dictionaries(st.text(max_size=12), GARBAGE, max_size=2)))
    return name, params, as_signal


REQUESTS = st.lists(fuzzed_request(), min_size=1, max_size=5)


# --- checks ---------------------------------------------------------------------------------


def assert_shape(shape: dict[str, Any], value: Any, path: str) -> None:
    """``value`` has exactly the shape's keys, recursively, each of the shape's type."""
    assert isinstance(value, dict), f"{path}: {value!r}"
    assert set(value) == set(shape), f"{path}: {sorted(value)} != {sorted(shape)}"
    for key, kind in shape.items():
        item, where = value[key], f"{path}.{key}"
        if isinstance(kind, dict):
            assert_shape(kind, item, where)
        elif isinstance(kind, list):
            assert isinstance(item, list), where
            for i, element in enumerate(item):
                assert_shape(kind[0], element, f"{where}[{i}]")
        elif kind == INT:
            assert type(item) is int, f"{where}: {item!r}"
        elif kind == BOOL:
            assert type(item) is bool, f"{where}: {item!r}"
        elif kind == STR:
            assert type(item) is str, f"{where}: {item!r}"
        elif kind == STRS:
            assert type(item) is list and all(type(s) is str for s in item), f"{where}: {item!r}"
        else:
            assert kind == MAP and type(item) is dict, f"{where}: {item!r}"


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings_in(k), *strings_in(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


def check_reply(reply: Any, name: Any, *, as_signal: bool) -> None:
    """Everything a reply to any request must be (without the XML read-back)."""
    assert isinstance(reply, Reply)
    body = reply.body
    assert reply.status != 500, body
    assert isinstance(body["RequestId"], str) and REQUEST_ID.fullmatch(body["RequestId"])
    if reply.status == 200:
        known = SIGNALS if as_signal else ACTIONS
        assert name in known, (name, body)
        data = SIGNAL_SHAPE if as_signal else SHAPES[name]
        assert_shape(envelope(data, "" if as_signal else name), body, name)
        assert (body["Code"], body["HttpStatusCode"], body["Message"]) == ("OK", 200, "")
        assert body.get("Params", []) == []
    else:
        assert set(body) == ERROR_KEYS, body
        assert body["Code"] in CODES, body
        error = CODES[body["Code"]]
        assert body["HttpStatusCode"] == reply.status == error.http_status
        assert type(body["Params"]) is list and all(type(p) is str for p in body["Params"])
        assert body["Message"] == error.template % tuple(body["Params"])
        assert_shape(envelope(None), body, "Error")
        known = SIGNALS if as_signal else ACTIONS
        if name not in known:
            assert body["Code"] == "InvalidAction.NotFound"
    assert json.loads(reply.to_json()) == body


def send(engine: Engine, name: Any, params: dict[str, Any], *, as_signal: bool) -> Reply:
    reply = (engine.signal if as_signal else engine.handle)(name, params)
    check_reply(reply, name, as_signal=as_signal)
    return reply


# --- the fuzz tests -------------------------------------------------------------------------


def play(kind: str, requests: list[tuple[str, dict[str, Any], bool]]) -> int:
    """Send the requests in order; answer how many replies' XML was read back and compared.

    Only characters XML cannot carry (documented in callstate/api/_xml.py) excuse a body from
    reading back unchanged.
    """
    engine = engine_in(kind)
    compared = 0
    for name, params, as_signal in requests:
        reply = send(engine, name, params, as_signal=as_signal)
        if not any(NOT_XML.search(s) for s in strings_in(reply.body)):
            assert read_xml(reply.to_xml()) == reply.body
            compared += 1
    return compared


@FUZZ
@given(kind=st.sampled_from(STARTS), requests=REQUESTS)
def test_fuzzed_requests_answer_documented_bodies(
    kind: str, requests: list[tuple[str, dict[str, Any], bool]]
) -> None:
    play(kind, requests)


@FUZZ
@given(kind=st.sampled_from(STARTS), request=wire_params(), as_signal=st.booleans())
def test_wire_params_answer_documented_bodies(
    kind: str, request: tuple[str, dict[str, Any]], as_signal: bool
) -> None:
    name, params = request
    play(kind, [(name, params, as_signal)])


@FUZZ
@given(kind=st.sampled_from(STARTS), request=fuzzed_request())
def test_a_name_is_an_action_or_a_signal_never_both(
    kind: str, request: tuple[str, dict[str, Any], bool]
) -> None:
    """The same request through both entry points: at least one does not know the name."""
    name, params, _ = request
    engine = engine_in(kind)
    as_action = send(engine, name, params, as_signal=False)
    as_signal = send(engine, name, params, as_signal=True)
    assert "InvalidAction.NotFound" in (as_action.body["Code"], as_signal.body["Code"])


@FUZZ
@given(kind=st.sampled_from(STARTS), requests=REQUESTS)
@example(
    kind="talking",
    requests=[("PollUserStatus", {"InstanceId": INSTANCE, "UserId": "a\rb"}, False)],
)
def test_xml_reads_back_into_the_body(
    kind: str, requests: list[tuple[str, dict[str, Any], bool]]
) -> None:
    """The full property of the brief: only XML-invalid characters excuse a difference."""
    play(kind, requests)


# --- deterministic cases the fuzzers may not hit --------------------------------------------


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"SignedSkillGroupIdList": "[" * 5000}, "Parameter.Format"),
        ({"SignedSkillGroupIdList": "[" * 5000 + "]" * 5000}, "Parameter.Format"),
        ({"SignedSkillGroupIdList": ["g", 1]}, "Parameter.Format"),
        ({"SignedSkillGroupIdList": {"a": 1}}, "Parameter.Format"),
        ({"SignedSkillGroupIdList": "[]"}, "Parameter.Blank"),
        ({"SignedSkillGroupIdList": json.dumps([GROUP]), "Additivity": "yes"}, "Parameter.Format"),
        ({"SignedSkillGroupIdList": json.dumps([GROUP]), "UserId": 5}, "Parameter.Format"),
        ({"SignedSkillGroupIdList": json.dumps([GROUP]), "UserId": None}, "Parameter.Blank"),
        ({"SignedSkillGroupIdList": json.dumps(["x" * 100_000])}, "NotExists.SkillGroupId"),
    ],
)
def test_sign_in_with_bad_parameters(params: dict[str, Any], code: str) -> None:
    engine, _ = on_a_call()
    request = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": DEVICE, **params}
    reply = send(engine, "SignInGroup", request, as_signal=False)
    assert reply.body["Code"] == code, reply.body


@pytest.mark.parametrize(
    ("timeout", "code"),
    [
        ("9" * 5000, "Parameter.Format"),
        ("9" * 19, "Parameter.Format"),
        ("9" * 18, "Parameter.Maximum"),
        (10**100, "Parameter.Maximum"),
        ("-" + "9" * 18, "Parameter.Minimum"),
        (29, "Parameter.Minimum"),
        ("30.0", "Parameter.Format"),
        (30.0, "Parameter.Format"),
        (True, "Parameter.Format"),
        ("٣٠", "Parameter.Format"),  # Arabic-Indic digits are digits, but not ASCII ones
    ],
)
def test_make_call_with_bad_timeouts(timeout: Any, code: str) -> None:
    engine, _ = on_a_call()
    request = {
        "InstanceId": INSTANCE,
        "UserId": AGENT,
        "Callee": "13100000000",
        "TimeoutSeconds": timeout,
    }
    reply = send(engine, "MakeCall", request, as_signal=False)
    assert reply.body["Code"] == code, reply.body


def test_valid_looking_requests_reach_the_deep_checks() -> None:
    """The engine under fuzz is in the state the PLAUSIBLE values name."""
    engine, call = on_a_call()
    base = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": DEVICE, "JobId": call.job}
    held = send(engine, "HoldCall", {**base, "ChannelId": call.customer_leg}, as_signal=False)
    assert held.ok, held.body
    again = send(engine, "HoldCall", {**base, "ChannelId": call.customer_leg}, as_signal=False)
    assert again.body["Code"] == "InvalidOperation.ChannelState"
    assert again.body["Params"] == ["HELD", "ANSWERED"]
    assert read_xml(again.to_xml()) == again.body


@pytest.mark.parametrize("text", ["a\x00b", "\x1b[31m", "\ufffe", "a\x0bb"])
def test_xml_of_a_body_with_control_characters_is_well_formed(text: str) -> None:
    """Characters XML cannot carry become U+FFFD: the document parses, the rest reads back."""
    engine, _ = on_a_call()
    reply = send(
        engine, "PollUserStatus", {"InstanceId": INSTANCE, "UserId": text}, as_signal=False
    )
    assert reply.body["Code"] == "NotExists.UserId"
    back = read_xml(reply.to_xml())
    assert back["Params"][0] == NOT_XML.sub("\ufffd", text)
    assert back["Params"][1] == INSTANCE


def test_carriage_return_reads_back_from_xml() -> None:
    engine, _ = on_a_call()
    request = {"InstanceId": INSTANCE, "UserId": "a\rb"}
    reply = send(engine, "PollUserStatus", request, as_signal=False)
    assert reply.body["Params"] == ["a\rb", INSTANCE]
    assert read_xml(reply.to_xml()) == reply.body


def test_xml_of_a_body_with_a_lone_surrogate_is_well_formed() -> None:
    engine, _ = on_a_call()
    request = {"InstanceId": INSTANCE, "UserId": "x\ud800y"}
    reply = send(engine, "PollUserStatus", request, as_signal=False)
    assert reply.body["Code"] == "Parameter.Format"  # refused where it enters (test_text_hygiene)
    # A body an embedder builds by hand may still hold one: the XML stays well-formed.
    built = error_reply(NotExistsUserId("x\ud800y", INSTANCE), "request-1", "PollUserStatus")
    back = read_xml(built.to_xml())
    assert back["Params"] == ["x\ufffdy", INSTANCE]
