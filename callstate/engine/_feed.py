"""The event feed: one process's shared, bounded log of recent events, read by event streams.

Every event stream of a process reads the same feed at its own pace, with a cursor of its own
(a generation and a ``seq`` for one instance's stream, a position for the stream of every
instance), so adding an event costs the same whatever the number of streams: an append, and
one call per *watcher* (an event loop serving streams), never one per stream.

Who fills it: on a store that serves one process (memory), the engine, with its own commits;
on a shared store (Redis), one background reader per process, with every process's commits in
the store's order (:meth:`callstate.engine.Store.feed`).

The feed belongs to one generation of the store (:meth:`callstate.engine.Store.generation`):
:meth:`EventFeed.reset` empties it for a new one. Within a generation an instance's events have
consecutive ``seq``; an event that does not follow the last one held (a reader that missed some
of the store's log) empties that instance's part first, so the feed never holds a gap.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence

from ..domain import Event

__all__ = ["EventFeed"]


class EventFeed:
    """The last ``size`` events of each instance (and of all together), of one generation."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._generation = ""
        self._instances: dict[str, deque[Event]] = {}
        self._all: deque[Event] = deque(maxlen=size)
        self._appended = 0  # events ever added to _all: the position after the newest
        self._reset_at = 0  # the position of the generation's first event
        self._watchers: list[Callable[[], None]] = []

    @property
    def generation(self) -> str:
        """The generation of the store the events belong to."""
        return self._generation

    def watch(self, watcher: Callable[[], None]) -> Callable[[], None]:
        """Call ``watcher()`` (on the adding thread) after events are added or a reset.

        Answers a function that stops it.
        """
        with self._lock:
            self._watchers.append(watcher)

        def unwatch() -> None:
            with self._lock:
                if watcher in self._watchers:
                    self._watchers.remove(watcher)

        return unwatch

    def publish(self, events: Sequence[Event]) -> None:
        """Add committed events, in ``seq`` order; one already held is skipped."""
        if not events:
            return
        with self._lock:
            for event in events:
                tail = self._instances.get(event.instance_id)
                if tail is None:
                    tail = self._instances[event.instance_id] = deque(maxlen=self._size)
                elif tail and event.seq != tail[-1].seq + 1:
                    if event.seq <= tail[-1].seq:
                        continue
                    tail.clear()  # a gap: what is held cannot be followed by this event
                tail.append(event)
                self._all.append(event)
                self._appended += 1
            watchers = list(self._watchers)
        for watcher in watchers:
            watcher()

    def reset(self, generation: str) -> None:
        """Forget every event: the store is at ``generation`` now, its log starts over."""
        with self._lock:
            self._generation = generation
            self._instances.clear()
            self._all.clear()
            self._reset_at = self._appended
            watchers = list(self._watchers)
        for watcher in watchers:
            watcher()

    def head(self, instance_id: str | None) -> tuple[str, int]:
        """The generation, and the instance's last ``seq`` held (or the position, for all)."""
        with self._lock:
            if instance_id is None:
                return self._generation, self._appended
            tail = self._instances.get(instance_id)
            return self._generation, tail[-1].seq if tail else 0

    def since(self, instance_id: str, seq: int) -> tuple[str, list[Event] | None]:
        """The generation, and the instance's events with a ``seq`` greater than ``seq``.

        ``None`` instead of events when the feed no longer holds ``seq + 1`` (the reader fell
        behind). Costs O(events answered).
        """
        with self._lock:
            tail = self._instances.get(instance_id)
            if not tail or tail[-1].seq <= seq:
                return self._generation, []
            first = tail[0].seq
            if seq + 1 < first:
                return self._generation, None
            return self._generation, [tail[i] for i in range(seq + 1 - first, len(tail))]

    def since_position(self, position: int) -> tuple[str, list[Event] | None, int]:
        """Every instance's events from ``position`` on, and the position after them.

        ``position`` is one :meth:`head` or this answered; from one before a reset, the
        generation's events from its first. ``None`` when events of the generation after
        ``position`` were dropped already (the reader fell behind).
        """
        with self._lock:
            first = self._appended - len(self._all)
            if position >= self._appended:
                return self._generation, [], position
            if position < first and first > self._reset_at:
                return self._generation, None, position
            events = [self._all[i] for i in range(max(position, first) - first, len(self._all))]
            return self._generation, events, self._appended
