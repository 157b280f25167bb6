"""Outcomes and errors -> documented response bodies (SPEC §5), wrapped in a :class:`Reply`.

Each action's ``Data`` is rendered by a function compiled once from its shape (``_shapes``):
every key of the shape gets its getter from the projection tables below, or a maker of its
type's empty value, so a struct with nothing in it is an object of empty values
(``PollUserStatus`` of an agent with no call). Rules that belong to one action live here too: a
HoldCall or RetrieveCall reply lists only the call's legs that are not held, the conversation as
the agent hears it (SPEC §4).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from operator import attrgetter
from typing import Any

import attrs

from ..domain import CCCError, Channel, Job, Outcome, User
from ._shapes import BOOL, INT, MAP, SHAPES, SIGNAL_SHAPE, STR, STRS, Shape, envelope
from ._xml import write_xml

__all__ = ["Reply", "empty", "error_reply", "outcome_reply"]


@attrs.frozen
class Reply:
    """A response: HTTP status and body, renderable as JSON or XML.

    ``body`` is the documented JSON body (typed values: ints, bools, lists, objects).
    """

    action: str
    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        """Whether the request succeeded (``Code`` is ``OK``)."""
        return self.status == 200

    def to_json(self) -> str:
        """The body as compact JSON (UTF-8 text, non-ASCII kept)."""
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":"))

    def to_xml(self) -> str:
        """The body as XML, rooted at ``<{Action}Response>``, or ``<Error>`` for an error."""
        if self.ok:
            data = SHAPES.get(self.action, SIGNAL_SHAPE)
            return write_xml(f"{self.action}Response", envelope(data), self.body)
        return write_xml("Error", envelope(None), self.body)


def outcome_reply(outcome: Outcome, request_id: str, context_id: int) -> Reply:
    """The success reply for a committed outcome; ``context_id`` is the instance's event seq."""
    action = outcome.request.action
    data = _RENDERERS.get(action, _SIGNAL_RENDERER)(outcome, context_id)
    body = {"Code": "OK", "Data": data, "HttpStatusCode": 200, "Message": "", "Params": [],
            "RequestId": request_id}  # fmt: skip
    return Reply(action, 200, body)


def error_reply(error: CCCError, request_id: str, action: str = "") -> Reply:
    """The error reply: ``Code``, ``HttpStatusCode``, ``Message``, ``Params`` and no ``Data``."""
    body = {"Code": error.code, "HttpStatusCode": error.http_status, "Message": error.message,
            "Params": list(error.params), "RequestId": request_id}  # fmt: skip
    return Reply(action, error.http_status, body)


# --- projections: every field any action shows, as a getter --------------------------------------
# A renderer is compiled once per shape from these tables: each key of the shape gets its
# getter, or a maker of its type's empty value.
_USER: dict[str, Callable[[User], Any]] = {
    "BreakCode": attrgetter("break_code"),
    "ChatDeviceId": attrgetter("chat_device_id"),
    "DeviceId": attrgetter("device_id"),
    "Extension": attrgetter("extension"),
    "Heartbeat": attrgetter("heartbeat"),
    "InstanceId": attrgetter("instance_id"),
    "JobId": attrgetter("job_id"),
    "Mobile": attrgetter("mobile"),
    "OutboundScenario": attrgetter("outbound_scenario"),
    "Reserved": attrgetter("reserved"),
    "SignedSkillGroupIdList": lambda u: list(u.signed_skill_group_ids),
    "UserId": attrgetter("user_id"),
    "UserState": lambda u: u.state.value,
    "WorkMode": lambda u: u.work_mode.value,
}
_LEG: dict[str, Callable[[Job, Channel, int], Any]] = {
    "CallType": lambda job, leg, i: job.call_type.value,
    "ChannelFlags": lambda job, leg, i: "HOLD" if leg.held else "",
    "ChannelId": lambda job, leg, i: leg.channel_id,
    "ChannelState": lambda job, leg, i: leg.state.value,
    "Destination": lambda job, leg, i: leg.destination,
    "Index": lambda job, leg, i: i,
    "JobId": lambda job, leg, i: leg.job_id,
    "MediaType": lambda job, leg, i: leg.media_type,
    "Originator": lambda job, leg, i: leg.originator,
    "ReleaseInitiator": lambda job, leg, i: leg.release_initiator,
    "ReleaseReason": lambda job, leg, i: leg.release_reason,
    "SkillGroupId": lambda job, leg, i: leg.skill_group_id,
    "Timestamp": lambda job, leg, i: leg.timestamp,
    "UserExtension": lambda job, leg, i: leg.user_extension,
    "UserId": lambda job, leg, i: leg.user_id,
}
_CALL: dict[str, Callable[[Job], Any]] = {
    "CallType": lambda job: job.call_type.value,
    "InstanceId": attrgetter("instance_id"),
    "JobId": attrgetter("job_id"),
}
_EMPTY: dict[str, Callable[..., Any]] = {
    STR: lambda *_: "", INT: lambda *_: 0, BOOL: lambda *_: False,
    STRS: lambda *_: [], MAP: lambda *_: {},
}  # fmt: skip


