"""The access log: uvicorn's line for every request, with the CCC action it named.

The official SDK sends the action in the ``x-acs-action`` header, so uvicorn's own line
(``POST /?InstanceId=...``) would not say which action a request was. The line keeps uvicorn's
logger (``uvicorn.access``) and its five fields, so ``--no-access-log`` and uvicorn's formatter
still apply; the action follows the path in brackets::

    127.0.0.1:50312 - "POST /?InstanceId=ccc-test&JobId=job-1 [HoldCall] HTTP/1.1" 200
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._signature import parse_query

__all__ = ["AccessLog"]

_LOG = logging.getLogger("uvicorn.access")


class AccessLog:
    """ASGI middleware logging each response's start, as uvicorn's h11 protocol would."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request; log its line when the answer starts."""
        if scope["type"] != "http" or not _LOG.hasHandlers():
            await self.app(scope, receive, send)
            return

        async def logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                _LOG.info(
                    '%s - "%s %s HTTP/%s" %d',
                    _client(scope),
                    scope["method"],
                    _target(scope),
                    scope["http_version"],
                    message["status"],
                )
            await send(message)

        await self.app(scope, receive, logged)


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else ""


def _target(scope: Scope) -> str:
    """The path and query as received, then ``[Action]`` when the request names one."""
    query: bytes = scope.get("query_string", b"")
    target = scope.get("root_path", "") + scope["path"]
    if query:
        target += "?" + query.decode("latin-1")
    action = ""
    for name, value in scope["headers"]:
        if name.lower() == b"x-acs-action":
            action = value.decode("latin-1")
    action = action or parse_query(query).get("Action", "")
    return f"{target} [{action}]" if action else target
