"""Where calls to an instance's numbers go: the kinds of route, and reading them from a world.

A route names the queue of a skill group or of one agent, or a number outside the centre
(``{"externalNumber": ...}``): calls to it are forwarded there, not queued.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import Enum

import attrs

from ._errors import WorldError
from ._world_reader import Reader

__all__ = ["ROUTE_KEY_OF", "QueueType", "Route", "check_outside", "read_routes"]


class QueueType(Enum):
    """Event ``queueType``: a call waits for a skill group, or for one agent.

    ``EXTERNAL_NUMBER`` is no queue: a route of that type forwards the call to a number
    outside the centre (an external leg is dialled; nothing waits, no queue event names it).
    """

    SKILL_GROUP = "SkillGroup"
    AGENT = "Agent"
    EXTERNAL_NUMBER = "ExternalNumber"


@attrs.frozen
class Route:
    """Where calls to a number go: the queue of a skill group or of one agent, or a number."""

    queue_type: QueueType
    target: str

    @property
    def queue(self) -> str:
        """The queue's key: ``SkillGroup/<SkillGroupId>`` or ``Agent/<UserId>``."""
        return f"{self.queue_type.value}/{self.target}"


#: A route's key in the world document, for each kind of route.
_ROUTE_KEYS = {
    "skillGroup": QueueType.SKILL_GROUP,
    "agent": QueueType.AGENT,
    "externalNumber": QueueType.EXTERNAL_NUMBER,
}
#: The world document's key of each kind of route.
ROUTE_KEY_OF = {kind: key for key, kind in _ROUTE_KEYS.items()}


def check_outside(r: Reader, key: str, number: str, numbers: Collection[str]) -> None:
    """A number the centre forwards to is outside it: not one of its own (calls would loop).

    ``""`` names no number (no overflow number): it is never refused.
    """
    if number and number in numbers:
        raise WorldError(f"{r.path}.{key}: {number!r} is one of the instance's own numbers")


def read_routes(r: Reader, groups: Collection[str], users: Collection[str]) -> dict[str, Route]:
    """``routes``: an instance number -> one route, naming what the instance has.

    A route is ``{"skillGroup": id}``, ``{"agent": id}`` or ``{"externalNumber": number}``.
    """
    routes: dict[str, Route] = {}
    table = r.object("routes")
    if table is None:
        return routes
    numbers = r.strings("numbers")
    for number in table.text_keys():
        if number not in numbers:
            raise WorldError(f"{table.path}: {number!r} is not one of the instance's numbers")
        entry = table.object(number)
        if entry is None:
            raise WorldError(f"{table.path}.{number}: expected an object")
        given = [(kind, t) for key, kind in _ROUTE_KEYS.items() if (t := entry.text(key, ""))]
        if len(given) != 1:
            raise WorldError(f"{entry.path}: expected one of {', '.join(_ROUTE_KEYS)}")
        ((kind, target),) = given
        if kind is QueueType.SKILL_GROUP and target not in groups:
            raise WorldError(f"{entry.path}.skillGroup: no skill group {target!r}")
        if kind is QueueType.AGENT and target not in users:
            raise WorldError(f"{entry.path}.agent: no user {target!r}")
        if kind is QueueType.EXTERNAL_NUMBER:
            check_outside(entry, "externalNumber", target, numbers)
        routes[number] = Route(kind, target)
    return routes
