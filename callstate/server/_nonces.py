"""Where used signature nonces are remembered: in the shared store, or in this process.

A nonce must be remembered until its request could no longer pass the time check (its signed
date plus the 15-minute skew), whatever the rate: a remembered nonce is never dropped to make
room. Two places:

* :class:`StoreNonces`: a store that can claim a nonce (:class:`~callstate.engine.RedisStore`,
  ``SET NX PX``), so that every replica sharing the store accepts a request once;
* :class:`NonceCache`: this process's memory, for a store no other process shares (the memory
  store). When it is full, new requests are refused (``ServiceUnavailable``) until the oldest
  nonces expire.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from ..domain import ServiceUnavailable
from ..engine import Engine

__all__ = [
    "DEFAULT_MAX_NONCES",
    "NONCE_MAX_BYTES",
    "ClaimsNonces",
    "NonceCache",
    "Nonces",
    "StoreNonces",
    "nonces_for",
]

#: The longest nonce accepted, in UTF-8 bytes (the SDK's are 32 hex digits).
NONCE_MAX_BYTES = 128
#: Live nonces a :class:`NonceCache` holds by default (~220 bytes each for the SDK's nonces).
DEFAULT_MAX_NONCES = 1_000_000


class Nonces(Protocol):
    """Remembers used nonces; what the :class:`~callstate.server.Verifier` records them in."""

    def use(self, nonce: str, expires_ms: int, now_ms: int) -> bool:
        """Record ``nonce`` until ``expires_ms`` (epoch ms); ``False`` if it is already recorded.

        Raises :class:`~callstate.domain.ServiceUnavailable` when it cannot record it.
        """
        ...


@runtime_checkable
class ClaimsNonces(Protocol):
    """A store that records nonces for every process sharing it."""

    def claim_nonce(self, nonce: str, ttl_ms: int) -> bool:
        """Record ``nonce`` for ``ttl_ms``; ``False`` if it is recorded already."""
        ...


class NonceCache:
    """Nonces seen recently in this process, each kept until ``expires_ms``. Thread-safe.

    Bounded: with ``max_entries`` live nonces, a new one is refused with ``ServiceUnavailable``
    (503) rather than a live one forgotten, which would let its request be replayed.
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_NONCES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be positive")
        self.max_entries = max_entries
        self._expiry: dict[str, int] = {}
        self._heap: list[tuple[int, str]] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._expiry)

    def use(self, nonce: str, expires_ms: int, now_ms: int) -> bool:
        """Record ``nonce`` until ``expires_ms``; ``False`` if it is already recorded (a replay)."""
        with self._lock:
            self._purge(now_ms)
            if nonce in self._expiry:
                return False
            if len(self._expiry) >= self.max_entries:
                raise ServiceUnavailable()
            self._expiry[nonce] = expires_ms
            heapq.heappush(self._heap, (expires_ms, nonce))
            return True

    def _purge(self, now_ms: int) -> None:
        while self._heap and self._heap[0][0] <= now_ms:
            _, nonce = heapq.heappop(self._heap)
            del self._expiry[nonce]


class StoreNonces:
    """Nonces claimed in a shared store, for as long as their window lasts."""

    def __init__(self, claim: Callable[[str, int], bool]) -> None:
        self._claim = claim

    def use(self, nonce: str, expires_ms: int, now_ms: int) -> bool:
        """Claim ``nonce`` in the store until ``expires_ms``; ``False`` if it is claimed already."""
        return self._claim(nonce, max(1, expires_ms - now_ms))


def nonces_for(engine: Engine) -> Nonces:
    """Where a server of ``engine`` records nonces: its store when the store can, else here."""
    store = engine.store
    if isinstance(store, ClaimsNonces):
        return StoreNonces(store.claim_nonce)
    return NonceCache()
