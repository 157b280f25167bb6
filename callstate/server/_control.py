"""The control plane under ``/_callstate/``: what a test drives besides the agents' actions.

JSON in, JSON out (``docs/emulator.md`` documents each endpoint):

* ``POST /_callstate/reset``: start over, from the current world or from the world in the body;
* ``GET /_callstate/world`` and ``PUT /_callstate/world``: read, or load and reset to, a world;
* ``POST /_callstate/signals/{Name}``: a network signal (SPEC §8), answered like an action;
* ``GET /_callstate/state``: the engine's full snapshot;
* ``GET /_callstate/events``: the domain events as Server-Sent Events, resumable.

It is not authenticated: it is a test harness, served on loopback by default.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..domain import (
    Event,
    NotExistsInstanceId,
    ParameterBlank,
    ParameterFormat,
    ParameterInvalid,
    WorldError,
)
from ..engine import Engine
from ._http import json_response, read_object, reply_response

__all__ = ["ControlPlane", "EventStream", "StreamRegistry"]

log = logging.getLogger("callstate.server")

_CLOSE = "close"
_RESET = "reset"
_Item = Event | str  # an event, or a marker
#: Events an event stream may hold for a slow client before it is ended (it can resume).
MAX_QUEUED = 50_000


class StreamRegistry:
    """The open event streams, so that shutdown can reach them (event loop only)."""

    def __init__(self) -> None:
        self._streams: set[EventStream] = set()

    def __len__(self) -> int:
        return len(self._streams)

    def add(self, stream: EventStream) -> None:
        """Track an open stream."""
        self._streams.add(stream)

    def discard(self, stream: EventStream) -> None:
        """Forget a closed stream."""
        self._streams.discard(stream)

    def close_all(self) -> None:
        """End every open stream."""
        for stream in list(self._streams):
            stream.push(_CLOSE)


class EventStream(Response):
    """A Server-Sent Events answer: the engine's events, live, after an optional backlog.

    Each event is ``id: <seq>``, ``event: <eventType>``, ``data: <event.to_dict() as JSON>``.
    With ``after``, the instance's logged events with a greater ``seq`` come first: the engine
    delivers them and subscribes in one step, so nothing is missed or sent twice. A reset of the
    engine is an ``event: reset`` (``seq`` starts over), in order with the events. Idle streams
    get a comment every ``heartbeat`` s.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        engine: Engine,
        registry: StreamRegistry,
        *,
        instance: str | None,
        after: int | None,
        heartbeat: float,
    ) -> None:
        super().__init__(status_code=200, media_type=self.media_type)
        self.engine = engine
        self.registry = registry
        self.instance = instance
        self.after = after
        self.heartbeat = heartbeat
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._overflowed = False

    def push(self, item: _Item) -> None:
        """Queue an item for the client (event loop only)."""
        if self._overflowed:
            return
        if self._queue.qsize() >= MAX_QUEUED:
            self._overflowed = True
            log.warning("event stream fell %d events behind: closing it", MAX_QUEUED)
            item = _CLOSE
        self._queue.put_nowait(item)

    def _from_engine(self, item: _Item) -> None:
        """Hand an item over from the engine's lock (a worker thread) to the event loop."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: the server stopped
                self._loop.call_soon_threadsafe(self.push, item)

    def _subscribe(self) -> Callable[[], None]:
        return self.engine.subscribe(
            self._from_engine,
            instance_id=self.instance,
            after_seq=self.after,
            on_reset=lambda: self._from_engine(_RESET),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stream until the client goes, the server shuts down or the client falls behind."""
        self._loop = asyncio.get_running_loop()
        self.registry.add(self)
        unsubscribe = await run_in_threadpool(self._subscribe)
        disconnected = asyncio.ensure_future(_wait_disconnect(receive))
        try:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/event-stream; charset=utf-8"),
                                    (b"cache-control", b"no-cache"),
                                    (b"x-accel-buffering", b"no")]})  # fmt: skip
            await self._send(send, "retry: 1000\n: callstate events\n\n")
            await self._pump(send, disconnected)
            if not disconnected.done():
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            unsubscribe()
            self.registry.discard(self)
            disconnected.cancel()

    async def _pump(self, send: Send, disconnected: asyncio.Future[None]) -> None:
        while not disconnected.done():
            getter = asyncio.ensure_future(self._queue.get())
            waiting: set[asyncio.Future[Any]] = {getter, disconnected}
            done, _ = await asyncio.wait(
                waiting,
                timeout=self.heartbeat,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if getter not in done:
                getter.cancel()
                if not disconnected.done():
                    await self._send(send, ": keep-alive\n\n")
                continue
            item = getter.result()
            if item == _CLOSE:
                return
            if item == _RESET:
                await self._send(send, "event: reset\ndata: {}\n\n")
            elif isinstance(item, Event):
                await self._send(send, _format(item))

    @staticmethod
    async def _send(send: Send, text: str) -> None:
        await send({"type": "http.response.body", "body": text.encode("utf-8"), "more_body": True})


async def _wait_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _format(event: Event) -> str:
    data = json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":"))
    return f"id: {event.seq}\nevent: {event.event_type.value}\ndata: {data}\n\n"


class ControlPlane:
    """The ``/_callstate/`` endpoints over one engine."""

    def __init__(self, engine: Engine, streams: StreamRegistry, *, heartbeat: float) -> None:
        self.engine = engine
        self.streams = streams
        self.heartbeat = heartbeat

    async def reset(self, request: Request) -> Response:
        """``POST /_callstate/reset``: start over from the body's world, or the current one."""
        return await self._reset(await read_object(request, "world"))

    async def put_world(self, request: Request) -> Response:
        """``PUT /_callstate/world``: load the body's world and start over from it."""
        world = await read_object(request, "world")
        if world is None:
            raise ParameterBlank("world")
        return await self._reset(world)

    async def get_world(self, request: Request) -> Response:
        """``GET /_callstate/world``: the world the engine was last reset to."""
        return json_response(self.engine.world.to_dict())

    async def _reset(self, world: Mapping[str, Any] | None) -> Response:
        try:
            await run_in_threadpool(self.engine.reset, world)
        except WorldError as err:
            raise ParameterInvalid("world", str(err).rstrip(".")) from None
        instances = sorted(self.engine.world.instances)
        return json_response({"instances": instances})

    async def signal(self, request: Request) -> Response:
        """``POST /_callstate/signals/{Name}``: a network signal, answered as the engine answers."""
        name = request.path_params["name"]
        params = await read_object(request, "body")
        reply = await run_in_threadpool(self.engine.signal, name, params or {})
        return reply_response(reply)

    async def state(self, request: Request) -> Response:
        """``GET /_callstate/state``: the full snapshot (instances, JobId sequence, network)."""
        return json_response(await run_in_threadpool(self.engine.snapshot))

    async def events(self, request: Request) -> Response:
        """``GET /_callstate/events?instance=&after=``: the event stream (SSE)."""
        query = request.query_params
        instance = query.get("instance") or None
        raw_after = query.get("after", request.headers.get("last-event-id"))
        after: int | None = None
        if raw_after is not None and raw_after.strip():
            if not raw_after.strip().isdigit():
                raise ParameterFormat("after", "It must be an integer.")
            after = int(raw_after)
            if instance is None:
                raise ParameterBlank("instance")
        if instance is not None and instance not in self.engine.world.instances:
            raise NotExistsInstanceId(instance)
        return EventStream(
            self.engine, self.streams, instance=instance, after=after, heartbeat=self.heartbeat
        )
