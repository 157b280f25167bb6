"""The README's "Use it as an emulator" section works as written against ``callstate serve``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_support import ServeProcess, http_call

README = Path(__file__).resolve().parents[1] / "README.md"
HEADING = "Use it as an emulator"
WRITTEN = "127.0.0.1:8080"


def section() -> str:
    text = README.read_text("utf-8")
    return text.split(f"## {HEADING}\n", 1)[1].split("\n## ", 1)[0]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section(), re.S)


@pytest.fixture(scope="module")
def served() -> Iterator[ServeProcess]:
    (shell, *_) = blocks("sh")
    assert "callstate serve --port 8080" in shell  # as the README says, on a free port instead
    process = ServeProcess()
    yield process
    process.stop()


def test_the_sdk_snippet_runs_against_callstate_serve(served: ServeProcess) -> None:
    (code,) = blocks("python")
    assert WRITTEN in code
    run = subprocess.run(
        [sys.executable, "-c", code.replace(WRITTEN, served.endpoint)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "200 OK TALKING"


def test_the_curl_example_is_answered(served: ServeProcess) -> None:
    urls = re.findall(r"curl -s '(http://[^']+)'", section())
    assert urls
    path = urls[0].replace(f"http://{WRITTEN}", "")
    status, headers, body = http_call(served.url, "GET", path)
    assert status == 200 and headers["content-type"] == "application/json;charset=utf-8"
    assert json.loads(body)["Data"]["UserContext"]["UserId"] == "user-test@ccc-test"


def test_the_section_says_any_signature_is_accepted_without_credentials() -> None:
    assert "Without `--credentials` any signature is accepted" in section()
    assert "docs/emulator.md" in section()
