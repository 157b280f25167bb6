"""The request alphabet of the model-based paths: every request that makes sense in a state.

Every CCC command (``COMMANDS``: the actions that change state; the read-only queries move no
row) and every network signal (``SIGNALS``) is a letter, with its
required parameters drawn from the world and the live state by :data:`VALUES`, keyed by the
wire name (or by ``(request, wire name)`` where one name means two things: ``Callee`` is the
customer for MakeCall and an instance number for CallOffered). Optional parameters keep their
defaults. One more letter is time: :data:`TIMERS` name the instants something falls due (every
timer the records declare), and ``advance`` moves the clock to the earliest.

A new request class needs nothing here unless it has a required parameter no entry names; then
:func:`letters` says which (``KeyError: the alphabet has no values for CallArrived.QueueId``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from ..domain import (
    COMMANDS,
    SIGNALS,
    InstanceConfig,
    JobState,
    QueueType,
    WorkMode,
    job_timers,
    user_timers,
    wire_fields,
)
from ..engine import InstanceView

__all__ = ["ADVANCE", "TIMERS", "VALUES", "Letter", "letters"]

#: The pseudo-request that moves the clock (``Ms`` milliseconds) and applies what fell due.
ADVANCE = "advance"
DEVICE = "dev-path"  # the device an agent signs in with
CUSTOMER = "13900000000"  # the customer: dialled, and calling in
PHONE = "phone-1"  # the SIP phone an agent registers (not the device it signs in with)


@attrs.frozen
class Letter:
    """One request of the alphabet: ``kind`` is ``action``, ``signal`` or ``advance``."""

    kind: str
    name: str
    params: tuple[tuple[str, str], ...]


@attrs.frozen
class Where:
    """What a parameter's values are drawn from: the instance, its live state, the ones so far."""

    config: InstanceConfig
    view: InstanceView
    chosen: Mapping[str, str]

    @property
    def user(self) -> Any:
        """The user the request names (drawn before the parameters that depend on it)."""
        return self.view.users[self.chosen["UserId"]]


def _live_jobs(w: Where) -> list[str]:
    return [j.job_id for j in w.view.jobs.values() if j.state is not JobState.ENDED]


def _live_legs(w: Where) -> list[str]:
    return [c.channel_id for c in w.view.jobs[w.chosen["JobId"]].channels if c.live]


def _customer_legs(w: Where) -> list[str]:
    legs = w.view.jobs[w.chosen["JobId"]].channels
    return [c.channel_id for c in legs if c.live and not c.user_id]


def _earlier_calls(w: Where) -> list[str]:
    """The agent's latest call (refused while it is live, redialled once it ended)."""
    mine = [j.job_id for j in w.view.jobs.values() if j.leg_of(w.chosen["UserId"]) is not None]
    return mine[-1:]


def _queued_jobs(w: Where) -> list[str]:
    return [j.job_id for j in w.view.jobs.values() if j.state is JobState.QUEUED]


#: Drawn before the rest: other parameters' values depend on them.
_DRAWN_FIRST = ("InstanceId", "UserId", "JobId", "TransfereeType")

Values = Callable[[Where], Sequence[str]]


def _agents_but_self(w: Where) -> list[str]:
    return [u for u in w.config.users if u != w.chosen["UserId"]]


def _outside(w: Where) -> list[str]:
    """The first number outside the centre the world names (a route's, an overflow's), if any.

    A world that names none is not about numbers outside: its search tries no transfer there
    (each one multiplies the calls the search must tell apart).
    """
    config = w.config
    named = [r.target for r in config.routes.values() if r.queue_type is QueueType.EXTERNAL_NUMBER]
    named += [g.overflow_number for g in config.skill_groups.values() if g.overflow_number]
    return sorted(named)[:1]


def _transferee_types(*types: str) -> Values:
    """``AGENT``, ``SKILL_GROUP``, and the outside type where the world names a number outside."""
    return lambda w: ["AGENT", "SKILL_GROUP", *(types if _outside(w) else ())]


#: Whom a transfer names, by its ``TransfereeType`` (the default is ``AGENT``).
_TRANSFEREES: dict[str, Values] = {
    "AGENT": _agents_but_self,
    "SKILL_GROUP": lambda w: list(w.config.skill_groups)[:1],
    "EXTERNAL_NUMBER": _outside,
    "EXTERNAL": _outside,
}

