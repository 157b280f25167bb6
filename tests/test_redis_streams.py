"""Event streams on Redis: every replica delivers every event of the instance, and a Redis that
lost its data is a new generation (the reset marker, an error in the log), never reused ids."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
from conftest import RedisServer, redis_server_or_skip
from server_support import AGENT, GROUP, INSTANCE, SSE, ServeProcess, control, http_call
from test_event_streams import live_kinds_until_a_break, stream_scope

from callstate import Engine, Ids
from callstate.server import ThreadedServer, create_app

pytestmark = pytest.mark.redis_store

AGENTS = [f"agent-{i}@ccc-test" for i in range(2)]


def world() -> dict[str, object]:
    from server_support import world_with_agents

    return world_with_agents(len(AGENTS))


def rpc(url: str, action: str, user: str, **params: str) -> dict[str, object]:
    query = {"Action": action, "Version": "2020-07-01", "InstanceId": INSTANCE,
             "UserId": user, "DeviceId": f"dev-{user}", **params}  # fmt: skip
    status, _, body = http_call(url, "GET", "/?" + "&".join(f"{k}={v}" for k, v in query.items()))
    assert status == 200, body
    return json.loads(body)  # type: ignore[no-any-return]


def take(stream: SSE, count: int) -> list[dict[str, str]]:
    """The next ``count`` messages with an ``event:`` (events and reset markers)."""
    out: list[dict[str, str]] = []
    for message in stream.messages():
        if "event" in message:
            out.append(message)
            if len(out) == count:
                break
    return out


def test_every_replica_streams_every_event_in_seq_order(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    world_file = tmp_path / "world.json"
    world_file.write_text(json.dumps(world()))
    store = redis_server.url(f"replicas-{secrets.token_hex(4)}")
    servers = [ServeProcess("--store", store, "--world", str(world_file)) for _ in range(2)]
    streams = [SSE(s.url, f"/_callstate/events?instance={INSTANCE}") for s in servers]
    try:
        for stream in streams:
            assert stream.status == 200
        control(servers[0].url, "GET", "/_callstate/state")  # both streams are attached by now

        def work(server: ServeProcess, user: str) -> None:
            for _ in range(10):
                rpc(server.url, "SignInGroup", user, SignedSkillGroupIdList=f'["{GROUP}"]')
                rpc(server.url, "SignOutGroup", user)

        workers = [
            threading.Thread(target=work, args=(server, user))
            for server, user in zip(servers, AGENTS, strict=True)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        total = len(Engine(store=store).events(INSTANCE))
        received = [stream.events(total) for stream in streams]
    finally:
        for stream in streams:
            stream.close()
        for server in servers:
            server.stop()
    assert total >= 40
    for events in received:
        assert [e["seq"] for e in events] == list(range(1, total + 1))
        assert {e["agentId"] for e in events} == set(AGENTS)
    assert received[0] == received[1]


def test_a_redis_that_lost_its_data_is_a_new_generation(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    redis_server_or_skip()
    redis = RedisServer(tmp_path)  # no persistence at all: a restart loses everything
    try:
        engine = Engine(store=redis.url("lost"))
        with ThreadedServer(engine) as server:
            rpc(server.url, "SignInGroup", AGENT, SignedSkillGroupIdList=f'["{GROUP}"]')
            rpc(server.url, "SignOutGroup", AGENT)
            stream = SSE(server.url, f"/_callstate/events?instance={INSTANCE}&after=0")
            try:
                old = [m for m in take(stream, 2)][-1]["id"]
            finally:
                stream.close()
            redis.stop()
            redis.start()  # same port, empty
            with caplog.at_level(logging.ERROR, logger="callstate"):
                rpc(server.url, "SignInGroup", AGENT, SignedSkillGroupIdList=f'["{GROUP}"]')
            assert any("lost" in r.getMessage() for r in caplog.records), caplog.text
            resumed = SSE(server.url, f"/_callstate/events?instance={INSTANCE}&after={old}")
            try:
                marker, first = take(resumed, 2)
            finally:
                resumed.close()
        engine.close()
    finally:
        redis.stop()
    assert marker["event"] == "reset"
    assert json.loads(first["data"])["seq"] == 1 and first["event"] == "AgentCheckIn"
    assert first["id"].rpartition("-")[0] != old.rpartition("-")[0]


def test_serve_prints_the_redis_persistence_it_found(redis_server: RedisServer) -> None:
    server = ServeProcess("--store", redis_server.url(f"persist-{secrets.token_hex(4)}"))
    try:
        printed = [server.lines.get(timeout=10) for _ in range(2)]
    finally:
        server.stop()
    assert 'callstate: Redis persistence: appendonly=no save=""' in printed[-1]
    assert "a restart loses every call" in printed[-1]


def test_a_live_stream_opened_while_another_process_provisions_a_reset_carries_events(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The feed is ahead of the instance's log: another process replaced the world's token and
    is provisioning the instance as the stream starts.

    A start read from the instance's log took the feed's generation for an older one, and the
    stream waited for it to catch up, forever. The stream now asks the store which one it is.
    """
    url = redis_server.url(f"ahead-{secrets.token_hex(4)}")
    here, there = Engine(store=url, ids=Ids(seed=1)), Engine(store=url, ids=Ids(seed=2))
    agent = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": "dev-1"}
    sign_in = {**agent, "SignedSkillGroupIdList": f'["{GROUP}"]'}
    assert here.handle("SignInGroup", sign_in).ok
    feed = here.feed()
    old = feed.generation
    provisioning = threading.Event()
    provision = there._store._provision_instance  # type: ignore[attr-defined]

    def held(*args: object) -> None:
        provisioning.wait(10)
        provision(*args)

    monkeypatch.setattr(there._store, "_provision_instance", held)
    resetting = threading.Thread(target=there.reset)
    resetting.start()
    try:
        for _ in range(1000):
            if feed.generation != old:
                break
            time.sleep(0.01)
        assert feed.generation != old and here.log(INSTANCE)[0] == old  # the feed is ahead

        def provisioned_then_a_break() -> None:
            provisioning.set()
            resetting.join()
            assert here.handle("SignInGroup", sign_in).ok
            assert here.handle("TakeBreak", {**agent, "Code": "lunch"}).ok

        kinds = live_kinds_until_a_break(here, provisioned_then_a_break)
    finally:
        provisioning.set()
        resetting.join()
    assert kinds[0] == "reset" and kinds[-1] == "AgentBreak", kinds
    here.close()
    there.close()


