"""RequestIds and JobIds (SPEC §6)."""

from __future__ import annotations

import uuid

import pytest

from callstate import Ids
from callstate.engine import EPOCH_MS


def test_request_ids_are_upper_case_uuid4() -> None:
    ids = Ids()
    minted = [ids.request_id() for _ in range(2000)]
    assert len(set(minted)) == len(minted)
    for text in minted:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert text == str(parsed).upper()


def test_scripted_request_ids_come_first_then_seeded_ones_repeat() -> None:
    first, second = Ids(request_ids=["A", "B"], seed=9), Ids(request_ids=["A", "B"], seed=9)
    assert [first.request_id() for _ in range(4)] == [second.request_id() for _ in range(4)]
    assert [Ids(request_ids=["A"]).request_id()] == ["A"]


def test_job_ids_are_snowflakes_kept_only_when_committed() -> None:
    ids = Ids(node=259)
    draft = ids.draft()
    assert draft(1609255715825) == "job-65825892782321664"  # the seed's
    assert draft(1609255715825) == f"job-{65825892782321664 + 1}"  # same ms: next sequence
    fresh = ids.draft()  # the first draft was not committed: the sequence is unused
    assert fresh(1609255715825) == "job-65825892782321664"
    fresh.commit()
    assert ids.draft()(1609255715825) == f"job-{65825892782321664 + 1}"


def test_job_ids_never_go_back_and_borrow_the_next_millisecond_when_full() -> None:
    ids = Ids(node=0)
    draft = ids.draft()
    at = EPOCH_MS + 1000
    minted = [int(draft(at)[4:]) for _ in range(4097)]
    assert minted == sorted(minted) and len(set(minted)) == 4097
    assert minted[-1] == (1001 << 22)  # the 4097th in one ms is the next ms, sequence 0
    assert int(draft(at - 500)[4:]) > minted[-1]  # a clock stepping back changes nothing


def test_node_is_checked() -> None:
    with pytest.raises(ValueError, match="node"):
        Ids(node=1024)
