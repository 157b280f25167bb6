"""The read path: which answerer answers each query (joined from the concern modules).

``answer(query, config, users, jobs, now)`` is pure: one consistent read of the instance in,
the query's :data:`~callstate.domain.Answer` out (a page, a list, or one object), or the
query's catalogued error. The real-time board is ``_realtime.py``; the agent's own read models
(its profile, its devices, its login details) are ``_user_reads.py``.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import _realtime, _user_reads
from ._answers import Answer, Answerer
from ._queries import Query
from ._records import Job, User
from ._world import InstanceConfig

__all__ = ["answer"]

_ANSWERS: dict[type[Query], Answerer] = {**_realtime.ANSWERS, **_user_reads.ANSWERS}


def answer(query: Query, inst: InstanceConfig, users: Mapping[str, User],
           jobs: Mapping[str, Job], now: int) -> Answer:  # fmt: skip
    """What ``query`` answers on this read of the instance, at instant ``now``."""
    return _ANSWERS[type(query)](query, inst, users, jobs, now)
