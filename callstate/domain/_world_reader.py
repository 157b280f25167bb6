"""Reading a world document: a typed view of each JSON object that knows its own path.

Every refusal is a :class:`WorldError` naming the offending path (``$.instances[0].users[1]
.extension: duplicate '8001'``); messages name JSON kinds, never Python types.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from ._errors import WorldError
from ._text import NOT_TEXT_REASON, is_text

__all__ = ["MAX_DURATION_MS", "Reader"]

#: The largest duration a world may give (ms): about 31.7 years. An instant plus a duration then
#: stays far below 2**53, so it is exact as a Lua number, a JSON number and a Redis expiry.
MAX_DURATION_MS = 10**12

E = TypeVar("E", bound=Enum)


class Reader:
    """A typed view of one object of the document that knows its own path, for error messages."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise WorldError(f"{path}: expected an object, got {_json_kind(data)}")
        self.data: Mapping[str, Any] = data
        self.path = path

    def _get(self, key: str, kind: type, default: Any, *, nullable: bool = False) -> Any:
        if key not in self.data:
            if default is _REQUIRED:
                raise WorldError(f"{self.path}.{key}: required")
            return default
        value = self.data[key]
        if value is None and nullable:
            return None
        # bool is an int in Python; a world file's true is never a number.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise WorldError(f"{self.path}.{key}: expected {_KIND_NAMES[kind]}")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value: str = self._get(key, str, _REQUIRED if default is None else default)
        if default is None and not value.strip():
            raise WorldError(f"{self.path}.{key}: may not be blank")
        return _checked_text(value, f"{self.path}.{key}")

    def integer(self, key: str, default: int | None, *, minimum: int = 0) -> int | None:
        """A duration in ms, from ``minimum`` to :data:`MAX_DURATION_MS` (every number is one)."""
        value: int | None = self._get(key, int, default, nullable=True)
        if value is not None and value < minimum:
            raise WorldError(f"{self.path}.{key}: must be >= {minimum}")
        if value is not None and value > MAX_DURATION_MS:
            raise WorldError(f"{self.path}.{key}: must be <= {MAX_DURATION_MS}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value: bool = self._get(key, bool, default)
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value: list[Any] = self._get(key, list, [])
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise WorldError(f"{self.path}.{key}[{i}]: expected a non-blank string")
            _checked_text(item, f"{self.path}.{key}[{i}]")
        return tuple(value)

    def text_keys(self) -> list[str]:
        """The object's keys, each checked as text (a key is stored and rendered too)."""
        return [_checked_text(key, f"{self.path} key {i}") for i, key in enumerate(self.data)]

    def items(self, key: str) -> list[Reader]:
        value: list[Any] = self._get(key, list, [])
        return [Reader(item, f"{self.path}.{key}[{i}]") for i, item in enumerate(value)]

    def object(self, key: str) -> Reader | None:
        if self.data.get(key) is None:
            return None
        return Reader(self.data[key], f"{self.path}.{key}")

    def enum(self, key: str, enum: type[E], default: E) -> E:
        value: str = self._get(key, str, default.value)
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in enum)
            raise WorldError(f"{self.path}.{key}: expected one of {allowed}") from None


_REQUIRED = object()
_KIND_NAMES = {str: "a string", int: "an integer", list: "a list", bool: "a boolean"}


def _checked_text(value: str, path: str) -> str:
    """``value``, if it is Unicode text (:func:`is_text`); a world never stores anything else."""
    if not is_text(value):
        raise WorldError(f"{path}: {NOT_TEXT_REASON.removesuffix('.')}")
    return value


def _json_kind(value: object) -> str:
    """What a JSON document calls ``value``'s type (messages never name Python types)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string" if isinstance(value, str) else "a list"
