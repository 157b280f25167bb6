"""Queries: the read-only CCC actions, as frozen values, and the table of every action.

A query is a request like a command (its class is its parameter table, checked in field order
by the same adapter), but it changes nothing: no record, no event, no Heartbeat. The engine
answers it from one consistent read of the store (``_realtime.py`` computes the answer from
that read), never through :func:`~callstate.domain.decide`.
"""

from __future__ import annotations

from enum import Enum

import attrs

from ._commands import COMMANDS, Request
from ._errors import ParameterInvalid
from ._wire import bounded

__all__ = [
    "ACTIONS",
    "MAX_AGENT_IDS",
    "QUERIES",
    "ListRealtimeAgentStates",
    "ListRealtimeSkillGroupStates",
    "Query",
    "RealtimeState",
]

#: How many agents ``AgentIdList`` may name (CCC's documented limit).
MAX_AGENT_IDS = 20


class RealtimeState(Enum):
    """An agent's ``State`` on the real-time board (CamelCase, and ``ACW`` for wrap-up)."""

    READY = "Ready"
    BREAK = "Break"
    ACW = "ACW"
    RINGING = "Ringing"
    DIALING = "Dialing"
    TALKING = "Talking"
    OFFLINE = "Offline"


@attrs.frozen
class Query(Request):
    """A read-only action: paged (``PageNumber`` and ``PageSize``, each 1 to 100).

    It changes nothing (no event, no Heartbeat). Refusals: ``PageNumber`` or ``PageSize``
    absent (``Parameter.Blank``), not an integer (``Parameter.Format``) or out of 1-100
    (``Parameter.Minimum``, ``Parameter.Maximum``); a list that is not a JSON array of strings
    (``Parameter.Format``); an id a filter names that the instance lacks (``NotExists.UserId``,
    ``NotExists.SkillGroupId``).
    """


@attrs.frozen
class ListRealtimeAgentStates(Query):
    """Every agent's real-time state, in the world's order, one page of it.

    Filters (all optional, all must hold): ``AgentIdList`` (at most 20 UserIds, else
    ``Parameter.Invalid``), ``StateList`` (board states, else ``Parameter.Enumeration``),
    ``SkillGroupId`` (agents provisioned in that group). ``PageNumber`` and ``PageSize`` are
    required, 1 to 100 (``Parameter.Blank``, ``.Format``, ``.Minimum``, ``.Maximum``); an agent
    or group a filter names that the instance lacks is ``NotExists.UserId`` or
    ``NotExists.SkillGroupId``. It changes nothing, not even the Heartbeat.
    """

    page_number: int = bounded(1, 100, required=True)
    page_size: int = bounded(1, 100, required=True)
    agent_id_list: tuple[str, ...] = ()
    state_list: tuple[RealtimeState, ...] = ()
    skill_group_id: str = ""

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        if len(self.agent_id_list) > MAX_AGENT_IDS:
            raise ParameterInvalid("AgentIdList", f"It names at most {MAX_AGENT_IDS} agents")


@attrs.frozen
class ListRealtimeSkillGroupStates(Query):
    """Every skill group's queue and agents now, in the world's order, one page of it.

    ``SkillGroupIdList`` (optional) keeps only the groups it names (one the instance lacks:
    ``NotExists.SkillGroupId``). ``PageNumber`` and ``PageSize`` are required, 1 to 100
    (``Parameter.Blank``, ``.Format``, ``.Minimum``, ``.Maximum``). It changes nothing.
    """

    page_number: int = bounded(1, 100, required=True)
    page_size: int = bounded(1, 100, required=True)
    skill_group_id_list: tuple[str, ...] = ()


#: The read-only actions, by name.
QUERIES: dict[str, type[Query]] = {
    cls.__name__: cls for cls in (ListRealtimeAgentStates, ListRealtimeSkillGroupStates)
}

#: Every CCC action callstate implements, by name: the commands, then the queries.
ACTIONS: dict[str, type[Request]] = {**COMMANDS, **QUERIES}
