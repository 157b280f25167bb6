"""Shared fixtures: a deterministic engine on the bundled world, and a scripted agent.

Every test runs twice, once per store: ``[memory]``, and ``[redis]`` with ``CALLSTATE_STORE``
naming a fresh namespace of a private ``redis-server`` (started once, on a free loopback port),
so every ``Engine(...)`` built without a store runs on Redis. Tests of the Redis store itself are
marked ``redis_store`` and run once.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callstate import Engine, Event, Ids, ManualClock, Reply

INSTANCE = "ccc-test"
AGENT = "user-test@ccc-test"
DEVICE = "ACC-YUNBS-1.0.10-bs990cd82101cc000176af19ec8e"
GROUP = "skill-group@ccc-test"
NUMBER = "01012345678"
CUSTOMER = "13188888888"
START = 1_609_255_700_000


class Agent:
    """Drives one agent through the engine's public API, as a workbench would."""

    def __init__(
        self, engine: Engine, clock: ManualClock, user: str = AGENT, device: str = DEVICE
    ) -> None:
        self.engine, self.clock, self.user, self.device = engine, clock, user, device

    def do(self, action: str, **params: Any) -> Reply:
        request = {"InstanceId": INSTANCE, "UserId": self.user, "DeviceId": self.device}
        request.update(params)
        return self.engine.handle(action, request)

    def ok(self, action: str, **params: Any) -> dict[str, Any]:
        reply = self.do(action, **params)
        assert reply.ok, reply.body
        return reply.body["Data"]  # type: ignore[no-any-return]

    def sign_in(self, groups: tuple[str, ...] = (GROUP,)) -> dict[str, Any]:
        return self.ok("SignInGroup", SignedSkillGroupIdList=json.dumps(list(groups)))

    def dial(self, callee: str = CUSTOMER) -> Call:
        data = self.ok("MakeCall", Caller=NUMBER, Callee=callee)
        return Call.of(data["CallContext"])

    def poll(self) -> dict[str, Any]:
        return self.ok("PollUserStatus")


class Call:
    """The ids of one two-party call."""

    def __init__(self, job: str, agent_leg: str, customer_leg: str) -> None:
        self.job, self.agent_leg, self.customer_leg = job, agent_leg, customer_leg

    @classmethod
    def of(cls, call_context: dict[str, Any]) -> Call:
        legs = call_context["ChannelContexts"]
        agent = next(c["ChannelId"] for c in legs if c["UserId"])
        customer = next(c["ChannelId"] for c in legs if not c["UserId"])
        return cls(call_context["JobId"], agent, customer)


def signal(engine: Engine, name: str, call: Call, leg: str) -> Reply:
    return engine.signal(name, {"InstanceId": INSTANCE, "JobId": call.job, "ChannelId": leg})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def engine(clock: ManualClock) -> Iterator[Engine]:
    """The bundled world, the simulated network (13188888888 answers after 1075 ms)."""
    engine = Engine(clock=clock, ids=Ids(seed=7))
    yield engine
    engine.close()


@pytest.fixture
def quiet_engine(clock: ManualClock) -> Iterator[Engine]:
    """The bundled world with no simulated network: tests send every signal themselves."""
    engine = Engine(clock=clock, ids=Ids(seed=7), network=None)
    yield engine
    engine.close()


@pytest.fixture
def agent(engine: Engine, clock: ManualClock) -> Agent:
    return Agent(engine, clock)


@pytest.fixture
def events(engine: Engine) -> list[Event]:
    seen: list[Event] = []
    engine.subscribe(seen.append)
    return seen


# --- the stores ------------------------------------------------------------------------------

STORES = ("memory", "redis")
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    """A TCP port nothing listens on now, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A private ``redis-server`` on a free loopback port, with its files in ``directory``.

    ``options`` are more of redis-server's command line (``--cluster-enabled yes``...).
    """

    def __init__(self, directory: Path, *options: str, appendonly: bool = False) -> None:
        self.port = free_port()
        self.directory = directory
        self.options = options
        self.appendonly = appendonly
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def url(self, namespace: str = "*", **options: Any) -> str:
        query = "".join(f"&{k}={v}" for k, v in options.items())
        return f"redis://127.0.0.1:{self.port}/0?namespace={namespace}{query}"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "yes" if self.appendonly else "no", "--dir", str(self.directory)]
        if self.appendonly:  # the setting docs/redis.md recommends: a crash loses about 1 s
            args += ["--appendfsync", "everysec"]
        args += self.options
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 10.0) -> None:
        import redis

        deadline = time.monotonic() + timeout
        while True:
            try:
                with redis.Redis(port=self.port, socket_timeout=1) as client:
                    client.ping()
                    return
            except redis.ConnectionError:
                assert self.process is not None and self.process.poll() is None, "died"
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


def redis_server_or_skip() -> None:
    """Skip a test that needs redis-server when it is missing, except on CI (skips nothing)."""
    if REDIS_SERVER is None:
        message = "redis-server is not installed (`make test` installs Debian's package)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must skip nothing")
        pytest.skip(message)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """The tests' redis-server, started once and stopped at the end of the session."""
    redis_server_or_skip()
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


#: A user's project, run by test_sample_project.py in a pytest of its own.
collect_ignore = ["sample_project"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "redis_store: a test of the Redis store itself, not run over both stores"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("redis_store") is None:
        metafunc.parametrize("store_kind", STORES, indirect=True, ids=STORES, scope="session")


@pytest.fixture(scope="session", autouse=True)
def store_kind(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The default store (``CALLSTATE_STORE``) of the tests: memory, or a Redis namespace each.

    ``namespace=*``: every engine gets a fresh namespace, independent as a memory store is.
    Session-scoped, so that module-scoped servers are built on the same store as their tests.
    """
    kind: str | None = getattr(request, "param", None)
    with pytest.MonkeyPatch.context() as patch:
        if kind == "redis":
            server: RedisServer = request.getfixturevalue("redis_server")
            patch.setenv("CALLSTATE_STORE", server.url())
        else:
            patch.delenv("CALLSTATE_STORE", raising=False)
        yield kind


@pytest.fixture
def on_redis(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """``CALLSTATE_STORE`` on a fresh Redis namespace, for one test (the state machines')."""
    monkeypatch.setenv("CALLSTATE_STORE", redis_server.url())


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> Any:
    """A Hypothesis state machine's ``TestCase`` runs over both stores too, as two twins.

    unittest classes cannot be parametrised: ``TestX[memory]`` and ``TestX[redis]`` are
    subclasses, the Redis one with ``CALLSTATE_STORE`` on Redis.
    """
    run = getattr(obj, "runTest", None)
    if not isinstance(obj, type) or not hasattr(run, "_hypothesis_state_machine_class"):
        return None
    if getattr(obj, "store_twin", False):
        return None  # a twin: collected by unittest's own hook
    module = collector.obj  # type: ignore[attr-defined]  # a Module collector has obj
    twins = [
        type(f"{name}[memory]", (obj,), {"store_twin": True}),
        pytest.mark.usefixtures("on_redis")(type(f"{name}[redis]", (obj,), {"store_twin": True})),
    ]
    items = []
    for twin in twins:
        setattr(module, twin.__name__, twin)
        items.append(
            collector.ihook.pytest_pycollect_makeitem(
                collector=collector, name=twin.__name__, obj=twin
            )
        )
    return items
