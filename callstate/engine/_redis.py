"""The Redis store: many engine processes, one truth (docs/redis.md).

``Engine(store="redis://host:6379/0?namespace=callstate")``. Each request reads the records it
needs (lazily, one round trip per record, the user's current call riding along with the user),
the domain decides, and one Lua script commits: it checks that every record read still has the
version it had and that the instance's clock has not passed the request's instant, then writes
the changed records with their versions moved on, appends the events to the instance's stream
and moves the instance's clock, all in one atomic step. If a check fails it writes nothing and
the engine re-reads and re-decides (:class:`~callstate.engine.StoreConflict`).

Keys (``N`` the namespace, ``I`` an instance). Every key of an instance carries the hash tag
``{N:I}``, so an instance lives in one Redis Cluster slot and one script can touch all of it::

    N:world                 hash: gen (the world's generation), doc (the world, JSON),
                            token (the store's generation: random, new whenever gen moves)
    N:nodes                 counter: the snowflake nodes handed to processes
    N:nonce:<nonce>         a used signature nonce; expires when its request's window closes
    cs:{N:I}:meta           hash: gen, token, seq (last event), last_now, jobs (calls created)
    cs:{N:I}:user:<UserId>  hash: v (version), d (the record, JSON), j (the user's JobId)
    cs:{N:I}:job:<JobId>    hash: v, d (no hold history: _redis_jobs.py), s; expires
                            retentionMs after the call ended
    cs:{N:I}:holds:<JobId>  list: the call's superseded hold intervals; expires with the call
    cs:{N:I}:jobs           sorted set: the JobIds, in creation order
    cs:{N:I}:ended          sorted set: ended JobIds, by the instant they are forgotten
    cs:{N:I}:queued         sorted set: QUEUED JobIds, by their queue deadline
    cs:{N:I}:events         stream: entry id <gen>-<seq>, field e (the event, JSON)

A connection failure or a timeout anywhere is :class:`~callstate.domain.ServiceUnavailable`.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.connection import URL_QUERY_ARGUMENT_PARSERS
from redis.exceptions import (
    ClusterDownError,
    MasterDownError,
    ReadOnlyError,
    RedisClusterException,
    TryAgainError,
)
from redis.retry import Retry

from ..domain import (
    Event,
    InstanceConfig,
    Job,
    JobState,
    ServiceUnavailable,
    User,
    World,
)
from ._feed import EventFeed
from ._open import StoreSpecError
from ._redis_jobs import HistoryLoader, decode_job, decode_whole_job, encode_job
from ._store import Committed, InstanceView, StoreConflict, instance_snapshot

__all__ = ["DEFAULT_NAMESPACE", "DEFAULT_SOCKET_TIMEOUT", "RedisStore"]

#: The namespace of a URL that names none.
DEFAULT_NAMESPACE = "callstate"
#: Seconds a command may wait for Redis (to connect, and for a reply) unless the URL says.
DEFAULT_SOCKET_TIMEOUT = 1.0

_UNAVAILABLE = (
    redis.ConnectionError,
    redis.TimeoutError,
    ReadOnlyError,
    ClusterDownError,
    TryAgainError,
    MasterDownError,
    RedisClusterException,  # no reachable node, a slot not covered
)
_YES, _NO = ("1", "true", "yes"), ("0", "false", "no")

log = logging.getLogger("callstate")

# The Lua scripts. Keys an instance's script computes from its prefix share its hash tag.

_INIT_WORLD = """
-- KEYS: world. ARGV: doc, token. Stores doc (with token) unless a world is there; answers the
-- stored {gen, doc, token}.
if redis.call('HSETNX', KEYS[1], 'doc', ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'gen', 1)
  redis.call('HSET', KEYS[1], 'token', ARGV[2])
