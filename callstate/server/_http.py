"""HTTP plumbing shared by the RPC endpoint and the control plane: responses and request bodies.

Every error body is a catalogue error rendered by :func:`callstate.api.error_reply`; every
answer carries a ``Content-Length`` (Starlette sets it) and is never a redirect.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from ..api import Reply, error_reply
from ..domain import CCCError, InternalServiceCommon, ParameterFormat
from ..engine import Ids

__all__ = [
    "JSON_TYPE",
    "XML_TYPE",
    "Endpoint",
    "error_response",
    "guarded",
    "json_response",
    "read_json",
    "reply_response",
]

log = logging.getLogger("callstate.server")

#: The content type of every JSON answer (wire-protocol.md §6).
JSON_TYPE = "application/json;charset=utf-8"
#: The content type of XML answers: the one the SDK reads XML errors from.
XML_TYPE = "text/xml;charset=utf-8"

Endpoint = Callable[[Request], Awaitable[Response]]


def json_response(body: Any, status: int = 200) -> Response:
    """``body`` as compact UTF-8 JSON."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text.encode("utf-8"), status, media_type=JSON_TYPE)


def reply_response(reply: Reply, *, xml: bool = False) -> Response:
    """An engine :class:`Reply` as the HTTP answer: status = ``HttpStatusCode``, JSON or XML."""
    content = reply.to_xml() if xml else reply.to_json()
    headers = {"x-acs-request-id": str(reply.body.get("RequestId", ""))}
    media_type = XML_TYPE if xml else JSON_TYPE
    return Response(content.encode("utf-8"), reply.status, headers, media_type)


def error_response(error: CCCError, ids: Ids, action: str = "", *, xml: bool = False) -> Response:
    """A catalogue error as the HTTP answer, with a fresh RequestId."""
    return reply_response(error_reply(error, ids.request_id(), action), xml=xml)


async def read_json(request: Request, name: str) -> Any:
    """The request's JSON body (``None`` if empty); bad JSON is ``Parameter.Format`` on ``name``."""
    body = await request.body()
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as err:
        raise ParameterFormat(name, f"It is not JSON: {err}.") from None


def guarded(endpoint: Endpoint, ids: Ids) -> Endpoint:
    """``endpoint``, with raised errors answered as JSON bodies, never as tracebacks.

    A catalogue error is answered with its own body; any other fault with
    ``InternalService.Common`` (500), and logged.
    """

    @functools.wraps(endpoint)
    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except CCCError as err:
            return error_response(err, ids)
        except ClientDisconnect:
            return Response(status_code=499)  # nobody is listening
        except Exception as exc:
            log.exception("%s %s failed", request.method, request.url.path)
            return error_response(InternalServiceCommon(type(exc).__name__), ids)

    return run
