"""Helpers for the emulator's tests: SDK clients, plain HTTP, an SSE reader, a bigger world."""

from __future__ import annotations

import base64
import http.client
import json
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

from alibabacloud_ccc20200701 import models
from alibabacloud_ccc20200701.client import Client
from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_openapi.utils import Utils
from darabonba.request import DaraRequest

from callstate import default_world
from callstate.server._signature import EMPTY_SHA256

INSTANCE = "ccc-test"
AGENT = "user-test@ccc-test"
GROUP = "skill-group@ccc-test"
NUMBER = "01012345678"
CUSTOMER = "13900000000"  # answers at once in the bundled world
AK, SECRET = "test-ak", "test-secret"


def client(endpoint: str, *, v2: bool = False, ak: str = AK, secret: str = SECRET) -> Client:
    """An official SDK client pointed at the emulator."""
    config = Config(
        access_key_id=ak,
        access_key_secret=secret,
        endpoint=endpoint,
        protocol="http",
        region_id="cn-shanghai",
        signature_algorithm="v2" if v2 else None,
        read_timeout=20_000,
    )
    return Client(config)


def sdk_signed_headers(
    endpoint: str,
    action: str,
    query: dict[str, str],
    *,
    ak: str = AK,
    secret: str = SECRET,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers of a V3 ``POST /`` with ``query`` and no body, signed by the SDK's signer.

    Built as the SDK builds them (``Utils.get_authorization``), so a test can send the query it
    likes (rewritten, replayed) under a signature the SDK made.
    """
    headers = {
        "host": endpoint,
        "x-acs-version": "2020-07-01",
        "x-acs-action": action,
        "x-acs-date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "x-acs-signature-nonce": nonce or Utils.get_nonce(),
        "x-acs-content-sha256": EMPTY_SHA256,
        "accept": "application/json",
    }
    request = DaraRequest()
    request.method, request.pathname = "POST", "/"
    request.query, request.headers = dict(query), dict(headers)
    authorization = Utils.get_authorization(request, "ACS3-HMAC-SHA256", EMPTY_SHA256, ak, secret)
    return {**headers, "authorization": authorization}


def agent(user: str = AGENT, device: str = "dev-1") -> dict[str, str]:
    """The SDK request fields naming one agent."""
    return {"instance_id": INSTANCE, "user_id": user, "device_id": device}


def sign_in(ccc: Client, who: dict[str, str]) -> models.SignInGroupResponse:
    request = models.SignInGroupRequest(**who, signed_skill_group_id_list=json.dumps([GROUP]))
    return ccc.sign_in_group(request)


def world_with_agents(count: int, **dialling: Any) -> dict[str, Any]:
    """The bundled world plus agents ``agent-{i}@ccc-test`` (extensions 8100i...)."""
    world = default_world().to_dict()
    instance = world["instances"][0]
    for i in range(count):
        instance["users"].append(
            {
                "userId": f"agent-{i}@ccc-test",
                "extension": f"81{i:04d}",
                "mobile": f"139{i:08d}",
                "workMode": "ON_SITE",
                "skillGroups": [GROUP],
            }
        )
    instance["dialling"]["numbers"].update(dialling)
    return world


Auth = tuple[str, str] | None
#: The control plane's access key in these tests: a server without credentials ignores it.
CONTROL_AUTH: Auth = (AK, SECRET)


def basic(auth: Auth) -> dict[str, str]:
    """The ``Authorization: Basic`` header of an access key pair (none for ``None``)."""
    if auth is None:
        return {}
    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    return {"authorization": f"Basic {token}"}


def http_call(
    url: str,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    *,
    auth: Auth = None,
) -> tuple[int, dict[str, str], bytes]:
    """One plain HTTP request; ``body`` that is not bytes is sent as JSON."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        data = body if isinstance(body, bytes | None) else json.dumps(body).encode()
        conn.request(method, path, body=data, headers={**basic(auth), **(headers or {})})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def control(
    url: str, method: str, path: str, body: Any = None, *, auth: Auth = CONTROL_AUTH
) -> tuple[int, Any]:
    """A control-plane call (with the tests' access key unless told): status and decoded JSON."""
    status, _, data = http_call(url, method, path, body, auth=auth)
    return status, json.loads(data)


class SSE:
    """A minimal Server-Sent Events reader over a raw socket (no client library needed)."""

    def __init__(
        self, url: str, path: str, timeout: float = 10.0, *, auth: Auth = CONTROL_AUTH
    ) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        extra = "".join(f"{name}: {value}\r\n" for name, value in basic(auth).items())
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n{extra}\r\n"
        self.sock.sendall(request.encode())
        self.file = self.sock.makefile("rb")
        self.status = int(self.file.readline().split()[1])
        self.headers: dict[str, str] = {}
        while (line := self.file.readline().decode().strip()) != "":
            name, _, value = line.partition(":")
            self.headers[name.lower()] = value.strip()
        self.chunked = self.headers.get("transfer-encoding") == "chunked"
        self._buffer = b""

    def _lines(self) -> Iterator[str]:
        while True:
            while b"\n" not in self._buffer:
                chunk = self._read_chunk()
                if not chunk:
                    return
                self._buffer += chunk
            line, self._buffer = self._buffer.split(b"\n", 1)
            yield line.decode()

    def _read_chunk(self) -> bytes:
        if not self.chunked:
            return self.file.read1(65536)
        size = int(self.file.readline().strip() or b"0", 16)
        if size == 0:
            return b""
        data = self.file.read(size)
        self.file.readline()
        return data

    def messages(self) -> Iterator[dict[str, str]]:
        """Each message's fields (``event``, ``data``, ``id``); comments skipped."""
        fields: dict[str, str] = {}
        for line in self._lines():
            if line == "":
                if fields:
                    yield fields
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")

    def events(self, count: int) -> list[dict[str, Any]]:
        """The next ``count`` domain events (reset markers and other messages skipped)."""
        out: list[dict[str, Any]] = []
        for message in self.messages():
            if "data" in message and message.get("event") not in ("reset",):
                out.append(json.loads(message["data"]))
                if len(out) == count:
                    break
        return out

    def until(self, event_type: str) -> list[dict[str, Any]]:
        """The domain events up to and including the first of type ``event_type``."""
        out: list[dict[str, Any]] = []
        while not out or out[-1]["eventType"] != event_type:
            out += self.events(1)
        return out

    def close(self) -> None:
        self.file.close()
        self.sock.close()


class ServeProcess:
    """``callstate serve`` as a subprocess; :attr:`url` is read from what it prints."""

    def __init__(self, *args: str, timeout: float = 20.0) -> None:
        command = [sys.executable, "-m", "callstate.cli", "serve", "--port", "0", *args]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        self.readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.lines.put)),
            threading.Thread(target=self._read, args=(self.process.stderr, self.errors.append)),
        ]
        for reader in self.readers:
            reader.start()
        self.printed: list[str] = []
        found = None
        deadline = time.monotonic() + timeout
        while found is None:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            self.printed.append(line)
            found = re.search(r"at (http://\S+)", line)
        self.url = found.group(1)
        self.endpoint = self.url.removeprefix("http://")

    @staticmethod
    def _read(pipe: IO[str], put: Callable[[str], None]) -> None:
        for line in pipe:
            put(line)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> tuple[int, str, str]:
        """Send ``sig`` and wait: the exit status, the rest of stdout, and stderr."""
        self.process.send_signal(sig)
        status = self.process.wait(timeout)
        for reader in self.readers:
            reader.join(timeout)
        rest = ""
        while not self.lines.empty():
            rest += self.lines.get()
        return status, rest, "".join(self.errors)
