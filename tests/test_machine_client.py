"""The bundled state machine drives a user's client through ``CallCentreClient``.

It passes with a faithful client (the official SDK inside ``mock_ccc()``), and it must fail
with a client that drops an action or mis-reads a reply, or it proves nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pytest
from alibabacloud_ccc20200701.client import Client
from alibabacloud_tea_openapi.models import Config
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky
from hypothesis.stateful import run_state_machine_as_test

from callstate import Engine
from callstate.testing import (
    CallCentreClient,
    CallCentreMachine,
    EngineClient,
    SdkClient,
    mock_ccc,
)


def run(machine: type[CallCentreMachine], examples: int) -> None:
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=40,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        ),
    )


class SdkMachine(CallCentreMachine):
    """The official SDK's client, inside ``mock_ccc()`` on the machine's engine."""

    def make_client(self, engine: Engine) -> CallCentreClient:
        self.mock = mock_ccc(engine).start()
        config = Config(access_key_id="ak", access_key_secret="secret", region_id="cn-shanghai",
                        endpoint="ccc.cn-shanghai.aliyuncs.com")  # fmt: skip
        return SdkClient(Client(config))

    def teardown(self) -> None:
        self.mock.stop()
        super().teardown()


def test_the_sdk_client_agrees_with_callstate() -> None:
    run(SdkMachine, examples=10)


class DropsRetrieve(EngineClient):
    """A client that says OK to RetrieveCall and never sends it."""

    def send(self, action: str, params: Mapping[str, str]) -> str:
        return "OK" if action == "RetrieveCall" else super().send(action, params)


class IgnoresHoldFlags(EngineClient):
    """A client that reads a held leg as ANSWERED: it ignores ``ChannelFlags``."""

    def call_legs(self, instance_id: str, user_id: str) -> dict[str, str]:
        legs = super().call_legs(instance_id, user_id)
        return {leg: "ANSWERED" if state == "HELD" else state for leg, state in legs.items()}


@pytest.mark.parametrize("broken", [DropsRetrieve, IgnoresHoldFlags])
def test_the_machine_catches_a_broken_client(broken: type[EngineClient]) -> None:
    class Machine(CallCentreMachine):
        def make_client(self, engine: Engine) -> CallCentreClient:
            return broken(engine)

    with pytest.raises((AssertionError, Flaky)):
        run(Machine, examples=200)


def test_the_engine_itself_agrees_with_callstate() -> None:
    class Machine(CallCentreMachine):
        def make_client(self, engine: Engine) -> CallCentreClient:
            return EngineClient(engine)

    run(Machine, examples=20)


def test_another_engines_faults_are_not_the_machines() -> None:
    """The machine fails on what *its* engines log at ERROR, not on any engine of the process."""
    other = Engine()

    def raises(event: object) -> None:
        raise ValueError("a subscriber of another engine")

    other.subscribe(raises)
    agent = {"InstanceId": "ccc-test", "UserId": "user-test@ccc-test", "DeviceId": "dev-1"}

    class NextToAnother(CallCentreMachine):
        def tick(self) -> None:
            other.handle(
                "SignInGroup", {**agent, "SignedSkillGroupIdList": '["skill-group@ccc-test"]'}
            )
            other.handle("SignOutGroup", agent)  # each logs the subscriber's fault
            super().tick()

    run(NextToAnother, examples=10)
    other.close()


def test_a_machine_whose_client_fails_to_start_leaves_no_handler() -> None:
    class Unreachable(CallCentreMachine):
        def make_client(self, engine: Engine) -> CallCentreClient:
            raise ConnectionError("the client under test did not start")

    before = list(logging.getLogger("callstate").handlers)
    with pytest.raises(ConnectionError):
        Unreachable()
    assert logging.getLogger("callstate").handlers == before
