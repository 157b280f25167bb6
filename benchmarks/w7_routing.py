"""W7: the cost of one assignment with 100, 1k and 10k agents and queued calls (must be flat).

Two operations, each on an engine per size (memory store, no simulated network, the system
clock), all alive at once and measured interleaved:

* **a free agent takes the head call**: N calls wait in one skill group's queue (priorities
  0-9), N agents are on break; one operation is an agent's ``ReadyForService`` (it is offered
  the head call at once), ``AnswerCall``, ``ReleaseCall``, ``TakeBreak``, and a new call
  arriving at the back: the queue keeps its length.
* **an arrival takes the best agent**: N agents are READY, no call waits; one operation is a
  ``CallArrived`` (assigned at once to the longest idle agent) and the caller hanging up while
  it rings (the agent is READY again).

A ratio is to the smallest size, per repetition (flat: ~1.0x; the goal is <= 1.2x). Calls
routed per second is the arrival operation's rate at the largest size (an arrival routed to an
agent, and its caller hanging up). Memory per queued call is ``tracemalloc``'s growth while N
calls join the queue, over N.

A workload of ``python -m benchmarks`` (``--workloads W7``; ``--quick``: 50 operations per
repetition instead of 300, the same sizes).
"""

from __future__ import annotations

import json
import random
import tracemalloc
from collections.abc import Callable
from typing import Any

from callstate import Engine, MemoryStore

from ._measure import interleave, ratio, timed

__all__ = ["OPERATIONS", "SIZES", "w7_routing"]

INSTANCE, GROUP, NUMBER = "ccc-bench", "bench@ccc-bench", "01000000000"
SIZES = (100, 1_000, 10_000)


def _engine(size: int) -> Engine:
    agents = [f"a{i:05d}@bench" for i in range(size)]
    world = {"instances": [{
        "instanceId": INSTANCE, "numbers": [NUMBER], "ringTimeoutMs": None,
        "queuingTimeoutMs": 10**9, "retentionMs": 0,
        "skillGroups": [{"skillGroupId": GROUP}],
        "users": [{"userId": uid, "extension": str(10_000_000 + i), "skillGroups": [GROUP]}
                  for i, uid in enumerate(agents)],
    }]}  # fmt: skip
    return Engine(world, store=MemoryStore(log_size=1_000), network=None)


def _ok(engine: Engine, action: str, params: dict[str, Any], signal: bool = False) -> Any:
    reply = (engine.signal if signal else engine.handle)(action, {"InstanceId": INSTANCE, **params})
    assert reply.ok, reply.body
    return reply.body["Data"]


def _sign_in(engine: Engine, size: int) -> list[str]:
    agents = [f"a{i:05d}@bench" for i in range(size)]
    for uid in agents:
        _ok(engine, "SignInGroup", {"UserId": uid, "DeviceId": "d",
                                    "SignedSkillGroupIdList": json.dumps([GROUP])})  # fmt: skip
    return agents


def _queue(engine: Engine, calls: int, first: int = 0) -> None:
    for i in range(first, first + calls):
        _ok(engine, "CallArrived", {"Caller": f"139{i:08d}", "Callee": NUMBER,
                                    "CallPriority": str(i % 10)}, signal=True)  # fmt: skip


def _agent_takes_head(size: int, ops: int) -> Callable[[], float]:
    """N calls waiting, N agents on break: an agent handles the head call; a new one arrives."""
    engine = _engine(size)
    agents = _sign_in(engine, size)
    for uid in agents:
        _ok(engine, "TakeBreak", {"UserId": uid, "Code": "bench"})
    _queue(engine, size)
    rng = random.Random(size)
    counter = iter(range(size, 10**9))

    def run() -> float:
        picked = [rng.choice(agents) for _ in range(ops)]

        def loop() -> None:
            for uid in picked:
                job = _ok(engine, "ReadyForService", {"UserId": uid})["JobId"]  # assigned
                _ok(engine, "AnswerCall", {"UserId": uid, "JobId": job})
                _ok(engine, "ReleaseCall", {"UserId": uid, "JobId": job})
                _ok(engine, "TakeBreak", {"UserId": uid, "Code": "bench"})
                _queue(engine, 1, next(counter))  # the queue keeps its length

        return timed(loop, ops)

    return run


def _arrival_takes_agent(size: int, ops: int) -> Callable[[], float]:
    """N agents READY, no call waiting: CallArrived + the caller hangs up while it rings."""
    engine = _engine(size)
    _sign_in(engine, size)
    counter = iter(range(10**9))

    def run() -> float:
        def loop() -> None:
            for _ in range(ops):
                caller = f"138{next(counter):08d}"
                arrival = {"Caller": caller, "Callee": NUMBER}
                call = _ok(engine, "CallArrived", arrival, signal=True)["CallContext"]
                customer = call["ChannelContexts"][0]["ChannelId"]
                _ok(engine, "FarEndHungUp", {"JobId": call["JobId"], "ChannelId": customer},
                    signal=True)  # fmt: skip

        return timed(loop, ops)

    return run


def _bytes_per_queued_call(size: int) -> float:
    engine = _engine(size)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    _queue(engine, size)
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return grown / size


#: The two operations, by the name the report gives them.
OPERATIONS: dict[str, Callable[[int, int], Callable[[], float]]] = {
    "agent takes the head call": _agent_takes_head,
    "arrival takes the best agent": _arrival_takes_agent,
}


def w7_routing(reps: int, ops: int) -> dict[str, Any]:
    """Measure each operation at every size (``ops`` per repetition); answer the figures."""
    out: dict[str, Any] = {"sizes": list(SIZES), "ops": ops, "operations": {}}
    for name, build in OPERATIONS.items():
        series = interleave({str(n): build(n, ops) for n in SIZES}, reps)
        base = series[str(SIZES[0])]
        out["operations"][name] = {
            size: {"ns": s.values, "median_ns": s.median, "ratio": ratio(s, base)}
            for size, s in series.items()
        }
    arrival_ns = out["operations"]["arrival takes the best agent"][str(SIZES[-1])]["median_ns"]
    out["calls_per_second"] = 1e9 / arrival_ns
    out["bytes_per_queued_call"] = _bytes_per_queued_call(SIZES[-1])
    return out
