"""The world outside the agents' actions, for tests: network signals and the passing of time."""

from __future__ import annotations

from ..api import Reply
from ..engine import Engine, ManualClock

__all__ = ["START_MS", "Network"]

#: Where every fixture's manual clock starts (epoch ms): 2021-01-01T00:00:00Z.
START_MS = 1_609_459_200_000


class Network:
    """What happens outside the agents' actions: network signals and the passing of time."""

    def __init__(self, engine: Engine, clock: ManualClock) -> None:
        self.engine = engine
        self.clock = clock

    def signal(self, name: str, **params: str) -> Reply:
        """Send network signal ``name`` (``FarEndAnswered``, ``FarEndHungUp``, ``InboundCall``...).

        ``InstanceId`` defaults to the world's first instance. The reply is the engine's: a
        refused signal answers its catalogue error and changes nothing.
        """
        params.setdefault("InstanceId", sorted(self.engine.world.instances)[0])
        return self.engine.signal(name, params)

    def advance(self, ms: int) -> int:
        """Move the clock ``ms`` forward and apply every signal that fell due; answer the time."""
        now = self.clock.advance(ms)
        self.engine.tick()
        return now
