"""Outcomes and errors -> documented response bodies (SPEC §5), wrapped in a :class:`Reply`.

Each action's ``Data`` is rendered by a function generated once from its shape (``_shapes``):
every key of the shape gets its expression from the projection tables below, or its type's
empty value, so a struct with nothing in it is an object of empty values
(``PollUserStatus`` of an agent with no call). No rule lives here: which legs a reply lists
and each leg's ``ChannelFlags`` are the domain's (``Outcome.legs``, ``Channel.flags``).
"""

from __future__ import annotations

import json
from _json import make_encoder  # CPython's C encoder, which json.JSONEncoder calls
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

import attrs

from ..domain import QUERIES, CCCError, Outcome
from ._codegen import generate
from ._shapes import BOOL, INT, MAP, SHAPES, SIGNAL_SHAPE, STR, STRS, Shape, envelope
from ._xml import write_xml

__all__ = ["Reply", "error_reply", "json_bytes", "outcome_reply"]

# json.dumps with arguments builds a new encoder on every call; one, made once, does the same.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_ASCII_JSON = json.JSONEncoder(separators=(",", ":"))


def _compact_json(value: Any) -> str:
    """``_JSON.encode(value)``: the same C encoder, called without the Python set-up around it.

    ``JSONEncoder.encode`` redefines a float formatter and re-reads its options on every call
    (a fifth of its cost for a reply body); this passes the options it passes, with a fresh
    circular-reference memo each time, so the text is the same.
    """
    encoder = make_encoder({}, _JSON.default, encode_basestring, None, ":", ",", False, False, True)
    return "".join(encoder(value, 0))


def json_bytes(value: Any) -> bytes:
    r"""``value`` as compact UTF-8 JSON (non-ASCII kept); never fails on a string.

    Strings are checked where they enter (:func:`~callstate.domain.is_text`), but an embedder
    can build a value by hand: a lone surrogate, which UTF-8 cannot carry, is then written as
    its ``\uXXXX`` escape (the whole body ASCII-escaped), which JSON readers read back.
    """
    text = _compact_json(value)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _ASCII_JSON.encode(value).encode("ascii")


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
        """The body as compact JSON (UTF-8 text, non-ASCII kept); bytes: :func:`json_bytes`."""
        return _compact_json(self.body)

    def to_xml(self) -> str:
        """The body as XML, rooted at ``<{Action}Response>``, or ``<Error>`` for an error."""
        if self.ok:
            data = SHAPES.get(self.action, SIGNAL_SHAPE)  # None: the body has no Data
            return write_xml(f"{self.action}Response", envelope(data, self.action), self.body)
        return write_xml("Error", envelope(None), self.body)


def outcome_reply(outcome: Outcome, request_id: str, context_id: int) -> Reply:
    """The success reply for a committed outcome; ``context_id`` is the instance's event seq."""
    action = outcome.request.action
    data = _RENDERERS.get(action, _SIGNAL_RENDERER)(outcome, context_id)
    body: dict[str, Any] = {"Code": "OK", "Data": data, "HttpStatusCode": 200, "Message": "",
                            "Params": [], "RequestId": request_id}  # fmt: skip
    if data is None:  # an action whose body has no Data (RegisterDevice)
        del body["Data"]
    return Reply(action, 200, body)


def error_reply(error: CCCError, request_id: str, action: str = "") -> Reply:
    """The error reply: ``Code``, ``HttpStatusCode``, ``Message``, ``Params`` and no ``Data``."""
    body = {"Code": error.code, "HttpStatusCode": error.http_status, "Message": error.message,
            "Params": list(error.params), "RequestId": request_id}  # fmt: skip
    return Reply(action, error.http_status, body)


# --- projections: every field any action shows, as an expression ------------------------------
# A renderer is generated once per shape from these tables: a function returning one dict
# literal, each key of the shape with its expression, or its type's empty value. (A dict
# literal of attribute reads costs a fraction of a comprehension calling a getter per field:
# measured, a plain-Python renderer makes a whole HoldCall/RetrieveCall request ~12% dearer, see
# docs/performance.md. Enum members are read through ``_value_``, a plain attribute, not the
# ``value`` property.) Its source is registered for tracebacks (``_codegen``).
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
    "SignedSkillGroupIdList": "list(u.signed_skill_group_ids)",
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
_EMPTY = {STR: '""', INT: "0", BOOL: "False", STRS: "[]", MAP: "{}"}


def _literal(shape: Shape, table: dict[str, str]) -> str:
    """A dict literal of the shape's keys: expressions from ``table``, else empty values."""
    fields = (f"{k!r}: {table.get(k) or _empty(kind)}" for k, kind in shape.items())
    return "{" + ", ".join(fields) + "}"


def _empty(kind: Any) -> str:
    if isinstance(kind, dict):
        return _literal(kind, {})
    return "[]" if isinstance(kind, list) else _EMPTY[kind]


def _no_data(outcome: Outcome, context_id: int) -> None:
    """The ``Data`` of an action whose body has none (RegisterDevice): none."""


def _renderer(action: str, shape: Shape | None) -> Callable[[Outcome, int], dict[str, Any] | None]:
    """The function rendering an action's ``Data`` from an outcome, generated from its shape."""
    if shape is None:  # the body has no Data: nothing to generate
        return _no_data
    if "UserContext" not in shape:  # agent-state actions answer with the user context itself
        source = f"""
def render(outcome, context_id):
    u = outcome.user
    return {_literal(shape, _USER)}
"""
    else:
        call: Shape = shape["CallContext"]
        legs = _literal(call["ChannelContexts"][0], _LEG)
        # Which legs a reply lists is the domain's (Outcome.legs), not this module's.
        call_fields = {**_CALL, "ChannelContexts": f"[{legs} for i, leg in outcome.legs]"}
        data = {"ContextId": "context_id", "ChatContexts": "[]",
                "CallContext": f"{_literal(call, call_fields)} if job else {_literal(call, {})}",
                "UserContext": f"{_literal(shape['UserContext'], _USER)} if u else "
                               f"{_literal(shape['UserContext'], {})}"}  # fmt: skip
        source = f"""
def render(outcome, context_id):
    u, job = outcome.user, outcome.job
    return {_literal(shape, data)}
"""
    render: Callable[[Outcome, int], dict[str, Any]] = generate(
        source, f"render {action or 'signal'}", "render", {}
    )
    return render


# Queries answer rows, not outcomes: their bodies are ``_pages.answer_reply``'s.
_RENDERERS = {a: _renderer(a, shape) for a, shape in SHAPES.items() if a not in QUERIES}
_SIGNAL_RENDERER = _renderer("", SIGNAL_SHAPE)
