"""Load: many SDK clients at once (threads and asyncio), then the books must balance.

8 clients (4 on threads, 4 as asyncio tasks), each an agent on its own call, run 200
hold/retrieve cycles; every 8th cycle each also tries to hold and retrieve one *shared* call (as
its agent, from the same device: several workbench tabs racing). Bounded in count and time; the
rate is printed, never asserted. Afterwards:

* no 5xx, and the only refusals are the shared call's ``InvalidOperation.ChannelState`` races;
* the event log is contiguous (seq 1..N), and a live SSE subscriber saw exactly the log;
* per call, Held / Retrieved events and the call detail record's hold count equal the
  successful HoldCalls / RetrieveCalls.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_ccc20200701 import models
from alibabacloud_ccc20200701.client import Client
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from server_support import (
    AK,
    CUSTOMER,
    INSTANCE,
    NUMBER,
    SECRET,
    SSE,
    agent,
    client,
    control,
    world_with_agents,
)
from server_support import sign_in as sign_in_agent

from callstate import Engine, MemoryStore
from callstate.server import ThreadedServer

CLIENTS = 8
CYCLES = 200
SHARED_EVERY = 8
DEADLINE_S = 120  # a bound on the run, not a speed target


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    engine = Engine(world_with_agents(CLIENTS), store=MemoryStore(log_size=100_000))
    with ThreadedServer(engine, credentials={AK: SECRET}) as running:
        yield running


class Tally:
    """Outcomes per (job, action): successes and refusals by code; thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ok: collections.Counter[tuple[str, str]] = collections.Counter()
        self.refused: collections.Counter[tuple[str, str, str]] = collections.Counter()
        self.statuses: collections.Counter[int] = collections.Counter()
        self.requests = 0

    def record(self, job: str, action: str, status: int, code: str) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] += 1
            if status == 200:
                self.ok[job, action] += 1
            else:
                self.refused[job, action, code] += 1


class Leg:
    def __init__(self, who: dict[str, str], job: str, channel: str) -> None:
        self.who, self.job, self.channel = who, job, channel

    def request(self, action: str) -> Any:
        cls = models.HoldCallRequest if action == "HoldCall" else models.RetrieveCallRequest
        return cls(**self.who, job_id=self.job, channel_id=self.channel)


def dial(ccc: Client, who: dict[str, str]) -> Leg:
    sign_in_agent(ccc, who)
    made = ccc.make_call(models.MakeCallRequest(**who, caller=NUMBER, callee=CUSTOMER))
    context = made.body.data.call_context
    return Leg(who, context.job_id, context.channel_contexts[1].channel_id)


def plan(own: Leg, shared: Leg) -> list[tuple[Leg, str]]:
    steps: list[tuple[Leg, str]] = []
    for cycle in range(CYCLES):
        steps += [(own, "HoldCall"), (own, "RetrieveCall")]
        if cycle % SHARED_EVERY == 0:
            steps += [(shared, "HoldCall"), (shared, "RetrieveCall")]
    return steps


def run_sync(ccc: Client, steps: list[tuple[Leg, str]], tally: Tally) -> None:
    for leg, action in steps:
        method = ccc.hold_call if action == "HoldCall" else ccc.retrieve_call
        try:
            status, code = method(leg.request(action)).status_code, "OK"
        except AlibabaCloudException as err:
            status, code = err.status_code, err.code
        tally.record(leg.job, action, status, code)


async def run_async(ccc: Client, steps: list[tuple[Leg, str]], tally: Tally) -> None:
    for leg, action in steps:
        method = ccc.hold_call_async if action == "HoldCall" else ccc.retrieve_call_async
        try:
            status, code = (await method(leg.request(action))).status_code, "OK"
        except AlibabaCloudException as err:
            status, code = err.status_code, err.code
        tally.record(leg.job, action, status, code)


def test_concurrent_sdk_clients_keep_the_books_balanced(server: ThreadedServer) -> None:
    setup = client(server.endpoint)
    shared = dial(setup, agent())
    owns = [dial(setup, agent(f"agent-{i}@ccc-test", f"dev-{i}")) for i in range(CLIENTS)]
    live = SSE(server.url, f"/_callstate/events?instance={INSTANCE}&after=0")
    tally = Tally()
    # half V2, half V3 signing; the first half on threads, the second half as asyncio tasks
    clients = [client(server.endpoint, v2=i % 2 == 1) for i in range(CLIENTS)]
    threaded = CLIENTS // 2

    def async_clients() -> None:
        async def all_of_them() -> None:
            await asyncio.gather(
                *(
                    run_async(clients[i], plan(owns[i], shared), tally)
                    for i in range(threaded, CLIENTS)
                )
            )

        asyncio.run(all_of_them())

    workers = [
        threading.Thread(target=run_sync, args=(clients[i], plan(owns[i], shared), tally))
        for i in range(threaded)
    ] + [threading.Thread(target=async_clients)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(max(0.0, DEADLINE_S - (time.perf_counter() - started)))
    elapsed = time.perf_counter() - started
    assert not any(w.is_alive() for w in workers), f"the load did not finish in {DEADLINE_S} s"

    expected = CLIENTS * len(plan(owns[0], shared))
    print(
        f"\nload: {tally.requests} requests from {CLIENTS} SDK clients "
        f"({threaded} threads, {CLIENTS - threaded} asyncio) in {elapsed:.2f} s = "
        f"{tally.requests / elapsed:.0f} requests/s; statuses {dict(tally.statuses)}; "
        f"shared call: {tally.ok[shared.job, 'HoldCall']} holds and "
        f"{tally.ok[shared.job, 'RetrieveCall']} retrieves succeeded of "
        f"{CLIENTS * (CYCLES // SHARED_EVERY)} each"
    )
    assert tally.requests == expected
    assert set(tally.statuses) <= {200, 400}  # no 5xx, nothing unexpected
    for own in owns:
        assert tally.ok[own.job, "HoldCall"] == tally.ok[own.job, "RetrieveCall"] == CYCLES
    refusals = {(job, code) for job, _, code in tally.refused}
    assert refusals <= {(shared.job, "InvalidOperation.ChannelState")}
    shared_holds = tally.ok[shared.job, "HoldCall"]
    shared_retrieves = tally.ok[shared.job, "RetrieveCall"]
    assert shared_holds >= 1 and shared_retrieves in (shared_holds, shared_holds - 1)

    for leg in [shared, *owns]:  # end every call: each publishes its call detail record
        setup.release_call(models.ReleaseCallRequest(**leg.who, job_id=leg.job))
    _, state = control(server.url, "GET", "/_callstate/state")
    total = state["instances"][INSTANCE]["seq"]
    try:
        seen = live.events(total)
    finally:
        live.close()
    log = [e.to_dict() for e in server.emulator.engine.events(INSTANCE)]
    assert [e["seq"] for e in log] == list(range(1, total + 1))  # contiguous, nothing lost
    assert seen == log  # the live stream saw exactly the log, in order

    per_job = collections.Counter((e.get("contactId"), e["eventType"]) for e in log)
    records = {e["contactId"]: e for e in log if e["eventType"] == "CDRReady"}
    for leg in [shared, *owns]:
        holds, retrieves = tally.ok[leg.job, "HoldCall"], tally.ok[leg.job, "RetrieveCall"]
        assert per_job[leg.job, "Held"] == holds
        assert per_job[leg.job, "Retrieved"] == retrieves
        assert records[leg.job]["holdCount"] == holds
