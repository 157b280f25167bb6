"""Request parameters as they arrive on the wire (strings) -> a command or signal value.

The parameter table is the request class itself (:func:`~callstate.domain.wire_fields`).
Fields are read in declaration order; the first problem is the answer:

* a required parameter that is absent, empty or white space: ``Parameter.Blank``
  (:meth:`~callstate.domain.WireField.given`, the check a command's construction makes too);
* a boolean that is not ``true``/``false`` (any case: the SDK sends ``True``/``False``), an
  integer that is not decimal digits, a list that is not a JSON array of strings:
  ``Parameter.Format``;
* an enumeration value (or a list's item, for a list of them) that is not one of its values:
  ``Parameter.Enumeration``;
* a string (or a list's string) holding a lone surrogate, which is not Unicode text
  (:func:`~callstate.domain.is_text`): ``Parameter.Format``. Nothing such is ever stored.

Values that are already typed (``True``, ``5``, ``["a"]``) are accepted as well, for embedders.
Parameters the request does not know are ignored, as CCC ignores them.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Mapping
from enum import Enum
from functools import partial
from typing import Any, TypeVar, Union, get_args, get_origin

from ..domain import (
    ACTIONS,
    NOT_TEXT_REASON,
    SIGNALS,
    InvalidActionNotFound,
    ParameterEnumeration,
    ParameterFormat,
    Request,
    WireField,
    is_text,
    wire_fields,
)

__all__ = ["parse_action", "parse_request", "parse_signal"]

R = TypeVar("R", bound=Request)


def parse_action(action: str, params: Mapping[str, Any]) -> Request:
    """The command for a CCC action name, or ``InvalidAction.NotFound``."""
    cls = ACTIONS.get(action) if isinstance(action, str) else None
    if cls is None:
        raise InvalidActionNotFound()
    return parse_request(cls, params)


def parse_signal(name: str, params: Mapping[str, Any]) -> Request:
    """The signal for a signal name (``FarEndAnswered``...), or ``InvalidAction.NotFound``."""
    cls = SIGNALS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise InvalidActionNotFound()
    return parse_request(cls, params)


def parse_request(cls: type[R], params: Mapping[str, Any]) -> R:
    """Build ``cls`` from wire parameters, checking them in field order."""
    values: dict[str, Any] = {}
    for field, convert in _readers(cls):
        raw = params.get(field.wire)
        # Most parameters are plain ASCII text, not blank: given and text, as the checks below
        # would find them, in one step (three calls fewer per parameter on every request).
        if convert is _string and raw.__class__ is str and raw.isascii() and raw.strip():
            values[field.name] = raw
        elif field.given(raw):  # a blank required parameter raises Parameter.Blank here
            values[field.name] = convert(field.wire, raw)
    return cls(**values)


Reader = tuple[WireField, Callable[[str, Any], Any]]
_READERS: dict[type[Request], tuple[Reader, ...]] = {}


def _readers(cls: type[Request]) -> tuple[Reader, ...]:
    """(parameter, converter) per field, compiled once per class."""
    readers = _READERS.get(cls)
    if readers is None:
        readers = _READERS[cls] = tuple((f, _converter(f.type)) for f in wire_fields(cls))
    return readers


def _converter(annotation: Any) -> Callable[[str, Any], Any]:
    kind = _base_type(annotation)
    if kind is str:
        return _string
    if kind is bool:
        return _boolean
    if kind is int:
        return _integer
    if kind is tuple:  # tuple[str, ...] or tuple[SomeEnum, ...]
        item = get_args(annotation)[0]
        return _strings if item is str else partial(_enumerations, item)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return partial(_enumeration, kind)
    raise TypeError(f"no conversion for parameter type {annotation!r}")  # a programming error


def _base_type(annotation: Any) -> Any:
    """``int | None`` -> ``int``; ``tuple[str, ...]`` -> ``tuple``; others unchanged."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        (inner,) = [a for a in get_args(annotation) if a is not type(None)]
        return _base_type(inner)
    return origin or annotation


def _string(wire: str, raw: Any) -> str:
    if not isinstance(raw, str):
        raise ParameterFormat(wire, "It must be a string.")
    if not is_text(raw):
        raise ParameterFormat(wire, NOT_TEXT_REASON)
    return raw


def _enumeration(enum: type[Enum], wire: str, raw: Any) -> Enum:
    try:
        return enum(raw)
    except ValueError:
        allowed = ",".join(str(m.value) for m in enum)
        raise ParameterEnumeration(wire, allowed) from None


def _enumerations(enum: type[Enum], wire: str, raw: Any) -> tuple[Enum, ...]:
    return tuple(_enumeration(enum, wire, item) for item in _strings(wire, raw))


def _boolean(wire: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = raw.strip().lower() if isinstance(raw, str) else None
    if text not in ("true", "false"):
        raise ParameterFormat(wire, "It must be true or false.")
    return text == "true"


def _integer(wire: str, raw: Any) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    text = raw.strip() if isinstance(raw, str) else ""
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 18):
        raise ParameterFormat(wire, "It must be an integer.")
    return int(text)


def _strings(wire: str, raw: Any) -> tuple[str, ...]:
    items = raw
    if isinstance(raw, str):
        try:
            items = json.loads(raw)
        except (ValueError, RecursionError):  # deep nesting overflows the decoder
            items = None
    if not isinstance(items, list | tuple) or not all(
        isinstance(i, str) and i.strip() for i in items
    ):
        raise ParameterFormat(wire, "It must be a JSON array of non-blank strings.")
    if not all(is_text(i) for i in items):
        raise ParameterFormat(wire, NOT_TEXT_REASON)
    return tuple(items)
