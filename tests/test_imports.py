"""Every public module imports in a fresh interpreter, whichever is imported first.

Hypothesis loads callstate's plugin (the ``hypothesis`` entry point) while it is itself being
imported, so an import order can close a cycle that an order-dependent test would hide.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

PUBLIC = (
    "import callstate",
    "import callstate.domain",
    "import callstate.api",
    "import callstate.engine",
    "import callstate.server",
    "import callstate.cli",
    "from callstate.testing import CallCentreMachine",
    "import hypothesis",
)


def _fresh(code: str) -> tuple[str, int, str]:
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    return code, run.returncode, run.stderr


def test_every_import_order_of_two_public_modules_works() -> None:
    orders = ["; ".join(pair) for pair in itertools.permutations(PUBLIC, 2)]
    with ThreadPoolExecutor(4) as pool:
        failed = [(code, err) for code, rc, err in pool.map(_fresh, orders) if rc]
    assert not failed, failed[0]


def test_the_hypothesis_plugin_registers_strategies_whatever_was_imported_first() -> None:
    check = (
        "from hypothesis import strategies as st; from callstate.domain import HoldCall; "
        "assert isinstance(st.from_type(HoldCall).example(), HoldCall)"
    )
    for first in PUBLIC:
        code, rc, err = _fresh(f"{first}; {check}")
        assert rc == 0, (code, err)
