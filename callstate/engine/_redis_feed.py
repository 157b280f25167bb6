"""One reader per process of every instance's Redis stream, into the engine's event feed.

The event streams of a ``callstate serve`` replica read its :class:`~callstate.engine.EventFeed`;
on Redis this reader fills it, so each replica's streams carry every process's events, in the
store's ``seq`` order, once each. Each step asks the world's generation (``gen`` and ``token``
of ``N:world``), then waits (``XREAD BLOCK``) for entries after the last one read:

* a new token (a reset by any process, or a Redis that lost its data and was provisioned
  again) resets the feed and reads the instances' streams from the new generation's start
  (stream ids are ``<gen>-<seq>``, and ``gen`` restarts at 1 after a loss: the token is what
  tells);
* an entry of a later ``gen`` than the token read waits for the next step (the token was
  replaced since); one of an earlier ``gen`` is skipped;
* no world at all (Redis lost it, nobody provisioned it again yet): it waits for one.

Redis unreachable: it logs once and retries every ``retry`` s until Redis is back.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from redis.cluster import RedisCluster

from ..domain import Event, World
from ._feed import EventFeed
from ._redis import RedisStore
from ._redis_events import decode_event
from ._redis_scripts import UNAVAILABLE, Keys, available

__all__ = ["RedisFeeder"]

log = logging.getLogger("callstate")


class RedisFeeder:
    """Reads every instance's stream of ``store``'s namespace into ``feed``, on a thread."""

    def __init__(
        self, store: RedisStore, feed: EventFeed, *, block_ms: int = 100, retry: float = 0.2
    ) -> None:
        # block_ms bounds how long stop() (Engine.close, so a SIGTERM'd server) waits for a read
        # in flight; an XREAD returns as soon as an event comes, so it costs no latency.
        self.store = store
        self.feed = feed
        self.retry = retry
        timeout = store.client.get_connection_kwargs().get("socket_timeout")
        # each wait shorter than the socket timeout, so that a wait is never taken for a hang
        self.block_ms = block_ms if timeout is None else max(1, min(block_ms, int(timeout * 500)))
        self._world_key = f"{store.namespace}:world"
        self._token = ""
        self._gen = 0
        self._after: dict[str, str] = {}  # stream key -> last entry id read
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="callstate-feed", daemon=True)

    def start(self) -> Callable[[], None]:
        """Pin the streams' ends now (events from here on are fed), then read on a thread."""
        with available():
            self._sync(pin=True)
        self._thread.start()
        return self.stop

    def stop(self) -> None:
        """Stop reading (within one wait)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(self.block_ms / 1000 + 5)

    def _run(self) -> None:
        down = False
        while not self._stopping.is_set():
            try:
                if self._sync(pin=False):
                    self.feed.publish(self._read())
                else:
                    self._stopping.wait(self.retry)
                down = False
            except UNAVAILABLE as err:
                if not down:
                    log.warning("event feed: Redis unavailable (%s); retrying", err)
                down = True
                self._stopping.wait(self.retry)
            except Exception:
                log.exception("event feed: reading the Redis streams failed; retrying")
                self._stopping.wait(1.0)

    def _sync(self, *, pin: bool) -> bool:
        """Follow the world's generation; answers whether there is one to read."""
        client = self.store.client
        found: Any = client.hmget(self._world_key, ["gen", "token"])
        gen, token = found
        if gen is None:
            return False
        token = token or f"g{gen}"
        if token != self._token or pin:
            doc: Any = client.hget(self._world_key, "doc")
            world = World.from_dict(json.loads(doc)) if doc else World()
            ns = self.store.namespace
            keys = [Keys(ns, iid).events for iid in world.instances]
            after = {key: f"{gen}-0" for key in keys}
            if pin:  # only what comes next: the streams' backlog is read from the store
                for key in keys:
                    newest: Any = client.xrevrange(key, count=1)
                    if newest:
                        after[key] = max(newest[0][0], after[key], key=_entry_order)
            self._token, self._gen, self._after = token, int(gen), after
            self.feed.reset(token)
        return bool(self._after)

    def _read(self) -> list[Event]:
        client = self.store.client
        if isinstance(client, RedisCluster) and len(self._after) > 1:  # one slot per XREAD
            step = max(1, self.block_ms // len(self._after))
            reply: Any = []
            for key, after in self._after.items():
                reply += client.xread({key: after}, count=1000, block=step) or []
        else:
            streams: Any = self._after
            reply = client.xread(streams, count=1000, block=self.block_ms) or []
        events: list[Event] = []
        for key, entries in reply:
            for entry_id, fields in entries:
                gen = int(entry_id.partition("-")[0])
                if gen > self._gen:  # the world moved on: the next step's sync sees it
                    break
                if gen == self._gen:
                    events.append(decode_event(entry_id, fields["e"]))
                self._after[key] = entry_id
        return events


def _entry_order(entry_id: str) -> tuple[int, int]:
    gen, _, seq = entry_id.partition("-")
    return int(gen), int(seq)
