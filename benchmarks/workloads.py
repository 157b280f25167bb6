"""W1, W2, W3 and W4's cost-versus-size, measured in this process, interleaved.

Every workload answers a plain dict (JSON-ready) that :mod:`benchmarks.report` renders.
Times are nanoseconds per operation (or per call for W3 and creation); ratios are medians of
per-repetition ratios, both sides taken in the same repetition.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from callstate import Engine, MemoryStore

from ._measure import Series, interleave, ratio, timed
from .baseline import Baseline
from .peers import Call, Contender, ContenderClass, loadable
from .subject import (
    CALLEE,
    INSTANCE,
    START,
    CallstateEngine,
    agent_ids,
    device_of,
    open_call,
    sign_in,
    world_dict,
)

__all__ = [
    "Settings",
    "build_engine",
    "hold_params",
    "w1_transition",
    "w2_end_to_end",
    "w3_lifecycle",
    "w4_engine_scale",
]

TRANSITIONS_PEERS = ("transitions-per-object", "transitions-shared")
LIBRARY_PEERS = (*TRANSITIONS_PEERS, "python-statemachine")


@dataclass(frozen=True)
class Settings:
    """How much work each figure takes (``--quick`` shrinks it)."""

    reps: int = 7
    pool: int = 200  # answered calls a W1/W2 repetition works on (one agent each)
    cycles: int = (
        5  # hold/retrieve pairs per call per repetition (a call's hold history stays short)
    )
    lifecycle_calls: int = 200  # whole calls per W3 repetition
    scale_sample: int = 1000  # calls held and retrieved per W4 repetition and size
    scale_spare: int = 100  # calls created (then ended) per W4 repetition and size
    build_budget_s: float = 90.0  # a scale build projected to take longer is skipped

    @classmethod
    def quick(cls) -> Settings:
        """Small and fast: a smoke test of the whole harness."""
        return cls(reps=5, pool=40, cycles=4, lifecycle_calls=30, scale_sample=200,
                   scale_spare=20, build_budget_s=20.0)  # fmt: skip


def _answered_calls(contender: Contender, agents: list[str], now: int) -> list[tuple[str, Call]]:
    calls = []
    for uid in agents:
        call = contender.make_call(uid, CALLEE, now)
        contender.far_end_answered(call.job_id, call.customer_leg, now)
        calls.append((uid, call))
    return calls


def _summary(series: dict[str, Series], names: dict[str, str]) -> dict[str, Any]:
    return {
        key: {"name": names.get(key, key), "ns": s.values, "median_ns": s.median}
        for key, s in series.items()
    }


# --- W1 -------------------------------------------------------------------------------------------
def _w1_run(cls: ContenderClass, settings: Settings) -> Callable[[], float]:
    def run() -> float:
        agents = agent_ids(settings.pool)
        contender = cls(agents)
        now = START + 1000
        plan = [
            (uid, c.job_id, c.customer_leg) for uid, c in _answered_calls(contender, agents, now)
        ]
        plan *= settings.cycles
        hold, retrieve = contender.hold, contender.retrieve

        def loop() -> None:
            for uid, job, leg in plan:
                hold(uid, job, leg, now)
                retrieve(uid, job, leg, now)

        return timed(loop, 2 * len(plan))

    return run


def w1_transition(settings: Settings) -> dict[str, Any]:
    """W1: HoldCall + RetrieveCall on an answered leg, domain level, every contender."""
    classes = loadable()
    series = interleave({k: _w1_run(c, settings) for k, c in classes.items()}, settings.reps)
    ref = min(TRANSITIONS_PEERS, key=lambda k: series[k].median)
    return {
        "unit": "ns/op",
        "contenders": _summary(series, {k: c.name for k, c in classes.items()}),
        "reference": ref,
        "ratios": {k: ratio(s, series[ref]) for k, s in series.items()},
        "goal": {"subject": "callstate", "max": 1.2},
    }


# --- W3 -------------------------------------------------------------------------------------------
def lifecycles(contender: Contender, uid: str, calls: int) -> None:
    """W3's unit, ``calls`` times: MakeCall, the far end answers, 5x hold/retrieve, ReleaseCall,
    ReadyForService (then the ended call is dropped, as a store's retention would)."""
    now = START
    for _ in range(calls):
        now += 1000
        job, _mine, leg = contender.make_call(uid, CALLEE, now)
        contender.far_end_answered(job, leg, now)
        for _ in range(5):
            contender.hold(uid, job, leg, now)
            contender.retrieve(uid, job, leg, now)
        contender.release(uid, job, "", now)
        contender.ready(uid, now)
        contender.forget(job)


def _w3_run(cls: ContenderClass, settings: Settings) -> Callable[[], float]:
    def run() -> float:
        (uid,) = agents = agent_ids(1)
        contender = cls(agents)
        return timed(lambda: lifecycles(contender, uid, settings.lifecycle_calls),
                     settings.lifecycle_calls)  # fmt: skip

    return run


def w3_lifecycle(settings: Settings) -> dict[str, Any]:
    """W3: a whole call per operation; the engine's row is for information."""
    classes: dict[str, ContenderClass] = loadable()
    classes["callstate-engine"] = CallstateEngine
    series = interleave({k: _w3_run(c, settings) for k, c in classes.items()}, settings.reps)
    ref = min((k for k in LIBRARY_PEERS if k in series), key=lambda k: series[k].median)
    return {
        "unit": "ns/call",
        "contenders": _summary(series, {k: c.name for k, c in classes.items()}),
        "reference": ref,
        "ratios": {k: ratio(s, series[ref]) for k, s in series.items()},
        "goal": {"subject": "callstate", "max": 1.0, "strict": True},
    }


# --- W2 -------------------------------------------------------------------------------------------
def build_engine(agents: list[str]) -> Engine:
    """An engine as an embedder runs it, with ``agents`` signed in.

    The system clock, random RequestIds, no simulated network, and the memory store (named, so
    that ``CALLSTATE_STORE`` in the environment cannot swap it).
    """
    engine = Engine(world_dict(agents), store=MemoryStore(), network=None)
    for uid in agents:
        sign_in(engine, uid)
    return engine


def hold_params(uid: str, call: Call) -> dict[str, str]:
    """HoldCall / RetrieveCall's wire parameters for the customer's leg of ``call``."""
    return {"InstanceId": INSTANCE, "UserId": uid, "DeviceId": device_of(uid),
            "JobId": call.job_id, "ChannelId": call.customer_leg}  # fmt: skip


def _w2_pool(settings: Settings) -> tuple[Engine, list[dict[str, str]]]:
    agents = agent_ids(settings.pool)
    engine = build_engine(agents)
    plan = [hold_params(uid, open_call(engine, uid)) for uid in agents]
    return engine, plan * settings.cycles


def _w2_engine(settings: Settings) -> float:
    engine, plan = _w2_pool(settings)
    handle = engine.handle

    def loop() -> None:
        for params in plan:
            handle("HoldCall", params).to_json().encode("utf-8")
            handle("RetrieveCall", params).to_json().encode("utf-8")

    return timed(loop, 2 * len(plan))


def _w2_baseline(settings: Settings) -> float:
    engine, plan = _w2_pool(settings)
    view = engine.view(INSTANCE)
    del engine
    baseline = Baseline.from_view(view)
    handle = baseline.handle

    def loop() -> None:
        for params in plan:
            handle("HoldCall", params)
            handle("RetrieveCall", params)

    return timed(loop, 2 * len(plan))


def w2_end_to_end(settings: Settings) -> dict[str, Any]:
    """W2: ``engine.handle`` HoldCall + RetrieveCall to JSON bytes, against the baseline."""
    series = interleave(
        {"callstate-engine": lambda: _w2_engine(settings),
         "baseline": lambda: _w2_baseline(settings)},
        settings.reps,
    )  # fmt: skip
    names = {
        "callstate-engine": "callstate engine.handle -> JSON",
        "baseline": "hand-written baseline",
    }
    return {
        "unit": "ns/op",
        "contenders": _summary(series, names),
        "reference": "baseline",
        "ratios": {k: ratio(s, series["baseline"]) for k, s in series.items()},
        "goal": {"subject": "callstate-engine", "max": 3.0},
    }


# --- W4, the cost side (memory and GC pauses are measured in separate processes) ------------------
class _Scaled:
    """One engine holding ``size`` live calls, with spare agents to time creation at that size."""

    def __init__(self, size: int, settings: Settings) -> None:
        self.size = size
        agents = agent_ids(size + settings.scale_spare)
        self.spare = agents[size:]
        self.engine = build_engine(agents)
        self.calls: list[tuple[str, Call]] = []
        self.build_ns = 0
        self.skipped = ""
        self.probe_ns = 0.0  # creation's cost over the first calls, when the build is abandoned
        budget_ns = settings.build_budget_s * 1e9
        probe = max(50, min(500, size // 50))
        gc.disable()
        try:
            start = time.perf_counter_ns()
            for i, uid in enumerate(agents[:size]):
                self.calls.append((uid, open_call(self.engine, uid)))
                if i + 1 == probe or (i + 1) % 1000 == 0:
                    elapsed = time.perf_counter_ns() - start
                    projected = elapsed / (i + 1) * size
                    if projected > budget_ns:
                        self.probe_ns = elapsed / (i + 1)
                        self.skipped = (
                            f"building {size} calls was projected to take "
                            f"{projected / 1e9:.0f} s (budget {settings.build_budget_s:.0f} s; "
                            f"{elapsed / (i + 1) / 1e3:.0f} us per call)"
                        )
                        return
            self.build_ns = time.perf_counter_ns() - start
        finally:
            gc.enable()

    def w2(self, rep: int, sample: int) -> float:
        """W2's cost over ``sample`` distinct random live calls."""
        chosen = random.Random(rep).sample(self.calls, min(sample, len(self.calls)))
        plan = [hold_params(uid, call) for uid, call in chosen]
        handle = self.engine.handle

        def loop() -> None:
            for params in plan:
                handle("HoldCall", params).to_json().encode("utf-8")
                handle("RetrieveCall", params).to_json().encode("utf-8")

        return timed(loop, 2 * len(plan))

    def create(self) -> float:
        """The cost of one more call (MakeCall + answer) at this size; the calls then end."""
        engine, made = self.engine, []

        def loop() -> None:
            for uid in self.spare:
                made.append((uid, open_call(engine, uid)))

        cost = timed(loop, len(self.spare))
        for uid, call in made:
            params = {"InstanceId": INSTANCE, "UserId": uid, "DeviceId": device_of(uid),
                      "JobId": call.job_id}  # fmt: skip
            engine.handle("ReleaseCall", params)
            engine.handle("ReadyForService", params)
        return cost


def w4_engine_scale(sizes: list[int], settings: Settings) -> dict[str, Any]:
    """W4's cost figures: W2 and call creation at each size, ratios to the smallest size."""
    scaled: list[_Scaled] = []
    skipped: dict[str, dict[str, Any]] = {}
    for size in sizes:
        built = _Scaled(size, settings)
        if built.skipped:
            skipped[str(size)] = {"reason": built.skipped, "probe_create_ns": built.probe_ns}
            del built
            gc.collect()
            continue
        scaled.append(built)
    if not scaled:
        return {"sizes": {}, "skipped": skipped}
    gc.collect()
    gc.freeze()  # the live calls stay out of the collections that timed() runs
    try:
        runs: dict[str, Callable[[], float]] = {}
        counters = {s.size: 0 for s in scaled}
        for s in scaled:

            def w2(s: _Scaled = s) -> float:
                counters[s.size] += 1
                return s.w2(counters[s.size], settings.scale_sample)

            runs[f"w2@{s.size}"] = w2
            runs[f"create@{s.size}"] = s.create
        series = interleave(runs, settings.reps)
    finally:
        gc.unfreeze()
    base = scaled[0].size
    out: dict[str, Any] = {"sizes": {}, "skipped": skipped, "base": base}
    for s in scaled:
        w2s, creates = series[f"w2@{s.size}"], series[f"create@{s.size}"]
        out["sizes"][str(s.size)] = {
            "w2_ns": w2s.values,
            "w2_median_ns": w2s.median,
            "w2_ratio": ratio(w2s, series[f"w2@{base}"]),
            "create_ns": creates.values,
            "create_median_ns": creates.median,
            "create_ratio": ratio(creates, series[f"create@{base}"]),
            "build_ns_per_call": s.build_ns / s.size,
        }
    del scaled
    gc.collect()
    return out
