"""The command line: the demo plays the seed's call; bad input is a clear message."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from callstate.api import read_xml
from callstate.cli import main


def test_demo_plays_the_seed_scenario() -> None:
    out = io.StringIO()
    assert main(["demo"], out) == 0
    text = out.getvalue()
    actions = [line.split()[1] for line in text.splitlines() if line.startswith(">>> ")]
    assert actions == [
        "SignInGroup",
        "MakeCall",
        "HoldCall",
        "RetrieveCall",
        "ReleaseCall",
        "ReadyForService",
    ]
    assert "job-65825892782321664" in text
    assert '"eventType": "Held"' in text and '"eventType": "CDRReady"' in text
    assert '"UserState": "READY"' in text.rsplit(">>> ReadyForService", 1)[1]


def test_demo_in_xml_prints_documents_that_read_back() -> None:
    out = io.StringIO()
    assert main(["demo", "--format", "xml"], out) == 0
    documents = ["<?xml" + d for d in out.getvalue().split("<?xml")[1:]]
    assert len(documents) == 6
    hold = read_xml(documents[2].split("\n>>>")[0].strip())
    assert hold["Data"]["UserContext"]["UserState"] == "TALKING"


def test_a_bad_world_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "w.json"
    bad.write_text(json.dumps({"instances": [{}]}), "utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "callstate.cli", "demo", "--world", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr.strip() == "callstate: $.instances[0].instanceId: required"


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"]])
def test_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    assert "usage: callstate" in capsys.readouterr().out
