"""Running the app with uvicorn: in the foreground (``callstate serve``) or on a thread (tests).

:class:`EmulatorServer` is uvicorn's server with these changes: it reports its URL once the
socket is bound (so ``--port 0`` can tell which port it got), it ends open event streams
before waiting for connections to close, SIGINT/SIGTERM shut it down gracefully and then
simply return (uvicorn would re-raise the signal afterwards), a connection must send each
request head within ``header_timeout`` (uvicorn's h11 protocol, always), and asyncio's
accept-error tracebacks are rate-limited (:class:`~callstate.server.AcceptErrorFilter`).
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from collections.abc import Callable, Generator, Mapping
from types import FrameType, TracebackType

import uvicorn
from starlette.applications import Starlette

from ..engine import Engine
from ._app import Emulator, create_app
from ._limits import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_BODY_BYTES,
    AcceptErrorFilter,
    header_timeout_protocol,
)
from ._stream import DEFAULT_MAX_STREAMS

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "EmulatorServer", "ThreadedServer", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
#: Seconds a shutdown waits for open connections before cancelling them.
GRACEFUL_SECONDS = 5


class EmulatorServer(uvicorn.Server):
    """uvicorn's server for an app made by :func:`create_app`.

    Args:
        app: the app.
        host: the interface to bind (default: loopback only).
        port: the port; ``0`` picks a free one (see :attr:`url` once started).
        log_level: uvicorn's log level.
        access_log: whether to log every request.
        on_ready: called with the URL once the server listens.
        header_timeout: seconds a connection has to send a request head, from its opening or
            its previous response; then it is closed.

    """

    def __init__(
        self,
        app: Starlette,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        log_level: str = "info",
        access_log: bool = True,
        on_ready: Callable[[str], None] | None = None,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    ) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=log_level,
            access_log=access_log,
            lifespan="on",
            timeout_graceful_shutdown=GRACEFUL_SECONDS,
            http=header_timeout_protocol(header_timeout),
        )
        super().__init__(config)
        self.emulator: Emulator = app.state.emulator
        self.on_ready = on_ready
        #: The signal that stopped the server, if one did.
        self.stopped_by: signal.Signals | None = None
        self._ready = threading.Event()

    @property
    def port(self) -> int:
        """The bound port (``0`` before the server listens)."""
        for server in self.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return 0

    @property
    def url(self) -> str:
        """``http://host:port`` of the listening server."""
        host = self.config.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Bind, then report the URL."""
        AcceptErrorFilter.install()
        await super().startup(sockets)
        if self.started:
            self.emulator.serving_at(self.url)
            self._ready.set()
            if self.on_ready is not None:
                self.on_ready(self.url)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """End the event streams, then shut down as uvicorn does."""
        self.emulator.close_streams()
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """On the main thread, SIGINT and SIGTERM start a graceful shutdown (never re-raised)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """A second SIGINT forces the exit; otherwise shut down gracefully."""
        if self.stopped_by is None:
            self.stopped_by = signal.Signals(sig)
        super().handle_exit(sig, frame)


def serve(
    engine: Engine | None = None,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    credentials: Mapping[str, str] | None = None,
    identities: Mapping[str, str] | None = None,
    log_level: str = "info",
    access_log: bool = True,
    on_ready: Callable[[str], None] | None = None,
    max_streams: int = DEFAULT_MAX_STREAMS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
) -> signal.Signals | None:
    """Serve ``engine`` over HTTP until SIGINT or SIGTERM; answers the signal that stopped it.

    ``credentials`` (AccessKeyId -> secret) turn signature checking on; ``identities``
    (AccessKeyId -> UserId) name the agent a request without ``UserId`` acts as. ``on_ready``
    is called with the URL once the server listens (useful with ``port=0``). ``max_streams``:
    open event streams served at once. The limits are those of :func:`create_app` (body) and
    :class:`EmulatorServer` (request head).
    """
    app = create_app(
        engine,
        credentials=credentials,
        identities=identities,
        max_streams=max_streams,
        max_body_bytes=max_body_bytes,
        body_timeout=body_timeout,
    )
    server = EmulatorServer(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        on_ready=on_ready,
        header_timeout=header_timeout,
    )
    server.run()
    return server.stopped_by


class ThreadedServer:
    """The emulator on a background thread, for tests (like moto's ``ThreadedMotoServer``).

    ::

        with ThreadedServer(Engine(), credentials={"ak": "secret"}) as server:
            Config(endpoint=server.endpoint, protocol="http", ...)

    Args:
        engine: the engine to serve (default: a new one on the bundled world).
        host: the interface (default loopback).
        port: the port (default ``0``: a free one).
        credentials: AccessKeyId -> secret; none means any signature is accepted.
        identities: AccessKeyId -> UserId, the agent a request without ``UserId`` acts as.
        app: an app to serve instead of making one (``engine``, ``credentials``,
            ``identities``, ``max_body_bytes`` and ``body_timeout`` unused).
        max_body_bytes, header_timeout, body_timeout: the limits, as :func:`serve` takes them.

    """

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        credentials: Mapping[str, str] | None = None,
        identities: Mapping[str, str] | None = None,
        app: Starlette | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        if app is None:
            app = create_app(
                engine,
                credentials=credentials,
                identities=identities,
                max_body_bytes=max_body_bytes,
                body_timeout=body_timeout,
            )
        self.app = app
        self.server = EmulatorServer(
            self.app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            header_timeout=header_timeout,
        )
        self._thread: threading.Thread | None = None

    @property
    def emulator(self) -> Emulator:
        """The served emulator (its ``engine`` is the one requests reach)."""
        return self.server.emulator

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self.server.url

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:PORT``: the SDK's ``Config.endpoint``."""
        return self.url.removeprefix("http://")

    def start(self, timeout: float = 10.0) -> str:
        """Start serving; answers the URL once the server listens."""
        self._thread = threading.Thread(
            target=self.server.run, name="callstate-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server._ready.wait(0.05):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the callstate server did not start")
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        """Shut down gracefully and wait for the thread."""
        if self._thread is None:
            return
        self.server.should_exit = True
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> ThreadedServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
