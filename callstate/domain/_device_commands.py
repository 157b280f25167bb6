"""The workbench's device and redial actions as request values: RegisterDevice, RedialCall.

Declared as every request is (``_commands.py``: the class is the parameter table, fields are
checked in declaration order), and registered in ``COMMANDS`` there.
"""

from __future__ import annotations

import attrs

from ._errors import ParameterInvalid
from ._requests import Command
from ._wire import bounded

__all__ = ["DEVICE_COMMANDS", "RedialCall", "RegisterDevice"]


@attrs.frozen
class RegisterDevice(Command):
    """Register the agent's SIP phone ``DeviceId`` with its ``Password`` (renews a registration).

    The device is ``ONLINE`` for the registration's lifetime, then ``OFFLINE`` until registered
    again; a new ``DeviceId`` replaces the agent's earlier one. The password is checked as given
    and not kept: nothing answers it back. The body has no ``Data``.
    """

    device_id: str
    password: str
    user_id: str


@attrs.frozen
class RedialCall(Command):
    """Call an earlier call's customer again (``JobId``): a MakeCall to a number it may mask.

    The agent must have had a leg in the earlier call; the redial calls its customer's number
    (which the agent may never have seen) from the centre's number of that call (or ``Caller``).

    Without a ``JobId`` it is a MakeCall to ``Callee``; with neither, ``Parameter.Invalid``
    (``JobId``). A ``Callee`` given with a ``JobId`` must be that call's customer's number
    (``Parameter.Invalid``, ``Callee``).
    """

    user_id: str
    job_id: str = ""
    callee: str = ""
    caller: str = ""
    device_id: str = ""
    timeout_seconds: int | None = bounded(30, 300)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        if not self.job_id.strip() and not self.callee.strip():
            raise ParameterInvalid("JobId", "Give the earlier call's JobId, or a Callee")


#: The commands of this module, for ``COMMANDS``.
DEVICE_COMMANDS = (RegisterDevice, RedialCall)
