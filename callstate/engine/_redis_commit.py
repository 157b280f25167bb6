"""The Redis store's commit: one Lua script that checks every read, then writes everything.

Its arguments are built by ``_redis_tx.py``; the keys and the other scripts are in
``_redis_scripts.py``; the entries of the queue and timer indexes in ``_redis_index.py``.
"""

from __future__ import annotations

__all__ = ["COMMIT"]

COMMIT = """
-- KEYS: meta, events, jobs, ended, then the records read or created.
-- ARGV: gen, now, retention, log size, n records, c index checks, o index operations, then
-- per record: the version read (0: none), the new record ('' = unchanged), kind (u user, j job,
-- n new job), the JobId (of the user's call for a user), the instant an ended call is forgotten
-- ('' unless it ended now), how many entries it appends to the call's hold history; then per
-- index check: a queue set's name and the version read; then per index operation: '-' or '+',
-- the set's name, the score ('' to remove), the member; then the history entries, record by
-- record; then the events.
-- Only the records and queue sets read are checked: unrelated calls never contend (each
-- record's instant is checked by the transaction against the instants it read, before it
-- comes here). Every operation on a queue set moves the set's version on (in the hash qv).
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
local n, c, o = int(ARGV[5], 'record count'), int(ARGV[6], 'check count'), int(ARGV[7], 'op count')
local p = string.sub(KEYS[1], 1, -5)
local R, C = 8, 8 + 6 * n  -- the first record's arguments, the first check's
local O = C + 2 * c  -- the first operation's
for i = 0, n - 1 do
  if (redis.call('HGET', KEYS[5 + i], 'v') or '0') ~= ARGV[R + 6 * i] then
    return {0, last_now, m[1]}
  end
end
kind_of(p .. 'qv', 'hash', 'the queue versions')
kind_of(p .. 'timers', 'zset', 'the timers index')  -- read at the end
for i = 0, c - 1 do
  if (redis.call('HGET', p .. 'qv', ARGV[C + 2 * i]) or '0') ~= ARGV[C + 2 * i + 1] then
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
local created = int(m[4] or '0', 'jobs')
local entries = O + 4 * o  -- the first history entry
for i = 0, n - 1 do
  local a = R + 6 * i
  int(ARGV[a], 'version')
  local kind, forget = ARGV[a + 2], ARGV[a + 4]
  if kind ~= 'u' and kind ~= 'j' and kind ~= 'n' then error('callstate commit: bad kind', 0) end
  if kind == 'n' then created = created + 1 end
  if forget ~= '' then int(forget, 'forget instant') end
  local appended = int(ARGV[a + 5], 'history entries')
  if appended > 0 then
    if kind == 'u' then error('callstate commit: a user has no hold history', 0) end
    kind_of(p .. 'holds:' .. ARGV[a + 3], 'list', 'a hold history')
  end
  entries = entries + appended
end
for i = 0, o - 1 do
  local b = O + 4 * i
  if ARGV[b] == '+' then int(ARGV[b + 2], 'score') elseif ARGV[b] ~= '-' then
    error('callstate commit: bad index operation', 0)
  end
  kind_of(p .. ARGV[b + 1], 'zset', 'the index ' .. ARGV[b + 1])
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
local e = O + 4 * o  -- the first history entry
for i = 0, n - 1 do
  local a, key = R + 6 * i, KEYS[5 + i]
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
      if ARGV[a + 4] ~= '' then
        redis.call('ZADD', KEYS[4], ARGV[a + 4], id)
        redis.call('PEXPIRE', key, ARGV[3])
        redis.call('PEXPIRE', p .. 'holds:' .. id, ARGV[3])
      end
    end
  end
end
local moved = {}
for i = 0, o - 1 do  -- every removal first: a record's member may be added back at a new rank
  local b = O + 4 * i
  if ARGV[b] == '-' then redis.call('ZREM', p .. ARGV[b + 1], ARGV[b + 3]) end
  moved[ARGV[b + 1]] = true
end
for i = 0, o - 1 do
  local b = O + 4 * i
  if ARGV[b] == '+' then redis.call('ZADD', p .. ARGV[b + 1], ARGV[b + 2], ARGV[b + 3]) end
end
for name in pairs(moved) do
  if name ~= 'timers' then redis.call('HINCRBY', p .. 'qv', name, 1) end
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
local next_due = redis.call('ZRANGE', p .. 'timers', 0, 0, 'WITHSCORES')
return {1, first, next_due[2] or ''}
"""
