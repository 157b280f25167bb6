"""Model-based paths: the shortest request sequences that cover every state table.

:func:`paths` searches breadth-first over the real engine, from a fresh world: an in-process
:class:`~callstate.Engine` (:func:`path_engine`: a ``ManualClock`` at ``START_MS``, seeded ids,
the memory store, no simulated network, so that only the path's requests move anything). From
each state reached it tries every letter of the request alphabet (``_alphabet.py``: every
action and signal with parameters drawn from the world and the live state, and time passing to
the next timer), replaying the path on a fresh engine each time. A :class:`~._rows.Recorder`
notes the table rows each committed request fires. The first (so the shortest) path to fire a
row, or to put a record in a state, is that target's path. States are told apart by their
records' states, ids renumbered, so the search ends; it stops when every target is covered or
no new state is found within :data:`MAX_DEPTH` requests. The search runs once per process and
world (cached); a few seconds.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import attrs

from ..domain import JobState, World
from ..engine import (
    Engine,
    Ids,
    ManualClock,
    MemoryStore,
    Store,
    WorldSource,
    load_world,
)
from ._alphabet import ADVANCE, Letter, letters
from ._network import START_MS, Network
from ._rows import Recorder, record_states, states_reached, targets

if TYPE_CHECKING:
    from ._client import CallCentreClient

__all__ = ["MAX_DEPTH", "Path", "PathStep", "path_engine", "paths", "unreached"]

#: The longest path searched for (a state needing more requests is reported unreached). The
#: longest needed is 7 (two agents sign in, a call, its answer, a consultation answered and
#: completed); every level more multiplies the search where a target stays unreachable.
MAX_DEPTH = 8
#: States with more live calls than this are not searched from (each would only add more).
MAX_LIVE_CALLS = 2


@attrs.frozen
class PathStep:
    """One request of a path and its expected outcome.

    ``kind`` is ``action`` (a CCC action: send it through the client), ``signal`` (a network
    signal: ``Network.signal``) or ``advance`` (``Network.advance(int(params["Ms"]))``).
    ``code`` is the reply's ``Code``; ``fires`` the table rows it fires; ``states`` every
    record's state after it (UserId, JobId or ChannelId -> state; a held leg is ``HELD``).
    """

    kind: str
    name: str
    params: Mapping[str, str]
    code: str
    fires: tuple[str, ...]
    states: Mapping[str, str]

    def __str__(self) -> str:
        return f"{self.name}({json.dumps(dict(self.params))}) -> {self.code}"


@attrs.frozen
class Path:
    """The shortest request sequence from a fresh world that reaches ``target``.

    ``target`` names a state (``"agent: TALKING"``) or a table row (``"hold: retrieve from
    HELD"``), which the last step reaches or fires.
    """

    target: str
    steps: tuple[PathStep, ...]

    def run(self, client: CallCentreClient | None, network: Network) -> None:
        """Replay the path on ``network``'s engine (fresh, as :func:`path_engine` builds it).

        Actions go through ``client`` (the engine itself with ``None``), signals and time through
        ``network``. Raises ``AssertionError`` at the first step whose reply code or resulting
        states differ from the path's.
        """
        engine = network.engine
        for i, step in enumerate(self.steps):
            params = dict(step.params)
            code: str | None = None
            if step.kind == ADVANCE:
                network.advance(int(params["Ms"]))
                code = "OK"
            elif step.kind == "signal":
                code = network.signal(step.name, **params).body["Code"]
            elif client is not None:
                code = client.send(step.name, params)
            if code is None:  # no client, or one that does not do this action
                code = engine.handle(step.name, params).body["Code"]
            where = f"{self.target}, step {i + 1}: {step}"
            assert code == step.code, f"{where}: answered {code}"
            view = engine.view(params.get("InstanceId") or sorted(engine.world.instances)[0])
            assert view is not None
            assert record_states(view) == dict(step.states), f"{where}: {record_states(view)}"


def path_engine(world: WorldSource = None, store: Store | str | None = None) -> Engine:
    """A fresh engine as the paths start from: replay a :class:`Path` on it.

    ``store`` as :class:`~callstate.Engine` takes it (default: ``CALLSTATE_STORE``, else memory).
    """
    return Engine(load_world(world), clock=ManualClock(START_MS), ids=Ids(seed=0), store=store,
                  network=None)  # fmt: skip


def _apply(engine: Engine, letter: Letter) -> str:
    params = dict(letter.params)
    if letter.kind == ADVANCE:
        assert isinstance(engine.clock, ManualClock)
        Network(engine, engine.clock).advance(int(params["Ms"]))
        return "OK"
    send = engine.handle if letter.kind == "action" else engine.signal
    return str(send(letter.name, params).body["Code"])


def _key(view: Any) -> tuple[Any, ...]:
    """A state as the search tells states apart: records' states, ids renumbered."""
    live = [j for j in view.jobs.values() if j.state is not JobState.ENDED]
    index = {j.job_id: i for i, j in enumerate(live)}
    users = tuple(
        (u.user_id, u.state, index.get(u.job_id, -1), bool(u.device_id), u.signed_skill_group_ids)
        for u in view.users.values()
    )
    calls = tuple(
        (j.state, j.call_type, j.queue_deadline_ms - view.last_now if j.queue_deadline_ms else 0,
         tuple((c.party, c.user_id, c.state, c.hold_state, c.mute_state) for c in j.channels))
        for j in live
    )  # fmt: skip
    return users, calls


@attrs.frozen
class _Exploration:
    paths: tuple[Path, ...]
    unreached: tuple[str, ...]


def _replay(world: World, steps: tuple[PathStep, ...]) -> Engine:
    engine = path_engine(world, MemoryStore())
    for step in steps:
        _apply(engine, Letter(step.kind, step.name, tuple(step.params.items())))
    return engine


@lru_cache(maxsize=8)
def _explore(world_json: str, only: tuple[str, ...] | None = None) -> _Exploration:
    world = World.from_dict(json.loads(world_json))
    (instance,) = world.instances.values()  # one instance: the paths name it in every request
    wanted = set(targets() if only is None else only)
    found: dict[str, tuple[PathStep, ...]] = {}
    fresh = _replay(world, ())
    found.update(dict.fromkeys(states_reached(fresh.view(instance.instance_id)), ()))
    seen = {_key(fresh.view(instance.instance_id))}
    recorder = Recorder()
    frontier: list[tuple[PathStep, ...]] = [()]
    with recorder.active():
        for _ in range(MAX_DEPTH):
            if wanted <= set(found):
                break
            deeper: list[tuple[PathStep, ...]] = []
            for path in frontier:
                here = _replay(world, path)
                view = here.view(instance.instance_id)
                assert view is not None and isinstance(here.clock, ManualClock)
                for letter in list(letters(instance, view, here.clock())):
                    engine = _replay(world, path)
                    recorder.take()
                    code = _apply(engine, letter)
                    fired = recorder.take()
                    if code != "OK":
                        continue
                    after = engine.view(instance.instance_id)
                    step = PathStep(letter.kind, letter.name, dict(letter.params), code,
                                    tuple(fired), record_states(after))  # fmt: skip
                    longer = (*path, step)
                    for name in [*fired, *sorted(states_reached(after))]:
                        found.setdefault(name, longer)
                    key = _key(after)
                    if key not in seen and len(key[1]) <= MAX_LIVE_CALLS:
                        seen.add(key)
                        deeper.append(longer)
            frontier = deeper
    ordered = [t for t in targets() if t in found and t in wanted]
    return _Exploration(
        tuple(Path(t, found[t]) for t in ordered),
        tuple(t for t in targets() if t not in found and t in wanted),
    )


def _world_json(world: WorldSource) -> str:
    return json.dumps(load_world(world).to_dict(), sort_keys=True)


def paths(world: WorldSource = None, only: Collection[str] | None = None) -> tuple[Path, ...]:
    """The shortest path to every state and every row of the state and cascade tables.

    One :class:`Path` per target reached, in the tables' order, on ``world`` (default: the
    bundled world; it must have one instance). ``only``: these targets alone (the search stops
    once it has them all). Computed once per process, world and ``only``.
    """
    return _explore(_world_json(world), _only(only)).paths


def unreached(world: WorldSource = None, only: Collection[str] | None = None) -> tuple[str, ...]:
    """The targets (of ``only``, if given) no path of at most :data:`MAX_DEPTH` requests reaches."""
    return _explore(_world_json(world), _only(only)).unreached


def _only(only: Collection[str] | None) -> tuple[str, ...] | None:
    return None if only is None else tuple(sorted(only))
