"""HTTP plumbing shared by the RPC endpoint and the control plane: responses and request bodies.

Every error body is a catalogue error rendered by :func:`callstate.api.error_reply`; every
answer carries a ``Content-Length`` (Starlette sets it) and is never a redirect.
"""

from __future__ import annotations

import codecs
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from ..api import Reply, error_reply, json_bytes
from ..domain import CCCError, InternalServiceCommon, ParameterFormat
from ..engine import Ids

__all__ = [
    "JSON_TYPE",
    "XML_TYPE",
    "Endpoint",
    "error_response",
    "fault_response",
    "guarded",
    "json_response",
    "read_object",
    "reply_response",
]

log = logging.getLogger("callstate.server")

#: The content type of every JSON answer (wire-protocol.md §6).
JSON_TYPE = "application/json;charset=utf-8"
#: The content type of XML answers: the one the SDK reads XML errors from.
XML_TYPE = "text/xml;charset=utf-8"

Endpoint = Callable[[Request], Awaitable[Response]]


def json_response(body: Any, status: int = 200) -> Response:
    """``body`` as compact UTF-8 JSON (:func:`~callstate.api.json_bytes`: it cannot fail)."""
    return Response(json_bytes(body), status, media_type=JSON_TYPE)


def reply_response(reply: Reply, *, xml: bool = False) -> Response:
    """An engine :class:`Reply` as the HTTP answer: status = ``HttpStatusCode``, JSON or XML."""
    # XML writes what XML 1.0 cannot carry (lone surrogates included) as U+FFFD.
    content = reply.to_xml().encode("utf-8") if xml else reply.to_bytes()
    headers = {"x-acs-request-id": reply.request_id}
    media_type = XML_TYPE if xml else JSON_TYPE
    return Response(content, reply.status, headers, media_type)


def error_response(error: CCCError, ids: Ids, action: str = "", *, xml: bool = False) -> Response:
    """A catalogue error as the HTTP answer, with a fresh RequestId."""
    return reply_response(error_reply(error, ids.request_id(), action), xml=xml)


async def read_object(request: Request, name: str) -> Mapping[str, Any] | None:
    """The request's body as a JSON object; ``None`` for an empty (or white-space) body.

    Anything else is ``Parameter.Format`` on ``name``: a body that is not JSON (the decoder's
    own words go to the log, not to the client), JSON that is not an object (``null``
    included), and a body that starts with a byte-order mark (a BOM is not JSON, RFC 8259 §8.1).
    """
    body = await request.body()
    if body.startswith(codecs.BOM_UTF8):
        raise ParameterFormat(name, "It must be UTF-8 JSON without a byte-order mark.")
    if not body.strip():
        return None
    try:
        value = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError
        raise ParameterFormat(name, "It is not JSON.") from err
    if not isinstance(value, Mapping):
        raise ParameterFormat(name, "It must be a JSON object.")
    return value


def guarded(endpoint: Endpoint, ids: Ids) -> Endpoint:
    """``endpoint``, with raised errors answered by :func:`fault_response`, never as tracebacks."""

    @functools.wraps(endpoint)
    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception as fault:
            return fault_response(fault, request, ids)

    return run


def fault_response(fault: Exception, request: Request, ids: Ids) -> Response:
    """The answer to ``fault``, raised while serving ``request``: a JSON body, never a traceback.

    A catalogue error is answered with its own body (its cause, if any, is logged under the
    reply's RequestId); a client gone away gets 499 (nobody is listening); any other fault gets
    ``InternalService.Common`` (500), its traceback logged under the RequestId.
    """
    if isinstance(fault, ClientDisconnect):
        return Response(status_code=499)
    request_id = ids.request_id()
    if isinstance(fault, CCCError):
        error = fault
        if fault.__cause__ is not None:
            log.info("request %s: %s %s refused (%s): %s", request_id, request.method,
                     request.url.path, fault.code, fault.__cause__)  # fmt: skip
    else:
        log.error("request %s: %s %s failed", request_id, request.method, request.url.path,
                  exc_info=fault)  # fmt: skip
        error = InternalServiceCommon.logged()
    return reply_response(error_reply(error, request_id))
