"""The request classes' bases: a request names its instance; commands and signals.

Constructing a request checks its parameters in field order (:mod:`._wire`): a required one
that is blank raises :class:`~callstate.domain.ParameterBlank`, an integer out of its range
``ParameterMinimum`` / ``ParameterMaximum``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from operator import attrgetter
from typing import Any, NamedTuple

import attrs

from ._errors import ParameterMaximum, ParameterMinimum
from ._wire import WireField, all_texts_given, wire_fields

__all__ = ["Command", "MediaType", "Request", "Signal"]


class MediaType(Enum):
    """MakeCall's ``MediaType``."""

    AUDIO = "AUDIO"
    VIDEO = "VIDEO"


@attrs.frozen
class Request:
    """Base of commands and signals: checks required parameters when constructed.

    Every request names its contact-centre instance first.
    """

    instance_id: str

    def __attrs_post_init__(self) -> None:
        plan = _PLANS.get(type(self)) or _plan(type(self))
        values = plan.values(self)
        if plan.texts_only and all_texts_given(values):
            return  # the common case, in one call: every checked parameter given as text
        for field, value in zip(plan.fields, values, strict=True):
            if field.given(value) and field.bounds is not None:
                low, high = field.bounds
                if value < low:
                    raise ParameterMinimum(field.wire, str(low))
                if value > high:
                    raise ParameterMaximum(field.wire, str(high))

    @property
    def action(self) -> str:
        """The CCC action (or signal) name: the class name."""
        return type(self).__name__


class _Plan(NamedTuple):
    """What constructing a request class checks, read once per class."""

    #: The fields whose value can be refused: required (blank) or bounded, in checking order.
    #: An optional field without bounds takes any value, so checking it could never refuse.
    fields: tuple[WireField, ...]
    #: Their values on an instance, as a tuple.
    values: Callable[[Any], tuple[Any, ...]]
    #: No field is bounded: a value given is never refused.
    texts_only: bool


_PLANS: dict[type[Request], _Plan] = {}


def _plan(cls: type[Request]) -> _Plan:
    fields = tuple(f for f in wire_fields(cls) if f.required or f.bounds is not None)
    names = [f.name for f in fields]  # every request requires InstanceId: never empty
    getter = attrgetter(*names)
    values = getter if len(names) > 1 else lambda request: (getter(request),)
    plan = _PLANS[cls] = _Plan(fields, values, all(f.bounds is None for f in fields))
    return plan


@attrs.frozen
class Command(Request):
    """An agent's action. ``UserId`` is required everywhere (SPEC §10)."""


@attrs.frozen
class Signal(Request):
    """Something the network reports (SPEC §8), answered like a command."""
