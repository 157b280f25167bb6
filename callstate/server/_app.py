"""The ASGI app: CCC's RPC endpoint over an engine, plus the control plane under ``/_callstate/``.

The RPC endpoint (``GET /`` and ``POST /``) reads a request as the official SDK sends it and
answers what CCC's gateway and then the engine answer (:mod:`._gateway`).

The engine is synchronous and serializes requests under its lock. An engine whose store waits
on I/O (Redis) is called on worker threads, so the event loop never blocks; one whose requests
are pure CPU (the memory store, ~tens of microseconds) is called on the event loop itself,
which saves a thread hand-over per request. The app runs ``engine.tick()`` every
``tick_interval`` seconds so that the simulated network's timed signals happen in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, request_response

from ..api import Reply
from ..domain import InvalidActionNotFound, MethodNotAllowed
from ..engine import Engine, SystemClock
from ._access import require_access_key
from ._control import ControlPlane
from ._gateway import API_VERSION, Gateway
from ._http import Endpoint, error_response, guarded, reply_response
from ._limits import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES, BodyLimits
from ._log import AccessLog
from ._nonces import nonces_for
from ._signature import Verifier, WireRequest, parse_form, parse_query
from ._stream import DEFAULT_MAX_STREAMS, StreamRegistry

__all__ = ["API_VERSION", "Emulator", "create_app"]

log = logging.getLogger("callstate.server")

_FORM_TYPE = "application/x-www-form-urlencoded"
_SIGNALS = "/_callstate/signals/"


class Emulator:
    """What one app serves: the engine, the signature check and the open event streams.

    Reachable as ``app.state.emulator`` of an app made by :func:`create_app`.
    """

    def __init__(
        self,
        engine: Engine,
        verifier: Verifier | None,
        *,
        identities: Mapping[str, str] | None = None,
        tick_interval: float = 0.05,
        heartbeat: float = 15.0,
        max_streams: int = DEFAULT_MAX_STREAMS,
    ) -> None:
        self.engine = engine
        self.verifier = verifier
        self.gateway = Gateway(engine, verifier, identities)
        self.tick_interval = tick_interval
        self.streams = StreamRegistry(engine, max_streams=max_streams, heartbeat=heartbeat)
        self.control = control = ControlPlane(engine, self.streams)
        guard = self._control_access
        #: literal path -> method -> endpoint.
        self._paths: dict[str, dict[str, Endpoint]] = {
            "/": {"GET": self.rpc, "POST": self.rpc},
            "/_callstate/reset": {"POST": guard(control.reset)},
            "/_callstate/world": {"GET": guard(control.get_world), "PUT": guard(control.put_world)},
            "/_callstate/state": {"GET": guard(control.state)},
            "/_callstate/events": {"GET": guard(control.events)},
            "/_callstate/health": {"GET": control.health},
        }
        #: ``_SIGNALS`` + a name (one non-empty path segment) -> method -> endpoint.
        self._signal_paths: dict[str, Endpoint] = {"POST": guard(control.signal)}

    def _control_access(self, endpoint: Endpoint) -> Endpoint:
        """A control-plane endpoint; with credentials configured, for access-key holders only."""
        if self.verifier is None:
            return endpoint
        return require_access_key(endpoint, self.verifier.credentials, self.engine.ids)

    def close_streams(self) -> None:
        """End every open event stream (the server is shutting down). Call on the event loop."""
        self.streams.close_all()

    # --- RPC ---------------------------------------------------------------------------------
    async def rpc(self, request: Request) -> Response:
        """``GET /`` and ``POST /``: one CCC action, signed as the SDK signs it."""
        body = await request.body()
        wire = wire_request(request, body)
        xml = wire.query.get("Format", "").upper() == "XML"
        return reply_response(await self.answer(wire), xml=xml)

    async def answer(self, wire: WireRequest) -> Reply:
        """The reply to one RPC request: gateway checks, then the engine.

        On a worker thread when the engine's store blocks: the nonce is then recorded in that
        store too (:func:`nonces_for`).
        """
        if self.engine.blocking_io:
            return await run_in_threadpool(self.gateway.answer, wire)
        return self.gateway.answer(wire)

    async def dispatch(self, request: Request) -> Response:
        """Route on the literal path the client sent, then on the method.

        The path matched is ``raw_path``, as received: ``/_callstate%2Freset`` is not
        ``/_callstate/reset`` (Starlette would match the decoded path). An unknown path is
        ``InvalidAction.NotFound`` (404), never a redirect; a known path with a method it does
        not serve is ``MethodNotAllowed`` (405) with an ``Allow`` header (``HEAD`` runs nothing).
        """
        raw = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
        path = raw.decode("latin-1")
        methods = self._paths.get(path)
        name = path.removeprefix(_SIGNALS)
        if methods is None and path.startswith(_SIGNALS) and name and "/" not in name:
            methods = self._signal_paths
            request.scope["path_params"] = {"name": name}
        if methods is None:
            raise InvalidActionNotFound()
        endpoint = methods.get(request.method)
        if endpoint is None:
            allowed = ", ".join(methods)
            response = error_response(MethodNotAllowed(request.method, allowed), self.engine.ids)
            response.headers["allow"] = allowed
            return response
        return await endpoint(request)

    # --- the simulated network's clock -------------------------------------------------------
    async def tick_forever(self) -> None:
        """Apply the simulated network's due signals every ``tick_interval`` s, until cancelled."""
        while True:
            if self.engine.blocking_io:
                await run_in_threadpool(self.engine.tick)
            else:
                self.engine.tick()
            await asyncio.sleep(self.tick_interval)

    def routes(self) -> list[Mount]:
        """Every path and method go to :meth:`dispatch`, guarded against faults.

        A mount, not a ``Route``: a route would answer methods it was not given (and ``HEAD``
        for ``GET``) itself.
        """
        return [Mount("", app=request_response(guarded(self.dispatch, self.engine.ids)))]


