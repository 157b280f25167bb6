"""Every error row of SPEC §4, and the equivalent rows of every other action and signal.

Each row names a request made in a known state and the exact error it must answer:
``HttpStatusCode`` (and the HTTP status), ``Code``, ``Message`` and ``Params``. The state
(``world``): agent A (``user-test``) is TALKING with a customer on an outbound call whose
customer leg is not held; agent B (``user-two``) is READY; agent C (``user-off``) is OFFLINE.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from callstate import Engine, Ids, ManualClock
from callstate.domain import catalogue

A, B, C = "user-test@ccc-test", "user-two@ccc-test", "user-off@ccc-test"
DEV_A, DEV_B = "dev-a", "dev-b"
GROUP = "skill-group@ccc-test"
WORLD: dict[str, Any] = {
    "instances": [
        {
            "instanceId": "ccc-test",
            "numbers": ["01012345678"],
            "holdMusic": ["default", "jazz"],
            "skillGroups": [{"skillGroupId": GROUP}, {"skillGroupId": "other@ccc-test"}],
            "users": [
                {"userId": A, "extension": "80011474", "skillGroups": [GROUP]},
                {"userId": B, "extension": "80011475", "skillGroups": [GROUP]},
                {"userId": C, "extension": "80011476", "skillGroups": [GROUP]},
            ],
        }
    ]
}
TEMPLATES = {cls.code: cls for cls in catalogue()}


class World:
    """The engine in the state described above, and the ids of A's call."""

    def __init__(self) -> None:
        self.clock = ManualClock(1_700_000_000_000)
        self.engine = Engine(WORLD, clock=self.clock, ids=Ids(seed=3), network=None)
        self.sign_in(A, DEV_A)
        self.sign_in(B, DEV_B)
        made = self.ok("MakeCall", A, DEV_A, Caller="01012345678", Callee="13188888888")
        legs = made["CallContext"]["ChannelContexts"]
        self.job = made["CallContext"]["JobId"]
        self.agent_leg = next(c["ChannelId"] for c in legs if c["UserId"])
        self.customer_leg = next(c["ChannelId"] for c in legs if not c["UserId"])
        self.clock.advance(1000)
        answered = self.engine.signal("FarEndAnswered", self.leg(self.customer_leg))
        assert answered.ok, answered.body

    def leg(self, channel: str) -> dict[str, str]:
        return {"InstanceId": "ccc-test", "JobId": self.job, "ChannelId": channel}

    def sign_in(self, user: str, device: str) -> None:
        self.ok("SignInGroup", user, device, SignedSkillGroupIdList=json.dumps([GROUP]))

    def ok(self, action: str, user: str, device: str, **params: str) -> dict[str, Any]:
        reply = self.engine.handle(
            action, {"InstanceId": "ccc-test", "UserId": user, "DeviceId": device, **params}
        )
        assert reply.ok, reply.body
        return reply.body["Data"]  # type: ignore[no-any-return]

    def hold_customer(self) -> None:
        self.ok("HoldCall", A, DEV_A, JobId=self.job, ChannelId=self.customer_leg)


Params = Callable[[World], dict[str, str]]


def with_(make: Callable[..., dict[str, str]], **override: str) -> Params:
    """The params ``make`` builds for a world, with ``override`` (bound now, not late)."""
    return lambda w: make(w, **override)


def const(value: list[str]) -> Callable[[World], list[str]]:
    """Expected Params that do not depend on the world."""
    return lambda w: value


def as_a(w: World, **extra: str) -> dict[str, str]:
    return {"InstanceId": "ccc-test", "UserId": A, "DeviceId": DEV_A, **extra}


def hold(w: World, **override: str) -> dict[str, str]:
    return {**as_a(w, JobId=w.job, ChannelId=w.customer_leg), **override}


# (id, action, params, code, Params) — the state changes a row needs come from its "setup".
ROWS: list[tuple[str, str, Params, str, Callable[[World], list[str]], Callable[[World], object]]]
ROWS = []


def row(
    name: str,
    action: str,
    params: Params,
    code: str,
    expected: Callable[[World], list[str]],
    setup: Callable[[World], object] = lambda w: None,
) -> None:
    ROWS.append((name, action, params, code, expected, setup))


