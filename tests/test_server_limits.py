"""The HTTP edge's limits, over raw loopback sockets: timeouts, the body size, accept errors.

A connection that sends nothing, half its headers or half its body is closed by the server; a
body over the limit is refused (413, a CCC body) as soon as it is known to be over, never
buffered whole. Every socket a test opens is closed by the test.
"""

from __future__ import annotations

import json
import logging
import math
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_support import INSTANCE, ServeProcess, control

from callstate import Engine, default_world
from callstate.server import AcceptErrorFilter, ThreadedServer

KIB = 1024
MIB = 1024 * KIB
ERROR_KEYS = {"Code", "HttpStatusCode", "Message", "Params", "RequestId"}


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    """Short timeouts, the default body limit (1 MiB)."""
    with ThreadedServer(Engine(), header_timeout=0.5, body_timeout=0.5) as running:
        yield running


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=5)


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed ``sock`` (reads until EOF; False if it stays open 5 s)."""
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length (what every error answer has)."""
    file = sock.makefile("rb")
    status = int(file.readline().split()[1])
    headers: dict[str, str] = {}
    while (line := file.readline().decode().strip()) != "":
        name, _, value = line.partition(":")
        headers[name.lower()] = value.strip()
    return status, headers, file.read(int(headers["content-length"]))


def send_quietly(sock: socket.socket, data: bytes) -> bool:
    """Send, unless the server has closed the connection; whether everything was sent."""
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        return False
    return True


def request_head(method: str, path: str, *extra: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: callstate", *extra, "", ""]
    return "\r\n".join(lines).encode()


def world_is_untouched(server: ThreadedServer) -> None:
    assert control(server.url, "GET", "/_callstate/world") == (200, default_world().to_dict())


# --- the body limit ---------------------------------------------------------------------------
def test_a_content_length_over_the_limit_is_refused_at_once(server: ThreadedServer) -> None:
    with connect(server.url) as sock:
        head = request_head("PUT", "/_callstate/world", f"Content-Length: {400 * MIB}")
        sock.sendall(head + b"{")  # then nothing: the answer must not wait for the body
        status, headers, body = read_response(sock)
        reply = json.loads(body)
        assert (status, reply["Code"], reply["HttpStatusCode"]) == (413, "PayloadTooLarge", 413)
        assert set(reply) == ERROR_KEYS and reply["Params"] == [str(MIB)]
        assert headers["connection"] == "close" and closed_by_server(sock)
    world_is_untouched(server)


def test_a_chunked_body_is_cut_off_when_it_passes_the_limit(server: ThreadedServer) -> None:
    with connect(server.url) as sock:
        sock.sendall(request_head("POST", "/_callstate/reset", "Transfer-Encoding: chunked"))
        chunk = b"%x\r\n%s\r\n" % (64 * KIB, b" " * (64 * KIB))
        sent = 0
        while sent < 8 * MIB and send_quietly(sock, chunk):  # far more than the limit
            sent += 64 * KIB
        status, headers, body = read_response(sock)
        assert (status, json.loads(body)["Code"]) == (413, "PayloadTooLarge")
        assert headers["connection"] == "close" and closed_by_server(sock)
        assert sent < 8 * MIB  # the server stopped reading: the rest could not be sent
    world_is_untouched(server)


def test_a_body_under_the_limit_is_read(server: ThreadedServer) -> None:
    world = default_world().to_dict()
    world["instances"][0]["numbers"] += [f"0109{i:07d}" for i in range(20_000)]  # ~0.3 MiB
    status, reply = control(server.url, "PUT", "/_callstate/world", world)
    assert (status, reply) == (200, {"instances": [INSTANCE]})
    assert control(server.url, "PUT", "/_callstate/world", default_world().to_dict())[0] == 200


# --- timeouts ---------------------------------------------------------------------------------
def test_idle_and_half_sent_connections_are_closed(server: ThreadedServer) -> None:
    """A few hundred: silent ones, half headers, half a body, idle after a response."""
    kinds = {
        "silent": b"",
        "half headers": b"GET /_callstate/state HTTP/1.1\r\nHost: call",
        "half a body": request_head("PUT", "/_callstate/world", "Content-Length: 100") + b"{",
        "after a response": request_head("GET", "/_callstate/world"),
    }
    opened: list[tuple[str, socket.socket]] = []
    try:
        for i in range(200):
            kind = list(kinds)[i % len(kinds)]
            sock = connect(server.url)
            opened.append((kind, sock))
            sock.sendall(kinds[kind])
        started = time.monotonic()
        still_open = [kind for kind, sock in opened if not closed_by_server(sock)]
        assert still_open == []
        assert time.monotonic() - started < 3  # every timeout is 0.5 s here
    finally:
        for _, sock in opened:
            sock.close()
    world_is_untouched(server)


def test_a_body_that_stops_arriving_is_a_408_and_changes_nothing(server: ThreadedServer) -> None:
    with connect(server.url) as sock:
        head = request_head("PUT", "/_callstate/world", "Content-Length: 1000")
        sock.sendall(head + b'{"instances": [')
        status, headers, body = read_response(sock)
        reply = json.loads(body)
        assert (status, reply["Code"], reply["Params"]) == (408, "RequestTimeout", ["0.5"])
        assert headers["connection"] == "close" and closed_by_server(sock)
    world_is_untouched(server)


def test_a_kept_alive_connection_serves_several_requests(server: ThreadedServer) -> None:
    with connect(server.url) as sock:
        for _ in range(3):
            sock.sendall(request_head("GET", "/_callstate/world"))
            status, headers, _ = read_response(sock)
            assert status == 200 and headers.get("connection") != "close"
            time.sleep(0.3)  # under the header timeout each time, well over it in total


# --- options of serve -------------------------------------------------------------------------
def test_serve_takes_the_limits_as_flags() -> None:
    served = ServeProcess("--max-body-bytes", "100", "--header-timeout", "0.5")
    try:
        with connect(served.url) as sock:
            sock.sendall(request_head("POST", "/_callstate/reset", "Content-Length: 101"))
            status, _, body = read_response(sock)
            assert (status, json.loads(body)["Params"]) == (413, ["100"])
        with connect(served.url) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\n")
            assert closed_by_server(sock)
    finally:
        served.stop()


# --- rate-limited accept errors ---------------------------------------------------------------
def accept_error(message: str = "socket.accept() out of system resource") -> logging.LogRecord:
    return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, message, None, None)


