"""The README's "Share state on Redis": two ``callstate serve`` processes on one Redis; a call
held through one is retrieved through the other, with the README's own snippet."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RedisServer
from server_support import ServeProcess, control

pytestmark = pytest.mark.redis_store

README = Path(__file__).resolve().parents[1] / "README.md"
HEADING = "Share state on Redis"
WRITTEN = "redis://127.0.0.1:6379/0"


def blocks(language: str) -> list[str]:
    text = README.read_text("utf-8")
    section = text.split(f"## {HEADING}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


def test_a_call_held_through_one_server_is_retrieved_through_the_other(
    redis_server: RedisServer,
) -> None:
    (shell,) = blocks("sh")
    ports = re.findall(rf"callstate serve --port (\d+) --store {re.escape(WRITTEN)} &", shell)
    assert ports == ["8080", "8081"]
    store = redis_server.url(f"readme-{secrets.token_hex(4)}")
    servers = [ServeProcess("--store", store) for _ in ports]
    try:
        (code,) = blocks("python")
        for port, server in zip(ports, servers, strict=True):
            assert f'"127.0.0.1:{port}"' in code
            code = code.replace(f'"127.0.0.1:{port}"', f'"{server.endpoint}"')
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == "200 OK"
        one, other = (control(s.url, "GET", "/_callstate/state")[1] for s in servers)
        assert one["instances"] == other["instances"]  # one truth
        (job,) = one["instances"]["ccc-test"]["jobs"].values()
        (customer,) = [leg for leg in job["channels"] if leg["party"] == "customer"]
        assert customer["hold_state"] == "ACTIVE" and len(customer["holds"]) == 1
    finally:
        for server in servers:
            assert server.stop()[0] == 0
