"""What falls due: the network's signals and the store's timers, applied in due order.

The engine applies them before each request, right after each commit, and at every
:meth:`~callstate.engine.Engine.tick`. Three outcomes are not a success, and each is handled
once, here:

* a refusal (the call moved on before it was due): dropped;
* ``ServiceUnavailable``: the store could not decide. If another process replaced the world
  meanwhile, the call is gone, as a reset in this process clears the network: dropped.
  Otherwise (Redis down or busy) the pass ends and all stays due for the next one;
* a fault (a bug, or a store error that is not an outage): logged at ERROR, once, and not
  raised into whatever request found it due. A timer stays in the store and is tried again at
  every pass (a passing fault then heals); logging it each time would fill the log twenty
  times a second. A signal leaves the schedule (kept, it would be the first due for ever).
"""

from __future__ import annotations

import logging
import threading

from ..domain import CCCError, Outcome, Request, ServiceUnavailable, TimerFired
from ._clock import Clock
from ._network import SimulatedNetwork
from ._store import Committed, Store

#: The engine's logger: its records name the engine (``callstate_engine``).
EngineLog = logging.LoggerAdapter[logging.Logger]

__all__ = ["AppliesDue", "Faulted"]

log = logging.getLogger("callstate")


class Faulted:
    """The last ``size`` due requests whose fault was logged (the oldest forgotten first)."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._requests: dict[Request, None] = {}  # insertion order: the oldest first

    def __contains__(self, request: Request) -> bool:
        return request in self._requests

    def add(self, request: Request) -> None:
        """Remember ``request`` (forgetting the oldest beyond ``size``)."""
        self._requests[request] = None
        if len(self._requests) > self._size:
            del self._requests[next(iter(self._requests))]


class AppliesDue:
    """The engine's part that applies what falls due (mixed into :class:`Engine`)."""

    clock: Clock
    network: SimulatedNetwork | None
    _store: Store
    _lock: threading.RLock
    _log: EngineLog
    _faulted: Faulted

    def _apply(self, request: Request, at: int | None) -> tuple[Outcome, Committed, int]:
        raise NotImplementedError  # the engine's: decide and commit one request

    def tick(self) -> None:
        """Apply what is due by now: the network's signals and the timers (never raises).

        Each request does this first too; an embedder whose engine may sit idle calls it on a
        timer, so that offers ring out, queued calls time out and agents wrap up on time.
        """
        try:
            with self._lock:
                self._apply_due(self.clock())
        except ServiceUnavailable:  # requests say so (503): what is due waits for the store
            log.debug("tick: the store is unavailable")
        except Exception:
            self._log.exception("applying the simulated network's signals failed")

    def _apply_due(self, now: int) -> None:
        """Apply the network's due signals and the store's due timers, each at its instant.

        The two sources interleave in due order: a timer due before a signal fires first. What
        is applied may declare a timer already due (a ring timeout applied late queues a call
        whose wait is over): look again while anything was applied. A timer refused (its
        record moved on, or another process fired it) is not asked for again in this pass.
        A store that could not decide (``ServiceUnavailable``: down, or busy) ends the pass,
        leaving timers and signals due for the next one: a request is then answered 503 at
        once, without a second wait on the store.
        """
        applied = True
        while applied:
            applied = False
            for iid, record_id, (due, kind, channel) in self._store.due_timers(now):
                applied |= self._apply_network_due(due)
                timer = TimerFired(iid, kind.value, record_id, due, channel)
                applied |= self._apply_quietly(timer, due)
            applied |= self._apply_network_due(now)

    def _apply_network_due(self, now: int) -> bool:
        """Apply the network's signals due by ``now``; answer whether any was applied."""
        applied = False
        while self.network is not None and (due := self.network.first_due(now)) is not None:
            applied |= self._apply_quietly(due.signal, due.due_ms)
            self.network.discard(due)  # decided: applied, refused by the call, or a fault
        return applied

    def _apply_quietly(self, request: Request, at: int) -> bool:
        """Apply a due request; answer whether it was applied.

        A refusal (the call moved on) is dropped, and so is what the store could not decide
        because another process replaced the world meanwhile (its call is gone, as a reset here
        clears the network); any other ``ServiceUnavailable`` propagates: undecided. A fault is
        logged (once) and not raised, lest it fail whatever request finds it due, at every
        pass: a timer stays due and is tried again at the next one.
        """
        generation = self._store.generation()
        try:
            self._apply(request, at)
        except ServiceUnavailable:
            if self._store.generation() == generation:
                raise
            log.debug("due %s dropped: the world was replaced", request.action)
            return False
        except CCCError as err:
            log.debug("due %s dropped: %s", request.action, err)
            return False
        except Exception:
            if request in self._faulted:
                log.debug("applying the due %s failed again", request.action, exc_info=True)
            else:
                self._log.exception("applying the due %s failed (logged once)", request.action)
                self._faulted.add(request)
            return False
        return True
