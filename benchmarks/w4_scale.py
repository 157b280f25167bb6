"""W4's process-level figures for one contender at one size, in a fresh process.

``python -m benchmarks.w4_scale --contender NAME --size N`` prints one JSON object:

* ``create_ns`` / ``create_last_ns``: creating one call (MakeCall + the far end's answer),
  averaged over the whole build, and over its last 1,000 calls (the cost at size ``N``);
* ``rss_kib`` / ``rss_delta_b``: the process's ``VmRSS`` once ``N`` calls are live, and its
  growth per live call;
* ``gc_pause_ms`` / ``gc_empty_ms``: a full ``gc.collect()`` with the ``N`` live calls, and
  with none (the process's own floor); medians of 5; ``gc_objects_per_call``: how many more
  objects the collector tracks (and so walks on every full collection), per live call;
* ``gc_held_pause_ms``: the same full collection once every live call was held at least once
  (held and retrieved: each leg then keeps a hold history);
* ``op_ns``: HoldCall + RetrieveCall (per operation) over up to 1,000 random live calls, median
  of 5 (W1's operation for the domain and the peers, W2's for ``callstate-engine``);
* ``bytes_per_call``: ``tracemalloc``'s traced memory after building everything (the
  contender with its ``N`` signed-in agents, then ``N`` live calls) over ``N``, from a second
  build with tracing on.

A fresh process per (contender, size) keeps one contender's heap out of another's RSS and GC
pauses. ``--budget`` seconds: a build projected to take longer is abandoned, and reported.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from ._measure import rss_kib

__all__ = ["main", "measure"]

ENGINE = "callstate-engine"


class _Over(Exception):
    """The build would exceed its budget; ``per_call_ns`` is what creation cost so far."""

    def __init__(self, message: str, per_call_ns: float) -> None:
        super().__init__(message)
        self.per_call_ns = per_call_ns


class _Built:
    """A contender holding ``size`` live calls, and a way to hold/retrieve them."""

    def __init__(self, name: str, agents: list[str], budget_s: float, *, keep: bool = True) -> None:
        from .subject import CALLEE, START

        size = len(agents)
        self.agents = agents
        self.calls: list[tuple[str, str, str]] = []
        self.create_ns = 0.0
        self.create_last_ns = 0.0
        if name == ENGINE:
            from .subject import open_call
            from .workloads import build_engine, hold_params

            engine = build_engine(self.agents)
            handle = engine.handle
            self.holder: Any = engine

            def create(uid: str) -> tuple[str, str, str]:
                call = open_call(engine, uid)
                return uid, call.job_id, call.customer_leg

            def pair(uid: str, job: str, leg: str) -> Callable[[], None]:
                params = hold_params(uid, _call(job, leg))

                def run() -> None:
                    handle("HoldCall", params).to_json().encode("utf-8")
                    handle("RetrieveCall", params).to_json().encode("utf-8")

                return run

        else:
            from .peers import load

            contender = load(name)(self.agents)
            self.holder = contender

            def create(uid: str) -> tuple[str, str, str]:
                call = contender.make_call(uid, CALLEE, START)
                contender.far_end_answered(call.job_id, call.customer_leg, START)
                return uid, call.job_id, call.customer_leg

            def pair(uid: str, job: str, leg: str) -> Callable[[], None]:
                def run() -> None:
                    contender.hold(uid, job, leg, START)
                    contender.retrieve(uid, job, leg, START)

                return run

        self._pair = pair
        budget_ns = budget_s * 1e9
        probe = max(50, min(500, size // 50))
        last = max(0, size - 1000)
        start = time.perf_counter_ns()
        last_start = start
        for i, uid in enumerate(self.agents):
            if i == last:
                last_start = time.perf_counter_ns()
            made = create(uid)
            if keep:
                self.calls.append(made)
            if i + 1 == probe or (i + 1) % 1000 == 0:
                elapsed = time.perf_counter_ns() - start
                projected = elapsed / (i + 1) * size
                if projected > budget_ns:
                    raise _Over(
                        f"building {size} calls was projected to take {projected / 1e9:.0f} s "
                        f"(budget {budget_s:.0f} s; {elapsed / (i + 1) / 1e3:.0f} us per call "
                        f"over the first {i + 1})",
                        elapsed / (i + 1),
                    )
        end = time.perf_counter_ns()
        self.create_ns = (end - start) / size
        self.create_last_ns = (end - last_start) / (size - last)

    def op_ns(self, rep: int, sample: int) -> float:
        """HoldCall + RetrieveCall per operation over ``sample`` random live calls."""
        chosen = random.Random(rep).sample(self.calls, min(sample, len(self.calls)))
        runs = [self._pair(*c) for c in chosen]
        start = time.perf_counter_ns()
        for run in runs:
            run()
        return (time.perf_counter_ns() - start) / (2 * len(runs))

    def hold_every_call(self) -> None:
        """HoldCall + RetrieveCall on every live call, with the collector off meanwhile."""
        gc.disable()
        for call in self.calls:
            self._pair(*call)()
        gc.enable()


def _call(job: str, leg: str) -> Any:
    from .peers import Call

    return Call(job, "", leg)


def _gc_pause_ms(times: int = 5) -> float:
    pauses = []
    for _ in range(times):
        start = time.perf_counter_ns()
        gc.collect()
        pauses.append((time.perf_counter_ns() - start) / 1e6)
    return statistics.median(pauses)


def measure(name: str, size: int, budget_s: float, sample: int = 1000) -> dict[str, Any]:
    """Every W4 figure of one contender at one size (this process must be fresh)."""
    from .subject import agent_ids

    out: dict[str, Any] = {"contender": name, "size": size}
    gc.collect()
    out["gc_empty_ms"] = _gc_pause_ms()
    rss_before = rss_kib()
    tracked_before = len(gc.get_objects())
    agents = agent_ids(size)
    gc.disable()
    try:
        built = _Built(name, agents, budget_s)
    except _Over as over:
        out["skipped"] = str(over)
        out["probe_create_ns"] = over.per_call_ns
        return out
    finally:
        gc.enable()
    out["create_ns"] = built.create_ns
    out["create_last_ns"] = built.create_last_ns
    gc.collect()
    rss_after = rss_kib()
    out["rss_kib"] = rss_after
    out["rss_delta_b"] = (rss_after - rss_before) * 1024 / size
    out["gc_objects_per_call"] = (len(gc.get_objects()) - tracked_before) / size
    out["gc_pause_ms"] = _gc_pause_ms()
    gc.freeze()
    gc.disable()
    out["op_ns"] = statistics.median(built.op_ns(rep, sample) for rep in range(5))
    gc.enable()
    gc.unfreeze()
    built.hold_every_call()
    gc.collect()
    out["gc_held_pause_ms"] = _gc_pause_ms()
    del built
    gc.collect()

    gc.disable()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        traced = _Built(name, agents, budget_s * 4, keep=False)  # tracing slows builds
        gc.collect()
        out["bytes_per_call"] = (tracemalloc.get_traced_memory()[0] - before) / size
        del traced
    except _Over as over:
        out["bytes_skipped"] = str(over)
    finally:
        tracemalloc.stop()
        gc.enable()
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: print :func:`measure`'s JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.w4_scale")
    parser.add_argument("--contender", required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--budget", type=float, default=90.0)
    parser.add_argument("--sample", type=int, default=1000)
    args = parser.parse_args(argv)
    result = measure(args.contender, args.size, args.budget, args.sample)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
