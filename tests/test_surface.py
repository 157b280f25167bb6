"""The public surface: ``callstate.__all__`` is the curated list, presented as ``callstate.X``.

Pinned exactly, so that a name joins (or leaves) the surface only on purpose; the rest stays
importable from the subpackage that defines it, under that subpackage's ``__all__``.
"""

from __future__ import annotations

import inspect
import typing

import pytest

import callstate
import callstate.api
import callstate.domain
import callstate.engine
from callstate import CallstateError, StoreSpecError

SURFACE = {
    # the engine and what it answers
    "Engine", "Result", "Refusal", "Reply", "Request", "Event", "EventType", "InstanceView",
    # what configures it
    "World", "load_world", "default_world", "Clock", "ManualClock", "SystemClock", "Ids",
    "MemoryStore",
    # the records and states it reports
    "User", "Job", "Channel", "UserState", "JobState", "ChannelState",
    # the error tree, down to its categories (every code: callstate.domain)
    "CallstateError", "WorldError", "StoreSpecError", "CCCError", "ParameterError", "NotFound",
    "PermissionDenied", "InvalidOperation", "GatewayError", "ServiceError",
}  # fmt: skip

SUBPACKAGES = (callstate.domain, callstate.api, callstate.engine)


def test_the_surface_is_exactly_the_curated_names() -> None:
    assert set(callstate.__all__) == SURFACE
    assert len(callstate.__all__) == len(SURFACE)  # no name listed twice


def test_internals_stay_in_their_modules() -> None:
    internals = ("decide", "Workspace", "StateTable", "Outcome", "Cause", "wire_fields", "AGENT")
    for name in internals:
        assert not hasattr(callstate, name), name
        assert name in callstate.domain.__all__, name


def test_every_public_name_presents_itself_as_callstate() -> None:
    for name in callstate.__all__:
        assert getattr(callstate, name).__module__ == "callstate", name
    assert repr(callstate.Engine) == "<class 'callstate.Engine'>"


def test_every_public_name_is_exported_by_the_subpackage_that_defines_it() -> None:
    for name in callstate.__all__:
        homes = [p for p in SUBPACKAGES if name in p.__all__]
        assert len(homes) == 1, name
        assert getattr(homes[0], name) is getattr(callstate, name), name


def test_star_import_gives_exactly_the_surface() -> None:
    namespace: dict[str, object] = {}
    exec("from callstate import *", namespace)  # the statement under test
    assert set(namespace) - {"__builtins__"} == SURFACE


def _classes_below(cls: type) -> typing.Iterator[type]:
    yield cls
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        yield from _classes_below(sub)


def test_type_hints_still_resolve_after_the_move() -> None:
    """``get_type_hints`` reads a class's string annotations in the module ``__module__`` names.

    Every public class, and every class below it (``HoldCall`` below ``Request``), must keep
    answering its hints, as attrs, Hypothesis and cattrs ask for them.
    """
    public = [v for n in callstate.__all__ if inspect.isclass(v := getattr(callstate, n))]
    checked = {c for cls in public for c in _classes_below(cls) if c.__module__ != "typing"}
    for cls in checked:
        typing.get_type_hints(cls)
    assert typing.get_type_hints(callstate.User)["state"] is callstate.UserState
    assert callstate.domain.HoldCall in checked


def test_the_store_spec_error_is_in_the_one_tree() -> None:
    assert issubclass(StoreSpecError, CallstateError)
    assert issubclass(StoreSpecError, ValueError)  # as before: a bad value given by the caller
    assert not issubclass(StoreSpecError, callstate.CCCError)  # never answered to a client
    with pytest.raises(CallstateError, match="available: memory, redis, rediss"):
        callstate.Engine(store="nowhere://x")
