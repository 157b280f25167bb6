"""A Redis commit is whole or nothing (issue 8, item 2).

Redis does not roll back a script that fails after its first write, so the commit script checks
everything that can fail (numbers, key types, the stream's next id) before it writes anything,
the Python side never sends what the script would refuse, and the world check bounds every
number to a range that fits every consumer. Each test makes one step fail and compares every
key of the namespace, byte for byte, before and after.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import attrs
import pytest
import redis
from conftest import AGENT, GROUP, INSTANCE, NUMBER, RedisServer

from callstate import Engine, Ids, ManualClock, World, WorldError, default_world
from callstate.domain import MAX_DURATION_MS, HoldInterval
from callstate.engine._redis import RedisStore

CUSTOMER = "13900000000"  # answers at once in the bundled world
WHO = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": "dev-1"}
START = 1_700_000_000_000


# --- the world's numbers -----------------------------------------------------------------------
def world_with(**numbers: Any) -> dict[str, Any]:
    doc = default_world().to_dict()
    instance = doc["instances"][0]
    for name, value in numbers.items():
        if name == "afterMs":
            instance["dialling"]["default"]["afterMs"] = value
        else:
            instance[name] = value
    return doc


@pytest.mark.parametrize("name", ["retentionMs", "ringTimeoutMs", "afterMs"])
def test_every_number_of_a_world_is_bounded(name: str) -> None:
    assert World.from_dict(world_with(**{name: MAX_DURATION_MS}))  # the bound itself is fine
    for bad in (MAX_DURATION_MS + 1, 10**19, 2**63):
        with pytest.raises(WorldError, match=rf"\.{name}: must be <= {MAX_DURATION_MS}"):
            World.from_dict(world_with(**{name: bad}))


# --- the commit script -------------------------------------------------------------------------
def namespace_dump(server: RedisServer, namespace: str) -> dict[bytes, tuple[bytes, bool]]:
    """Every key of the namespace: its serialized value, and whether it expires."""
    with redis.Redis(port=server.port) as raw:
        keys = [*raw.scan_iter(f"cs:{{{namespace}:*"), *raw.scan_iter(f"{namespace}:*")]
        return {key: (raw.dump(key) or b"", raw.pttl(key) >= 0) for key in keys}


def talking_engine(server: RedisServer) -> tuple[Engine, RedisStore, str]:
    """A fresh namespace, the bundled agent on an answered call, put on hold: (..., JobId)."""
    url = server.url(f"t-{secrets.token_hex(4)}")
    engine = Engine(store=url, network=None, clock=ManualClock(START))
    assert engine.handle("SignInGroup", {**WHO, "SignedSkillGroupIdList": f'["{GROUP}"]'}).ok
    made = engine.handle("MakeCall", {**WHO, "Caller": NUMBER, "Callee": CUSTOMER}).body
    job, leg = made["Data"]["CallContext"]["JobId"], made["Data"]["CallContext"]["ChannelContexts"]
    customer = {"InstanceId": INSTANCE, "JobId": job, "ChannelId": leg[1]["ChannelId"]}
    assert engine.signal("FarEndAnswered", customer).ok
    assert engine.handle("HoldCall", {**WHO, **customer}).ok
    store = engine._store
    assert isinstance(store, RedisStore)
    return engine, store, job


def tamper(store: RedisStore, change: Callable[[list[Any]], None]) -> None:
    """Hand the commit script arguments the Python side would never send."""
    script = store._commit

    def tampered(keys: list[str], args: list[Any]) -> Any:
        args = list(args)
        change(args)
        return script(keys, args)

    store._commit = tampered  # type: ignore[assignment]


def released_and_unchanged(server: RedisServer, engine: Engine, namespace: str, job: str) -> None:
    before = namespace_dump(server, namespace)
    reply = engine.handle("ReleaseCall", {**WHO, "JobId": job})
    assert reply.status == 500 and reply.body["Code"] == "InternalService.Common", reply.body
    assert namespace_dump(server, namespace) == before


@pytest.mark.redis_store
def test_a_retention_out_of_range_writes_nothing(redis_server: RedisServer) -> None:
    """The issue's case, past the world check: retentionMs 10^19; ReleaseCall changes nothing."""
    engine, store, job = talking_engine(redis_server)
    config = store.world().instances[INSTANCE]
    store._world = World({INSTANCE: attrs.evolve(config, retention_ms=10**19)})  # unchecked
    released_and_unchanged(redis_server, engine, store.namespace, job)


