"""The emulator over plain HTTP, as curl sees it: the RPC protocol's edges and the control plane.

The server here has no credentials: any signature (or none) is accepted.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from server_support import AGENT, CUSTOMER, GROUP, INSTANCE, NUMBER, SSE, control, http_call

from callstate import Engine, Ids, default_world
from callstate.api import read_xml
from callstate.server import ThreadedServer

ME = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": "dev-1"}
JSON = "application/json;charset=utf-8"


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer(Engine(ids=Ids(seed=3))) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(server: ThreadedServer) -> None:
    assert control(server.url, "POST", "/_callstate/reset")[0] == 200


def rpc(
    server: ThreadedServer,
    action: str,
    params: dict[str, str] | None = None,
    *,
    method: str = "GET",
    version: str | None = "2020-07-01",
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    query = {"Action": action, **({"Version": version} if version else {}), **(params or {})}
    body = urlencode(form).encode() if form else None
    sent = dict(headers or {})
    if form:
        sent["content-type"] = "application/x-www-form-urlencoded"
    return http_call(server.url, method, "/?" + urlencode(query), body, sent)


def ok(server: ThreadedServer, action: str, **params: str) -> dict[str, Any]:
    status, _, body = rpc(server, action, {**ME, **params})
    assert status == 200, body
    return json.loads(body)  # type: ignore[no-any-return]


def sign_in_and_dial(server: ThreadedServer) -> tuple[str, str]:
    ok(server, "SignInGroup", SignedSkillGroupIdList=f'["{GROUP}"]')
    made = ok(server, "MakeCall", Caller=NUMBER, Callee=CUSTOMER)["Data"]["CallContext"]
    return made["JobId"], made["ChannelContexts"][1]["ChannelId"]


# --- the RPC endpoint -----------------------------------------------------------------------------
def test_a_curl_style_get_is_answered_with_typed_json(server: ThreadedServer) -> None:
    status, headers, body = rpc(
        server, "SignInGroup", {**ME, "SignedSkillGroupIdList": f'["{GROUP}"]'}
    )
    assert status == 200
    assert headers["content-type"] == JSON
    assert int(headers["content-length"]) == len(body)
    reply = json.loads(body)
    assert reply["HttpStatusCode"] == 200 and reply["Params"] == []
    assert reply["Data"]["SignedSkillGroupIdList"] == [GROUP]
    assert headers["x-acs-request-id"] == reply["RequestId"]


def test_parameters_come_from_the_query_and_a_form_body(server: ThreadedServer) -> None:
    status, _, body = rpc(
        server,
        "SignInGroup",
        {"InstanceId": INSTANCE},
        method="POST",
        form={"UserId": AGENT, "DeviceId": "dev-1", "SignedSkillGroupIdList": f'["{GROUP}"]'},
    )
    assert status == 200, body
    assert json.loads(body)["Data"]["UserState"] == "READY"


def test_v3_style_headers_name_the_action(server: ThreadedServer) -> None:
    query = urlencode({**ME})
    headers = {"x-acs-action": "PollUserStatus", "x-acs-version": "2020-07-01"}
    status, _, body = http_call(server.url, "POST", f"/?{query}", b"", headers)
    assert status == 200 and json.loads(body)["Data"]["UserContext"]["UserState"] == "OFFLINE"


def test_any_signature_is_accepted_without_credentials(server: ThreadedServer) -> None:
    garbage = {"authorization": "ACS3-HMAC-SHA256 Credential=x,SignedHeaders=host,Signature=00"}
    status, _, _ = rpc(server, "PollUserStatus", ME, headers=garbage)
    assert status == 200
    status, _, _ = rpc(server, "PollUserStatus", {**ME, "Signature": "bad", "AccessKeyId": "x"})
    assert status == 200


@pytest.mark.parametrize("ok_action", [True, False])
def test_format_xml_answers_the_xml_rendering(server: ThreadedServer, ok_action: bool) -> None:
    params = {**ME, "Format": "XML"} if ok_action else {"Format": "XML"}
    status, headers, body = rpc(server, "PollUserStatus", params)
    assert headers["content-type"] == "text/xml;charset=utf-8"
    text = body.decode()
    assert text.startswith("<?xml")
    assert ("<PollUserStatusResponse>" in text) is ok_action
    reply = read_xml(text)
    assert reply["HttpStatusCode"] == status == (200 if ok_action else 400)


@pytest.mark.parametrize(
    ("action", "version", "status", "code"),
    [
        ("NoSuchAction", "2020-07-01", 404, "InvalidAction.NotFound"),
        ("ListCallDetailRecords", "2020-07-01", 404, "InvalidAction.NotImplemented"),
        ("PollUserStatus", "2017-07-05", 400, "InvalidVersion"),
        ("PollUserStatus", None, 400, "InvalidVersion"),
        ("", "2020-07-01", 404, "InvalidAction.NotFound"),
    ],
)
def test_gateway_errors(
    server: ThreadedServer, action: str, version: str | None, status: int, code: str
) -> None:
    got, headers, body = rpc(server, action, ME, version=version)
    reply = json.loads(body)
    assert (got, reply["Code"], reply["HttpStatusCode"]) == (status, code, status)
    assert set(reply) == {"Code", "HttpStatusCode", "Message", "Params", "RequestId"}
    assert headers["content-type"] == JSON


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/other"), ("PUT", "/other"), ("GET", "/_callstate/state/"), ("GET", "/_callstate"),
     ("POST", "/_callstate/signals/x/y"), ("GET", "//")],
)  # fmt: skip
def test_other_paths_and_methods_are_not_found_and_never_redirect(
    server: ThreadedServer, method: str, path: str
) -> None:
    status, headers, body = http_call(server.url, method, path)
    assert status == 404 and headers["content-type"] == JSON
    assert json.loads(body)["Code"] == "InvalidAction.NotFound"


def test_an_unexpected_fault_is_a_500_json_body(
    server: ThreadedServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(action: str, params: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(server.emulator.engine, "handle", boom)
    status, _, body = rpc(server, "PollUserStatus", ME)
    reply = json.loads(body)
    assert (status, reply["Code"]) == (500, "InternalService.Common")
    assert reply["Message"] == (
        "An internal service error occurred. The server logged the details under this RequestId."
    )
    assert "boom" in caplog.text  # logged, with its traceback, on the server side only


# --- control plane --------------------------------------------------------------------------------
def test_state_is_the_engines_snapshot(server: ThreadedServer) -> None:
    job, _ = sign_in_and_dial(server)
    status, state = control(server.url, "GET", "/_callstate/state")
    assert status == 200
    assert state == json.loads(json.dumps(server.emulator.engine.snapshot()))
    assert job in state["instances"][INSTANCE]["jobs"]
    assert state["instances"][INSTANCE]["users"][AGENT]


def test_state_shows_each_queue_and_every_timer(server: ThreadedServer) -> None:
    arrived = {"InstanceId": INSTANCE, "Caller": "13900000002", "Callee": NUMBER}
    jobs = [control(server.url, "POST", "/_callstate/signals/CallArrived", arrived)[1]
            for _ in range(2)]  # fmt: skip
    first, second = (reply["Data"]["CallContext"]["JobId"] for reply in jobs)
    state = control(server.url, "GET", "/_callstate/state")[1]["instances"][INSTANCE]
    assert state["queues"] == {f"SkillGroup/{GROUP}": [first, second]}  # no agent is READY
    timers = [(t["timer"], t["recordId"], t["channelId"]) for t in state["timers"]]
    assert timers == [("queue", first, ""), ("queue", second, "")]
    job = state["jobs"][first]
    assert state["timers"][0]["dueMs"] == job["queue_deadline_ms"] == job["queued_ms"] + 600_000


def test_reset_starts_over_and_put_world_loads_a_world(server: ThreadedServer) -> None:
    sign_in_and_dial(server)
    assert control(server.url, "POST", "/_callstate/reset") == (200, {"instances": [INSTANCE]})
    assert control(server.url, "GET", "/_callstate/state")[1]["instances"][INSTANCE]["jobs"] == {}

    world = default_world().to_dict()
    world["instances"][0]["instanceId"] = "ccc-other"
    assert control(server.url, "PUT", "/_callstate/world", world) == (
        200,
        {"instances": ["ccc-other"]},
    )
    assert control(server.url, "GET", "/_callstate/world") == (200, world)
    status, _, body = rpc(server, "PollUserStatus", ME)
    assert (status, json.loads(body)["Code"]) == (404, "NotExists.InstanceId")

    assert control(server.url, "POST", "/_callstate/reset", default_world().to_dict())[0] == 200
    assert ok(server, "PollUserStatus")["Data"]["UserContext"]["UserState"] == "OFFLINE"


@pytest.mark.parametrize(
    ("method", "path", "body", "code", "needle"),
    [
        ("PUT", "/_callstate/world", b"{not json", "Parameter.Format", "not JSON"),
        ("PUT", "/_callstate/world", b"[1, 2]", "Parameter.Format", "JSON object"),
        ("PUT", "/_callstate/world", b'"/etc/passwd"', "Parameter.Format", "JSON object"),
        ("PUT", "/_callstate/world", b"", "Parameter.Blank", "world"),
        ("PUT", "/_callstate/world", b'{"instances": [{}]}', "Parameter.Invalid", "instances[0]"),
        ("POST", "/_callstate/reset", b'{"instances": 3}', "Parameter.Invalid", "instances"),
        ("POST", "/_callstate/signals/FarEndHungUp", b"{", "Parameter.Format", "not JSON"),
        ("POST", "/_callstate/signals/FarEndHungUp", b"[]", "Parameter.Format", "JSON object"),
    ],
)
def test_bad_control_bodies_are_clear_400s(
    server: ThreadedServer, method: str, path: str, body: bytes, code: str, needle: str
) -> None:
    status, headers, data = http_call(server.url, method, path, body)
    reply = json.loads(data)
    assert (status, reply["Code"]) == (400, code), reply
    assert needle in reply["Message"] and headers["content-type"] == JSON
    assert control(server.url, "GET", "/_callstate/world")[1] == default_world().to_dict()


def test_signals_are_answered_like_actions(server: ThreadedServer) -> None:
    job, customer = sign_in_and_dial(server)
    status, reply = control(server.url, "POST", "/_callstate/signals/NoSuchSignal", {})
    assert (status, reply["Code"]) == (404, "InvalidAction.NotFound")
    status, reply = control(server.url, "POST", "/_callstate/signals/FarEndHungUp", None)
    assert (status, reply["Code"], reply["Params"]) == (400, "Parameter.Blank", ["InstanceId"])
    hang_up = {"InstanceId": INSTANCE, "JobId": "job-1", "ChannelId": customer}
    status, reply = control(server.url, "POST", "/_callstate/signals/FarEndHungUp", hang_up)
    assert (status, reply["Code"]) == (404, "NotExists.JobId")
    hang_up["JobId"] = job
    status, reply = control(server.url, "POST", "/_callstate/signals/FarEndHungUp", hang_up)
    assert (status, reply["Code"]) == (200, "OK")
    assert ok(server, "PollUserStatus")["Data"]["UserContext"]["UserState"] == "WORKING"


# --- the event stream -----------------------------------------------------------------------------
def test_events_stream_live(server: ThreadedServer) -> None:
    stream = SSE(server.url, f"/_callstate/events?instance={INSTANCE}")
    try:
        assert stream.status == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        job, customer = sign_in_and_dial(server)
        ok(server, "HoldCall", JobId=job, ChannelId=customer)
        events = stream.until("Held")
    finally:
        stream.close()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["eventType"] == "AgentCheckIn"
    assert events[-1]["heldChannelId"] == customer and events[-1]["contactId"] == job


def test_events_resume_after_a_seq(server: ThreadedServer) -> None:
    job, customer = sign_in_and_dial(server)
    ok(server, "HoldCall", JobId=job, ChannelId=customer)
    logged = [e.to_dict() for e in server.emulator.engine.events(INSTANCE)]
    assert len(logged) > 4
    stream = SSE(server.url, f"/_callstate/events?instance={INSTANCE}&after=3")
    try:
        assert stream.until("Held") == logged[3:]
    finally:
        stream.close()
    resumed = SSE(server.url, f"/_callstate/events?instance={INSTANCE}&after={len(logged) - 1}")
    try:
        assert resumed.events(1) == logged[-1:]
    finally:
        resumed.close()


def test_last_event_id_resumes_too(server: ThreadedServer) -> None:
    sign_in_and_dial(server)
    logged = [e.to_dict() for e in server.emulator.engine.events(INSTANCE)]
    path = f"/_callstate/events?instance={INSTANCE}"
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 2\r\n\r\n".encode())
    data = b""
    while f'"seq":{len(logged)}'.encode() not in data:
        data += sock.recv(65536)
    sock.close()
    assert b'"seq":1,' not in data and b'"seq":2,' not in data and b'"seq":3,' in data


def test_events_committed_while_connecting_are_sent_once_in_order(server: ThreadedServer) -> None:
    job, customer = sign_in_and_dial(server)
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            ok(server, "HoldCall", JobId=job, ChannelId=customer)
            ok(server, "RetrieveCall", JobId=job, ChannelId=customer)

    worker = threading.Thread(target=churn)
    worker.start()
    try:
        time.sleep(0.05)
        streams = [
            SSE(server.url, f"/_callstate/events?instance={INSTANCE}&after=0") for _ in range(5)
        ]
        received = [s.events(60) for s in streams]
    finally:
        stop.set()
        worker.join()
    for stream, events in zip(streams, received, strict=True):
        stream.close()
        assert [e["seq"] for e in events] == list(range(1, 61))


def test_a_reset_is_an_event_and_seq_starts_over(server: ThreadedServer) -> None:
    sign_in_and_dial(server)
    stream = SSE(server.url, f"/_callstate/events?instance={INSTANCE}&after=0")
    try:
        first = stream.until("Established")
        control(server.url, "POST", "/_callstate/reset")
        kinds = []
        for message in stream.messages():
            kinds.append(message.get("event"))
            if message.get("event") == "reset":
                break
        ok(server, "SignInGroup", SignedSkillGroupIdList=f'["{GROUP}"]')
        again = stream.events(1)
    finally:
        stream.close()
    assert first[0]["seq"] == 1 and kinds[-1] == "reset"
    assert again[0]["seq"] == 1 and again[0]["eventType"] == "AgentCheckIn"


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("instance=ccc-nope", 404, "NotExists.InstanceId"),
        ("after=3", 400, "Parameter.Blank"),
        (f"instance={INSTANCE}&after=x", 400, "Parameter.Format"),
        (f"instance={INSTANCE}&after=-1", 400, "Parameter.Format"),
    ],
)
def test_bad_event_stream_requests(
    server: ThreadedServer, query: str, status: int, code: str
) -> None:
    got, reply = control(server.url, "GET", f"/_callstate/events?{query}")
    assert (got, reply["Code"]) == (status, code)


def test_a_closed_stream_unsubscribes(server: ThreadedServer) -> None:
    streams = server.emulator.streams
    before = len(streams)
    stream = SSE(server.url, "/_callstate/events")
    deadline = time.monotonic() + 5
    while len(streams) == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(streams) == before + 1
    stream.close()
    while len(streams) > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(streams) == before


def test_shutdown_ends_open_streams_and_stops_the_ticker(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine()
    ticks: list[float] = []
    tick = engine.tick

    def counted() -> None:
        ticks.append(time.monotonic())
        tick()

    monkeypatch.setattr(engine, "tick", counted)
    running = ThreadedServer(engine)
    running.start()
    stream = SSE(running.url, "/_callstate/events")
    time.sleep(0.3)
    assert len(ticks) >= 2  # about every 50 ms
    thread = running._thread
    started = time.monotonic()
    running.stop()
    assert thread is not None and not thread.is_alive()
    assert time.monotonic() - started < 3  # well before the graceful-shutdown timeout
    assert [m for m in stream.messages() if "data" in m] == []  # the stream ended cleanly
    stream.close()
    stopped = len(ticks)
    time.sleep(0.2)
    assert len(ticks) == stopped
