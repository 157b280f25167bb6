"""``python -m benchmarks --profile``: where callstate's time goes in W1, W2 and W3.

Each workload's callstate loop runs under ``cProfile``; the report lists the functions with
the most *own* time (``tottime``), and the same time summed by area (callstate's layers,
transitions, attrs' generated methods, json, the standard library). cProfile's per-call
overhead inflates small functions, so read the shares, not the absolute times.
"""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from typing import Any

from .peers import load
from .subject import CALLEE, START, agent_ids, open_call
from .workloads import Settings, build_engine, hold_params

__all__ = ["profile"]

TOP = 18


def _where(filename: str) -> str:
    """A short file name: ``callstate/domain/_decide.py``, ``transitions/core.py``..."""
    path = filename.replace("\\", "/")
    for root in ("/callstate/", "/benchmarks/", "/transitions/", "/attr/", "/attrs/"):
        if root in path:
            return root.strip("/") + "/" + path.split(root, 1)[1]
    if "/lib/python" in path:
        return path.split("/lib/python", 1)[1].split("/", 1)[-1]
    return path


def _area(filename: str, function: str) -> str:
    """The layer or library a function belongs to."""
    where = _where(filename)
    if where.startswith("callstate/"):
        parts = where.split("/")
        return "/".join(parts[:2]) if len(parts) > 2 else where
    if where.startswith("benchmarks/"):
        return "harness (benchmarks/)"
    if where.startswith("transitions/"):
        return "transitions"
    if where.startswith(("attr/", "attrs/", "<attrs generated")):
        return "attrs (incl. generated methods)"
    if where.startswith("json/"):
        return "json"
    if where.startswith("logging/"):
        return "logging (transitions' debug calls)"
    if where == "~":
        return "builtins: " + function.strip("<>").split(" of ")[0].replace("built-in method ", "")
    if where.startswith("<"):
        return "generated code (" + where + ")"
    return "stdlib: " + where


def _w1() -> Callable[[], None]:
    agents = agent_ids(200)
    domain = load("callstate")(agents)
    plan = []
    for uid in agents:
        call = domain.make_call(uid, CALLEE, START)
        domain.far_end_answered(call.job_id, call.customer_leg, START)
        plan.append((uid, call.job_id, call.customer_leg))

    def run() -> None:
        for uid, job, leg in plan * 5:
            domain.hold(uid, job, leg, START)
            domain.retrieve(uid, job, leg, START)

    return run


def _w2() -> Callable[[], None]:
    agents = agent_ids(200)
    engine = build_engine(agents)
    plan = [hold_params(uid, open_call(engine, uid)) for uid in agents]

    def run() -> None:
        for params in plan * 5:
            engine.handle("HoldCall", params).to_json().encode("utf-8")
            engine.handle("RetrieveCall", params).to_json().encode("utf-8")

    return run


def _w3() -> Callable[[], None]:
    (uid,) = agents = agent_ids(1)
    domain = load("callstate")(agents)

    def run() -> None:
        now = START
        for _ in range(300):
            now += 1000
            job, _mine, leg = domain.make_call(uid, CALLEE, now)
            domain.far_end_answered(job, leg, now)
            for _ in range(5):
                domain.hold(uid, job, leg, now)
                domain.retrieve(uid, job, leg, now)
            domain.release(uid, job, "", now)
            domain.ready(uid, now)
            domain.forget(job)

    return run


def _profile_one(title: str, make: Callable[[], Callable[[], None]]) -> list[str]:
    run = make()
    run()  # warm-up
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    stats: Any = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in stats.values()) or 1.0
    rows = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)
    lines = [f"### {title}", "", f"Total profiled time: {total * 1e3:.0f} ms.", "",
             "| own time % | cum % | calls | function |", "|---|---|---|---|"]  # fmt: skip
    for (filename, line, function), (_cc, ncalls, tottime, cumtime, _callers) in rows[:TOP]:
        name = f"`{function}` ({_where(filename)}:{line})" if filename != "~" else f"`{function}`"
        lines.append(
            f"| {100 * tottime / total:.1f} | {100 * cumtime / total:.1f} | {ncalls} | {name} |"
        )
    areas: dict[str, float] = {}
    for (filename, _line, function), entry in stats.items():
        key = _area(filename, function)
        areas[key] = areas.get(key, 0.0) + entry[2]
    lines += ["", "Own time by area:", "", "| area | own time % |", "|---|---|"]
    for key, value in sorted(areas.items(), key=lambda kv: kv[1], reverse=True)[:12]:
        lines.append(f"| {key} | {100 * value / total:.1f} |")
    lines.append("")
    return lines


def profile(settings: Settings | None = None) -> str:
    """Profile callstate's side of W1, W2 and W3; answer the report as markdown."""
    out = ["# Where callstate's time goes (cProfile)", "",
           "Generated by `python -m benchmarks --profile`. Own time is time spent in the "
           "function itself; cum is including what it calls.", ""]  # fmt: skip
    out += _profile_one("W1: domain HoldCall + RetrieveCall (decide on a dict workspace)", _w1)
    out += _profile_one("W2: engine.handle HoldCall + RetrieveCall -> JSON bytes", _w2)
    out += _profile_one("W3: a whole call through the domain", _w3)
    return "\n".join(out)
