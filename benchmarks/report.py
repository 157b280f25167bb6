"""Rendering a run: the markdown tables (``results.md``) and the goals (the chart: ``chart.py``)."""

from __future__ import annotations

import math
import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["goals", "machine", "markdown"]

PASS, FAIL, UNKNOWN = "PASS", "FAIL", "not measured"


# --- the machine ----------------------------------------------------------------------------------
def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def machine() -> dict[str, Any]:
    """What the run ran on: CPU, cores, memory, OS, Python, and the packages measured."""
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in _read("/proc/cpuinfo").splitlines()
         if ln.startswith("model name")),
        platform.processor() or platform.machine(),
    )  # fmt: skip
    mem_kib = next(
        (int(ln.split()[1]) for ln in _read("/proc/meminfo").splitlines()
         if ln.startswith("MemTotal:")),
        0,
    )  # fmt: skip
    versions = {}
    for dist in ("callstate", "transitions", "python-statemachine", "attrs", "starlette",
                 "uvicorn", "matplotlib"):  # fmt: skip
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    wrk = shutil.which("wrk")
    if wrk:
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
        versions["wrk"] = (out.stdout or out.stderr).split("[")[0].replace("wrk", "").strip()
    else:
        versions["wrk"] = "not installed"
    return {
        "revision": _revision(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "versions": versions,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _revision() -> str:
    """The commit measured, ``+changes`` when callstate/ differs from it."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                                  check=False, timeout=10)  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--", "callstate") else "")


# --- numbers --------------------------------------------------------------------------------------
def _us(ns: float | None) -> str:
    if ns is None or (isinstance(ns, float) and math.isnan(ns)):
        return "-"
    us = ns / 1000
    if us >= 100:
        return f"{us:,.0f}"
    if us >= 10:
        return f"{us:.1f}"
    return f"{us:.2f}"


def _x(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.2f}x"


def _n(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def _size(n: int | str) -> str:
    n = int(n)
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


# --- goals ----------------------------------------------------------------------------------------
class _Goals:
    """The goal rows, as they are added."""

    def __init__(self) -> None:
        self.rows: list[dict[str, str]] = []

    def add(self, goal: str, measured: str, target: str, ok: bool | None) -> None:
        verdict = UNKNOWN if ok is None else (PASS if ok else FAIL)
        self.rows.append({"goal": goal, "measured": measured, "target": target, "verdict": verdict})


def goals(results: dict[str, Any]) -> list[dict[str, str]]:
    """Each goal of the issue: what was measured, the target, and the verdict."""
    g = _Goals()
    if w1 := results.get("W1"):
        r = w1["ratios"]["callstate"]
        ref = w1["contenders"][w1["reference"]]["name"]
        g.add("W1 transition vs fastest transitions peer", f"{_x(r)} ({ref})", "<= 1.2x", r <= 1.2)
    if w3 := results.get("W3"):
        r = w3["ratios"]["callstate"]
        ref = w3["contenders"][w3["reference"]]["name"]
        g.add("W3 lifecycle vs fastest library peer", f"{_x(r)} ({ref})", "< 1.0x", r < 1.0)
    if w2 := results.get("W2"):
        r = w2["ratios"]["callstate-engine"]
        g.add("W2 end to end vs hand-written baseline", _x(r), "<= 3x", r <= 3.0)
    if w4 := results.get("W4"):
        _w4_goals(w4, g)
    if w5 := results.get("W5"):
        if "ratio" in w5:
            r = w5["ratio"]
            g.add("W5 requests/s vs bare Starlette", _x(r), ">= 0.5x", r >= 0.5)
        else:
            g.add("W5 requests/s vs bare Starlette", w5.get("skipped", "skipped"), ">= 0.5x", None)
    if r1 := results.get("R1"):
        goal = "R1 Redis command cost, 1,000 earlier holds vs none"
        if "ratios" in r1:
            r = max(r1["ratios"].values())
            g.add(goal, f"{_x(r)} (worst size)", "<= 1.2x", r <= 1.2)
        else:
            g.add(goal, r1.get("skipped", "skipped"), "<= 1.2x", None)
    if w7 := results.get("W7"):
        base, top = (str(n) for n in (min(w7["sizes"]), max(w7["sizes"])))
        for name, sizes in w7["operations"].items():
            r = sizes[top]["ratio"]
            g.add(f"W7 assignment cost @{_size(top)} vs @{_size(base)} ({name})", _x(r),
                  "<= 1.2x", r <= 1.2)  # fmt: skip
    return g.rows


def _w4_goals(w4: dict[str, Any], g: _Goals) -> None:
    wanted = str(max(w4.get("sizes") or [0]))
    cost = w4.get("cost", {})
    sizes = cost.get("sizes", {})
    top = max(sizes, key=int) if sizes else None
    if top and top != str(cost.get("base")):
        base = _size(cost["base"])
        r, c = sizes[top]["w2_ratio"], sizes[top]["create_ratio"]
        if top == wanted:
            g.add(f"W4 W2 cost @{_size(top)} vs @{base} (flat)", _x(r), "<= 1.2x", r <= 1.2)
            g.add(f"W4 creation @{_size(top)} vs @{base} (O(1))", _x(c), "<= 1.5x", c <= 1.5)
        else:
            note = f" @{_size(top)}; {_size(wanted)} not built"
            g.add(f"W4 W2 cost @{_size(wanted)} vs @{base} (flat)", _x(r) + note, "<= 1.2x", None)
            probe = cost.get("skipped", {}).get(wanted, {}).get("probe_create_ns")
            if probe:
                low = probe / sizes[cost["base"]]["create_median_ns"]
                text = (f">= {low:.1f}x: {_us(probe)} us per call over the first calls of the "
                        f"{_size(wanted)} build")  # fmt: skip
                g.add(f"W4 creation @{_size(wanted)} vs @{base} (O(1))", text, "<= 1.5x",
                      False if low > 1.5 else None)  # fmt: skip
            else:
                g.add(f"W4 creation @{_size(wanted)} vs @{base} (O(1))", _x(c) + note, "<= 1.5x",
                      None)  # fmt: skip
    else:
        g.add("W4 W2 cost flat", "no larger size built", "<= 1.2x", None)
        g.add("W4 creation O(1)", "no larger size built", "<= 1.5x", None)
    engine = w4.get("process", {}).get("callstate-engine", {})
    for key, title, target, limit, unit in (
        ("bytes_per_call", "bytes per live call (engine, tracemalloc)", "<= 4096 B", 4096, "B"),
        ("gc_pause_ms", "full gc.collect() pause", "<= 100 ms", 100, "ms"),
        ("gc_held_pause_ms", "full GC pause, every call held at least once", "<= 50 ms", 50, "ms"),
    ):
        measured = [n for n, r in engine.items() if key in r]
        if not measured:
            g.add(f"W4 {title} @{_size(wanted)}", _why(engine.get(wanted, {})), target, None)
            continue
        at = max(measured, key=int)
        value = engine[at][key]
        text = f"{value:,.0f} B" if unit == "B" else f"{value:,.1f} ms"
        if at != wanted:
            text += f" @{_size(at)}; {_size(wanted)} {_why(engine.get(wanted, {}))}"
        g.add(
            f"W4 {title} @{_size(wanted)}", text, target, value <= limit if at == wanted else None
        )


def _why(entry: dict[str, Any]) -> str:
    if not entry:
        return "not run"
    if "probe_create_ns" in entry:
        return f"not built (creation {_us(entry['probe_create_ns'])} us per call: over budget)"
    return "skipped: " + str(entry.get("skipped") or entry.get("bytes_skipped") or "")


# --- markdown -------------------------------------------------------------------------------------
def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _contender_table(w: dict[str, Any], per: str, vs: str) -> list[str]:
    rows = []
    for key, c in w["contenders"].items():
        mark = " (reference)" if key == w["reference"] else ""
        rows.append([c["name"] + mark, _us(c["median_ns"]), _x(w["ratios"][key])])
    return _table(["contender", f"us per {per}", f"x {vs}"], rows)


def markdown(results: dict[str, Any]) -> str:
    """The whole run as markdown: machine, goals, then every workload's table."""
    m = results["meta"]
    mach = m["machine"]
    v = mach["versions"]
    out = [
        "# callstate benchmarks: latest run",
        "",
        f"Generated by `{m['command']}` ({m['mode']} run, {m['seconds']:.0f} s) on {mach['date']}, "
        f"callstate at commit {mach.get('revision', 'unknown')}.",
        "Do not edit: the next run overwrites this file.",
        "",
        f"Machine: {mach['cpu']}, {mach['cores']} cores, {mach['memory_gib']} GiB, {mach['os']}, "
        f"{mach['python']}.  ",
        "Packages: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
        "Times are medians of interleaved repetitions (round-robin, "
        f"{m['reps']} repetitions after a warm-up); a ratio is the median of the per-repetition "
        "ratios, both sides measured in the same repetition of the same process. Absolute times "
        "depend on the machine; only the ratios are compared with the goals.",
        "",
        "## Goals",
        "",
    ]
    out += _table(["goal", "measured", "target", "verdict"],
                  [[g["goal"], g["measured"], g["target"], f"**{g['verdict']}**"]
                   for g in goals(results)])  # fmt: skip
    if "W1" in results:
        out += ["", "## W1 transition: HoldCall + RetrieveCall on an answered leg, domain only", ""]
        out += _contender_table(results["W1"], "op", "fastest transitions peer")
    if "W2" in results:
        out += ["", "## W2 end to end: `engine.handle` HoldCall + RetrieveCall to JSON bytes", ""]
        out += _contender_table(results["W2"], "op", "baseline")
    if "W3" in results:
        out += ["", "## W3 lifecycle: MakeCall, answer, 5x hold/retrieve, ReleaseCall, "
                "ReadyForService", ""]  # fmt: skip
        out += _contender_table(results["W3"], "call", "fastest library peer")
        out += ["", "The engine row (`handle`/`signal`, replies rendered to JSON) is for "
                "information; the goal is the domain's."]  # fmt: skip
    if "W4" in results:
        out += _w4_markdown(results["W4"])
    if "W5" in results:
        out += _w5_markdown(results["W5"])
    if "R1" in results:
        out += ["", "## R1 Redis: HoldCall/RetrieveCall cost with 0, 100 and 1,000 earlier holds",
                ""]  # fmt: skip
        r1 = results["R1"]
        if "skipped" in r1:
            out.append(r1["skipped"])
        else:
            out += _contender_table(r1, "command", "no earlier holds")
    if "W7" in results:
        out += _w7_markdown(results["W7"])
    out += ["", "![cost versus live calls](chart.png)", ""]
    return "\n".join(out)


def _w4_markdown(w4: dict[str, Any]) -> list[str]:
    out = ["", "## W4 scale: live calls (an agent and two legs each)", ""]
    cost = w4.get("cost", {})
    if cost.get("sizes"):
        base = _size(cost["base"])
        out += ["callstate's engine, every size live in one process, measured interleaved "
                "(W2 over random live calls; creation = MakeCall + the far end's answer, "
                "ended again untimed):", ""]  # fmt: skip
        rows = [
            [_size(n), _us(s["w2_median_ns"]), _x(s["w2_ratio"]), _us(s["create_median_ns"]),
             _x(s["create_ratio"]), _us(s["build_ns_per_call"])]
            for n, s in cost["sizes"].items()
        ]  # fmt: skip
        out += _table(["live calls", "W2 us/op", f"x @{base}", "create us/call", f"x @{base}",
                       "build us/call"], rows)  # fmt: skip
    for size, why in cost.get("skipped", {}).items():
        out += ["", f"- {_size(size)}: not built: {why['reason']}."]
    process = w4.get("process", {})
    if process:
        out += ["", "Each contender and size in a fresh process: creation over the last 1,000 "
                "calls built, the same operation as W1 (W2 for the engine) over random live "
                "calls, `tracemalloc` bytes per live call (everything the contender holds for its "
                "agents and calls, over the number of calls), the process's RSS, and a full "
                "`gc.collect()`:", ""]  # fmt: skip
        rows = []
        for name, sizes in process.items():
            for size, r in sizes.items():
                label = r.get("label", name)
                if "skipped" in r:
                    probe = r.get("probe_create_ns")
                    create = f">= {_us(probe)} (not built: over budget)" if probe else "skipped"
                    rows.append([label, _size(size), create, "", "", "", "", "", "", ""])
                    continue
                rows.append([
                    label, _size(size), _us(r["create_last_ns"]), _us(r["op_ns"]),
                    _n(r.get("bytes_per_call")), _n(r["rss_kib"] / 1024, 0),
                    _n(r["gc_pause_ms"], 1), _n(r.get("gc_held_pause_ms"), 1),
                    _n(r["gc_empty_ms"], 1), _n(r.get("gc_objects_per_call"), 1),
                ])  # fmt: skip
        head = ["contender", "live calls", "create us/call", "op us", "bytes/call", "RSS MiB",
                "full GC ms", "full GC ms, all held", "GC ms, no calls",
                "GC objects/call"]  # fmt: skip
        out += _table(head, rows)
    return out


def _w5_markdown(w5: dict[str, Any]) -> list[str]:
    out = ["", "## W5 emulator: HoldCall/RetrieveCall over HTTP keep-alive on loopback", ""]
    if "skipped" in w5:
        return [*out, w5["skipped"]]
    out += [f"Load generator `{w5['generator']}`, {w5['connections']} keep-alive connections "
            f"({w5['calls_per_connection']} calls each, cycled), {w5['seconds']:g} s per run; "
            f"the bare app answers a fixed {w5['body_size']} byte JSON body.", ""]  # fmt: skip
    rows = [
        [name, _n(s["rps_median"]), _n(s["p50_us_median"]), _n(s["p99_us_median"]),
         str(s["non2xx"])]
        for name, s in w5["servers"].items()
    ]  # fmt: skip
    out += _table(["server", "requests/s", "p50 us", "p99 us", "non-2xx"], rows)
    out += ["", f"callstate / bare requests/s: **{_x(w5['ratio'])}**"]
    return out


def _w7_markdown(w7: dict[str, Any]) -> list[str]:
    sizes = [str(n) for n in w7["sizes"]]
    out = ["", "## W7 routing: one assignment with 100, 1k and 10k agents and queued calls", "",
           f"An engine per size, all alive at once, sizes interleaved "
           f"({w7['ops']} operations per repetition); us per operation (x the smallest size).",
           ""]  # fmt: skip
    rows = [[name, *(f"{_us(ops[n]['median_ns'])} ({_x(ops[n]['ratio'])})" for n in sizes)]
            for name, ops in w7["operations"].items()]  # fmt: skip
    out += _table(["operation", *(_size(n) for n in sizes)], rows)
    top = _size(sizes[-1])
    return [*out, "",
            f"Calls routed per second @{top} agents (an arrival and its caller's hang-up): "
            f"**{_n(w7['calls_per_second'])}**; bytes per queued call @{top} (tracemalloc): "
            f"**{_n(w7['bytes_per_queued_call'])}**."]  # fmt: skip
