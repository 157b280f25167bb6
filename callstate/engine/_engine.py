"""The engine: applies one request at a time, atomically: load -> decide -> commit -> publish.

It owns what the pure domain must not touch: the clock, the id generator, the store, the lock,
the simulated network and the subscribers. Each request is applied under the engine's lock:

1. signals the simulated network has due are applied first, each at its own instant;
2. ``now`` is read once from the clock and clamped to the instance's last ``now``, so that no
   timestamp ever goes backwards;
3. the domain decides on working copies; a refusal raises a catalogued error and nothing is
   written (state, events and JobIds stay exactly as they were);
4. the store commits the copies and stamps the events (a shared store may answer "conflict":
   the request is re-read and re-decided, a bounded number of times, at an instant no earlier
   than any record it read, so no record's timestamps go backwards);
5. subscribers receive the events, in commit order; the network schedules its reaction.

:meth:`Engine.execute` takes a command or signal value and answers a typed :class:`Result`
(the records, the stamped events, the reply) or :class:`Refusal`; :meth:`Engine.handle` and
:meth:`Engine.signal` are its wire adapters: parse, execute, answer the reply. No exception
escapes any of the three: a fault that is not a catalogued error is logged and answered
``InternalService.Common`` (500).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..api import Reply, answer_reply, error_reply, outcome_reply, parse_action, parse_signal
from ..domain import (
    CCCError,
    Event,
    InternalServiceCommon,
    NotExistsInstanceId,
    Outcome,
    Query,
    Request,
    ServiceUnavailable,
    World,
    answer,
    decide,
)
from ._clock import Clock, SystemClock
from ._due import AppliesDue, Faulted
from ._feed import EventFeed
from ._ids import Ids
from ._memory import MemoryStore
from ._network import SimulatedNetwork
from ._open import open_store
from ._result import Refusal, Result
from ._store import Committed, InstanceView, Store, StoreConflict
from ._world import WorldSource, load_world

__all__ = ["DEFAULT_NETWORK", "Engine"]

log = logging.getLogger("callstate")

Subscriber = Callable[[Event], None]


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT_NETWORK"


#: ``Engine(network=DEFAULT_NETWORK)`` (the default) simulates the network; ``None`` turns it off.
DEFAULT_NETWORK: Any = _Default()


class Engine(AppliesDue):
    """A contact centre's call-control rules, applied to requests and network signals.

    Args:
        world: the provisioning: a :class:`~callstate.domain.World`, a dict, a path to a JSON
            world file, or ``None`` for the bundled default (the seed's ``ccc-test``).
        clock: answers ``now`` in epoch ms (default: the system clock).
        ids: mints RequestIds and JobIds (default: random RequestIds, snowflake node 259, or
            the node a shared store allots this process).
        store: where state lives: a :class:`Store`, or a spec such as ``"memory"``. Default:
            the spec in the environment variable ``CALLSTATE_STORE``, else a new
            :class:`MemoryStore`. A store that holds a world already keeps it; ``world``
            provisions a new one.
        network: the simulated network (default), or ``None`` when the embedder feeds real
            signals through :meth:`signal`.
        max_attempts: how often a request is re-decided after a shared store's conflict before
            it is answered ``ServiceUnavailable``.

    """

    def __init__(
        self,
        world: WorldSource = None,
        *,
        clock: Clock | None = None,
        ids: Ids | None = None,
        store: Store | str | None = None,
        network: SimulatedNetwork | None = DEFAULT_NETWORK,
        max_attempts: int = 8,
    ) -> None:
        if store is None:
            store = os.environ.get("CALLSTATE_STORE") or MemoryStore()
        self._store: Store = open_store(store) if isinstance(store, str) else store
        self._store.attach(load_world(world))
        node = self._store.node_id()
        self.clock: Clock = clock or SystemClock()
        self.ids = ids or (Ids() if node is None else Ids(node=node))
        self.network = SimulatedNetwork() if network is DEFAULT_NETWORK else network
        self.max_attempts = max_attempts
        #: The URLs a workbench is told to connect to (GetLoginDetails' ``AgentServerUrl``...),
        #: by response key: the host that serves this engine sets them; embedded, there are none.
        self.endpoints: dict[str, str] = {}
        self._lock = threading.RLock()
        self._subscribers: list[Subscriber] = []
        self._reset_listeners: list[Callable[[], None]] = []
        self._feed = EventFeed()
        self._feed.reset(self._store.generation())
        self._feed_local = True  # the engine feeds its own commits (until the store does)
        self._stop_feed: Callable[[], None] | None = None
        self._feed_started = False
        #: What this engine logs names it (the record's ``callstate_engine``).
        self._log = logging.LoggerAdapter(log, {"callstate_engine": self})
        self._faulted = Faulted()  # what fell due and faulted, logged once

    # --- requests ----------------------------------------------------------------------------
    def handle(self, action: str, params: Mapping[str, Any]) -> Reply:
        """Apply a CCC action given as its name and wire parameters (strings).

        Always answers a :class:`Reply` with the documented body, success or error: the reply
        of :meth:`execute` for the parsed command, or the parameter error's.
        """
        request_id = self.ids.request_id()
        try:
            request = parse_action(action, params)
        except CCCError as err:
            return error_reply(err, request_id, action if isinstance(action, str) else "")
        return self._run(request, request_id).reply

    def signal(self, name: str, params: Mapping[str, Any]) -> Reply:
        """Apply a network signal given as its name (``FarEndAnswered``...) and parameters."""
        request_id = self.ids.request_id()
        try:
            request = parse_signal(name, params)
        except CCCError as err:
            return error_reply(err, request_id, name if isinstance(name, str) else "")
        return self._run(request, request_id).reply

    def execute(self, request: Request) -> Result | Refusal:
        """Apply a command or signal value (``callstate.domain.HoldCall(...)``).

        Answers a :class:`Result` (the records as the request left them, the stamped events,
        the sequence number and the reply) or a :class:`Refusal` (the catalogued error and its
        reply); ``.ok`` tells them apart. Never raises.
        """
        return self._run(request, self.ids.request_id())

    def _run(self, request: Request, request_id: str) -> Result | Refusal:
        try:
            if isinstance(request, Query):
                return self._read(request, request_id)
            with self._lock:
                self._apply_due(self.clock())
                outcome, committed, now = self._apply(request, None)
                # The request is committed: a store that fails now leaves what is due for later.
                with contextlib.suppress(ServiceUnavailable):
                    self._apply_due(max(now, self.clock()))
            # Rendered outside the lock: committed records are never mutated again.
            reply = outcome_reply(outcome, request_id, committed.seq)
            user, job = outcome.user, outcome.job
            return Result(request, user, job, committed.events, committed.seq, reply)
        except CCCError as err:
            return Refusal(request, err, error_reply(err, request_id, request.action))
        except Exception:
            self._log.exception("request %s (%s) failed", request_id, request.action)
            fault = InternalServiceCommon.logged()
            return Refusal(request, fault, error_reply(fault, request_id, request.action))

    def _read(self, query: Query, request_id: str) -> Result:
        """Answer a query from one consistent read of the instance: nothing is committed.

        What fell due by now is applied first (as :meth:`tick` would), so the answer is the
        state as of now; the query itself writes nothing and moves no Heartbeat.
        """
        with self._lock:
            self._apply_due(self.clock())
            view = self._store.view(query.instance_id)
            now = self.clock()
        if view is None:
            raise NotExistsInstanceId(query.instance_id)
        found = answer(query, view.config, view.users, view.jobs, max(now, view.last_now))
        reply = answer_reply(query.action, found, request_id, self.endpoints)
        return Result(query, None, None, (), view.seq, reply, found)

    def _apply(self, request: Request, at: int | None) -> tuple[Outcome, Committed, int]:
        """Decide and commit one request (at ``at``, or the clock's now); re-decide on conflict."""
        floor = 0
        for _ in range(self.max_attempts):
            draft = self.ids.draft()
            tx = self._store.begin(draft)
            now = max(self.clock() if at is None else at, tx.last_now(request.instance_id), floor)
            try:
                outcome = decide(tx, request, now)
                committed = tx.commit(request.instance_id, now, outcome.events)
            except StoreConflict as conflict:
                floor = max(floor, conflict.floor)
                continue
            draft.commit()
            self._publish(committed.events)
            if self.network is not None:
                config = self._store.world().instances.get(request.instance_id)
                if config is not None:
                    self.network.react(outcome, config, now)
            return outcome, committed, now
        raise ServiceUnavailable()

    def _publish(self, events: tuple[Event, ...]) -> None:
        if self._feed_local:
            self._feed.publish(events)
        for event in events:
            for subscriber in list(self._subscribers):
                try:
                    subscriber(event)
                except Exception:
                    self._log.exception("event subscriber %r failed", subscriber)

    # --- events and state ----------------------------------------------------------------------
    def subscribe(
        self,
        subscriber: Subscriber,
        *,
        instance_id: str | None = None,
        after_seq: int | None = None,
        on_reset: Callable[[], None] | None = None,
    ) -> Callable[[], None]:
        """Call ``subscriber(event)`` for every event committed through this engine, in order.

        With ``instance_id``, only that instance's events. With ``after_seq`` too, the logged
        events after it are delivered first, in the same step as the subscription, so that no
        event is missed or delivered twice. ``on_reset`` is called when the engine is reset
        (sequence numbers start over). Subscribers run inside the engine's lock: keep them
        quick. Answers a function that unsubscribes. (Event streams read :meth:`feed` instead,
        which on a shared store carries every process's events.)
        """
        if instance_id is not None:
            everything = subscriber

            def subscriber(event: Event) -> None:
                if event.instance_id == instance_id:
                    everything(event)

        with self._lock:
            if instance_id is not None and after_seq is not None:
                for event in self._store.events(instance_id, after_seq):
                    subscriber(event)
            self._subscribers.append(subscriber)
            if on_reset is not None:
                self._reset_listeners.append(on_reset)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)
                if on_reset in self._reset_listeners:
                    self._reset_listeners.remove(on_reset)

        return unsubscribe

    def feed(self) -> EventFeed:
        """The process's shared log of recent events, as event streams read it.

        On a shared store, the first call starts the store's background reader, after which
        the feed carries every process's events in the store's order (and moves to a new
        generation when any process resets the store, or the store lost its data).
        """
        with self._lock:
            if not self._feed_started:
                self._feed_started = True
                self._stop_feed = self._store.feed(self._feed)
                self._feed_local = self._stop_feed is None
            return self._feed

    def log(self, instance_id: str, after_seq: int = 0) -> tuple[str, list[Event]]:
        """The store's generation and the instance's logged events after ``after_seq``."""
        with self._lock:
            return self._store.log(instance_id, after_seq)

    def events(self, instance_id: str, after_seq: int = 0) -> list[Event]:
        """The instance's logged events with ``seq > after_seq``, oldest first."""
        with self._lock:
            return self._store.events(instance_id, after_seq)

    def view(self, instance_id: str) -> InstanceView | None:
        """A copy of one instance's live state (users and calls as records)."""
        with self._lock:
            return self._store.view(instance_id)

    def snapshot(self) -> dict[str, Any]:
        """The full state as JSON-ready data: instances, JobId sequence, pending signals."""
        # Under the lock, only cheap copies; rendering (O(calls)) happens outside it.
        with self._lock:
            render = self._store.capture()
            pending = [] if self.network is None else self.network.pending()
            job_ids = self.ids.state()
        return {
            "instances": render(),
            "jobIds": job_ids,
            "network": [p.to_dict() for p in sorted(pending)],
        }

    @property
    def store(self) -> Store:
        """The store state lives in (a server asks it for shared services, such as nonces)."""
        return self._store

    @property
    def blocking_io(self) -> bool:
        """Whether requests wait on I/O (a networked store).

        Callers on an event loop should then run them on a worker thread. False for the memory
        store, whose requests are pure CPU. A store that does not say is taken to block.
        """
        return bool(getattr(self._store, "blocking_io", True))

    @property
    def world(self) -> World:
        """The world the engine was last reset to."""
        return self._store.world()

    def reset(self, world: WorldSource | World = None) -> None:
        """Start over from ``world`` (default: the current world) as provisioned."""
        with self._lock:
            self._store.reset(self.world if world is None else load_world(world))
            if self.network is not None:
                self.network.clear()
            if self._feed_local:
                self._feed.reset(self._store.generation())
            for listener in list(self._reset_listeners):
                try:
                    listener()
                except Exception:
                    self._log.exception("reset listener %r failed", listener)

    def close(self) -> None:
        """Stop the store's event reader, if one runs, and release the store's resources."""
        if self._stop_feed is not None:
            self._stop_feed()
        self._store.close()
