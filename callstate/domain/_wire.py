"""Request classes as parameter tables: each field a CCC parameter, read once per class.

The wire name of a field is its name in CamelCase (``instance_id`` -> ``InstanceId``), a field
with no default is required, and fields are checked in declaration order. :func:`wire_fields`
reads a class once; the adapter parses requests from it, and a request's own construction
checks blanks with :meth:`WireField.given`, the one place that check is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, get_origin

import attrs

from ._errors import ParameterBlank

if TYPE_CHECKING:
    from ._commands import Request

__all__ = ["WireField", "all_texts_given", "bounded", "wire_fields", "wire_name"]


def wire_name(field_name: str) -> str:
    """The CCC parameter name of a field: ``work_mode`` -> ``WorkMode``."""
    return "".join(part.capitalize() for part in field_name.split("_"))


@attrs.frozen
class WireField:
    """One parameter of a request class, as the adapter needs it."""

    name: str  # the attrs field name
    wire: str  # the CCC parameter name
    type: Any  # str, bool, int | None, tuple[str, ...] or an Enum class
    required: bool
    bounds: tuple[int, int] | None  # inclusive range of an integer parameter
    listed: bool  # a list parameter, for which an empty list is blank too

    def given(self, value: object) -> bool:
        """Whether ``value`` gives this parameter; a blank required one is ``Parameter.Blank``.

        Blank is absent (``None``), an empty or white-space string, or for a list parameter an
        empty list (``()``): SPEC §4 check 1, for the wire adapter (on the raw value, so a JSON
        ``[]`` is blank once read) and for a command's own construction alike. A blank optional
        parameter takes its default.
        """
        if isinstance(value, str):
            blank = not value.strip()
        else:
            blank = value is None or (self.listed and value == ())
        if not blank:
            return True
        if self.required:
            raise ParameterBlank(self.wire)
        return False


def all_texts_given(values: tuple[Any, ...]) -> bool:
    """Whether every value is a string that is not blank, so that each gives its parameter.

    :meth:`WireField.given` answers ``True`` for each such value, whatever the field: this is
    its first branch for many values in one call (a request's construction checks every
    required parameter). ``False`` says only that some value needs the field's own check.
    """
    for value in values:  # noqa: SIM110 (a plain loop: all() over a generator costs more)
        if not isinstance(value, str) or not value.strip():
            return False
    return True


_WIRE_FIELDS: dict[type[Request], tuple[WireField, ...]] = {}


def wire_fields(cls: type[Request]) -> tuple[WireField, ...]:
    """The parameters of a command or signal class, in checking order."""
    fields = _WIRE_FIELDS.get(cls)
    if fields is None:
        fields = _WIRE_FIELDS[cls] = _read_fields(attrs.resolve_types(cls))
    return fields


def _read_fields(cls: type[Request]) -> tuple[WireField, ...]:
    return tuple(
        WireField(
            name=f.name,
            wire=wire_name(f.name),
            type=f.type,
            required=f.default is attrs.NOTHING,
            bounds=f.metadata.get("bounds"),
            listed=get_origin(f.type) is tuple,
        )
        for f in attrs.fields(cls)
    )


def bounded(low: int, high: int, *, required: bool = False) -> Any:
    """An integer parameter with an inclusive range: optional (default ``None``) or required."""
    default = attrs.NOTHING if required else None
    return attrs.field(default=default, metadata={"bounds": (low, high)})
