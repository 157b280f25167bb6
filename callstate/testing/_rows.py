"""What a model-based path must cover, and how a run shows which of it a request fired.

Targets are named, and read from the tables themselves (so a new row is a new target):

* every state of every :class:`~callstate.domain.StateTable` that callstate exports, that a
  record can be in (the initial state, or a row's destination): ``"agent: TALKING"``;
* every row of those tables, a (trigger, source state) pair: ``"hold: retrieve from HELD"``;
* every row of the release cascade's tables (``callstate.domain._cascade``): the agent rows,
  ``"cascade agent: offer rang out RINGING"``, and the call rows, ``"cascade call: * True
  agent -> goes on"`` (``*`` matches either value, as in the table).

:class:`Recorder` observes a run: while it is active, every state-table move that succeeds is
noted with the record's state before it, and every cascade row the interpreter looks up. It
replaces ``StateTable.move`` and the cascade's two lookups for its duration (under a lock), so
the engine runs unchanged and the domain carries no hook.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from typing import Any

from .. import domain
from ..domain import StateTable
from ..domain import _cascade as cascade

__all__ = ["Recorder", "record_states", "state_tables", "states_reached", "targets"]

_LOCK = threading.Lock()


def state_tables() -> tuple[StateTable[Any], ...]:
    """Every state table callstate's domain exports, in its order."""
    return tuple(v for v in vars(domain).values() if isinstance(v, StateTable))


def _states_entered(table: StateTable[Any]) -> list[Enum]:
    kinds = type(table.initial)
    dests = {t.dest for e in table.machine.events.values() for ts in e.transitions.values()
             for t in ts if t.dest}  # fmt: skip
    return [s for s in kinds if s is table.initial or s.name in dests]


def _row_names(table: StateTable[Any]) -> list[str]:
    return [
        f"{table.kind}: {trigger} from {source}"
        for trigger, event in table.machine.events.items()
        for source in event.transitions
    ]


def _agent_row(key: tuple[Any, ...]) -> str:
    role, way, state = key
    return f"cascade agent: {role.value} {way.value} {state.value}"


def _written(value: Any) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


def _call_row(row: Sequence[Any]) -> str:
    *key, then = row
    return f"cascade call: {' '.join(_written(k) for k in key)} -> {then.value}"


def _call_row_of(key: tuple[Any, ...]) -> str:
    """The call row a compiled key came from (the table compiles each key from one row)."""
    (row,) = [
        r
        for r in cascade.CALL_ROWS
        if all(p in (cascade.ANY, k) for p, k in zip(r[:-1], key, strict=True))
    ]
    return _call_row(row)


def targets() -> tuple[str, ...]:
    """Every state and row to cover, named, in the tables' order."""
    names: list[str] = []
    for table in state_tables():
        names += [f"{table.kind}: {s.value}" for s in _states_entered(table)]
        names += _row_names(table)
    names += [_agent_row(key) for key in cascade.AGENT_CASCADE]
    names += [_call_row(row) for row in cascade.CALL_ROWS]
    return tuple(names)


def record_states(view: Any) -> dict[str, str]:
    """Every record of an instance view with its state as CCC writes it (a held leg: HELD)."""
    states = {u.user_id: u.state.value for u in view.users.values()}
    for job in view.jobs.values():
        states[job.job_id] = job.state.value
        states.update((leg.channel_id, leg.written_state) for leg in job.channels)
    return states


def states_reached(view: Any) -> set[str]:
    """The state targets the records of an instance view are in."""
    tables = state_tables()
    records: list[Any] = list(view.users.values())
    for job in view.jobs.values():
        records += [job, *job.channels]
    reached = set()
    for record in records:
        for table in tables:
            value = getattr(record, table.attribute, None)
            inside = table.region is None or (
                getattr(record, table.region.parent.attribute) is table.region.within
            )
            if isinstance(value, type(table.initial)) and inside:
                reached.add(f"{table.kind}: {value.value}")
    return reached


class _Looked(dict[Any, Any]):
    """A cascade lookup table that notes the keys the interpreter finds in it."""

    def __init__(self, table: dict[Any, Any], name: Callable[[Any], str], seen: list[str]):
        super().__init__(table)
        self._name, self._seen = name, seen

    def __getitem__(self, key: Any) -> Any:
        value = super().__getitem__(key)
        self._seen.append(self._name(key))
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self:
            return self[key]
        return default


class Recorder:
    """Notes the rows each request fires; use :meth:`active` around the requests."""

    def __init__(self) -> None:
        self.fired: list[str] = []

    def take(self) -> list[str]:
        """The rows fired since the last take, in order, without repeats."""
        fired = list(dict.fromkeys(self.fired))
        self.fired.clear()  # in place: the patched moves hold this list
        return fired

    @contextmanager
    def active(self) -> Iterator[Recorder]:
        """Observe every move and cascade look-up made inside the block (one block at a time)."""
        real_move = StateTable.move
        seen = self.fired

        def move(table: StateTable[Any], record: object, trigger: str, now: int = -1) -> None:
            before = getattr(record, table.attribute)
            real_move(table, record, trigger, now)
            seen.append(f"{table.kind}: {trigger} from {before.value}")

        with _LOCK:
            saved = cascade.AGENT_CASCADE, cascade.CALL_CASCADE
            StateTable.move = move  # type: ignore[method-assign,assignment]
            cascade.AGENT_CASCADE = _Looked(saved[0], _agent_row, seen)
            cascade.CALL_CASCADE = _Looked(saved[1], _call_row_of, seen)
            try:
                yield self
            finally:
                StateTable.move = real_move  # type: ignore[method-assign]
                cascade.AGENT_CASCADE, cascade.CALL_CASCADE = saved
