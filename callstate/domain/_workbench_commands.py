"""The workbench's actions as request values: mute, DTMF, the IVR's route, visibility.

Declared as every request is (``_commands.py``: the class is the parameter table, fields are
checked in declaration order), and registered in ``COMMANDS`` / ``SIGNALS`` there.
"""

from __future__ import annotations

import attrs

from ._errors import ParameterInvalid
from ._requests import Command
from ._signal_types import ChannelSignal
from ._tones import is_dtmf

__all__ = ["ChangeVisibility", "IvrRouted", "MuteCall", "SendDtmfSignaling", "UnmuteCall"]


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


@attrs.frozen
class SendDtmfSignaling(Command):
    """Send DTMF tones (``0-9``, ``*``, ``#``) on an answered leg that is not held."""

    job_id: str
    channel_id: str
    dtmf: str
    user_id: str
    device_id: str = ""

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        if not is_dtmf(self.dtmf.strip()):
            raise ParameterInvalid("Dtmf", "It may hold only the digits 0-9, * and #")


@attrs.frozen
class IvrRouted(ChannelSignal):
    """The far end's IVR took a route: the digits sent on its leg selected ``Route``."""

    route: str


@attrs.frozen
class ChangeVisibility(Command):
    """Become invisible to inbound calls (outbound only, as ``OutboundScenario``), or visible."""

    user_id: str
    invisible: bool = False
