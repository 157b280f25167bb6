"""The Redis store itself: URLs, one truth for many engines, conflicts, the follower, retention
on Redis's clock, and state that outlives every engine process (and a Redis restart)."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from conftest import AGENT, GROUP, INSTANCE, NUMBER, RedisServer, redis_server_or_skip

from callstate import Engine, Event, EventType, Ids, ManualClock, default_world
from callstate.domain import CallDetailRecord, CallType, ChannelDetail, HoldInterval, Job
from callstate.engine import StoreConflict, StoreSpecError, open_store
from callstate.engine._redis import DEFAULT_SOCKET_TIMEOUT, RedisStore
from callstate.engine._redis_events import decode_event, encode_event

pytestmark = pytest.mark.redis_store

CUSTOMER = "13900000000"  # answers at once in the bundled world
WHO = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": "dev-1"}


def fresh(server: RedisServer, **options: Any) -> str:
    return server.url(f"t-{secrets.token_hex(4)}", **options)


def talking(engine: Engine) -> tuple[str, str]:
    """Sign the bundled agent in and put them on an answered call: (JobId, customer leg)."""
    assert engine.handle("SignInGroup", {**WHO, "SignedSkillGroupIdList": f'["{GROUP}"]'}).ok
    made = engine.handle("MakeCall", {**WHO, "Caller": NUMBER, "Callee": CUSTOMER})
    context = made.body["Data"]["CallContext"]
    job, leg = context["JobId"], context["ChannelContexts"][1]["ChannelId"]
    answered = {"InstanceId": INSTANCE, "JobId": job, "ChannelId": leg}
    assert engine.signal("FarEndAnswered", answered).ok
    return job, leg


def run_python(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# --- opening -----------------------------------------------------------------------------------
def test_a_url_opens_a_redis_store_with_its_namespace_and_timeouts(
    redis_server: RedisServer,
) -> None:
    store = open_store(redis_server.url("one", socket_timeout=0.25))
    assert isinstance(store, RedisStore) and store.namespace == "one"
    assert isinstance(store.client, redis.Redis)  # not a cluster: one pool
    options = store.client.connection_pool.connection_kwargs
    assert options["socket_timeout"] == 0.25
    assert options["socket_connect_timeout"] == DEFAULT_SOCKET_TIMEOUT
    a, b = (open_store(redis_server.url()) for _ in range(2))  # namespace=*: each its own
    assert isinstance(a, RedisStore) and isinstance(b, RedisStore)
    assert a.namespace != b.namespace
    for opened in (store, a, b):
        opened.close()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("namespace=", "the namespace may not be empty"),
        ("colour=red", "unknown parameter 'colour'"),
        ("socket_timeout=soon", "Invalid value for 'socket_timeout'"),
        ("log_size=0", "log_size must be a positive integer"),
    ],
)
def test_a_bad_url_is_a_store_spec_error(query: str, message: str) -> None:
    with pytest.raises(StoreSpecError, match=message):
        open_store(f"redis://127.0.0.1:1/0?{query}")


def test_callstate_needs_no_redis_py_and_the_redis_store_says_what_to_install() -> None:
    out = run_python("""
        import sys
        import callstate, callstate.engine
        print("redis" in sys.modules)
        sys.modules["redis"] = None
        print(callstate.Engine().handle("PollUserStatus", {}).status)
        try:
            callstate.engine.open_store("redis://127.0.0.1:6379/0")
        except callstate.engine.StoreSpecError as err:
            print(err)
    """)
    assert out.splitlines() == [
        "False",
        "400",
        "store 'redis://127.0.0.1:6379/0' needs redis-py: pip install 'callstate[redis]'",
    ]


def test_event_records_read_back_exactly() -> None:
    holds = (HoldInterval(1, 5, "jazz", AGENT), HoldInterval(7, None, "", AGENT))
    leg = ChannelDetail("ch:1", "customer", "", "139", "200 - Okay", holds, 2, 4, 4)
    cdr = CallDetailRecord(
        "job-1", "OUTBOUND", NUMBER, CUSTOMER, GROUP, 1, 2, 9, "Success", "80011474",
        "200 - Okay", (leg,),
    )  # fmt: skip
    for event in (
        Event(EventType.Held, 3, INSTANCE, seq=4, agent_id=AGENT, channel_id="ch:1"),
        Event(EventType.AgentReady, 3, INSTANCE, agent_id=AGENT, skill_group_ids=(GROUP,)),
        Event(EventType.CDRReady, 9, INSTANCE, seq=9, contact_id="job-1", cdr=cdr),
    ):
        assert decode_event(f"3-{event.seq}", encode_event(event)) == event


# --- one truth ---------------------------------------------------------------------------------
def test_engines_on_one_namespace_share_one_truth(redis_server: RedisServer) -> None:
    url = fresh(redis_server)
    first = Engine(store=url, network=None)
    second = Engine({"instances": [{"instanceId": "elsewhere"}]}, store=url, network=None)
    assert second.world == first.world == default_world()  # the stored world is the truth
    assert first.ids.node != second.ids.node  # each process its own snowflake node

    job, leg = talking(first)
    params = {**WHO, "JobId": job, "ChannelId": leg}
    assert second.handle("HoldCall", params).ok  # held through one engine...
    assert first.handle("HoldCall", params).body["Code"] == "InvalidOperation.ChannelState"
    assert first.handle("RetrieveCall", params).ok  # ...retrieved through the other
    assert first.view(INSTANCE) == second.view(INSTANCE)
    events = second.events(INSTANCE)
    assert events == first.events(INSTANCE)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.event_type for e in events[-2:]] == [EventType.Held, EventType.Retrieved]
    assert first.snapshot()["instances"] == second.snapshot()["instances"]


def test_a_reset_through_one_engine_is_seen_by_the_others(redis_server: RedisServer) -> None:
    url = fresh(redis_server)
    one, other = Engine(store=url, network=None), Engine(store=url, network=None)
    talking(other)
    bigger = default_world().to_dict()
    user = {"userId": "x@second", "extension": "1"}
    bigger["instances"].append({"instanceId": "second", "users": [user]})
    one.reset(bigger)
    polled = other.handle("PollUserStatus", WHO)  # re-read after the reset: the agent is out
    assert polled.body["Data"]["UserContext"]["UserState"] == "OFFLINE"
    assert other.handle("PollUserStatus", {"InstanceId": "second", "UserId": "x@second"}).ok
    assert other.world == one.world and set(other.world.instances) == {INSTANCE, "second"}
    assert other.events(INSTANCE) == [] and other.view(INSTANCE).jobs == {}  # type: ignore[union-attr]
    one.reset(default_world())  # back to one instance: the other one's keys go
    gone = {"InstanceId": "second", "UserId": "x@second"}
    # the world changed under this request (it was decided on the old one): retry, and...
    assert other.handle("PollUserStatus", gone).body["Code"] == "ServiceUnavailable"
    assert other.handle("PollUserStatus", gone).body["Code"] == "NotExists.InstanceId"
    store = RedisStore.from_url(url)
    assert not list(store.client.scan_iter(f"cs:{{{store.namespace}:second}}:*"))
    store.close()


def test_a_commit_on_a_stale_read_conflicts_and_writes_nothing(redis_server: RedisServer) -> None:
    url = fresh(redis_server)
    engine = Engine(store=url, network=None, clock=ManualClock(1_700_000_000_000))
    job, leg = talking(engine)
    store = RedisStore.from_url(url)
    store.attach(default_world())
    tx = store.begin(Ids().draft())
    user, call = tx.user(INSTANCE, AGENT), tx.job(INSTANCE, job)
    assert user is not None and call is not None and tx.user(INSTANCE, AGENT) is user
    assert engine.handle("HoldCall", {**WHO, "JobId": job, "ChannelId": leg}).ok  # meanwhile
    before = engine.snapshot()
    user.heartbeat = 1_800_000_000_000
    with pytest.raises(StoreConflict):
        tx.commit(INSTANCE, 1_800_000_000_000, [Event(EventType.AgentReady, 1, INSTANCE)])
    assert engine.snapshot() == before

    late = store.begin(Ids().draft())  # the instance's clock is past this instant
    assert late.user(INSTANCE, AGENT) is not None
    with pytest.raises(StoreConflict):
        late.commit(INSTANCE, 1_600_000_000_000, [])
    assert store.last_now(INSTANCE) == 1_700_000_000_000  # brought up to date
    assert engine.snapshot() == before
    store.close()


def test_a_call_is_created_once(redis_server: RedisServer) -> None:
    store = RedisStore.from_url(fresh(redis_server))
    store.attach(default_world())
    twins = [store.begin(Ids().draft()) for _ in range(2)]
    for tx in twins:
        tx.add_job(Job("job-1", INSTANCE, CallType.OUTBOUND, NUMBER, CUSTOMER, 1))
    twins[0].commit(INSTANCE, 1, [])
    with pytest.raises(StoreConflict):
        twins[1].commit(INSTANCE, 1, [])
    view = store.view(INSTANCE)
    assert view is not None and list(view.jobs) == ["job-1"]
    store.close()


# --- the follower ------------------------------------------------------------------------------
FOLLOWER = """
    import json, sys
    from callstate.engine import RedisStore
    store = RedisStore.from_url(sys.argv[1])
    print("ready", flush=True)
    for stream_id, event in store.follow("ccc-test", sys.argv[2], block_ms=1500):
        print(json.dumps([stream_id, event.seq, event.to_dict()]), flush=True)
