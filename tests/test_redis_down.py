"""Redis down: commands answer ServiceUnavailable (503) within the socket timeout, not hang;
when Redis is back they succeed again, and nothing was corrupted meanwhile."""

from __future__ import annotations

import secrets
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from conftest import RedisServer, redis_server_or_skip
from test_redis_concurrency import (
    CALLEE,
    DEVICE,
    GROUP,
    INSTANCE,
    NUMBER,
    check_records,
    replay,
    setup_calls,
    world,
)

from callstate import Engine, ManualClock
from callstate.engine import RedisStore
from callstate.engine._store import DueTimer

pytestmark = pytest.mark.redis_store

TIMEOUT = 0.5  # the URL's socket_timeout and socket_connect_timeout, seconds
SLACK = 2.0  # a bound on hanging, not a speed claim
USER = "agent-0@ccc-test"


class Traffic(threading.Thread):
    """Holds and retrieves one call as fast as answers come, timing every answer."""

    def __init__(self, engine: Engine, job: str, leg: str) -> None:
        super().__init__()
        self.engine, self.job, self.leg = engine, job, leg
        self.replies: list[tuple[float, str, str, float]] = []  # (at, action, code, seconds)
        self.stopping = threading.Event()

    def run(self) -> None:
        action = "HoldCall"
        params = {"InstanceId": INSTANCE, "UserId": USER, "DeviceId": DEVICE}
        params.update(JobId=self.job, ChannelId=self.leg)
        while not self.stopping.is_set():
            started = time.monotonic()
            code = self.engine.handle(action, params).body["Code"]
            self.replies.append((started, action, code, time.monotonic() - started))
            if code != "ServiceUnavailable":  # an unknown outcome: the next answer will tell
                action = "RetrieveCall" if action == "HoldCall" else "HoldCall"

    def since(self, at: float) -> list[str]:
        return [code for started, _, code, _ in self.replies if started >= at]

    def stop(self) -> None:
        self.stopping.set()
        self.join(30)


