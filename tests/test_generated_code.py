"""Generated code shows its source in a traceback, like code in a file.

The adapter's renderers of commands' outcomes are generated from the response shapes
(``callstate/api/_render.py``; the queries' pages are rendered by plain code);
a fault inside one must point at the generated line, not at ``File "<string>"`` with nothing.
"""

from __future__ import annotations

import linecache
import traceback
from types import SimpleNamespace
from typing import Any

import pytest

from callstate.api import SHAPES, outcome_reply
from callstate.api._codegen import generate
from callstate.domain import COMMANDS


def _frames(error: BaseException) -> list[traceback.FrameSummary]:
    return [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<")]


@pytest.mark.parametrize("action", [*(a for a in COMMANDS if SHAPES[a]), "FarEndAnswered"])
def test_a_fault_in_a_renderer_shows_the_generated_line(action: str) -> None:
    # A user record missing its fields: the generated f-string of the user context reads them.
    broken: Any = SimpleNamespace(
        request=SimpleNamespace(action=action), user=object(), job=None, legs=()
    )
    with pytest.raises(AttributeError) as info:
        outcome_reply(broken, "request-1", 0)
    (frame,) = _frames(info.value)
    assert frame.filename == f"<callstate render {action if action in SHAPES else 'signal'}>"
    assert frame.name == "render"
    assert frame.line is not None and frame.line.startswith("user = f'{{")
    printed = "".join(traceback.format_exception(info.value))
    assert f'File "{frame.filename}", line {frame.lineno}, in render\n    user = f\'{{{{' in printed


def test_generated_sources_under_one_name_stay_apart() -> None:
    """A second source under a name already taken gets its own file name, so each traceback
    shows its own line (as when a module is reloaded)."""
    first = generate("def f(x):\n    return x.first\n", "test twin", "f", {})
    second = generate("def f(x):\n    return x.second\n", "test twin", "f", {})
    again = generate("def f(x):\n    return x.first\n", "test twin", "f", {})
    names = [g.__code__.co_filename for g in (first, second, again)]
    assert names[0] != names[1] and names[2] == names[0]
    for function, line in ((first, "return x.first"), (second, "return x.second")):
        with pytest.raises(AttributeError) as info:
            function(object())
        (frame,) = _frames(info.value)
        assert frame.line == line and frame.lineno is not None
        assert linecache.getline(frame.filename, frame.lineno).strip() == line


def test_generated_source_survives_a_cache_check() -> None:
    """``linecache.checkcache`` (run by the traceback module's callers) keeps the source."""
    function = generate("def f(x):\n    return x.kept\n", "test kept", "f", {})
    linecache.checkcache()
    with pytest.raises(AttributeError) as info:
        function(object())
    assert _frames(info.value)[0].line == "return x.kept"