#: Wire name (or (request, wire name)) -> the values to try.
VALUES: dict[Any, Values] = {
    "InstanceId": lambda w: [w.config.instance_id],
    "UserId": lambda w: list(w.config.users),
    "DeviceId": lambda w: [w.user.device_id or DEVICE],
    "SignedSkillGroupIdList": lambda w: [json.dumps(list(w.user.skill_group_ids))],
    "SkillGroupId": lambda w: list(w.user.skill_group_ids[:1]),
    "Code": lambda w: ["lunch"],
    "WorkMode": lambda w: [WorkMode.ON_SITE.value],
    "Callee": lambda w: [CUSTOMER],
    ("CallOffered", "Callee"): lambda w: list(w.config.numbers[:1]),
    ("CallArrived", "Callee"): lambda w: list(w.config.numbers),
    "Caller": lambda w: [CUSTOMER],
    "JobId": _live_jobs,
    ("CallReoffered", "JobId"): _queued_jobs,
    ("ClaimCall", "JobId"): _queued_jobs,
    "Transferee": lambda w: _TRANSFEREES[w.chosen.get("TransfereeType", "AGENT")](w),
    ("BlindTransfer", "TransfereeType"): _transferee_types("EXTERNAL_NUMBER"),
    ("InitiateAttendedTransfer", "TransfereeType"): _transferee_types("EXTERNAL"),
    "ParticipantListJson": lambda w: [  # one other agent: the conference's rows need no more
        json.dumps([p.extension]) for u, p in w.config.users.items() if u != w.chosen["UserId"]
    ][:1],
    "ChannelId": _live_legs,
    # tones go to the far end, and its IVR answers on the same leg
    ("SendDtmfSignaling", "ChannelId"): _customer_legs,
    ("IvrRouted", "ChannelId"): _customer_legs,
    "Dtmf": lambda w: ["1"],
    "Route": lambda w: ["menu"],
    # a SIP phone's registration, and a redial of the agent's latest call, ended or not
    "Password": lambda w: ["s3cret"],
    ("RegisterDevice", "DeviceId"): lambda w: [PHONE],
    ("RedialCall", "JobId"): _earlier_calls,
    # supervision: the other users of the instance (the world says whom each may supervise)
    **dict.fromkeys(
        ("MonitoredUserId", "CoachedUserId", "BargedUserId", "InterceptedUserId"),
        lambda w: [u for u in w.config.users if u != w.chosen["UserId"]],
    ),
}


def _declared_timers(view: InstanceView) -> list[int]:
    """When each timer the records declare falls due (ring, queue, hold, wrap-up, heartbeat)."""
    due = [t[0] for job in view.jobs.values() for t in job_timers(job, view.config)]
    return due + [t[0] for user in view.users.values() for t in user_timers(user, view.config)]


#: The instants something falls due without a request, read from the live state.
TIMERS: tuple[Callable[[InstanceView], list[int]], ...] = (_declared_timers,)


def _params(
    name: str, cls: Any, config: InstanceConfig, view: InstanceView
) -> Iterator[dict[str, str]]:
    """Every combination of the parameters' values, drawn in field order.

    The required parameters, and the optional ones :data:`VALUES` names for this request (a
    transfer's ``TransfereeType``: the default alone would never reach a skill group or a
    number outside).
    """
    combos: list[dict[str, str]] = [{}]
    drawn = [f for f in wire_fields(cls) if f.required or (name, f.wire) in VALUES]
    for field in sorted(drawn, key=lambda f: f.wire not in _DRAWN_FIRST):
        source = VALUES.get((name, field.wire)) or VALUES.get(field.wire)
        if source is None:
            raise KeyError(f"the alphabet has no values for {name}.{field.wire}")
        combos = [{**c, field.wire: v} for c in combos for v in source(Where(config, view, c))]
    yield from combos


def letters(config: InstanceConfig, view: InstanceView, now: int) -> Iterator[Letter]:
    """Every letter to try in this state: actions, signals, then time to the next timer."""
    for kind, table in (("action", COMMANDS), ("signal", SIGNALS)):
        for name, cls in table.items():
            for params in _params(name, cls, config, view):
                yield Letter(kind, name, tuple(params.items()))
    due = [t for timer in TIMERS for t in timer(view) if t > now]
    if due:
        yield Letter(ADVANCE, ADVANCE, (("Ms", str(min(due) - now)),))
