"""callstate's pytest plugin: an engine, an emulator and an SDK client as fixtures.

Installed with the ``testing`` extra (entry point ``pytest11``), so a project that depends on
``callstate[testing]`` gets these fixtures with no conftest (or ``-p callstate.testing.plugin``):

* ``ccc_world``: the world every other fixture starts from; ``None`` (the bundled world, instance
  ``ccc-test``). Override it in a test module or a conftest with a fixture of the same name
  returning a world dict, a path to a world file or a :class:`~callstate.World`.
* ``ccc_engine``: an in-process :class:`~callstate.Engine` on ``ccc_world`` with a
  :class:`~callstate.ManualClock` (``ccc_engine.clock``) and seeded ids, new for each test.
* ``ccc_server``: the emulator (:class:`~callstate.server.ThreadedServer`) on a free loopback
  port, started once per session (per worker under pytest-xdist, whose workers are processes)
  and reset to ``ccc_world`` before each test, on a manual clock that starts at
  :data:`START_MS`; stopped at the end of the session.
* ``ccc_client``: the official SDK client (``alibabacloud_ccc20200701``) configured for
  ``ccc_server``.
* ``ccc_network``: a :class:`Network` over ``ccc_server``'s engine: send a network signal
  (``ccc_network.signal("FarEndHungUp", JobId=..., ChannelId=...)``) and advance the clock
  (``ccc_network.advance(1500)``: the simulated network's due signals happen at once).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from ..domain import World
from ..engine import Engine, Ids, ManualClock, WorldSource, default_world, load_world
from ._network import START_MS, Network

if TYPE_CHECKING:
    from ..server import ThreadedServer

__all__ = ["ccc_client", "ccc_engine", "ccc_network", "ccc_server", "ccc_world"]


def _world(source: WorldSource) -> World:
    return default_world() if source is None else load_world(source)


@pytest.fixture
def ccc_world() -> WorldSource:
    """The world the fixtures start from: ``None``, the bundled one. Override it to change it."""
    return None


@pytest.fixture
def ccc_engine(ccc_world: WorldSource) -> Iterator[Engine]:
    """An in-process engine on ``ccc_world``, with a manual clock and seeded ids."""
    engine = Engine(_world(ccc_world), clock=ManualClock(START_MS), ids=Ids(seed=0))
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(scope="session")
def _ccc_server_session() -> Iterator[ThreadedServer]:
    from ..server import ThreadedServer  # noqa: PLC0415 (the server extra, on first use)

    engine = Engine(clock=ManualClock(START_MS))
    server = ThreadedServer(engine)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        engine.close()


@pytest.fixture
def ccc_server(_ccc_server_session: ThreadedServer, ccc_world: WorldSource) -> ThreadedServer:
    """The emulator, reset to ``ccc_world`` and its clock to :data:`START_MS` for this test."""
    engine: Engine = _ccc_server_session.emulator.engine
    engine.reset(_world(ccc_world))
    assert isinstance(engine.clock, ManualClock)
    engine.clock.set(START_MS)
    return _ccc_server_session


@pytest.fixture
def ccc_client(ccc_server: ThreadedServer) -> Any:
    """The official SDK's client for ``ccc_server`` (needs ``alibabacloud-ccc20200701``)."""
    from alibabacloud_ccc20200701.client import Client  # noqa: PLC0415 (the user's SDK)
    from alibabacloud_tea_openapi.models import Config  # noqa: PLC0415

    config = Config(
        access_key_id="callstate-test",  # any key: the server checks no signature
        access_key_secret="callstate-secret",
        region_id="cn-shanghai",
        endpoint=ccc_server.endpoint,
        protocol="http",
    )
    return Client(config)


@pytest.fixture
def ccc_network(ccc_server: ThreadedServer) -> Network:
    """Signals and clock of ``ccc_server``'s engine."""
    engine: Engine = ccc_server.emulator.engine
    assert isinstance(engine.clock, ManualClock)
    return Network(engine, engine.clock)
