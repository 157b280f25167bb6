"""Shared fixtures: a deterministic engine on the bundled world, and a scripted agent."""

from __future__ import annotations

import json
from collections.abc import Iterator
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
