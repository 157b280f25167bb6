"""What a user reads refers only to what a user has: no private specification, no shared
folder, no issue numbers; and the LICENSE file is the licence pyproject names."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: ``SPEC §4``, ``shared/``, ``issue 4``, ``reference/ccc-api.md``; not ``--store SPEC``.
PRIVATE = re.compile(r"SPEC ?§|(?<!store )\bSPEC\b|shared/|\b[Ii]ssue #?\d|\breference/[\w-]+\.md")

pytestmark = pytest.mark.redis_store  # no store: run once


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_no_reference_a_user_does_not_have(page: Path) -> None:
    found = [m.group(0) for m in PRIVATE.finditer(page.read_text("utf-8"))]
    assert found == [], f"{page.name} refers to {found}"


def test_the_license_file_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["license"] == "MIT"
    assert "LICENSE" in project["license-files"]
    assert (ROOT / "LICENSE").read_text("utf-8").startswith("MIT License\n")