end
return redis.call('HMGET', KEYS[1], 'gen', 'doc', 'token')
"""

_REPLACE_WORLD = """
-- KEYS: world. ARGV: doc, token. Stores doc as the next generation; answers {gen, the previous
-- doc}.
local old = redis.call('HGET', KEYS[1], 'doc') or ''
local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'token', ARGV[2])
return {gen, old}
"""

_PROVISION = """
-- KEYS: meta, events, jobs, ended. ARGV: prefix, gen, n, then n (UserId, record) pairs, then
-- UserIds whose records go, then the token. Unless the instance is at generation gen or later
-- already, wipes it and provisions its users afresh at gen (n = -1: wipes it only).
local token = ARGV[#ARGV]
local p, gen, n = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if tonumber(redis.call('HGET', KEYS[1], 'gen') or '0') >= gen then return 0 end
for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  redis.call('DEL', p .. 'job:' .. id, p .. 'holds:' .. id)
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], p .. 'queued')
for i = 4 + 2 * math.max(n, 0), #ARGV - 1 do
  redis.call('DEL', p .. 'user:' .. ARGV[i])
end
if n >= 0 then
  redis.call('HSET', KEYS[1], 'gen', gen, 'token', token, 'seq', 0, 'last_now', 0, 'jobs', 0)
  for i = 0, n - 1 do
    redis.call('HSET', p .. 'user:' .. ARGV[4 + 2 * i], 'v', 1, 'd', ARGV[5 + 2 * i], 'j', '')
  end
