"""Many engine processes on one Redis: contention on the same calls, and a process killed mid-burst.

The workers are this file run as a script: ``python tests/test_redis_concurrency.py URL AGENTS
THREADS SECONDS SEED``. Each thread drives its own engine (network off: the worker sends the
far end's answer itself) as the listed agents, picked at random, for a bounded time: poll, then
hold, retrieve, release (sometimes the wrong one of hold and retrieve, to be refused), get ready,
dial and answer again. It prints what every request answered, and how many commits conflicted.

Afterwards the event stream must be a valid history of the state machines (:func:`replay`),
the records must tell the same story (:func:`check_records`), and every success must be in the
history exactly once: no update lost, none applied twice.
"""

from __future__ import annotations

import json
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import RedisServer

from callstate import (
    ChannelState,
    Engine,
    Event,
    EventType,
    InstanceView,
    JobState,
    Reply,
    default_world,
)
from callstate.domain import AGENT_EVENTS, Party, catalogue

pytestmark = pytest.mark.redis_store

INSTANCE = "ccc-test"
GROUP = "skill-group@ccc-test"
NUMBER = "01012345678"
CALLEE = "13900000000"
DEVICE = "dev-1"
STATUS = {cls.code: cls.http_status for cls in catalogue()}
# What each worker's successes must leave in the history, one event each.
EFFECT = {
    "HoldCall": EventType.Held,
    "RetrieveCall": EventType.Retrieved,
    "MakeCall": EventType.Dialing,
    "FarEndAnswered": EventType.Established,
    "ReleaseCall": EventType.CDRReady,
    "ReadyForService": EventType.AgentReady,
}


def agents(count: int) -> list[str]:
    return [f"agent-{i}@ccc-test" for i in range(count)]


def world(count: int) -> dict[str, Any]:
    doc = default_world().to_dict()
    doc["instances"][0]["users"] += [
        {"userId": a, "extension": f"81{i:04d}", "skillGroups": [GROUP]}
        for i, a in enumerate(agents(count))
    ]
    return doc


