"""The Redis store: many engine processes, one truth (docs/redis.md).

``Engine(store="redis://host:6379/0?namespace=callstate")``. Each request reads the records it
needs (lazily, one round trip per record, the user's current call riding along with the user),
the domain decides, and one Lua script commits: it checks that every record read still has the
version it had and that the instance's clock has not passed the request's instant, then writes
the changed records with their versions moved on, appends the events to the instance's stream
and moves the instance's clock, all in one atomic step. If a check fails it writes nothing and
the engine re-reads and re-decides (:class:`~callstate.engine.StoreConflict`).

By concern: this module is the store (the world, reads, views, the log); ``_redis_tx.py`` the
request's transaction; ``_redis_scripts.py`` the connection, the keys and the Lua scripts;
``_redis_jobs.py`` and ``_redis_events.py`` how records and events are kept; ``_redis_feed.py``
the reader of every process's events.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterator
from typing import Any, Self

import redis
from redis.cluster import RedisCluster

from ..domain import Event, InstanceConfig, ServiceUnavailable, User, World
from ._feed import EventFeed
from ._plain import instance_snapshot
from ._redis_commit import COMMIT
from ._redis_events import decode_event
from ._redis_index import decode_timer
from ._redis_jobs import decode_user, decode_whole_job, encode_user
from ._redis_scripts import (
    DEFAULT_NAMESPACE,
    DEFAULT_SOCKET_TIMEOUT,
    EVENTS,
    INDEX,
    INIT_WORLD,
    PROVISION,
    READ,
    REPLACE_WORLD,
    VIEW,
    Keys,
    available,
    connect,
)
from ._redis_tx import RedisTransaction
from ._store import DueTimer, InstanceView

__all__ = ["DEFAULT_NAMESPACE", "DEFAULT_SOCKET_TIMEOUT", "RedisStore"]

log = logging.getLogger("callstate")

#: How many due timers one ask answers per instance (the engine asks again while it applies).
_DUE_BATCH = 100
#: No timer declared: nothing falls due before this.
_NEVER = 2**63


class RedisStore:
    """State in Redis, shared by every engine process using the same namespace.

    Args:
        client: a ``redis.Redis`` or ``redis.cluster.RedisCluster`` client
            (``decode_responses=True``). :meth:`from_url` builds one with the timeouts and
            retry policy this store expects.
        namespace: prefixes every key; processes sharing a namespace share the state.
        log_size: about how many events each instance's stream keeps (``XADD MAXLEN ~``).

    """

    #: Requests wait on the network: an event loop should run them on a worker thread.
    blocking_io = True

    def __init__(
        self,
        client: redis.Redis | RedisCluster,
        namespace: str = DEFAULT_NAMESPACE,
        *,
        log_size: int = 10_000,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.log_size = log_size
        self._world_key = f"{namespace}:world"
        self._world = World()
        self._gen = 0
        self._token = ""  # the store's generation (the world's token), "" before the first
        self._keys: dict[str, Keys] = {}
        self._last_now: dict[str, int] = {}
        # InstanceId -> the earliest due instant of its timers as this process's last commit
        # left them; taken by the next due_timers, once (then it asks Redis again)
        self._next_due: dict[str, int] = {}
        self._init_world = client.register_script(INIT_WORLD)
        self._replace_world = client.register_script(REPLACE_WORLD)
        self._provision = client.register_script(PROVISION)
        self._read = client.register_script(READ)
        self._commit = client.register_script(COMMIT)
        self._index = client.register_script(INDEX)
        self._view = client.register_script(VIEW)
        self._events = client.register_script(EVENTS)

    @classmethod
    def from_url(cls, url: str) -> Self:
        """A store on ``redis[s]://[user:pass@]host:port/db?namespace=NAME&socket_timeout=S``.

        ``namespace`` (default ``callstate``) prefixes every key; ``namespace=*`` is a fresh
        random one (each store independent, as a memory store is: a test aid). ``log_size``
        (default 10,000): about how many events each instance's stream keeps. ``cluster=yes``:
        the host is a node of a Redis Cluster. The other query parameters are redis-py's
        (``socket_timeout`` and ``socket_connect_timeout`` default to
        :data:`DEFAULT_SOCKET_TIMEOUT`). Commands are not retried on a timeout; a broken
        connection is retried once, at once, on a fresh one.
        """
        client, namespace, log_size = connect(url)
        return cls(client, namespace, log_size=log_size)

    # --- the world ---------------------------------------------------------------------------
    def attach(self, world: World) -> None:
        """Provision ``world`` unless the namespace holds one; else take the stored one."""
        with available():
            gen, doc, token = self._init_world(
                [self._world_key], [json.dumps(world.to_dict()), secrets.token_hex(6)]
            )
            self._adopt(World.from_dict(json.loads(doc)), int(gen), token or f"g{gen}")

    def reset(self, world: World) -> None:
        """Replace the namespace's world and every instance's state: no calls, agents offline."""
        with available():
            token = secrets.token_hex(6)
            doc = json.dumps(world.to_dict())
            gen, old = self._replace_world([self._world_key], [doc, token])
            before = World.from_dict(json.loads(old)) if old else World()
            self._last_now.clear()
            self._next_due.clear()
            self._adopt(world, int(gen), token, before)

    def _adopt(self, world: World, gen: int, token: str, before: World | None = None) -> None:
        """Cache ``world`` at ``gen``; bring each instance up to it (once, whoever comes first).

        Generations only grow, but for a store that lost its data: a new token at a generation
        no later than the one this process knew means the world was provisioned again.
        """
        if self._token and token != self._token and gen <= self._gen:
            log.error(
                "Redis lost the data of namespace %r (restarted without persistence?): the "
                "world is provisioned again (generation %s): every agent is signed out, every "
                "call is gone, and event streams start over with a reset",
                self.namespace,
                token,
            )
        self._world = world  # first: a transaction that sees the new gen sees the new world
        self._gen = gen
        self._token = token
        gone = before.instances if before is not None else {}
        for iid, config in world.instances.items():
            users = [User.from_profile(p, iid) for p in config.users.values()]
            pairs = [x for u in users for x in (u.user_id, encode_user(u))]
            old = gone[iid].users if iid in gone else ()
            self._provision_instance(iid, gen, len(users), pairs, [*old, *config.users])
        for iid, config in gone.items():
            if iid not in world.instances:
                self._provision_instance(iid, gen, -1, [], list(config.users))

    def _provision_instance(
        self, instance_id: str, gen: int, count: int, pairs: list[str], gone: list[str]
    ) -> None:
        keys = self._keys_of(instance_id)
        self._provision(
            [keys.meta, keys.events, keys.jobs, keys.ended],
            [keys.prefix, gen, count, *pairs, *gone, self._token],
        )

    def _world_moved(self) -> bool:
        """Whether the stored world is not the one cached (another process reset it)."""
        gen = self.client.hget(self._world_key, "gen")
        return gen is None or int(gen) != self._gen

    def _catch_up(self) -> None:
        """Take the stored world, and bring every instance's keys up to it.

        After a reset by another process; or after the namespace was wiped under this one
        (it is provisioned again with the world cached here).
        """
        self.attach(self._world)

    def world(self) -> World:
        """The world the namespace was last reset to (as this process last saw it)."""
        return self._world

    def config(self, instance_id: str) -> InstanceConfig | None:
        """An instance's provisioning; an unknown one makes sure the world is current."""
        config = self._world.instances.get(instance_id)
        if config is None:
            with available():
                if self._world_moved():
                    self._catch_up()
                    config = self._world.instances.get(instance_id)
        return config

    def node_id(self) -> int:
        """A snowflake node for this process: ``INCR <namespace>:nodes``, modulo 1024."""
        with available():
            return (int(self.client.incr(f"{self.namespace}:nodes")) - 1) % 1024

    def claim_nonce(self, nonce: str, ttl_ms: int) -> bool:
        """Record a request's signature nonce for ``ttl_ms``; ``False`` if it is recorded already.

        ``SET N:nonce:<nonce> 1 NX PX ttl_ms``: every process of the namespace shares the nonces,
        so a signed request is accepted once across all of them.
        """
        with available():
            key = f"{self.namespace}:nonce:{nonce}"
            return bool(self.client.set(key, 1, nx=True, px=max(1, ttl_ms)))

    def _keys_of(self, instance_id: str) -> Keys:
        keys = self._keys.get(instance_id)
        if keys is None:
            keys = Keys(self.namespace, instance_id)
            if instance_id in self._world.instances:  # kept for provisioned instances only
                self._keys[instance_id] = keys
        return keys

    # --- requests ----------------------------------------------------------------------------
    def begin(self, new_job_id: Callable[[int], str]) -> RedisTransaction:
        """Open a transaction: records are read as the decision asks for them."""
        return RedisTransaction(self, new_job_id)

    def last_now(self, instance_id: str) -> int:
        """The instance's last committed instant, as last seen.

        Read once, then kept current by this store's commits; when another process committed a
        later one, the commit conflicts and brings it up to date.
        """
        known = self._last_now.get(instance_id)
        if known is None:
            if instance_id not in self._world.instances:
                return 0  # none (or provisioned since: the commit will tell)
            with available():
                stored = self.client.hget(self._keys_of(instance_id).meta, "last_now")
            known = self._last_now[instance_id] = int(stored or 0)
        return known

    def _conflicted(self, instance_id: str, last_now: int, gen: str) -> None:
        self._last_now[instance_id] = last_now
        if gen != str(self._gen):
            self._catch_up()

    # --- reading -----------------------------------------------------------------------------
    def view(self, instance_id: str) -> InstanceView | None:
        """A consistent copy of one instance's live state (one script: one instant)."""
        keys = self._keys_of(instance_id)
        with available():
            for attempt in range(2):
                config = self.config(instance_id)
                if config is None:
                    return None
                seq, last_now, gen, users, jobs, histories = self._view(
                    [keys.meta, keys.jobs], [keys.prefix, *config.users]
                )
                if gen == str(self._gen) or attempt:
                    break
                self._catch_up()
        assert config is not None
        return InstanceView(
            config,
            {uid: decode_user(data) for uid, data in zip(config.users, users, strict=True) if data},
            {
                (job := decode_whole_job(data, history)).job_id: job
                for data, history in zip(jobs, histories, strict=True)
            },
            int(seq),
            int(last_now),
        )

    def events(self, instance_id: str, after_seq: int = 0) -> list[Event]:
        """The instance's logged events with ``seq > after_seq``, oldest first."""
        return self.log(instance_id, after_seq)[1]

    def generation(self) -> str:
        """The world's token: new at every reset, and when a world is provisioned again."""
        return self._token

    def log(self, instance_id: str, after_seq: int = 0) -> tuple[str, list[Event]]:
        """The instance's generation (token) and logged events after ``after_seq``: one read."""
        keys = self._keys_of(instance_id)
        with available():
            first = min(max(after_seq, 0), 2**63 - 2) + 1  # a stream id's part is 64 bits
            token, entries = self._events([keys.meta, keys.events], [first])
        return token, [decode_event(entry_id, fields[1]) for entry_id, fields in entries]

    def feed(self, feed: EventFeed) -> Callable[[], None]:
        """Start this process's reader of every instance's stream into ``feed``; answers stop."""
        from ._redis_feed import RedisFeeder  # noqa: PLC0415 (it imports this module)

        return RedisFeeder(self, feed).start()

    def persistence(self) -> dict[str, str]:
        """What Redis says it persists: ``appendonly``, ``appendfsync`` and ``save``.

        ``{}`` when it does not say (``CONFIG`` disabled, as some hosted Redis do).
        """
        try:
            with available():
                found: Any = self.client.config_get("append*")
                found.update(self.client.config_get("save"))
        except (redis.RedisError, ServiceUnavailable):
            return {}
        return {k: str(found[k]) for k in ("appendonly", "appendfsync", "save") if k in found}

    def follow(
        self, instance_id: str, last_id: str = "0-0", *, block_ms: int = 1000
    ) -> Iterator[tuple[str, Event]]:
        """The instance's events as they are committed, by any process: ``(stream id, event)``.

        Starts after ``last_id`` (``"0-0"``: the oldest kept; ``"$"``: only new ones), in
        commit order, each once: to resume, pass the last stream id seen. Waits up to
        ``block_ms`` for more, and ends when none came. The stream keeps about ``log_size``
        events: a follower further behind misses the oldest.
        """
        timeout = self.client.get_connection_kwargs().get("socket_timeout")
        # one wait at a time shorter than the socket timeout, on a connection of the pool
        step = block_ms if timeout is None else max(1, min(block_ms, int(timeout * 500)))
        key = self._keys_of(instance_id).events
        after, waited = last_id, 0
        if after == "$":  # pinned now: an event between two waits is not missed
            with available():
                newest: Any = self.client.xrevrange(key, count=1)
            after = newest[0][0] if newest else "0-0"
        while waited < block_ms:
            with available():
                reply: Any = self.client.xread({key: after}, count=1000, block=step)
            waited = 0 if reply else waited + step
            for after, fields in reply[0][1] if reply else ():
                yield after, decode_event(after, fields["e"])

    def snapshot(self) -> dict[str, Any]:
        """Every instance's live state as JSON-ready data."""
        with available():
            if self._world_moved():
                self._catch_up()
        out: dict[str, Any] = {}
        for iid in self._world.instances:
            view = self.view(iid)
            if view is not None:
                out[iid] = instance_snapshot(
                    view.config, view.last_now, view.seq, view.users, view.jobs
                )
        return out

    def capture(self) -> Callable[[], dict[str, Any]]:
        """Redis is read consistently per instance by :meth:`snapshot` itself: nothing to copy."""
        return self.snapshot

    def due_timers(self, now: int) -> list[DueTimer]:
        """The timers due by ``now`` in every instance's timers set, earliest first.

        One pipelined ``ZRANGEBYSCORE`` for all instances, so that every process sees the
        timers every other one wrote, at every request and every tick. Right after a commit by
        this process it costs nothing: the commit answered the instance's earliest due instant,
        read in the same atomic step, and the first ask after it takes that instead (once).
        Another process may fire a timer answered here first: the decision that fires it here
        is then refused (the record no longer declares it), and it is not answered again.
        """
        asked = []
        for iid in self._world.instances:
            known = self._next_due.pop(iid, None)
            if known is None or known <= now:
                asked.append(iid)
        if not asked:
            return []
        with available():
            pipe = self.client.pipeline(transaction=False)
            for iid in asked:
                pipe.zrangebyscore(self._keys_of(iid).timers, "-inf", now, 0, _DUE_BATCH, True)
            replies: list[Any] = pipe.execute()
        due = [(iid, *decode_timer(member, score))
               for iid, found in zip(asked, replies, strict=True)
               for member, score in found]  # fmt: skip
        return sorted(due, key=lambda d: d[2][0])

    def _committed_due(self, instance_id: str, earliest: str) -> None:
        """Keep the earliest due instant a commit answered, for the next :meth:`due_timers`."""
        self._next_due[instance_id] = int(float(earliest)) if earliest else _NEVER

    def close(self) -> None:
        """Close the connections."""
        self.client.close()