def _dialing_call(w: World) -> None:
    """Replace A's call with one still ringing at the customer (A is DIALING)."""
    w.ok("ReleaseCall", A, DEV_A, JobId=w.job)
    w.ok("ReadyForService", A, DEV_A)
    made = w.ok("MakeCall", A, DEV_A, Caller="01012345678", Callee="13100000000")
    w.job = made["CallContext"]["JobId"]
    legs = made["CallContext"]["ChannelContexts"]
    w.customer_leg = next(c["ChannelId"] for c in legs if not c["UserId"])


# --- HoldCall: SPEC §4, in check order ---------------------------------------------------------
for _name in ("InstanceId", "JobId", "ChannelId", "DeviceId", "UserId"):
    row(
        f"hold-blank-{_name}",
        "HoldCall",
        with_(hold, **{_name: " "}),
        "Parameter.Blank",
        const([_name]),
    )
row("hold-missing-all", "HoldCall", lambda w: {}, "Parameter.Blank", lambda w: ["InstanceId"])
row(
    "hold-instance",
    "HoldCall",
    lambda w: hold(w, InstanceId="nope"),
    "NotExists.InstanceId",
    lambda w: ["nope"],
)
row(
    "hold-user",
    "HoldCall",
    lambda w: hold(w, UserId="ghost@ccc-test"),
    "NotExists.UserId",
    lambda w: ["ghost@ccc-test", "ccc-test"],
)
row(
    "hold-job", "HoldCall", lambda w: hold(w, JobId="job-1"), "NotExists.JobId", lambda w: ["job-1"]
)
row(
    "hold-channel",
    "HoldCall",
    lambda w: hold(w, ChannelId="ch:x"),
    "NotExists.ChannelId",
    lambda w: ["ch:x", w.job],
)
row(
    "hold-device",
    "HoldCall",
    lambda w: hold(w, DeviceId="dev-z"),
    "Permission.DeviceId",
    lambda w: ["dev-z", A],
)
row(
    "hold-participant",
    "HoldCall",
    lambda w: hold(w, UserId=B, DeviceId=DEV_B),
    "Permission.JobId",
    lambda w: [B, w.job],
)
row(
    "hold-user-state",
    "HoldCall",
    hold,
    "InvalidOperation.UserState",
    lambda w: ["DIALING", "TALKING"],
    setup=_dialing_call,
)
row(
    "hold-held",
    "HoldCall",
    hold,
    "InvalidOperation.ChannelState",
    lambda w: ["HELD", "ANSWERED"],
    setup=World.hold_customer,
)
row(
    "hold-music",
    "HoldCall",
    lambda w: hold(w, Music="rock"),
    "Parameter.Invalid",
    lambda w: ["Music", "It must be one of default,jazz"],
)
# the first failing check answers: an unknown job beats a wrong device
row(
    "hold-order",
    "HoldCall",
    lambda w: hold(w, JobId="job-1", DeviceId="dev-z"),
    "NotExists.JobId",
    lambda w: ["job-1"],
)

# --- RetrieveCall: the mirror ------------------------------------------------------------------
for _name in ("InstanceId", "JobId", "ChannelId", "DeviceId", "UserId"):
    row(
        f"retrieve-blank-{_name}",
        "RetrieveCall",
        with_(hold, **{_name: ""}),
        "Parameter.Blank",
        const([_name]),
    )
row(
    "retrieve-instance",
    "RetrieveCall",
    lambda w: hold(w, InstanceId="nope"),
    "NotExists.InstanceId",
    lambda w: ["nope"],
)
row(
    "retrieve-job",
    "RetrieveCall",
    lambda w: hold(w, JobId="job-1"),
    "NotExists.JobId",
    lambda w: ["job-1"],
)
row(
    "retrieve-channel",
    "RetrieveCall",
    lambda w: hold(w, ChannelId="ch:x"),
    "NotExists.ChannelId",
    lambda w: ["ch:x", w.job],
)
row(
    "retrieve-device",
    "RetrieveCall",
    lambda w: hold(w, DeviceId="dev-z"),
    "Permission.DeviceId",
    lambda w: ["dev-z", A],
)
row(
    "retrieve-participant",
    "RetrieveCall",
    lambda w: hold(w, UserId=B, DeviceId=DEV_B),
    "Permission.JobId",
    lambda w: [B, w.job],
)
row(
    "retrieve-active",
    "RetrieveCall",
    hold,
    "InvalidOperation.ChannelState",
    lambda w: ["ANSWERED", "HELD"],
)


