"""What CCC's API gateway decides before an action reaches the engine, for one wire request.

Shared by the HTTP app (:mod:`._app`) and the in-process SDK mock
(:func:`callstate.testing.mock_ccc`), so both answer a request with the same bytes. In order,
the first failure being the answer:

1. every parameter name (query and form body) holds only RFC 3986's unreserved characters,
   else ``InvalidParameter.Name`` (400) (:func:`check_names`);
2. the version (``x-acs-version`` for V3, ``Version`` for V2) is ``2020-07-01``, else
   ``InvalidVersion`` (400);
3. the action (``x-acs-action`` for V3, ``Action`` for V2) is one callstate implements; else
   ``InvalidAction.NotImplemented`` (501) naming it when the official SDK has it
   (``callstate/data/ccc_actions.json``), ``InvalidAction.NotFound`` (404) when nobody does;
4. with credentials configured, the signature verifies (:mod:`._signature`), else its gateway
   error; with none configured any signature (or none) is accepted;
5. a request without ``UserId`` signed by an access key mapped to an agent (``identities``,
   ``callstate serve --identity AK=USERID``) acts as that agent, as CCC maps a RAM identity to
   its agent;
6. the engine applies the action to the decoded query plus form-body parameters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib.resources import files

from ..api import Reply, error_reply
from ..domain import (
    ACTIONS,
    CCCError,
    InvalidActionNotFound,
    InvalidActionNotImplemented,
    InvalidVersion,
)
from ..engine import Engine
from ._signature import Verifier, WireRequest, check_names, parse_authorization

__all__ = ["API_VERSION", "Gateway", "request_action", "sdk_actions"]

#: The only API version served.
API_VERSION = "2020-07-01"


@cache
def sdk_actions() -> frozenset[str]:
    """Every action of CCC 2020-07-01 the official Python SDK can call (shipped as data)."""
    text = files("callstate").joinpath("data/ccc_actions.json").read_text("utf-8")
    return frozenset(json.loads(text)["actions"])


def request_action(wire: WireRequest) -> str:
    """The action a request names: the header first for V3 (signed ones), the query for V2."""
    return _pick(wire, "x-acs-action", "Action")


class Gateway:
    """The gateway's checks over one engine; :meth:`answer` is the reply to one request.

    Args:
        engine: the engine actions reach.
        verifier: the signature check, or ``None`` to accept any signature.
        identities: AccessKeyId -> UserId, the agent a request without ``UserId`` acts as.

    """

    def __init__(
        self,
        engine: Engine,
        verifier: Verifier | None,
        identities: Mapping[str, str] | None = None,
    ) -> None:
        self.engine = engine
        self.verifier = verifier
        self.identities = dict(identities or {})

    def answer(self, wire: WireRequest) -> Reply:
        """The reply to one RPC request (synchronous: the engine's store may block)."""
        action = request_action(wire)
        version = _pick(wire, "x-acs-version", "Version")
        try:
            check_names(wire.query, wire.form)
            if version != API_VERSION:
                raise InvalidVersion()
            if action not in ACTIONS:
                if action in sdk_actions():
                    raise InvalidActionNotImplemented(action)
                raise InvalidActionNotFound()
            signer = self.verifier.verify(wire) if self.verifier is not None else None
        except CCCError as err:
            return error_reply(err, self.engine.ids.request_id(), action)
        params = {**wire.query, **wire.form}
        if self.identities and not params.get("UserId", "").strip():
            user = self.identities.get(signer or _claimed_access_key(wire) or "")
            if user is not None:
                params["UserId"] = user
        return self.engine.handle(action, params)


def _pick(wire: WireRequest, header: str, query: str) -> str:
    first, second = wire.header(header), wire.query.get(query)
    if wire.header("authorization") is None:
        first, second = second, first
    return first or second or ""


def _claimed_access_key(wire: WireRequest) -> str | None:
    """The AccessKeyId a request says it is signed with (unchecked: no credentials configured)."""
    authorization = wire.header("authorization")
    if authorization is None:
        return wire.query.get("AccessKeyId")
    try:
        return parse_authorization(authorization)[0]
    except CCCError:
        return None
