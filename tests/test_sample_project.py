"""A user's project (tests/sample_project: its own package and conftest, only the plugin)
tests its agent desk with callstate's fixtures and mock, in a pytest of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import callstate

PROJECT = Path(__file__).parent / "sample_project"

#: Loaded with ``-p``: the desk dials and then forgets which leg is the customer's.
BROKEN_DESK = """
import desk

dial = desk.Desk.dial

def forgetful_dial(self, number, caller="01012345678"):
    job = dial(self, number, caller)
    self.customer = "ch:customer:nobody"
    return job

desk.Desk.dial = forgetful_dial
"""


#: Loaded first: failing is the point, so Hypothesis spends no time shrinking the example.
NO_SHRINKING = """
from hypothesis import Phase, settings

settings.register_profile("find", phases=[Phase.explicit, Phase.generate])
settings.load_profile("find")
"""

#: Loaded with ``-p``: the desk says it retrieved the customer, and sends nothing.
DROPS_RETRIEVE = (
    NO_SHRINKING
    + """
import desk

desk.Desk.retrieve = lambda self: "TALKING"
"""
)

#: Loaded with ``-p``: the desk reads a held leg from the state, not from ``ChannelFlags``.
MISREADS_FLAGS = (
    NO_SHRINKING
    + """
import desk

def call(self):
    legs = self._poll().call_context.channel_contexts or []
    return {leg.channel_id: leg.channel_state for leg in legs}

desk.Desk.call = call
"""
)


def run_project(*args: str, path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    root = str(Path(callstate.__file__).parents[1])
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (PROJECT, root, path) if p)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "callstate.testing.plugin", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_sample_project_passes() -> None:
    run = run_project()
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout and "failed" not in run.stdout


def test_one_server_per_xdist_worker() -> None:
    """Under pytest-xdist each worker (a process) starts its own server (when xdist is there)."""
    pytest.importorskip("xdist")
    run = run_project("-n", "2")
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_sample_project_catches_a_broken_desk(tmp_path: Path) -> None:
    (tmp_path / "broken_desk.py").write_text(BROKEN_DESK, "utf-8")
    run = run_project("-p", "broken_desk", "-k", "hold_and_retrieve", path=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "NotExists.ChannelId" in run.stdout


@pytest.mark.parametrize("bug", [DROPS_RETRIEVE, MISREADS_FLAGS], ids=["drops-retrieve", "flags"])
def test_the_state_machine_catches_a_broken_desk(tmp_path: Path, bug: str) -> None:
    (tmp_path / "broken_desk.py").write_text(bug, "utf-8")
    run = run_project("-p", "broken_desk", "-k", "Machine", path=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "AssertionError" in run.stdout
