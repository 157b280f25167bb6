"""The ASGI app: CCC's RPC endpoint over an engine, plus the control plane under ``/_callstate/``.

The RPC endpoint (``GET /`` and ``POST /``) reads a request as the official SDK sends it and
answers what CCC's gateway and then the engine answer (:mod:`._gateway`).

The engine is synchronous and serializes requests under its lock. An engine whose store waits
on I/O (Redis) is called on worker threads, so the event loop never blocks; one whose requests
are pure CPU (the memory store, ~tens of microseconds) is called on the event loop itself,
which saves a thread hand-over per request. The app runs ``engine.tick()`` every
``tick_interval`` seconds so that the simulated network's timed signals and the timers (ring,
queue, wrap-up, hold, heartbeat) happen in real time, without waiting for a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.routing import request_response
from starlette.types import ASGIApp, Lifespan, Receive, Scope, Send

from ..api import Reply
from ..domain import InvalidActionNotFound, MethodNotAllowed
from ..engine import Engine, SystemClock
from ._access import require_access_key
from ._control import ControlPlane
from ._gateway import API_VERSION, Gateway
from ._http import Endpoint, error_response, fault_response, guarded, reply_response
from ._limits import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES, BodyLimits
from ._log import AccessLog
from ._nonces import nonces_for
from ._signature import Verifier, WireRequest, parse_form, parse_query
from ._stream import DEFAULT_MAX_STREAMS, StreamRegistry

__all__ = ["API_VERSION", "Emulator", "EmulatorApp", "create_app"]

log = logging.getLogger("callstate.server")

_FORM_TYPE = "application/x-www-form-urlencoded"
_SIGNALS = b"/_callstate/signals/"
#: The event stream's path: the agent server a workbench is told about (GetLoginDetails).
EVENTS_PATH = "/_callstate/events"


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
        guard = self._control_endpoint
        #: literal path -> method -> ASGI app.
        self._paths: dict[bytes, dict[str, ASGIApp]] = {
            b"/": {"GET": self.rpc, "POST": self.rpc},
            b"/_callstate/reset": {"POST": guard(control.reset)},
            b"/_callstate/world": {
                "GET": guard(control.get_world),
                "PUT": guard(control.put_world),
            },
            b"/_callstate/state": {"GET": guard(control.state)},
            EVENTS_PATH.encode(): {"GET": guard(control.events)},
            b"/_callstate/health": {"GET": guard(control.health, open_access=True)},
        }
        #: ``_SIGNALS`` + a name (one non-empty path segment) -> method -> ASGI app.
        self._signal_paths: dict[str, ASGIApp] = {"POST": guard(control.signal)}

    def _control_endpoint(self, endpoint: Endpoint, *, open_access: bool = False) -> ASGIApp:
        """A control-plane endpoint as an ASGI app, its faults answered as JSON bodies.

        With credentials configured (and unless ``open_access``), for access-key holders only.
        """
        if self.verifier is not None and not open_access:
            endpoint = require_access_key(endpoint, self.verifier.credentials, self.engine.ids)
        return request_response(guarded(endpoint, self.engine.ids))

    def serving_at(self, url: str) -> None:
        """Tell the engine the URLs a workbench connects to, now that it listens at ``url``.

        GetLoginDetails' ``AgentServerUrl`` is this emulator's event stream.
        """
        self.engine.endpoints["AgentServerUrl"] = url + EVENTS_PATH

    def close_streams(self) -> None:
        """End every open event stream (the server is shutting down). Call on the event loop."""
        self.streams.close_all()

    # --- RPC ---------------------------------------------------------------------------------
    async def rpc(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``GET /`` and ``POST /``: one CCC action, signed as the SDK signs it.

        Plain ASGI, no Starlette ``Request``: this is the path every action takes.
        """
        try:
            wire = wire_request(scope, await read_body(receive))
            xml = wire.query.get("Format", "").upper() == "XML"
            response = reply_response(await self.answer(wire), xml=xml)
        except Exception as fault:
            response = fault_response(fault, Request(scope), self.engine.ids)
        await response(scope, receive, send)

    async def answer(self, wire: WireRequest) -> Reply:
        """The reply to one RPC request: gateway checks, then the engine.

        On a worker thread when the engine's store blocks: the nonce is then recorded in that
        store too (:func:`nonces_for`).
        """
        if self.engine.blocking_io:
            return await run_in_threadpool(self.gateway.answer, wire)
        return self.gateway.answer(wire)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route an HTTP request on the literal path the client sent, then on the method.

        The path matched is ``raw_path``, as received: ``/_callstate%2Freset`` is not
        ``/_callstate/reset`` (Starlette would match the decoded path). An unknown path is
        ``InvalidAction.NotFound`` (404), never a redirect; a known path with a method it does
        not serve is ``MethodNotAllowed`` (405) with an ``Allow`` header (``HEAD`` runs nothing).
        """
        path = scope.get("raw_path") or scope["path"].encode("utf-8")
        methods = self._paths.get(path)
        if methods is None and path.startswith(_SIGNALS):
            name = path.removeprefix(_SIGNALS).decode("latin-1")
            if name and "/" not in name:
                methods = self._signal_paths
                scope["path_params"] = {"name": name}
        if methods is None:
            response = error_response(InvalidActionNotFound(), self.engine.ids)
        else:
            endpoint = methods.get(scope["method"])
            if endpoint is not None:
                await endpoint(scope, receive, send)
                return
            allowed = ", ".join(methods)
            response = error_response(MethodNotAllowed(scope["method"], allowed), self.engine.ids)
            response.headers["allow"] = allowed
        await response(scope, receive, send)

    # --- the simulated network's clock -------------------------------------------------------
    async def tick_forever(self) -> None:
        """Apply the due signals and timers every ``tick_interval`` s, until cancelled."""
        while True:
            if self.engine.blocking_io:
                await run_in_threadpool(self.engine.tick)
            else:
                self.engine.tick()
            await asyncio.sleep(self.tick_interval)


async def read_body(receive: Receive) -> bytes:
    """A request's whole body, as Starlette's ``Request.body`` reads it (``ClientDisconnect``)."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()


