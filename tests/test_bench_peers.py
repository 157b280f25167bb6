"""The benchmark's peers and baseline are honest: they implement callstate's rules exactly.

Random sequences of W1/W3 operations (valid and invalid: hold while dialling, retrieve an
active leg, hold a released leg, answer twice, the agent's leg answered by the far end, an
unknown call or leg, another agent's call...) are applied to callstate's domain, to its engine,
and to every peer of ``benchmarks/peers``; every step must be accepted or refused identically,
with the same error code, and leave the same agent states, leg states and hold intervals.
W2's hand-written baseline must answer callstate's bodies.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the benchmarks package lives beside callstate, uninstalled

pytest.importorskip("statemachine")  # python-statemachine: the bench extra

from benchmarks.baseline import Baseline  # noqa: E402
from benchmarks.peers import CONTENDERS, Call, Contender, Refused, load  # noqa: E402
from benchmarks.subject import (  # noqa: E402
    CALLEE,
    INSTANCE,
    START,
    CallstateEngine,
    agent_ids,
    device_of,
    open_call,
    sign_in,
    world_dict,
)
from callstate import Engine, Ids, ManualClock, MemoryStore  # noqa: E402

AGENTS = agent_ids(2)
MINE, LAST, UNKNOWN = -1, -2, -3  # the acting agent's latest call, the latest call, no call
KINDS = ("make_call", "answer", "hold", "retrieve", "release", "ready")

Op = tuple[str, int, int, str]  # kind, agent index, job reference, leg ("agent" / "customer"...)
Jobs = list[tuple[int, Call]]  # every call made, with the index of the agent who made it


def contenders() -> dict[str, Contender]:
    built: dict[str, Contender] = {key: load(key)(AGENTS) for key in CONTENDERS}
    built["callstate-engine"] = CallstateEngine(AGENTS)
    return built


def _leg(call: Call | None, leg: str) -> str:
    if call is None or leg == "unknown":
        return "ch-unknown"
    if leg == "":
        return ""
    return call.agent_leg if leg == "agent" else call.customer_leg


def _call(jobs: Jobs, who: int, ref: int) -> Call | None:
    if ref == MINE:
        return next((call for by, call in reversed(jobs) if by == who), None)
    if ref == UNKNOWN or not jobs:
        return None
    return jobs[-1][1] if ref == LAST else jobs[ref % len(jobs)][1]


def apply(contender: Contender, jobs: Jobs, op: Op, now: int) -> str:
    """Apply one operation; answer ``ok`` or the refusal's code."""
    kind, who, ref, leg = op
    uid = AGENTS[who]
    call = _call(jobs, who, ref)
    job = call.job_id if call else "job-unknown"
    channel = _leg(call, leg) or (call.customer_leg if call and kind != "release" else "")
    try:
        if kind == "make_call":
            jobs.append((who, contender.make_call(uid, CALLEE, now)))
        elif kind == "answer":
            contender.far_end_answered(job, channel or "ch-unknown", now)
        elif kind == "hold":
            contender.hold(uid, job, channel or "ch-unknown", now)
        elif kind == "retrieve":
            contender.retrieve(uid, job, channel or "ch-unknown", now)
        elif kind == "release":
            contender.release(uid, job, channel, now)
        else:
            contender.ready(uid, now)
    except Refused as refused:
        return refused.code
    return "ok"


def observe(contender: Contender, jobs: Jobs) -> dict[str, Any]:
    """Every agent's state, every leg's state and hold intervals, and the events so far."""
    seen: dict[str, Any] = {
        f"agent {i}": contender.agent_state(uid) for i, uid in enumerate(AGENTS)
    }
    seen["events"] = contender.published()
    for i, (_, call) in enumerate(jobs):
        for leg in ("agent", "customer"):
            channel = call.agent_leg if leg == "agent" else call.customer_leg
            seen[f"job {i} {leg}"] = (contender.leg_state(call.job_id, channel),
                                      contender.holds(call.job_id, channel))  # fmt: skip
    return seen


def run_everywhere(ops: list[Op]) -> None:
    built = contenders()
    jobs: dict[str, Jobs] = {name: [] for name in built}
    for step, op in enumerate(ops):
        now = START + 1000 * (step + 1)
        outcomes = {name: apply(c, jobs[name], op, now) for name, c in built.items()}
        assert len(set(outcomes.values())) == 1, f"step {step} {op}: {outcomes}"
        states = {name: observe(c, jobs[name]) for name, c in built.items()}
        reference = states["callstate"]
        for name, state in states.items():
            assert state == reference, f"step {step} {op}: {name} {state} != callstate {reference}"


one_op = st.tuples(
    st.sampled_from([*KINDS, "hold", "retrieve"]),
    st.integers(0, len(AGENTS) - 1),
    st.one_of(st.sampled_from([MINE, MINE, MINE, LAST, UNKNOWN]), st.integers(0, 3)),
    st.sampled_from(["customer", "customer", "customer", "agent", "unknown", ""]),
)
# Whole steps of a call, so that random sequences reach talking, held and released legs often.
macro = st.integers(0, len(AGENTS) - 1).flatmap(
    lambda who: st.sampled_from([
        [("make_call", who, MINE, ""), ("answer", who, MINE, "customer")],
        [("hold", who, MINE, "customer"), ("retrieve", who, MINE, "customer")],
        [("hold", who, MINE, "customer")],
        [("retrieve", who, MINE, "customer")],
        [("hold", who, MINE, "agent"), ("retrieve", who, MINE, "agent")],
        [("release", who, MINE, ""), ("ready", who, MINE, "")],
    ])
)  # fmt: skip


