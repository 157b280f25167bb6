"""The agent's read models: GetUser, ListDevices, GetLoginDetails, and ``DeviceState``.

What a device's registration shows is one rule, :func:`device_state`: no device registered is
``UNREGISTERED``; a registration not yet lapsed is ``ONLINE``; a lapsed one is ``OFFLINE``
(RegisterDevice registers a SIP phone for :data:`REGISTRATION_MS`, a SIP phone's usual
``Expires``; registering again renews it). ListDevices lists the devices ``ONLINE`` now.
The answerers are pure functions of one read of the instance and the instant.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

import attrs

from ._answers import Answerer, One, Rows
from ._errors import NotExistsUserId, ParameterInvalid
from ._queries import GetLoginDetails, GetUser, ListDevices, Query
from ._records import Job, User
from ._world import InstanceConfig

__all__ = ["ANSWERS", "REGISTRATION_MS", "DeviceRow", "DeviceState", "UserRow", "device_state"]

#: How long a device's registration lasts unless renewed (SIP's customary 3600 s).
REGISTRATION_MS = 3_600_000


class DeviceState(Enum):
    """The state of an agent's registered SIP phone (``DeviceState`` of GetUser)."""

    UNREGISTERED = "UNREGISTERED"
    OFFLINE = "OFFLINE"
    ONLINE = "ONLINE"


def device_state(user: User, now: int) -> DeviceState:
    """The agent's registered device's state at instant ``now``."""
    if not user.registered_device:
        return DeviceState.UNREGISTERED
    return DeviceState.ONLINE if now < user.registration_expires_ms else DeviceState.OFFLINE


@attrs.frozen
class UserRow:
    """One agent as GetUser and GetLoginDetails show it: the record and its device's state."""

    user: User
    device_state: DeviceState
    #: The ``ChatDeviceId`` a workbench connects with (GetLoginDetails'; else the agent's).
    chat_device_id: str = ""


@attrs.frozen
class DeviceRow:
    """One registered device as ListDevices shows it."""

    user: User

    @property
    def call_id(self) -> str:
        """The registration's SIP ``Call-ID``: one per agent's device (stable across renewals)."""
        return f"{self.user.registered_device}@{self.user.user_id}"


def _user_of(inst: InstanceConfig, users: Mapping[str, User], user_id: str) -> User:
    if user_id not in inst.users:
        raise NotExistsUserId(user_id, inst.instance_id)
    return users[user_id]


def _get_user(q: GetUser, inst: InstanceConfig, users: Mapping[str, User],
              jobs: Mapping[str, Job], now: int) -> One[UserRow]:  # fmt: skip
    by_extension = [u for u in inst.users.values() if q.extension and u.extension == q.extension]
    if q.extension and not by_extension:
        raise ParameterInvalid("Extension", "No agent of the instance has it")
    user = _user_of(inst, users, q.user_id or by_extension[0].user_id)
    if q.extension and user.extension != q.extension:
        raise ParameterInvalid("Extension", f"It is not the extension of {user.user_id}")
    return One(UserRow(user, device_state(user, now), user.chat_device_id))


def _list_devices(q: ListDevices, inst: InstanceConfig, users: Mapping[str, User],
                  jobs: Mapping[str, Job], now: int) -> Rows[DeviceRow]:  # fmt: skip
    named = [_user_of(inst, users, q.user_id)] if q.user_id else [users[u] for u in inst.users]
    online = (u for u in named if device_state(u, now) is DeviceState.ONLINE)
    return Rows(tuple(DeviceRow(u) for u in online))


def _get_login_details(q: GetLoginDetails, inst: InstanceConfig, users: Mapping[str, User],
                       jobs: Mapping[str, Job], now: int) -> One[UserRow]:  # fmt: skip
    user = _user_of(inst, users, q.user_id)
    return One(UserRow(user, device_state(user, now), q.chat_device_id or user.chat_device_id))


#: The agent's read models and what answers each.
ANSWERS: dict[type[Query], Answerer] = {
    GetUser: _get_user,
    ListDevices: _list_devices,
    GetLoginDetails: _get_login_details,
}
