"""On Redis a command costs the same however often its call was held (issue 8, item 15).

A call's record keeps per leg the hold count and the newest interval; the older intervals are
in the call's history list, appended once and read only for the call detail record and views.
The cost itself is measured by the benchmark (``python -m benchmarks --workloads R1``); these
tests pin what makes it flat (the record's size) and that nothing is lost (the CDR and views
list every interval exactly, as the memory store does).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from conftest import AGENT, GROUP, INSTANCE, NUMBER, RedisServer

from callstate import Engine, Event, EventType, ManualClock, MemoryStore, default_world
from callstate.engine._redis import RedisStore

pytestmark = pytest.mark.redis_store

CUSTOMER = "13900000000"  # answers at once in the bundled world
WHO = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": "dev-1"}
START = 1_700_000_000_000


class Talk:
    """An engine whose agent is on an answered call: hold, retrieve, release."""

    def __init__(self, engine: Engine, clock: ManualClock) -> None:
        self.engine, self.clock = engine, clock
        self.events: list[Event] = []
        engine.subscribe(self.events.append)
        assert engine.handle("SignInGroup", {**WHO, "SignedSkillGroupIdList": f'["{GROUP}"]'}).ok
        made = engine.handle("MakeCall", {**WHO, "Caller": NUMBER, "Callee": CUSTOMER}).body
        context = made["Data"]["CallContext"]
        self.job = context["JobId"]
        self.leg = {"JobId": self.job, "ChannelId": context["ChannelContexts"][1]["ChannelId"]}
        assert engine.signal("FarEndAnswered", {"InstanceId": INSTANCE, **self.leg}).ok

    def do(self, action: str, **params: str) -> None:
        reply = self.engine.handle(action, {**WHO, **self.leg, **params})
        assert reply.ok, reply.body

    def hold_and_retrieve(self, times: int, step_ms: int = 0) -> None:
        for i in range(times):
            self.do("HoldCall", Music=f"m{i % 3}")
            self.clock.advance(step_ms * (i % 7 + 1))
            self.do("RetrieveCall")
            self.clock.advance(step_ms)


def redis_talk(server: RedisServer, clock: ManualClock, url: str = "") -> tuple[Talk, RedisStore]:
    engine = Engine(store=url or server.url(f"t-{secrets.token_hex(4)}"), network=None, clock=clock)
    store = engine._store
    assert isinstance(store, RedisStore)
    return Talk(engine, clock), store


def stored_record(store: RedisStore, job: str) -> str:
    data = store.client.hget(f"cs:{{{store.namespace}:{INSTANCE}}}:job:{job}", "d")
    assert isinstance(data, str)
    return data


def test_a_calls_stored_record_does_not_grow_with_its_hold_history(
    redis_server: RedisServer,
) -> None:
    """Held 1, then 100, then 1,000 times: the record differs only by the count's digits."""
    talk, store = redis_talk(redis_server, ManualClock(START))  # the clock stands still
    talk.hold_and_retrieve(1)
    once = stored_record(store, talk.job)
    talk.hold_and_retrieve(99)
    hundred = stored_record(store, talk.job)
    talk.hold_and_retrieve(900)
    thousand = stored_record(store, talk.job)
    assert len(hundred) - len(once) == len("100") - len("1"), (len(once), len(hundred))
    assert len(thousand) - len(hundred) == len("1000") - len("100")
    history = f"cs:{{{store.namespace}:{INSTANCE}}}:holds:{talk.job}"
    assert store.client.llen(history) == 999  # every interval but the newest, appended once


def cdr(events: list[Event]) -> dict[str, Any]:
    ready = [e for e in events if e.event_type is EventType.CDRReady]
    assert len(ready) == 1
    return ready[0].to_dict()


def test_the_cdr_and_views_list_every_interval_exactly(redis_server: RedisServer) -> None:
    """The same story on both stores: the same CDR (every interval, in order), the same view;
    the call is released by another engine, which has seen none of the holds."""
    url = redis_server.url(f"t-{secrets.token_hex(4)}")
    memory_clock = ManualClock(START)
    talks = {
        "memory": Talk(Engine(store=MemoryStore(), network=None, clock=memory_clock), memory_clock),
        "redis": redis_talk(redis_server, ManualClock(START), url)[0],
    }
    for talk in talks.values():
        talk.hold_and_retrieve(120, step_ms=250)
        talk.do("HoldCall", Music="last")  # released while held: the open interval closes
    views = {name: t.engine.view(INSTANCE) for name, t in talks.items()}
    legs = {
        name: [list(c.holds) for job in view.jobs.values() for c in job.channels]
        for name, view in views.items()
        if view is not None
    }
    assert legs["redis"] == legs["memory"]  # every interval, read whole
    assert [len(h) for h in legs["redis"]] == [0, 121]

    other_clock = ManualClock(talks["redis"].clock())
    other = Talk.__new__(Talk)  # a second engine on the same namespace, nothing cached
    other.engine = Engine(store=url, network=None, clock=other_clock)
    other.clock, other.leg, other.events = other_clock, talks["redis"].leg, talks["redis"].events
    other.engine.subscribe(other.events.append)
    other.do("ReleaseCall")
    talks["memory"].do("ReleaseCall")
    record = cdr(talks["redis"].events)
    same_ids = json.dumps(record).replace(talks["redis"].job, talks["memory"].job)
    assert json.loads(same_ids) == cdr(talks["memory"].events)
    holds = record["channels"][1]["holds"]
    assert len(holds) == record["holdCount"] == 121
    assert [h["music"] for h in holds] == [f"m{i % 3}" for i in range(120)] + ["last"]
    assert all(h["endTime"] is not None for h in holds)


def test_a_calls_history_expires_and_is_forgotten_with_it(redis_server: RedisServer) -> None:
    world = default_world().to_dict()
    world["instances"][0]["retentionMs"] = 400
    url = redis_server.url(f"t-{secrets.token_hex(4)}")
    clock = ManualClock(START)
    talk = Talk(Engine(world, store=url, network=None, clock=clock), clock)
    store = talk.engine._store
    assert isinstance(store, RedisStore)
    talk.hold_and_retrieve(3)
    history = f"cs:{{{store.namespace}:{INSTANCE}}}:holds:{talk.job}"
    assert store.client.llen(history) == 2 and store.client.pttl(history) == -1
    talk.do("ReleaseCall")
    assert 0 < store.client.pttl(history) <= 400  # on Redis's clock, with the record
    clock.advance(1_000)  # a commit past the instant forgets the call, its history with it
    assert talk.engine.handle("PollUserStatus", WHO).ok
    assert store.client.exists(history) == 0

    again, store = redis_talk(redis_server, ManualClock(START))
    again.hold_and_retrieve(2)
    again.engine.reset()  # a reset wipes every call's history too
    assert store.client.exists(f"cs:{{{store.namespace}:{INSTANCE}}}:holds:{again.job}") == 0
