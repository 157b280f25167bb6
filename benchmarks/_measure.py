"""How every figure is taken: interleaved repetitions, medians, ratios within one run.

* :func:`interleave` runs each contender's repetition round-robin (the starting contender
  rotates), after one warm-up repetition each, so that drift of the machine (frequency, other
  load) touches every contender alike.
* :func:`timed` times one inner loop with ``time.perf_counter_ns`` and the garbage collector
  off (collected just before), and answers nanoseconds per operation.
* A ratio is the median of the per-repetition ratios (both sides measured in the same
  repetition), which cancels slow drift better than a ratio of medians.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["Series", "interleave", "median", "ratio", "rss_kib", "timed"]


@dataclass
class Series:
    """One contender's repetitions of one figure (nanoseconds per operation, or any unit)."""

    name: str
    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """The median repetition."""
        return median(self.values)


def median(values: Sequence[float]) -> float:
    """The median (``nan`` for no values)."""
    return statistics.median(values) if values else float("nan")


def ratio(top: Series, bottom: Series) -> float:
    """The median of per-repetition ratios ``top / bottom``."""
    pairs = [a / b for a, b in zip(top.values, bottom.values, strict=False) if b]
    return median(pairs)


def timed(loop: Callable[[], object], ops: int) -> float:
    """Run ``loop`` once with the collector off; answer nanoseconds per operation."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        loop()
        elapsed = time.perf_counter_ns() - start
    finally:
        gc.enable()
    return elapsed / ops


def interleave(
    runs: dict[str, Callable[[], float]], reps: int, *, warmup: int = 1
) -> dict[str, Series]:
    """Each run answers one repetition's figure; run them round-robin ``reps`` times."""
    names = list(runs)
    for _ in range(warmup):
        for name in names:
            runs[name]()
    series = {name: Series(name) for name in names}
    for rep in range(reps):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            series[name].values.append(runs[name]())
    return series


def rss_kib() -> int:
    """This process's resident set size (``VmRSS`` of ``/proc/self/status``), in KiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
