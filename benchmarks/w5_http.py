"""W5: the HTTP emulator against a bare Starlette app, over keep-alive on loopback.

Two servers run side by side, each in its own process under uvicorn (one worker, no access
log, same settings):

* ``callstate``: ``callstate.server.create_app(Engine(world))``, the ``callstate serve`` app,
  with the simulated network (every dialled number answers at once);
* ``bare``: a Starlette app with one route answering a fixed JSON body of the same size as
  callstate's HoldCall/RetrieveCall replies (their mean): the limit of this HTTP stack.

Before measuring, every connection's agents sign in and make their calls over HTTP (plain
RPC requests, no signature: the emulator accepts unsigned requests when it has no
credentials). The load generator then keeps one keep-alive connection per thread, each cycling
``HoldCall``, ``RetrieveCall`` over its own calls' customer legs (several calls per connection,
so that no call's hold history grows long). It is ``wrk`` when installed (``apt-get install
wrk``), else a Python generator with raw sockets, in its own process either way. Runs of the
two servers alternate; each figure is the median of the repetitions.

``python -m benchmarks.w5_http serve --app callstate|bare --port P [--world F] [--body-size N]``
runs one server; ``python -m benchmarks.w5_http load ...`` is the Python load generator.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["available", "main", "w5_http"]

HOST = "127.0.0.1"
VERSION = "2020-07-01"
JSON_TYPE = "application/json;charset=utf-8"


# --- the servers (child processes) ----------------------------------------------------------------
def _bare_app(body_size: int) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    head = '{"Code":"OK","Data":{"Pad":"'
    tail = '"},"HttpStatusCode":200,"Message":"","Params":[],"RequestId":"R"}'
    body = (head + "x" * max(0, body_size - len(head) - len(tail)) + tail).encode()

    async def answer(request: Request) -> Response:
        return Response(body, 200, media_type=JSON_TYPE)

    return Starlette(routes=[Route("/", answer, methods=["GET", "POST"])])


def _callstate_app(world: str | None) -> Any:
    from callstate import Engine, MemoryStore
    from callstate.server import create_app

    return create_app(Engine(world, store=MemoryStore()))


def _serve(app_kind: str, port: int, world: str | None, body_size: int) -> None:
    import uvicorn

    app = _bare_app(body_size) if app_kind == "bare" else _callstate_app(world)
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False, lifespan="on")


def available() -> str:
    """Empty if W5 can run; else why not."""
    for module in ("starlette", "uvicorn"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (the server extra)"
    try:
        from callstate.server import create_app  # noqa: F401
    except ImportError as err:
        return f"callstate.server not available ({err})"
    return ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _server(app_kind: str, world: str | None = None, body_size: int = 0) -> Iterator[str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "benchmarks.w5_http", "serve", "--app", app_kind,
           "--port", str(port), "--body-size", str(body_size)]  # fmt: skip
    if world:
        cmd += ["--world", world]
    proc = subprocess.Popen(cmd, cwd=_root(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"the {app_kind} server did not start: {err[-2000:]}")
            time.sleep(0.05)
        yield f"http://{HOST}:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _root() -> str:
    return str(Path(__file__).resolve().parent.parent)


# --- setting up the calls over HTTP ---------------------------------------------------------------
def _path(action: str, params: dict[str, str]) -> str:
    return "/?" + urllib.parse.urlencode({"Action": action, "Version": VERSION, **params})


def _get(url: str, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url + path, timeout=30) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as err:
        return int(err.code), bytes(err.read())


def _setup_calls(url: str, agents: list[str]) -> list[tuple[str, str]]:
    """Sign every agent in and make its call: answers (hold path, retrieve path) per call."""
    from .subject import CALLEE, GROUP, INSTANCE, NUMBER, device_of

    paths = []
    for uid in agents:
        agent = {"InstanceId": INSTANCE, "UserId": uid, "DeviceId": device_of(uid)}
        groups = json.dumps([GROUP])
        status, body = _get(url, _path("SignInGroup", {**agent, "SignedSkillGroupIdList": groups}))
        if status != 200:
            raise RuntimeError(f"SignInGroup: {body!r}")
        status, body = _get(url, _path("MakeCall", {**agent, "Caller": NUMBER, "Callee": CALLEE}))
        if status != 200:
            raise RuntimeError(f"MakeCall: {body!r}")
        context = json.loads(body)["Data"]["CallContext"]
        customer = next(c["ChannelId"] for c in context["ChannelContexts"] if not c["UserId"])
        params = {**agent, "JobId": context["JobId"], "ChannelId": customer}
        paths.append((_path("HoldCall", params), _path("RetrieveCall", params)))
    return paths


# --- load generators ------------------------------------------------------------------------------
_LUA = """
local lists = %(lists)s
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
function init(args)
  reqs = {}
  for _, p in ipairs(lists[tid]) do
    table.insert(reqs, wrk.format("GET", p))
  end
  idx = 1
