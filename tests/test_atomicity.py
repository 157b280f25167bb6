"""A rejected command or signal leaves state, events and ids exactly as they were (SPEC §10).

The engine is put in a rich state on a world of its own: an agent TALKING with the customer's
leg on hold, one RINGING on an inbound offer, one DIALING with the customer's phone ringing, one
WORKING after an ended call, one on BREAK, one READY, two OFFLINE, a call QUEUED after its offer
rang out, and a second instance. The simulated network is on, so the snapshot holds pending
signals (a ring timeout, a far-end answer, a no-answer); the clock then stays fixed, so nothing
falls due while requests are refused.

Every request below is invalid in one way (a blank or missing parameter, an unknown id, the wrong
device, the wrong user, channel or call state, a malformed boolean, enumeration, integer or list,
hold music the instance does not list, a signal on a released leg...). For each one the reply is
an error, and ``engine.snapshot()`` (instances, JobId sequence, pending signals) and every
instance's event log are exactly what they were before.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callstate import Engine, Ids, ManualClock, Reply
from callstate.domain import ACTIONS, SIGNALS, wire_fields
from callstate.engine import EPOCH_MS
from callstate.testing import wire_params

INSTANCE = "ccc-atom"
OTHER = "ccc-other"
SALES, SUPPORT = "sales@ccc-atom", "support@ccc-atom"
NUMBER, NUMBER_2 = "01010000001", "01010000002"
T0 = 1_700_000_000_000
NODE = 259
ANSWERS_AT_ONCE, ANSWERS_LATE, ANSWERS_AT_ONCE_2 = "13100000000", "13100000002", "13100000001"
INBOUND, INBOUND_QUEUED, INBOUND_CLAIMED = "13200000000", "13200000001", "13200000002"
FREE_CALLEE = "13300000000"

USERS = {  # role -> (userId, extension, mobile)
    "talker": ("talker@ccc-atom", "1001", "13900000001"),
    "ringer": ("ringer@ccc-atom", "1002", "13900000002"),
    "dialer": ("dialer@ccc-atom", "1003", "13900000003"),
    "worker": ("worker@ccc-atom", "1004", "13900000004"),
    "breaker": ("breaker@ccc-atom", "1005", "13900000005"),
    "idle": ("idle@ccc-atom", "1006", "13900000006"),
    "offline": ("offline@ccc-atom", "1007", "13900000007"),
    "nomobile": ("nomobile@ccc-atom", "1008", ""),
    "rangout": ("rangout@ccc-atom", "1009", "13900000009"),
    "claimer": ("claimer@ccc-atom", "1010", "13900000010"),
}
UID = {role: spec[0] for role, spec in USERS.items()}
DEV = {role: f"dev-{role}" for role in USERS}
OTHER_USER = "solo@ccc-other"

WORLD: dict[str, Any] = {
    "instances": [
        {
            "instanceId": INSTANCE,
            "numbers": [NUMBER, NUMBER_2],
            "holdMusic": ["default", "jazz"],
            "ringTimeoutMs": 20_000,
            "retentionMs": 600_000,
            "skillGroups": [
                {"skillGroupId": SALES},
                {"skillGroupId": SUPPORT, "routingType": "Manual"},
            ],
            "routes": {NUMBER_2: {"skillGroup": SUPPORT}},
            "users": [
                {
                    "userId": uid,
                    "extension": ext,
                    "mobile": mobile,
                    "skillGroups": [SALES] if role == "idle" else [SALES, SUPPORT],
                }
                for role, (uid, ext, mobile) in USERS.items()
            ],
            "dialling": {
                "default": {"outcome": "answer", "afterMs": 0},
                "numbers": {ANSWERS_LATE: {"outcome": "answer", "afterMs": 25_000}},
            },
        },
        {
            "instanceId": OTHER,
            "numbers": ["02000000000"],
            "skillGroups": [{"skillGroupId": "g@ccc-other"}],
            "users": [{"userId": OTHER_USER, "extension": "2001", "skillGroups": ["g@ccc-other"]}],
        },
    ]
}


class Rich:
    """The engine in its rich state, and the ids of what is in it."""

    def __init__(self) -> None:
        self.clock = ManualClock(T0)
        self.engine = Engine(WORLD, clock=self.clock, ids=Ids(seed=11))
        self.ids: dict[str, str] = {}
        self._build()
        self.clock.advance(1_000)
        self.frozen_at = self.clock()

    # --- driving ------------------------------------------------------------------------------
    def do(self, role: str, action: str, **params: Any) -> dict[str, Any]:
        request = {"InstanceId": INSTANCE, "UserId": UID[role], "DeviceId": DEV[role], **params}
        reply = self.engine.handle(action, request)
        assert reply.ok, (role, action, reply.body)
        self.clock.advance(100)
        return reply.body["Data"]  # type: ignore[no-any-return]

    def sig(self, name: str, **params: Any) -> dict[str, Any]:
        reply = self.engine.signal(name, {"InstanceId": INSTANCE, **params})
        assert reply.ok, (name, reply.body)
        self.clock.advance(100)
        return reply.body["Data"]  # type: ignore[no-any-return]

    def _call(self, prefix: str, data: dict[str, Any]) -> None:
        context = data["CallContext"]
        self.ids[f"{prefix}.job"] = context["JobId"]
        for leg in context["ChannelContexts"]:
            party = "agent" if leg["UserId"] else "customer"
            self.ids[f"{prefix}.{party}"] = leg["ChannelId"]

    def _build(self) -> None:
        for role in USERS:
            if role not in ("offline", "nomobile"):
                groups = [SUPPORT] if role == "claimer" else [SALES]
                self.do(role, "SignInGroup", SignedSkillGroupIdList=json.dumps(groups))
        # talker: an established call, held, retrieved and held again (one closed interval)
        self._call("talk", self.do("talker", "MakeCall", Caller=NUMBER, Callee=ANSWERS_AT_ONCE))
        hold = {"JobId": self.ids["talk.job"], "ChannelId": self.ids["talk.customer"]}
        self.do("talker", "HoldCall", Music="jazz", **hold)
        self.do("talker", "RetrieveCall", **hold)
        self.do("talker", "HoldCall", **hold)
        # worker: a call that ended (kept for the retention period), the agent WORKING
        self._call("work", self.do("worker", "MakeCall", Callee=ANSWERS_AT_ONCE_2))
        self.do("worker", "ReleaseCall", JobId=self.ids["work.job"])
        # dialer: the customer's phone rings (answers in 25 s: pending in the network)
        self._call("dial", self.do("dialer", "MakeCall", Caller=NUMBER_2, Callee=ANSWERS_LATE))
        # ringer: an inbound call is offered (its ring timeout is pending in the network)
        offer = {"Caller": INBOUND, "Callee": NUMBER, "SkillGroupId": SALES}
        self._call("ring", self.sig("CallOffered", UserId=UID["ringer"], **offer))
        # rangout: an offer that rang out; the caller waits in the queue (QUEUED)
        offer = {"Caller": INBOUND_QUEUED, "Callee": NUMBER_2, "SkillGroupId": SALES}
        self._call("queue", self.sig("CallOffered", UserId=UID["rangout"], **offer))
        self.sig("RingTimeout", JobId=self.ids["queue.job"], ChannelId=self.ids["queue.agent"])
        self.do("breaker", "TakeBreak", Code="Lunch")
        # claim: a call waits in the manually routed support queue, for an agent to claim it
        arrival = {"Caller": INBOUND_CLAIMED, "Callee": NUMBER_2}
        self._call("claim", self.sig("CallArrived", **arrival))
        self.engine.handle(
            "SignInGroup",
            {"InstanceId": OTHER, "UserId": OTHER_USER, "DeviceId": "dev-solo",
             "SignedSkillGroupIdList": '["g@ccc-other"]'},
        )  # fmt: skip

    # --- observing -------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "snapshot": copy.deepcopy(self.engine.snapshot()),
            "events": {i: self.engine.events(i) for i in (INSTANCE, OTHER)},
            "ids": dict(self.engine.ids.state()),
        }

    def user_state(self, role: str) -> str:
        state: str = self.engine.snapshot()["instances"][INSTANCE]["users"][UID[role]]["state"]
        return state


REFERENCE = Rich()
IDS = REFERENCE.ids


@pytest.fixture
def rich() -> Iterator[Rich]:
    built = Rich()
    yield built
    built.engine.close()


# --- the rich state is what the docstring says ------------------------------------------------


def test_the_rich_state_is_as_described(rich: Rich) -> None:
    states = {role: rich.user_state(role) for role in USERS}
    assert states == {
        "talker": "TALKING",
        "ringer": "RINGING",
        "dialer": "DIALING",
        "worker": "WORKING",
        "breaker": "BREAK",
        "idle": "READY",
        "offline": "OFFLINE",
        "nomobile": "OFFLINE",
        "rangout": "BREAK",
        "claimer": "READY",
    }
    snapshot = rich.engine.snapshot()
    jobs = snapshot["instances"][INSTANCE]["jobs"]
    assert {j["job_id"]: j["state"] for j in jobs.values()} == {
        IDS["talk.job"]: "ACTIVE",
        IDS["work.job"]: "ENDED",
        IDS["dial.job"]: "ACTIVE",
        IDS["ring.job"]: "ACTIVE",
        IDS["queue.job"]: "QUEUED",
        IDS["claim.job"]: "QUEUED",
    }
    held = [c for c in jobs[IDS["talk.job"]]["channels"] if c["hold_state"] == "HELD"]
    assert [c["channel_id"] for c in held] == [IDS["talk.customer"]]
    assert len(held[0]["holds"]) == 2 and held[0]["holds"][1]["end_ms"] is None
    pending = {(p["signal"], p["params"]["JobId"]) for p in snapshot["network"]}
    assert pending >= {("FarEndAnswered", IDS["dial.job"])}
    assert all(p["dueMs"] > rich.frozen_at for p in snapshot["network"])
    timers = {(t["timer"], t["recordId"]) for t in snapshot["instances"][INSTANCE]["timers"]}
    assert timers >= {("ring", IDS["ring.job"]), ("queue", IDS["queue.job"])}
    assert all(t["dueMs"] > rich.frozen_at for t in snapshot["instances"][INSTANCE]["timers"])
    assert rich.state() == REFERENCE.state()  # every build is the same


# --- requests that are refused -----------------------------------------------------------------

Request = tuple[str, str, dict[str, Any]]  # (via "handle" | "signal", name, params)
#: An invalid request, the error it must get (None: any ``Parameter.*``) and its first Param.
Invalid = tuple[Request, str | None, str | None]


def _as(role: str, **params: Any) -> dict[str, Any]:
    return {"InstanceId": INSTANCE, "UserId": UID[role], "DeviceId": DEV[role], **params}


def _on(job: str, leg: str) -> dict[str, Any]:
    return {"InstanceId": INSTANCE, "JobId": IDS[f"{job}.job"], "ChannelId": IDS[f"{job}.{leg}"]}


TALK = {"JobId": IDS["talk.job"]}
HELD_LEG = {**TALK, "ChannelId": IDS["talk.customer"]}
ACTIVE_LEG = {**TALK, "ChannelId": IDS["talk.agent"]}
OFFER = {"Caller": "13277777777", "Callee": NUMBER, "SkillGroupId": SALES}

#: Valid requests in the rich state; the mutations below make each of them invalid.
TEMPLATES: dict[str, Request] = {
    "SignInGroup": ("handle", "SignInGroup",
                    _as("breaker", SignedSkillGroupIdList=json.dumps([SALES, SUPPORT]),
                        Additivity="true")),
    "SignOutGroup": ("handle", "SignOutGroup", _as("breaker")),
    "ReadyForService": ("handle", "ReadyForService", _as("breaker", OutboundScenario="false")),
    "TakeBreak": ("handle", "TakeBreak", _as("idle", Code="Tea")),
    "ChangeWorkMode": ("handle", "ChangeWorkMode", _as("offline", WorkMode="OFF_SITE")),
    "ResetAgentState": ("handle", "ResetAgentState", _as("talker")),
    "PollUserStatus": ("handle", "PollUserStatus", _as("talker")),
    "MakeCall": ("handle", "MakeCall",
                 _as("idle", Caller=NUMBER, Callee=FREE_CALLEE, TimeoutSeconds="60",
                     MediaType="AUDIO")),
    "AnswerCall": ("handle", "AnswerCall", _as("ringer", JobId=IDS["ring.job"])),
    "HoldCall": ("handle", "HoldCall", _as("talker", Music="jazz", **ACTIVE_LEG)),
    "RetrieveCall": ("handle", "RetrieveCall", _as("talker", **HELD_LEG)),
    "ReleaseCall": ("handle", "ReleaseCall", _as("talker", **TALK)),
    "CallOffered": ("signal", "CallOffered", {"InstanceId": INSTANCE, "UserId": UID["idle"],
                                              **OFFER}),
    "CallReoffered": ("signal", "CallReoffered",
                      {"InstanceId": INSTANCE, "UserId": UID["idle"], "SkillGroupId": SALES,
                       "JobId": IDS["queue.job"]}),
    "FarEndAnswered": ("signal", "FarEndAnswered", _on("dial", "customer")),
    "FarEndBusy": ("signal", "FarEndBusy", _on("dial", "customer")),
    "FarEndNoAnswer": ("signal", "FarEndNoAnswer", _on("dial", "customer")),
    "FarEndRejected": ("signal", "FarEndRejected", _on("dial", "customer")),
    "FarEndHungUp": ("signal", "FarEndHungUp", _on("talk", "customer")),
    "RingTimeout": ("signal", "RingTimeout", _on("ring", "agent")),
    "ClaimCall": ("handle", "ClaimCall", {"InstanceId": INSTANCE, "UserId": UID["claimer"],
                                          "JobId": IDS["claim.job"], "SkillGroupId": SUPPORT}),
    "CallArrived": ("signal", "CallArrived", {"InstanceId": INSTANCE, "Caller": "13277777777",
                                              "Callee": NUMBER, "CallPriority": "3"}),
}  # fmt: skip

#: Id-like parameters, and the error an unknown value gets, by template.
UNKNOWN_ID_ERRORS: dict[str, str] = {
    "InstanceId": "NotExists.InstanceId",
    "UserId": "NotExists.UserId",
    "JobId": "NotExists.JobId",
    "ChannelId": "NotExists.ChannelId",
    "SkillGroupId": "NotExists.SkillGroupId",
}
DEVICE_CHECKED = ("MakeCall", "AnswerCall", "HoldCall", "RetrieveCall", "ReleaseCall")
KNOWN_VALUES = {
    *IDS.values(), *UID.values(), *DEV.values(), INSTANCE, OTHER, SALES, SUPPORT, NUMBER,
    NUMBER_2, OTHER_USER,
}  # fmt: skip


def _with(template: str, **changes: Any) -> Request:
    via, name, params = TEMPLATES[template]
    return via, name, {**params, **changes}


def _without(template: str, key: str) -> Request:
    via, name, params = TEMPLATES[template]
    return via, name, {k: v for k, v in params.items() if k != key}


#: Requests refused because of the state they meet, each with the error it must get.
STATE_CASES: list[tuple[str, Request, str]] = [
    # the user's state
    ("MakeCall by a TALKING agent", _with("MakeCall", UserId=UID["talker"],
                                          DeviceId=DEV["talker"]), "InvalidOperation.UserState"),
    ("MakeCall by a DIALING agent", _with("MakeCall", UserId=UID["dialer"],
                                          DeviceId=DEV["dialer"]), "InvalidOperation.UserState"),
    ("MakeCall by a RINGING agent", _with("MakeCall", UserId=UID["ringer"],
                                          DeviceId=DEV["ringer"]), "InvalidOperation.UserState"),
    ("MakeCall by an OFFLINE agent", _with("MakeCall", UserId=UID["offline"], DeviceId=""),
     "InvalidOperation.UserState"),
    ("TakeBreak while TALKING", _with("TakeBreak", UserId=UID["talker"]),
     "InvalidOperation.UserState"),
    ("TakeBreak while OFFLINE", _with("TakeBreak", UserId=UID["offline"]),
     "InvalidOperation.UserState"),
    ("SignOutGroup while RINGING", _with("SignOutGroup", UserId=UID["ringer"]),
     "InvalidOperation.UserState"),
    ("SignOutGroup while OFFLINE", _with("SignOutGroup", UserId=UID["offline"]),
     "InvalidOperation.UserState"),
    ("ReadyForService while DIALING", _with("ReadyForService", UserId=UID["dialer"]),
     "InvalidOperation.UserState"),
    ("ReadyForService while TALKING", _with("ReadyForService", UserId=UID["talker"]),
     "InvalidOperation.UserState"),
    ("SignInGroup while TALKING", _with("SignInGroup", UserId=UID["talker"]),
     "InvalidOperation.UserState"),
    ("ChangeWorkMode while RINGING", _with("ChangeWorkMode", UserId=UID["ringer"]),
     "InvalidOperation.UserState"),
    ("AnswerCall by a TALKING agent of another call",
     _with("AnswerCall", UserId=UID["talker"], DeviceId=DEV["talker"]), "Permission.JobId"),
    ("AnswerCall of an ended call", _with("AnswerCall", UserId=UID["worker"],
                                          DeviceId=DEV["worker"], JobId=IDS["work.job"]),
     "Permission.JobId"),
    ("AnswerCall of the agent's own outbound call",
     _with("AnswerCall", UserId=UID["talker"], DeviceId=DEV["talker"], **TALK),
     "InvalidOperation.UserState"),
    ("AnswerCall of a call that rang out", _with("AnswerCall", UserId=UID["rangout"],
                                                 DeviceId=DEV["rangout"],
                                                 JobId=IDS["queue.job"]), "Permission.JobId"),
    ("HoldCall by a DIALING agent", _with("HoldCall", UserId=UID["dialer"], DeviceId=DEV["dialer"],
                                          JobId=IDS["dial.job"], ChannelId=IDS["dial.agent"]),
     "InvalidOperation.UserState"),
    ("HoldCall by a non-participant", _with("HoldCall", UserId=UID["idle"], DeviceId=DEV["idle"]),
     "Permission.JobId"),
    ("HoldCall on an ended call", _with("HoldCall", UserId=UID["worker"], DeviceId=DEV["worker"],
                                        JobId=IDS["work.job"], ChannelId=IDS["work.customer"]),
     "Permission.JobId"),
    ("ReleaseCall by a WORKING agent", _with("ReleaseCall", UserId=UID["worker"],
                                             DeviceId=DEV["worker"], JobId=IDS["work.job"]),
     "Permission.JobId"),
    # (a RINGING agent's ReleaseCall declines the offer: see test_routing.py)
    ("ClaimCall of a call no manual queue holds", _with("ClaimCall", JobId=IDS["queue.job"]),
     "InvalidOperation.NotClaimable"),
    ("ClaimCall by an agent of another group", _with("ClaimCall", UserId=UID["idle"]),
     "InvalidOperation.SkillGroup"),
    # the channel's state
    ("HoldCall on a held leg", _with("HoldCall", Music="", **HELD_LEG),
     "InvalidOperation.ChannelState"),
    ("RetrieveCall on an active leg", _with("RetrieveCall", **ACTIVE_LEG),
     "InvalidOperation.ChannelState"),
    ("ReleaseCall of a released leg of another call",
     _with("ReleaseCall", ChannelId=IDS["work.customer"], JobId=IDS["work.job"]),
     "Permission.JobId"),
    ("ReleaseCall of a leg the call does not have",
     _with("ReleaseCall", ChannelId=IDS["work.customer"]), "NotExists.ChannelId"),
    ("FarEndAnswered on an answered leg", _with("FarEndAnswered", **_on("talk", "customer")),
     "InvalidOperation.ChannelState"),
    ("FarEndBusy on an answered leg", _with("FarEndBusy", **_on("talk", "customer")),
     "InvalidOperation.ChannelState"),
    ("FarEndRinging on a ringing leg", ("signal", "FarEndRinging", _on("dial", "customer")),
     "InvalidOperation.ChannelState"),
    ("FarEndEarlyMedia on a ringing leg", ("signal", "FarEndEarlyMedia", _on("dial", "customer")),
     "InvalidOperation.ChannelState"),
    ("FarEndHungUp on a released leg", _with("FarEndHungUp", **_on("work", "customer")),
     "InvalidOperation.ChannelState"),
    ("FarEndHungUp on a released agent leg", _with("FarEndHungUp", **_on("work", "agent")),
     "InvalidOperation.ChannelState"),
    ("FarEndAnswered on a released leg", _with("FarEndAnswered", **_on("work", "customer")),
     "InvalidOperation.ChannelState"),
    ("RingTimeout on a released leg", _with("RingTimeout", **_on("queue", "agent")),
     "InvalidOperation.ChannelState"),
    ("RingTimeout on an answered agent leg", _with("RingTimeout", **_on("talk", "agent")),
     "InvalidOperation.ChannelState"),
    ("RingTimeout on a customer leg", _with("RingTimeout", **_on("ring", "customer")),
     "Parameter.Invalid"),
    ("FarEndAnswered on an agent leg", _with("FarEndAnswered", **_on("dial", "agent")),
     "Parameter.Invalid"),
    # the call's state, offers
    ("CallReoffered of an active call", _with("CallReoffered", JobId=IDS["ring.job"]),
     "InvalidOperation.CallState"),
    ("CallReoffered of an ended call", _with("CallReoffered", JobId=IDS["work.job"]),
     "InvalidOperation.CallState"),
    ("CallReoffered to a BREAK agent", _with("CallReoffered", UserId=UID["breaker"]),
     "InvalidOperation.UserState"),
    ("CallOffered to a TALKING agent", _with("CallOffered", UserId=UID["talker"]),
     "InvalidOperation.UserState"),
    ("CallOffered to an OFFLINE agent", _with("CallOffered", UserId=UID["offline"]),
     "InvalidOperation.SkillGroup"),
    ("CallOffered through a group not signed in", _with("CallOffered", SkillGroupId=SUPPORT),
     "InvalidOperation.SkillGroup"),
    ("CallOffered to a number not the instance's", _with("CallOffered", Callee="02000000000"),
     "NotExists.Number"),
    # values that depend on the world
    ("HoldCall with music the instance does not list", _with("HoldCall", Music="rock"),
     "Parameter.Invalid"),
    ("MakeCall to a busy agent's extension", _with("MakeCall", Callee=USERS["talker"][1]),
     "UserBusy"),
    ("MakeCall to an extension nobody has", _with("MakeCall", Callee="8" * len(USERS["talker"][1])),
     "NotExists.Extension"),
    ("MakeCall from a number not the instance's", _with("MakeCall", Caller="02000000000"),
     "NotExists.Number"),
    ("SignInGroup to a group the user is not in", _with("SignInGroup", UserId=UID["idle"],
                                                        SignedSkillGroupIdList=json.dumps(
                                                            [SUPPORT])),
     "Permission.SkillGroup"),
    ("SignInGroup to an unknown group", _with("SignInGroup", SignedSkillGroupIdList='["nope"]'),
     "NotExists.SkillGroupId"),
    ("ChangeWorkMode OFF_SITE with no mobile anywhere",
     _with("ChangeWorkMode", UserId=UID["nomobile"]), "Parameter.Blank"),
    ("a user of another instance", _with("HoldCall", UserId=OTHER_USER, DeviceId="dev-solo"),
     "NotExists.UserId"),
    ("a call of another instance", _with("HoldCall", InstanceId=OTHER, UserId=OTHER_USER,
                                         DeviceId="dev-solo"), "NotExists.JobId"),
    # parameters
    ("a bad boolean", _with("ReadyForService", OutboundScenario="yes"), "Parameter.Format"),
    ("a bad boolean (int)", _with("SignInGroup", Additivity=1), "Parameter.Format"),
    ("a bad enumeration", _with("ChangeWorkMode", WorkMode="REMOTE"), "Parameter.Enumeration"),
    ("a bad media type", _with("MakeCall", MediaType="FAX"), "Parameter.Enumeration"),
    ("a bad integer", _with("MakeCall", TimeoutSeconds="sixty"), "Parameter.Format"),
    ("a timeout too short", _with("MakeCall", TimeoutSeconds="29"), "Parameter.Minimum"),
    ("a timeout too long", _with("MakeCall", TimeoutSeconds="301"), "Parameter.Maximum"),
    ("a list that is not JSON", _with("SignInGroup", SignedSkillGroupIdList="sales"),
     "Parameter.Format"),
    ("an empty list", _with("SignInGroup", SignedSkillGroupIdList="[]"), "Parameter.Blank"),
    ("a list of a blank", _with("SignInGroup", SignedSkillGroupIdList='[" "]'),
     "Parameter.Format"),
    ("HoldCall with a blank DeviceId", _with("HoldCall", DeviceId=" "), "Parameter.Blank"),
    ("HoldCall with no UserId", _without("HoldCall", "UserId"), "Parameter.Blank"),
    ("MakeCall with the wrong device", _with("MakeCall", DeviceId=DEV["talker"]),
     "Permission.DeviceId"),
    ("RetrieveCall with another agent's device", _with("RetrieveCall", DeviceId=DEV["idle"]),
     "Permission.DeviceId"),
    ("an unknown action", ("handle", "HoldCalls", TEMPLATES["HoldCall"][2]),
     "InvalidAction.NotFound"),
    ("a signal sent as an action", ("handle", "FarEndAnswered", _on("dial", "customer")),
     "InvalidAction.NotFound"),
    ("an action sent as a signal", ("signal", "HoldCall", TEMPLATES["HoldCall"][2]),
     "InvalidAction.NotFound"),
]  # fmt: skip


def send(engine: Engine, request: Request) -> Reply:
    via, name, params = request
    return (engine.signal if via == "signal" else engine.handle)(name, params)


def refuse(rich: Rich, request: Request, code: str | None = None) -> Reply:
    """Send a request that must be refused; assert that nothing changed."""
    before = rich.state()
    reply = send(rich.engine, request)
    assert reply.status >= 400, (request, reply.body)
    assert reply.body["Code"] != "OK" and "Data" not in reply.body
    if code is not None:
        assert reply.body["Code"] == code, (request, reply.body)
    after = rich.state()
    assert after["ids"] == before["ids"], request
    assert after["snapshot"] == before["snapshot"], request
    assert after["events"] == before["events"], request
    assert rich.clock() == rich.frozen_at
    return reply


# --- hypothesis strategies: invalid requests ---------------------------------------------------

BLANKS = st.sampled_from([None, "", " ", "\t", "\n ", "\u3000", "\u00a0"])
TEMPLATE_NAMES = sorted(TEMPLATES)


def _required(name: str) -> list[str]:
    cls = ACTIONS.get(name) or SIGNALS[name]
    return [f.wire for f in wire_fields(cls) if f.required]


@st.composite
def blanked(draw: st.DrawFn) -> Invalid:
    """A template with one required parameter absent or blank: ``Parameter.Blank [name]``."""
    via, name, params = TEMPLATES[draw(st.sampled_from(TEMPLATE_NAMES))]
    wire = draw(st.sampled_from(_required(name)))
    params = dict(params)
    if draw(st.booleans()):
        del params[wire]
    else:
        params[wire] = draw(BLANKS)
    return (via, name, params), "Parameter.Blank", wire


ODD_IDS = st.one_of(
    st.text(min_size=1, max_size=30),
    st.sampled_from(["job-0", "job-65825892782321664", "ch:customer:x", INSTANCE.upper(),
                     UID["talker"] + " ", "ccc-test", "user-test@ccc-test", "x" * 5000]),
    st.builds(lambda s: s + "x", st.sampled_from(sorted(KNOWN_VALUES))),
).filter(lambda s: s.strip() != "" and s not in KNOWN_VALUES)  # fmt: skip


@st.composite
def unknown_id(draw: st.DrawFn) -> Invalid:
    """A template with one id parameter naming nothing: ``NotExists.*`` (or the device's 403)."""
    template = draw(st.sampled_from(TEMPLATE_NAMES))
    via, name, params = TEMPLATES[template]
    slots = [k for k in params if k in UNKNOWN_ID_ERRORS]
    if name in DEVICE_CHECKED:
        slots.append("DeviceId")
    if name == "MakeCall":
        slots.append("Caller")
    if name == "CallOffered":
        slots.append("Callee")
    slot = draw(st.sampled_from(slots))
    value = draw(ODD_IDS)
    code = {"DeviceId": "Permission.DeviceId", "Caller": "NotExists.Number",
            "Callee": "NotExists.Number"}.get(slot) or UNKNOWN_ID_ERRORS[slot]  # fmt: skip
    return (via, name, {**params, slot: value}), code, value


def _not_a_boolean(s: str) -> bool:
    return bool(s.strip()) and s.strip().lower() not in ("true", "false")


BAD_TYPED: dict[str, st.SearchStrategy[Any]] = {
    "Additivity": st.one_of(
        st.text(max_size=8).filter(_not_a_boolean),
        st.sampled_from([1, 0, 1.0, ["true"], {"a": 1}]),
    ),
    "OutboundScenario": st.one_of(
        st.text(max_size=8).filter(_not_a_boolean),
        st.sampled_from([1, 0, ["false"]]),
    ),
    "TimeoutSeconds": st.one_of(
        st.integers().filter(lambda n: not 30 <= n <= 300).map(str),
        st.integers().filter(lambda n: not 30 <= n <= 300),
        st.text(max_size=8).filter(lambda s: s.strip() and not s.strip().lstrip("+-").isdigit()),
        st.sampled_from(["9" * 19, "1e2", "60.0", 60.5, True, [60]]),
    ),
    "MediaType": st.text(max_size=8).filter(lambda s: s.strip() and s not in ("AUDIO", "VIDEO")),
    "WorkMode": st.text(max_size=12).filter(
        lambda s: s.strip() and s not in ("ON_SITE", "OFF_SITE", "OFFICE_PHONE")
    ),
    "SignedSkillGroupIdList": st.one_of(
        st.sampled_from(["[", "[" * 5000, "{}", '"sales@ccc-atom"', "[1]", '[" "]', "[null]",
                         "null", '["a",]', 7, {"a": "b"}]),
        st.lists(st.sampled_from([1, None, "", " "]), min_size=1, max_size=3),
    ),
    "Code": st.sampled_from([5, ["Tea"], {"x": 1}, 1.5]),
    "Music": st.sampled_from([1, ["jazz"], {"m": "jazz"}, True]),
}  # fmt: skip


@st.composite
def malformed(draw: st.DrawFn) -> Invalid:
    """A template with one typed parameter that cannot be read as its type: ``Parameter.*``."""
    candidates = [t for t in TEMPLATE_NAMES if set(TEMPLATES[t][2]) & set(BAD_TYPED)]
    via, name, params = TEMPLATES[draw(st.sampled_from(candidates))]
    slot = draw(st.sampled_from(sorted(set(params) & set(BAD_TYPED))))
    return (via, name, {**params, slot: draw(BAD_TYPED[slot])}), None, slot


STATE = st.sampled_from(STATE_CASES).map(lambda case: (case[1], case[2], None))
INVALID = st.one_of(blanked(), unknown_id(), malformed(), STATE)

ATOMIC = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# --- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_every_template_is_valid_as_it_stands(rich: Rich, template: str) -> None:
    """The mutations below start from requests that would succeed: a refusal is their doing."""
    reply = send(rich.engine, TEMPLATES[template])
    assert reply.ok, reply.body


@pytest.mark.parametrize(
    ("request_", "code"),
    [pytest.param(r, c, id=label) for label, r, c in STATE_CASES],
)
def test_refused_in_the_rich_state_changes_nothing(
    rich: Rich, request_: Request, code: str
) -> None:
    refuse(rich, request_, code)


@ATOMIC
@given(requests=st.lists(INVALID, min_size=1, max_size=4))
def test_invalid_requests_change_nothing(requests: list[Invalid]) -> None:
    rich = Rich()
    for request, code, first_param in requests:
        reply = refuse(rich, request, code)
        if code is None:  # a malformed value: one of the parameter errors, whichever
            assert reply.body["Code"].startswith("Parameter."), reply.body
        if first_param is not None:  # the offending parameter (or value) is named first
            assert reply.body["Params"][0] == first_param, reply.body


@ATOMIC
@given(request=wire_params(), as_signal=st.booleans())
def test_any_refused_wire_request_changes_nothing(
    request: tuple[str, dict[str, Any]], as_signal: bool
) -> None:
    """Raw wire parameters (callstate.testing): whatever is refused leaves everything as it was."""
    rich = Rich()
    name, params = request
    before = rich.state()
    reply = send(rich.engine, ("signal" if as_signal else "handle", name, params))
    if reply.ok:  # it happened to be valid: it may change things
        return
    assert reply.status >= 400
    assert rich.state() == before


def test_a_refused_make_call_uses_up_no_job_id() -> None:
    """JobIds are snowflakes (ms, node, seq): a refusal in the same ms must not take a seq."""
    a, b = Rich(), Rich()
    make = _as("idle", Caller=NUMBER, Callee=FREE_CALLEE)
    ids_before = a.engine.ids.state()
    refused = [
        _with("MakeCall", UserId=UID["talker"], DeviceId=DEV["talker"]),  # TALKING
        _with("MakeCall", Callee=USERS["talker"][1]),  # an extension
        _with("MakeCall", Caller="02000000000"),  # not the instance's number
        _with("MakeCall", DeviceId="dev-unknown"),  # the wrong device
        _with("MakeCall", TimeoutSeconds="10"),  # too short
        _with("CallOffered", UserId=UID["talker"]),  # an offer also draws a JobId
    ]
    for request in refused:
        refuse(a, request)
    assert a.engine.ids.state() == ids_before
    made_a = a.engine.handle("MakeCall", make)
    made_b = b.engine.handle("MakeCall", make)
    assert made_a.ok and made_b.ok
    job_a = made_a.body["Data"]["CallContext"]["JobId"]
    assert job_a == made_b.body["Data"]["CallContext"]["JobId"]
    # a fresh millisecond: sequence 0 at the frozen instant
    assert job_a == f"job-{((a.frozen_at - EPOCH_MS) << 22) | (NODE << 12) | 0}"


def test_a_refusal_between_two_calls_in_one_millisecond_takes_no_sequence_number() -> None:
    """Two calls created at one instant get sequences 0 and 1, whatever is refused between."""
    rich = Rich()
    offer = {"InstanceId": INSTANCE, "UserId": UID["breaker"], "SkillGroupId": SALES,
             "Caller": "13299999999", "Callee": NUMBER}  # fmt: skip
    first = rich.engine.handle("MakeCall", _as("idle", Caller=NUMBER, Callee=FREE_CALLEE))
    assert first.ok, first.body
    refuse(rich, _with("MakeCall", Callee="13300000001"), "InvalidOperation.UserState")
    refuse(rich, _with("CallOffered", UserId=UID["idle"]), "InvalidOperation.UserState")
    refuse(rich, ("signal", "CallOffered", offer), "InvalidOperation.UserState")  # on BREAK
    ready = rich.engine.handle("ReadyForService", _as("breaker"))
    assert ready.ok, ready.body
    offered = rich.engine.signal("CallOffered", offer)
    assert offered.ok, offered.body
    assert rich.clock() == rich.frozen_at
    base = ((rich.frozen_at - EPOCH_MS) << 22) | (NODE << 12)
    assert first.body["Data"]["CallContext"]["JobId"] == f"job-{base | 0}"
    assert offered.body["Data"]["CallContext"]["JobId"] == f"job-{base | 1}"


# --- positive controls: the comparison sees changes ------------------------------------------


def test_a_valid_poll_changes_the_heartbeat_in_the_snapshot(rich: Rich) -> None:
    before = rich.state()
    reply = rich.engine.handle("PollUserStatus", _as("talker"))
    assert reply.ok
    after = rich.state()
    assert after != before
    users_before = before["snapshot"]["instances"][INSTANCE]["users"]
    users_after = after["snapshot"]["instances"][INSTANCE]["users"]
    assert users_after[UID["talker"]]["heartbeat"] == rich.frozen_at
    assert users_before[UID["talker"]]["heartbeat"] < rich.frozen_at
    changed = {
        f"{uid}.{k}"
        for uid, user in users_after.items()
        for k, v in user.items()
        if users_before[uid][k] != v
    }
    assert changed == {f"{UID['talker']}.heartbeat"}
    assert after["events"] == before["events"]  # a poll publishes nothing


def test_a_valid_hold_changes_snapshot_and_events(rich: Rich) -> None:
    before = rich.state()
    reply = send(rich.engine, TEMPLATES["HoldCall"])
    assert reply.ok, reply.body
    after = rich.state()
    assert after["snapshot"] != before["snapshot"]
    new = after["events"][INSTANCE][len(before["events"][INSTANCE]) :]
    assert [e.event_type.value for e in new] == ["Held"]


def test_a_valid_make_call_changes_ids_and_network(rich: Rich) -> None:
    before = rich.state()
    reply = rich.engine.handle("MakeCall", _as("idle", Callee=ANSWERS_LATE))
    assert reply.ok, reply.body
    after = rich.state()
    assert after["ids"] != before["ids"]
    assert after["snapshot"]["jobIds"] != before["snapshot"]["jobIds"]
    assert len(after["snapshot"]["network"]) == len(before["snapshot"]["network"]) + 1


def test_refuse_itself_fails_on_a_request_that_succeeds(rich: Rich) -> None:
    with pytest.raises(AssertionError):
        refuse(rich, TEMPLATES["PollUserStatus"])
