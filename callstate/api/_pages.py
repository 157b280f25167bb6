"""A query's answer -> its documented response body (``ListRealtimeAgentStates``, ``GetUser``...).

Every answer is rows (``domain/_answers.py``): one page of them, all of them, or one object.
Each row is rendered from its shape (``_shapes``): every key gets its value from the row's
projection table below, or its type's empty value; the answer's form then frames the rows as
the SDK's model frames ``Data`` (:data:`_FRAMES`: a page object, a list, or the one object).
Queries are not a hot path, so the projections are plain functions rather than generated code.
No rule lives here: what each value is (the board state, the counts, a device's state) is the
domain's (``domain/_realtime.py``, ``domain/_user_reads.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..domain import AgentRow, Answer, DeviceRow, GroupRow, One, Page, Rows, UserRow
from ._reply import Reply
from ._shapes import BOOL, INT, MAP, SHAPES, STR, STRS, WITHOUT_PARAMS, Shape

__all__ = ["answer_reply"]

_AGENT: dict[str, Callable[[AgentRow], Any]] = {
    "AgentId": lambda r: r.user.user_id,
    "BreakCode": lambda r: r.break_code,
    "CallType": lambda r: r.call_type,
    "CounterParty": lambda r: r.counter_party,
    "Duration": lambda r: r.duration_s,
    "Extension": lambda r: r.user.extension,
    "InstanceId": lambda r: r.user.instance_id,
    "Mobile": lambda r: r.user.mobile,
    "OutboundScenario": lambda r: r.user.outbound_scenario,
    "SkillGroupIdList": lambda r: list(r.user.signed_skill_group_ids),
    "SkillGroupNameList": lambda r: list(r.skill_group_names),
    "State": lambda r: r.state.value,
    "StateCode": lambda r: r.state_code,
    "StateTime": lambda r: r.user.state_since,
    "WorkMode": lambda r: r.user.work_mode.value,
}
_GROUP: dict[str, Callable[[GroupRow], Any]] = {
    "BreakCodeDetailList": lambda r: [{"BreakCode": c, "Count": n} for c, n in r.break_codes],
    "BreakingAgents": lambda r: r.breaking_agents,
    "InstanceId": lambda r: r.instance_id,
    "LoggedInAgents": lambda r: r.logged_in_agents,
    "LongestWaitingTime": lambda r: r.longest_waiting_s,
    "OutboundScenarioReadyAgents": lambda r: r.outbound_scenario_ready_agents,
    "ReadyAgents": lambda r: r.ready_agents,
    "SkillGroupId": lambda r: r.skill_group_id,
    "SkillGroupName": lambda r: r.name,
    "TalkingAgents": lambda r: r.talking_agents,
    "TotalAgents": lambda r: r.total_agents,
    "WaitingCalls": lambda r: r.waiting_calls,
    "WorkingAgents": lambda r: r.working_agents,
}
# An agent's registered device: its id, and the agent's extension as the phone's.
_USER: dict[str, Callable[[UserRow], Any]] = {
    "ChatDeviceId": lambda r: r.chat_device_id,
    "DeviceExt": lambda r: r.user.extension if r.user.registered_device else "",
    "DeviceId": lambda r: r.user.registered_device,
    "DeviceState": lambda r: r.device_state.value,
    "Extension": lambda r: r.user.extension,
    "InstanceId": lambda r: r.user.instance_id,
    "Mobile": lambda r: r.user.mobile,
    "UserId": lambda r: r.user.user_id,
    "WorkMode": lambda r: r.user.work_mode.value,
}
_DEVICE: dict[str, Callable[[DeviceRow], Any]] = {
    "CallId": lambda r: r.call_id,
    "DeviceId": lambda r: r.user.registered_device,
    "DeviceType": lambda r: "SIP",
    "Expires": lambda r: r.user.registration_expires_ms,
    "Extension": lambda r: r.user.extension,
    "InstanceId": lambda r: r.user.instance_id,
    "UserId": lambda r: r.user.user_id,
}
_PROJECTIONS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "ListRealtimeAgentStates": _AGENT,
    "ListRealtimeSkillGroupStates": _GROUP,
    "GetUser": _USER,
    "ListDevices": _DEVICE,
    "GetLoginDetails": _USER,
}
_EMPTY: dict[Any, Callable[[], Any]] = {STR: str, INT: int, BOOL: bool, STRS: list, MAP: dict}


def _empty(kind: Any) -> Any:
    return [] if isinstance(kind, list) else _EMPTY[kind]()


def _row(shape: Shape, table: Mapping[str, Callable[[Any], Any]], row: Any) -> dict[str, Any]:
    return {k: table[k](row) if k in table else _empty(kind) for k, kind in shape.items()}


def _page(rows: list[dict[str, Any]], answer: Any) -> dict[str, Any]:
    return {"List": rows, "PageNumber": answer.page_number, "PageSize": answer.page_size,
            "TotalCount": answer.total_count}  # fmt: skip


#: Each answer form: where its row shape sits in ``Data``'s shape, and how it frames the rows.
_FRAMES: dict[type[Any], tuple[Callable[[Any], Shape], Callable[[list[Any], Any], Any]]] = {
    Page: (lambda shape: shape["List"][0], _page),
    Rows: (lambda shape: shape[0], lambda rows, answer: rows),
    One: (lambda shape: shape, lambda rows, answer: rows[0]),
}


def _constant(value: str) -> Callable[[Any], str]:
    return lambda row: value


def answer_reply(action: str, answer: Answer, request_id: str,
                 fixed: Mapping[str, str] | None = None) -> Reply:  # fmt: skip
    """The success reply of a query (``action``) that answered ``answer``.

    ``fixed`` are values the same for every row, which the engine's host knows and the domain
    does not (GetLoginDetails' ``AgentServerUrl``: the emulator's own). The real-time board's
    bodies have no ``Params`` (the SDK's models have none).
    """
    row_shape, frame = _FRAMES[type(answer)]
    table: dict[str, Callable[[Any], Any]] = {**_PROJECTIONS[action]}
    for key, value in (fixed or {}).items():
        table[key] = _constant(value)
    rows = [_row(row_shape(SHAPES[action]), table, r) for r in answer.rows]
    body: dict[str, Any] = {"Code": "OK", "Data": frame(rows, answer),
                            "HttpStatusCode": 200, "Message": "", "Params": [],
                            "RequestId": request_id}  # fmt: skip
    if action in WITHOUT_PARAMS:
        del body["Params"]
    return Reply(action, 200, body)
