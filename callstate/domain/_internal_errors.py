"""The errors of internal calls (MakeCall to an agent's extension): CCC's documented two.

Part of the one catalogue (``_errors.catalogue`` walks the categories' subclasses): each class
is its row. Their templates are CCC's verbatim (``MakeCall``'s error table).
"""

from __future__ import annotations

from ._errors import InvalidOperation, NotFound

__all__ = ["NotExistsExtension", "UserBusy"]


class NotExistsExtension(NotFound):
    """MakeCall to a ``Callee`` shaped like the instance's extensions that is none. Params: none."""

    code = "NotExists.Extension"
    template = "No available extension number exists."


class UserBusy(InvalidOperation):
    """MakeCall to an agent who cannot be offered a call now (not READY, or outbound only).

    Params: [the called agent's UserId].
    """

    code = "UserBusy"
    template = "The user %s you called was busy. Please try again later."
