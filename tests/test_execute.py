"""``Engine.execute(request)``: the typed answer, and the wire adapters over it.

``execute`` answers a :class:`Result` (the records as the request left them, the stamped events,
the sequence number, the reply) or a :class:`Refusal` (the catalogued error and its reply);
``handle`` and ``signal`` are ``parse -> execute -> reply``, so both must answer the same body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from conftest import AGENT, CUSTOMER, DEVICE, GROUP, INSTANCE, NUMBER, START

from callstate import (
    ChannelState,
    Engine,
    Ids,
    InvalidOperation,
    ManualClock,
    Refusal,
    Reply,
    Result,
    UserState,
)
from callstate.api import parse_action, parse_signal
from callstate.domain import (
    HoldCall,
    InternalServiceCommon,
    InvalidOperationChannelState,
    NotExistsJobId,
    Party,
)
from callstate.engine import _engine

WHO = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": DEVICE}
_WHO_KW = {"instance_id": INSTANCE, "user_id": AGENT, "device_id": DEVICE}
Apply = Callable[[str, Mapping[str, Any]], Reply]


def _play(apply: Apply, signal: Apply, clock: ManualClock) -> list[tuple[int, dict[str, Any]]]:
    """A call's life (sign in, dial, answer, hold twice, retrieve, hang up), every reply kept."""
    replies = [apply("SignInGroup", {**WHO, "SignedSkillGroupIdList": json.dumps([GROUP])})]
    replies.append(apply("MakeCall", {**WHO, "Caller": NUMBER, "Callee": CUSTOMER}))
    context = replies[-1].body["Data"]["CallContext"]
    job = context["JobId"]
    customer = next(c["ChannelId"] for c in context["ChannelContexts"] if not c["UserId"])
    leg = {"InstanceId": INSTANCE, "JobId": job, "ChannelId": customer}
    replies.append(signal("FarEndAnswered", leg))
    clock.advance(1_000)
    for action in ("HoldCall", "HoldCall", "RetrieveCall"):  # the second hold is refused
        replies.append(apply(action, {**WHO, "JobId": job, "ChannelId": customer}))
    replies.append(signal("FarEndHungUp", leg))
    replies.append(apply("PollUserStatus", WHO))
    return [(r.status, r.body) for r in replies]


def _twin() -> tuple[Engine, ManualClock]:
    clock = ManualClock(START)
    return Engine(clock=clock, ids=Ids(seed=7), network=None), clock


@pytest.fixture
def twins() -> Iterator[tuple[tuple[Engine, ManualClock], tuple[Engine, ManualClock]]]:
    one, other = _twin(), _twin()
    yield one, other
    one[0].close()
    other[0].close()


def test_handle_and_signal_answer_what_execute_answers(
    twins: tuple[tuple[Engine, ManualClock], tuple[Engine, ManualClock]],
) -> None:
    (wire, wire_clock), (typed, typed_clock) = twins

    def execute_action(action: str, params: Mapping[str, Any]) -> Reply:
        return typed.execute(parse_action(action, params)).reply

    def execute_signal(name: str, params: Mapping[str, Any]) -> Reply:
        return typed.execute(parse_signal(name, params)).reply

    by_wire = _play(wire.handle, wire.signal, wire_clock)
    by_value = _play(execute_action, execute_signal, typed_clock)
    assert [status for status, _ in by_wire] == [200, 200, 200, 200, 400, 200, 200, 200]
    assert by_value == by_wire


def _answered(engine: Engine, clock: ManualClock) -> HoldCall:
    """An answered call; answers the HoldCall of its customer leg (not yet applied)."""
    engine.handle("SignInGroup", {**WHO, "SignedSkillGroupIdList": json.dumps([GROUP])})
    context = engine.handle("MakeCall", {**WHO, "Caller": NUMBER, "Callee": CUSTOMER}).body
    job = context["Data"]["CallContext"]["JobId"]
    legs = context["Data"]["CallContext"]["ChannelContexts"]
    customer = next(c["ChannelId"] for c in legs if not c["UserId"])
    engine.signal("FarEndAnswered", {"InstanceId": INSTANCE, "JobId": job, "ChannelId": customer})
    clock.advance(1_000)
    return HoldCall(
        instance_id=INSTANCE, job_id=job, channel_id=customer, device_id=DEVICE, user_id=AGENT
    )


def test_a_result_carries_the_records_the_stamped_events_and_the_reply(
    quiet_engine: Engine, clock: ManualClock
) -> None:
    hold = _answered(quiet_engine, clock)
    job, customer = hold.job_id, hold.channel_id
    before = quiet_engine.events(INSTANCE)[-1].seq
    result = quiet_engine.execute(hold)
    assert isinstance(result, Result) and result.ok
    assert result.user is not None and result.user.state is UserState.TALKING
    assert result.job is not None and result.job.job_id == job
    (leg,) = [c for c in result.job.channels if c.party is Party.CUSTOMER]
    assert (leg.channel_id, leg.state, leg.held) == (customer, ChannelState.ANSWERED, True)
    assert result.events == tuple(quiet_engine.events(INSTANCE, before))
    assert [e.seq for e in result.events] == list(range(before + 1, result.seq + 1))
    assert result.reply.ok and result.reply.body["Data"]["CallContext"]["JobId"] == job


def test_a_results_records_are_detached_from_the_store(
    quiet_engine: Engine, clock: ManualClock
) -> None:
    result = quiet_engine.execute(_answered(quiet_engine, clock))
    assert isinstance(result, Result) and result.user is not None
    result.user.state = UserState.READY
    view = quiet_engine.view(INSTANCE)
    assert view is not None and view.users[AGENT].state is UserState.TALKING


def test_a_refusal_carries_the_catalogued_error_and_changes_nothing(
    quiet_engine: Engine, clock: ManualClock
) -> None:
    hold = _answered(quiet_engine, clock)
    assert quiet_engine.execute(hold).ok
    log, view = quiet_engine.events(INSTANCE), quiet_engine.view(INSTANCE)
    refused = quiet_engine.execute(hold)  # a held leg cannot be held again
    assert isinstance(refused, Refusal) and not refused.ok
    assert isinstance(refused.error, InvalidOperationChannelState)
    assert isinstance(refused.error, InvalidOperation)
    body = refused.reply.body
    assert (refused.reply.status, body["Code"]) == (400, "InvalidOperation.ChannelState")
    assert body["Params"] == list(refused.error.params) and "Data" not in body
    missing = quiet_engine.execute(HoldCall(**{**_WHO_KW, "job_id": "job-1", "channel_id": "c"}))
    assert isinstance(missing, Refusal) and isinstance(missing.error, NotExistsJobId)
    assert quiet_engine.events(INSTANCE) == log and quiet_engine.view(INSTANCE) == view


def test_a_fault_is_a_refusal_answered_internal_service(
    quiet_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(_engine, "decide", broken)
    refused = quiet_engine.execute(HoldCall(**{**_WHO_KW, "job_id": "j", "channel_id": "c"}))
    assert isinstance(refused, Refusal) and isinstance(refused.error, InternalServiceCommon)
    assert refused.reply.status == 500
    assert refused.reply.body["Code"] == "InternalService.Common"
    assert "RuntimeError" not in json.dumps(refused.reply.body)