def _flat(chunks: list[list[Op]]) -> list[Op]:
    """The chunks in order, after a first answered call of agent 0 unless they start with one."""
    flat = [op for chunk in chunks for op in chunk]
    if flat[0][0] == "make_call":
        return flat
    return [("make_call", 0, MINE, ""), ("answer", 0, MINE, "customer"), *flat]


ops = st.lists(st.one_of(macro, macro, one_op.map(lambda op: [op])), min_size=2, max_size=16).map(
    _flat
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_every_contender_accepts_and_refuses_like_callstate(sequence: list[Op]) -> None:
    run_everywhere(sequence)


A, B = 0, 1
SCRIPTED: list[tuple[Op, str]] = [
    (("hold", A, UNKNOWN, "customer"), "NotExists.JobId"),
    (("ready", A, LAST, ""), "ok"),  # READY -> READY
    (("make_call", A, LAST, ""), "ok"),
    (("make_call", A, LAST, ""), "InvalidOperation.UserState"),  # already dialling
    (("hold", A, LAST, "customer"), "InvalidOperation.UserState"),  # dialling, not talking
    (("hold", B, LAST, "customer"), "Permission.JobId"),  # not a participant
    (("answer", A, LAST, "agent"), "Parameter.Invalid"),  # the far end answers its own leg
    (("answer", A, LAST, "unknown"), "NotExists.ChannelId"),
    (("answer", A, LAST, "customer"), "ok"),
    (("answer", A, LAST, "customer"), "InvalidOperation.ChannelState"),  # answered twice
    (("retrieve", A, LAST, "customer"), "InvalidOperation.ChannelState"),  # not held
    (("hold", A, LAST, "customer"), "ok"),
    (("hold", A, LAST, "customer"), "InvalidOperation.ChannelState"),  # held twice
    (("hold", A, LAST, "agent"), "ok"),  # any leg of the call
    (("retrieve", A, LAST, "agent"), "ok"),
    (("ready", A, LAST, ""), "InvalidOperation.UserState"),  # talking
    (("release", A, LAST, ""), "ok"),  # closes the customer's open hold
    (("hold", A, LAST, "customer"), "Permission.JobId"),  # the agent's leg is released
    (("release", A, LAST, ""), "Permission.JobId"),
    (("answer", A, LAST, "customer"), "InvalidOperation.ChannelState"),  # released
    (("ready", A, LAST, ""), "ok"),  # WORKING -> READY
    (("make_call", B, LAST, ""), "ok"),
    (("release", B, LAST, "customer"), "ok"),  # cancelling while dialling, by the customer's leg
    (("make_call", B, LAST, ""), "InvalidOperation.UserState"),  # working
]


def test_scripted_refusals_are_the_ones_claimed() -> None:
    built = contenders()
    jobs: dict[str, Jobs] = {name: [] for name in built}
    for step, (op, expected) in enumerate(SCRIPTED):
        now = START + 1000 * (step + 1)
        outcomes = {name: apply(c, jobs[name], op, now) for name, c in built.items()}
        assert set(outcomes.values()) == {expected}, f"step {step} {op}: {outcomes}"
    # the customer's hold was closed when the call ended, and both holds were counted once
    domain = built["callstate"]
    first = jobs["callstate"][0][1]
    assert domain.holds(first.job_id, first.customer_leg) == [(START + 12_000, START + 17_000)]
    assert domain.holds(first.job_id, first.agent_leg) == [(START + 14_000, START + 15_000)]
    for name, c in built.items():
        assert observe(c, jobs[name]) == observe(domain, jobs["callstate"]), name


# --- W2's baseline -------------------------------------------------------------------------------
def test_baseline_answers_callstates_bodies() -> None:
    clock = ManualClock(START)
    request_ids = (f"R-{i:04d}" for i in itertools.count())
    engine = Engine(
        world_dict(AGENTS), clock=clock, ids=Ids(request_ids=request_ids), store=MemoryStore(),
        network=None,
    )  # fmt: skip
    for uid in AGENTS:
        sign_in(engine, uid)
    a, b = AGENTS
    call = open_call(engine, a)
    view = engine.view(INSTANCE)
    baseline = Baseline.from_view(view, clock=clock, request_id=lambda: "R-0000")

    def both(action: str, **params: str) -> None:
        clock.advance(1000)
        wire = {"InstanceId": INSTANCE, "UserId": a, "DeviceId": device_of(a),
                "JobId": call.job_id, "ChannelId": call.customer_leg, **params}  # fmt: skip
        reply = engine.handle(action, wire)
        status, body = baseline.handle(action, wire)
        ours, theirs = json.loads(body), json.loads(reply.to_json().encode("utf-8"))
        assert (status, ours["Code"]) == (reply.status, theirs["Code"]), (action, params, theirs)
        if reply.ok:
            assert len(body) == len(reply.to_json().encode("utf-8"))
            assert len(ours.pop("RequestId")) == len(theirs.pop("RequestId"))
            assert ours == theirs

    for _ in range(3):
        both("HoldCall")
        both("HoldCall")  # held twice
        both("RetrieveCall")
        both("RetrieveCall")  # not held
    both("HoldCall", ChannelId=call.agent_leg)
    both("RetrieveCall", ChannelId=call.agent_leg)
    both("HoldCall", JobId="job-unknown")
    both("HoldCall", ChannelId="ch-unknown")
    both("HoldCall", UserId=b, DeviceId=device_of(b))  # not a participant
    both("HoldCall", DeviceId="another-device")
    both("HoldCall", ChannelId=" ")
    both("RetrieveCall", UserId="")
