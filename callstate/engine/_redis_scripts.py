"""What the Redis store says to Redis: the connection, the keys, the Lua scripts, and failures.

:func:`connect` opens the client a store URL names (the URL's grammar is
:meth:`~callstate.engine.RedisStore.from_url`'s).

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

A connection failure or a timeout anywhere is :class:`~callstate.domain.ServiceUnavailable`
(:func:`available`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
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

from ..domain import ServiceUnavailable
from ._open import StoreSpecError

__all__ = [
    "COMMIT",
    "DEFAULT_NAMESPACE",
    "DEFAULT_SOCKET_TIMEOUT",
    "EVENTS",
    "INIT_WORLD",
    "PROVISION",
    "READ",
    "REPLACE_WORLD",
    "UNAVAILABLE",
    "VIEW",
    "Keys",
    "available",
    "connect",
]

#: The namespace of a URL that names none.
DEFAULT_NAMESPACE = "callstate"
#: Seconds a command may wait for Redis (to connect, and for a reply) unless the URL says.
DEFAULT_SOCKET_TIMEOUT = 1.0

_YES, _NO = ("1", "true", "yes"), ("0", "false", "no")

UNAVAILABLE = (
    redis.ConnectionError,
    redis.TimeoutError,
    ReadOnlyError,
    ClusterDownError,
    TryAgainError,
    MasterDownError,
    RedisClusterException,  # no reachable node, a slot not covered
)


@contextmanager
def available() -> Iterator[None]:
    """Redis unreachable, timing out or failing over: :class:`ServiceUnavailable`."""
    try:
        yield
    except UNAVAILABLE as err:
        raise ServiceUnavailable() from err


def connect(url: str) -> tuple[redis.Redis | RedisCluster, str, int]:
    """The client a store URL names, with its namespace and log size (or StoreSpecError)."""
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
            with available():  # it asks a node for the cluster's slots at once
                client = RedisCluster.from_url(address, **defaults)
        else:
            client = redis.Redis.from_url(address, **defaults)
    except ValueError as err:
        raise StoreSpecError(f"store {url!r}: {err}") from None
    return client, namespace, log_size


class Keys:
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


# The Lua scripts. Keys an instance's script computes from its prefix share its hash tag.

INIT_WORLD = """
-- KEYS: world. ARGV: doc, token. Stores doc (with token) unless a world is there; answers the
-- stored {gen, doc, token}.
if redis.call('HSETNX', KEYS[1], 'doc', ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'gen', 1)
  redis.call('HSET', KEYS[1], 'token', ARGV[2])
end
return redis.call('HMGET', KEYS[1], 'gen', 'doc', 'token')
"""

REPLACE_WORLD = """
-- KEYS: world. ARGV: doc, token. Stores doc as the next generation; answers {gen, the previous
-- doc}.
local old = redis.call('HGET', KEYS[1], 'doc') or ''
local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'token', ARGV[2])
return {gen, old}
"""

PROVISION = """
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

READ = """
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

COMMIT = """
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

VIEW = """
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

EVENTS = """
-- KEYS: meta, events. ARGV: the first seq wanted. Answers {token, the logged events from it,
-- oldest first}.
local m = redis.call('HMGET', KEYS[1], 'gen', 'token')
if not m[1] then return {'', {}} end
return {m[2] or '', redis.call('XRANGE', KEYS[2], m[1] .. '-' .. ARGV[1], '+')}
"""
