"""The agent's read models and its phone: GetUser, ListDevices, GetLoginDetails, RegisterDevice.

A registered phone is ONLINE until its registration lapses, then OFFLINE; before any, the
agent's device is UNREGISTERED. The reads commit nothing (no event, no instant, no Heartbeat);
RegisterDevice writes the registration and publishes nothing. Every refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_ccc20200701 import models
from conftest import AGENT, INSTANCE, START, Agent
from server_support import AK, SECRET, client

from callstate import Engine, Ids, ManualClock, default_world
from callstate.api import read_xml
from callstate.domain import (
    REGISTRATION_MS,
    DeviceState,
    GetUser,
    One,
    User,
    WorkMode,
    device_state,
)
from callstate.server import ThreadedServer

PHONE = "Yealink SIP-T23G 44.84.203.6"
EXTENSION = "80011474"
REQUEST_ID = "0A0B0C0D-0000-4000-8000-000000000001"


@pytest.fixture
def desk(clock: ManualClock) -> Iterator[Agent]:
    engine = Engine(clock=clock, ids=Ids(seed=5, request_ids=[REQUEST_ID] * 50), network=None)
    yield Agent(engine, clock)
    engine.close()


def profile(device: str = "", state: str = "UNREGISTERED") -> dict[str, Any]:
    """GetUser's Data for the bundled agent."""
    return {
        "AvatarUrl": "", "DeviceExt": EXTENSION if device else "", "DeviceId": device,
        "DeviceState": state, "DisplayId": "", "DisplayName": "", "Email": "",
        "Extension": EXTENSION, "InstanceId": INSTANCE, "LoginName": "", "Mobile": "13900000001",
        "Nickname": "", "RoleId": "", "RoleName": "", "UserId": AGENT, "WorkMode": "ON_SITE",
    }  # fmt: skip


def body(data: Any) -> dict[str, Any]:
    return {"Code": "OK", "Data": data, "HttpStatusCode": 200, "Message": "", "Params": [],
            "RequestId": REQUEST_ID}  # fmt: skip


def test_an_agent_with_no_phone_is_unregistered_by_user_id_or_extension(desk: Agent) -> None:
    assert desk.do("GetUser").body == body(profile())
    by_extension = desk.engine.handle("GetUser", {"InstanceId": INSTANCE, "Extension": EXTENSION})
    assert by_extension.body == body(profile())
    assert desk.do("ListDevices").body == body([])


def test_a_registered_phone_is_online_until_its_registration_lapses(desk: Agent) -> None:
    registered = desk.do("RegisterDevice", DeviceId=PHONE, Password="s3cret")
    assert registered.body == {"Code": "OK", "HttpStatusCode": 200, "Message": "", "Params": [],
                               "RequestId": REQUEST_ID}  # fmt: skip
    expires = START + REGISTRATION_MS
    device = {"CallId": f"{PHONE}@{AGENT}", "Contact": "", "DeviceId": PHONE, "DeviceType": "SIP",
              "Expires": expires, "Extension": EXTENSION, "InstanceId": INSTANCE,
              "UserId": AGENT}  # fmt: skip
    assert desk.do("GetUser").body == body(profile(PHONE, "ONLINE"))
    listed = desk.do("ListDevices")
    assert listed.body == body([device])
    assert read_xml(listed.to_xml()) == listed.body  # Data, a list, in XML too
    desk.clock.advance(REGISTRATION_MS - 1)
    assert desk.do("GetUser").body["Data"]["DeviceState"] == "ONLINE"
    desk.clock.advance(1)  # lapsed: registered once, offline now, listed no more
    assert desk.do("GetUser").body == body(profile(PHONE, "OFFLINE"))
    assert desk.do("ListDevices").body == body([])
    assert desk.do("RegisterDevice", DeviceId=PHONE, Password="s3cret").ok  # renewed
    assert desk.do("ListDevices").body == body([{**device, "Expires": expires + REGISTRATION_MS}])
    assert desk.do("RegisterDevice", DeviceId="phone-2", Password="x").ok  # replaces it
    assert desk.do("GetUser").body["Data"]["DeviceId"] == "phone-2"


def test_the_device_state_is_one_rule_of_the_registration_and_the_instant() -> None:
    user = User(AGENT, INSTANCE, EXTENSION, "", WorkMode.ON_SITE, ())
    assert device_state(user, START) is DeviceState.UNREGISTERED
    user.registered_device, user.registration_expires_ms = PHONE, START
    assert device_state(user, START - 1) is DeviceState.ONLINE
    assert device_state(user, START) is DeviceState.OFFLINE


def test_login_details_name_the_agent_its_phone_and_its_chat_device(desk: Agent) -> None:
    desk.sign_in()
    desk.do("RegisterDevice", DeviceId=PHONE, Password="s3cret")
    data = desk.ok("GetLoginDetails", ChatDeviceId="chat-9")
    assert data == {
        "AgentServerUrl": "", "AvatarUrl": "", "ChatAppId": "", "ChatAppKey": "",
        "ChatDeviceId": "chat-9", "ChatLoginToken": "", "ChatServerUrl": "", "ChatUserId": "",
        "DeviceExt": EXTENSION, "DeviceId": PHONE, "DeviceState": "ONLINE", "DisplayName": "",
        "Extension": EXTENSION, "Nickname": "", "Signature": "", "Signature2": "",
        "SipServerUrl": "", "UserId": AGENT, "UserKey": "", "UserKey2": "", "WorkMode": "ON_SITE",
    }  # fmt: skip


