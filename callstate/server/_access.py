"""Who may use the control plane: with credentials configured, holders of an access key only.

The scheme is HTTP Basic (RFC 7617) with an AccessKeyId as the user and its AccessKeySecret as
the password, so that curl (``curl -u AK:SECRET``) and any HTTP client can use it without
signing. Anyone who reaches the control plane can read every JobId, stream every event, reset
or replace the world and hang up any call: without credentials it is open, for a test harness
on loopback.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import logging
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from ..domain import ControlPlaneUnauthorized
from ..engine import Ids
from ._http import Endpoint, error_response

__all__ = ["CHALLENGE", "basic_access_key", "require_access_key"]

log = logging.getLogger("callstate.server")

#: The ``WWW-Authenticate`` challenge of a refused control-plane request.
CHALLENGE = 'Basic realm="callstate"'


def basic_access_key(authorization: str | None, credentials: Mapping[str, str]) -> str | None:
    """The AccessKeyId an ``Authorization: Basic`` header proves it holds, else ``None``.

    The secret is compared in constant time, also for an unknown key, so that the answer's
    timing does not tell which keys exist.
    """
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        pair = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    access_key_id, colon, secret = pair.partition(":")
    known = credentials.get(access_key_id)
    expected = known if known is not None else secret + "\0"
    if not hmac.compare_digest(expected.encode(), secret.encode()) or not colon:
        return None
    return access_key_id


def require_access_key(endpoint: Endpoint, credentials: Mapping[str, str], ids: Ids) -> Endpoint:
    """``endpoint``, answered only to requests carrying one of ``credentials`` (HTTP Basic).

    Any other request is ``Unauthorized`` (401) with a ``WWW-Authenticate`` challenge, before
    its body is read: it changes nothing.
    """

    @functools.wraps(endpoint)
    async def run(request: Request) -> Response:
        if basic_access_key(request.headers.get("authorization"), credentials) is None:
            log.info("refused %s %s: no valid access key", request.method, request.url.path)
            response = error_response(ControlPlaneUnauthorized(), ids)
            response.headers["www-authenticate"] = CHALLENGE
            return response
        return await endpoint(request)

    return run
