"""Parameter names and the V3 canonical query: built as the SDK builds it, never ambiguous.

The SDK's signer (``alibabacloud_tea_openapi.utils.get_canonical_query_string``) encodes values
but not names, so its canonical query reads back unambiguously only when no name holds ``=``,
``&`` or ``%``. The emulator refuses a name outside RFC 3986's unreserved characters before it
verifies anything; every CCC parameter name is alphanumeric.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from alibabacloud_tea_openapi import models as openapi_models
from alibabacloud_tea_openapi.utils import get_canonical_query_string
from darabonba.runtime import RuntimeOptions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_support import (
    AGENT,
    AK,
    CUSTOMER,
    INSTANCE,
    NUMBER,
    SECRET,
    agent,
    client,
    control,
    http_call,
    sdk_signed_headers,
    sign_in,
)

from callstate import Engine
from callstate.domain import InvalidParameterName
from callstate.server import ThreadedServer
from callstate.server._signature import canonical_query, check_names, parse_query

UNRESERVED = string.ascii_letters + string.digits + "-._~"
#: Values the SDK must carry through its signature unchanged.
TRICKY = st.sampled_from(["=", "&", "%", "+", " ", "%3D", "a=b&c=d", "é中😀", "", "~*'()"])
VALUES = st.lists(
    st.one_of(TRICKY, st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)),
    min_size=1,
    max_size=4,
).map("".join)
#: Names the SDK can send: unreserved characters, prefixed so as never to be a CCC parameter.
NAMES = st.text(UNRESERVED, min_size=1, max_size=12).map(lambda name: f"p{name}")
PARAMETER_SETS = st.dictionaries(NAMES, VALUES, max_size=6)
POLL = openapi_models.Params(
    action="PollUserStatus",
    version="2020-07-01",
    protocol="HTTP",
    pathname="/",
    method="POST",
    auth_type="AK",
    style="RPC",
    req_body_type="formData",
    body_type="json",
)
ME = {"InstanceId": INSTANCE, "UserId": AGENT}


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer(Engine(), credentials={AK: SECRET}) as running:
        yield running


@pytest.fixture(scope="module")
def open_server() -> Iterator[ThreadedServer]:
    with ThreadedServer(Engine()) as running:
        yield running


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(extra=PARAMETER_SETS)
def test_the_canonical_query_is_the_sdks_byte_for_byte(extra: dict[str, str]) -> None:
    sent = urlencode(extra)  # what the SDK puts on the wire (darabonba's core)
    assert canonical_query(parse_query(sent)) == get_canonical_query_string(extra)
    assert canonical_query(parse_query(sent.encode())) == get_canonical_query_string(extra)


#: Query text made of what decoding cares about: escapes (valid, invalid, cut short), ``+``,
#: separators, non-ASCII (lone surrogates included) and plain text.
QUERY_TEXT = st.lists(
    st.one_of(
        st.sampled_from(
            ["%", "%4", "%41", "%e9", "%C3%A9", "%C3", "%zz", "+", "=", "&", "é", "\udc80"]
        ),
        st.text(max_size=6),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(raw=st.one_of(QUERY_TEXT, st.binary(max_size=40)))
def test_the_query_decodes_as_parse_qsl_does(raw: str | bytes) -> None:
    # The emulator's own decoder (fast paths, a memo of decoded components) answers what the
    # standard library's generic one does, the last value of a name winning, twice over.
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    expected = dict(parse_qsl(text, keep_blank_values=True, errors="replace"))
    assert parse_query(raw) == expected
    assert parse_query(raw) == expected


#: Names around the line: unreserved characters, non-ASCII letters and digits, reserved ones.
NAME_CHARS = st.sampled_from([*UNRESERVED, "²", "é", "٣", "\uff21", "%", " "])


@settings(max_examples=500, deadline=None)
@given(name=st.text(st.one_of(NAME_CHARS, st.characters())))
def test_a_name_is_accepted_exactly_when_it_is_unreserved_characters(name: str) -> None:
    # letters and digits take a shortcut past the pattern: only ASCII ones may
    unreserved = name != "" and all(c in UNRESERVED for c in name)
    try:
        check_names({"InstanceId": "x"}, {name: "1"})
    except InvalidParameterName:
        assert not unreserved
    else:
        assert unreserved


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(extra=PARAMETER_SETS)
def test_any_parameter_set_the_sdk_signs_is_accepted_end_to_end(
    server: ThreadedServer, extra: dict[str, str]
) -> None:
    ccc = client(server.endpoint)
    request = openapi_models.OpenApiRequest(query={**ME, **extra})
    answer: dict[str, Any] = ccc.call_api(POLL, request, RuntimeOptions())
    assert answer["statusCode"] == 200
    assert answer["body"]["Data"]["UserContext"]["UserId"] == AGENT


def _signed(server: ThreadedServer, query: dict[str, str], raw: str, action: str) -> Any:
    """Send ``raw`` as the query of a request the SDK's signer signed over ``query``."""
    headers = sdk_signed_headers(server.endpoint, action, query)
    status, _, body = http_call(server.url, "POST", f"/?{raw}", b"", headers)
    return status, json.loads(body)


