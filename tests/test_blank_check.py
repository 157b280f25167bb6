"""SPEC §4 check 1 is written once (``WireField.given``) and holds on both ways in.

The wire adapter checks each raw parameter as it reads it, in field order; a command built by
hand (an embedder of the domain) checks its own values when constructed. Both must refuse the
same blank values with ``Parameter.Blank [name]`` and let a blank optional parameter fall back
to its default.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, get_args, get_origin

import pytest

from callstate.api import parse_request
from callstate.domain import (
    ACTIONS,
    SIGNALS,
    MakeCall,
    ParameterBlank,
    Request,
    SignInGroup,
    TimerFired,
    WireField,
    wire_fields,
)

CLASSES: list[type[Request]] = [*ACTIONS.values(), *SIGNALS.values(), TimerFired]
BLANKS: list[Any] = [None, "", " ", "\t\n", "\u3000"]  # U+3000 is white space too
#: Text parameters for which "x" is not valid: a valid value of each.
VALID_TEXT = {"Dtmf": "1"}


def _number(field: WireField) -> int:
    """60 (a timeout), or the nearest value in the field's range."""
    low, high = field.bounds or (60, 60)
    return max(low, min(60, high))


def _typed(field: WireField) -> Any:
    """A valid typed value for this field."""
    annotation = field.type
    if get_origin(annotation) is tuple:
        item = get_args(annotation)[0]
        return ("g",) if item is str else (next(iter(item)),)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return next(iter(annotation))
    return {str: VALID_TEXT.get(field.wire, "x"), bool: True}.get(annotation, _number(field))


def _wire(field: WireField) -> Any:
    """A valid wire (string) value for this field."""
    annotation = field.type
    if get_origin(annotation) is tuple:
        item = get_args(annotation)[0]
        return '["g"]' if item is str else f'["{next(iter(item)).value}"]'
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return next(iter(annotation)).value
    return {str: VALID_TEXT.get(field.wire, "x"), bool: "true"}.get(annotation, str(_number(field)))


def _required() -> list[tuple[type[Request], str, str]]:
    return [(c, f.name, f.wire) for c in CLASSES for f in wire_fields(c) if f.required]


REQUIRED = _required()
IDS = [f"{c.__name__}.{wire}" for c, _, wire in REQUIRED]


@pytest.mark.parametrize(("cls", "name", "wire"), REQUIRED, ids=IDS)
@pytest.mark.parametrize("blank", BLANKS, ids=repr)
def test_a_blank_required_parameter_is_refused_both_ways(
    cls: type[Request], name: str, wire: str, blank: Any
) -> None:
    typed = {f.name: _typed(f) for f in wire_fields(cls)}
    with pytest.raises(ParameterBlank) as by_hand:
        cls(**{**typed, name: blank})
    assert by_hand.value.params == (wire,)

    params = {f.wire: _wire(f) for f in wire_fields(cls)}
    with pytest.raises(ParameterBlank) as on_the_wire:
        parse_request(cls, {**params, wire: blank})
    assert on_the_wire.value.params == (wire,)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_valid_values_pass_both_ways(cls: type[Request]) -> None:
    """The values the refusals above start from are valid, so only the blank one is refused."""
    typed = {f.name: _typed(f) for f in wire_fields(cls)}
    assert cls(**typed) == parse_request(cls, {f.wire: _wire(f) for f in wire_fields(cls)})


def test_an_empty_list_is_blank_both_ways() -> None:
    with pytest.raises(ParameterBlank) as by_hand:
        SignInGroup(instance_id="i", signed_skill_group_id_list=(), device_id="d", user_id="u")
    assert by_hand.value.params == ("SignedSkillGroupIdList",)
    wire = {"InstanceId": "i", "DeviceId": "d", "UserId": "u"}
    empties: list[Any] = ["[]", " [ ] ", [], ()]
    for empty in empties:
        with pytest.raises(ParameterBlank) as on_the_wire:
            parse_request(SignInGroup, {**wire, "SignedSkillGroupIdList": empty})
        assert on_the_wire.value.params == ("SignedSkillGroupIdList",)


def test_the_first_blank_parameter_in_field_order_is_the_answer() -> None:
    with pytest.raises(ParameterBlank) as info:
        parse_request(SignInGroup, {"InstanceId": "i", "DeviceId": " ", "UserId": ""})
    assert info.value.params == ("SignedSkillGroupIdList",)
    with pytest.raises(ParameterBlank) as info:
        SignInGroup(instance_id="i", signed_skill_group_id_list=("g",), device_id="", user_id="")
    assert info.value.params == ("DeviceId",)


def test_a_json_empty_list_is_seen_blank_once_read() -> None:
    """``"[]"`` is not blank text: it is read (with every other parameter) before the command,
    built from the values read, finds the list empty; a later blank parameter answers first."""
    params = {"InstanceId": "i", "SignedSkillGroupIdList": "[]", "DeviceId": "", "UserId": "u"}
    with pytest.raises(ParameterBlank) as info:
        parse_request(SignInGroup, params)
    assert info.value.params == ("DeviceId",)


@pytest.mark.parametrize("blank", BLANKS, ids=repr)
def test_a_blank_optional_parameter_takes_its_default(blank: Any) -> None:
    wire = {"InstanceId": "i", "Callee": "c", "UserId": "u"}
    made = parse_request(MakeCall, {**wire, "Caller": blank, "TimeoutSeconds": blank})
    assert made == MakeCall(instance_id="i", callee="c", user_id="u")
    assert (made.caller, made.timeout_seconds) == ("", None)
