"""The bundled state machine must catch a broken engine, or it proves nothing.

Each case plants one bug in a rule (a row of a state table made a no-op; a row, a cascade step
or a decision of calls with many parties broken on purpose) and requires ``CallCentreMachine``
to fail (the second kind: by the invariant written for it). The machine is run derandomised,
so the outcome is reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky
from hypothesis.stateful import run_state_machine_as_test

from callstate.domain import AGENT, CCCError, HoldInterval, StateTable, UserState
from callstate.domain import _call_control as call_control
from callstate.domain import _cascade as cascade
from callstate.domain import _transfers as transfers
from callstate.engine import _engine as engine_module
from callstate.testing import CallCentreMachine

#: How the machine hunts: derandomised, and no time spent shrinking (failing is the point).
_HUNT = settings(
    max_examples=200,
    stateful_step_count=60,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# (table, trigger) rows whose move is planted as "allowed, but nothing changes".
PLANTED = [
    pytest.param(("job", "end"), id="calls-never-end"),
    pytest.param(("agent", "own_leg_released"), id="agent-stays-talking-after-hang-up"),
    pytest.param(("hold", "retrieve"), id="retrieve-leaves-the-leg-held"),
    pytest.param(("channel", "answer"), id="answered-legs-stay-ringing"),
]


@pytest.mark.parametrize("planted", PLANTED)
def test_the_machine_fails_against_a_planted_bug(
    planted: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_move = StateTable.move

    def move(table: StateTable[Any], record: object, trigger: str, now: int = -1) -> None:
        if (table.kind, trigger) == planted and table.allows(record, trigger):
            return  # the planted bug: the row allows the action and then changes nothing
        real_move(table, record, trigger, now)

    monkeypatch.setattr(StateTable, "move", move)
    with pytest.raises((AssertionError, Flaky)):
        run_state_machine_as_test(CallCentreMachine, settings=_HUNT)


# --- the invariants of calls with many parties, each against a rule broken on purpose --------
def _leave_holds_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The call goes on and nothing more changes: a hold outlives every agent who could end it."""
    monkeypatch.setitem(cascade._NEXT, cascade.Next.GO_ON, lambda *args: None)


def _last_agent_leaves_the_call_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The last answered agent leg gone, the call goes on: the customer is left alone."""
    key = (True, False, cascade.Role.AGENT)
    monkeypatch.setitem(cascade.CALL_CASCADE, key, cascade.Next.GO_ON)


def _a_busy_agent_can_be_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The agent table offers a call to a TALKING agent: it rings in a second leg."""
    monkeypatch.setitem(AGENT._moves, ("offered", UserState.TALKING.name), UserState.RINGING)


def _cdr_before_the_last_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """The call detail record is published before the legs it records are released."""
    real_end = cascade._NEXT[cascade.Next.END]

    def end(step: Any, *args: Any) -> None:
        begun = len(step.events)
        real_end(step, *args)
        step.events.insert(begun, step.events.pop())

    monkeypatch.setitem(cascade._NEXT, cascade.Next.END, end)


def _consultation_hold_credited_to_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    """A consultation holds the customer in nobody's name: its agent's CDR misses the hold."""

    def interval(start: int, end: int | None, music: str, by_user: str) -> HoldInterval:
        return HoldInterval(start, end, music, "")

    monkeypatch.setattr(transfers, "HoldInterval", interval)


def _refusals_keep_their_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused request's working copies are committed anyway (with no events)."""
    real_decide = engine_module.decide  # type: ignore[attr-defined]  # the engine's own import

    def decide(tx: Any, request: Any, now: int) -> Any:
        try:
            return real_decide(tx, request, now)
        except CCCError:
            tx.commit(request.instance_id, now, [])
            raise

    monkeypatch.setattr(engine_module, "decide", decide)


def _supervisor_outlives_the_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Supervisors' legs count as plain agent legs: they stay on when the agent goes."""
    monkeypatch.setattr(cascade, "ROLE_OF_MODE", {})


def _a_supervisor_supervises_from_a_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """The agent table lets a user already TALKING start supervising another call."""
    for action in ("MonitorCall", "CoachCall", "BargeInCall", "InterceptCall"):
        monkeypatch.setitem(AGENT._moves, (action, UserState.TALKING.name), UserState.TALKING)


def _release_leaves_the_mute_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """A muted leg released keeps its mute interval open (the region resets, the interval not)."""
    monkeypatch.setattr(cascade, "close_mute", lambda leg, now: None)


def _retrieve_leaves_the_hold_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """RetrieveCall takes the leg off hold but leaves its hold interval open."""
    monkeypatch.setattr(call_control, "close_hold", lambda leg, now: None)


# (the broken rule, what the invariant written for it says when it catches it)
PLANTED_PARTIES = [
    pytest.param(_leave_holds_alone, "held, nobody to retrieve", id="hold-outlives-its-agents"),
    pytest.param(_last_agent_leaves_the_call_on, "a customer alone", id="customer-left-alone"),
    pytest.param(_a_busy_agent_can_be_offered, "an agent in two legs", id="agent-in-two-legs"),
    pytest.param(_cdr_before_the_last_release, "a call spoke after its CDRReady",
                 id="call-speaks-after-its-cdr"),
    pytest.param(_consultation_hold_credited_to_nobody, "holds miscounted",
                 id="consultation-hold-not-counted"),
    pytest.param(_refusals_keep_their_changes, "refused, yet changed", id="refusal-changes-state"),
    pytest.param(_supervisor_outlives_the_agent, "a supervised call without its agent",
                 id="supervisor-outlives-the-agent"),
    pytest.param(_a_supervisor_supervises_from_a_call, "a supervisor in two calls",
                 id="supervisor-in-two-calls"),
    pytest.param(_release_leaves_the_mute_open, "not well nested", id="mute-open-after-release"),
    pytest.param(_retrieve_leaves_the_hold_open, "not well nested", id="hold-open-after-retrieve"),
]  # fmt: skip


@pytest.mark.parametrize(("plant", "says"), PLANTED_PARTIES)
def test_the_party_invariants_catch_a_planted_bug(
    plant: Callable[[pytest.MonkeyPatch], None],
    says: str,
    monkeypatch: pytest.MonkeyPatch,
    store_kind: str | None,
) -> None:
    if store_kind == "redis" and plant is not _refusals_keep_their_changes:
        pytest.skip("a rule of the domain: on Redis the hunt would replay the same steps")
    plant(monkeypatch)
    with pytest.raises(AssertionError) as caught:
        hunt = settings(_HUNT, report_multiple_bugs=False)
        run_state_machine_as_test(CallCentreMachine, settings=hunt)
    assert says in str(caught.value), caught.value
