"""A success reply's JSON is written straight from the records: it is the json module's text.

The writers generated from the response shapes (``callstate/api/_render.py``) never build the
body's dicts; :attr:`Reply.body` reads the text back when asked. Whatever a record's strings
hold (quotes, backslashes, control characters, non-ASCII, a lone surrogate an embedder put
there by hand), the text must be what ``json.dumps`` writes for that body, carry the records'
values unchanged, and go out over HTTP as :func:`~callstate.api.json_bytes` would send it.
"""

from __future__ import annotations

import itertools
import json
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callstate import Reply
from callstate.api import SHAPES, json_bytes, outcome_reply
from callstate.domain import (
    COMMANDS,
    CallType,
    Channel,
    ChannelState,
    HoldState,
    Job,
    Outcome,
    Party,
    User,
    UserState,
    WorkMode,
)
from callstate.server._http import reply_response

_TEXT = st.text(alphabet=st.sampled_from('a"\\/\n\t\x00\x1f\u00e9\u2028\U0001f600'), max_size=6)


def _records(texts: list[str]) -> tuple[User, Job]:
    """A user on a call with two legs (the second held), every string field one of ``texts``."""
    t = itertools.cycle(texts)
    user = User(next(t), next(t), next(t), next(t), WorkMode.ON_SITE, (next(t),),
                state=UserState.TALKING, break_code=next(t), device_id=next(t),
                signed_skill_group_ids=(next(t), next(t)), job_id=next(t), heartbeat=7,
                reserved=3, outbound_scenario=True)  # fmt: skip
    parties = ((Party.USER, HoldState.ACTIVE), (Party.CUSTOMER, HoldState.HELD))
    legs = [Channel(next(t), next(t), party, next(t), next(t), next(t), next(t), next(t), 5,
                    state=ChannelState.ANSWERED, hold_state=hold, release_reason=next(t))
            for party, hold in parties]  # fmt: skip
    job = Job(next(t), next(t), CallType.INBOUND, next(t), next(t), 1, channels=legs)
    return user, job


def _reply(action: str, user: User | None, job: Job | None, request_id: str) -> Reply:
    request: Any = SimpleNamespace(action=action)
    legs = () if job is None else tuple(enumerate(job.channels))
    return outcome_reply(Outcome(request, user, job, (), legs), request_id, 42)


def _json_module(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(_TEXT, min_size=1, max_size=8), request_id=_TEXT)
def test_a_written_reply_is_the_json_modules_text_of_its_body(
    texts: list[str], request_id: str
) -> None:
    user, job = _records(texts)
    for action in [*COMMANDS, "FarEndAnswered"]:
        reply = _reply(action, user, job, request_id)
        text = reply.to_json()
        assert text == _json_module(reply.body), action
        body = reply.body
        assert body["RequestId"] == reply.request_id == request_id
        if SHAPES.get(action, True) is None:  # a body with no Data (RegisterDevice)
            assert "Data" not in body, action
            continue
        data = body["Data"]
        context = data.get("UserContext", data)
        assert context["BreakCode"] == user.break_code
        assert context["SignedSkillGroupIdList"] == list(user.signed_skill_group_ids)
        assert context["OutboundScenario"] is True
        if "CallContext" in data:
            listed = data["CallContext"]["ChannelContexts"]
            assert [c["ChannelId"] for c in listed] == [leg.channel_id for leg in job.channels]
            assert all(c["ReleaseReason"] in texts for c in listed)
            assert data["CallContext"]["JobId"] == job.job_id


@pytest.mark.parametrize(
    "action", [a for a, shape in SHAPES.items() if shape and "CallContext" in shape]
)
def test_a_reply_with_no_user_or_call_writes_their_empty_contexts(action: str) -> None:
    reply = _reply(action, None, None, "r-1")
    data = reply.body["Data"]
    assert reply.to_json() == _json_module(reply.body)
    user = data["UserContext"]
    assert (user["UserId"], user["SignedSkillGroupIdList"], user["Extension"]) == ("", [], "")
    assert data["CallContext"]["ChannelContexts"] == []


def test_a_lone_surrogate_goes_out_ascii_escaped_as_json_bytes_sends_it() -> None:
    user, job = _records(["ok", "\ud800"])
    reply = _reply("HoldCall", user, job, "r-1")
    assert reply.to_bytes() == json_bytes(reply.body)
    assert reply.to_bytes().isascii()
    sent = reply_response(reply)
    assert json.loads(bytes(sent.body)) == reply.body
    assert sent.headers["x-acs-request-id"] == "r-1"


def test_a_written_reply_is_an_immutable_value_equal_to_its_body() -> None:
    user, job = _records(["a"])
    written = _reply("HoldCall", user, job, "r-1")
    same = Reply("HoldCall", 200, json.loads(written.to_json()))
    assert written == same and repr(written) == repr(same)
    assert same.request_id == "r-1" and same.to_bytes() == written.to_bytes()
    with pytest.raises(AttributeError):
        written.status = 500  # type: ignore[misc]
