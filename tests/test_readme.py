"""The README's code works as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callstate import HoldCall, Request

README = Path(__file__).resolve().parents[1] / "README.md"


def python_block(heading: str) -> str:
    section = README.read_text("utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, f"no python block under {heading!r}"
    return found.group(1)


def test_the_embed_example_runs_and_fits_in_ten_lines(capsys: pytest.CaptureFixture[str]) -> None:
    code = python_block("Embed it")
    statements = [line for line in code.splitlines() if line and not line.startswith("#")]
    assert len(statements) <= 10
    exec(compile(code, str(README), "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith('200 {"Code":"OK","Data":{"CallContext"')
    assert printed[1] == "InvalidOperation.ChannelState"


def test_the_testing_snippet_names_a_real_test_case() -> None:
    namespace: dict[str, object] = {}
    exec(compile(python_block("Property-test your integration"), str(README), "exec"), namespace)
    assert namespace["TestCallCentre"].__name__ == "CallCentreMachine.TestCase"  # type: ignore[attr-defined]


@given(st.from_type(HoldCall))
def test_hypothesis_knows_callstates_request_types(request: HoldCall) -> None:
    """The ``hypothesis`` entry point registered a strategy for every request class."""
    assert isinstance(request, Request) and request.instance_id.strip()
