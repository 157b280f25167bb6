"""What callstate answers when it cannot serve a request at all: the 5xx rows of the catalogue.

Part of the one catalogue (``_errors.catalogue``): each class is its row. Neither changes any
state: the request is refused before, or rolled back after, the decision.
"""

from __future__ import annotations

from typing import ClassVar

from ._error_base import CCCError

__all__ = ["InternalServiceCommon", "ServiceError", "ServiceUnavailable"]


# --- 5xx --------------------------------------------------------------------------------------
class ServiceError(CCCError):
    """The service could not answer; the request changed nothing."""

    http_status = 500
    origin = "gateway"


class ServiceUnavailable(ServiceError):
    """The shared store is unreachable or stayed contended; retry later. Params: none."""

    code = "ServiceUnavailable"
    http_status = 503
    template = "The request has failed due to a temporary failure of the server."


class InternalServiceCommon(ServiceError):
    """An unexpected fault, logged with its traceback under the reply's RequestId. Params: [detail].

    The detail is always :data:`LOGGED`: what went wrong is for the server's log, never for the
    client (no exception class or module name reaches a body).
    """

    code = "InternalService.Common"
    origin = "CCC"
    template = "An internal service error occurred. %s"
    #: The one detail a client is told.
    LOGGED: ClassVar[str] = "The server logged the details under this RequestId."

    @classmethod
    def logged(cls) -> InternalServiceCommon:
        """The error answered for an unexpected fault that has been logged."""
        return cls(cls.LOGGED)
