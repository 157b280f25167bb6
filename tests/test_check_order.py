"""SPEC §4's check order, pinned pair by pair, and two rules that nothing else would notice.

For every adjacent pair of HoldCall's (and RetrieveCall's) checks, a request that fails both
answers the earlier one. Each *breaker* fails exactly one check; a request with two breakers
must answer the error of the earlier check, so swapping any two adjacent checks in the code
fails a test here. Each breaker alone is checked too, so no pair passes by accident.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import CUSTOMER, DEVICE, GROUP, INSTANCE, NUMBER, START

from callstate import Engine, Ids, ManualClock

B_USER, B_DEVICE = "user-b@ccc-test", "device-b"


def _world() -> dict[str, Any]:
    user = {"extension": "80011474", "mobile": "13900000001", "workMode": "ON_SITE",
            "skillGroups": [GROUP]}  # fmt: skip
    return {"instances": [{
        "instanceId": INSTANCE, "numbers": [NUMBER], "holdMusic": ["music-a"],
        "skillGroups": [{"skillGroupId": GROUP, "name": "g"}],
        "users": [{**user, "userId": "user-test@ccc-test"},
                  {**user, "userId": B_USER, "extension": "80011475"}],
    }]}  # fmt: skip


@dataclass
class Desk:
    """Agent A (the one acting) and agent B, each with a call; A talking or still dialing."""

    engine: Engine
    calls: dict[str, dict[str, str]] = field(default_factory=dict)

    def do(self, action: str, **params: str) -> dict[str, Any]:
        return self.engine.handle(action, {"InstanceId": INSTANCE, **params}).body

    def call(self, user: str, device: str, *, answered: bool) -> dict[str, str]:
        self.do("SignInGroup", UserId=user, DeviceId=device,
                SignedSkillGroupIdList=json.dumps([GROUP]))  # fmt: skip
        made = self.do("MakeCall", UserId=user, DeviceId=device, Caller=NUMBER, Callee=CUSTOMER)
        context = made["Data"]["CallContext"]
        legs = context["ChannelContexts"]
        ids = {"job": context["JobId"],
               "agent": next(c["ChannelId"] for c in legs if c["UserId"]),
               "customer": next(c["ChannelId"] for c in legs if not c["UserId"])}  # fmt: skip
        if answered:
            signal = {"InstanceId": INSTANCE, "JobId": ids["job"], "ChannelId": ids["customer"]}
            for name in ("FarEndRinging", "FarEndAnswered"):
                self.engine.signal(name, signal)  # ringing is refused where legs start RINGING
        return ids


def _desk(*, a_talking: bool, customer_held: bool) -> tuple[Desk, dict[str, str]]:
    engine = Engine(_world(), clock=ManualClock(START), ids=Ids(seed=3), network=None)
    desk = Desk(engine)
    desk.calls["b"] = desk.call(B_USER, B_DEVICE, answered=True)
    desk.calls["a"] = desk.call("user-test@ccc-test", DEVICE, answered=a_talking)
    a = desk.calls["a"]
    params = {"UserId": "user-test@ccc-test", "DeviceId": DEVICE, "JobId": a["job"],
              "ChannelId": a["customer"]}  # fmt: skip
    if customer_held:
        assert desk.do("HoldCall", **params)["Code"] == "OK"
    return desk, params


Breaker = Callable[[Desk, dict[str, str]], None]


def _set(**values: str) -> Breaker:
    def brk(desk: Desk, params: dict[str, str]) -> None:
        params.update(values)

    return brk


def _not_a_participant(desk: Desk, params: dict[str, str]) -> None:
    params.update(JobId=desk.calls["b"]["job"], ChannelId=desk.calls["b"]["customer"])


def _own_leg(desk: Desk, params: dict[str, str]) -> None:
    """While A dials, A's own leg is ANSWERED and active: only the user-state check fails."""
    params.update(ChannelId=desk.calls["a"]["agent"])


@dataclass(frozen=True)
class Check:
    code: str
    breaker: Breaker
    a_talking: bool = True  # False: A is DIALING, which fails the user-state check
    flips_hold: bool = False  # the channel-state check: the target is in the wrong hold state


def _checks(action: str) -> list[Check]:
    checks = [
        Check("Parameter.Blank", _set(JobId="")),
        Check("NotExists.InstanceId", _set(InstanceId="ccc-nowhere")),
        Check("NotExists.UserId", _set(UserId="ghost@ccc-test")),
        Check("NotExists.JobId", _set(JobId="job-404")),
        Check("NotExists.ChannelId", _set(ChannelId="ch:nowhere")),
        Check("Permission.DeviceId", _set(DeviceId="another-device")),
        Check("Permission.JobId", _not_a_participant),
        Check("InvalidOperation.UserState", _own_leg, a_talking=False),
        Check("InvalidOperation.ChannelState", _set(), flips_hold=True),
    ]
    if action == "HoldCall":
        checks.append(Check("Parameter.Invalid", _set(Music="not-a-music")))
    return checks


def _answer(action: str, broken: list[Check]) -> str:
    a_talking = all(c.a_talking for c in broken)
    flipped = any(c.flips_hold for c in broken)
    # RetrieveCall needs a held customer; the channel-state breaker flips that either way.
    held = (action == "RetrieveCall") != flipped
    if not a_talking:  # A dials: its customer leg rings, so it cannot be held first
        held = False
    desk, params = _desk(a_talking=a_talking, customer_held=held)
    if not a_talking and flipped:
        params["ChannelId"] = desk.calls["a"]["customer"]  # ringing: not in ANSWERED
    for check in reversed(broken):  # where two breakers set one param, the earlier's wins
        if check.breaker is _own_leg and flipped:
            continue  # the pair (user state, channel state) targets the ringing customer leg
        check.breaker(desk, params)
    before = desk.engine.snapshot()
    code = str(desk.do(action, **params)["Code"])
    if code != "OK":
        assert desk.engine.snapshot() == before, "a refused request changed the state"
    return code


@pytest.mark.parametrize("action", ["HoldCall", "RetrieveCall"])
def test_each_breaker_alone_fails_its_own_check(action: str) -> None:
    assert _answer(action, []) == "OK"
    for check in _checks(action):
        assert _answer(action, [check]) == check.code, check.code


@pytest.mark.parametrize("action", ["HoldCall", "RetrieveCall"])
def test_of_two_failed_checks_the_earlier_answers(action: str) -> None:
    checks = _checks(action)
    for earlier, later in itertools.pairwise(checks):
        assert _answer(action, [earlier, later]) == earlier.code, (earlier.code, later.code)
