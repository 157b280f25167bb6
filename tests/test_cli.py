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


def test_the_inbound_demo_queues_rings_answers_holds_retrieves_and_releases() -> None:
    out = io.StringIO()
    assert main(["demo", "--scenario", "inbound"], out) == 0
    text = out.getvalue()
    steps = text.split("\n>>> ")[1:]
    actions = [s.split()[0] for s in steps]
    assert actions == [
        "SignInGroup",
        "TakeBreak",
        "CallArrived",
        "ListRealtimeSkillGroupStates",
        "ReadyForService",
        "AnswerCall",
        "HoldCall",
        "RetrieveCall",
        "ReleaseCall",
    ]
    by_action = dict(zip(actions, steps, strict=True))

    def events(action: str) -> list[str]:
        lines = by_action[action].splitlines()
        return [json.loads(e.split("event ", 1)[1])["eventType"] for e in lines if "event {" in e]

    assert events("CallArrived") == ["Enqueue"]
    assert '"WaitingCalls": 1' in by_action["ListRealtimeSkillGroupStates"]
    assert events("ReadyForService") == ["AgentReady", "AssignAgent", "Ringing", "AgentRinging"]
    assert '"UserState": "RINGING"' in by_action["ReadyForService"]
    assert events("AnswerCall") == ["Established", "AgentTalk"]
    assert events("HoldCall") == ["Held"] and events("RetrieveCall") == ["Retrieved"]
    assert events("ReleaseCall")[-1] == "CDRReady"
    assert '"callType": "INBOUND"' in by_action["ReleaseCall"]


def test_the_default_demo_is_the_hold_scenario() -> None:
    default, hold = io.StringIO(), io.StringIO()
    assert main(["demo"], default) == main(["demo", "--scenario", "hold"], hold) == 0
    assert default.getvalue() == hold.getvalue()


def test_the_transfer_demo_consults_then_hands_the_customer_over() -> None:
    out = io.StringIO()
    assert main(["demo", "--scenario", "transfer"], out) == 0
    steps = out.getvalue().split("\n>>> ")[1:]
    actions = [s.split()[0] for s in steps]
    assert actions == [
        "SignInGroup",
        "SignInGroup",
        "CallArrived",
        "AnswerCall",
        "InitiateAttendedTransfer",
        "AnswerCall",
        "CompleteAttendedTransfer",
        "ReleaseCall",
    ]

    def events(step: str) -> list[str]:
        lines = step.splitlines()
        return [json.loads(e.split("event ", 1)[1])["eventType"] for e in lines if "event {" in e]

    assert events(steps[4]) == ["Held", "InitiateConsultant", "Ringing", "AgentRinging"]
    assert events(steps[5]) == ["Established", "AgentTalk", "StartConsultant"]
    assert events(steps[6]) == [
        "Retrieved",
        "Released",
        "AgentRelease",
        "AttendedTransfer",
        "StopConsultant",
    ]
    assert events(steps[7])[-1] == "CDRReady"
