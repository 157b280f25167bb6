"""Model-based paths: one test per state and table row, on the engine and through the SDK mock.

``callstate.testing.paths()`` searches the real engine breadth-first; these tests replay every
path it found and prove that together they cover every state and every row of every table.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from alibabacloud_ccc20200701.client import Client
from alibabacloud_tea_openapi.models import Config

import callstate.testing._alphabet as alphabet
from callstate import ManualClock, default_world
from callstate.domain import COMMANDS, Signal, StateTable
from callstate.testing import Network, SdkClient, mock_ccc, path_engine, paths, unreached
from callstate.testing._paths import _explore
from callstate.testing._rows import targets

PATHS = {path.target: path for path in paths()}

#: Cascade rows no call reaches yet: the customer's leg is the last to go (a call with a
#: second customer would reach them; a conference of agents has no customer to transfer).
NEEDS_MORE_PARTIES = ("cascade call: False * transferor -> ends",)


@pytest.mark.parametrize("target", list(PATHS))
def test_the_path_replays_on_the_engine(target: str) -> None:
    PATHS[target].run(None, network())


def network(world: Any = None) -> Network:
    engine = path_engine(world)
    assert isinstance(engine.clock, ManualClock)
    return Network(engine, engine.clock)


def sdk_client() -> SdkClient:
    config = Config(access_key_id="ak", access_key_secret="secret", region_id="cn-shanghai",
                    endpoint="ccc.cn-shanghai.aliyuncs.com")  # fmt: skip
    return SdkClient(Client(config))


@pytest.mark.parametrize("target", list(PATHS))
def test_the_path_replays_through_the_sdk(target: str) -> None:
    with mock_ccc(path_engine()) as ccc:
        PATHS[target].run(sdk_client(), ccc.network)


def manual_world() -> dict[str, Any]:
    """The bundled world, its group routed manually (ClaimCall), with after-call work."""
    world = default_world().to_dict()
    world["instances"][0]["skillGroups"][0].update(routingType="Manual", acwMs=20_000)
    return world


def overflow_world() -> dict[str, Any]:
    """The bundled world, its group overflowing to a second one."""
    world = default_world().to_dict()
    groups = world["instances"][0]["skillGroups"]
    groups[0]["overflowSkillGroupId"] = "overflow@ccc-test"
    groups.append({"skillGroupId": "overflow@ccc-test"})
    return world


def transfers_world() -> dict[str, Any]:
    """The bundled world with a second agent, to transfer and consult to."""
    world = default_world().to_dict()
    world["instances"][0]["users"].append(
        {
            "userId": "user-two@ccc-test",
            "extension": "80011475",
            "skillGroups": ["skill-group@ccc-test"],
        }
    )
    return world


def external_world() -> dict[str, Any]:
    """The bundled world, its group overflowing to a number outside (which transfers reach)."""
    world = default_world().to_dict()
    world["instances"][0]["skillGroups"][0]["overflowNumber"] = "13900000009"
    return world


#: What only a world naming a number outside reaches: forwards, and external legs released.
EXTERNAL = (
    "job: forward from ACTIVE",
    "job: forward from QUEUED",
    "cascade call: * True external -> goes on",
    "cascade call: * False external -> ends",
)


def heartbeat_world() -> dict[str, Any]:
    """The bundled world with a heartbeat limit shorter than a ring (and no wrap-up)."""
    world = default_world().to_dict()
    world["instances"][0]["heartbeatTimeoutMs"] = 10_000
    return world


#: What only a world with these features reaches.
ROUTING_ONLY = {
    "agent: ClaimCall from READY",
    "agent: wrap_up_ended from WORKING",
    "job: overflow from QUEUED",
    *(f"agent: heartbeat_lost from {state}"
      for state in ("READY", "BREAK", "DIALING", "RINGING", "TALKING", "WORKING")),
}  # fmt: skip


#: What a world of one agent cannot reach: two agents in one call (a consultation).
TWO_AGENTS = (
    "agent: InitiateAttendedTransfer from TALKING",
    "agent: CompleteAttendedTransfer from TALKING",
    "agent: CancelAttendedTransfer from TALKING",
    "cascade agent: agent withdrawn TALKING",
    "cascade agent: offer withdrawn RINGING",
    "cascade call: * True agent -> goes on",
    "cascade call: * True offer -> goes on",
    "agent: SwitchToConference from TALKING",
    "agent: StartConference from READY",
    "agent: EndConference from TALKING",
    "cascade agent: member left TALKING",
    "cascade call: False True member -> goes on",
    "cascade call: False False member -> ends",
    "cascade call: False False offer -> ends",  # a conference of agents: the last offer goes
)

#: Conference rows deeper than the search goes (a switched conference is seven requests in; a
#: member leaving it the eighth, the last the ninth): tests/test_conference.py plays both.
DEEPER = (
    "cascade call: True True member -> goes on",
    "cascade call: True False member -> ends",
)

#: An internal call (MakeCall to a colleague's extension) ending: the alphabet dials customers
#: only, so as not to widen every search of a world of two agents; tests/test_internal_calls.py
#: plays each way it ends, and test_cascade.py the row.
INTERNAL = ("cascade call: * * peer -> ends",)

#: What only a world with a supervisor reaches. Not searched: with the second user the search
#: for these costs minutes (measured 240 s, against 90 s for the transfers world), so the
#: scripted scenarios of ``tests/test_supervision.py`` and ``test_cascade.py`` cover them.
SUPERVISION = (
    *(f"agent: {action} from READY"
      for action in ("MonitorCall", "CoachCall", "BargeInCall", "InterceptCall")),
    "agent: supervised from TALKING",
    "agent: supervision_ended from TALKING",
    *(f"supervision: {mode}" for mode in ("MONITORING", "COACHING", "BARGED_IN")),
    "supervision: MonitorCall from NONE",
    *(f"supervision: CoachCall from {mode}" for mode in ("NONE", "MONITORING")),
    *(f"supervision: BargeInCall from {mode}" for mode in ("NONE", "MONITORING", "COACHING")),
    *(f"supervision: InterceptCall from {mode}"
      for mode in ("NONE", "MONITORING", "COACHING", "BARGED_IN")),
    "cascade agent: supervisor released TALKING",
    "cascade agent: supervisor with the call TALKING",
    "cascade call: * * supervisor -> goes on",
)  # fmt: skip

#: The worlds that reach what the bundled one cannot, and what each is searched for.
FEATURE_WORLDS = {
    "manual": ("agent: ClaimCall from READY", "agent: wrap_up_ended from WORKING"),
    "overflow": ("job: overflow from QUEUED",),
    "heartbeat": tuple(t for t in ROUTING_ONLY if "heartbeat" in t),
    "transfers": TWO_AGENTS,
    "external": EXTERNAL,
}


@pytest.mark.parametrize("name", list(FEATURE_WORLDS))
def test_a_world_with_a_feature_reaches_its_rows(name: str) -> None:
    world = globals()[f"{name}_world"]()
    assert unreached(world, only=FEATURE_WORLDS[name]) == ()
    for path in paths(world, only=FEATURE_WORLDS[name]):
        path.run(None, network(world))


def test_every_state_and_every_row_is_covered() -> None:
    by_feature = {t for targets_ in FEATURE_WORLDS.values() for t in targets_}
    beyond = set(NEEDS_MORE_PARTIES) | set(DEEPER) | set(SUPERVISION) | set(INTERNAL)
    missing = [t for t in unreached() if t not in by_feature | beyond]
    assert missing == [], f"no path reaches {missing}: extend the request alphabet"
    assert set(unreached()) == by_feature | beyond  # one now reachable: drop it
    assert set(PATHS) | set(unreached()) == set(targets())


def test_every_row_of_every_state_table_is_a_target() -> None:
    hold_rows = {t for t in targets() if t.startswith("hold: ") and " from " in t}
    assert hold_rows == {
        "hold: hold from ACTIVE",
        "hold: retrieve from HELD",
        "hold: leave from HELD",
        "hold: send_dtmf from ACTIVE",
        "hold: ivr_route from ACTIVE",
    }
    assert "agent: ResetAgentState from RINGING" in targets()  # a row from ANY, per state
    assert "channel: NONE" not in targets()  # no row enters it


def test_paths_are_shortest_and_end_with_their_target() -> None:
    assert len(PATHS["agent: READY"].steps) == 1
    assert [s.name for s in PATHS["hold: retrieve from HELD"].steps] == [
        "SignInGroup", "MakeCall", "FarEndAnswered", "HoldCall", "RetrieveCall"
    ]  # fmt: skip
    for target, path in PATHS.items():
        if " from " in target or target.startswith("cascade"):
            assert target in path.steps[-1].fires, target
        assert all(step.code == "OK" for step in path.steps)


def test_a_replayed_path_catches_a_broken_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    real_move = StateTable.move

    def move(table: StateTable[Any], record: object, trigger: str, now: int = -1) -> None:
        if (table.kind, trigger) != ("hold", "retrieve"):  # the planted bug: retrieve is lost
            real_move(table, record, trigger, now)

    monkeypatch.setattr(StateTable, "move", move)
    with pytest.raises(AssertionError, match=r"RetrieveCall.*HELD"):
        PATHS["hold: retrieve from HELD"].run(None, network())


def test_a_row_the_alphabet_cannot_reach_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    actions = {k: v for k, v in COMMANDS.items() if k != "RetrieveCall"}
    monkeypatch.setattr(alphabet, "COMMANDS", actions)
    _explore.cache_clear()
    try:
        missing = unreached()
    finally:
        _explore.cache_clear()
    # (the hold region's retrieve row stays reachable: consultations and conferences retrieve)
    assert "agent: RetrieveCall from TALKING" in missing


def test_a_required_parameter_without_values_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    @attrs.frozen
    class CallArrived(Signal):
        queue_id: str

    monkeypatch.setattr(alphabet, "SIGNALS", {"CallArrived": CallArrived})
    _explore.cache_clear()
    try:
        with pytest.raises(KeyError, match=r"no values for CallArrived\.QueueId"):
            paths()
    finally:
        _explore.cache_clear()
