"""``GET /_callstate/events``: the engine's events as Server-Sent Events, resumable.

Every stream of the app reads the engine's shared :class:`~callstate.engine.EventFeed` with a
cursor of its own, at its own pace (a stream whose client reads slowly simply waits in
``send``). Adding an event wakes the app's streams through one :class:`Waker`, at most once per
``wake_interval`` under load (the first event after a quiet spell at once), so the cost of
publishing does not grow with the number of streams, and each stream sends what came since in
one write. The SSE form of an event is rendered once for all the streams.

Event ids are ``<generation>-<seq>``: the store's generation (a token that changes at every
reset, and when a Redis store lost its data) and the instance's sequence number.
"""

from __future__ import annotations

import asyncio
import logging
import re

import attrs
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..api import json_bytes
from ..domain import (
    CCCError,
    Event,
    NotExistsInstanceId,
    ParameterBlank,
    ParameterFormat,
    ServiceUnavailable,
)
from ..engine import Engine, EventFeed
from ._waker import WAKE_INTERVAL, Waker

__all__ = ["DEFAULT_MAX_STREAMS", "EventStream", "StreamRegistry", "events_endpoint"]

log = logging.getLogger("callstate.server")

#: Open event streams an app serves at most, unless ``create_app(max_streams=...)`` says.
DEFAULT_MAX_STREAMS = 500
#: A ``seq`` after every event: the log read after it answers the generation alone.
_NONE_AFTER = 2**62
#: ``after`` / ``Last-Event-ID``: ``<seq>`` or ``<generation>-<seq>``, ASCII only, bounded.
_AFTER = re.compile(r"(?:([0-9A-Za-z]{1,64})-)?([0-9]{1,18})", re.ASCII)


@attrs.frozen
class Cursor:
    """Where a stream is: a generation and the last ``seq`` sent (a position, for all).

    ``unsure`` is the feed's generation when the cursor was read from the store, if another:
    the feed may be behind the store (its reader has not read a reset yet: it catches up) or
    ahead of the instance's log (another process replaced the world and is provisioning the
    instance, or removed it: the store has no generation for it, and the stream ends). While
    the feed is at ``unsure``, the stream asks the store which; any other generation than the
    cursor's is a reset.
    """

    generation: str
    seq: int
    unsure: str | None = None

    @classmethod
    def from_store(cls, generation: str, seq: int, *, feed_before: str) -> Cursor:
        """A cursor the store answered; ``feed_before``: the feed's generation, read before."""
        return cls(generation, seq, feed_before if feed_before != generation else None)


class StreamRegistry:
    """The open event streams of one app, their cap, and their waker (event loop only)."""

    def __init__(self, engine: Engine, *, max_streams: int, heartbeat: float) -> None:
        self.engine = engine
        self.max_streams = max_streams
        self.heartbeat = heartbeat
        self._streams: set[EventStream] = set()
        self._waker: Waker | None = None
        self._texts: dict[int, tuple[Event, str]] = {}

    def __len__(self) -> int:
        return len(self._streams)

    def waker(self, feed: EventFeed) -> Waker:
        """The app's waker, watching the engine's feed from the first stream on."""
        if self._waker is None or self._waker.closing:
            loop = asyncio.get_running_loop()
            waker = self._waker = Waker(loop, interval=WAKE_INTERVAL, heartbeat=self.heartbeat)
            waker.unwatch = feed.watch(waker.notify)
        return self._waker

    def add(self, stream: EventStream) -> None:
        """Track an open stream."""
        self._streams.add(stream)

    def discard(self, stream: EventStream) -> None:
        """Forget a closed stream."""
        self._streams.discard(stream)

    def close_all(self) -> None:
        """End every open stream."""
        if self._waker is not None:
            self._waker.close()

    def render(self, event: Event) -> str:
        """The event's ``event:`` and ``data:`` lines, rendered once for every stream."""
        hit = self._texts.get(id(event))
        if hit is not None and hit[0] is event:
            return hit[1]
        if len(self._texts) >= 20_000:  # about two feeds' worth: older ones are rarely read
            self._texts.clear()
        data = json_bytes(event.to_dict()).decode("utf-8")  # never fails, whatever a value holds
        text = f"event: {event.event_type.value}\ndata: {data}\n\n"
        self._texts[id(event)] = (event, text)
        return text


