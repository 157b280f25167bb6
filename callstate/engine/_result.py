"""What :meth:`Engine.execute` answers: a typed :class:`Result`, or a typed :class:`Refusal`.

An embedder that holds command values wants the records and events a request produced, not a
JSON body to parse back; the wire adapters (:meth:`Engine.handle`, :meth:`Engine.signal`, the
HTTP emulator) want only the :class:`~callstate.api.Reply`. Both carry the reply, so the wire
adapters are ``execute(request).reply``, and the typed and the wire answers cannot disagree.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import attrs

from ..api import Reply
from ..domain import Answer, CCCError, Event, Job, Request, User

__all__ = ["Refusal", "Result"]


@attrs.frozen
class Result:
    """A request the engine applied and committed.

    ``user`` and ``job`` are the records as this request left them (the agent it concerned, the
    call; ``None`` where it concerned none), detached from the store: changing them changes
    nothing. ``events`` are the events it committed, stamped with their sequence numbers;
    ``seq`` is the instance's sequence number after it (the reply's ``ContextId``). A query
    (``ListRealtimeAgentStates``, ``GetUser``...) commits nothing: ``answer`` holds what it
    answered (a ``Page``, ``Rows`` or ``One``; ``None`` for every other request), ``events`` is
    empty and ``seq`` is the one it read.
    """

    request: Request
    user: User | None
    job: Job | None
    events: tuple[Event, ...]
    seq: int
    reply: Reply
    answer: Answer | None = None

    #: Always true: ``if answer.ok:`` tells a :class:`Result` from a :class:`Refusal` (and mypy
    #: narrows on it). A class attribute: every request builds one of these.
    ok: ClassVar[Literal[True]] = True


@attrs.frozen
class Refusal:
    """A request the engine refused: ``error`` says why (the reply's body is its error body).

    Nothing was written: state, the event log and JobIds are as they were before it.
    """

    request: Request
    error: CCCError
    reply: Reply

    #: Always false: ``if not answer.ok:`` tells a :class:`Refusal` from a :class:`Result`.
    ok: ClassVar[Literal[False]] = False
