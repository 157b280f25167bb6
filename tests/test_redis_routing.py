"""Routing on Redis: assignment atomic across engine processes, timers fired once by any of them.

The Redis store keeps each queue's eligible agents and waiting calls, and the instance's timers,
in sorted sets its commit script writes with the records (docs/redis.md, "Routing"). These tests
drive several engines on one namespace and check the history and the state: never a call
offered to two agents at once, never an agent ringing for two calls, never a READY agent of a
group beside a call waiting in it; a ring timeout scheduled by a process that was killed is
applied by another, once.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import secrets
import signal
import threading
import time
from collections import Counter
from typing import Any

import pytest
from conftest import RedisServer

from callstate import Engine, Event, EventType, Ids, InstanceView, ManualClock, default_world
from callstate.domain import (
    AnswerCall,
    CallArrived,
    PollUserStatus,
    ReadyForService,
    ReleaseCall,
    SignInGroup,
    TakeBreak,
    UserState,
    agent_places,
    call_place,
    decide,
)
from callstate.engine import StoreConflict
from callstate.engine._redis import RedisStore

pytestmark = pytest.mark.redis_store

INSTANCE = "ccc-test"
GROUP = "skill-group@ccc-test"
QUEUE = f"SkillGroup/{GROUP}"
NUMBER = "01012345678"
START = 1_700_000_000_000


def agents(count: int) -> list[str]:
    return [f"agent-{i}@ccc-test" for i in range(count)]


def world(count: int, ring_timeout_ms: int = 30_000) -> dict[str, Any]:
    doc = default_world().to_dict()
    doc["instances"][0]["ringTimeoutMs"] = ring_timeout_ms
    doc["instances"][0]["users"] += [
        {"userId": a, "extension": f"81{i:04d}", "skillGroups": [GROUP]}
        for i, a in enumerate(agents(count))
    ]
    return doc


def group_of(i: int) -> str:
    return f"group-{i}@ccc-test"


def number_of(i: int) -> str:
    return f"0101000{i:04d}"


def world_of_groups(count: int) -> dict[str, Any]:
    """``count`` agents, each alone in a group of its own, with a number routed to it."""
    doc = world(0)
    instance = doc["instances"][0]
    instance["skillGroups"] += [{"skillGroupId": group_of(i), "name": f"g{i}"}
                                for i in range(count)]  # fmt: skip
    instance["numbers"] += [number_of(i) for i in range(count)]
    instance["routes"] = {number_of(i): {"skillGroup": group_of(i)} for i in range(count)}
    instance["users"] += [
        {"userId": a, "extension": f"81{i:04d}", "skillGroups": [group_of(i)]}
        for i, a in enumerate(agents(count))
    ]
    return doc


def sign_in(engine: Engine, user: str, group: str = GROUP) -> None:
    result = engine.execute(
        SignInGroup(INSTANCE, signed_skill_group_id_list=(group,), device_id="d", user_id=user)
    )
    assert result.ok, result
    assert engine.execute(ReadyForService(INSTANCE, user_id=user)).ok


def arrive(engine: Engine, caller: str = "13900000001") -> str:
    result = engine.execute(CallArrived(INSTANCE, caller=caller, callee=NUMBER))
    assert result.ok and result.job is not None, result
    return result.job.job_id


def check_offers(events: list[Event]) -> Counter[EventType]:
    """Walk the history: an offer (a ringing agent leg) is one call to one agent at a time."""
    assert [e.seq for e in events] == list(range(1, len(events) + 1)), "the whole history"
    ringing_job: dict[str, str] = {}  # JobId -> the agent it rings
    ringing_agent: dict[str, str] = {}  # UserId -> the call ringing it
    legs: dict[str, tuple[str, str]] = {}  # a ringing agent leg -> (JobId, UserId)
    counts: Counter[EventType] = Counter()
    for e in events:
        counts[e.event_type] += 1
        if e.event_type is EventType.Ringing and e.agent_id:
            assert e.contact_id not in ringing_job, ("offered to two agents at once", e)
            assert e.agent_id not in ringing_agent, ("an agent ringing for two calls", e)
            ringing_job[e.contact_id] = ringing_agent[e.agent_id] = e.agent_id
            ringing_agent[e.agent_id] = e.contact_id
            legs[e.channel_id] = (e.contact_id, e.agent_id)
        elif e.event_type in (EventType.Established, EventType.Released) and e.channel_id in legs:
            job, agent = legs.pop(e.channel_id)
            del ringing_job[job], ringing_agent[agent]
    return counts


def check_no_idle_pair(view: InstanceView | None) -> tuple[int, int]:
    """No READY agent eligible for a queue beside a call waiting in it; answers both counts."""
    assert view is not None
    waiting = {p[0] for j in view.jobs.values() if (p := call_place(j)) is not None}
    ready = {q for u in view.users.values() for q in agent_places(u, view.config)}
    assert not waiting & ready, ("a free agent and a waiting call coexist", waiting & ready)
    ringing: Counter[str] = Counter()
    for job in view.jobs.values():
        for leg in job.channels:
            if leg.user_id and leg.state.value == "RINGING":
                ringing[leg.user_id] += 1
                assert view.users[leg.user_id].job_id == job.job_id, (leg, job.job_id)
    assert all(n == 1 for n in ringing.values()), ringing
    calls = sum(call_place(j) is not None for j in view.jobs.values())
    return calls, sum(u.state is UserState.READY for u in view.users.values())


# --- (a) four processes routing at once -------------------------------------------------------
def settle(engine: Engine, user: str, rng: random.Random) -> None:
    """Bring the agent to BREAK: answer and release what rings (or decline it), then rest."""
    while True:
        polled = engine.execute(PollUserStatus(INSTANCE, user_id=user))
        assert polled.ok and polled.user is not None, polled
        state, job = polled.user.state, polled.user.job_id
        if state is UserState.BREAK:
            return
        if state is UserState.RINGING and rng.random() < 0.8:
            request: Any = AnswerCall(INSTANCE, job_id=job, user_id=user)
        elif state in (UserState.RINGING, UserState.TALKING):
            request = ReleaseCall(INSTANCE, job_id=job, user_id=user)  # ringing: a decline
        else:
            request = TakeBreak(INSTANCE, code="rest", user_id=user)
        engine.execute(request)  # refused when another process moved the call on first


def route_worker(url: str, role: int, indexes: range, rounds: int, barrier: Any,
                 out: Any) -> None:  # fmt: skip
    """One engine process, in rounds: calls arrive (roles 0, 1) while agents get ready (2, 3).

    Agent ``i`` is alone in group ``i``, whose number the arrivals call in the same order as the
    agents get ready: each call and each agent race to a queue the other has not reached yet.
    At the end of each round's burst, role 0 checks that no READY agent sits beside a waiting
    call (a lost race would stay until then); then the agents answer, release or decline what
    rings them, and rest.
    """
    engine = Engine(store=url, network=None)
    rng = random.Random(role)
    seen: Counter[str] = Counter()
    users = [f"agent-{i}@ccc-test" for i in indexes] if role >= 2 else []
    for i, user in zip(indexes, users, strict=False):
        sign_in(engine, user, group_of(i))
        assert engine.execute(TakeBreak(INSTANCE, code="rest", user_id=user)).ok
    idle_pairs = 0
    for _ in range(rounds):
        barrier.wait()
        for i in indexes:
            if role < 2:
                caller = f"139{rng.randrange(10**8):08d}"
                request: Any = CallArrived(INSTANCE, caller=caller, callee=number_of(i))
            else:
                request = ReadyForService(INSTANCE, user_id=f"agent-{i}@ccc-test")
            result = engine.execute(request)
            seen[f"{request.action} {'ok' if result.ok else result.reply.body['Code']}"] += 1
        barrier.wait()
        if role == 0:
            try:
                check_no_idle_pair(engine.view(INSTANCE))
            except AssertionError:
                idle_pairs += 1
        barrier.wait()
        for user in users:
            settle(engine, user, rng)
    engine.close()
    out.put((role, seen, idle_pairs))


def test_four_processes_never_double_offer_and_leave_no_idle_pair(
    redis_server: RedisServer,
) -> None:
    url = redis_server.url(f"route-{secrets.token_hex(4)}", log_size=10**7)
    first = Engine(world_of_groups(16), store=url, network=None)  # provisions the namespace
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(4), context.Queue()
    halves = [range(0, 8), range(8, 16)] * 2
    workers = [context.Process(target=route_worker, args=(url, role, halves[role], 25, barrier,
                                                          out))
               for role in range(4)]  # fmt: skip
    for worker in workers:
        worker.start()
    results = [out.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(30)
    seen: Counter[str] = sum((r[1] for r in results), Counter())
    idle_pairs = sum(r[2] for r in results)
    events = first.events(INSTANCE)
    counts = check_offers(events)
    check_no_idle_pair(first.view(INSTANCE))
    first.close()
    assert idle_pairs == 0, f"{idle_pairs} rounds ended with a READY agent beside a waiting call"
    assert not any("InternalService" in k for k in seen), seen
    # the workload did route: calls were assigned, answered and declined
    assert counts[EventType.AssignAgent] > 100 and counts[EventType.Established] > 100, counts
    assert counts[EventType.AgentBreak] > 400, counts


# --- (b) a ring timeout whose process was killed ------------------------------------------------
def offering_process(url: str, ready: Any) -> None:
    """Offer a call to agent-0 (agent-1 free too), then wait to be killed."""
    engine = Engine(store=url, network=None, clock=ManualClock(START), ids=Ids(seed=3))
    for user in agents(2):
        sign_in(engine, user)
        engine.clock.advance(10)  # type: ignore[attr-defined]
    arrive(engine)
    ready.set()
    time.sleep(60)


def test_a_ring_timeout_of_a_killed_process_is_applied_once_by_another(
    redis_server: RedisServer,
) -> None:
    url = redis_server.url(f"ring-{secrets.token_hex(4)}")
    # It committed before the offer was made: what it knew of the timers then is no excuse.
    earlier = Engine(world(2, ring_timeout_ms=5_000), store=url, network=None,
                     clock=ManualClock(START - 1_000))  # fmt: skip
    assert earlier.execute(PollUserStatus(INSTANCE, user_id=agents(2)[1])).ok
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    offering = context.Process(target=offering_process, args=(url, ready))
    offering.start()
    try:
        assert ready.wait(60), "the offering process did not get there"
    finally:
        assert offering.pid is not None
        os.kill(offering.pid, signal.SIGKILL)
        offering.join(10)
    before = earlier.view(INSTANCE)
    assert before is not None and before.users["agent-0@ccc-test"].state is UserState.RINGING
    earlier.clock = ManualClock(START + 6_000)
    earlier.tick()
    assert check_offers(earlier.events(INSTANCE))[EventType.RingingTimeout] == 1
    view = earlier.view(INSTANCE)
    assert view is not None
    assert view.users["agent-0@ccc-test"].state is UserState.BREAK
    assert view.users["agent-1@ccc-test"].state is UserState.RINGING
    check_no_idle_pair(view)
    # agent-1's offer rings out in turn, with four engines past it at once: it fires once
    later = START + 12_000
    engines = [Engine(store=url, network=None, clock=ManualClock(later)) for _ in range(3)]
    earlier.clock = ManualClock(later)
    threads = [threading.Thread(target=e.tick) for e in [*engines, earlier] for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events = earlier.events(INSTANCE)
    assert check_offers(events)[EventType.RingingTimeout] == 2
    assigned = [e.agent_id for e in events if e.event_type is EventType.AssignAgent]
    assert assigned == ["agent-0@ccc-test", "agent-1@ccc-test"]
    view = earlier.view(INSTANCE)
    assert view is not None
    assert [view.users[a].state for a in agents(2)] == [UserState.BREAK] * 2
    assert [call_place(j) is not None for j in view.jobs.values()] == [True]
    for engine in [*engines, earlier]:
        engine.close()


# --- (c) the indexes are what the records declare -----------------------------------------------
def drive(engine: Engine) -> dict[str, Any]:
    """Agents sign in, five calls arrive for three agents, one declines, time passes."""
    clock = engine.clock
    assert isinstance(clock, ManualClock)
    for user in agents(3):
        sign_in(engine, user)
        clock.advance(5)
    jobs = [arrive(engine, f"1390000000{i}") for i in range(5)]
    clock.advance(1_000)
    assert engine.execute(AnswerCall(INSTANCE, job_id=jobs[0], user_id=agents(3)[0])).ok
    assert engine.execute(ReleaseCall(INSTANCE, job_id=jobs[1], user_id=agents(3)[1])).ok
    clock.advance(31_000)  # the third offer rings out: its call goes back to the queue
    engine.tick()
    snapshot: dict[str, Any] = engine.snapshot()["instances"][INSTANCE]
    return snapshot


def test_queues_and_timers_agree_with_the_memory_store_and_the_records(
    redis_server: RedisServer,
) -> None:
    on_memory = Engine(world(3), store="memory", network=None, clock=ManualClock(START),
                       ids=Ids(seed=5))  # fmt: skip
    url = redis_server.url(f"agree-{secrets.token_hex(4)}")
    on_redis = Engine(world(3), store=url, network=None, clock=ManualClock(START), ids=Ids(seed=5))
    memory, stored = drive(on_memory), drive(on_redis)
    assert stored["queues"] == memory["queues"] and stored["timers"] == memory["timers"]
    assert memory["queues"][QUEUE] and len(memory["timers"]) >= 3, memory
    store = on_redis.store
    assert isinstance(store, RedisStore)
    prefix = f"cs:{{{store.namespace}:{INSTANCE}}}:"
    for queue, calls in memory["queues"].items():
        assert [m[16:] for m in store.client.zrange(prefix + "qc:" + queue, 0, -1)] == calls
    timers: Any = store.client.zrange(prefix + "timers", 0, -1, withscores=True)
    assert [int(due) for _, due in timers] == [t["dueMs"] for t in memory["timers"]]
    assert len(store.client.keys(prefix + "q[ac]:*")) >= 1
    on_memory.close()
    on_redis.close()


# --- a decision that read a queue conflicts with a commit that changed it -----------------------
def test_a_decision_on_a_queue_another_commit_changed_conflicts(redis_server: RedisServer) -> None:
    """An arrival and an agent getting ready, decided at once: the second to commit re-decides.

    Each read the other's queue set empty; committed both, the call would wait beside a READY
    agent. The queue set's version makes the second commit conflict, and decided again it pairs
    them.
    """
    url = redis_server.url(f"race-{secrets.token_hex(4)}")
    engine = Engine(world(1), store=url, network=None, clock=ManualClock(START))
    user = agents(1)[0]
    result = engine.execute(
        SignInGroup(INSTANCE, signed_skill_group_id_list=(GROUP,), device_id="d", user_id=user)
    )
    assert result.ok
    result = engine.execute(TakeBreak(INSTANCE, code="rest", user_id=user))
    assert result.ok and result.user is not None and result.user.state is UserState.BREAK
    store = engine.store
    assert isinstance(store, RedisStore)
    now = START + 10
    arrival = store.begin(engine.ids.draft())
    decide(arrival, CallArrived(INSTANCE, caller="13900000001", callee=NUMBER), now)
    getting_ready = store.begin(engine.ids.draft())
    decide(getting_ready, ReadyForService(INSTANCE, user_id=user), now)
    arrival.commit(INSTANCE, now, [])
    with pytest.raises(StoreConflict):
        getting_ready.commit(INSTANCE, now, [])
    engine.clock = ManualClock(now)
    assert engine.execute(ReadyForService(INSTANCE, user_id=user)).ok
    check_no_idle_pair(engine.view(INSTANCE))
    view = engine.view(INSTANCE)
    assert view is not None and view.users[user].state is UserState.RINGING
    engine.close()


# --- the index sets are checked before the commit's first write ---------------------------------
@pytest.mark.parametrize("name", ["qa:Agent/user-test@ccc-test", f"qa:{QUEUE}", "qv", "timers"])
def test_an_index_key_of_the_wrong_type_fails_the_commit_before_its_first_write(
    redis_server: RedisServer, name: str
) -> None:
    """ReadyForService puts the agent in its queue sets: a set that is not one fails first."""
    from test_redis_atomic import namespace_dump

    url = redis_server.url(f"t-{secrets.token_hex(4)}")
    engine = Engine(store=url, network=None, clock=ManualClock(START))
    sign_in(engine, "user-test@ccc-test")
    assert engine.execute(TakeBreak(INSTANCE, code="rest", user_id="user-test@ccc-test")).ok
    store = engine.store
    assert isinstance(store, RedisStore)
    store.client.set(f"cs:{{{store.namespace}:{INSTANCE}}}:{name}", "not a sorted set")
    before = namespace_dump(redis_server, store.namespace)
    reply = engine.handle(
        "ReadyForService", {"InstanceId": INSTANCE, "UserId": "user-test@ccc-test"}
    )
    assert reply.status == 500 and reply.body["Code"] == "InternalService.Common", reply.body
    assert namespace_dump(redis_server, store.namespace) == before
    engine.close()
