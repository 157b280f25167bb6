"""Event streams: ids that carry the store's generation, resuming across generations, strict
``after`` values and the cap on open streams (over both stores)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import pytest
from server_support import AGENT, CUSTOMER, GROUP, INSTANCE, NUMBER, SSE, control, http_call

from callstate import Engine, Ids
from callstate.engine import EventFeed, MemoryStore, RedisStore, Store
from callstate.server import ThreadedServer, create_app

ME = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": "dev-1"}
EVENTS = f"/_callstate/events?instance={INSTANCE}"


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer(app=create_app(Engine(), max_streams=3)) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(server: ThreadedServer) -> None:
    assert control(server.url, "POST", "/_callstate/reset")[0] == 200


def ok(server: ThreadedServer, action: str, **params: str) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in {"Action": action, "Version": "2020-07-01",
                                              **ME, **params}.items())  # fmt: skip
    status, _, body = http_call(server.url, "GET", "/?" + query)
    assert status == 200, body
    return json.loads(body)  # type: ignore[no-any-return]


def sign_in_and_dial(server: ThreadedServer) -> None:
    ok(server, "SignInGroup", SignedSkillGroupIdList=f'["{GROUP}"]')
    ok(server, "MakeCall", Caller=NUMBER, Callee=CUSTOMER)


def messages(stream: SSE, count: int) -> list[dict[str, str]]:
    out = []
    for message in stream.messages():
        if "event" not in message:  # the opening retry: field
            continue
        out.append(message)
        if len(out) == count:
            break
    return out


def test_event_ids_carry_the_generation_and_a_resume_from_another_one_is_reset(
    server: ThreadedServer,
) -> None:
    sign_in_and_dial(server)
    stream = SSE(server.url, EVENTS + "&after=0")
    try:
        before = messages(stream, 3)
    finally:
        stream.close()
    generation, _, seq = before[-1]["id"].rpartition("-")
    assert (
        generation and seq == "3" and {m["id"].rpartition("-")[0] for m in before} == {generation}
    )
    control(server.url, "POST", "/_callstate/reset")  # a new generation, seq starts over
    ok(server, "SignInGroup", SignedSkillGroupIdList=f'["{GROUP}"]')
    resumed = SSE(server.url, f"{EVENTS}&after={before[-1]['id']}")
    try:
        reset, first = messages(resumed, 2)
    finally:
        resumed.close()
    assert reset["event"] == "reset"
    assert json.loads(first["data"])["seq"] == 1 and first["event"] == "AgentCheckIn"
    assert first["id"].rpartition("-")[0] not in ("", generation)


def test_a_resume_in_the_same_generation_goes_on_after_the_id(server: ThreadedServer) -> None:
    sign_in_and_dial(server)
    stream = SSE(server.url, EVENTS + "&after=0")
    try:
        first = messages(stream, 2)
    finally:
        stream.close()
    for after in (first[-1]["id"], "2"):  # the full id, or a plain seq: the current generation
        resumed = SSE(server.url, f"{EVENTS}&after={after}")
        try:
            (next_one,) = messages(resumed, 1)
        finally:
            resumed.close()
        assert json.loads(next_one["data"])["seq"] == 3 and next_one.get("event") != "reset"


@pytest.mark.parametrize(
    "after", ["%C2%B2", "%E2%91%A0", "9" * 4300, "1" * 20, "ab-", "-3", "a%20b-3", "x" * 65 + "-1"]
)
def test_after_must_be_ascii_digits_with_an_optional_generation(
    server: ThreadedServer, after: str
) -> None:
    status, body = control(server.url, "GET", f"{EVENTS}&after={after}")
    assert (status, body["Code"]) == (400, "Parameter.Format")


def test_a_last_event_id_that_is_not_ascii_is_a_400(server: ThreadedServer) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"GET {EVENTS} HTTP/1.1\r\nHost: x\r\nLast-Event-ID: ".encode() + b"\xb2\r\n\r\n"
        )
        answer = b""
        while b"}" not in answer and (chunk := sock.recv(65536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400") and b'"Code":"Parameter.Format"' in answer


def test_streams_beyond_the_cap_are_refused_with_503(server: ThreadedServer) -> None:
    opened = [SSE(server.url, "/_callstate/events") for _ in range(3)]
    try:
        assert [s.status for s in opened] == [200, 200, 200]
        status, body = control(server.url, "GET", "/_callstate/events")
        assert (status, body["Code"], body["HttpStatusCode"]) == (503, "ServiceUnavailable", 503)
        assert set(body) == {"RequestId", "Code", "HttpStatusCode", "Message", "Params"}
    finally:
        for stream in opened:
            stream.close()


def stream_scope(instance: str) -> dict[str, Any]:
    """The ASGI request of an instance's live event stream."""
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": "/_callstate/events",
            "raw_path": b"/_callstate/events", "query_string": f"instance={instance}".encode(),
            "root_path": "", "headers": [], "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80)}  # fmt: skip


