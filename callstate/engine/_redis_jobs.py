"""How the Redis store keeps its records: users whole, a call without its hold history.

Records are JSON in the plain form of ``_plain.py`` (the snapshot's). A user's record
(``cs:{N:I}:user:<UserId>``, field ``d``) is the user's plain form. A call's record
(``cs:{N:I}:job:<JobId>``, field ``d``) is the call's plain form except that each
leg carries, instead of its hold intervals, ``hold_count`` and ``hold_newest`` (the latest
interval, open while the leg is held, as ``[start, end, music, by]``). Every other interval of
the call is in the call's history list (``cs:{N:I}:holds:<JobId>``), one JSON entry
``[ChannelId, start, end, music, by]`` per interval, appended by the commit that superseded it
(a later hold of the same leg) and never changed again. A command reads and writes a record of
the same size however often the call was held; the list is read only when every interval is
needed: the call detail record of a call that ends, and views.

A working copy's legs carry :class:`StoredHolds`: the newest interval and those added by the
request in memory, the older ones loaded from the list on first use (one ``LRANGE``).
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from ..domain import Channel, HoldInterval, Holds, Job, User
from ._plain import job_from_plain, plain, plain_value, user_from_plain

__all__ = [
    "HistoryLoader",
    "StoredHolds",
    "decode_job",
    "decode_user",
    "decode_whole_job",
    "encode_job",
    "encode_user",
]

#: Reads a call's history list: the JSON entries ``0 .. n - 1`` (``n`` given).
HistoryLoader = Callable[[int], list[str]]

_HOLDS = attrs.fields(Channel).holds


class StoredHolds(Holds):
    """A stored leg's hold intervals: the older ones in the call's history list, read lazily.

    Implements the whole of :class:`~callstate.domain.Holds`' interface (``newest``, ``add``,
    ``replace_newest``, ``len``, iteration, equality) on its own: ``older`` intervals in the
    list, then ``tail`` (the stored newest and those this request added) in memory. Holding and
    retrieving touch ``tail`` only; iterating (for the call detail record) reads the list once.
    """

    __slots__ = ("_load", "_stored", "_tail")

    def __init__(
        self, older: int, load: Callable[[], list[HoldInterval]], tail: tuple[HoldInterval, ...]
    ) -> None:
        # Holds' own state is never set or read: every method is answered from the fields here
        self._stored = older
        self._load = load
        self._tail = tail

    @property
    def newest(self) -> HoldInterval | None:
        """The latest interval (open while the leg is held), if any."""
        return self._tail[-1] if self._tail else None

    @newest.setter
    def newest(self, value: HoldInterval | None) -> None:
        raise AttributeError("hold intervals are immutable")

    @property
    def size(self) -> int:
        """How many intervals (as :class:`~callstate.domain.Holds` answers it)."""
        return len(self)

    @size.setter
    def size(self, value: int) -> None:
        raise AttributeError("hold intervals are immutable")

    @property
    def appended(self) -> tuple[HoldInterval, ...]:
        """The intervals the stored list does not hold yet: every one but the newest."""
        return self._tail[:-1]

    def add(self, interval: HoldInterval) -> Holds:
        """These intervals and a newer one."""
        return StoredHolds(self._stored, self._load, (*self._tail, interval))

    def replace_newest(self, interval: HoldInterval) -> Holds:
        """These intervals with the newest one replaced (closed)."""
        return StoredHolds(self._stored, self._load, (*self._tail[:-1], interval))

    def opened(self, start_ms: int, music: str, by_user: str) -> Holds:
        """These intervals and a newer, open one."""
        return self.add(HoldInterval(start_ms, None, music, by_user))

    def closed(self, end_ms: int) -> Holds:
        """These intervals with the newest (open) one closed at ``end_ms``."""
        last = self.newest
        assert last is not None and last.end_ms is None, "a held leg has an open interval"
        return self.replace_newest(attrs.evolve(last, end_ms=end_ms))

    def __iter__(self) -> Iterator[HoldInterval]:
        return itertools.chain(self._load() if self._stored else (), self._tail)

    def __len__(self) -> int:
        return self._stored + len(self._tail)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Holds):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None


def encode_user(user: User) -> str:
    """The user's record: its plain form as compact JSON."""
    return _dumps(plain(user))


def decode_user(data: str) -> User:
    """A user read back from :func:`encode_user`'s record."""
    return user_from_plain(json.loads(data))


def _interval(fields: list[Any]) -> HoldInterval:
    return HoldInterval(*fields)


def encode_job(job: Job) -> tuple[str, list[str]]:
    """The record's JSON, and the history entries the commit appends to the call's list.

    A leg read from the store (:class:`StoredHolds`) appends the intervals it superseded; a leg
    made by this request (a plain :class:`Holds`, its list empty) every interval but its newest.
    """
    data = attrs.asdict(job, filter=lambda a, _: a is not _HOLDS, value_serializer=plain_value)
    entries: list[str] = []
    for leg, stored in zip(job.channels, data["channels"], strict=True):
        holds = leg.holds
        older = holds.appended if isinstance(holds, StoredHolds) else tuple(holds)[:-1]
        newest = holds.newest
        stored["hold_count"] = len(holds)
        stored["hold_newest"] = None if newest is None else list(attrs.astuple(newest))
        entries += (_dumps([leg.channel_id, *attrs.astuple(h)]) for h in older)
    return _dumps(data), entries


def _history_size(data: dict[str, Any]) -> int:
    """How many entries a decoded record's history list has."""
    return sum(max(leg.get("hold_count", 0) - 1, 0) for leg in data["channels"])


def decode_whole_job(data: str, history: list[str]) -> Job:
    """A record read back with its whole history list: a plain record, as a view shows it."""
    return decode_job(data, lambda n: history[:n], lazy=False)


def decode_job(data: str, load: HistoryLoader, *, lazy: bool = True) -> Job:
    """A record read back; its legs' older intervals read through ``load`` (lazily, once).

    ``lazy=False``: read at once, into plain :class:`~callstate.domain.Holds`.
    """
    raw: dict[str, Any] = json.loads(data)
    size = _history_size(raw)
    by_leg: dict[str, list[HoldInterval]] | None = None

    def older(channel_id: str) -> list[HoldInterval]:
        nonlocal by_leg
        if by_leg is None:
            entries = load(size)
            by_leg = {}
            for entry in entries:
                channel, *fields = json.loads(entry)
                by_leg.setdefault(channel, []).append(_interval(fields))
        return by_leg.get(channel_id, [])

    legs: list[tuple[int, HoldInterval | None]] = []
    for leg in raw["channels"]:
        if "hold_count" in leg:
            newest = leg.pop("hold_newest")
            legs.append((leg.pop("hold_count"), None if newest is None else _interval(newest)))
            leg["holds"] = []
        else:  # a record written before the history list: every interval in it
            legs.append((-1, None))
    job = job_from_plain(raw)
    for channel, (count, newest) in zip(job.channels, legs, strict=True):
        if count < 0:
            continue
        cid = channel.channel_id
        tail: tuple[HoldInterval, ...] = () if newest is None else (newest,)
        holds = StoredHolds(max(count - 1, 0), functools.partial(older, cid), tail)
        channel.holds = holds if lazy else Holds.of(holds)
    return job


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
