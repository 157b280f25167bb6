"""docs/ is current with the code: the generated pages equal what the generator makes now."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from callstate import _docgen
from callstate.domain import AGENT, CHANNEL, HOLD, JOB, MUTE, SUPERVISION, catalogue

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("name", sorted(_docgen.pages()))
def test_generated_page_is_current(name: str) -> None:
    committed = (DOCS / name).read_text("utf-8")
    assert committed == _docgen.pages()[name], f"docs/{name} is stale: run `make docs`"


def test_check_mode_fails_on_a_stale_page(tmp_path: Path) -> None:
    assert _docgen.main(["--write", str(tmp_path)]) == 0
    assert _docgen.main(["--check", str(tmp_path)]) == 0
    (tmp_path / "errors.md").write_text("stale", "utf-8")
    assert _docgen.main(["--check", str(tmp_path)]) == 1


def test_diagrams_have_one_arrow_per_state_changing_transition() -> None:
    page = _docgen.state_machines()
    arrows = re.findall(r"^\s+(\w+) --> (\w+): (\w+)$", page, re.M)
    expected = sum(
        len(ts)
        for table in (AGENT, CHANNEL, HOLD, MUTE, JOB, SUPERVISION)
        for event in table.machine.events.values()
        for ts in event.transitions.values()
        if ts[0].dest is not None
    )
    assert len(arrows) == expected


def test_every_error_is_in_the_catalogue_page_with_its_template() -> None:
    page = _docgen.errors()
    for cls in catalogue():
        assert f"| {cls.http_status} | `{cls.code}` | {cls.template} |" in page


def test_every_error_documents_as_many_params_as_its_template_has_slots() -> None:
    """The docstring's ``Params: [a, b]`` (or ``Params: none``) matches the template."""
    for cls in catalogue():
        doc = " ".join((cls.__doc__ or "").split())
        found = re.search(r"Params: (none|\[([^]]*)\])", doc)
        assert found, f"{cls.__name__} does not document its Params"
        documented = 0 if found.group(1) == "none" else len(found.group(2).split(","))
        assert documented == cls.template.count("%s"), cls.__name__