# --- agent-state actions ---------------------------------------------------------------------
for _action, _state_row in [
    ("SignOutGroup", ["TALKING", "BREAK,READY,WORKING"]),
    ("ReadyForService", ["TALKING", "BREAK,READY,WORKING"]),
    ("TakeBreak", ["TALKING", "BREAK,READY,WORKING"]),
    ("ChangeWorkMode", ["TALKING", "BREAK,OFFLINE,READY,WORKING"]),
]:
    extra = {"TakeBreak": {"Code": "lunch"}, "ChangeWorkMode": {"WorkMode": "ON_SITE"}}.get(
        _action, {}
    )
    row(
        f"{_action}-blank-InstanceId",
        _action,
        with_(as_a, InstanceId="", **extra),
        "Parameter.Blank",
        lambda w: ["InstanceId"],
    )
    row(
        f"{_action}-blank-UserId",
        _action,
        with_(as_a, UserId="", **extra),
        "Parameter.Blank",
        lambda w: ["UserId"],
    )
    row(
        f"{_action}-instance",
        _action,
        with_(as_a, InstanceId="x", **extra),
        "NotExists.InstanceId",
        lambda w: ["x"],
    )
    row(
        f"{_action}-user",
        _action,
        with_(as_a, UserId="u@x", **extra),
        "NotExists.UserId",
        lambda w: ["u@x", "ccc-test"],
    )
    row(
        f"{_action}-state",
        _action,
        with_(as_a, **extra),
        "InvalidOperation.UserState",
        const(_state_row),
    )
row(
    "ReadyForService-offline",
    "ReadyForService",
    lambda w: {**as_a(w), "UserId": C},
    "InvalidOperation.UserState",
    lambda w: ["OFFLINE", "BREAK,READY,WORKING"],
)
row(
    "ReadyForService-bool",
    "ReadyForService",
    lambda w: as_a(w, OutboundScenario="yes"),
    "Parameter.Format",
    lambda w: ["OutboundScenario", "It must be true or false."],
)
row(
    "TakeBreak-blank-Code",
    "TakeBreak",
    lambda w: as_a(w, Code=""),
    "Parameter.Blank",
    lambda w: ["Code"],
)
row(
    "ChangeWorkMode-enum",
    "ChangeWorkMode",
    lambda w: as_a(w, WorkMode="HOME"),
    "Parameter.Enumeration",
    lambda w: ["WorkMode", "ON_SITE,OFF_SITE,OFFICE_PHONE"],
)
row(
    "ChangeWorkMode-mobile",
    "ChangeWorkMode",
    lambda w: {**as_a(w), "UserId": C, "WorkMode": "OFF_SITE"},
    "Parameter.Blank",
    lambda w: ["Mobile"],
)
row(
    "ResetAgentState-user",
    "ResetAgentState",
    lambda w: as_a(w, UserId="u@x"),
    "NotExists.UserId",
    lambda w: ["u@x", "ccc-test"],
)
row(
    "PollUserStatus-blank",
    "PollUserStatus",
    lambda w: as_a(w, UserId=""),
    "Parameter.Blank",
    lambda w: ["UserId"],
)
row(
    "PollUserStatus-instance",
    "PollUserStatus",
    lambda w: as_a(w, InstanceId="x"),
    "NotExists.InstanceId",
    lambda w: ["x"],
)


# --- SignInGroup ---------------------------------------------------------------------------------
def sign_in(w: World, **override: str) -> dict[str, str]:
    return {
        "InstanceId": "ccc-test",
        "UserId": C,
        "DeviceId": "dev-c",
        "SignedSkillGroupIdList": json.dumps([GROUP]),
        **override,
    }


