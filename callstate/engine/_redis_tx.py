"""The Redis store's transaction: one request's reads, and its commit in one script.

A record is read when the decision first asks for it and remembered with its version and the
instant it was written at; the commit (the ``COMMIT`` script of ``_redis_scripts.py``) checks
them all and writes everything, or nothing (:class:`~callstate.engine.StoreConflict`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..domain import Event, InstanceConfig, Job, JobState, ServiceUnavailable, User
from ._redis_events import encode_event
from ._redis_index import (
    AGENTS,
    CALLS,
    Entries,
    index_ops,
    job_entries,
    member_id,
    user_entries,
)
from ._redis_jobs import HistoryLoader, decode_job, decode_user, encode_job, encode_user
from ._redis_scripts import available
from ._store import Committed, StoreConflict

if TYPE_CHECKING:
    from ._redis import RedisStore

__all__ = ["RedisTransaction"]

#: The largest integer every consumer of a stored instant holds exactly (a Lua number: 2**53 - 1).
_MAX_EXACT = 2**53 - 1


def _exact(value: int, what: str) -> int:
    """``value``, checked to be an instant the commit script takes (it refuses any other).

    The Python side never sends a commit the script would refuse: that refusal is a defect
    (an injected clock beyond the range, a world made without :meth:`World.from_dict`'s checks),
    answered 500 with nothing written.
    """
    if not 0 <= value <= _MAX_EXACT:
        raise ValueError(f"{what} {value} is outside 0..2**53-1: nothing was committed")
    return value


#: How many members of a queue set the first read of it brings (a decision rarely needs more:
#: the first one still eligible on its working copy; later reads bring twice as many).
_PAGE = 8


class _Page:
    """A queue set as one decision read it: its version, its size, the members read so far."""

    __slots__ = ("ids", "size", "version")

    def __init__(self, version: int, size: int) -> None:
        self.version, self.size = version, size
        self.ids: list[str] = []


class RedisTransaction:
    """One request's reads and its commit: the domain's ``Workspace`` over Redis.

    A record is read when the decision first asks for it (one round trip; the user's current
    call comes with the user) and remembered with its version; the commit checks them all.
    """

    def __init__(self, store: RedisStore, new_job_id: Callable[[int], str]) -> None:
        self._store = store
        self._gen = store._gen  # the world's generation the reads belong to
        self.new_job_id = new_job_id
        self._users: dict[tuple[str, str], User | None] = {}
        self._jobs: dict[tuple[str, str], Job | None] = {}
        self._read: dict[str, tuple[int, str]] = {}  # key -> (version, JSON as read)
        self._ended_before: set[str] = set()
        self._prefetched: dict[tuple[str, str], list[Any]] = {}
        self._before: dict[str, Entries] = {}  # key -> its index entries as read
        self._sets: dict[tuple[str, str], _Page] = {}  # (InstanceId, set name) -> as read
        self._floor = 0  # the latest instant a record read was written at

    def instance(self, instance_id: str) -> InstanceConfig | None:
        """The instance's provisioning."""
        return self._store.config(instance_id)

    def user(self, instance_id: str, user_id: str) -> User | None:
        """A working copy of the user, the same object on every call."""
        ref = (instance_id, user_id)
        if ref in self._users:
            return self._users[ref]
        config = self._store.config(instance_id)
        if config is None or user_id not in config.users:
            return None
        key = self._store._keys_of(instance_id).user(user_id)
        version, data, job_id, stamp, *call = self._fetch(instance_id, key)
        if job_id:
            self._prefetched[(instance_id, job_id)] = call
        self._floor = max(self._floor, int(stamp))
        user = decode_user(data) if data else None
        if user is not None:
            self._before[key] = user_entries(user, config)
        self._read[key] = (int(version), data)
        self._users[ref] = user
        return user

    def job(self, instance_id: str, job_id: str) -> Job | None:
        """A working copy of the call, the same object on every call."""
        ref = (instance_id, job_id)
        if ref in self._jobs:
            return self._jobs[ref]
        config = self._store.config(instance_id)
        if config is None:
            return None
        key = self._store._keys_of(instance_id).job(job_id)
        prefetched = self._prefetched.pop(ref, None)
        if prefetched is None:
            version, data, _, stamp = self._fetch(instance_id, key)[:4]
        else:
            version, data, stamp = prefetched
        self._floor = max(self._floor, int(stamp))
        job = decode_job(data, self._history(instance_id, job_id)) if data else None
        if job is not None:
            self._before[key] = job_entries(job, config)
            if job.state is JobState.ENDED:
                self._ended_before.add(key)
        self._read[key] = (int(version), data)
        self._jobs[ref] = job
        return job

    def _fetch(self, instance_id: str, key: str) -> list[Any]:
        """One record: ``[v, d, JobId, s, call's v, d, s]`` (a user's comes with their call).

        A read of another generation than this request's means the world was replaced: if this
        is the request's first read and its instance is provisioned as before, it goes on in the
        new generation; else it answers ``ServiceUnavailable`` (retry), rather than an answer
        made of two worlds.
        """
        store = self._store
        keys = store._keys_of(instance_id)
        for attempt in range(2):
            with available():
                gen, *record = store._read([keys.meta, key], [keys.prefix])
            if gen == str(self._gen):
                return list(record)
            seen = store.world().instances.get(instance_id)
            with available():
                store._catch_up()
            if attempt or self._read or store.world().instances.get(instance_id) != seen:
                break
            self._gen = store._gen
        raise ServiceUnavailable()

    def _history(self, instance_id: str, job_id: str) -> HistoryLoader:
        """Reads the call's first ``n`` history entries, when the decision first needs them.

        They were written before the record read and are never changed, so a later read
        matches it; fewer than ``n`` means the call was forgotten meanwhile: a conflict.
        """
        key = self._store._keys_of(instance_id).holds(job_id)

        def load(n: int) -> list[str]:
            with available():
                entries: list[str] = self._store.client.lrange(key, 0, n - 1)  # type: ignore[assignment]
            if len(entries) != n:
                raise StoreConflict(f"call {job_id}: its hold history is gone")
            return entries

        return load

    def add_job(self, job: Job) -> None:
        """Record a new call (the commit checks that no such key exists yet)."""
        self._jobs[(job.instance_id, job.job_id)] = job

    def working_copies(self) -> tuple[list[User], list[Job]]:
        """The users and calls read or created so far (those that exist)."""
        users = [u for u in self._users.values() if u is not None]
        return users, [j for j in self._jobs.values() if j is not None]

    def agents_in(self, instance_id: str, queue: str) -> Iterator[str]:
        """The queue's eligible agents as committed, lowest rank first, read page by page."""
        return self._members(instance_id, AGENTS + queue)

    def calls_in(self, instance_id: str, queue: str) -> Iterator[str]:
        """The queue's waiting calls as committed, head first, read page by page."""
        return self._members(instance_id, CALLS + queue)

    def waiting(self, instance_id: str, queue: str) -> int:
        """How many calls wait in the queue, as committed."""
        return self._set(instance_id, CALLS + queue).size

    def _members(self, instance_id: str, name: str) -> Iterator[str]:
        page = self._set(instance_id, name)
        i = 0
        while True:
            while i < len(page.ids):
                yield page.ids[i]
                i += 1
            if i >= page.size:
                return
            if not self._read_set(instance_id, name, page, max(_PAGE, 2 * i)).ids[i:]:
                return  # nothing more (the commit checks the version read)

    def _set(self, instance_id: str, name: str) -> _Page:
        """The set as this decision read it (read now, with its first page, if not yet)."""
        page = self._sets.get((instance_id, name))
        if page is None:
            page = self._read_set(instance_id, name, None, _PAGE)
        return page

    def _read_set(self, instance_id: str, name: str, page: _Page | None, count: int) -> _Page:
        """Read ``count`` more members of the set; a set changed since its first page conflicts.

        The version read with the first page is the one the commit checks, so every page of one
        decision is of the same set; a page of another generation is a conflict too (the
        decision is made again, in the new one).
        """
        store = self._store
        keys = store._keys_of(instance_id)
        start = 0 if page is None else len(page.ids)
        with available():
            gen, version, size, *members = store._index(
                [keys.meta, keys.versions, keys.prefix + name], [name, start, start + count - 1]
            )
        if gen != str(self._gen):
            with available():
                store._catch_up()
            raise StoreConflict(f"instance {instance_id}: the world was replaced")
        if page is None:
            page = self._sets[(instance_id, name)] = _Page(int(version), int(size))
        elif int(version) != page.version:
            raise StoreConflict(f"instance {instance_id}: {name} changed while read")
        page.ids += map(member_id, members)
        return page

    def last_now(self, instance_id: str) -> int:
        """The latest ``now`` committed in the instance (as last seen: see the commit)."""
        return self._store.last_now(instance_id)

    def commit(self, instance_id: str, now: int, events: Sequence[Event]) -> Committed:
        """Check every version read, then write, in one script.

        Raises :class:`StoreConflict` (writing nothing) when another process changed a record
        read, created the same call or reset the world, or when a record read was written at a
        later instant than ``now`` (another process's clock is ahead: the conflict's ``floor``
        is that instant, and the engine decides again from it).
        """
        if now < self._floor:
            raise StoreConflict(f"{instance_id}: a record is newer than {now}", self._floor)
        store = self._store
        config = store.world().instances.get(instance_id)
        if config is None:  # the world was replaced under this request
            raise StoreConflict(f"instance {instance_id}: no longer provisioned")
        keys = store._keys_of(instance_id)
        records: list[str] = []
        _exact(now + _exact(config.retention_ms, "retention"), "now + retention")
        head: list[Any] = [self._gen, _exact(now, "now"), config.retention_ms, store.log_size]
        args: list[Any] = []
        history: list[str] = []
        ops: list[Any] = []  # the index operations, record by record
        for (iid, uid), user in self._users.items():
            key = store._keys_of(iid).user(uid)
            version, raw = self._read[key]
            data = "" if user is None else encode_user(user)
            if user is not None and data != raw:
                ops += index_ops(self._before.get(key, {}), user_entries(user, config))
            records.append(key)
            args += [version, "" if data == raw else data, "u", user.job_id if user else "", "", 0]
        for (iid, jid), job in self._jobs.items():
            key = store._keys_of(iid).job(jid)
            version, raw = self._read.get(key, (0, ""))
            data, appended = ("", []) if job is None else encode_job(job)
            forget: int | str = ""
            if job is not None and data != raw:
                ops += index_ops(self._before.get(key, {}), job_entries(job, config))
                if job.state is JobState.ENDED and key not in self._ended_before:
                    forget = job.ended_ms + config.retention_ms
            records.append(key)
            kind = "j" if version else "n"
            args += [version, "" if data == raw else data, kind, jid, forget, len(appended)]
            history += appended
        checks = [x for (iid, name), page in self._sets.items() if iid == instance_id
                  for x in (name, page.version)]  # fmt: skip
        args = [*head, len(records), len(checks) // 2, len(ops) // 4, *args, *checks, *ops]
        args += history
        args += [encode_event(e) for e in events]
        with available():
            reply = store._commit([keys.meta, keys.events, keys.jobs, keys.ended, *records], args)
        if reply[0] == 0:
            store._conflicted(instance_id, int(reply[1]), reply[2])
            raise StoreConflict(f"instance {instance_id}: changed since read")
        first = int(reply[1])
        store._last_now[instance_id] = now
        store._committed_due(instance_id, reply[2])
        stamped = tuple(e.stamped(first + i) for i, e in enumerate(events, 1))
        return Committed(stamped, first + len(stamped))