def test_reads_commit_nothing_and_registering_publishes_nothing(desk: Agent) -> None:
    desk.sign_in()
    before = desk.engine.view(INSTANCE)
    desk.clock.advance(5_000)
    for action in ("GetUser", "ListDevices", "GetLoginDetails"):
        assert desk.do(action).ok
    assert desk.engine.view(INSTANCE) == before
    typed = desk.engine.execute(GetUser(INSTANCE, user_id=AGENT))
    assert typed.ok and typed.events == () and isinstance(typed.answer, One)
    registered = desk.do("RegisterDevice", DeviceId=PHONE, Password="s3cret")
    assert registered.ok and desk.engine.events(INSTANCE, before.seq if before else 0) == []
    assert desk.poll()["UserContext"]["UserState"] == "READY"  # the agent's state is untouched


REFUSALS = [
    ("GetUser", {"UserId": ""}, "Parameter.Invalid",
     ["UserId", "Give the agent's UserId or its Extension"]),
    ("GetUser", {"UserId": "", "Extension": "1"}, "Parameter.Invalid",
     ["Extension", "No agent of the instance has it"]),
    ("GetUser", {"Extension": "1"}, "Parameter.Invalid", None),
    ("GetUser", {"UserId": "ghost@ccc-test"}, "NotExists.UserId", ["ghost@ccc-test", INSTANCE]),
    ("GetUser", {"InstanceId": "ccc-none"}, "NotExists.InstanceId", ["ccc-none"]),
    ("ListDevices", {"UserId": "ghost@ccc-test"}, "NotExists.UserId", None),
    ("ListDevices", {"InstanceId": "ccc-none"}, "NotExists.InstanceId", None),
    ("GetLoginDetails", {"UserId": " "}, "Parameter.Blank", ["UserId"]),
    ("GetLoginDetails", {"UserId": "ghost@ccc-test"}, "NotExists.UserId", None),
    ("RegisterDevice", {"Password": ""}, "Parameter.Blank", ["Password"]),
    ("RegisterDevice", {"DeviceId": ""}, "Parameter.Blank", ["DeviceId"]),
    ("RegisterDevice", {"UserId": "ghost@ccc-test"}, "NotExists.UserId", None),
    ("RegisterDevice", {"InstanceId": "ccc-none"}, "NotExists.InstanceId", None),
]  # fmt: skip


@pytest.mark.parametrize(("action", "params", "code", "fill"), REFUSALS)
def test_a_refusal_changes_nothing(
    desk: Agent, action: str, params: dict[str, str], code: str, fill: list[str] | None
) -> None:
    desk.sign_in()
    assert desk.do("RegisterDevice", DeviceId=PHONE, Password="s3cret").ok
    before = desk.engine.snapshot()
    wanted = {"DeviceId": PHONE, "Password": "n3w"} if action == "RegisterDevice" else {}
    reply = desk.do(action, **{**wanted, **params})
    assert reply.body["Code"] == code, reply.body
    if fill is not None:
        assert reply.body["Params"] == fill
    assert desk.engine.snapshot() == before


def test_the_sdk_registers_and_reads_through_the_emulator() -> None:
    with ThreadedServer(Engine(network=None), credentials={AK: SECRET}) as server:
        ccc = client(server.url.removeprefix("http://"))
        ccc.register_device(models.RegisterDeviceRequest(
            instance_id=INSTANCE, user_id=AGENT, device_id=PHONE, password="s3cret"))  # fmt: skip
        user = ccc.get_user(models.GetUserRequest(instance_id=INSTANCE, extension=EXTENSION))
        assert (user.body.data.user_id, user.body.data.device_state) == (AGENT, "ONLINE")
        (device,) = ccc.list_devices(models.ListDevicesRequest(instance_id=INSTANCE)).body.data
        assert (device.device_id, device.user_id, device.device_type) == (PHONE, AGENT, "SIP")
        login = ccc.get_login_details(
            models.GetLoginDetailsRequest(instance_id=INSTANCE, user_id=AGENT)
        ).body.data
        assert login.agent_server_url == f"{server.url}/_callstate/events"
        assert (login.device_id, login.device_state) == (PHONE, "ONLINE")


def test_user_id_and_extension_given_together_must_name_one_agent(clock: ManualClock) -> None:
    world = default_world().to_dict()
    world["instances"][0]["users"].append({"userId": "two@ccc-test", "extension": "80011475"})
    engine = Engine(world, clock=clock, network=None)
    same = {"InstanceId": INSTANCE, "UserId": "two@ccc-test", "Extension": "80011475"}
    assert engine.handle("GetUser", same).body["Data"]["UserId"] == "two@ccc-test"
    before = engine.snapshot()
    other = engine.handle("GetUser", {**same, "Extension": EXTENSION})
    assert other.body["Params"] == ["Extension", "It is not the extension of two@ccc-test"]
    assert engine.snapshot() == before
    engine.close()