for _name in ("InstanceId", "SignedSkillGroupIdList", "DeviceId", "UserId"):
    row(
        f"SignInGroup-blank-{_name}",
        "SignInGroup",
        with_(sign_in, **{_name: ""}),
        "Parameter.Blank",
        const([_name]),
    )
row(
    "SignInGroup-empty-list",
    "SignInGroup",
    lambda w: sign_in(w, SignedSkillGroupIdList="[]"),
    "Parameter.Blank",
    lambda w: ["SignedSkillGroupIdList"],
)
row(
    "SignInGroup-list-format",
    "SignInGroup",
    lambda w: sign_in(w, SignedSkillGroupIdList="skill-group@ccc-test"),
    "Parameter.Format",
    lambda w: ["SignedSkillGroupIdList", "It must be a JSON array of non-blank strings."],
)
row(
    "SignInGroup-bool",
    "SignInGroup",
    lambda w: sign_in(w, Additivity="1"),
    "Parameter.Format",
    lambda w: ["Additivity", "It must be true or false."],
)
row(
    "SignInGroup-group",
    "SignInGroup",
    lambda w: sign_in(w, SignedSkillGroupIdList='["sg@x"]'),
    "NotExists.SkillGroupId",
    lambda w: ["sg@x", "ccc-test"],
)
row(
    "SignInGroup-not-member",
    "SignInGroup",
    lambda w: sign_in(w, SignedSkillGroupIdList='["other@ccc-test"]'),
    "Permission.SkillGroup",
    lambda w: ["other@ccc-test"],
)
row(
    "SignInGroup-in-call",
    "SignInGroup",
    lambda w: sign_in(w, UserId=A, DeviceId=DEV_A),
    "InvalidOperation.UserState",
    lambda w: ["TALKING", "BREAK,OFFLINE,READY,WORKING"],
)


# --- MakeCall ---------------------------------------------------------------------------------
def dial(w: World, **override: str) -> dict[str, str]:
    return {
        "InstanceId": "ccc-test",
        "UserId": B,
        "DeviceId": DEV_B,
        "Caller": "01012345678",
        "Callee": "13100000001",
        **override,
    }


row(
    "MakeCall-blank-Callee",
    "MakeCall",
    lambda w: dial(w, Callee=""),
    "Parameter.Blank",
    lambda w: ["Callee"],
)
row(
    "MakeCall-timeout-low",
    "MakeCall",
    lambda w: dial(w, TimeoutSeconds="29"),
    "Parameter.Minimum",
    lambda w: ["TimeoutSeconds", "30"],
)
row(
    "MakeCall-timeout-high",
    "MakeCall",
    lambda w: dial(w, TimeoutSeconds="301"),
    "Parameter.Maximum",
    lambda w: ["TimeoutSeconds", "300"],
)
row(
    "MakeCall-timeout-format",
    "MakeCall",
    lambda w: dial(w, TimeoutSeconds="3.5"),
    "Parameter.Format",
    lambda w: ["TimeoutSeconds", "It must be an integer."],
)
row(
    "MakeCall-media",
    "MakeCall",
    lambda w: dial(w, MediaType="FAX"),
    "Parameter.Enumeration",
    lambda w: ["MediaType", "AUDIO,VIDEO"],
)
row(
    "MakeCall-user",
    "MakeCall",
    lambda w: dial(w, UserId="u@x"),
    "NotExists.UserId",
    lambda w: ["u@x", "ccc-test"],
)
row(
    "MakeCall-number",
    "MakeCall",
    lambda w: dial(w, Caller="0000"),
    "NotExists.Number",
    lambda w: ["0000", "ccc-test"],
)
row(
    "MakeCall-device",
    "MakeCall",
    lambda w: dial(w, DeviceId="dev-z"),
    "Permission.DeviceId",
    lambda w: ["dev-z", B],
)
row(
    "MakeCall-busy-agent",
    "MakeCall",
    lambda w: dial(w, UserId=A, DeviceId=DEV_A),
    "InvalidOperation.UserState",
    lambda w: ["TALKING", "READY"],
)


def _outbound_only_b_and_c_signed_in(w: World) -> None:
    w.sign_in(C, DEV_A)
    w.ok("ReadyForService", B, DEV_B, OutboundScenario="true")