# --- the worker --------------------------------------------------------------------------------
class Worker:
    """One thread's engine, acting as any of ``users``."""

    def __init__(self, url: str, users: list[str], seed: int) -> None:
        self.engine = Engine(store=url, network=None)
        self.users = users
        self.rng = random.Random(seed)
        self.tally: Counter[tuple[str, str, int]] = Counter()

    def do(self, action: str, user: str, **params: str) -> Reply:
        request = {"InstanceId": INSTANCE, "UserId": user, "DeviceId": DEVICE, **params}
        reply = self.engine.handle(action, request)
        self.tally[(action, reply.body["Code"], reply.status)] += 1
        return reply

    def answer(self, job: str, leg: str) -> None:
        params = {"InstanceId": INSTANCE, "JobId": job, "ChannelId": leg}
        reply = self.engine.signal("FarEndAnswered", params)
        self.tally[("FarEndAnswered", reply.body["Code"], reply.status)] += 1

    def step(self) -> None:
        user = self.rng.choice(self.users)
        polled = self.do("PollUserStatus", user)
        if not polled.ok:
            return
        data = polled.body["Data"]
        state, job = data["UserContext"]["UserState"], data["CallContext"]["JobId"]
        customer = next(
            (c for c in data["CallContext"]["ChannelContexts"] if not c["UserId"]), None
        )
        if state == "TALKING" and customer is not None:
            roll = self.rng.random()
            if roll < 0.05:
                self.do("ReleaseCall", user, JobId=job)
                return
            held = (customer["ChannelFlags"] == "HOLD") != (roll < 0.25)
            action = "RetrieveCall" if held else "HoldCall"
            self.do(action, user, JobId=job, ChannelId=customer["ChannelId"])
        elif state == "WORKING":
            self.do("ReadyForService", user)
        elif state == "READY":
            made = self.do("MakeCall", user, Caller=NUMBER, Callee=CALLEE)
            if made.ok:
                context = made.body["Data"]["CallContext"]
                legs = context["ChannelContexts"]
                self.answer(context["JobId"], next(c["ChannelId"] for c in legs if not c["UserId"]))
        elif state == "DIALING" and customer is not None:
            self.answer(job, customer["ChannelId"])

    def run(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.step()


def work(url: str, users: list[str], threads: int, seconds: float, seed: int) -> dict[str, Any]:
    """Run ``threads`` workers for ``seconds``; what they did, and the commits that conflicted."""
    from callstate.engine import StoreConflict
    from callstate.engine._redis_tx import RedisTransaction

    conflicts: list[int] = []
    commit = RedisTransaction.commit

    def counted(self: RedisTransaction, *args: Any) -> Any:
        try:
            return commit(self, *args)
        except StoreConflict:
            conflicts.append(1)
            raise

    RedisTransaction.commit = counted  # type: ignore[method-assign,assignment]
    workers = [Worker(url, users, seed * 100 + i) for i in range(threads)]
    print("bursting", flush=True)
    runners = [threading.Thread(target=w.run, args=(seconds,)) for w in workers]
    started = time.perf_counter()
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    elapsed = time.perf_counter() - started
    tally: Counter[tuple[str, str, int]] = Counter()
    for w in workers:
        tally.update(w.tally)
        w.engine.close()
    return {
        "tally": [[*key, n] for key, n in tally.items()],
        "commands": sum(tally.values()),
        "seconds": elapsed,
        "conflicts": len(conflicts),
    }


def spawn(url: str, users: list[str], threads: int, seconds: float, seed: int) -> Any:
    args = [url, ",".join(users), str(threads), str(seconds), str(seed)]
    return subprocess.Popen(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def result(process: Any) -> dict[str, Any]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out.splitlines()[-1])  # type: ignore[no-any-return]


# --- the history -------------------------------------------------------------------------------
@dataclass
class Leg:
    job: str
    answered: bool = False
    held: bool = False
    released: bool = False
    holds: int = 0


@dataclass
class Story:
    """What the event stream says happened."""

    legs: dict[str, Leg] = field(default_factory=dict)
    jobs: set[str] = field(default_factory=set)
    ended: set[str] = field(default_factory=set)
    agents: dict[str, str] = field(default_factory=dict)
    counts: Counter[EventType] = field(default_factory=Counter)


AGENT_MOVES: dict[EventType, tuple[set[str], str | None]] = {
    EventType.AgentCheckIn: ({"OFFLINE", "READY", "BREAK", "WORKING"}, None),
    EventType.AgentReady: ({"OFFLINE", "READY", "BREAK", "WORKING", "RINGING"}, "READY"),
    EventType.AgentDialing: ({"READY"}, "DIALING"),
    EventType.AgentRinging: ({"READY"}, "RINGING"),
    EventType.AgentTalk: ({"DIALING", "RINGING"}, "TALKING"),
    EventType.AgentRelease: ({"DIALING", "TALKING"}, "WORKING"),
    EventType.AgentBreak: ({"READY", "BREAK", "WORKING", "RINGING"}, "BREAK"),
    EventType.AgentCheckOut: ({"READY", "BREAK", "WORKING", "DIALING", "TALKING"}, "OFFLINE"),
}


def replay(events: list[Event]) -> Story:
    """Walk the history through the state rules; any impossible step fails the test."""
    story = Story()
    assert events and events[0].seq == 1, "the whole history, from the first event"
    assert [e.seq for e in events] == list(range(1, len(events) + 1)), "gapless, in order"
    # Each call's and each agent's history is in time order: no record's timestamps go back.
    # (Events of unrelated calls may not be: each process reads its own clock, and unrelated
    # calls never contend, not even for the instance's clock.)
    last_time: dict[str, int] = {}
    for e in events:
        for record in {e.contact_id, e.agent_id} - {""}:
            assert e.time_ms >= last_time.get(record, 0), ("back in time", record, e)
            last_time[record] = e.time_ms
    for e in events:
        story.counts[e.event_type] += 1
        if e.event_type in AGENT_EVENTS:
            allowed, to = AGENT_MOVES[e.event_type]
            now = story.agents.get(e.agent_id, "OFFLINE")
            assert now in allowed, (e, now)
            story.agents[e.agent_id] = to or now
            continue
        assert e.contact_id not in story.ended, ("after the call ended", e)
        story.jobs.add(e.contact_id)
        leg = story.legs.get(e.channel_id)
        if e.event_type is EventType.Dialing:
            assert leg is None, e
            story.legs[e.channel_id] = Leg(e.contact_id)
        elif e.event_type is EventType.Established:
            assert leg is not None and not leg.answered and not leg.released, e
            leg.answered = True
        elif e.event_type is EventType.Held:
            assert leg is not None and leg.answered and not leg.held and not leg.released, e
            assert story.agents[e.agent_id] == "TALKING", e
            leg.held, leg.holds = True, leg.holds + 1
        elif e.event_type is EventType.Retrieved:
            assert leg is not None and leg.held and not leg.released, e
            assert story.agents[e.agent_id] == "TALKING", e
            leg.held = False
        elif e.event_type is EventType.Released:
            if leg is None:  # an agent's leg: answered from the start, announced by nothing
                leg = story.legs[e.channel_id] = Leg(e.contact_id, answered=True)
            assert not leg.released, e
            leg.released, leg.held = True, False
        elif e.event_type is EventType.CDRReady:
            assert e.cdr is not None
            for detail in e.cdr.channels:
                known = story.legs[detail.channel_id]
                assert known.released and known.job == e.contact_id, (e, detail)
                assert detail.hold_count == known.holds, (e, detail)
            story.ended.add(e.contact_id)
    return story


def check_records(story: Story, view: InstanceView | None, events: list[Event]) -> None:
    """The stored records are what the history says: no half-applied command anywhere."""
    assert view is not None
    assert view.seq == events[-1].seq
    assert story.jobs - story.ended <= set(view.jobs), "every live call is kept"
    for job in view.jobs.values():
        assert (job.state is JobState.ENDED) == (job.job_id in story.ended), job
        for ch in job.channels:
            leg = story.legs.get(ch.channel_id)
            if leg is None:  # an agent's leg that was never released
                assert ch.party is Party.USER and ch.state is ChannelState.ANSWERED, ch
                continue
            assert ch.held == leg.held and ch.hold_count == leg.holds, (ch, leg)
            assert (ch.state is ChannelState.RELEASED) == leg.released, (ch, leg)
            if ch.party is Party.CUSTOMER and not leg.released:
                assert (ch.state is ChannelState.ANSWERED) == leg.answered, (ch, leg)
    for uid, user in view.users.items():
        assert user.state.value == story.agents.get(uid, "OFFLINE"), (uid, user.state)


def setup_calls(url: str, users: list[str], count: int) -> Engine:
    """The world on a fresh namespace, and each agent TALKING on a call of its own."""
    engine = Engine(world(count), store=url, network=None)
    for user in users:
        who = {"InstanceId": INSTANCE, "UserId": user, "DeviceId": DEVICE}
        assert engine.handle("SignInGroup", {**who, "SignedSkillGroupIdList": f'["{GROUP}"]'}).ok
        made = engine.handle("MakeCall", {**who, "Caller": NUMBER, "Callee": CALLEE})
        context = made.body["Data"]["CallContext"]
        leg = next(c["ChannelId"] for c in context["ChannelContexts"] if not c["UserId"])
        params = {"InstanceId": INSTANCE, "JobId": context["JobId"], "ChannelId": leg}
        assert engine.signal("FarEndAnswered", params).ok
    return engine


def check_replies(results: list[dict[str, Any]]) -> Counter[str]:
    """Every reply is a success or a catalogued error, never a 500; the successes, by action."""
    ok: Counter[str] = Counter()
    for action, code, status, n in (row for r in results for row in r["tally"]):
        assert code == "OK" or STATUS[code] == status != 500, (action, code, status)
        if code == "OK":
            ok[action] += n
    return ok


def contend(
    url: str, users: list[str], processes: int, threads: int, seconds: float
) -> list[dict[str, Any]]:
    """``processes`` workers of ``threads`` threads each, at once; what each one did."""
    running = [spawn(url, users, threads, seconds, seed) for seed in range(processes)]
    return [result(p) for p in running]


def check_history(engine: Engine, ok: Counter[str], calls: int) -> None:
    """The stream is a valid history, the records tell its story, and every success is in it
    exactly once (``calls``: the answered calls :func:`setup_calls` made)."""
    events = engine.events(INSTANCE)
    story = replay(events)
    check_records(story, engine.view(INSTANCE), events)
    setup = {EventType.Dialing: calls, EventType.Established: calls, EventType.AgentReady: calls}
    for action, effect in EFFECT.items():
        assert story.counts[effect] == ok[action] + setup.get(effect, 0), action


def report(title: str, results: list[dict[str, Any]]) -> None:
    rates = [r["commands"] / r["seconds"] for r in results]
    conflicts = sum(r["conflicts"] for r in results)
    commands = sum(r["commands"] for r in results)
    busy = sum(row[3] for r in results for row in r["tally"] if row[1] == "ServiceUnavailable")
    print(
        f"\n{title}: {len(results)} process(es), per process "
        + ", ".join(f"{rate:.0f}" for rate in rates)
        + f" commands/s, total {sum(rates):.0f}/s; {commands} commands, {conflicts} conflicts"
        + f" (re-decided), {busy} ServiceUnavailable"
    )


# --- the tests ---------------------------------------------------------------------------------
def test_contention_keeps_the_history_valid_and_loses_no_update(redis_server: RedisServer) -> None:
    url = redis_server.url(f"contention-{secrets.token_hex(4)}", log_size=1_000_000)
    shared = agents(3)
    engine = setup_calls(url, [*shared, "agent-3@ccc-test"], 4)

    alone = result(spawn(url, ["agent-3@ccc-test"], 1, 2, 99))  # one process, no contention
    report("alone (1 thread, its own call)", [alone])
    results = contend(url, shared, 4, 2, 5)
    report("contention (2 threads each, 3 shared calls)", results)

    ok = check_replies([alone, *results])
    assert ok["HoldCall"] and ok["RetrieveCall"] and ok["ReleaseCall"]
    check_history(engine, ok, 4)
    engine.close()


def test_a_process_killed_mid_burst_leaves_no_half_applied_command(
    redis_server: RedisServer,
) -> None:
    url = redis_server.url(f"crash-{secrets.token_hex(4)}", log_size=1_000_000)
    shared = agents(3)
    engine = setup_calls(url, shared, 3)
    processes = [spawn(url, shared, 2, 4, seed) for seed in range(3)]
    victim = processes.pop(0)
    assert victim.stdout.readline() == "bursting\n"
    time.sleep(1.0)  # in the middle of its burst
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(10) == -signal.SIGKILL
    survivors = [result(p) for p in processes]
    check_replies(survivors)

    restarted = result(spawn(url, shared, 1, 1, 7))  # a new process picks up where they left
    ok = check_replies([restarted])
    assert ok["PollUserStatus"] > 0

    events = engine.events(INSTANCE)
    check_records(replay(events), engine.view(INSTANCE), events)
    for action in ("HoldCall", "RetrieveCall"):
        assert any(row[0] == action and row[1] == "OK" for r in survivors for row in r["tally"])
    engine.close()


if __name__ == "__main__":
    url, users, threads, seconds, seed = sys.argv[1:]
    outcome = work(url, users.split(","), int(threads), float(seconds), int(seed))
    print(json.dumps(outcome))
