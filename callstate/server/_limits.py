"""The HTTP edge's limits: how long a client may take to send a request, how big its body may be.

* :class:`BodyLimits`, an ASGI middleware: a body over ``max_body_bytes`` is ``PayloadTooLarge``
  (413), at once when ``Content-Length`` says so, else as soon as the bytes read pass the limit
  (a chunked body is never buffered whole); a body not received within ``body_timeout`` seconds
  of its headers is ``RequestTimeout`` (408). Either answer closes the connection, as does any
  answer sent before the request's body was read to its end (so no unread body keeps it open).
* :func:`header_timeout_protocol`: uvicorn's h11 protocol, closing a connection that has not
  sent a whole request head within ``header_timeout`` seconds of opening, or of its previous
  response (silent, half-sent and idle keep-alive connections alike). The ASGI app cannot do
  this: it is called only once the head has arrived.
* :class:`AcceptErrorFilter`: at the file-descriptor limit, asyncio logs one traceback per
  failed ``accept()`` and schedules one retry per failure (up to the backlog, 2048, per
  attempt), each of which fails and is logged again, or, once the server has closed its
  socket, logs ``Invalid file descriptor``: thousands of tracebacks a second. The filter lets a
  few through and counts the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import h11
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..domain import PayloadTooLarge, RequestTimeout
from ..engine import Ids
from ._http import error_response

__all__ = [
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_HEADER_TIMEOUT",
    "DEFAULT_MAX_BODY_BYTES",
    "AcceptErrorFilter",
    "BodyLimits",
    "header_timeout_protocol",
]

log = logging.getLogger("callstate.server")

#: The largest request body accepted, in bytes (1 MiB).
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
#: Seconds a client has to send a request's head (request line and headers).
DEFAULT_HEADER_TIMEOUT = 10.0
#: Seconds a client has to send a request's body, from the end of its head.
DEFAULT_BODY_TIMEOUT = 30.0

_CLOSE = (b"connection", b"close")


class BodyLimits:
    """ASGI middleware bounding every request body's size and the time it takes to arrive."""

    def __init__(self, app: ASGIApp, *, ids: Ids, max_body_bytes: int, body_timeout: float) -> None:
        self.app = app
        self.ids = ids
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request, its body read through the limits."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        # HTTP/1.1 (RFC 9112 §6.3): without either header a request has no body.
        if b"transfer-encoding" not in headers and length.strip(b"0") == b"":
            # No body: nothing to count, time or leave unread (most actions are such GETs).
            await self.app(scope, receive, send)
            return
        body = _LimitedBody(self, receive)
        if length.isdigit() and int(length) > self.max_body_bytes:
            response = error_response(PayloadTooLarge(str(self.max_body_bytes)), self.ids)
            await response(scope, body.receive, body.closing_send(send))
            return
        await self.app(scope, body.receive, body.closing_send(send))


class _LimitedBody:
    """One request's body as the app reads it: counted, and under a deadline."""

    def __init__(self, limits: BodyLimits, receive: Receive) -> None:
        self.limits = limits
        self._receive = receive
        self.read = 0
        self.complete = False
        self.deadline = asyncio.get_running_loop().time() + limits.body_timeout

    async def receive(self) -> Message:
        if self.complete:  # the body is in; what follows is the disconnect, whenever it comes
            return await self._receive()
        limits = self.limits
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self._receive()
        except TimeoutError:
            raise RequestTimeout(f"{limits.body_timeout:g}") from None
        if message["type"] == "http.request":
            self.read += len(message.get("body", b""))
            if self.read > limits.max_body_bytes:
                raise PayloadTooLarge(str(limits.max_body_bytes))
            self.complete = not message.get("more_body", False)
        else:
            self.complete = True  # disconnected
        return message

    def closing_send(self, send: Send) -> Send:
        """``send``, adding ``Connection: close`` to an answer sent before the body was read."""

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and not self.complete:
                message = {**message, "headers": [*message.get("headers", ()), _CLOSE]}
            await send(message)

        return sending


class _HeaderTimeoutH11(H11Protocol):
    """uvicorn's h11 protocol, with a deadline on every request head (see the module doc)."""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    _head_timer: asyncio.TimerHandle | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access_log = False  # the app logs each request, with its action (._log.AccessLog)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch_head()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _watch_head(self) -> None:
        """Time the head while one is awaited (h11's IDLE), from the moment it started being."""
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            self._stop_head_timer()
        elif self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def header_timeout_protocol(seconds: float) -> type[H11Protocol]:
    """Uvicorn's h11 protocol class closing connections whose request head takes ``seconds``."""
    return type("HeaderTimeoutH11", (_HeaderTimeoutH11,), {"header_timeout": seconds})


class AcceptErrorFilter(logging.Filter):
    """Lets ``per_second`` accept errors through per second; counts, and later reports, the rest.

    An accept error is a record of asyncio's failed ``accept()``, or of its retry failing.

    Other records pass untouched. The first record let through after some were dropped says
    how many were.

    Args:
        per_second: records let through per second (clock window).
        clock: seconds, monotonic (injectable for tests).

    """

    #: How asyncio's message for a failed ``accept()`` starts.
    MESSAGE = "socket.accept() out of system resource"
    #: How asyncio's messages for its accept retries failing start.
    RETRY = "Exception in callback BaseSelectorEventLoop._start_serving"

    def __init__(self, per_second: int = 5, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.per_second = per_second
        self.clock = clock
        #: Accept errors dropped so far, in total.
        self.suppressed = 0
        self._window = -1
        self._passed = 0
        self._pending = 0

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether ``record`` is logged."""
        if not str(record.msg).startswith((self.MESSAGE, self.RETRY)):
            return True
        window = int(self.clock())
        if window != self._window:
            self._window, self._passed = window, 0
        if self._passed >= self.per_second:
            self.suppressed += 1
            self._pending += 1
            return False
        self._passed += 1
        if self._pending:
            record.msg = f"{record.msg} ({self._pending} more accept errors were not logged)"
            self._pending = 0
        return True

    @classmethod
    def install(cls) -> None:
        """Add one to asyncio's logger, unless one is there already."""
        logger = logging.getLogger("asyncio")
        if not any(isinstance(f, cls) for f in logger.filters):
            logger.addFilter(cls())
