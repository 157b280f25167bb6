"""The control plane under ``/_callstate/``: what a test drives besides the agents' actions.

JSON in, JSON out (``docs/emulator.md`` documents each endpoint):

* ``POST /_callstate/reset``: start over, from the current world or from the world in the body;
* ``GET /_callstate/world`` and ``PUT /_callstate/world``: read, or load and reset to, a world;
* ``POST /_callstate/signals/{Name}``: a network signal, answered like an action;
* ``GET /_callstate/state``: the engine's full snapshot;
* ``GET /_callstate/events``: the domain events as Server-Sent Events, resumable;
* ``GET /_callstate/health``: the server is up: its version, its store and what the store
  persists (always open: it is what a load balancer or a container's health check asks).

With credentials configured the others need one of them, as HTTP Basic (:mod:`._access`);
without, they are open: a test harness, served on loopback by default.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from .. import __version__
from ..domain import (
    ParameterBlank,
    ParameterInvalid,
    WorldError,
)
from ..engine import Engine, MemoryStore
from ._http import json_response, read_object, reply_response
from ._stream import StreamRegistry, events_endpoint

__all__ = ["ControlPlane"]

log = logging.getLogger("callstate.server")


class ControlPlane:
    """The ``/_callstate/`` endpoints over one engine."""

    def __init__(self, engine: Engine, streams: StreamRegistry) -> None:
        self.engine = engine
        self.streams = streams

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
        """``GET /_callstate/events?instance=&after=``: the event stream (:mod:`._stream`)."""
        return await events_endpoint(self.streams, request)

    async def health(self, request: Request) -> Response:
        """``GET /_callstate/health``: status, version, store kind and, on Redis, persistence."""
        store = self.engine.store
        persistence = getattr(store, "persistence", None)
        body: dict[str, Any] = {"status": "ok", "version": __version__}
        if isinstance(store, MemoryStore):
            body["store"] = "memory"
        elif persistence is not None:
            body["store"] = "redis"
            body["persistence"] = await run_in_threadpool(persistence)
        else:
            body["store"] = "custom"
        return json_response(body)