end
-- wrk may call request() once more than it sends (thread 1 does, 4.1.0): the cycle moves on
-- when a response arrives, so every call is held, then retrieved, whatever wrk asks.
function request()
  return reqs[idx]
end
function response(status, headers, body)
  idx = idx %% #reqs + 1
end
function done(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p99_us":%%d,"mean_us":%%f,' ..
    '"non2xx":%%d,"socket_errors":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def _lua_list(items: list[str]) -> str:
    return "{" + ",".join(json.dumps(i) for i in items) + "}"


def _run_wrk(url: str, per_conn: list[list[str]], seconds: float, workdir: str) -> dict[str, Any]:
    script = Path(workdir, "w5.lua")
    lists = "{" + ",".join(_lua_list(paths) for paths in per_conn) + "}"
    script.write_text(_LUA % {"lists": lists})
    conns = len(per_conn)
    duration = f"{max(1, round(seconds))}s"  # wrk takes whole seconds
    out = subprocess.run(
        ["wrk", "-t", str(conns), "-c", str(conns), "-d", duration, "-s", str(script), url],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    )  # fmt: skip
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON "))
    data: dict[str, Any] = json.loads(line.removeprefix("WRKJSON "))
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def _run_python(
    url: str, per_conn: list[list[str]], seconds: float, workdir: str
) -> dict[str, Any]:
    spec = Path(workdir, "w5.json")
    spec.write_text(json.dumps({"url": url, "lists": per_conn, "seconds": seconds}))
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.w5_http", "load", "--spec", str(spec)],
        capture_output=True, text=True, check=True, timeout=seconds + 60, cwd=_root(),
    )  # fmt: skip
    data: dict[str, Any] = json.loads(out.stdout)
    return data