# an internal call: Callee is an agent's extension (or shaped like one: 8 digits here)
row(
    "MakeCall-extension",
    "MakeCall",
    lambda w: dial(w, Callee="80019999", DeviceId="dev-z"),  # existence before the device
    "NotExists.Extension",
    lambda w: [],
)
row(
    "MakeCall-internal-device",
    "MakeCall",
    lambda w: dial(w, Callee="80011476", DeviceId="dev-z"),  # the device before the callee
    "Permission.DeviceId",
    lambda w: ["dev-z", B],
)
row(
    "MakeCall-internal-caller-busy",
    "MakeCall",
    lambda w: dial(w, UserId=A, DeviceId=DEV_A, Callee="80011476"),  # the caller first
    "InvalidOperation.UserState",
    lambda w: ["TALKING", "READY"],
)
row(
    "MakeCall-callee-talking",
    "MakeCall",
    lambda w: dial(w, Callee="80011474", Caller="0000"),  # an internal call ignores Caller
    "UserBusy",
    lambda w: [A],
)
row(
    "MakeCall-callee-offline",
    "MakeCall",
    lambda w: dial(w, Callee="80011476"),
    "UserBusy",
    lambda w: [C],
)
row(
    "MakeCall-callee-outbound-only",
    "MakeCall",
    lambda w: dial(w, UserId=C, DeviceId=DEV_A, Callee="80011475"),
    "UserBusy",
    lambda w: [B],
    setup=_outbound_only_b_and_c_signed_in,
)
row(
    "MakeCall-own-extension",
    "MakeCall",
    lambda w: dial(w, Callee="80011475"),
    "UserBusy",
    lambda w: [B],
)

# --- AnswerCall and ReleaseCall -----------------------------------------------------------------
row(
    "AnswerCall-blank-JobId",
    "AnswerCall",
    as_a,
    "Parameter.Blank",
    lambda w: ["JobId"],
)
row(
    "AnswerCall-job",
    "AnswerCall",
    lambda w: as_a(w, JobId="job-9"),
    "NotExists.JobId",
    lambda w: ["job-9"],
)
row(
    "AnswerCall-device",
    "AnswerCall",
    lambda w: as_a(w, JobId=w.job, DeviceId="dev-z"),
    "Permission.DeviceId",
    lambda w: ["dev-z", A],
)
row(
    "AnswerCall-participant",
    "AnswerCall",
    lambda w: {**as_a(w, JobId=w.job), "UserId": B, "DeviceId": DEV_B},
    "Permission.JobId",
    lambda w: [B, w.job],
)
row(
    "AnswerCall-talking",
    "AnswerCall",
    lambda w: as_a(w, JobId=w.job),
    "InvalidOperation.UserState",
    lambda w: ["TALKING", "RINGING"],
)
row(
    "ReleaseCall-channel",
    "ReleaseCall",
    lambda w: as_a(w, JobId=w.job, ChannelId="ch:x"),
    "NotExists.ChannelId",
    lambda w: ["ch:x", w.job],
)
row(
    "ReleaseCall-participant",
    "ReleaseCall",
    lambda w: {**as_a(w, JobId=w.job), "UserId": B, "DeviceId": DEV_B},
    "Permission.JobId",
    lambda w: [B, w.job],
)
row(
    "ReleaseCall-ended",
    "ReleaseCall",
    lambda w: as_a(w, JobId=w.job),
    "Permission.JobId",
    lambda w: [A, w.job],
    setup=lambda w: w.ok("ReleaseCall", A, DEV_A, JobId=w.job),
)


# --- signals -----------------------------------------------------------------------------------
def offer(w: World, **override: str) -> dict[str, str]:
    return {
        "InstanceId": "ccc-test",
        "Caller": "13800000000",
        "Callee": "01012345678",
        "UserId": B,
        "SkillGroupId": GROUP,
        **override,
    }