"""


def test_a_follower_in_another_process_gets_each_event_once_in_commit_order(
    redis_server: RedisServer,
) -> None:
    url = fresh(redis_server)
    engine = Engine(store=url, network=None)
    job, leg = talking(engine)  # events before the follower starts: it reads from the oldest
    follower = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(FOLLOWER), url, "0-0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert follower.stdout is not None and follower.stdout.readline() == "ready\n"
    for _ in range(20):  # and events while it follows, from another engine too
        other = Engine(store=url, network=None)
        assert other.handle("HoldCall", {**WHO, "JobId": job, "ChannelId": leg}).ok
        assert engine.handle("RetrieveCall", {**WHO, "JobId": job, "ChannelId": leg}).ok
        other.close()
    out, _ = follower.communicate(timeout=30)
    seen = [json.loads(line) for line in out.splitlines()]
    logged = engine.events(INSTANCE)
    assert [s for _, s, _ in seen] == [e.seq for e in logged] == list(range(1, 47))
    assert [published for *_, published in seen] == [e.to_dict() for e in logged]

    store = RedisStore.from_url(url)  # resuming after the 30th: exactly the rest, exact events
    resumed = list(store.follow(INSTANCE, seen[29][0], block_ms=50))
    assert [event for _, event in resumed] == logged[30:]
    assert [stream_id for stream_id, _ in resumed] == [stream_id for stream_id, *_ in seen[30:]]
    assert list(store.follow(INSTANCE, "$", block_ms=50)) == []
    store.close()


# --- retention ---------------------------------------------------------------------------------
def test_ended_calls_expire_on_redis_clock(redis_server: RedisServer) -> None:
    world = default_world().to_dict()
    world["instances"][0]["retentionMs"] = 400
    url = fresh(redis_server)
    clock = ManualClock(1_700_000_000_000)  # stands still: the expiry is Redis's doing
    engine = Engine(world, store=url, network=None, clock=clock)
    job, leg = talking(engine)
    store = RedisStore.from_url(url)
    keys = f"cs:{{{store.namespace}:{INSTANCE}}}:"
    assert store.client.pttl(keys + f"job:{job}") == -1  # a live call never expires
    assert engine.handle("ReleaseCall", {**WHO, "JobId": job}).ok
    assert 0 < store.client.pttl(keys + f"job:{job}") <= 400
    assert store.client.pttl(keys + f"user:{AGENT}") == -1  # only ended calls expire
    assert job in engine.view(INSTANCE).jobs  # type: ignore[union-attr]
    time.sleep(0.6)
    assert engine.view(INSTANCE).jobs == {}  # type: ignore[union-attr]
    hold = engine.handle("HoldCall", {**WHO, "JobId": job, "ChannelId": leg})
    assert hold.body["Code"] == "NotExists.JobId"
    polled = engine.handle("PollUserStatus", WHO).body["Data"]
    assert polled["UserContext"]["JobId"] == job and polled["CallContext"]["JobId"] == ""
    store.close()


# --- durability --------------------------------------------------------------------------------
ENGINE_PROCESS = """
    import json, sys
    from callstate import Engine
    engine = Engine(store=sys.argv[1], network=None)
    who = {"InstanceId": "ccc-test", "UserId": "user-test@ccc-test", "DeviceId": "dev-1"}
    out = []
    for action, params in json.loads(sys.argv[2]):
        reply = engine.handle(action, {**who, **params})
        out.append([reply.body["Code"], reply.body.get("Data")])
    engine.close()
    print(json.dumps(out))