def empty(shape: Shape) -> dict[str, Any]:
    """A struct of the shape's empty values: what an absent context renders as."""
    return {
        key: empty(kind) if isinstance(kind, dict) else [] if isinstance(kind, list)
        else _EMPTY[kind]()
        for key, kind in shape.items()
    }  # fmt: skip


def _getters(shape: Shape, table: dict[str, Callable[..., Any]]) -> list[tuple[str, Any]]:
    return [(key, table.get(key) or _empty_maker(kind)) for key, kind in shape.items()]


def _empty_maker(kind: Any) -> Callable[..., Any]:
    if isinstance(kind, list):
        return _EMPTY[STRS]  # a list of structs with nothing in it is []
    if isinstance(kind, dict):
        return lambda *_: empty(kind)
    return _EMPTY[kind]


def _user_renderer(shape: Shape) -> Callable[[User | None], dict[str, Any]]:
    getters = _getters(shape, _USER)

    def render(user: User | None) -> dict[str, Any]:
        if user is None:
            return empty(shape)
        return {key: get(user) for key, get in getters}

    return render


def _call_renderer(shape: Shape, visible_only: bool) -> Callable[[Job | None], dict[str, Any]]:
    legs_shape: Shape = shape["ChannelContexts"][0]
    call_getters = _getters({k: v for k, v in shape.items() if k != "ChannelContexts"}, _CALL)
    leg_getters = _getters(legs_shape, _LEG)

    def render(job: Job | None) -> dict[str, Any]:
        if job is None:
            return empty(shape)
        call = {key: get(job) for key, get in call_getters}
        call["ChannelContexts"] = [
            {key: get(job, leg, index) for key, get in leg_getters}
            for index, leg in enumerate(job.channels)
            if not (visible_only and leg.held)
        ]
        return call

    return render


def _renderer(action: str, shape: Shape) -> Callable[[Outcome, int], dict[str, Any]]:
    """The function rendering an action's ``Data`` from an outcome."""
    if "UserContext" not in shape:  # agent-state actions answer with the user context itself
        flat = _user_renderer(shape)
        return lambda outcome, context_id: flat(outcome.user)
    # A HoldCall or RetrieveCall reply lists only the legs not held (SPEC §4).
    call = _call_renderer(shape["CallContext"], action in ("HoldCall", "RetrieveCall"))
    user = _user_renderer(shape["UserContext"])
    rest = {k: kind for k, kind in shape.items() if k not in ("CallContext", "UserContext")}

    def render(outcome: Outcome, context_id: int) -> dict[str, Any]:
        data: dict[str, Any] = {"CallContext": call(outcome.job),
                                "UserContext": user(outcome.user)}  # fmt: skip
        if "ContextId" in rest:
            data["ContextId"] = context_id
        if "ChatContexts" in rest:
            data["ChatContexts"] = []
        return data

    return render


_RENDERERS = {action: _renderer(action, shape) for action, shape in SHAPES.items()}
_SIGNAL_RENDERER = _renderer("", SIGNAL_SHAPE)
