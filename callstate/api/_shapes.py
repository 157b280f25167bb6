"""The documented response shape of every action: which keys, of which types, at every level.

A shape maps each key to a type: one of the scalar names below, a nested shape (a struct), or a
one-element list holding a shape (a list of structs). The field set of ``Data`` is the official
SDK model's (``alibabacloud_ccc20200701`` 2.35.0, ``*ResponseBody``) for every action, and the
seed's (``HoldCall.md``) for HoldCall, which adds ``AssociatedData`` to each channel (SPEC §5).
``tests/test_contract_sdk.py`` checks these shapes against the SDK models key by key.

A query's ``Data`` is one page of rows (``List``, ``PageNumber``, ``PageSize``,
``TotalCount``), a list of rows (``ListDevices``: its shape is a one-element list) or one object
(``GetUser``); the real-time board's success bodies have no ``Params``
(:data:`WITHOUT_PARAMS`), as the SDK's models have none. Signals are not CCC actions; their
replies use :data:`SIGNAL_SHAPE`, PollUserStatus's call and user contexts.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = [
    "BOOL",
    "ENVELOPE_KEYS",
    "INT",
    "MAP",
    "SHAPES",
    "SIGNAL_SHAPE",
    "STR",
    "STRS",
    "WITHOUT_PARAMS",
    "Shape",
    "envelope",
]

STR: Final = "str"
INT: Final = "int"
BOOL: Final = "bool"
STRS: Final = "list[str]"
MAP: Final = "map"

Shape = dict[str, Any]

_CHANNEL: Shape = {
    "CallType": STR, "ChannelId": STR, "ChannelState": STR, "Destination": STR, "JobId": STR,
    "Originator": STR, "ReleaseInitiator": STR, "ReleaseReason": STR, "Timestamp": INT,
    "UserExtension": STR, "UserId": STR,
}  # fmt: skip
_CHANNEL_EXTRA: Shape = {
    "AssociatedData": MAP, "ChannelFlags": STR, "ChannelVariables": STR, "Index": INT,
    "MediaType": STR, "SkillGroupId": STR,
}  # fmt: skip
_USER: Shape = {
    "BreakCode": STR, "DeviceId": STR, "Extension": STR, "InstanceId": STR, "JobId": STR,
    "OutboundScenario": BOOL, "SignedSkillGroupIdList": STRS, "UserId": STR, "UserState": STR,
    "WorkMode": STR,
}  # fmt: skip
_USER_EXTRA: Shape = {
    "ChatDeviceId": STR, "DeviceState": STR, "Heartbeat": INT, "Mobile": STR, "Reserved": INT,
    "ParallelJobList": [{"JobId": STR, "Status": STR, "Timestamp": INT}],
}  # fmt: skip
_CALL_EXTRA: Shape = {"CallType": STR, "CallVariables": STR}
_CHAT: Shape = {
    "CallVariables": STR, "ChatType": STR, "InstanceId": STR, "JobId": STR,
    "Members": [{"Index": INT, "ReleaseInitiator": STR, "ReleaseReason": STR,
                 "SkillGroupId": STR, "Status": STR, "UserId": STR, "UserType": STR}],
}  # fmt: skip


def _with(base: Shape, extras: Shape, names: tuple[str, ...]) -> Shape:
    shape = {**base, **{n: extras[n] for n in names}}
    return dict(sorted(shape.items()))


def _user(*extra: str) -> Shape:
    return _with(_USER, _USER_EXTRA, extra)


def _call(call_extra: tuple[str, ...], channel_extra: tuple[str, ...]) -> Shape:
    channel = _with(_CHANNEL, _CHANNEL_EXTRA, channel_extra)
    return _with({"InstanceId": STR, "JobId": STR, "ChannelContexts": [channel]},
                 _CALL_EXTRA, call_extra)  # fmt: skip


_HMR = ("Heartbeat", "Mobile", "Reserved")


def _page(row: Shape) -> Shape:
    return {"List": [row], "PageNumber": INT, "PageSize": INT, "TotalCount": INT}


_AGENT_ROW: Shape = {
    "AgentId": STR, "AgentName": STR, "BreakCode": STR, "CallType": STR, "CounterParty": STR,
    "Duration": INT, "Extension": STR, "InstanceId": STR, "Mobile": STR,
    "OutboundScenario": BOOL, "SkillGroupIdList": STRS, "SkillGroupNameList": STRS,
    "State": STR, "StateCode": STR, "StateTime": INT, "WorkMode": STR,
}  # fmt: skip
_GROUP_ROW: Shape = {
    "BreakCodeDetailList": [{"BreakCode": STR, "Count": INT}], "BreakingAgents": INT,
    "InstanceId": STR, "LoggedInAgents": INT, "LongestWaitingTime": INT,
    "OutboundScenarioReadyAgents": INT, "ReadyAgents": INT, "SkillGroupId": STR,
    "SkillGroupName": STR, "TalkingAgents": INT, "TotalAgents": INT, "WaitingCalls": INT,
    "WorkingAgents": INT,
}  # fmt: skip
_PROFILE: Shape = {
    "AvatarUrl": STR, "DeviceExt": STR, "DeviceId": STR, "DeviceState": STR, "DisplayName": STR,
    "Extension": STR, "Nickname": STR, "UserId": STR, "WorkMode": STR,
}  # fmt: skip
_ACCOUNT: Shape = {
    "DisplayId": STR, "Email": STR, "InstanceId": STR, "LoginName": STR, "Mobile": STR,
    "RoleId": STR, "RoleName": STR,
}  # fmt: skip
_LOGIN: Shape = {
    "AgentServerUrl": STR, "ChatAppId": STR, "ChatAppKey": STR, "ChatDeviceId": STR,
    "ChatLoginToken": STR, "ChatServerUrl": STR, "ChatUserId": STR, "Signature": STR,
    "Signature2": STR, "SipServerUrl": STR, "UserKey": STR, "UserKey2": STR,
}  # fmt: skip
_DEVICE_ROW: Shape = {
    "CallId": STR, "Contact": STR, "DeviceId": STR, "DeviceType": STR, "Expires": INT,
    "Extension": STR, "InstanceId": STR, "UserId": STR,
}  # fmt: skip
_POLL_CALL = _call(("CallType", "CallVariables"),
                   ("ChannelFlags", "ChannelVariables", "Index", "SkillGroupId"))  # fmt: skip

_SUPERVISED_CALL = _call(("CallType",), ("ChannelFlags", "Index", "SkillGroupId"))

#: ``Data`` of each action's success body (``None``: the body has no ``Data``).
SHAPES: Final[dict[str, Any]] = {
    "SignInGroup": _user("ChatDeviceId"),
    "SignOutGroup": _user(*_HMR),
    "ReadyForService": _user(),
    "TakeBreak": _user(*_HMR),
    "ChangeWorkMode": _user(),
    "ResetAgentState": _user(),
    "PollUserStatus": {
        "CallContext": _POLL_CALL,
        "ChatContexts": [_CHAT],
        "ContextId": INT,
        "UserContext": _user(*_HMR, "ParallelJobList"),
    },
    "MakeCall": {
        "CallContext": _call(("CallType", "CallVariables"), ("ChannelFlags", "MediaType")),
        "ContextId": INT,
        "UserContext": _user(),
    },
    "AnswerCall": {
        "CallContext": _call(("CallType",), ("ChannelVariables", "Index", "SkillGroupId")),
        "ContextId": INT,
        "UserContext": _user(*_HMR),
    },
    "HoldCall": {
        "CallContext": _call(("CallType",), ("AssociatedData", "SkillGroupId")),
        "UserContext": _user(*_HMR),
    },
    "RetrieveCall": {
        "CallContext": _call(("CallType",), ("SkillGroupId",)),
        "UserContext": _user(*_HMR),
    },
    "ReleaseCall": {
        "CallContext": _call((), ("ChannelVariables",)),
        "ContextId": INT,
        "UserContext": _user(),
    },
    "BlindTransfer": {
        "CallContext": _call(("CallType",), ("ChannelFlags",)),
        "ContextId": INT,
        "UserContext": _user(*_HMR),
    },
    "InitiateAttendedTransfer": {
        "CallContext": _call(("CallType",), ("ChannelFlags", "Index", "SkillGroupId")),
        "ContextId": INT,
        "UserContext": _user(*_HMR),
    },
    "CompleteAttendedTransfer": {
        "CallContext": _call(("CallType",), ("ChannelFlags", "Index", "SkillGroupId")),
        "ContextId": INT,
        "UserContext": _user(*_HMR),
    },
    "CancelAttendedTransfer": {
        "CallContext": _call(("CallType",), ("ChannelFlags", "Index")),
        "ContextId": INT,
        "UserContext": _user(*_HMR),
    },
    "ClaimCall": {
        "CallContext": _call((), ("ChannelVariables",)),
        "ContextId": INT,
        "UserContext": _user(),
    },
    "SwitchToConference": {
        "CallContext": _call(("CallType",), ("ChannelFlags", "Index", "SkillGroupId")),
        "UserContext": _user("DeviceState", "Heartbeat", "Mobile"),
    },
    "StartConference": {
        "CallContext": _call(("CallType",), ("ChannelFlags",)),
        "UserContext": _user("DeviceState", *_HMR),
    },
    "EndConference": {
        "CallContext": _call((), ()),
        "ContextId": INT,
        "UserContext": _user("DeviceState"),
    },
    "MuteCall": {
        "CallContext": _call(("CallType",), ("ChannelFlags", "Index", "SkillGroupId")),
        "UserContext": _user(*_HMR),
    },
    "UnmuteCall": {
        "CallContext": _call(("CallType",), ("ChannelFlags", "Index", "SkillGroupId")),
        "UserContext": _user("Heartbeat", "Mobile"),
    },
    "ChangeVisibility": _user(),
    "SendDtmfSignaling": {
        "CallContext": _call(("CallType",), ("ChannelFlags", "Index", "SkillGroupId")),
        "UserContext": _user(*_HMR),
    },
    "ListRealtimeAgentStates": _page(_AGENT_ROW),
    "ListRealtimeSkillGroupStates": _page(_GROUP_ROW),
    "GetUser": _with(_PROFILE, _ACCOUNT, tuple(_ACCOUNT)),
    "ListDevices": [_DEVICE_ROW],
    "GetLoginDetails": _with(_PROFILE, _LOGIN, tuple(_LOGIN)),
    "RegisterDevice": None,  # its body has no Data
    "RedialCall": {
        "CallContext": _call(("CallType",), ("ChannelFlags",)),
        "ContextId": INT,
        "UserContext": _user(),
    },
    **{
        action: {"CallContext": _SUPERVISED_CALL, "UserContext": _user(*_HMR)}
        for action in ("MonitorCall", "BargeInCall", "InterceptCall")
    },
    "CoachCall": {"CallContext": _SUPERVISED_CALL, "UserContext": _user(*_HMR, "DeviceState")},
}

#: Actions whose success body has no ``Params`` (the SDK's models of the queries have none).
WITHOUT_PARAMS: Final = frozenset({"ListRealtimeAgentStates", "ListRealtimeSkillGroupStates"})

#: ``Data`` of a signal's success body.
SIGNAL_SHAPE: Final[Shape] = {
    "CallContext": _POLL_CALL,
    "ContextId": INT,
    "UserContext": _user(*_HMR),
}

ENVELOPE_KEYS: Final = ("Code", "HttpStatusCode", "Message", "Params", "RequestId")


def envelope(data: Shape | list[Shape] | None, action: str = "") -> Shape:
    """The whole body's shape: the envelope, with ``Data`` when the body has one.

    A success body of an action in :data:`WITHOUT_PARAMS` has no ``Params``.
    """
    shape: Shape = {"Code": STR, "HttpStatusCode": INT, "Message": STR, "Params": STRS,
                    "RequestId": STR}  # fmt: skip
    if data is not None and action in WITHOUT_PARAMS:
        del shape["Params"]
    if data is not None:
        shape["Data"] = data
    return dict(sorted(shape.items()))
