"""The HTTP emulator: CCC's RPC protocol over an engine, for the official SDK and curl.

Needs the ``server`` extra (``pip install callstate[server]``: Starlette and uvicorn)::

    from callstate.server import ThreadedServer
    with ThreadedServer() as server:            # the bundled world, on a free loopback port
        ...                                     # Config(endpoint=server.endpoint, protocol="http")

* :func:`create_app` makes the ASGI app (RPC endpoint and ``/_callstate/`` control plane);
* :func:`serve` runs it in the foreground (``callstate serve``);
* :class:`ThreadedServer` runs it on a background thread;
* :class:`Verifier` and the functions of the signature module check V3 and V2 signatures;
* the edge's limits (body size, header and body timeouts) are options of all three, and
  :class:`AcceptErrorFilter` rate-limits asyncio's accept-error tracebacks.
"""

from ._app import API_VERSION, Emulator, create_app
from ._limits import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_BODY_BYTES,
    AcceptErrorFilter,
)
from ._nonces import NonceCache, Nonces
from ._serve import DEFAULT_HOST, DEFAULT_PORT, EmulatorServer, ThreadedServer, serve
from ._signature import Verifier, WireRequest
from ._stream import DEFAULT_MAX_STREAMS

__all__ = [
    "API_VERSION",
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_HEADER_TIMEOUT",
    "DEFAULT_HOST",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_STREAMS",
    "DEFAULT_PORT",
    "AcceptErrorFilter",
    "Emulator",
    "EmulatorServer",
    "NonceCache",
    "Nonces",
    "ThreadedServer",
    "Verifier",
    "WireRequest",
    "create_app",
    "serve",
]