"""


def in_a_new_process(url: str, *steps: tuple[str, dict[str, str]]) -> list[Any]:
    return json.loads(run_python(ENGINE_PROCESS, url, json.dumps(steps)))  # type: ignore[no-any-return]


def test_state_survives_restarts_of_every_engine_process_and_of_redis(tmp_path: Path) -> None:
    redis_server_or_skip()
    server = RedisServer(tmp_path, appendonly=True)
    try:
        url = server.url("durable")
        ((code, _), (_, made)) = in_a_new_process(
            url,
            ("SignInGroup", {"SignedSkillGroupIdList": f'["{GROUP}"]'}),
            ("MakeCall", {"Caller": NUMBER, "Callee": CUSTOMER}),
        )
        job = made["CallContext"]["JobId"]
        leg = made["CallContext"]["ChannelContexts"][1]["ChannelId"]
        call = {"JobId": job, "ChannelId": leg}
        engine = Engine(store=url, network=None)  # the far end answers through this one
        assert engine.signal("FarEndAnswered", {"InstanceId": INSTANCE, **call}).ok
        engine.close()
        ((held, _),) = in_a_new_process(url, ("HoldCall", call))
        ((retrieved, _),) = in_a_new_process(url, ("RetrieveCall", call))
        assert (code, held, retrieved) == ("OK", "OK", "OK")

        server.stop()  # Redis restarts too (its append-only file keeps everything)
        server.start()
        ((polled, data), (again, _)) = in_a_new_process(
            url, ("PollUserStatus", {}), ("HoldCall", call)
        )
        assert (polled, again) == ("OK", "OK")
        assert data["UserContext"]["UserState"] == "TALKING"
        assert data["CallContext"]["JobId"] == job
        store = RedisStore.from_url(url)
        kinds = [e.event_type for e in store.events(INSTANCE)]
        assert kinds[-3:] == [EventType.Held, EventType.Retrieved, EventType.Held]
        store.close()
    finally:
        server.stop()
