"""Loading a world: from a file path, a JSON text, a dict, or the bundled default (the seed's)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..domain import World, WorldError

__all__ = ["DEFAULT_WORLD_FILE", "WorldSource", "default_world", "load_world"]

WorldSource = World | Mapping[str, Any] | str | Path | None

#: The bundled world file, shipped inside the package.
DEFAULT_WORLD_FILE = Path(__file__).resolve().parent.parent / "data" / "default_world.json"


def default_world() -> World:
    """The bundled world of the seed: instance ``ccc-test``, agent ``user-test@ccc-test``."""
    return World.from_dict(json.loads(DEFAULT_WORLD_FILE.read_text("utf-8")))


def load_world(source: WorldSource = None) -> World:
    """A world from ``source``: a :class:`World`, a dict, a path to a JSON file, or ``None``.

    Raises :class:`WorldError` for a file that cannot be read or a document that is not a world.
    """
    if source is None:
        return default_world()
    if isinstance(source, World):
        return source
    if isinstance(source, Mapping):
        return World.from_dict(source)
    try:
        text = Path(source).read_text("utf-8")
    except OSError as err:
        raise WorldError(f"cannot read world file {str(source)!r}: {err.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as err:
        raise WorldError(f"{source}: not JSON: {err}") from None
    return World.from_dict(data)