def wire_request(request: Request, body: bytes) -> WireRequest:
    """The parts of a Starlette request that signatures and parameters are read from."""
    headers: dict[str, tuple[str, ...]] = {}
    for raw_name, raw_value in request.scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        headers[name] = (*headers.get(name, ()), raw_value.decode("latin-1"))
    content_type = ",".join(headers.get("content-type", ())).lower()
    form = parse_form(body) if content_type.startswith(_FORM_TYPE) else {}
    return WireRequest(
        method=request.method,
        path=request.scope["path"],
        query=parse_query(request.scope["query_string"]),
        headers=headers,
        body=body,
        form=form,
    )


def create_app(
    engine: Engine | None = None,
    *,
    credentials: Mapping[str, str] | None = None,
    identities: Mapping[str, str] | None = None,
    clock: Callable[[], int] | None = None,
    tick_interval: float = 0.05,
    heartbeat: float = 15.0,
    max_streams: int = DEFAULT_MAX_STREAMS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
) -> Starlette:
    """An ASGI app serving ``engine`` (default: a new :class:`Engine` on the bundled world).

    Args:
        engine: the engine to serve; the app never replaces it (resets go through it).
        credentials: AccessKeyId -> AccessKeySecret. When given (and not empty), every RPC
            request must be signed with one of them (its nonce recorded in the engine's store
            when that store is shared, e.g. Redis), and the control plane needs one of them as
            HTTP Basic credentials (:mod:`._access`); when not, any signature is accepted and
            the control plane is open.
        identities: AccessKeyId -> UserId: a request signed with that key and without
            ``UserId`` acts as that agent (with no credentials, the key it claims).
        clock: the server's clock for the signatures' 15-minute window, epoch ms (default: the
            system clock; deliberately not the engine's, which tests often fix).
        tick_interval: seconds between the simulated network's ticks.
        heartbeat: seconds between keep-alive comments on idle event streams.
        max_streams: open event streams served at once; one more is answered
            ``ServiceUnavailable`` (503).
        max_body_bytes: the largest request body accepted (``PayloadTooLarge``, 413, beyond).
        body_timeout: seconds a request's body may take to arrive (``RequestTimeout``, 408).

    The request head's timeout is the server's (:class:`~callstate.server.EmulatorServer`):
    the app is called only once a head has arrived.

    """
    engine = engine if engine is not None else Engine()
    verifier = None
    if credentials:
        verifier = Verifier(credentials, clock or SystemClock(), nonces=nonces_for(engine))
    emulator = Emulator(
        engine,
        verifier,
        identities=identities,
        tick_interval=tick_interval,
        heartbeat=heartbeat,
        max_streams=max_streams,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        ticker = asyncio.create_task(emulator.tick_forever(), name="callstate-tick")
        try:
            yield
        finally:
            emulator.close_streams()
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker

    limits = Middleware(
        BodyLimits, ids=engine.ids, max_body_bytes=max_body_bytes, body_timeout=body_timeout
    )
    middleware = [Middleware(AccessLog), limits]
    app = Starlette(routes=emulator.routes(), middleware=middleware, lifespan=lifespan)
    app.state.emulator = emulator
    return app
