"""callstate: the call-control rules of a cloud contact centre, as guarded state transitions.

Modelled on Alibaba Cloud Contact Center (CCC) OpenAPI 2020-07-01. Embed it::

    from callstate import Engine
    engine = Engine()                          # the bundled world, a simulated network
    reply = engine.handle("SignInGroup", {"InstanceId": "ccc-test", "UserId": "user-test@ccc-test",
                                          "DeviceId": "dev-1",
                                          "SignedSkillGroupIdList": '["skill-group@ccc-test"]'})
    reply.status, reply.body, reply.to_json(), reply.to_xml()

This namespace is the public surface an embedder needs: the engine and what it answers, what
configures it, the records and states it reports, and the error tree down to its categories.
Everything else stays in the subpackage that defines it, under that subpackage's ``__all__``:
``callstate.domain`` (the pure core: the command and signal values, every catalogued error,
the state tables), ``callstate.api`` (the adapter), ``callstate.engine`` (the shell: stores,
the simulated network) and ``callstate.testing`` (Hypothesis tools).
"""

import inspect as _inspect
import typing as _typing

from .api import Reply
from .domain import (
    CallstateError,
    CCCError,
    Channel,
    ChannelState,
    Event,
    EventType,
    GatewayError,
    InvalidOperation,
    Job,
    JobState,
    NotFound,
    ParameterError,
    PermissionDenied,
    Request,
    ServiceError,
    User,
    UserState,
    World,
    WorldError,
)
from .engine import (
    Clock,
    Engine,
    Ids,
    InstanceView,
    ManualClock,
    MemoryStore,
    Refusal,
    Result,
    StoreSpecError,
    SystemClock,
    default_world,
    load_world,
)

__version__ = "0.1.0"

__all__ = [
    "CCCError",
    "CallstateError",
    "Channel",
    "ChannelState",
    "Clock",
    "Engine",
    "Event",
    "EventType",
    "GatewayError",
    "Ids",
    "InstanceView",
    "InvalidOperation",
    "Job",
    "JobState",
    "ManualClock",
    "MemoryStore",
    "NotFound",
    "ParameterError",
    "PermissionDenied",
    "Refusal",
    "Reply",
    "Request",
    "Result",
    "ServiceError",
    "StoreSpecError",
    "SystemClock",
    "User",
    "UserState",
    "World",
    "WorldError",
    "default_world",
    "load_world",
]


def _present(obj: _typing.Any) -> None:
    """Make ``obj`` present itself as ``callstate.<name>``, as httpx's public names do.

    A user then never sees, or comes to rely on, the private module a name is defined in (in
    reprs, pickles and documentation). ``typing.get_type_hints`` looks a class's string
    annotations up in the module its ``__module__`` names, so they are resolved in the
    defining module first: tools that read the hints (attrs, Hypothesis, cattrs) keep working.
    """
    own = _inspect.get_annotations(obj) if isinstance(obj, type) else {}
    if own:
        hints = _typing.get_type_hints(obj, include_extras=True)
        obj.__annotations__ = {name: hints[name] for name in own}
    obj.__module__ = __name__


for _name in __all__:
    _present(globals()[_name])
del _name


if _typing.TYPE_CHECKING:  # at run time __getattr__ imports it on first use
    from .testing import mock_ccc as mock_ccc


def __getattr__(name: str) -> object:
    """``callstate.mock_ccc``, loaded on first use: it needs the ``testing`` extra (PEP 562)."""
    if name == "mock_ccc":
        from .testing import mock_ccc  # noqa: PLC0415

        return mock_ccc
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
