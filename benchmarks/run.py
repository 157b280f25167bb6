"""``python -m benchmarks``: run the workloads, print the tables, write results and the chart.

Options::

    --quick                 small sizes, 5 repetitions, few iterations (a smoke test, < 60 s)
    --workloads W1,W2,...   which workloads (default: all of W1-W5, R1 and W7)
    --sizes 1000,10000,...  W4's live-call counts (default 1000,10000,100000; quick: 300,1000)
    --peer-max-size N       the library peers' largest W4 size (default 10000: a Machine per
                            object at 100k calls needs ~5 GB and minutes)
    --reps N                repetitions (default 7; quick: 5; never below 5)
    --build-budget S        a W4 build projected to take longer than S seconds is skipped
    --profile               profile callstate in W1/W2/W3 instead (writes benchmarks/profile.md)
    --no-write              print only; do not write results.md, results.json, chart.png
    --render                render results.md and chart.png again from results.json

A full run of every workload also refreshes the latest run's tables in docs/performance.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import chart, report, workloads
from .peers import loadable
from .workloads import Settings

__all__ = ["main"]

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "performance.md"
BEGIN, END = "<!-- latest-run:begin -->", "<!-- latest-run:end -->"
ALL = ("W1", "W2", "W3", "W4", "W5", "R1", "W7")


def _ints(text: str) -> list[int]:
    return sorted({int(part) for part in text.split(",") if part.strip()})


def _log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def _w4_process(name: str, size: int, budget: float, sample: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.w4_scale", "--contender", name, "--size", str(size),
           "--budget", str(budget), "--sample", str(sample)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent, check=False)
    if done.returncode != 0:
        return {"skipped": f"the measuring process failed: {done.stderr.strip()[-300:]}"}
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def _w4(sizes: list[int], peer_max: int, settings: Settings) -> dict[str, Any]:
    _log(f"W4 cost: engines with {sizes} live calls, interleaved")
    out: dict[str, Any] = {"sizes": sizes, "cost": workloads.w4_engine_scale(sizes, settings)}
    gc.collect()
    contenders = loadable()
    labels = {"callstate-engine": "callstate (engine)"}
    labels.update({key: cls.name for key, cls in contenders.items()})
    process: dict[str, dict[str, Any]] = {}
    for name in ["callstate-engine", *contenders]:
        limited = name not in ("callstate", "callstate-engine", "dict-fsm")
        for size in sizes:
            if limited and size > peer_max:
                continue
            _log(f"W4 process: {name} @ {size}")
            started = time.monotonic()
            entry = _w4_process(name, size, settings.build_budget_s, settings.scale_sample)
            entry["label"] = labels[name]
            entry["seconds"] = round(time.monotonic() - started, 1)
            process.setdefault(name, {})[str(size)] = entry
    out["process"] = process
    out["peer_max_size"] = peer_max
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workloads", default=",".join(ALL))
    parser.add_argument("--sizes")
    parser.add_argument("--peer-max-size", type=int, default=10_000)
    parser.add_argument("--reps", type=int)
    parser.add_argument("--build-budget", type=float)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--render", action="store_true")
    return parser


def _run(chosen: list[str], sizes: list[int], args: Any, settings: Settings) -> dict[str, Any]:
    results: dict[str, Any] = {}
    if "W1" in chosen:
        _log("W1 transition")
        results["W1"] = workloads.w1_transition(settings)
    if "W2" in chosen:
        _log("W2 end to end")
        results["W2"] = workloads.w2_end_to_end(settings)
    if "W3" in chosen:
        _log("W3 lifecycle")
        results["W3"] = workloads.w3_lifecycle(settings)
    if "W4" in chosen:
        results["W4"] = _w4(sizes, args.peer_max_size, settings)
    if "W5" in chosen:
        _log("W5 emulator over HTTP")
        from .w5_http import w5_http

        results["W5"] = (
            w5_http(reps=settings.reps, seconds=1.0, calls_per_connection=10)
            if args.quick
            else w5_http(reps=settings.reps, seconds=4.0)
        )
    if "R1" in chosen:
        _log("R1 Redis command cost vs the call's hold history")
        from .r1_redis_holds import r1_redis_holds

        results["R1"] = r1_redis_holds(reps=settings.reps, ops=50 if args.quick else 200)
    if "W7" in chosen:
        _log("W7 routing: assignment cost with 100, 1k and 10k agents and queued calls")
        from .w7_routing import w7_routing

        results["W7"] = w7_routing(reps=settings.reps, ops=50 if args.quick else 300)
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; answer the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    settings = Settings.quick() if args.quick else Settings()
    if args.reps is not None:
        settings = dataclasses.replace(settings, reps=max(5, args.reps))
    if args.build_budget is not None:
        settings = dataclasses.replace(settings, build_budget_s=args.build_budget)
    if args.profile:
        from .profiling import profile

        text = profile(settings)
        sys.stdout.write(text + "\n")
        if not args.no_write:
            (HERE / "profile.md").write_text(text + "\n", encoding="utf-8")
        return 0
    if args.render:
        results = json.loads((HERE / "results.json").read_text(encoding="utf-8"))
        _write(results, write=not args.no_write, data=False)
        full = results["meta"]["mode"] == "full" and all(w in results for w in ALL)
        if full and not args.no_write:
            _update_doc(results)
        return 0
    chosen = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    unknown = [w for w in chosen if w not in ALL]
    if unknown:
        parser.error(f"unknown workloads {unknown}; choose from {','.join(ALL)}")
    default_sizes = [300, 1000] if args.quick else [1000, 10_000, 100_000]
    sizes = _ints(args.sizes) if args.sizes else default_sizes

    started = time.monotonic()
    results = _run(chosen, sizes, args, settings)
    given = argv if argv is not None else sys.argv[1:]
    results["meta"] = {
        "command": " ".join(["python -m benchmarks", *given]),
        "mode": "quick" if args.quick else "full",
        "reps": settings.reps,
        "settings": dataclasses.asdict(settings),
        "seconds": time.monotonic() - started,
        "machine": report.machine(),
    }
    _write(results, write=not args.no_write, data=True)
    if not args.no_write and not args.quick and set(chosen) == set(ALL):
        _update_doc(results)
    return 0


def _update_doc(results: dict[str, Any]) -> None:
    """A full run of every workload refreshes the tables in docs/performance.md."""
    if not DOC.exists():
        return
    doc = DOC.read_text(encoding="utf-8")
    if BEGIN not in doc or END not in doc:
        return
    text = report.markdown(results).split("\n", 1)[1]  # without the page title
    text = text.replace(
        "the next run overwrites this file", "the next full run rewrites this section"
    )
    text = text.replace("\n## ", "\n### ").replace("](chart.png)", "](../benchmarks/chart.png)")
    head, rest = doc.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{BEGIN}\n{text.strip()}\n{END}{tail}", encoding="utf-8")
    _log(f"refreshed the latest run in {DOC}")


def _write(results: dict[str, Any], *, write: bool, data: bool) -> None:
    text = report.markdown(results)
    sys.stdout.write(text + "\n")
    if not write:
        return
    (HERE / "results.md").write_text(text, encoding="utf-8")
    if data:
        (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    if chart.chart(results, HERE / "chart.png"):
        _log(f"wrote {HERE / 'results.md'} and chart.png")
    else:
        _log("matplotlib is not installed: no chart")
