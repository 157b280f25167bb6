"""The emulator fires timers on the system clock by itself, without waiting for a request.

A real server (its own thread, the system clock, the store the run is parametrized with), an
agent READY, one arrival offered to it, and then no request at all: only the event stream,
opened before the offer, is read. The ring timeout must fire on the server's own tick, stamped
at its due instant. The bound on the wait is generous (correctness, not speed: the benchmarks
measure speed).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from server_support import AGENT, GROUP, INSTANCE, NUMBER, SSE, control, http_call

from callstate import Engine, default_world
from callstate.server import ThreadedServer

RING_MS = 300
#: How long the test waits for the ring-out after the offer's last event, in seconds.
PATIENCE = 2.0


def ms(event: dict[str, Any]) -> int:
    """An event's ``eventTime`` as epoch milliseconds."""
    return round(datetime.fromisoformat(event["eventTime"]).timestamp() * 1000)


def rpc(server: ThreadedServer, action: str, **params: str) -> dict[str, Any]:
    query = {"Action": action, "Version": "2020-07-01", "InstanceId": INSTANCE,
             "UserId": AGENT, "DeviceId": "dev-1", **params}  # fmt: skip
    status, _, body = http_call(server.url, "GET", "/?" + "&".join(f"{k}={v}" for k, v in
                                                                   query.items()))  # fmt: skip
    assert status == 200, body
    return json.loads(body)  # type: ignore[no-any-return]


def test_an_offer_rings_out_on_the_servers_own_tick_with_no_request_after_it() -> None:
    world = default_world().to_dict()
    world["instances"][0]["ringTimeoutMs"] = RING_MS
    # No simulated network: the server's tick has only the timers to apply.
    with ThreadedServer(Engine(world, network=None)) as server:
        rpc(server, "SignInGroup", SignedSkillGroupIdList=json.dumps([GROUP]))
        stream = SSE(server.url, f"/_callstate/events?instance={INSTANCE}", timeout=PATIENCE)
        try:
            arrival = {"InstanceId": INSTANCE, "Caller": "13800000000", "Callee": NUMBER}
            status, reply = control(server.url, "POST", "/_callstate/signals/CallArrived", arrival)
            assert status == 200, reply  # the last request: from here on, only the stream
            job = reply["Data"]["CallContext"]["JobId"]
            try:
                seen = stream.until("RingingTimeout")
            except TimeoutError:
                pytest.fail(f"no RingingTimeout within {PATIENCE} s of the last event")
        finally:
            stream.close()
    ringing = next(e for e in seen if e["eventType"] == "Ringing" and e["contactId"] == job)
    rang_out = seen[-1]
    assert rang_out["contactId"] == job and rang_out["agentId"] == AGENT
    assert rang_out["channelId"] == ringing["channelId"]
    due = ms(ringing) + RING_MS
    assert 0 <= ms(rang_out) - due <= 300, (ringing["eventTime"], rang_out["eventTime"])
