"""A query's page -> its documented response body (``ListRealtimeAgentStates``...).

Each row is rendered from its shape (``_shapes``): every key gets its value from the row's
projection table below, or its type's empty value. Queries are not a hot path, so the
projections are plain functions rather than generated code. No rule lives here: what each
value is (the board state, its sub-state, the counts) is the domain's (``domain/_realtime.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..domain import AgentRow, GroupRow, Page
from ._reply import Reply
from ._shapes import BOOL, INT, MAP, SHAPES, STR, STRS, Shape

__all__ = ["page_reply"]

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
_PROJECTIONS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "ListRealtimeAgentStates": _AGENT,
    "ListRealtimeSkillGroupStates": _GROUP,
}
_EMPTY: dict[Any, Callable[[], Any]] = {STR: str, INT: int, BOOL: bool, STRS: list, MAP: dict}


def _empty(kind: Any) -> Any:
    return [] if isinstance(kind, list) else _EMPTY[kind]()


def _row(shape: Shape, table: dict[str, Callable[[Any], Any]], row: Any) -> dict[str, Any]:
    return {k: table[k](row) if k in table else _empty(kind) for k, kind in shape.items()}


def page_reply(action: str, page: Page[Any], request_id: str) -> Reply:
    """The success reply of a query (``action``) that answered ``page``: no ``Params``."""
    row_shape: Shape = SHAPES[action]["List"][0]
    table = _PROJECTIONS[action]
    data = {
        "List": [_row(row_shape, table, r) for r in page.rows],
        "PageNumber": page.page_number,
        "PageSize": page.page_size,
        "TotalCount": page.total_count,
    }
    body = {"Code": "OK", "Data": data, "HttpStatusCode": 200, "Message": "",
            "RequestId": request_id}  # fmt: skip
    return Reply(action, 200, body)
