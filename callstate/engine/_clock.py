"""Clocks: where the engine reads ``now`` (epoch ms). Tests inject :class:`ManualClock`."""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    """Anything that, called, answers the current time in epoch milliseconds."""

    def __call__(self) -> int:
        """Now, in epoch milliseconds."""


class SystemClock:
    """The machine's wall clock."""

    def __call__(self) -> int:
        """Now, in epoch milliseconds."""
        return time.time_ns() // 1_000_000


class ManualClock:
    """A clock that moves only when told to: every test built on it is deterministic."""

    def __init__(self, start_ms: int = 1_609_255_700_000) -> None:
        self._now = start_ms
        self._lock = threading.Lock()

    def __call__(self) -> int:
        """The time last set."""
        return self._now

    def set(self, ms: int) -> None:
        """Jump to ``ms`` (backwards too: the engine never lets its own timestamps go back)."""
        with self._lock:
            self._now = ms

    def advance(self, ms: int) -> int:
        """Move forward by ``ms`` and answer the new time."""
        with self._lock:
            self._now += ms
            return self._now
