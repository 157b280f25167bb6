"""The state tables against transitions itself, and the one-lookup ``move`` API.

Each table is defined as a transitions ``Machine`` and compiled into the lookup ``move`` reads.
transitions is the oracle: for generated sequences of triggers, a model driven through
transitions' own public API (``add_model``, the model's ``trigger``) and a record moved by the
compiled table reach the same states and refuse the same triggers.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from transitions import MachineError

from callstate.domain import (
    AGENT,
    CHANNEL,
    HOLD,
    MUTE,
    ChannelState,
    HoldState,
    InvalidOperationChannelState,
    InvalidOperationUserState,
    MuteState,
    StateTable,
    UserState,
    _states,
)

TABLES = _states.TABLES


class _Record:
    """Stands in for a record: the table's attribute, and the parent's for a region."""

    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)

    def __getattr__(self, name: str) -> Any:  # only what __init__ set: tells mypy they exist
        raise AttributeError(name)

    @property
    def written_state(self) -> str:  # as Channel writes it: a held leg is HELD
        held = self.__dict__.get("hold_state") is HoldState.HELD
        return "HELD" if held else str(self.__dict__["state"].value)


class _Model:
    """A transitions model: transitions gives it its state attribute and ``trigger``."""

    trigger: Any


def _states_of(table: StateTable[Any]) -> list[Enum]:
    kind: type[Enum] = type(table.initial)
    return list(kind)


@st.composite
def _runs(draw: st.DrawFn) -> tuple[StateTable[Any], Enum, list[str]]:
    table = TABLES[draw(st.sampled_from(sorted(TABLES)))]
    start = draw(st.sampled_from(_states_of(table)))
    triggers = draw(st.lists(st.sampled_from(table.triggers), max_size=12))
    return table, start, triggers


@given(_runs())
def test_move_agrees_with_transitions_on_every_sequence(
    run: tuple[StateTable[Any], Enum, list[str]],
) -> None:
    table, start, triggers = run
    model = _Model()
    table.machine.add_model(model, initial=start.name)
    try:
        parent = {"state": ChannelState.ANSWERED, "hold_state": HoldState.ACTIVE,
                  "mute_state": MuteState.UNMUTED}  # fmt: skip
        record = _Record(**{**parent, table.attribute: start})
        for trigger in triggers:
            try:
                model.trigger(trigger)
                oracle: Enum | None = getattr(model, table.attribute)
            except MachineError:
                oracle = None
            try:
                table.move(record, trigger, 1)  # the agent table stamps its moves
                ours: Enum | None = getattr(record, table.attribute)
            except table.refusal.error as refused:
                ours = None
                assert refused.params[1] == table.expected(trigger)
            assert ours == oracle, (table.machine.name, trigger)
            if oracle is None:  # transitions left the model where it was; so did move
                assert getattr(record, table.attribute) is getattr(model, table.attribute)
    finally:
        table.machine.remove_model(model)


@pytest.mark.parametrize("state", list(ChannelState))
@pytest.mark.parametrize("trigger", HOLD.triggers)
def test_the_hold_region_exists_only_inside_answered(state: ChannelState, trigger: str) -> None:
    leg = _Record(state=state, hold_state=HoldState.HELD)
    if state is ChannelState.ANSWERED:
        if HOLD.allows(leg, trigger):
            HOLD.move(leg, trigger)
        return
    assert not HOLD.allows(leg, trigger)
    with pytest.raises(InvalidOperationChannelState) as refused:
        HOLD.move(leg, trigger)
    assert refused.value.params == ("HELD", HOLD.expected(trigger))
    assert leg.hold_state is HoldState.HELD  # nothing moved


@pytest.mark.parametrize("state", list(ChannelState))
@pytest.mark.parametrize("trigger", MUTE.triggers)
def test_the_mute_region_exists_only_inside_answered(state: ChannelState, trigger: str) -> None:
    leg = _Record(state=state, hold_state=HoldState.HELD, mute_state=MuteState.MUTED)
    if state is ChannelState.ANSWERED:
        if MUTE.allows(leg, trigger):
            MUTE.move(leg, trigger)
        assert leg.hold_state is HoldState.HELD  # the regions are independent
        return
    assert not MUTE.allows(leg, trigger)
    with pytest.raises(InvalidOperationChannelState) as refused:
        MUTE.move(leg, trigger)
    assert refused.value.params == ("MUTED", MUTE.expected(trigger))
    assert leg.mute_state is MuteState.MUTED  # nothing moved


def test_a_refused_move_raises_the_catalogued_error_and_changes_nothing() -> None:
    agent = _Record(state=UserState.OFFLINE)
    with pytest.raises(InvalidOperationUserState) as refused:
        AGENT.move(agent, "HoldCall")
    assert refused.value.code == "InvalidOperation.UserState"
    assert refused.value.params == ("OFFLINE", "TALKING")
    assert agent.state is UserState.OFFLINE


def test_a_guard_only_row_allows_and_keeps_the_state() -> None:
    agent = _Record(state=UserState.TALKING)
    AGENT.move(agent, "HoldCall")
    assert agent.state is UserState.TALKING


def test_refusals_write_a_held_leg_as_held_and_hold_states_as_channel_states() -> None:
    held = _Record(state=ChannelState.ANSWERED, hold_state=HoldState.HELD)
    with pytest.raises(InvalidOperationChannelState) as refused:
        HOLD.move(held, "hold")
    assert refused.value.params == ("HELD", "ANSWERED")
    active = _Record(state=ChannelState.ANSWERED, hold_state=HoldState.ACTIVE)
    with pytest.raises(InvalidOperationChannelState) as refused:
        HOLD.move(active, "retrieve")
    assert refused.value.params == ("ANSWERED", "HELD")
    with pytest.raises(InvalidOperationChannelState) as refused:
        CHANNEL.move(held, "answer")
    assert refused.value.params == ("HELD", "CREATED,EARLY_MEDIA,RINGING")
