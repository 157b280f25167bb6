"""The supervisor's actions as command values: each names the agent it supervises.

Field order is check order (``_commands.py``). ``MonitorCall`` names no call: the supervisor
listens to the call the monitored agent is talking on. ``TimeoutSeconds`` is the range a dial's
timeout has elsewhere (30-300); the supervisor's leg is connected at once, so it only checks.
"""

from __future__ import annotations

import attrs

from ._requests import Command
from ._wire import bounded

__all__ = ["SUPERVISION_COMMANDS", "BargeInCall", "CoachCall", "InterceptCall", "MonitorCall"]


@attrs.frozen
class MonitorCall(Command):
    """Listen silently to the call the agent ``MonitoredUserId`` is talking on."""

    monitored_user_id: str
    user_id: str
    device_id: str = ""
    timeout_seconds: int | None = bounded(30, 300)


@attrs.frozen
class CoachCall(Command):
    """Whisper to the agent ``CoachedUserId`` on call ``JobId``: the customer does not hear."""

    job_id: str
    coached_user_id: str
    user_id: str
    device_id: str = ""
    timeout_seconds: int | None = bounded(30, 300)


@attrs.frozen
class BargeInCall(Command):
    """Join the call of the agent ``BargedUserId`` audibly: a three-party call."""

    job_id: str
    barged_user_id: str
    user_id: str
    device_id: str = ""
    timeout_seconds: int | None = bounded(30, 300)


@attrs.frozen
class InterceptCall(Command):
    """Take the call over from the agent ``InterceptedUserId``, whose leg is released."""

    job_id: str
    intercepted_user_id: str
    user_id: str
    device_id: str = ""
    timeout_seconds: int | None = bounded(30, 300)


#: The supervisor's actions, in the catalogue's order.
SUPERVISION_COMMANDS: tuple[type[Command], ...] = (
    MonitorCall,
    CoachCall,
    BargeInCall,
    InterceptCall,
)