def test_redis_down_is_503_within_the_socket_timeout_and_nothing_is_corrupted(
    tmp_path: Path,
) -> None:
    redis_server_or_skip()
    server = RedisServer(tmp_path, appendonly=True)  # appendfsync everysec
    try:
        url = server.url("down", socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
        engine = setup_calls(url, [USER], 1)
        call = engine.view(INSTANCE).jobs  # type: ignore[union-attr]
        ((job, record),) = call.items()
        traffic = Traffic(engine, job, record.channels[1].channel_id)
        traffic.start()
        time.sleep(0.3)

        assert server.process is not None
        hung_at = time.monotonic()
        server.process.send_signal(signal.SIGSTOP)  # hangs: connections open, no answers
        time.sleep(2.0)
        server.process.send_signal(signal.SIGCONT)
        back_at = time.monotonic()
        time.sleep(0.5)
        assert "ServiceUnavailable" in traffic.since(hung_at)
        assert traffic.since(back_at + 0.2)[-3:] == ["OK"] * 3

        gone_at = time.monotonic()
        server.stop()  # gone: connections refused
        time.sleep(1.0)
        server.start()  # back, from its append-only file
        back_at = time.monotonic()
        time.sleep(0.5)
        traffic.stop()
        assert "ServiceUnavailable" in traffic.since(gone_at)
        assert traffic.since(back_at + 0.2)[-3:] == ["OK"] * 3

        for _, action, code, seconds in traffic.replies:
            assert code in ("OK", "ServiceUnavailable", "InvalidOperation.ChannelState"), code
            assert seconds < TIMEOUT + SLACK, (action, code, seconds)
        events = engine.events(INSTANCE)
        story = replay(events)
        check_records(story, engine.view(INSTANCE), events)
        holds = Counter(code for _, action, code, _ in traffic.replies if action == "HoldCall")
        ok, unknown = holds["OK"], holds["ServiceUnavailable"]
        held = story.legs[traffic.leg].holds
        assert ok <= held <= ok + unknown  # a 503 may or may not have been applied, never twice
        engine.close()
    finally:
        server.stop()


class HangsAfterDueTimers(RedisStore):
    """A Redis store whose server hangs right after the next read of the due timers.

    That is the window between seeing what is due and applying it, where the network's signal
    has been taken from the schedule: the hang must not lose it.
    """

    server: RedisServer | None = None

    def due_timers(self, now: int) -> list[DueTimer]:
        found = super().due_timers(now)
        if self.server is not None and self.server.process is not None:
            self.server.process.send_signal(signal.SIGSTOP)
            self.server = None
        return found


def test_a_signal_due_while_redis_hangs_is_applied_when_it_is_back(tmp_path: Path) -> None:
    """The network's answer falls due while Redis hangs: it waits, it is not lost.

    Before, the answer's commit timing out dropped it as if the call had refused it, and the
    customer's phone never answered: the agent stayed DIALING until the call's timeout.
    """
    redis_server_or_skip()
    server = RedisServer(tmp_path)
    try:
        doc = world(1)
        doc["instances"][0]["dialling"]["numbers"][CALLEE] = {"outcome": "answer", "afterMs": 300}
        url = server.url("due", socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
        store = HangsAfterDueTimers.from_url(url)
        clock = ManualClock()
        engine = Engine(doc, store=store, clock=clock)
        who = {"InstanceId": INSTANCE, "UserId": USER, "DeviceId": DEVICE}
        assert engine.handle("SignInGroup", {**who, "SignedSkillGroupIdList": f'["{GROUP}"]'}).ok
        made = engine.handle("MakeCall", {**who, "Caller": NUMBER, "Callee": CALLEE})
        job = made.body["Data"]["CallContext"]["JobId"]

        store.server = server
        clock.set(clock() + 1_000)  # the answer is due
        engine.tick()  # Redis hangs as the answer is applied
        assert server.process is not None
        server.process.send_signal(signal.SIGCONT)
        engine.tick()

        answered = [e.event_type.value for e in engine.events(INSTANCE) if e.contact_id == job]
        assert "Established" in answered
        view = engine.view(INSTANCE)
        assert view is not None and view.users[USER].state.value == "TALKING"
        engine.close()
    finally:
        if server.process is not None:
            server.process.send_signal(signal.SIGCONT)
        server.stop()


def test_a_signal_of_a_call_another_process_reset_away_refuses_nobody(
    redis_server: RedisServer,
) -> None:
    """A due signal whose call another process's reset took away is not the next request's
    business: the store could not decide it at once (the instance was provisioned anew), which
    must not refuse an unrelated request on a healthy store."""
    url = redis_server.url(f"gone-{secrets.token_hex(4)}")
    doc = world(1)
    doc["instances"][0]["dialling"]["numbers"][CALLEE] = {"outcome": "answer", "afterMs": 300}
    clock = ManualClock()
    here, there = Engine(doc, store=url, clock=clock), Engine(doc, store=url, clock=clock)
    who = {"InstanceId": INSTANCE, "UserId": USER, "DeviceId": DEVICE}
    sign_in = {**who, "SignedSkillGroupIdList": f'["{GROUP}"]'}
    assert here.handle("SignInGroup", sign_in).ok
    assert here.handle("MakeCall", {**who, "Caller": NUMBER, "Callee": CALLEE}).ok
    assert here.network is not None and here.network.next_due() is not None
    doc["instances"][0]["ringTimeoutMs"] = 20_000  # the instance is provisioned anew
    there.reset(doc)
    clock.set(clock() + 2_000)  # the callee's answer is due, in the old generation
    reply = here.handle("SignInGroup", sign_in)
    assert reply.ok, reply.body
    here.close()
    there.close()


def test_a_ring_timeout_due_while_redis_is_out_of_memory_rings_out_once_it_has_memory(
    tmp_path: Path,
) -> None:
    """Redis at its ``maxmemory`` refuses writes: a store error that is not an outage, so the
    engine logs it as a fault. The timer stays due and is tried again: once Redis has memory,
    the offer rings out. Remembered as faulted for good, the agent rang until a restart."""
    redis_server_or_skip()
    server = RedisServer(tmp_path)
    try:
        url = server.url("oom", socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
        clock = ManualClock()
        engine = Engine(world(1), store=url, clock=clock)
        who = {"InstanceId": INSTANCE, "UserId": USER, "DeviceId": DEVICE}
        assert engine.handle("SignInGroup", {**who, "SignedSkillGroupIdList": f'["{GROUP}"]'}).ok
        offer = {"InstanceId": INSTANCE, "Caller": "13812345678", "Callee": NUMBER}
        assert engine.signal("CallOffered", {**offer, "UserId": USER, "SkillGroupId": GROUP}).ok
        admin = redis.Redis(port=server.port)
        clock.set(clock() + 31_000)  # the ring timeout is due
        admin.config_set("maxmemory-policy", "noeviction")
        admin.config_set("maxmemory", 1)
        engine.tick()  # refused: out of memory
        admin.config_set("maxmemory", 0)
        engine.tick()
        view = engine.view(INSTANCE)
        assert view is not None and view.users[USER].state.value == "BREAK"
        engine.close()
    finally:
        server.stop()