def test_accept_errors_are_rate_limited_and_counted() -> None:
    now = [100.0]
    limiter = AcceptErrorFilter(per_second=5, clock=lambda: now[0])
    passed = [r for r in (accept_error() for _ in range(10_000)) if limiter.filter(r)]
    assert len(passed) == 5  # one second's worth, whatever the flood
    retry = accept_error(f"{AcceptErrorFilter.RETRY}(<function ...>)")
    assert not limiter.filter(retry)  # a failing retry is an accept error too
    other = accept_error("Task exception was never retrieved")
    assert all(limiter.filter(other) for _ in range(100))  # other records are not limited
    now[0] += 1.0
    summary = accept_error()
    assert limiter.filter(summary)
    assert "9996 more accept errors were not logged" in summary.getMessage()
    assert limiter.suppressed == 9996


def test_the_server_installs_the_filter_once() -> None:
    with ThreadedServer(Engine()), ThreadedServer(Engine()):
        filters = logging.getLogger("asyncio").filters
        assert len([f for f in filters if isinstance(f, AcceptErrorFilter)]) == 1


def test_at_the_fd_limit_accept_errors_are_logged_a_few_a_second(tmp_path: Path) -> None:
    """The real thing: a server allowed 48 descriptors, 120 clients connected for 2 s."""
    limit = 48
    code = (
        f"import resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, ({limit}, {limit})); "
        "from callstate.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    command = [sys.executable, "-c", code, "serve", "--port", "0", "--header-timeout", "60"]
    started = time.monotonic()
    with (tmp_path / "stderr").open("w") as sink:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=sink, text=True)
    try:
        assert process.stdout is not None
        url = ""
        while not url and (line := process.stdout.readline()):
            url = found.group(1) if (found := re.search(r"at (http://\S+)", line)) else ""
        clients: list[socket.socket] = []
        try:
            clients += [connect(url) for _ in range(120)]  # the kernel queues what is not accepted
            time.sleep(2.0)
        finally:
            for sock in clients:
                sock.close()
        assert control(url, "GET", "/_callstate/world")[0] == 200  # it recovers
    finally:
        process.terminate()
        process.wait(10)
    seconds = time.monotonic() - started  # a loaded machine makes it longer, not the rate higher
    logged = (tmp_path / "stderr").read_text()
    assert logged.count(AcceptErrorFilter.MESSAGE) >= 1  # the limit was reached
    accept_errors = logged.count(AcceptErrorFilter.MESSAGE) + logged.count(AcceptErrorFilter.RETRY)
    windows = math.floor(seconds) + 2  # the clock seconds a run of that length can touch
    assert accept_errors <= 5 * windows, (accept_errors, seconds)  # 5 a clock second
    tracebacks = logged.count("Traceback (most recent call last)")
    assert tracebacks <= accept_errors + 5, tracebacks  # nothing else floods the log
    assert "more accept errors were not logged" in logged