class EventStream(Response):
    """A Server-Sent Events answer: the engine's events, live, after an optional backlog.

    Each event is ``id: <generation>-<seq>``, ``event: <eventType>``, ``data: <JSON>``. With
    ``after`` (a seq, or an id), the instance's logged events after it come first, then live
    ones, each once; an ``after`` of another generation than the store's is answered
    ``event: reset`` and then the log from its start. A reset of the store while streaming is
    an ``event: reset`` too, in order with the events. A stream that falls further behind than
    the feed holds is ended (the client resumes with ``Last-Event-ID``).
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        registry: StreamRegistry,
        *,
        instance: str | None,
        after: tuple[str | None, int] | None,
    ) -> None:
        super().__init__(status_code=200, media_type=self.media_type)
        self.registry = registry
        self.engine = registry.engine
        self.instance = instance
        self.after = after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stream until the client goes, the server shuts down or the client falls behind."""
        self.registry.add(self)
        try:
            if self.engine.blocking_io:  # a shared store's feed starts a reader: I/O
                feed = await run_in_threadpool(self.engine.feed)
            else:
                feed = self.engine.feed()
            waker = self.registry.waker(feed)
            # Where a live stream starts is fixed before the client learns it is connected: an
            # event committed after the client's next request is then never missed.
            start = None if self.after is not None else await self._start(feed)
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/event-stream; charset=utf-8"),
                                    (b"cache-control", b"no-cache"),
                                    (b"x-accel-buffering", b"no")]})  # fmt: skip
            await _send(send, "retry: 1000\n: callstate events\n\n")
            pump = asyncio.ensure_future(self._pump(send, feed, waker, start))
            disconnected = asyncio.ensure_future(_wait_disconnect(receive))
            try:
                await asyncio.wait({pump, disconnected}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                gone = disconnected.done()
                pump.cancel()
                disconnected.cancel()
            if not gone:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self.registry.discard(self)

    async def _start(self, feed: EventFeed) -> Cursor:
        """Where a live stream starts: the instance's last event committed in the store.

        A shared store's feed can lag its log by a read: the events it has not read yet were
        committed before this stream, so they are skipped, as they would be on one process.
        It may not even have read the store's last reset yet: the feed's seq then means nothing
        in the store's generation, and the stream starts after the generation's last event.
        """
        if self.instance is None:
            return Cursor(*feed.head(None))
        generation, seq = feed.head(self.instance)
        current, missed = await self._log(self.instance, seq)
        if current != generation:
            current, missed = await self._log(self.instance, 0)
            seq = 0
        if missed:
            seq = missed[-1].seq
        return Cursor.from_store(current, seq, feed_before=generation)

    async def _log(self, instance: str, seq: int) -> tuple[str, list[Event]]:
        """The store's generation and the instance's logged events after ``seq``."""
        if self.engine.blocking_io:
            return await run_in_threadpool(self.engine.log, instance, seq)
        return self.engine.log(instance, seq)

    async def _pump(self, send: Send, feed: EventFeed, waker: Waker, start: Cursor | None) -> None:
        try:
            if self.instance is None:
                assert start is not None, "a stream of every instance takes no after"
                await self._pump_all(send, feed, waker, start)
            else:
                if start is None:
                    assert self.after is not None
                    start = await self._backlog(send, feed, self.instance, *self.after)
                await self._pump_instance(send, feed, waker, self.instance, start)
        except CCCError as err:  # the store's log could not be read (Redis down): end it
            log.warning("event stream of %s ended: %s", self.instance, err)

    async def _pump_instance(
        self, send: Send, feed: EventFeed, waker: Waker, instance: str, start: Cursor
    ) -> None:
        generation, seq, unsure = start.generation, start.seq, start.unsure
        beats, quiet = waker.beats, True
        while not waker.closing:
            current, events = feed.since(instance, seq)
            if current != generation:
                # The store settles an unsure generation: "" (the instance is gone), the
                # cursor's (the feed is behind), or the feed's (a reset, as any other).
                stored = (await self._log(instance, _NONE_AFTER))[0] if current == unsure else None
                if stored == "":
                    log.info("event stream of %s ended: another process removed it", instance)
                    return  # reconnecting is 404 once this process has read the new world
                if stored is not None and stored != current:
                    events = []  # the feed is behind the store: wait for it to catch up
                else:
                    await _send(send, "event: reset\ndata: {}\n\n")
                    generation, seq, unsure, quiet = current, 0, None, False
                    continue
            if events is None:
                log.warning("event stream of %s fell behind the feed: ending it", instance)
                return
            if events:
                seq = events[-1].seq
            beats, quiet = await self._send_or_wait(send, waker, generation, events, beats, quiet)

    async def _pump_all(self, send: Send, feed: EventFeed, waker: Waker, start: Cursor) -> None:
        generation, position = start.generation, start.seq
        beats, quiet = waker.beats, True
        while not waker.closing:
            current, events, position = feed.since_position(position)
            if current != generation:
                await _send(send, "event: reset\ndata: {}\n\n")
                generation, quiet = current, False
            if events is None:
                log.warning("event stream fell behind the feed: ending it")
                return
            beats, quiet = await self._send_or_wait(send, waker, generation, events, beats, quiet)

    async def _send_or_wait(
        self,
        send: Send,
        waker: Waker,
        generation: str,
        events: list[Event],
        beats: int,
        quiet: bool,
    ) -> tuple[int, bool]:
        """Send ``events``; with none, wait for a wake-up (a keep-alive after a quiet beat).

        Answers the heartbeat count seen and whether the stream has been quiet since.
        """
        if events:
            await _send(send, self._text(generation, events))
            waker.sent()
            return beats, False
        await waker.wait()
        if waker.beats == beats:
            return beats, quiet
        if quiet:
            await _send(send, ": keep-alive\n\n")
        return waker.beats, True

    async def _backlog(
        self, send: Send, feed: EventFeed, instance: str, generation: str | None, seq: int
    ) -> Cursor:
        """Send the logged events after ``(generation, seq)``; answers the cursor after them."""
        behind = feed.generation  # read before the store: a feed of another one is older
        current, events = await self._log(instance, seq)
        if generation is not None and generation != current:
            await _send(send, "event: reset\ndata: {}\n\n")
            seq = 0
            current, events = await self._log(instance, 0)
        if events:
            await _send(send, self._text(current, events))
            seq = events[-1].seq
        return Cursor.from_store(current, seq, feed_before=behind)

    def _text(self, generation: str, events: list[Event]) -> str:
        render = self.registry.render
        return "".join(f"id: {generation}-{e.seq}\n{render(e)}" for e in events)


async def _send(send: Send, text: str) -> None:
    await send({"type": "http.response.body", "body": text.encode("utf-8"), "more_body": True})


async def _wait_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def parse_after(raw: str) -> tuple[str | None, int]:
    """``after`` or ``Last-Event-ID``: ``<seq>`` or ``<generation>-<seq>``, else 400."""
    found = _AFTER.fullmatch(raw.strip())
    if found is None:
        raise ParameterFormat(
            "after", "It must be an event id: <seq> or <generation>-<seq>, in ASCII."
        )
    return found.group(1), int(found.group(2))


async def events_endpoint(registry: StreamRegistry, request: Request) -> Response:
    """``GET /_callstate/events?instance=&after=``: the event stream (SSE).

    Beyond ``max_streams`` open streams: ``ServiceUnavailable`` (503).
    """
    query = request.query_params
    instance = query.get("instance") or None
    raw_after = query.get("after", request.headers.get("last-event-id"))
    after = None
    if raw_after is not None and raw_after.strip():
        after = parse_after(raw_after)
        if instance is None:
            raise ParameterBlank("instance")
    if instance is not None and instance not in registry.engine.world.instances:
        raise NotExistsInstanceId(instance)
    if len(registry) >= registry.max_streams:
        log.warning("refused an event stream: %d are open (max_streams)", len(registry))
        raise ServiceUnavailable()
    return EventStream(registry, instance=instance, after=after)