def _state(server: ThreadedServer) -> Any:
    return control(server.url, "GET", "/_callstate/state")[1]


def test_a_request_whose_name_boundaries_are_rewritten_is_refused_and_changes_nothing(
    server: ThreadedServer,
) -> None:
    # The rewrite: Caller=X&DeviceId=Y signed, Caller%3DX%26DeviceId=Y sent, so that
    # the engine would see neither parameter while the canonical query stays the same.
    control(server.url, "POST", "/_callstate/reset")
    sign_in(client(server.endpoint), agent())
    signed = {**ME, "Caller": NUMBER, "Callee": CUSTOMER, "DeviceId": "dev-1"}
    rest = f"Callee={CUSTOMER}&InstanceId={INSTANCE}&UserId={quote(AGENT)}"
    before = _state(server)
    status, body = _signed(server, signed, f"{rest}&Caller%3D{NUMBER}%26DeviceId=dev-1", "MakeCall")
    assert (status, body["Code"], body["HttpStatusCode"]) == (400, "InvalidParameter.Name", 400)
    assert set(body) == {"Code", "HttpStatusCode", "Message", "Params", "RequestId"}
    assert body["Params"] == []
    assert _state(server) == before
    # the request as it was signed is served
    assert _signed(server, signed, f"{rest}&Caller={NUMBER}&DeviceId=dev-1", "MakeCall")[0] == 200


@pytest.mark.parametrize(
    "raw_name",
    ["a%3Db", "a%26b", "a%25b", "a+b", "a%2Bb", "a%20b", "%C3%A9", "a%2Fb", "a:b", "a@b", "a*b",
     "a%00b", ""],
)  # fmt: skip
@pytest.mark.parametrize("credentials", [True, False], ids=["credentials", "open"])
def test_names_with_reserved_characters_are_refused_before_anything_else(
    server: ThreadedServer, open_server: ThreadedServer, raw_name: str, credentials: bool
) -> None:
    target = server if credentials else open_server
    control(target.url, "POST", "/_callstate/reset")
    before = _state(target)
    query = {**ME, "DeviceId": "dev-1", "SignedSkillGroupIdList": '["skill-group@ccc-test"]'}
    raw = f"{urlencode(query)}&{raw_name}=1"
    status, body = _signed(target, {**query, **parse_query(f"{raw_name}=1")}, raw, "SignInGroup")
    assert (status, body["Code"], body["HttpStatusCode"]) == (400, "InvalidParameter.Name", 400)
    assert _state(target) == before
    # the same request without the odd name is served
    assert _signed(target, query, urlencode(query), "SignInGroup")[0] == 200
