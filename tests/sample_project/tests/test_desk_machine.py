"""The desk property-tested by callstate's state machine, through ``CallCentreClient``.

The machine sends every action the desk does through the desk (on the SDK, inside
``mock_ccc()``) and the others to the engine directly; after every step the desk must have
answered, and must read the agent and the call, as callstate does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from alibabacloud_ccc20200701.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from desk import Desk
from hypothesis import settings

from callstate import Engine
from callstate.testing import CallCentreMachine, mock_ccc


class DeskClient:
    """The desk as a ``callstate.testing.CallCentreClient``: one desk per agent and device."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def desk(self, params: Mapping[str, str]) -> Desk:
        desk = Desk(self.client, params["InstanceId"], params["UserId"], params.get("DeviceId", ""))
        desk.job, desk.customer = params.get("JobId", ""), params.get("ChannelId", "")
        return desk

    def send(self, action: str, params: Mapping[str, str]) -> str | None:
        desk = self.desk(params)
        does: dict[str, Callable[[], object]] = {
            "MakeCall": lambda: desk.dial(params["Callee"], params.get("Caller", "")),
            "HoldCall": desk.hold,
            "RetrieveCall": desk.retrieve,
            "PollUserStatus": desk.state,
        }
        if "ChannelId" not in params:  # the desk hangs up its own leg only
            does["ReleaseCall"] = desk.hang_up
        if action not in does or set(params) - {"InstanceId", "UserId", "DeviceId", "JobId",
                                                "ChannelId", "Callee", "Caller"}:  # fmt: skip
            return None  # not something the desk does: the machine sends it itself
        try:
            does[action]()
        except ClientException as refused:
            return str(refused.code)
        return "OK"

    def agent_state(self, instance_id: str, user_id: str) -> str:
        return self.desk({"InstanceId": instance_id, "UserId": user_id}).state()

    def call_legs(self, instance_id: str, user_id: str) -> dict[str, str]:
        return self.desk({"InstanceId": instance_id, "UserId": user_id}).call()


class DeskMachine(CallCentreMachine):
    def make_client(self, engine: Engine) -> DeskClient:
        self.mock = mock_ccc(engine).start()
        config = Config(access_key_id="ak", access_key_secret="secret", region_id="cn-shanghai",
                        endpoint="ccc.cn-shanghai.aliyuncs.com")  # fmt: skip
        return DeskClient(Client(config))

    def teardown(self) -> None:
        self.mock.stop()
        super().teardown()


TestDeskMachine = DeskMachine.TestCase
TestDeskMachine.settings = settings(max_examples=100, stateful_step_count=40, deadline=None,
                                    derandomize=True, database=None)  # fmt: skip
