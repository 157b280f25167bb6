"""The Redis store's transaction: one request's reads, and its commit in one script.

A record is read when the decision first asks for it and remembered with its version and the
instant it was written at; the commit (the ``COMMIT`` script of ``_redis_scripts.py``) checks
them all and writes everything, or nothing (:class:`~callstate.engine.StoreConflict`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..domain import Event, InstanceConfig, Job, JobState, ServiceUnavailable, User
from ._redis_events import encode_event
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
        self._read[key] = (int(version), data)
        self._users[ref] = user
        return user

    def job(self, instance_id: str, job_id: str) -> Job | None:
        """A working copy of the call, the same object on every call."""
        ref = (instance_id, job_id)
        if ref in self._jobs:
            return self._jobs[ref]
        if self._store.config(instance_id) is None:
            return None
        key = self._store._keys_of(instance_id).job(job_id)
        prefetched = self._prefetched.pop(ref, None)
        if prefetched is None:
            version, data, _, stamp = self._fetch(instance_id, key)[:4]
        else:
            version, data, stamp = prefetched
        self._floor = max(self._floor, int(stamp))
        job = decode_job(data, self._history(instance_id, job_id)) if data else None
        if job is not None and job.state is JobState.ENDED:
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
        args: list[Any] = [self._gen, _exact(now, "now"), config.retention_ms, store.log_size, 0]
        history: list[str] = []
        for (iid, uid), user in self._users.items():
            key = store._keys_of(iid).user(uid)
            version, raw = self._read[key]
            data = "" if user is None else encode_user(user)
            job_id = "" if user is None else user.job_id
            records.append(key)
            args += [version, "" if data == raw else data, "u", job_id, "", 0]
        queued: list[int] = []  # deadlines this commit writes, so this process asks in time
        for (iid, jid), job in self._jobs.items():
            key = store._keys_of(iid).job(jid)
            version, raw = self._read.get(key, (0, ""))
            data, appended = ("", []) if job is None else encode_job(job)
            forget: int | str = "-"  # not queued (the index forgets it)
            if job is not None and job.state is JobState.QUEUED:
                forget = f"q{_exact(job.queue_deadline_ms, 'queue deadline')}"
                queued.append(job.queue_deadline_ms)
            elif job is not None and job.state is JobState.ENDED and key not in self._ended_before:
                forget = job.ended_ms + config.retention_ms
            records.append(key)
            kind = "j" if version else "n"
            args += [version, "" if data == raw else data, kind, jid, forget, len(appended)]
            history += appended
        args[4] = len(records)
        args += history
        args += [encode_event(e) for e in events]
        with available():
            reply = store._commit([keys.meta, keys.events, keys.jobs, keys.ended, *records], args)
        if reply[0] == 0:
            store._conflicted(instance_id, int(reply[1]), reply[2])
            raise StoreConflict(f"instance {instance_id}: changed since read")
        first = int(reply[1])
        store._last_now[instance_id] = now
        if queued:
            earliest, asked = store._queue_seen.get(instance_id, (2**62, -1_000))
            store._queue_seen[instance_id] = (min(earliest, *queued), asked)
        stamped = tuple(e.stamped(first + i) for i, e in enumerate(events, 1))
        return Committed(stamped, first + len(stamped))
