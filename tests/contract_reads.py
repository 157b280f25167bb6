"""The SDK contract's scenarios of the agent's read models, its device and RedialCall.

Each ends with the action succeeding on a meaningful state (a registered phone, an earlier
call to redial); ``test_contract_sdk.py`` plays them with the rest. A scenario is handed that
module's ``Desk``: an engine without a simulated network, one agent on it.
"""

from __future__ import annotations

from typing import Any

from callstate import Reply

PHONE = "Yealink SIP-T23G 44.84.203.6"


def _registered(d: Any) -> None:
    d.sign_in()
    assert d.agent.do("RegisterDevice", DeviceId=PHONE, Password="s3cret").ok
    d.step()


def _get_user(d: Any) -> Reply:
    _registered(d)
    return d.do("GetUser")  # type: ignore[no-any-return]


def _list_devices(d: Any) -> Reply:
    _registered(d)
    return d.do("ListDevices")  # type: ignore[no-any-return]


def _get_login_details(d: Any) -> Reply:
    _registered(d)
    return d.do("GetLoginDetails", ChatDeviceId="chat-2")  # type: ignore[no-any-return]


def _register_device(d: Any) -> Reply:
    return d.do("RegisterDevice", DeviceId=PHONE, Password="s3cret")  # type: ignore[no-any-return]


def _redial_call(d: Any) -> Reply:
    call = d.talking()
    d.agent.ok("ReleaseCall", JobId=call.job)
    d.step()
    d.agent.ok("ReadyForService")
    d.step()
    return d.do("RedialCall", JobId=call.job)  # type: ignore[no-any-return]


#: Scenario name -> (the action, the scenario).
READ_SCENARIOS: dict[str, tuple[str, Any]] = {
    "GetUser": ("GetUser", _get_user),
    "ListDevices": ("ListDevices", _list_devices),
    "GetLoginDetails": ("GetLoginDetails", _get_login_details),
    "RegisterDevice": ("RegisterDevice", _register_device),
    "RedialCall": ("RedialCall", _redial_call),
}