def live_kinds_until_a_break(engine: Engine, on_connected: Callable[[], None]) -> list[str]:
    """The event types a live stream of the instance sends, up to the first ``AgentBreak``.

    ``on_connected`` runs as the client learns it is connected (the response starts): what it
    commits is after the stream's start.
    """
    app = create_app(engine)
    body = bytearray()
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            on_connected()
        body.extend(message.get("body", b""))
        if b"AgentBreak" in body:
            done.set()

    async def run() -> None:
        await asyncio.wait_for(app(stream_scope(INSTANCE), receive, send), 10)

    asyncio.run(run())
    return re.findall(r"^event: (\w+)$", body.decode(), re.M)


def test_a_live_stream_starts_where_the_client_learns_it_is_connected() -> None:
    """Not one event earlier (committed before it), not one later (committed right after)."""
    engine = Engine(ids=Ids(seed=4))
    agent = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": "dev-1"}
    assert engine.handle("SignInGroup", {**agent, "SignedSkillGroupIdList": f'["{GROUP}"]'}).ok

    def next_request() -> None:  # the client's next request, at once
        assert engine.handle("TakeBreak", {**agent, "Code": "lunch"}).ok

    assert live_kinds_until_a_break(engine, next_request) == ["AgentBreak"]
    engine.close()


class ReadByTheTest:
    """A store whose feed the test fills, as a shared store's reader does: late, when it reads."""

    def feed(self, feed: EventFeed) -> Callable[[], None]:
        return lambda: None


class MemoryReadByTheTest(ReadByTheTest, MemoryStore):  # type: ignore[misc]  # a reader
    pass


class RedisReadByTheTest(ReadByTheTest, RedisStore):
    pass


def read_by_the_test() -> Store:
    """The tests' store (``CALLSTATE_STORE``), with its feed filled by the test."""
    url = os.environ.get("CALLSTATE_STORE")
    return RedisReadByTheTest.from_url(url) if url else MemoryReadByTheTest()


def test_a_live_stream_opened_while_the_feed_catches_up_with_a_reset_carries_events() -> None:
    """The feed still holds the last generation as the stream starts, and the next right after.

    A stream started from the feed's old generation took the feed's new one for one older than
    its own (as a resumed backlog may be newer than the feed) and waited for it forever: no
    event ever reached the client. Its start is now read from the store's generation.
    """
    engine = Engine(store=read_by_the_test(), ids=Ids(seed=4))
    agent = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": "dev-1"}
    sign_in = {**agent, "SignedSkillGroupIdList": f'["{GROUP}"]'}
    feed = engine.feed()

    def read_up() -> None:  # the reader: the store's generation and its log, into the feed
        generation, logged = engine.log(INSTANCE)
        if feed.generation != generation:
            feed.reset(generation)
        feed.publish(logged)

    assert engine.handle("SignInGroup", sign_in).ok
    read_up()
    engine.reset()  # the reader has not seen it yet
    assert engine.handle("SignInGroup", sign_in).ok

    def catch_up_then_request() -> None:
        read_up()
        assert engine.handle("TakeBreak", {**agent, "Code": "lunch"}).ok
        read_up()

    assert live_kinds_until_a_break(engine, catch_up_then_request) == ["AgentBreak"]
    engine.close()
