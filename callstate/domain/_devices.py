"""RegisterDevice: an agent's SIP phone is registered, and is online until the registration lapses.

The registration is the agent's record (``registered_device``, ``registration_expires_ms``);
what it shows is the read models' one rule (``_user_reads.device_state``). Any agent state
allows it (a phone registers whether or not its agent is signed in); it changes no state and
publishes no event, as CCC documents none.
"""

from __future__ import annotations

from ._device_commands import RegisterDevice
from ._requests import Request
from ._step import Decider, Outcome, Step, decides
from ._user_reads import REGISTRATION_MS

__all__ = ["DECIDERS"]

#: The decider of each device action.
DECIDERS: dict[type[Request], Decider] = {}


@decides(DECIDERS, RegisterDevice)
def _register_device(step: Step, c: RegisterDevice) -> Outcome:
    user = step.user(step.instance(c.instance_id), c.user_id)
    user.registered_device = c.device_id
    user.registration_expires_ms = step.now + REGISTRATION_MS
    return step.outcome(c, user, None)