end
return 1
"""

_READ = """
-- KEYS: meta, a user's or a call's record. ARGV: prefix. Answers {the instance's gen, v, d,
-- JobId, s, the call's v, d and s}: a user's current call rides along, as most requests about
-- a user are about that call. s is the instant the record was last written at.
local r = redis.call('HMGET', KEYS[2], 'v', 'd', 'j', 's')
local out = {redis.call('HGET', KEYS[1], 'gen') or '', r[1] or '0', r[2] or '', r[3] or '',
             r[4] or '0', '0', '', '0'}
if r[3] and r[3] ~= '' then
  local j = redis.call('HMGET', ARGV[1] .. 'job:' .. r[3], 'v', 'd', 's')
  out[6], out[7], out[8] = j[1] or '0', j[2] or '', j[3] or '0'
end
return out
"""

_COMMIT = """
-- KEYS: meta, events, jobs, ended, then the records read or created.
-- ARGV: gen, now, retention, log size, n records, then per record: the version read (0: none),
-- the new record ('' = unchanged), kind (u user, j job, n new job), the JobId (of the user's call
-- for a user), the instant an ended call is forgotten ('' unless it ended now; for a call also
-- 'q<deadline>' while it is QUEUED, '-' otherwise: the queued index), how many entries it
-- appends to the call's hold history; then those entries, record by record; then the events.
-- Only the records read are checked: unrelated calls never contend (each record's instant is
-- checked by the transaction against the instants it read, before it comes here).
-- Redis does not undo the writes of a script that fails half-way, so everything that can fail
-- (a number Redis would refuse, a key of another type, a stream id not above the last one) is
-- checked first; an error before the first write leaves everything as it was.
local MAX = 9007199254740991  -- 2^53 - 1: the integers a Lua number holds exactly
local function int(value, what)
  local x = type(value) == 'string' and #value <= 16 and string.match(value, '^%d+$')
            and tonumber(value)
  if not x or x > MAX then error('callstate commit: bad ' .. what .. ': ' .. tostring(value), 0) end
  return x
end
local function digits(x) return string.format('%d', x) end  -- never '1e+15'
local function kind_of(key, want, what)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= want then error('callstate commit: ' .. what .. ' is a ' .. t, 0) end
  return t
end
local m = redis.call('HMGET', KEYS[1], 'gen', 'last_now', 'seq', 'jobs')
local now, last_now = int(ARGV[2], 'now'), int(m[2] or '0', 'last_now')
if m[1] ~= ARGV[1] then return {0, last_now, m[1] or ''} end
local n = int(ARGV[5], 'record count')
for i = 1, n do
  if (redis.call('HGET', KEYS[4 + i], 'v') or '0') ~= ARGV[6 * i] then
    return {0, last_now, m[1]}
  end
end
-- every check of what is about to be written, before the first write
int(ARGV[1], 'generation')
local retention = int(ARGV[3], 'retention')
if now + retention > MAX then error('callstate commit: now + retention out of range', 0) end
int(ARGV[4], 'log size')
kind_of(KEYS[3], 'zset', 'the jobs index')
kind_of(KEYS[4], 'zset', 'the ended index')
local created, p = int(m[4] or '0', 'jobs'), string.sub(KEYS[1], 1, -5)
kind_of(p .. 'queued', 'zset', 'the queued index')
local entries = 6 + 6 * n  -- the first history entry
for i = 1, n do
  local a = 6 * i
  int(ARGV[a], 'version')
  local kind, forget = ARGV[a + 2], ARGV[a + 4]
  if kind ~= 'u' and kind ~= 'j' and kind ~= 'n' then error('callstate commit: bad kind', 0) end
  if kind == 'n' then created = created + 1 end
  if string.sub(forget, 1, 1) == 'q' then
    int(string.sub(forget, 2), 'queue deadline')
  elseif forget ~= '' and forget ~= '-' then
    int(forget, 'forget instant')
  end
  local appended = int(ARGV[a + 5], 'history entries')
  if appended > 0 then
    if kind == 'u' then error('callstate commit: a user has no hold history', 0) end
    kind_of(p .. 'holds:' .. ARGV[a + 3], 'list', 'a hold history')
  end
  entries = entries + appended
end
if entries - 1 > #ARGV then error('callstate commit: missing history entries', 0) end
if created > MAX then error('callstate commit: too many calls', 0) end
local first = int(m[3] or '0', 'seq')
local events = #ARGV - (entries - 1)
if events > 0 and kind_of(KEYS[2], 'stream', 'the event stream') == 'stream' then
  local info, top = redis.call('XINFO', 'STREAM', KEYS[2]), nil
  for k = 1, #info, 2 do if info[k] == 'last-generated-id' then top = info[k + 1] end end
  local tg, ts = string.match(top or '0-0', '^(%d+)-(%d+)$')
  local g = tonumber(ARGV[1])
  if not tg or tonumber(tg) > g or (tonumber(tg) == g and tonumber(ts) >= first + 1) then
    error('callstate commit: the event stream is ahead of seq ' .. first, 0)
  end
end
if first + events > MAX then error('callstate commit: seq out of range', 0) end
-- the writes: nothing below can fail
local e = 6 + 6 * n
for i = 1, n do
  local a, key = 6 * i, KEYS[4 + i]
  local data, kind, id = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local appended = tonumber(ARGV[a + 5])
  if appended > 0 then
    redis.call('RPUSH', p .. 'holds:' .. id, unpack(ARGV, e, e + appended - 1))
    e = e + appended
  end
  if data ~= '' then
    local v = digits(tonumber(ARGV[a]) + 1)
    if kind == 'u' then
      redis.call('HSET', key, 'v', v, 'd', data, 'j', id, 's', ARGV[2])
    else
      redis.call('HSET', key, 'v', v, 'd', data, 's', ARGV[2])
      if kind == 'n' then
        redis.call('ZADD', KEYS[3], digits(redis.call('HINCRBY', KEYS[1], 'jobs', 1)), id)
      end
      local ix = ARGV[a + 4]
      if string.sub(ix, 1, 1) == 'q' then
        redis.call('ZADD', p .. 'queued', string.sub(ix, 2), id)
      elseif ix ~= '' then
        redis.call('ZREM', p .. 'queued', id)
      end
      if ix ~= '' and ix ~= '-' and string.sub(ix, 1, 1) ~= 'q' then
        redis.call('ZADD', KEYS[4], ix, id)
        redis.call('PEXPIRE', key, ARGV[3])
        redis.call('PEXPIRE', p .. 'holds:' .. id, ARGV[3])
      end
    end
  end
end
local seq = first
for k = entries, #ARGV do
  seq = seq + 1
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], ARGV[1] .. '-' .. digits(seq), 'e', ARGV[k])
end
redis.call('HSET', KEYS[1], 'seq', digits(seq), 'last_now', digits(math.max(now, last_now)))
local gone = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[2])
if #gone > 0 then
  for _, id in ipairs(gone) do
    redis.call('DEL', p .. 'job:' .. id, p .. 'holds:' .. id)
    redis.call('ZREM', KEYS[3], id)
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[2])
end
return {1, first}
"""

_VIEW = """
-- KEYS: meta, jobs. ARGV: prefix, then UserIds. Answers {seq, last_now, gen, users, jobs,
-- their hold histories}.
local p = ARGV[1]
local m = redis.call('HMGET', KEYS[1], 'seq', 'last_now', 'gen')
local users, jobs, histories = {}, {}, {}
for i = 2, #ARGV do users[i - 1] = redis.call('HGET', p .. 'user:' .. ARGV[i], 'd') or '' end
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local d = redis.call('HGET', p .. 'job:' .. id, 'd')
  if d then
    jobs[#jobs + 1] = d
    histories[#jobs] = redis.call('LRANGE', p .. 'holds:' .. id, 0, -1)
  end
end
return {m[1] or '0', m[2] or '0', m[3] or '', users, jobs, histories}
"""

_EVENTS = """
-- KEYS: meta, events. ARGV: the first seq wanted. Answers {token, the logged events from it,
-- oldest first}.
local m = redis.call('HMGET', KEYS[1], 'gen', 'token')
if not m[1] then return {'', {}} end
return {m[2] or '', redis.call('XRANGE', KEYS[2], m[1] .. '-' .. ARGV[1], '+')}
"""


@contextmanager
def _available() -> Iterator[None]:
    """Redis unreachable, timing out or failing over: :class:`ServiceUnavailable`."""
    try:
        yield
    except _UNAVAILABLE as err:
        raise ServiceUnavailable() from err


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


def _dump(record: User) -> str:
    return json.dumps(record.to_dict(), separators=(",", ":"))


def _event(entry_id: str, payload: str) -> Event:
    """An event read back from its stream entry (id ``<gen>-<seq>``, field ``e``)."""
    return Event.from_record(json.loads(payload)).stamped(int(entry_id.partition("-")[2]))


class _Keys:
    """The key names of one instance."""

    __slots__ = ("ended", "events", "jobs", "meta", "prefix", "queued")

    def __init__(self, namespace: str, instance_id: str) -> None:
        self.prefix = f"cs:{{{namespace}:{instance_id}}}:"
        self.meta = self.prefix + "meta"
        self.events = self.prefix + "events"
        self.jobs = self.prefix + "jobs"
        self.ended = self.prefix + "ended"
        self.queued = self.prefix + "queued"

    def user(self, user_id: str) -> str:
        return self.prefix + "user:" + user_id

    def job(self, job_id: str) -> str:
        return self.prefix + "job:" + job_id

    def holds(self, job_id: str) -> str:
        return self.prefix + "holds:" + job_id


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
        self._keys: dict[str, _Keys] = {}
        self._last_now: dict[str, int] = {}
        # InstanceId -> (the earliest queue deadline last seen, when it was asked)
        self._queue_seen: dict[str, tuple[int, int]] = {}
        self._init_world = client.register_script(_INIT_WORLD)
        self._replace_world = client.register_script(_REPLACE_WORLD)
        self._provision = client.register_script(_PROVISION)
        self._read = client.register_script(_READ)
        self._commit = client.register_script(_COMMIT)
        self._view = client.register_script(_VIEW)
        self._events = client.register_script(_EVENTS)

    @classmethod
    def from_url(cls, url: str) -> RedisStore:
        """A store on ``redis[s]://[user:pass@]host:port/db?namespace=NAME&socket_timeout=S``.

        ``namespace`` (default ``callstate``) prefixes every key; ``namespace=*`` is a fresh
        random one (each store independent, as a memory store is: a test aid). ``log_size``
        (default 10,000): about how many events each instance's stream keeps. ``cluster=yes``:
        the host is a node of a Redis Cluster. The other query parameters are redis-py's
        (``socket_timeout`` and ``socket_connect_timeout`` default to
        :data:`DEFAULT_SOCKET_TIMEOUT`). Commands are not retried on a timeout; a broken
        connection is retried once, at once, on a fresh one.
        """
        parts = urlsplit(url)
        namespace = DEFAULT_NAMESPACE
        log_size = 10_000
        cluster = False
        options: list[tuple[str, str]] = []
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if name == "namespace":
                namespace = f"t{secrets.token_hex(8)}" if value == "*" else value
            elif name == "log_size":
                if not value.isdigit() or int(value) < 1:
                    raise StoreSpecError(f"store {url!r}: log_size must be a positive integer")
                log_size = int(value)
            elif name == "cluster":
                if value.lower() not in _YES + _NO:
                    raise StoreSpecError(f"store {url!r}: cluster must be yes or no")
                cluster = value.lower() in _YES
            elif name in URL_QUERY_ARGUMENT_PARSERS:
                options.append((name, value))
            else:
                raise StoreSpecError(f"store {url!r}: unknown parameter {name!r}")
        if not namespace:
            raise StoreSpecError(f"store {url!r}: the namespace may not be empty")
        address = urlunsplit(parts._replace(query=urlencode(options)))
        defaults: dict[str, Any] = {
            "decode_responses": True,
            "encoding_errors": "surrogatepass",  # ids are opaque: any string is a key
            "socket_timeout": DEFAULT_SOCKET_TIMEOUT,
            "socket_connect_timeout": DEFAULT_SOCKET_TIMEOUT,
            "retry": Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        }
        client: redis.Redis | RedisCluster
        try:
            if cluster:
                with _available():  # it asks a node for the cluster's slots at once
                    client = RedisCluster.from_url(address, **defaults)
            else:
                client = redis.Redis.from_url(address, **defaults)
        except ValueError as err:
            raise StoreSpecError(f"store {url!r}: {err}") from None
        return cls(client, namespace, log_size=log_size)

    # --- the world ---------------------------------------------------------------------------
    def attach(self, world: World) -> None:
        """Provision ``world`` unless the namespace holds one; else take the stored one."""
        with _available():
            gen, doc, token = self._init_world(
                [self._world_key], [json.dumps(world.to_dict()), secrets.token_hex(6)]
            )
            self._adopt(World.from_dict(json.loads(doc)), int(gen), token or f"g{gen}")

    def reset(self, world: World) -> None:
        """Replace the namespace's world and every instance's state: no calls, agents offline."""
        with _available():
            token = secrets.token_hex(6)
            doc = json.dumps(world.to_dict())
            gen, old = self._replace_world([self._world_key], [doc, token])
            before = World.from_dict(json.loads(old)) if old else World()
            self._last_now.clear()
            self._queue_seen.clear()
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
            pairs = [x for u in users for x in (u.user_id, _dump(u))]
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
            with _available():
                if self._world_moved():
                    self._catch_up()
                    config = self._world.instances.get(instance_id)
        return config

    def node_id(self) -> int:
        """A snowflake node for this process: ``INCR <namespace>:nodes``, modulo 1024."""
        with _available():
            return (int(self.client.incr(f"{self.namespace}:nodes")) - 1) % 1024

    def claim_nonce(self, nonce: str, ttl_ms: int) -> bool:
        """Record a request's signature nonce for ``ttl_ms``; ``False`` if it is recorded already.

        ``SET N:nonce:<nonce> 1 NX PX ttl_ms``: every process of the namespace shares the nonces,
        so a signed request is accepted once across all of them.
        """
        with _available():
            key = f"{self.namespace}:nonce:{nonce}"
            return bool(self.client.set(key, 1, nx=True, px=max(1, ttl_ms)))

    def _keys_of(self, instance_id: str) -> _Keys:
        keys = self._keys.get(instance_id)
        if keys is None:
            keys = _Keys(self.namespace, instance_id)
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
            with _available():
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
        with _available():
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
            {
                uid: User.from_dict(json.loads(data))
                for uid, data in zip(config.users, users, strict=True)
                if data
            },
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
        with _available():
            first = min(max(after_seq, 0), 2**63 - 2) + 1  # a stream id's part is 64 bits
            token, entries = self._events([keys.meta, keys.events], [first])
        return token, [_event(entry_id, fields[1]) for entry_id, fields in entries]

    def feed(self, feed: EventFeed) -> Callable[[], None]:
        """Start this process's reader of every instance's stream into ``feed``; answers stop."""
        from ._redis_feed import RedisFeeder  # noqa: PLC0415 (it imports this module)

        return RedisFeeder(self, feed).start()

    def persistence(self) -> dict[str, str]:
        """What Redis says it persists: ``appendonly``, ``appendfsync`` and ``save``.

        ``{}`` when it does not say (``CONFIG`` disabled, as some hosted Redis do).
        """
        try:
            with _available():
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
            with _available():
                newest: Any = self.client.xrevrange(key, count=1)
            after = newest[0][0] if newest else "0-0"
        while waited < block_ms:
            with _available():
                reply: Any = self.client.xread({key: after}, count=1000, block=step)
            waited = 0 if reply else waited + step
            for after, fields in reply[0][1] if reply else ():
                yield after, _event(after, fields["e"])

    def snapshot(self) -> dict[str, Any]:
        """Every instance's live state as JSON-ready data."""
        with _available():
            if self._world_moved():
                self._catch_up()
        out: dict[str, Any] = {}
        for iid in self._world.instances:
            view = self.view(iid)
            if view is not None:
                out[iid] = instance_snapshot(view.last_now, view.seq, view.users, view.jobs)
        return out

    def capture(self) -> Callable[[], dict[str, Any]]:
        """Redis is read consistently per instance by :meth:`snapshot` itself: nothing to copy."""
        return self.snapshot

    def due_queue_timeouts(self, now: int) -> list[tuple[str, str, int]]:
        """Queued calls due by ``now``, by their deadlines in the shared index.

        Asked at most once a second per instance, or when the earliest deadline seen has come,
        so that a request costs no extra round trip. Another process may apply the same
        timeout first: the call is then ENDED, and this one is refused and dropped.
        """
        due: list[tuple[str, str, int]] = []
        for iid in self._world.instances:
            earliest, asked = self._queue_seen.get(iid, (0, -1_000))
            if now < earliest and now < asked + 1_000:
                continue
            key = self._keys_of(iid).queued
            with _available():
                found: list[Any] = self.client.zrangebyscore(key, "-inf", now, 0, 100, True)
                nxt: list[Any] = self.client.zrange(key, 0, 0, withscores=True)
            self._queue_seen[iid] = (int(nxt[0][1]) if nxt else 2**62, now)
            due += [(iid, job_id, int(score)) for job_id, score in found]
        return sorted(due, key=lambda d: d[2])

    def close(self) -> None:
        """Close the connections."""
        self.client.close()


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
        user = User.from_dict(json.loads(data)) if data else None
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
            with _available():
                gen, *record = store._read([keys.meta, key], [keys.prefix])
            if gen == str(self._gen):
                return list(record)
            seen = store.world().instances.get(instance_id)
            with _available():
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
            with _available():
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
            data = "" if user is None else _dump(user)
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
        args += [json.dumps(e.to_record(), separators=(",", ":")) for e in events]
        with _available():
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
