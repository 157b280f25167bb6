"""``callstate demo``: a scenario played on a world, every request, response and event printed.

Three scenarios, on a manual clock at fixed instants, so the output is the same on every run:

* ``hold`` (the default): the seed's outbound call (``HoldCall.md``): sign in, dial
  13188888888, hold, retrieve, hang up, get ready;
* ``inbound``: a customer calls the bundled number while the agent is on break: the call
  queues (the group's board shows it waiting), the agent gets ready and the call rings at once,
  the agent answers, holds, retrieves and hangs up;
* ``transfer``: a consultation, then the transfer: a customer calls, the agent answers and
  consults a colleague (the customer waits on hold), the colleague answers, the agent completes
  the transfer (the customer is retrieved and talks with the colleague) and wraps up; the
  colleague hangs up. It needs a second agent: on the bundled world the demo adds
  ``colleague@ccc-test`` (extension 80011475) to the skill group.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TextIO

from .domain import Event, World, iso_time
from .engine import Engine, Ids, ManualClock, default_world

__all__ = ["SCENARIOS", "play"]

INSTANCE = "ccc-test"
AGENT = "user-test@ccc-test"
DEVICE = "ACC-YUNBS-1.0.10-bs990cd82101cc000176af19ec8e"
COLLEAGUE = "colleague@ccc-test"
COLLEAGUE_DEVICE = "ACC-YUNBS-1.0.10-colleague"
NUMBER = "01012345678"
SIGN_IN = {"SignedSkillGroupIdList": '["skill-group@ccc-test"]'}

# The seed's scenario (HoldCall.md), on the bundled world, at the seed's instants (epoch ms).
# MakeCall at ...825; the world makes 13188888888 answer 1075 ms later, at ...900.
SIGN_IN_AT = 1_609_255_700_000
DIAL_AT = 1_609_255_715_825
HOLD_AT = 1_609_255_716_908
RETRIEVE_AT = 1_609_255_746_908
HANG_UP_AT = 1_609_255_776_908
READY_AT = 1_609_255_786_908

#: Sends one request at an instant, as ``who`` sends it (the agent; the network: a signal; a
#: supervisor: an agent-less action), and answers its reply's body.
Step = Callable[..., dict[str, Any]]


def _hold(step: Step) -> None:
    step(SIGN_IN_AT, "SignInGroup", **SIGN_IN)
    made = step(DIAL_AT, "MakeCall", Caller=NUMBER, Callee="13188888888")
    job = made["Data"]["CallContext"]["JobId"]
    customer = _customer_leg(made)
    step(HOLD_AT, "HoldCall", JobId=job, ChannelId=customer)
    step(RETRIEVE_AT, "RetrieveCall", JobId=job, ChannelId=customer)
    step(HANG_UP_AT, "ReleaseCall", JobId=job)
    step(READY_AT, "ReadyForService")


def _inbound(step: Step) -> None:
    at = SIGN_IN_AT
    step(at, "SignInGroup", **SIGN_IN)
    step(at + 5_000, "TakeBreak", Code="Coffee")
    arrived = step(at + 10_000, "CallArrived", who="network", Caller="13100000000", Callee=NUMBER)
    job = arrived["Data"]["CallContext"]["JobId"]
    customer = _customer_leg(arrived)
    step(at + 25_000, "ListRealtimeSkillGroupStates", who="supervisor", PageNumber="1",
         PageSize="10")  # fmt: skip
    step(at + 30_000, "ReadyForService")  # the waiting call is offered at once: RINGING
    step(at + 33_000, "AnswerCall", JobId=job)
    step(at + 60_000, "HoldCall", JobId=job, ChannelId=customer)
    step(at + 75_000, "RetrieveCall", JobId=job, ChannelId=customer)
    step(at + 120_000, "ReleaseCall", JobId=job)


def _transfer(step: Step) -> None:
    at = SIGN_IN_AT
    step(at, "SignInGroup", **SIGN_IN)
    step(at + 1_000, "SignInGroup", who="colleague", **SIGN_IN)
    # the agent has been READY longest: the group's MOST_IDLE strategy offers it the call
    arrived = step(at + 10_000, "CallArrived", who="network", Caller="13100000000", Callee=NUMBER)
    job = arrived["Data"]["CallContext"]["JobId"]
    step(at + 13_000, "AnswerCall", JobId=job)
    step(at + 40_000, "InitiateAttendedTransfer", JobId=job, Transferee=COLLEAGUE,
         TransfereeType="AGENT")  # fmt: skip
    step(at + 44_000, "AnswerCall", who="colleague", JobId=job)
    step(at + 70_000, "CompleteAttendedTransfer", JobId=job)
    step(at + 130_000, "ReleaseCall", who="colleague", JobId=job)


def _with_a_colleague(world: World) -> dict[str, Any]:
    """``world`` with the transfer scenario's second agent in the first skill group."""
    document = world.to_dict()
    instance = document["instances"][0]
    group = instance["skillGroups"][0]["skillGroupId"]
    instance["users"].append({"userId": COLLEAGUE, "extension": "80011475", "skillGroups": [group]})
    return document


def _customer_leg(body: dict[str, Any]) -> str:
    legs = body["Data"]["CallContext"]["ChannelContexts"]
    return str(next(leg["ChannelId"] for leg in legs if leg["UserId"] == ""))


#: The scenarios by name (the first is the default).
SCENARIOS: dict[str, Callable[[Step], None]] = {
    "hold": _hold,
    "inbound": _inbound,
    "transfer": _transfer,
}


def play(scenario: str, world: str | None, response_format: str, out: TextIO) -> int:
    """Play ``scenario`` on ``world`` (a file, or ``None``: bundled), printing to ``out``."""
    clock = ManualClock(SIGN_IN_AT)
    source: str | dict[str, Any] | None = world
    if scenario == "transfer" and world is None:
        source = _with_a_colleague(default_world())
    engine = Engine(source, clock=clock, ids=Ids(seed=2020))
    engine.subscribe(lambda event: _print_event(event, out))
    senders = {
        "agent": {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": DEVICE},
        "colleague": {"InstanceId": INSTANCE, "UserId": COLLEAGUE, "DeviceId": COLLEAGUE_DEVICE},
        "network": {"InstanceId": INSTANCE},
        "supervisor": {"InstanceId": INSTANCE},
    }

    def step(at: int, action: str, *, who: str = "agent", **params: str) -> dict[str, Any]:
        clock.set(at)
        request = {**senders[who], **params}
        out.write(f"\n>>> {action} at {iso_time(at)}\n    {json.dumps(request)}\n")
        reply = (engine.signal if who == "network" else engine.handle)(action, request)
        if response_format == "xml":
            out.write(reply.to_xml() + "\n")
        else:
            out.write(json.dumps(reply.body, indent=2, ensure_ascii=False) + "\n")
        if not reply.ok:
            raise SystemExit(f"demo: {action} failed: {reply.body['Message']}")
        return reply.body

    SCENARIOS[scenario](step)
    return 0


def _print_event(event: Event, out: TextIO) -> None:
    out.write(f"    event {json.dumps(event.to_dict(), ensure_ascii=False)}\n")
