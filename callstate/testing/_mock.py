"""``mock_ccc()``: the official SDK against an in-process engine, no socket (moto's ``mock_aws``).

The seam is the SDK runtime's transport. Every call of ``alibabacloud_ccc20200701``'s
``Client`` (sync ``hold_call`` and async ``hold_call_async`` alike) builds a signed
``darabonba.request.DaraRequest`` in ``alibabacloud_tea_openapi``'s ``do_request`` /
``do_rpcrequest`` (and their ``_async`` twins), then sends it with
``darabonba.core.DaraCore.do_action(request, runtime)`` or
``await DaraCore.async_do_action(request, runtime)``, and reads the ``DaraResponse`` it answers
(status, headers, body bytes) into the SDK's models or its ``ClientException``. Inside
``mock_ccc()`` those two static methods are replaced: the request becomes the
:class:`~callstate.server.WireRequest` the emulator would have received, the emulator's own
gateway (:class:`callstate.server._gateway.Gateway`) answers it and the emulator's own response
builder makes the bytes, so bodies and exceptions are the emulator's exactly. Every request sent
through darabonba inside the block goes to callstate, whatever its endpoint.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

from ..engine import Engine, Ids, ManualClock
from ..server._gateway import Gateway
from ..server._http import reply_response
from ..server._signature import Verifier, WireRequest, parse_form
from ._network import START_MS, Network

__all__ = ["mock_ccc"]

F = TypeVar("F", bound=Callable[..., Any])
_FORM_TYPE = "application/x-www-form-urlencoded"


class mock_ccc:
    """Route the official SDK to an in-process engine: a context manager and a decorator.

    ::

        with mock_ccc() as ccc:                 # the bundled world, a manual clock
            client.hold_call(...)               # any Client, any endpoint: no socket
            ccc.engine.snapshot()               # the engine the SDK talks to
            ccc.network.advance(2000)           # time passes only when told

    ``start()`` and ``stop()`` enter and leave it outside a ``with`` block.

    Args:
        engine: the engine to talk to; by default a new one per use (per decorated call) on
            the bundled world with a :class:`~callstate.ManualClock` and seeded ids.
        credentials: AccessKeyId -> secret: signatures are then checked, as by the emulator.
        identities: AccessKeyId -> UserId: a request without ``UserId`` acts as that agent.

    """

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        credentials: Mapping[str, str] | None = None,
        identities: Mapping[str, str] | None = None,
    ) -> None:
        self._given = engine
        self.credentials = dict(credentials or {})
        self.identities = dict(identities or {})
        self._engine = engine
        self._network: Network | None = None
        self._saved: list[tuple[Any, Any]] = []

    @property
    def engine(self) -> Engine:
        """The engine the SDK talks to (inside the block)."""
        if self._engine is None:
            raise RuntimeError("mock_ccc(): the engine exists inside the block only")
        return self._engine

    @property
    def network(self) -> Network:
        """Signals and time for :attr:`engine` (its clock must be a ``ManualClock``)."""
        if self._network is None:
            raise RuntimeError("mock_ccc(): the network exists inside the block only")
        return self._network

    def __enter__(self) -> mock_ccc:
        from darabonba.core import DaraCore  # noqa: PLC0415 (the user's SDK)

        if self._given is None:
            self._engine = Engine(clock=ManualClock(START_MS), ids=Ids(seed=0))
        clock = self.engine.clock
        if isinstance(clock, ManualClock):
            self._network = Network(self.engine, clock)
        verifier = Verifier(self.credentials, _wall_clock) if self.credentials else None
        gateway = Gateway(self.engine, verifier, self.identities)

        def do_action(request: Any, runtime_option: Any = None) -> Any:
            return _answer(gateway, request)

        async def async_do_action(request: Any, runtime_option: Any = None) -> Any:
            return _answer(gateway, request)

        self._saved.append((DaraCore.do_action, DaraCore.async_do_action))
        DaraCore.do_action = staticmethod(do_action)
        DaraCore.async_do_action = staticmethod(async_do_action)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        from darabonba.core import DaraCore  # noqa: PLC0415

        DaraCore.do_action, DaraCore.async_do_action = self._saved.pop()
        if self._given is None:
            self.engine.close()
            self._engine = None
        self._network = None

    def start(self) -> mock_ccc:
        """Enter the mock without a ``with`` block (as moto's ``start``); :meth:`stop` leaves it."""
        return self.__enter__()

    def stop(self) -> None:
        """Leave the mock :meth:`start` entered."""
        self.__exit__(None, None, None)

    def __call__(self, func: F) -> F:
        """Decorate ``func`` (sync or async): each call runs inside a fresh mock."""
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self._again():
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self._again():
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]

    def _again(self) -> mock_ccc:
        return mock_ccc(self._given, credentials=self.credentials, identities=self.identities)


def _wall_clock() -> int:
    """The signatures' clock, epoch ms: the real one, as the SDK signs with the real time."""
    from ..engine import SystemClock  # noqa: PLC0415

    return SystemClock()()


def _answer(gateway: Gateway, request: Any) -> Any:
    """The ``DaraResponse`` the emulator would have sent for a ``DaraRequest``."""
    from darabonba.response import DaraResponse  # noqa: PLC0415

    wire = _wire(request)
    xml = wire.query.get("Format", "").upper() == "XML"
    sent = reply_response(gateway.answer(wire), xml=xml)
    response = DaraResponse()
    response.status_code = sent.status_code
    response.status_message = ""
    response.headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in sent.raw_headers}
    response.body = bytes(sent.body)
    return response


def _wire(request: Any) -> WireRequest:
    """A ``DaraRequest`` as the emulator receives it over HTTP."""
    body = request.body or b""
    body = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    headers = {str(k).lower(): (str(v),) for k, v in (request.headers or {}).items()}
    query = {str(k): str(v) for k, v in (request.query or {}).items() if v is not None}
    content_type = headers.get("content-type", ("",))[0].lower()
    return WireRequest(
        method=str(request.method).upper(),
        path=request.pathname or "/",
        query=query,
        headers=headers,
        body=body,
        form=parse_form(body) if content_type.startswith(_FORM_TYPE) else {},
    )
