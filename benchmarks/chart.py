"""The chart of a run (``chart.png``): cost, creation, memory and GC pause versus live calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["chart"]


def chart(results: dict[str, Any], path: Path) -> bool:
    """Cost, creation, memory and GC pause versus live calls (log-x); False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    w4 = results.get("W4", {})
    process = w4.get("process", {})
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    panels = [
        (axes[0][0], "op_ns", 1e-3, "us per HoldCall/RetrieveCall"),
        (axes[0][1], "create_last_ns", 1e-3, "us to create one call"),
        (axes[1][0], "bytes_per_call", 1.0, "bytes per live call (tracemalloc)"),
        (axes[1][1], "gc_pause_ms", 1.0, "full gc.collect() pause, ms"),
    ]
    for ax, key, scale, title in panels:
        for name, sizes in process.items():
            points = sorted((int(n), r[key] * scale) for n, r in sizes.items() if key in r)
            if points:
                label = next(iter(sizes.values())).get("label", name)
                style = "-o" if name.startswith("callstate") else "--s"
                width = 2.2 if name.startswith("callstate") else 1.2
                xs, ys = [p[0] for p in points], [p[1] for p in points]
                ax.plot(xs, ys, style, label=label, linewidth=width, markersize=4)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("live calls")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    for name, sizes in process.items():
        probes = sorted((int(n), r["probe_create_ns"] / 1e3) for n, r in sizes.items()
                        if r.get("probe_create_ns"))  # fmt: skip
        if probes:
            label = next(iter(sizes.values())).get("label", name) + ": first calls, not built"
            axes[0][1].plot([p[0] for p in probes], [p[1] for p in probes], "o",
                            fillstyle="none", markersize=9, label=label)  # fmt: skip
    cost = w4.get("cost", {}).get("sizes", {})
    if cost:
        xs = sorted(int(n) for n in cost)
        ys = [cost[str(n)]["w2_median_ns"] / 1e3 for n in xs]
        label = "callstate engine W2 (one process, interleaved)"
        axes[0][0].plot(xs, ys, "-^", color="black", label=label, linewidth=2)
    axes[1][0].axhline(4096, color="red", linestyle=":", label="goal: 4 KiB")
    axes[1][1].axhline(100, color="red", linestyle=":", label="goal: 100 ms")
    for row in axes:
        for ax in row:
            ax.legend(fontsize=7)
    mach = results["meta"]["machine"]
    fig.suptitle(f"callstate vs peers by live calls ({results['meta']['mode']} run, "
                 f"{mach['date']}; {mach['cpu']}, {mach['cores']} cores, {mach['python']})",
                 fontsize=10)  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
