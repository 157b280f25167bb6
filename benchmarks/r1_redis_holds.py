"""R1: on the Redis store, a command's cost against its call's hold history (issue 8, item 15).

One engine on a private ``redis-server`` (started on a free loopback port, no persistence).
Per repetition and per history size (0, 100 and 1,000 earlier holds), an agent makes a fresh
answered call and holds and retrieves it that many times (untimed); then ``ops`` HoldCall +
RetrieveCall pairs of ``engine.handle`` on that call are timed; then the call is released and
the agent made ready again (untimed). The sizes run interleaved; each figure is a median, and
the ratios are to the call with no earlier holds (goal: flat, <= 1.2x at 1,000).

``python -m benchmarks --workloads R1 [--quick]``; skipped when redis-server or redis-py is
missing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

from ._measure import interleave, ratio, timed
from .subject import INSTANCE, agent_ids, device_of, open_call, sign_in, world_dict

__all__ = ["r1_redis_holds"]

SIZES = (0, 100, 1_000)


@contextlib.contextmanager
def _redis_server() -> Iterator[int]:
    """A private redis-server on a free loopback port: its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = shutil.which("redis-server")
    assert server is not None
    args = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        import redis

        deadline = time.monotonic() + 10
        while True:
            try:
                with redis.Redis(port=port, socket_timeout=1) as client:
                    client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def _run(engine: Any, uid: str, earlier: int, ops: int) -> Callable[[], float]:
    """One repetition at one history size: ns per command."""
    who = {"InstanceId": INSTANCE, "UserId": uid, "DeviceId": device_of(uid)}

    def pairs(params: dict[str, str], n: int) -> None:
        for _ in range(n):
            for action in ("HoldCall", "RetrieveCall"):
                reply = engine.handle(action, params)
                if not reply.ok:
                    raise RuntimeError(f"{action}: {reply.body}")

    def run() -> float:
        call = open_call(engine, uid)
        params = {**who, "JobId": call.job_id, "ChannelId": call.customer_leg}
        pairs(params, earlier)
        ns = timed(lambda: pairs(params, ops), 2 * ops)
        for action, extra in (("ReleaseCall", {"JobId": call.job_id}), ("ReadyForService", {})):
            if not engine.handle(action, {**who, **extra}).ok:
                raise RuntimeError(f"{action} failed")
        return ns

    return run


def r1_redis_holds(reps: int, ops: int) -> dict[str, Any]:
    """Median ns per HoldCall/RetrieveCall at each history size; ratios to no earlier holds."""
    if shutil.which("redis-server") is None or importlib.util.find_spec("redis") is None:
        return {"skipped": "R1 skipped: redis-server or redis-py (the redis extra) is missing"}
    from callstate import Engine

    agents = agent_ids(len(SIZES))
    with _redis_server() as port:
        engine = Engine(
            world_dict(agents),
            store=f"redis://127.0.0.1:{port}/0?namespace=r1",
            network=None,
        )
        for uid in agents:
            sign_in(engine, uid)
        runs = {str(n): _run(engine, uid, n, ops) for n, uid in zip(SIZES, agents, strict=True)}
        series = interleave(runs, reps)
        engine.close()
    return {
        "unit": "ns/op",
        "ops": ops,
        "contenders": {
            key: {"name": f"{int(key):,} earlier holds", "ns": s.values, "median_ns": s.median}
            for key, s in series.items()
        },
        "reference": "0",
        "ratios": {key: ratio(s, series["0"]) for key, s in series.items()},
        "goal": {"max": 1.2},
    }
