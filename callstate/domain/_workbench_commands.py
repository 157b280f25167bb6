"""The workbench's call actions as request values: mute and unmute.

Declared as every request is (``_commands.py``: the class is the parameter table, fields are
checked in declaration order), and registered in ``COMMANDS`` / ``SIGNALS`` there.
"""

from __future__ import annotations

import attrs

from ._requests import Command

__all__ = ["MuteCall", "UnmuteCall"]


@attrs.frozen
class MuteCall(Command):
    """Mute a leg of the call (by default the agent's own); hold and mute are independent."""

    job_id: str
    user_id: str
    channel_id: str = ""
    device_id: str = ""


@attrs.frozen
class UnmuteCall(Command):
    """Unmute a muted leg (by default the agent's own, in the agent's current call)."""

    user_id: str
    job_id: str = ""
    channel_id: str = ""
    device_id: str = ""
