"""Outcomes and errors -> documented response bodies (SPEC §5), wrapped in a :class:`Reply`.

Each action's success body is written straight to JSON text by a function generated once from
its shape (``_shapes``): every key of the shape gets its expression from the projection tables
below, or its type's empty value, so a struct with nothing in it is an object of empty values
(``PollUserStatus`` of an agent with no call). No rule lives here: which legs a reply lists
and each leg's ``ChannelFlags`` are the domain's (``Outcome.legs``, ``Channel.flags``).
"""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

from ..domain import QUERIES, CCCError, Outcome
from ._codegen import generate
from ._reply import Reply, compact_json
from ._shapes import BOOL, INT, MAP, SHAPES, SIGNAL_SHAPE, STR, STRS, Shape

__all__ = ["error_reply", "outcome_reply"]


def outcome_reply(outcome: Outcome, request_id: str, context_id: int) -> Reply:
    """The success reply for a committed outcome; ``context_id`` is the instance's event seq."""
    action = outcome.request.action
    text = _WRITERS.get(action, _SIGNAL_WRITER)(outcome, context_id, request_id)
    return Reply.from_json(action, 200, text, request_id)


def error_reply(error: CCCError, request_id: str, action: str = "") -> Reply:
    """The error reply: ``Code``, ``HttpStatusCode``, ``Message``, ``Params`` and no ``Data``."""
    body = {"Code": error.code, "HttpStatusCode": error.http_status, "Message": error.message,
            "Params": list(error.params), "RequestId": request_id}  # fmt: skip
    return Reply(action, error.http_status, body)


# --- projections: every field any action shows, as an expression ------------------------------
# A writer is generated once per shape from these tables: a function returning the body's
# compact JSON text as one f-string, each key of the shape with its expression's value written
# as JSON (strings through the json module's own escaping, so the text is what the json module
# writes for the same body), or its type's empty value. Writing the text straight from the
# records costs a fraction of building the body's dicts and encoding them (measured: see
# docs/performance.md); the body is read back from the text only when asked for
# (:attr:`Reply.body`). Enum members are read through ``_value_``, a plain attribute, not the
# ``value`` property. Its source is registered for tracebacks (``_codegen``).
_USER = {
    "BreakCode": "u.break_code",
    "ChatDeviceId": "u.chat_device_id",
    "DeviceId": "u.device_id",
    # A signed-in agent's device is registered; callstate knows no device apart from that.
    "DeviceState": '"ONLINE" if u.device_id else "OFFLINE"',
    "Extension": "u.extension",
    "Heartbeat": "u.heartbeat",
    "InstanceId": "u.instance_id",
    "JobId": "u.job_id",
    "Mobile": "u.mobile",
    "OutboundScenario": "u.outbound_scenario",
    "Reserved": "u.reserved",
    "SignedSkillGroupIdList": "u.signed_skill_group_ids",
    "UserId": "u.user_id",
    "UserState": "u.state._value_",
    "WorkMode": "u.work_mode._value_",
}
_LEG = {
    "CallType": "leg.call_type or job.call_type._value_",
    "ChannelFlags": "leg.flags",
    "ChannelId": "leg.channel_id",
    "ChannelState": "leg.state._value_",
    "Destination": "leg.destination",
    "Index": "i",
    "JobId": "leg.job_id",
    "MediaType": "leg.media_type",
    "Originator": "leg.originator",
    "ReleaseInitiator": "leg.release_initiator",
    "ReleaseReason": "leg.release_reason",
    "SkillGroupId": "leg.skill_group_id",
    "Timestamp": "leg.timestamp",
    "UserExtension": "leg.user_extension",
    "UserId": "leg.user_id",
}
_CALL = {
    "CallType": "job.call_type._value_",
    "InstanceId": "job.instance_id",
    "JobId": "job.job_id",
}
# How a value of each scalar type is written as JSON inside the f-string (``_s`` is the json
# module's string escaping; an int formats as JSON writes it).
_AS_JSON = {
    STR: "{{_s({})}}",
    INT: "{{{}}}",
    BOOL: '{{"true" if {} else "false"}}',
    STRS: '[{{",".join(map(_s, {}))}}]',
}
_EMPTY = {STR: "", INT: 0, BOOL: False, STRS: [], MAP: {}}


def _object(shape: Shape, table: dict[str, str]) -> str:
    """f-string text of a JSON object of the shape's keys: ``table``'s expressions, or empties.

    ``table`` may also give a key ready-made f-string text, marked by a leading ``=``.
    """
    fields = []
    for key, kind in shape.items():
        expression = table.get(key)
        if expression is None:
            value = _braces(compact_json(_empty(kind)))
        elif expression.startswith("="):
            value = expression[1:]
        else:
            assert "'" not in expression and "\\" not in expression, expression  # f-string safe
            value = _AS_JSON[kind].format(expression)
        fields.append(f'"{key}":{value}')
    return "{{" + ",".join(fields) + "}}"


def _empty(kind: Any) -> Any:
    if isinstance(kind, dict):
        return {k: _empty(v) for k, v in kind.items()}
    return [] if isinstance(kind, list) else _EMPTY[kind]


def _braces(text: str) -> str:
    """Literal text inside an f-string: its braces doubled."""
    return text.replace("{", "{{").replace("}", "}}")


def _writer(action: str, shape: Shape | None) -> Callable[[Outcome, int, str], str]:
    """The function writing an action's whole success body as JSON, generated from its shape.

    A shape of ``None`` is a body with no ``Data`` (RegisterDevice): the envelope alone.
    """
    lines = ["def render(outcome, context_id, request_id):"]
    if shape is not None:
        lines += _data_lines(shape)
    data = "" if shape is None else '"Data":{data},'
    lines.append(
        f"""    return f'{{{{"Code":"OK",{data}"HttpStatusCode":200,"Message":"","""
        """"Params":[],"RequestId":{_s(request_id)}}}'"""
    )
    source = "\n".join(lines) + "\n"
    namespace = {"_s": encode_basestring}
    writer: Callable[[Outcome, int, str], str] = generate(
        source, f"render {action or 'signal'}", "render", namespace
    )
    return writer


def _data_lines(shape: Shape) -> list[str]:
    """The writer's lines binding ``data`` to the JSON text of the shape's ``Data``."""
    lines = ["    u, job = outcome.user, outcome.job"]
    if "UserContext" not in shape:  # agent-state actions answer with the user context itself
        return [*lines, f"    user = f'{_object(shape, _USER)}'", "    data = user"]
    call: Shape = shape["CallContext"]
    user: Shape = shape["UserContext"]
    # Which legs a reply lists is the domain's (Outcome.legs), not this module's.
    leg = _object(call["ChannelContexts"][0], _LEG)
    call_fields = {**_CALL, "ChannelContexts": "=[{legs}]"}
    data = {"ContextId": "={context_id}", "CallContext": "={call}", "UserContext": "={user}"}
    no_call, no_user = compact_json(_empty(call)), compact_json(_empty(user))
    return [
        *lines,
        f"    legs = ','.join([f'{leg}' for i, leg in outcome.legs])",
        f"    call = f'{_object(call, call_fields)}' if job else {no_call!r}",
        f"    user = f'{_object(user, _USER)}' if u else {no_user!r}",
        f"    data = f'{_object(shape, data)}'",
    ]


# Queries answer rows, not outcomes: their bodies are ``_pages.answer_reply``'s.
_WRITERS = {a: _writer(a, shape) for a, shape in SHAPES.items() if a not in QUERIES}
_SIGNAL_WRITER = _writer("", SIGNAL_SHAPE)
