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
    cs:{N:I}:qa:<queue>     sorted set: the agents eligible for the queue, by rank
    cs:{N:I}:qc:<queue>     sorted set: the calls waiting in the queue, head first
    cs:{N:I}:qv             hash: each queue set's version (field: qa:<queue>, qc:<queue>)
    cs:{N:I}:timers         sorted set: every declared timer, by due instant
    cs:{N:I}:events         stream: entry id <gen>-<seq>, field e (the event, JSON)

How the queue and timer sets are kept is ``_redis_index.py``'s; the commit script is in
``_redis_commit.py``. A connection failure or a timeout anywhere is
:class:`~callstate.domain.ServiceUnavailable` (:func:`available`).
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
    "DEFAULT_NAMESPACE",
    "DEFAULT_SOCKET_TIMEOUT",
    "EVENTS",
    "INDEX",
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

    __slots__ = ("ended", "events", "jobs", "meta", "prefix", "timers", "versions")

    def __init__(self, namespace: str, instance_id: str) -> None:
        self.prefix = f"cs:{{{namespace}:{instance_id}}}:"
        self.meta = self.prefix + "meta"
        self.events = self.prefix + "events"
        self.jobs = self.prefix + "jobs"
        self.ended = self.prefix + "ended"
        self.timers = self.prefix + "timers"
        self.versions = self.prefix + "qv"

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
for _, name in ipairs(redis.call('HKEYS', p .. 'qv')) do redis.call('DEL', p .. name) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], p .. 'qv', p .. 'timers')
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

INDEX = """
-- KEYS: meta, qv, a queue set. ARGV: the set's name, the first and last rank wanted. Answers
-- {the instance's gen, the set's version, its size, its members from first to last}: the
-- version is the one a commit checks for a decision that read the set.
local out = {redis.call('HGET', KEYS[1], 'gen') or '', redis.call('HGET', KEYS[2], ARGV[1]) or '0',
             redis.call('ZCARD', KEYS[3])}
for _, member in ipairs(redis.call('ZRANGE', KEYS[3], ARGV[2], ARGV[3])) do
  out[#out + 1] = member
end
return out
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