row(
    "CallOffered-number",
    "CallOffered",
    lambda w: offer(w, Callee="0000"),
    "NotExists.Number",
    lambda w: ["0000", "ccc-test"],
)
row(
    "CallOffered-group",
    "CallOffered",
    lambda w: offer(w, SkillGroupId="g@x"),
    "NotExists.SkillGroupId",
    lambda w: ["g@x", "ccc-test"],
)
row(
    "CallOffered-not-signed-in",
    "CallOffered",
    lambda w: offer(w, SkillGroupId="other@ccc-test"),
    "InvalidOperation.SkillGroup",
    lambda w: [B, "other@ccc-test"],
)
row(
    "CallOffered-busy",
    "CallOffered",
    lambda w: offer(w, UserId=A),
    "InvalidOperation.UserState",
    lambda w: ["TALKING", "READY"],
)
row(
    "CallOffered-outbound-only",
    "CallOffered",
    offer,
    "InvalidOperation.OutboundScenario",
    lambda w: [B],
    setup=lambda w: w.ok("ReadyForService", B, DEV_B, OutboundScenario="true"),
)
row(
    "CallReoffered-not-queued",
    "CallReoffered",
    lambda w: {"InstanceId": "ccc-test", "JobId": w.job, "UserId": B, "SkillGroupId": GROUP},
    "InvalidOperation.CallState",
    lambda w: ["ACTIVE", "QUEUED"],
)
row(
    "FarEndAnswered-answered",
    "FarEndAnswered",
    lambda w: w.leg(w.customer_leg),
    "InvalidOperation.ChannelState",
    lambda w: ["ANSWERED", "CREATED,EARLY_MEDIA,RINGING"],
)
row(
    "FarEndBusy-agent-leg",
    "FarEndBusy",
    lambda w: w.leg(w.agent_leg),
    "Parameter.Invalid",
    lambda w: ["ChannelId", "FarEndBusy applies to a customer or external leg"],
)
row(
    "RingTimeout-customer-leg",
    "RingTimeout",
    lambda w: w.leg(w.customer_leg),
    "Parameter.Invalid",
    lambda w: ["ChannelId", "RingTimeout applies to a user leg"],
)
row(
    "FarEndHungUp-released",
    "FarEndHungUp",
    lambda w: w.leg(w.customer_leg),
    "InvalidOperation.ChannelState",
    lambda w: ["RELEASED", "ANSWERED,CREATED,EARLY_MEDIA,RINGING"],
    setup=lambda w: w.ok("ReleaseCall", A, DEV_A, JobId=w.job),
)
row(
    "FarEndRinging-blank",
    "FarEndRinging",
    lambda w: {"InstanceId": "ccc-test"},
    "Parameter.Blank",
    lambda w: ["JobId"],
)
row("signal-unknown", "NoSuchSignal", lambda w: {}, "InvalidAction.NotFound", lambda w: [])
row("action-unknown", "NoSuchAction", lambda w: {}, "InvalidAction.NotFound", lambda w: [])


@pytest.mark.parametrize(
    ("action", "params", "code", "expected", "setup"),
    [pytest.param(*r[1:], id=r[0]) for r in ROWS],
)
def test_error_row(
    action: str,
    params: Params,
    code: str,
    expected: Callable[[World], list[str]],
    setup: Callable[[World], object],
) -> None:
    w = World()
    setup(w)
    request = params(w)
    from callstate.domain import SIGNALS

    is_signal = action in SIGNALS or action == "NoSuchSignal"
    reply = (w.engine.signal if is_signal else w.engine.handle)(action, request)
    error = TEMPLATES[code]
    assert reply.body["Code"] == code, reply.body
    assert reply.status == reply.body["HttpStatusCode"] == error.http_status
    assert reply.body["Params"] == expected(w)
    assert reply.body["Message"] == error.template % tuple(expected(w))
    assert "Data" not in reply.body


def test_every_hold_row_of_spec_section_4_is_covered() -> None:
    """SPEC §4's table, check by check: each code appears in a HoldCall row."""
    hold_codes = {r[3] for r in ROWS if r[1] == "HoldCall"}
    assert hold_codes == {
        "Parameter.Blank",
        "NotExists.InstanceId",
        "NotExists.UserId",
        "NotExists.JobId",
        "NotExists.ChannelId",
        "Permission.DeviceId",
        "Permission.JobId",
        "InvalidOperation.UserState",
        "InvalidOperation.ChannelState",
        "Parameter.Invalid",
    }