class _Conn:
    """One keep-alive connection of the Python load generator, cycling its requests."""

    def __init__(self, sock: socket.socket, requests: list[bytes]) -> None:
        self.sock = sock
        self.requests = requests
        self.next = 0
        self.buf = b""
        self.sent = 0

    def send(self) -> None:
        self.sock.sendall(self.requests[self.next])
        self.next = (self.next + 1) % len(self.requests)
        self.sent = time.perf_counter_ns()

    def response(self) -> str | None:
        """The status line of a complete buffered response (consumed), if there is one."""
        head_end = self.buf.find(b"\r\n\r\n")
        if head_end < 0:
            return None
        head = self.buf[:head_end].decode("latin-1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if len(self.buf) < head_end + 4 + length:
            return None
        self.buf = self.buf[head_end + 4 + length :]
        return head.split("\r\n", 1)[0]


def _python_load(url: str, lists: list[list[str]], seconds: float) -> dict[str, Any]:
    """Keep-alive GETs on one socket per list, each cycling its paths; one process, selectors."""
    parsed = urllib.parse.urlsplit(url)
    host, port = parsed.hostname or HOST, parsed.port or 80
    sel = selectors.DefaultSelector()
    conns = []
    for paths in lists:
        sock = socket.create_connection((host, port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        requests = [f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode() for p in paths]
        conn = _Conn(sock, requests)
        conns.append(conn)
        sel.register(sock, selectors.EVENT_READ, conn)
    latencies: list[int] = []
    non2xx = errors = 0
    start = time.perf_counter_ns()
    end = start + int(seconds * 1e9)
    for conn in conns:
        conn.send()
    while time.perf_counter_ns() < end and sel.get_map():
        for key, _ in sel.select(0.5):
            conn = key.data
            data = conn.sock.recv(65536)
            if not data:  # the server closed the connection
                errors += 1
                sel.unregister(conn.sock)
                continue
            conn.buf += data
            status = conn.response()
            if status is None:
                continue
            latencies.append(time.perf_counter_ns() - conn.sent)
            if not status.split(" ", 2)[1].startswith("2"):
                non2xx += 1
            conn.send()
    duration = time.perf_counter_ns() - start
    for conn in conns:
        conn.sock.close()
    latencies.sort()

    def pct(q: float) -> int:
        if not latencies:
            return 0
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] // 1000

    mean = statistics.fmean(latencies) / 1000 if latencies else 0.0
    return {"requests": len(latencies), "duration_us": duration // 1000, "p50_us": pct(0.5),
            "p99_us": pct(0.99), "mean_us": mean, "non2xx": non2xx, "socket_errors": errors,
            "rps": len(latencies) / (duration / 1e9)}  # fmt: skip


# --- the workload ---------------------------------------------------------------------------------
def w5_http(
    reps: int,
    seconds: float,
    connections: int = 4,
    calls_per_connection: int = 25,
    generator: str | None = None,
) -> dict[str, Any]:
    """Requests/s and latency of both servers, alternating; the ratio callstate / bare.

    ``generator`` is ``wrk`` or ``python`` (default: ``wrk`` when it is on the PATH).
    """
    why = available()
    if why:
        return {"skipped": f"W5 skipped: {why}"}
    from .subject import agent_ids, world_dict

    generator = generator or ("wrk" if shutil.which("wrk") else "python")
    run = _run_wrk if generator == "wrk" else _run_python
    agents = agent_ids(connections * calls_per_connection)
    with tempfile.TemporaryDirectory(prefix="callstate-w5-") as workdir:
        world = Path(workdir, "world.json")
        world.write_text(json.dumps(world_dict(agents)))
        with _server("callstate", str(world)) as cs_url:
            pairs = _setup_calls(cs_url, agents)
            sizes = []
            for hold, retrieve in pairs[:2]:  # sample the replies' size, and leave them retrieved
                for path in (hold, retrieve):
                    status, body = _get(cs_url, path)
                    if status != 200:
                        raise RuntimeError(f"HoldCall/RetrieveCall failed: {body!r}")
                    sizes.append(len(body))
            body_size = round(statistics.fmean(sizes))
            per_conn = [
                [path for pair in pairs[i::connections] for path in pair]
                for i in range(connections)
            ]
            with _server("bare", body_size=body_size) as bare_url:
                urls = {"bare": bare_url, "callstate": cs_url}

                def settle() -> None:
                    """A run stops anywhere in its cycle: leave every call retrieved again."""
                    time.sleep(0.2)  # requests in flight when the generator stopped
                    for _hold, retrieve in pairs:
                        _get(cs_url, retrieve)

                for url in urls.values():  # warm-up
                    run(url, per_conn, min(1.0, seconds), workdir)
                settle()
                results: dict[str, list[dict[str, Any]]] = {"bare": [], "callstate": []}
                for rep in range(reps):
                    order = ["bare", "callstate"] if rep % 2 == 0 else ["callstate", "bare"]
                    for name in order:
                        results[name].append(run(urls[name], per_conn, seconds, workdir))
                        if name == "callstate":
                            settle()
    summary: dict[str, Any] = {"generator": generator, "connections": connections,
                               "calls_per_connection": calls_per_connection, "seconds": seconds,
                               "body_size": body_size, "servers": {}}  # fmt: skip
    for name, runs in results.items():
        summary["servers"][name] = {
            "rps": [r["rps"] for r in runs],
            "rps_median": statistics.median(r["rps"] for r in runs),
            "p50_us_median": statistics.median(r["p50_us"] for r in runs),
            "p99_us_median": statistics.median(r["p99_us"] for r in runs),
            "non2xx": sum(r["non2xx"] for r in runs),
            "socket_errors": sum(r["socket_errors"] for r in runs),
        }
    ratios = [
        c["rps"] / b["rps"] for c, b in zip(results["callstate"], results["bare"], strict=True)
    ]
    summary["ratio"] = statistics.median(ratios)
    summary["goal"] = {"min": 0.5}
    return summary


def main(argv: list[str] | None = None) -> int:
    """``serve`` one server, or ``load`` (the Python load generator)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.w5_http")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--app", choices=["callstate", "bare"], required=True)
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--world")
    serve.add_argument("--body-size", type=int, default=0)
    load = sub.add_parser("load")
    load.add_argument("--spec", required=True)
    args = parser.parse_args(argv)
    if args.command == "serve":
        _serve(args.app, args.port, args.world, args.body_size)
        return 0
    spec = json.loads(Path(args.spec).read_text())
    result = _python_load(spec["url"], spec["lists"], spec["seconds"])
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
