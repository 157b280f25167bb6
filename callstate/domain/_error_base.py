"""The roots of callstate's one exception tree (the catalogue is ``_errors.py``)."""

from __future__ import annotations

from typing import ClassVar

__all__ = ["CCCError", "CallstateError", "WorldError"]


class CallstateError(Exception):
    """Base of every exception callstate raises on purpose."""


class WorldError(CallstateError, ValueError):
    """A world file (or dict) that does not describe a valid world; the message says where."""


class CCCError(CallstateError):
    """An error answered as a CCC error body: ``Code``, ``HttpStatusCode``, ``Message``, ``Params``.

    Subclasses set :attr:`code` and :attr:`template` (and inherit :attr:`http_status` from their
    category). Construct one with the template's fill values, in order::

        raise NotExistsJobId("job-1")   # Message: "The call job-1 does not exist."
    """

    code: ClassVar[str] = ""
    http_status: ClassVar[int] = 500
    template: ClassVar[str] = ""
    #: Where the code comes from: ``CCC`` (documented by CCC), ``gateway`` (Alibaba's API
    #: gateway) or ``callstate`` (our own, where CCC documents none).
    origin: ClassVar[str] = "CCC"

    def __init__(self, *params: str) -> None:
        super().__init__(*params)
        self.params: tuple[str, ...] = tuple(str(p) for p in params)

    @property
    def message(self) -> str:
        """The template with ``%s`` filled from :attr:`params`, in order."""
        return self.template % self.params

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