@pytest.mark.redis_store
@pytest.mark.parametrize(
    "argument",
    [
        "10000000000000000000",  # past a 64-bit integer: PEXPIRE refuses it
        "1e6",  # not an integer
        "-5",
        "nan",
    ],
)
def test_the_script_refuses_a_bad_retention_before_writing(
    redis_server: RedisServer, argument: str
) -> None:
    engine, store, job = talking_engine(redis_server)
    tamper(store, lambda args: args.__setitem__(2, argument))
    released_and_unchanged(redis_server, engine, store.namespace, job)


@pytest.mark.redis_store
def test_the_script_refuses_a_bad_instant_before_writing(redis_server: RedisServer) -> None:
    engine, store, job = talking_engine(redis_server)
    tamper(store, lambda args: args.__setitem__(1, str(2**60)))  # past a Lua double's integers
    released_and_unchanged(redis_server, engine, store.namespace, job)


@pytest.mark.redis_store
@pytest.mark.parametrize("key", ["events", "ended", "jobs"])
def test_a_key_of_the_wrong_type_fails_the_commit_before_its_first_write(
    redis_server: RedisServer, key: str
) -> None:
    """A later write (XADD, ZADD) would fail: the script finds out first and writes nothing."""
    engine, store, job = talking_engine(redis_server)
    prefix = f"cs:{{{store.namespace}:{INSTANCE}}}:"
    store.client.delete(prefix + key)
    store.client.set(prefix + key, "not a stream, not a sorted set")
    released_and_unchanged(redis_server, engine, store.namespace, job)


@pytest.mark.redis_store
def test_an_event_id_the_stream_would_refuse_fails_the_commit_before_its_first_write(
    redis_server: RedisServer,
) -> None:
    """The stream is ahead of the instance's seq (an id reused): XADD would refuse it."""
    engine, store, job = talking_engine(redis_server)
    prefix = f"cs:{{{store.namespace}:{INSTANCE}}}:"
    newest = store.client.xrevrange(prefix + "events", count=1)
    assert newest
    top = newest[0][0]
    gen, seq = (top.decode() if isinstance(top, bytes) else str(top)).split("-")
    store.client.xadd(prefix + "events", {"e": "{}"}, id=f"{gen}-{int(seq) + 100}")
    released_and_unchanged(redis_server, engine, store.namespace, job)


@pytest.mark.redis_store
def test_an_instant_out_of_range_is_refused_before_the_script(redis_server: RedisServer) -> None:
    engine, store, job = talking_engine(redis_server)
    sent: list[Any] = []
    script = store._commit
    store._commit = lambda keys, args: sent.append(args) or script(keys, args)  # type: ignore[assignment,func-returns-value]
    engine.clock = ManualClock(2**53)
    released_and_unchanged(redis_server, engine, store.namespace, job)
    assert sent == []


@pytest.mark.redis_store
def test_a_hold_history_of_the_wrong_type_fails_the_commit_before_its_first_write(
    redis_server: RedisServer,
) -> None:
    """A commit that writes the agent, then appends to the call's history list (RPUSH)."""
    _, store, job = talking_engine(redis_server)
    store.client.set(f"cs:{{{store.namespace}:{INSTANCE}}}:holds:{job}", "not a list")
    before = namespace_dump(redis_server, store.namespace)
    tx = store.begin(Ids().draft())
    user, call = tx.user(INSTANCE, AGENT), tx.job(INSTANCE, job)
    assert user is not None and call is not None
    user.heartbeat = START + 1  # written first
    leg = call.channels[1]
    leg.holds = leg.holds.add(HoldInterval(START + 1, None, "", AGENT))  # the first one appended
    with pytest.raises(redis.ResponseError):
        tx.commit(INSTANCE, START + 1, [])
    assert namespace_dump(redis_server, store.namespace) == before