def wire_request(scope: Scope, body: bytes) -> WireRequest:
    """The parts of an HTTP request that signatures and parameters are read from."""
    headers: dict[str, tuple[str, ...]] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        headers[name] = (*headers.get(name, ()), raw_value.decode("latin-1"))
    content_type = ",".join(headers.get("content-type", ())).lower()
    form = parse_form(body) if content_type.startswith(_FORM_TYPE) else {}
    return WireRequest(
        method=scope["method"],
        path=scope["path"],
        query=parse_query(scope["query_string"]),
        headers=headers,
        body=body,
        form=form,
    )


class EmulatorApp(Starlette):
    """The app :func:`create_app` makes: Starlette for its lifespan and ``state``, one router.

    Every HTTP request goes through the access log and the body limits to the emulator's own
    router (:meth:`Emulator.__call__`), with no Starlette routing or exception middleware in
    between: every fault is answered by the endpoints themselves (:func:`fault_response`).
    Other scopes (lifespan) are Starlette's.
    """

    def __init__(self, emulator: Emulator, http: ASGIApp, lifespan: Lifespan[Starlette]) -> None:
        super().__init__(lifespan=lifespan)
        self.state.emulator = emulator
        self._http = http

    def build_middleware_stack(self) -> ASGIApp:
        """HTTP to the emulator's stack, anything else to Starlette's router."""
        http, router = self._http, self.router

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                await http(scope, receive, send)
            else:
                await router(scope, receive, send)

        return app


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
) -> EmulatorApp:
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

    limits = BodyLimits(
        emulator, ids=engine.ids, max_body_bytes=max_body_bytes, body_timeout=body_timeout
    )
    return EmulatorApp(emulator, AccessLog(limits), lifespan)
