"""The README's code works as written, each Python block in a fresh interpreter.

A block that needs a running server is run, in a fresh interpreter too, by the test of its
section (``SERVED``); every other block is run here. A new block is run by one or the other.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from callstate import Request
from callstate.domain import HoldCall

README = Path(__file__).resolve().parents[1] / "README.md"
#: Sections whose blocks talk to ``callstate serve``, and the test module that runs them.
SERVED = {
    "Use it as an emulator": "test_readme_emulator.py",
    "Share state on Redis": "test_redis_serve.py",
}


def python_blocks() -> dict[str, list[str]]:
    """Every ```python block of the README, by the heading of its section."""
    found: dict[str, list[str]] = {}
    for section in README.read_text("utf-8").split("\n## ")[1:]:
        heading = section.split("\n", 1)[0]
        blocks = re.findall(r"```python\n(.*?)```", section, re.S)
        if blocks:
            found[heading] = blocks
    return found


def run_fresh(code: str) -> list[str]:
    """Run ``code`` in a new interpreter; answer what it printed, line by line."""
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.splitlines()


def test_every_python_block_is_run_by_a_test() -> None:
    here = {"Embed it", "Embed it with typed values", "Test your integration"}
    assert set(python_blocks()) == here | set(SERVED)
    tests = Path(__file__).parent
    for heading, module in SERVED.items():
        assert f'HEADING = "{heading}"' in (tests / module).read_text("utf-8")


def test_the_embed_example_runs_and_fits_in_ten_lines() -> None:
    (code,) = python_blocks()["Embed it"]
    statements = [line for line in code.splitlines() if line and not line.startswith("#")]
    assert len(statements) <= 10
    printed = run_fresh(code)
    assert printed[0].startswith('200 {"Code":"OK","Data":{"CallContext"')
    assert printed[1] == "InvalidOperation.ChannelState"


def test_the_typed_example_answers_a_result_then_a_refusal() -> None:
    (code,) = python_blocks()["Embed it with typed values"]
    assert run_fresh(code) == [
        "DIALING [(3, 'AgentDialing'), (4, 'Dialing')]",
        "InvalidOperation.UserState 400",
    ]


def run_pytest(tmp_path: Path, code: str) -> str:
    """Run ``code`` as a test module with pytest (and only callstate's plugin), in a new process."""
    (tmp_path / "test_block.py").write_text(code, "utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", "utf-8")
    plugins = ["-p", "callstate.testing.plugin", "-p", "no:cacheprovider"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *plugins],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_the_testing_section_fits_in_30_lines() -> None:
    blocks = python_blocks()["Test your integration"]
    assert len(blocks) == 3
    assert sum(len([line for line in b.splitlines() if line.strip()]) for b in blocks) < 30


def test_the_fixture_example_passes(tmp_path: Path) -> None:
    fixture = python_blocks()["Test your integration"][0]
    assert "1 passed" in run_pytest(tmp_path, fixture)


def test_the_mock_example_runs() -> None:
    mock = python_blocks()["Test your integration"][1]
    assert run_fresh(mock) == ["OFFLINE"]


def test_the_state_machine_example_runs(tmp_path: Path) -> None:
    machine = python_blocks()["Test your integration"][2]
    quick = (  # settings replace the machine's own, deadline=None included
        "from hypothesis import settings\n"
        "TestCallCentre.settings = settings(max_examples=5, deadline=None)\n"
    )
    assert "1 passed" in run_pytest(tmp_path, machine + quick)


@given(st.from_type(HoldCall))
def test_hypothesis_knows_callstates_request_types(request: HoldCall) -> None:
    """The ``hypothesis`` entry point registered a strategy for every request class."""
    assert isinstance(request, Request) and request.instance_id.strip()