def test_the_stream_of_an_instance_another_process_removed_ends(
    redis_server: RedisServer,
) -> None:
    """Another process reset to a world without the instance; this one has not read it yet and
    accepts a stream of it. The store has no generation for it: the stream ends, rather than
    wait for one, reading the store at every wake."""
    url = redis_server.url(f"gone-{secrets.token_hex(4)}")
    one = Engine(network=None).world.to_dict()
    two = json.loads(json.dumps(one).replace(INSTANCE, "ccc-two"))
    here = Engine({"instances": one["instances"] + two["instances"]}, store=url, ids=Ids(seed=1))
    there = Engine(store=url, ids=Ids(seed=2))
    feed = here.feed()
    old = feed.generation
    there.reset(two)
    for _ in range(1000):
        if feed.generation != old:
            break
        time.sleep(0.01)
    assert feed.generation != old and INSTANCE in here.world.instances  # not read yet
    app = create_app(here)
    sent = bytearray()

    async def receive() -> dict[str, object]:
        await asyncio.sleep(30)
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.extend(message.get("body", b""))

    async def run() -> None:
        await asyncio.wait_for(app(stream_scope(INSTANCE), receive, send), 5)

    asyncio.run(run())  # it ended
    assert b"event:" not in sent
    here.close()
    there.close()
