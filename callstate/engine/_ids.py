"""Identifiers the engine mints: RequestIds and JobIds (SPEC §6).

* RequestId: a UUID v4, upper case; scripted ones first when given (a test seam), then random
  ones from a seeded generator when ``seed`` is given, else from the OS.
* JobId: ``job-`` + a snowflake ``((now_ms - 2020-07-01T00:00Z) << 22) | (node << 12) | seq``.
  A decision draws JobIds from a :class:`JobIdDraft`; the draw is kept only if the decision is
  committed, so a refused MakeCall uses up no sequence number.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["EPOCH_MS", "Ids", "JobIdDraft"]

EPOCH_MS = 1_593_561_600_000  # 2020-07-01T00:00:00Z
_MAX_SEQ = 4095
_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_V4_SET = (0x4000 << 64) | (0x8000 << 48)


class Ids:
    """The id generator of one engine: ``node`` (0-1023) tells processes' JobIds apart."""

    def __init__(
        self, *, node: int = 259, request_ids: Iterable[str] = (), seed: int | None = None
    ) -> None:
        if not 0 <= node <= 1023:
            raise ValueError(f"node must be 0-1023, not {node}")
        self.node = node
        self._scripted: Iterator[str] | None = iter(request_ids) if request_ids else None
        # RequestIds need to be unique, not secret: a Mersenne twister seeded from the OS
        # (or from ``seed``) is enough, and three times cheaper than uuid.uuid4().
        self._random = random.Random(seed)
        self._last_ms = 0
        self._seq = -1
        self._lock = threading.Lock()

    def request_id(self) -> str:
        """The next RequestId."""
        if self._scripted is not None:
            with self._lock:
                scripted = next(self._scripted, None)
            if scripted is not None:
                return scripted
            self._scripted = None
        bits = self._random.getrandbits(128) & _V4_CLEAR | _V4_SET  # version 4, RFC 4122 variant
        h = f"{bits:032X}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def draft(self) -> JobIdDraft:
        """A tentative JobId sequence continuing from the last committed one."""
        return JobIdDraft(self, self._last_ms, self._seq)

    def _keep(self, last_ms: int, seq: int) -> None:
        self._last_ms, self._seq = last_ms, seq

    def state(self) -> dict[str, Any]:
        """The JobId sequence's state, for snapshots."""
        return {"node": self.node, "lastMs": self._last_ms, "seq": self._seq}


class JobIdDraft:
    """JobIds drawn for one decision; :meth:`commit` keeps them used."""

    def __init__(self, ids: Ids, last_ms: int, seq: int) -> None:
        self._ids = ids
        self._last_ms = last_ms
        self._seq = seq

    def __call__(self, now_ms: int) -> str:
        """The next JobId at ``now_ms`` (never behind the last one: time is clamped forward)."""
        ms = max(now_ms, self._last_ms)
        seq = self._seq + 1 if ms == self._last_ms else 0
        if seq > _MAX_SEQ:  # 4096 calls in one millisecond: borrow the next millisecond
            ms, seq = ms + 1, 0
        self._last_ms, self._seq = ms, seq
        return f"job-{(max(ms - EPOCH_MS, 0) << 22) | (self._ids.node << 12) | seq}"

    def commit(self) -> None:
        """Keep the drawn ids used."""
        self._ids._keep(self._last_ms, self._seq)
