"""Field-by-field copies of slotted attrs records, generated once per class.

Every request works on copies of the records it touches, so copying is on the hot path.
``attrs.evolve`` re-runs ``__init__`` with keyword arguments; a generated function that assigns
each slot directly is about five times faster, and has nothing to validate (the fields were
valid in the original).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["copier"]

T = TypeVar("T")


def copier(cls: type[T], *, frozen: bool = False) -> Callable[[T], T]:
    """A function answering a shallow copy of an instance of the slotted attrs class ``cls``.

    ``frozen`` classes are written with ``object.__setattr__``, as their own ``__init__`` does.
    """
    names = [f.name for f in attrs.fields(cls)]  # type: ignore[arg-type]
    store = "_set(new, {0!r}, self.{0})" if frozen else "new.{0} = self.{0}"
    lines = ["def copy(self):", "    new = _new(_cls)"]
    lines += ["    " + store.format(name) for name in names]
    lines.append("    return new")
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_set": object.__setattr__}
    exec("\n".join(lines), namespace)  # the same technique attrs uses for __init__
    copy: Callable[[T], T] = namespace["copy"]
    return copy


Convert = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def tuple_codec(
    cls: type[T], convert: dict[str, Convert] | None = None
) -> tuple[Callable[[T], tuple[Any, ...]], Callable[[tuple[Any, ...]], T]]:
    """``(pack, unpack)``: an instance of a slotted attrs class as a plain tuple, and back.

    ``convert`` maps a field to ``(to plain, from plain)`` functions, for fields whose values
    are not atomic (Enum members, records). Python's collector stops tracking a plain tuple of
    atomic values, so records kept packed cost a full collection nothing, however many there
    are; a field left as a record keeps its tuple tracked.
    """
    convert = convert or {}
    names = [f.name for f in attrs.fields(cls)]  # type: ignore[arg-type]
    packed = ", ".join(f"_to_{n}(self.{n})" if n in convert else f"self.{n}" for n in names)
    lines = [f"def pack(self):\n    return ({packed},)", "def unpack(t):", "    new = _new(_cls)"]
    for i, name in enumerate(names):
        value = f"_from_{name}(t[{i}])" if name in convert else f"t[{i}]"
        lines.append(f"    new.{name} = {value}")
    lines.append("    return new")
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    for name, (to_plain, from_plain) in convert.items():
        namespace[f"_to_{name}"], namespace[f"_from_{name}"] = to_plain, from_plain
    exec("\n".join(lines), namespace)
    return namespace["pack"], namespace["unpack"]


def enum_codec(enum: type[Any]) -> Convert:
    """An Enum field packed as its value (members are objects the collector tracks)."""
    return (lambda member: member._value_), enum._value2member_map_.__getitem__
