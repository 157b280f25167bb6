"""RedialCall: call an earlier call's customer again, as MakeCall would.

The earlier call names the numbers: its customer's (the callee of an outbound call, the caller
of an inbound one: :data:`NUMBERS`) and the centre's. Only an agent who had a leg in it may
redial it (``Permission.JobId``); a call with no customer (a conference of agents) has nothing
to redial (``InvalidOperation.NoCustomer``). The rest is MakeCall's decision, checks and rows
included (the agent's state, the device, the caller's number), answered as RedialCall.
"""

from __future__ import annotations

import attrs

from . import _commands as cmd
from ._call_control import DECIDERS as CALL_CONTROL
from ._device_commands import RedialCall
from ._errors import InvalidOperationNoCustomer, ParameterInvalid, PermissionJobId
from ._records import CallType, Job
from ._requests import Request
from ._step import Decider, Outcome, Step, decides

__all__ = ["DECIDERS", "NUMBERS"]

#: The call type -> (the centre's number, the customer's number) of a call of that type.
NUMBERS: dict[CallType, tuple[str, str]] = {
    CallType.OUTBOUND: ("caller", "callee"),
    CallType.INBOUND: ("callee", "caller"),
}

#: The decider of RedialCall.
DECIDERS: dict[type[Request], Decider] = {}


def _numbers(step: Step, c: RedialCall) -> tuple[str, str]:
    """(caller, callee) of the redial: the request's, or the earlier call's."""
    if not c.job_id:
        return c.caller, c.callee
    inst = step.instance(c.instance_id)
    user = step.user(inst, c.user_id)
    earlier: Job = step.job(inst, c.job_id)
    if earlier.leg_of(user.user_id) is None:
        raise PermissionJobId(user.user_id, earlier.job_id)
    if earlier.call_type not in NUMBERS:
        raise InvalidOperationNoCustomer(earlier.job_id)
    centre, customer = (getattr(earlier, name) for name in NUMBERS[earlier.call_type])
    if c.callee and c.callee != customer:
        raise ParameterInvalid("Callee", f"It is not the customer's number of {earlier.job_id}")
    return c.caller or centre, customer


@decides(DECIDERS, RedialCall)
def _redial_call(step: Step, c: RedialCall) -> Outcome:
    caller, callee = _numbers(step, c)
    dial = cmd.MakeCall(c.instance_id, callee=callee, user_id=c.user_id, caller=caller,
                        device_id=c.device_id, timeout_seconds=c.timeout_seconds)  # fmt: skip
    return attrs.evolve(CALL_CONTROL[cmd.MakeCall](step, dial), request=c)
