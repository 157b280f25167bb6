"""The request classes' bases: a request names its instance; commands and signals.

Constructing a request checks its parameters in field order (:mod:`._wire`): a required one
that is blank raises :class:`~callstate.domain.ParameterBlank`, an integer out of its range
``ParameterMinimum`` / ``ParameterMaximum``.
"""

from __future__ import annotations

from enum import Enum

import attrs

from ._errors import ParameterMaximum, ParameterMinimum
from ._wire import wire_fields

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
        for field in wire_fields(type(self)):
            value = getattr(self, field.name)
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


@attrs.frozen
class Command(Request):
    """An agent's action. ``UserId`` is required everywhere (SPEC §10)."""


@attrs.frozen
class Signal(Request):
    """Something the network reports (SPEC §8), answered like a command."""
