"""Queries: the read-only CCC actions, as frozen values, and the table of every action.

A query is a request like a command (its class is its parameter table, checked in field order
by the same adapter), but it changes nothing: no record, no event, no Heartbeat. The engine
answers it from one consistent read of the store (``_reads.py`` computes the answer from
that read: a page, a list or one object), never through :func:`~callstate.domain.decide`.
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
    "GetLoginDetails",
    "GetUser",
    "ListDevices",
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
    """A read-only action: it changes nothing (no event, no Heartbeat).

    Refusals are its parameters' (``Parameter.Blank``, ``.Format``, ``.Minimum``,
    ``.Maximum``, a list that is not a JSON array of strings: ``Parameter.Format``) and an id
    it names that the instance lacks (``NotExists.InstanceId``, ``.UserId``, ``.SkillGroupId``).
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


@attrs.frozen
class GetUser(Query):
    """One agent's profile, its work mode and its registered device (``DeviceState``).

    The agent is named by ``UserId`` or by ``Extension``: neither is ``Parameter.Invalid``
    (``UserId``); both must name the same agent (else ``Parameter.Invalid``, ``Extension``).
    An agent the instance lacks is ``NotExists.UserId``; an extension no agent has is
    ``Parameter.Invalid`` (``Extension``). It changes nothing.
    """

    user_id: str = ""
    extension: str = ""

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        if not self.user_id.strip() and not self.extension.strip():
            raise ParameterInvalid("UserId", "Give the agent's UserId or its Extension")


@attrs.frozen
class ListDevices(Query):
    """The devices registered now (their registration not expired), the agents' order.

    ``UserId`` (optional) keeps the one agent's (one the instance lacks: ``NotExists.UserId``).
    It changes nothing.
    """

    user_id: str = ""


@attrs.frozen
class GetLoginDetails(Query):
    """What the agent's workbench needs to connect: the emulator's URLs, the agent's device.

    An agent the instance lacks is ``NotExists.UserId``. It changes nothing.
    """

    user_id: str
    chat_device_id: str = ""


#: The read-only actions, by name.
QUERIES: dict[str, type[Query]] = {
    cls.__name__: cls
    for cls in (
        ListRealtimeAgentStates,
        ListRealtimeSkillGroupStates,
        GetUser,
        ListDevices,
        GetLoginDetails,
    )
}

#: Every CCC action callstate implements, by name: the commands, then the queries.
ACTIONS: dict[str, type[Request]] = {**COMMANDS, **QUERIES}
