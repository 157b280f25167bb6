"""Every call-control and agent-state action of CCC is built, or its absence is a recorded choice.

The actions are those of CCC's agent session and state, basic call control, transfers and
supervisor operations (the reference's §B.1-§B.4). One not built must be listed, with its
reason, under docs/decisions.md's "Actions not built"; one built must not be listed there.
"""

from __future__ import annotations

import re
from pathlib import Path

from callstate.domain._queries import ACTIONS

DECISIONS = Path(__file__).parents[1] / "docs" / "decisions.md"

#: CCC's call-control and agent-state family, as the reference's §B.1-§B.4 list it.
FAMILY = (
    # agent session and state
    "SignInGroup",
    "SignOutGroup",
    "ReadyForService",
    "TakeBreak",
    "ChangeWorkMode",
    "ResetAgentState",
    "ChangeVisibility",
    "PollUserStatus",
    "GetLoginDetails",
    "GetTurnCredentials",
    "GetTurnServerList",
    "ListDevices",
    "RegisterDevice",
    "GetUser",
    "ListRealtimeAgentStates",
    # basic call control
    "MakeCall",
    "AnswerCall",
    "HoldCall",
    "RetrieveCall",
    "ReleaseCall",
    "MuteCall",
    "UnmuteCall",
    "SendDtmfSignaling",
    "RedialCall",
    "ClaimCall",
    # transfers
    "BlindTransfer",
    "InitiateAttendedTransfer",
    "CompleteAttendedTransfer",
    "CancelAttendedTransfer",
    # supervision
    "MonitorCall",
    "CoachCall",
    "BargeInCall",
    "InterceptCall",
)


def not_built() -> dict[str, str]:
    """The actions docs/decisions.md lists as not built: ``- `Name`: reason`` lines."""
    text = DECISIONS.read_text("utf-8")
    section = text.split("\n## Actions not built\n", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^- `(\w+)`: (.+)$", section, re.MULTILINE))


def test_every_action_of_the_family_is_built_or_its_absence_is_recorded() -> None:
    missing = [name for name in FAMILY if name not in ACTIONS and name not in not_built()]
    assert missing == []


def test_nothing_built_is_listed_as_not_built() -> None:
    assert [name for name in not_built() if name in ACTIONS] == []


def test_each_action_not_built_is_an_action_of_ccc_with_a_reason() -> None:
    listed = not_built()
    assert set(listed) <= set(FAMILY)
    assert all(len(reason.split()) >= 4 for reason in listed.values())
