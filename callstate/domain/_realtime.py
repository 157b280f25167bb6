"""The real-time board: what its queries answer, computed from one read of an instance.

Its answerers (:data:`ANSWERS`) are pure: each is handed the query, the instance's
provisioning, its live records (as one consistent read of the store gave them) and the instant,
and answers a :class:`~callstate.domain.Page` of rows.
It checks what only the world can tell (an unknown skill group or agent named in a filter is
its ``NotExists`` error), filters, counts and cuts the page; it writes nothing.

How an agent's state reads on the board is :data:`REALTIME_STATES`, its sub-state
(``StateCode``) :data:`STATE_CODES`; how a group's agents are
counted is :data:`GROUP_COUNTS`: ``TotalAgents`` are the agents provisioned in the group, the
other counts those signed in to it (each agent counted in every group it is signed in to).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

import attrs

from ._answers import Answerer, Page, page_of
from ._errors import NotExistsSkillGroupId, NotExistsUserId
from ._queries import ListRealtimeAgentStates, ListRealtimeSkillGroupStates, Query, RealtimeState
from ._records import Job, User
from ._routing import waits
from ._states import ChannelState, SupervisionMode, UserState
from ._world import InstanceConfig, QueueType, Route

__all__ = [
    "ANSWERS",
    "GROUP_COUNTS",
    "REALTIME_STATES",
    "STATE_CODES",
    "AgentRow",
    "GroupRow",
]

#: An agent's ``UserState`` as the board writes it.
REALTIME_STATES: dict[UserState, RealtimeState] = {
    UserState.OFFLINE: RealtimeState.OFFLINE,
    UserState.READY: RealtimeState.READY,
    UserState.BREAK: RealtimeState.BREAK,
    UserState.DIALING: RealtimeState.DIALING,
    UserState.RINGING: RealtimeState.RINGING,
    UserState.TALKING: RealtimeState.TALKING,
    UserState.WORKING: RealtimeState.ACW,
}

#: A talking agent's ``StateCode``: supervising a call (in any mode), or supervised on it.
STATE_CODES: dict[str, str] = {"supervisor": "Monitoring", "supervised": "Monitored"}

#: Which of the agents signed in to a group each count of a group row counts.
GROUP_COUNTS: dict[str, Callable[[User], bool]] = {
    "logged_in_agents": lambda u: True,
    "ready_agents": lambda u: u.state is UserState.READY,
    "outbound_scenario_ready_agents": lambda u: u.state is UserState.READY and u.outbound_scenario,
    "breaking_agents": lambda u: u.state is UserState.BREAK,
    "talking_agents": lambda u: u.state is UserState.TALKING,
    "working_agents": lambda u: u.state is UserState.WORKING,
}


@attrs.frozen
class AgentRow:
    """One agent on the board: the record, its board state, and what is derived for it."""

    user: User
    state: RealtimeState
    #: The break code while on break ("" in any other state).
    break_code: str
    #: Whole seconds in the state by the query's instant.
    duration_s: int
    #: The names of the groups the agent is signed in to, in the same order.
    skill_group_names: tuple[str, ...]
    #: The current call's ``CallType`` ("" with no call).
    call_type: str
    #: The sub-state (:data:`STATE_CODES`; "" for none).
    state_code: str = ""
    #: The other agent of a supervision: the supervised agent, or the supervisor ("": none).
    counter_party: str = ""


@attrs.frozen
class GroupRow:
    """One skill group on the board: its agents by state, its queue, its break codes."""

    instance_id: str
    skill_group_id: str
    name: str
    total_agents: int
    logged_in_agents: int
    ready_agents: int
    outbound_scenario_ready_agents: int
    breaking_agents: int
    talking_agents: int
    working_agents: int
    waiting_calls: int
    #: Whole seconds the call longest in the queue has waited there (0: none waits).
    longest_waiting_s: int
    #: (BreakCode, how many of the group's agents are on break with it), by code.
    break_codes: tuple[tuple[str, int], ...]


def _agent_rows(q: ListRealtimeAgentStates, inst: InstanceConfig, users: Mapping[str, User],
                jobs: Mapping[str, Job], now: int) -> Page[AgentRow]:  # fmt: skip
    if q.skill_group_id and q.skill_group_id not in inst.skill_groups:
        raise NotExistsSkillGroupId(q.skill_group_id, inst.instance_id)
    for uid in q.agent_id_list:
        if uid not in inst.users:
            raise NotExistsUserId(uid, inst.instance_id)
    named, states = set(q.agent_id_list), set(q.state_list)
    rows = []
    for uid in inst.users:
        user = users[uid]
        state = REALTIME_STATES[user.state]
        if (named and uid not in named) or (states and state not in states):
            continue
        if q.skill_group_id and q.skill_group_id not in user.skill_group_ids:
            continue
        groups = (inst.skill_groups.get(g) for g in user.signed_skill_group_ids)
        job = jobs.get(user.job_id) if user.job_id else None
        code = user.break_code if state is RealtimeState.BREAK else ""
        rows.append(AgentRow(user, state, code, max(now - user.state_since, 0) // 1000,
                             tuple(g.name if g else "" for g in groups),
                             job.call_type.value if job else "",
                             *_supervision(user, job)))  # fmt: skip
    return page_of(rows, q.page_number, q.page_size)


def _supervision(user: User, job: Job | None) -> tuple[str, str]:
    """A talking agent's ``StateCode`` and ``CounterParty`` in a supervised call, else blanks."""
    if job is None or user.state is not UserState.TALKING:
        return "", ""
    live = job.live_agent_legs
    supervisors = [c.user_id for c in live if c.supervision is not SupervisionMode.NONE]
    if user.user_id in supervisors:
        agents = [c.user_id for c in live if c.supervision is SupervisionMode.NONE
                  and c.state is ChannelState.ANSWERED]  # fmt: skip
        return STATE_CODES["supervisor"], agents[0] if agents else ""
    if supervisors:
        return STATE_CODES["supervised"], supervisors[0]
    return "", ""


def _group_rows(q: ListRealtimeSkillGroupStates, inst: InstanceConfig,
                users: Mapping[str, User], jobs: Mapping[str, Job],
                now: int) -> Page[GroupRow]:  # fmt: skip
    for gid in q.skill_group_id_list:
        if gid not in inst.skill_groups:
            raise NotExistsSkillGroupId(gid, inst.instance_id)
    waited: dict[str, list[int]] = {}
    for job in jobs.values():
        if waits(job):
            waited.setdefault(job.queue, []).append(max(now - job.queued_ms, 0) // 1000)
    named = set(q.skill_group_id_list)
    rows = []
    for gid, group in inst.skill_groups.items():
        if named and gid not in named:
            continue
        members = [u for u in users.values() if gid in u.skill_group_ids]
        signed = [u for u in members if gid in u.signed_skill_group_ids]
        counts = {name: sum(map(counts_in, signed)) for name, counts_in in GROUP_COUNTS.items()}
        breaks = Counter(u.break_code for u in signed if u.state is UserState.BREAK)
        queue = waited.get(Route(QueueType.SKILL_GROUP, gid).queue, [])
        rows.append(GroupRow(inst.instance_id, gid, group.name, len(members), **counts,
                             waiting_calls=len(queue), longest_waiting_s=max(queue, default=0),
                             break_codes=tuple(sorted(breaks.items()))))  # fmt: skip
    return page_of(rows, q.page_number, q.page_size)


#: The board's queries and what answers each.
ANSWERS: dict[type[Query], Answerer] = {
    ListRealtimeAgentStates: _agent_rows,
    ListRealtimeSkillGroupStates: _group_rows,
}
