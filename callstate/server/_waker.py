"""One wake-up for every event stream of an event loop, however many are open.

Adding an event to the engine's feed notifies the :class:`Waker` (from whatever thread added
it); the streams wait on one :class:`asyncio.Event`, so publishing costs the same whatever the
number of streams.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

__all__ = ["SHARE", "WAKE_INTERVAL", "Waker"]

#: Seconds between two wake-ups of the streams while events keep coming, at least.
WAKE_INTERVAL = 0.02
#: The streams get at most 1 / SHARE of the event loop: after a wake-up whose sends took T s,
#: the next one waits SHARE * T s (if longer than WAKE_INTERVAL), so that many streams deliver
#: larger batches less often instead of starving the requests.
SHARE = 5


class Waker:
    """Wakes every stream of one event loop at once: one notification per wake, not per stream.

    :meth:`notify` may be called from any thread (the engine's, the feed reader's); the streams
    wait on one :class:`asyncio.Event`, replaced at every wake. Wakes are spaced by
    ``interval``, or by :data:`SHARE` times what the streams' sends took after the last one
    (each stream reports with :meth:`sent`). A heartbeat wakes them every ``heartbeat`` s too
    (:attr:`beats` counts them), so idle streams need no timer each.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, *, interval: float, heartbeat: float):
        self._loop = loop
        self._interval = interval
        self._heartbeat = heartbeat
        self._event = asyncio.Event()
        self._pending = False
        self._last = 0.0
        self._busy_until = 0.0  # when the last stream woken by the last wake had sent
        self._beater: asyncio.Task[None] | None = None
        self.beats = 0
        self.closing = False
        self.unwatch: Callable[[], None] | None = None  # stops the feed's calls to notify

    def notify(self) -> None:
        """Wake the streams soon (any thread). Repeated calls before the wake are one."""
        if self._pending:
            return
        self._pending = True
        with contextlib.suppress(RuntimeError):  # the loop is closed: the server stopped
            self._loop.call_soon_threadsafe(self._schedule)

    def _schedule(self) -> None:
        spacing = max(self._interval, SHARE * (self._busy_until - self._last))
        delay = self._last + spacing - self._loop.time()
        if delay > 0:
            self._loop.call_later(delay, self.wake)
        else:
            self.wake()

    def wake(self) -> None:
        """Wake every waiting stream now (event loop only)."""
        self._pending = False
        self._last = self._loop.time()
        event, self._event = self._event, asyncio.Event()
        event.set()

    def sent(self) -> None:
        """A woken stream has sent what it had (event loop only)."""
        self._busy_until = self._loop.time()

    async def wait(self) -> None:
        """Until the next wake."""
        if self._beater is None:
            self._beater = self._loop.create_task(self._beat(), name="callstate-heartbeat")
        await self._event.wait()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat)
            self.beats += 1
            self.wake()

    def close(self) -> None:
        """End every stream (the server is shutting down)."""
        self.closing = True
        if self.unwatch is not None:
            self.unwatch()
        if self._beater is not None:
            self._beater.cancel()
        self.wake()
