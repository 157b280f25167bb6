"""How :class:`~callstate.testing.CallCentreMachine` sends: to the engine, or through your client.

By default the machine sends every action straight to its engine. When ``make_client(engine)``
answers a :class:`~callstate.testing.CallCentreClient` (your code, over the SDK or anything
else, talking to ``engine``), every action goes through it instead, and a *reference* engine (a
second one, built by ``make_engine`` on the same world and clock) gets the same action directly.
The network's signals and the clock reach both engines. Then, besides the engine's invariants:

* your client must answer every action with the reference's ``Code`` (or ``None``: not an
  action it does, so it goes to the engine directly);
* after every step, every record in the engine behind your client must be in the reference's
  state (a client that answers OK without sending is caught here);
* your client must read each agent's state and current call as the reference reads them
  (PollUserStatus's ``UserState`` and ``ChannelContexts``, a held leg by its ``HOLD`` flag).

Whatever the machine's engines log at ERROR while it runs (a fault applying a due signal or
timer, which an engine skips rather than fail the next request; a subscriber that raised)
fails the step that caused it.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from hypothesis.stateful import RuleBasedStateMachine, invariant

from ..api import SHAPES, SIGNAL_SHAPE, Reply, envelope
from ..domain import World, catalogue
from ..engine import Engine, ManualClock
from ._client import CallCentreClient, EngineClient
from ._machine_world import AGENTS, INSTANCE
from ._rows import record_states

__all__ = ["ClientDriven"]

_CODES = {cls.code: cls for cls in catalogue()}


def _keys(shape: Any, value: Any, path: str) -> None:
    """Assert ``value`` has exactly the keys (recursively) of ``shape``."""
    if isinstance(shape, dict):
        assert isinstance(value, dict) and set(value) == set(shape), (path, value)
        for key, kind in shape.items():
            _keys(kind, value[key], f"{path}.{key}")
    elif isinstance(shape, list):
        assert isinstance(value, list), (path, value)
        for i, item in enumerate(value):
            _keys(shape[0], item, f"{path}[{i}]")


class _Faults(logging.Handler):
    """Collects what ``engines`` log at ERROR and above (not other engines of the process)."""

    def __init__(self, *engines: Engine | None) -> None:
        super().__init__(logging.ERROR)
        self.engines = [engine for engine in engines if engine is not None]
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        logged_by = getattr(record, "callstate_engine", None)
        if any(logged_by is engine for engine in self.engines):
            self.records.append(record)


class ClientDriven(RuleBasedStateMachine):
    """Sending actions and signals, directly or through the client under test."""

    world: ClassVar[dict[str, Any]]
    engine: Engine
    clock: ManualClock

    def make_engine(self, world: World, clock: ManualClock) -> Engine:
        """The engine under test (defined by the machine)."""
        raise NotImplementedError

    def make_client(self, engine: Engine) -> CallCentreClient | None:
        """The client under test, talking to ``engine``; ``None`` (default): the engine itself."""
        return None

    def connect_client(self) -> None:
        """Make the client and, when there is one, the reference engine it is held to."""
        self.client = self.make_client(self.engine)
        self.reference: Engine | None = None
        if self.client is not None:
            self.reference = self.make_engine(World.from_dict(self.world), self.clock)
        self.faults = _Faults(self.engine, self.reference)
        logging.getLogger("callstate").addHandler(self.faults)

    def close_client(self) -> None:
        """Close the reference engine; stop collecting the engine's faults."""
        logging.getLogger("callstate").removeHandler(self.faults)
        if self.reference is not None:
            self.reference.close()

    def check_no_fault(self) -> None:
        """Nothing was logged at ERROR since the last check."""
        logged, self.faults.records = self.faults.records, []
        assert not logged, "the engine logged a fault: " + "; ".join(
            f"{r.getMessage()} ({r.exc_info[1]!r})" if r.exc_info else r.getMessage()
            for r in logged
        )

    def send(self, action: str, user: str, **params: str) -> Reply:
        """Send an action as ``user`` and check the reply is documented (and the client's)."""
        wire = {"InstanceId": INSTANCE, "UserId": user, **params}
        if self.reference is None:
            reply = self.engine.handle(action, wire)
        else:
            assert self.client is not None
            reply = self.reference.handle(action, wire)
            code = self.client.send(action, wire)
            if code is None:  # not an action the client does: the world goes on without it
                code = self.engine.handle(action, wire).body["Code"]
            expected = reply.body["Code"]
            assert code == expected, f"{action} {wire}: the client answered {code}, not {expected}"
        self.check_reply(reply, SHAPES[action], action)
        self.check_no_fault()
        return reply

    def send_signal(self, name: str, **params: str) -> Reply:
        """Send a network signal (to the reference too) and check the reply is documented."""
        wire = {"InstanceId": INSTANCE, **params}
        reply = self.engine.signal(name, wire)
        self.check_reply(reply, SIGNAL_SHAPE)
        if self.reference is not None:
            expected = self.reference.signal(name, wire).body["Code"]
            assert reply.body["Code"] == expected, (name, wire, reply.body, expected)
        self.check_no_fault()
        return reply

    def tick(self) -> None:
        """Apply what fell due, on every engine (a fault it logs fails the step)."""
        self.engine.tick()
        if self.reference is not None:
            self.reference.tick()
        self.check_no_fault()

    def check_reply(self, reply: Reply, data_shape: Any, action: str = "") -> None:
        """A reply is a documented success body (``action``'s), or a catalogued error, not a 500."""
        body = reply.body
        assert body["HttpStatusCode"] == reply.status
        if reply.ok:
            _keys(envelope(data_shape, action), body, "$")
            return
        _keys(envelope(None), body, "$")
        error = _CODES[body["Code"]]
        assert reply.status == error.http_status != 500, body
        assert body["Message"] == error.template % tuple(body["Params"])

    @invariant()
    def the_client_agrees_with_callstate(self) -> None:
        """The engine behind the client holds the reference's states; the client reads them."""
        if self.reference is None or self.client is None:
            return
        held, expected = self.engine.view(INSTANCE), self.reference.view(INSTANCE)
        assert held is not None and expected is not None
        assert record_states(held) == record_states(expected), "the client's engine diverged"
        referee = EngineClient(self.reference)
        for user in AGENTS:
            state = self.client.agent_state(INSTANCE, user)
            assert state == referee.agent_state(INSTANCE, user), (user, state)
            legs = dict(self.client.call_legs(INSTANCE, user))
            assert legs == referee.call_legs(INSTANCE, user), (user, legs)
