"""Functions generated from source text, their source kept so that tracebacks show it.

``exec`` of a string gives a function whose frames read ``File "<string>"``, with no line to
show. Compiling under a unique file name and registering the text with :mod:`linecache` (as
attrs does for the methods it generates) makes a traceback through generated code print the
generated line like any other.
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable
from typing import Any

__all__ = ["generate"]


def generate(
    source: str, name: str, function: str, namespace: dict[str, Any]
) -> Callable[..., Any]:
    """Compile ``source`` (run in ``namespace``) and answer the function it defines, ``function``.

    ``name`` says what it is (``render HoldCall``); the file name is ``<callstate name>``, made
    unique with a suffix if other source already holds it (a module reloaded, say).
    """
    lines = source.splitlines(True)
    filename = f"<callstate {name}>"
    for serial in itertools.count(1):
        held = linecache.cache.get(filename)
        if held is None or held == (len(source), None, lines, filename):
            break
        filename = f"<callstate {name}-{serial}>"
    code = compile(source, filename, "exec")
    # mtime None: linecache.checkcache keeps the entry, as there is no file to compare with.
    linecache.cache[filename] = (len(source), None, lines, filename)
    exec(code, namespace)
    generated: Callable[..., Any] = namespace[function]
    return generated
