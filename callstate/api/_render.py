"""Outcomes and errors -> documented response bodies (SPEC §5), wrapped in a :class:`Reply`.

Contexts are projected from the records with every field any action shows, then cut to the
action's shape (``_shapes``): a key the projection lacks gets its type's empty value, so a
struct with nothing in it is an object of empty values (``PollUserStatus`` of an agent with no
call). Rules that belong to one action live here too: a HoldCall or RetrieveCall reply lists
only the call's legs that are not held, the conversation as the agent hears it (SPEC §4).
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from ..domain import CCCError, Channel, HoldCall, Job, Outcome, RetrieveCall, User
from ._shapes import BOOL, INT, MAP, SHAPES, SIGNAL_SHAPE, STR, STRS, Shape, envelope
from ._xml import write_xml

__all__ = ["Reply", "error_reply", "outcome_reply"]

_EMPTY: dict[str, Any] = {STR: "", INT: 0, BOOL: False, STRS: [], MAP: {}}


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
    shape = SHAPES.get(action, SIGNAL_SHAPE)
    values: dict[str, Any] = {"ContextId": context_id}
    if outcome.user is not None:
        values["UserContext"] = _user_values(outcome.user)
    if outcome.job is not None:
        visible_only = isinstance(outcome.request, HoldCall | RetrieveCall)
        values["CallContext"] = _call_values(outcome.job, visible_only)
    flat = "UserContext" not in shape  # agent-state actions answer with the user context itself
    data = _fill(shape, values.get("UserContext", {}) if flat else values)
    body = {"Code": "OK", "Data": data, "HttpStatusCode": 200, "Message": "", "Params": [],
            "RequestId": request_id}  # fmt: skip
    return Reply(action, 200, body)


def error_reply(error: CCCError, request_id: str, action: str = "") -> Reply:
    """The error reply: ``Code``, ``HttpStatusCode``, ``Message``, ``Params`` and no ``Data``."""
    body = {"Code": error.code, "HttpStatusCode": error.http_status, "Message": error.message,
            "Params": list(error.params), "RequestId": request_id}  # fmt: skip
    return Reply(action, error.http_status, body)


def _fill(shape: Shape, values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, kind in shape.items():
        if isinstance(kind, dict):
            out[key] = _fill(kind, values.get(key, {}))
        elif isinstance(kind, list):
            out[key] = [_fill(kind[0], item) for item in values.get(key, ())]
        elif key in values:
            out[key] = values[key]
        else:
            empty = _EMPTY[kind]
            out[key] = empty.copy() if isinstance(empty, list | dict) else empty
    return out


def _user_values(u: User) -> dict[str, Any]:
    return {
        "BreakCode": u.break_code,
        "ChatDeviceId": u.chat_device_id,
        "DeviceId": u.device_id,
        "Extension": u.extension,
        "Heartbeat": u.heartbeat,
        "InstanceId": u.instance_id,
        "JobId": u.job_id,
        "Mobile": u.mobile,
        "OutboundScenario": u.outbound_scenario,
        "Reserved": u.reserved,
        "SignedSkillGroupIdList": list(u.signed_skill_group_ids),
        "UserId": u.user_id,
        "UserState": u.state.value,
        "WorkMode": u.work_mode.value,
    }


def _call_values(job: Job, visible_only: bool) -> dict[str, Any]:
    legs = [
        _channel_values(job, leg, index)
        for index, leg in enumerate(job.channels)
        if not (visible_only and leg.held)
    ]
    return {
        "CallType": job.call_type.value,
        "ChannelContexts": legs,
        "InstanceId": job.instance_id,
        "JobId": job.job_id,
    }


def _channel_values(job: Job, leg: Channel, index: int) -> dict[str, Any]:
    return {
        "CallType": job.call_type.value,
        "ChannelFlags": "HOLD" if leg.held else "",
        "ChannelId": leg.channel_id,
        "ChannelState": leg.state.value,
        "Destination": leg.destination,
        "Index": index,
        "JobId": leg.job_id,
        "MediaType": leg.media_type,
        "Originator": leg.originator,
        "ReleaseInitiator": leg.release_initiator,
        "ReleaseReason": leg.release_reason,
        "SkillGroupId": leg.skill_group_id,
        "Timestamp": leg.timestamp,
        "UserExtension": leg.user_extension,
        "UserId": leg.user_id,
    }
