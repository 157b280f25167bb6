"""W6: commands/s of one client while 0, 100 and 1,000 event streams are open.

The ``callstate serve`` app (memory store, simulated network) runs in its own process under
uvicorn. A holder process opens N streams on ``/_callstate/events`` (every instance: each
stream is sent every event) and reads them as fast as they come, discarding the bytes: idle
clients that keep their streams drained. One client then cycles ``HoldCall`` and
``RetrieveCall`` over its answered calls on one keep-alive connection (W5's Python load
generator, in a process of its own) for a fixed time. Stream counts alternate within each
repetition (the order rotating); a figure is the median of the repetitions, and the ratio
is to 0 streams, per repetition.

``python -m benchmarks.w6_streams [--quick]`` prints the table (``--quick``: 3 repetitions of
1 s). ``serve`` and ``streams`` are its child processes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .w5_http import HOST, _free_port, _root, _run_python, _setup_calls

__all__ = ["main", "w6_streams"]

COUNTS = (0, 100, 1000)


def _serve(port: int, world: str) -> None:
    import uvicorn

    from callstate import Engine, MemoryStore
    from callstate.server import create_app

    app = create_app(Engine(world, store=MemoryStore()), max_streams=max(COUNTS) + 10)
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False, lifespan="on")


def _hold_streams(url: str, count: int) -> None:
    """Open ``count`` streams, say ``ready``, then drain them until stdin closes."""
    host, port = url.removeprefix("http://").split(":")
    selector = selectors.DefaultSelector()
    request = f"GET /_callstate/events HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    for _ in range(count):
        sock = socket.create_connection((host, int(port)))
        sock.sendall(request)
        if not sock.recv(65536).startswith(b"HTTP/1.1 200"):
            raise RuntimeError("a stream was refused")
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    selector.register(sys.stdin, selectors.EVENT_READ)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        for key, _ in selector.select():
            if key.fileobj is sys.stdin:
                return
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            with contextlib.suppress(BlockingIOError):
                sock.recv(1 << 20)


@contextlib.contextmanager
def _streams(url: str, count: int) -> Iterator[None]:
    if count == 0:
        yield
        return
    cmd = [sys.executable, "-m", "benchmarks.w6_streams", "streams", "--url", url,
           "--count", str(count)]  # fmt: skip
    holder = subprocess.Popen(cmd, cwd=_root(), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None
        if holder.stdout.readline().strip() != b"ready":
            raise RuntimeError("the stream holder did not start")
        time.sleep(0.2)  # let the server settle its new streams
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(30)
        time.sleep(0.2)  # the server notices the closed streams


@contextlib.contextmanager
def _server(world: str) -> Iterator[str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "benchmarks.w6_streams", "serve", "--port", str(port),
           "--world", world]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=_root(), stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the callstate server did not start")
            time.sleep(0.05)
        yield f"http://{HOST}:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def w6_streams(reps: int, seconds: float, calls: int = 10) -> dict[str, Any]:
    """Commands/s of one client per number of open streams; ratios to 0 streams."""
    from .subject import agent_ids, world_dict

    agents = agent_ids(calls)
    runs: dict[int, list[float]] = {n: [] for n in COUNTS}
    with tempfile.TemporaryDirectory(prefix="callstate-w6-") as workdir:
        world = Path(workdir, "world.json")
        world.write_text(json.dumps(world_dict(agents)))
        with _server(str(world)) as url:
            pairs = _setup_calls(url, agents)
            paths = [[path for pair in pairs for path in pair]]
            _run_python(url, paths, min(1.0, seconds), workdir)  # warm-up
            for rep in range(reps):
                order = COUNTS[rep % len(COUNTS) :] + COUNTS[: rep % len(COUNTS)]
                for count in order:
                    with _streams(url, count):
                        runs[count].append(_run_python(url, paths, seconds, workdir)["rps"])
    ratios = {
        n: statistics.median(r / base for r, base in zip(runs[n], runs[0], strict=True))
        for n in COUNTS
    }
    return {
        "reps": reps,
        "seconds": seconds,
        "rps": {n: statistics.median(r) for n, r in runs.items()},
        "ratio": ratios,
        "goal": {"min_ratio_at_100": 0.8},
    }


def _table(result: dict[str, Any]) -> str:
    lines = ["| open streams | commands/s (median) | ratio to 0 streams |", "|---|---|---|"]
    for n in COUNTS:
        lines.append(f"| {n:,} | {result['rps'][n]:,.0f} | {result['ratio'][n]:.2f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run W6 (``--quick``: 3 repetitions of 1 s), or one of its child processes."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.w6_streams")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--world", required=True)
    streams = sub.add_parser("streams")
    streams.add_argument("--url", required=True)
    streams.add_argument("--count", type=int, required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "serve":
        _serve(args.port, args.world)
    elif args.command == "streams":
        _hold_streams(args.url, args.count)
    else:
        result = w6_streams(reps=3, seconds=1.0) if args.quick else w6_streams(7, 4.0)
        sys.stdout.write(_table(result) + "\n")
        sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
