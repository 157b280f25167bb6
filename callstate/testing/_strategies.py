"""Hypothesis strategies for callstate's requests: well-formed values and raw wire parameters."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any, get_args, get_origin

from hypothesis import strategies as st

from ..domain import ACTIONS, SIGNALS, Request, WireField, wire_fields

__all__ = ["ids", "request_values", "wire_params"]

#: Non-blank ids that look like CCC's, plus odd ones (inner white space, unicode, separators).
ids: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(["ccc-test", "user-test@ccc-test", "job-65825892782321664", "x"]),
    st.from_regex(r"[a-z]{1,6}(@[a-z-]{1,8})?", fullmatch=True),
    st.text(min_size=1, max_size=20).filter(str.strip),
)


def _value_for(field: WireField) -> st.SearchStrategy[Any]:
    annotation = field.type
    if annotation is bool:
        return st.booleans()
    if annotation in (int, int | None):
        low, high = field.bounds or (30, 300)
        numbers = st.integers(low, high)
        return numbers if field.required else st.none() | numbers
    if annotation == tuple[str, ...]:
        return st.lists(ids, min_size=1, max_size=3).map(tuple)
    if get_origin(annotation) is tuple:  # a list of enumeration values
        return st.lists(st.sampled_from(list(get_args(annotation)[0])), max_size=3).map(tuple)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from(list(annotation))
    return ids


def request_values(cls: type[Request]) -> st.SearchStrategy[Request]:
    """Well-typed instances of a command or signal class (ids need not exist)."""
    fields = {f.name: _value_for(f) for f in wire_fields(cls)}
    return st.fixed_dictionaries(fields).map(lambda kw: cls(**kw))


def _wire_value(annotation: Any) -> st.SearchStrategy[str]:
    plain = st.text(max_size=12)
    if annotation is bool:
        return st.sampled_from(["True", "False", "true", "false"]) | plain
    if annotation in (int, int | None):
        return st.integers(-10, 400).map(str) | plain
    if annotation == tuple[str, ...]:
        return st.lists(ids, max_size=3).map(json.dumps) | plain
    if get_origin(annotation) is tuple:  # a list of enumeration values
        values = [str(m.value) for m in get_args(annotation)[0]]
        return st.lists(st.sampled_from(values), max_size=3).map(json.dumps) | plain
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from([str(m.value) for m in annotation]) | plain
    return ids | plain


@st.composite
def wire_params(draw: st.DrawFn, name: str | None = None) -> tuple[str, dict[str, Any]]:
    """An action or signal name and a parameter dict as it might arrive on the wire.

    Known parameters get plausible strings or garbage; unknown keys and non-string values
    appear too. Use it to check that every request is answered with a documented body.
    """
    names = sorted(ACTIONS) + sorted(SIGNALS)
    action = name or draw(st.sampled_from(names) | st.text(max_size=15))
    cls = ACTIONS.get(action) or SIGNALS.get(action)
    params: dict[str, Any] = {}
    if cls is not None:
        for f in wire_fields(cls):
            if draw(st.booleans()):
                params[f.wire] = draw(_wire_value(f.type))
    junk = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none(),
                     st.lists(st.integers(), max_size=2))  # fmt: skip
    params.update(draw(st.dictionaries(st.text(max_size=12), junk, max_size=3)))
    return action, params


def register_strategies() -> None:
    """Make ``st.from_type(HoldCall)`` (and every other request class) work."""
    for cls in (*ACTIONS.values(), *SIGNALS.values()):
        st.register_type_strategy(cls, request_values(cls))
