"""The protocol through which callstate's test tools drive *your* client, and two adapters.

:class:`CallCentreClient` is what :class:`~callstate.testing.CallCentreMachine` (through
``make_client``) and :meth:`~callstate.testing.Path.run` need of the code under test: send a
CCC action and say how it was answered, read an agent's state, read the agent's current call.
:class:`EngineClient` is the engine itself (the reference the machine compares you with);
:class:`SdkClient` is the official SDK's ``Client``, against ``ccc_server`` or inside
``mock_ccc()``. Wrap your own code (a desk, a workbench service) the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

from ..engine import Engine

__all__ = ["CallCentreClient", "EngineClient", "SdkClient", "legs_of"]


class CallCentreClient(Protocol):
    """What callstate's test tools need of the code under test.

    Methods:
        send: send CCC action ``action`` with its wire parameters (strings, CCC's names:
            ``InstanceId``, ``UserId``, ``JobId``...) and answer the reply's ``Code``: ``"OK"``,
            or the error code of a refusal (``"InvalidOperation.ChannelState"``). Answer
            ``None`` for an action your code does not do: the caller sends it to the engine
            directly, so the world goes on.
        agent_state: the agent's ``UserState`` as your code reads it (``"TALKING"``).
        call_legs: the legs of the agent's current call as your code reads them: ChannelId ->
            ``ChannelState``, or ``"HELD"`` for a leg whose ``ChannelFlags`` say ``HOLD``; empty
            when the agent has no call.

    """

    def send(self, action: str, params: Mapping[str, str]) -> str | None:
        """Send a CCC action; answer its ``Code`` (``None``: not an action this client does)."""

    def agent_state(self, instance_id: str, user_id: str) -> str:
        """The agent's ``UserState``."""

    def call_legs(self, instance_id: str, user_id: str) -> Mapping[str, str]:
        """ChannelId -> ``ChannelState`` (``HELD`` when flagged ``HOLD``) of the agent's call."""


def legs_of(call_context: Mapping[str, Any] | None) -> dict[str, str]:
    """ChannelId -> state of a documented ``CallContext`` body (``HELD`` when flagged ``HOLD``)."""
    legs = (call_context or {}).get("ChannelContexts") or []
    return {
        leg["ChannelId"]: "HELD"
        if "HOLD" in (leg.get("ChannelFlags") or "")
        else leg["ChannelState"]
        for leg in legs
    }


class _Polled:
    """Reads an agent and their call from PollUserStatus's ``Data``, as a workbench does."""

    def _poll(self, instance_id: str, user_id: str) -> Mapping[str, Any]:
        raise NotImplementedError

    def agent_state(self, instance_id: str, user_id: str) -> str:
        """``UserState`` from PollUserStatus."""
        return str(self._poll(instance_id, user_id)["UserContext"]["UserState"])

    def call_legs(self, instance_id: str, user_id: str) -> dict[str, str]:
        """The legs PollUserStatus lists."""
        return legs_of(self._poll(instance_id, user_id).get("CallContext"))


class EngineClient(_Polled):
    """The engine itself as a :class:`CallCentreClient`: the reference a client is held to."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def send(self, action: str, params: Mapping[str, str]) -> str:
        """Apply the action; answer the reply's ``Code``."""
        return str(self.engine.handle(action, params).body["Code"])

    def _poll(self, instance_id: str, user_id: str) -> Mapping[str, Any]:
        reply = self.engine.handle("PollUserStatus", {"InstanceId": instance_id, "UserId": user_id})
        assert reply.ok, reply.body
        data: Mapping[str, Any] = reply.body["Data"]
        return data


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class SdkClient(_Polled):
    """The official SDK's ``Client`` (``alibabacloud_ccc20200701``) as a :class:`CallCentreClient`.

    Actions are sent as the SDK sends them (``client.hold_call(HoldCallRequest(...))``); a
    refusal (the SDK's ``ClientException``) answers its code. Works against ``ccc_server`` and
    inside ``mock_ccc()``.
    """

    def __init__(self, client: Any) -> None:
        self.client = client

    def send(self, action: str, params: Mapping[str, str]) -> str | None:
        """Send the action through the SDK; ``None`` for an action the SDK does not have."""
        from alibabacloud_ccc20200701 import models  # noqa: PLC0415 (the user's SDK)
        from alibabacloud_tea_openapi.exceptions import ClientException  # noqa: PLC0415

        model = getattr(models, f"{action}Request", None)
        method = getattr(self.client, _snake(action), None)
        if model is None or method is None:
            return None
        try:
            return str(method(model().from_map(dict(params))).body.code)
        except ClientException as refused:
            return str(refused.code)

    def _poll(self, instance_id: str, user_id: str) -> Mapping[str, Any]:
        from alibabacloud_ccc20200701 import models  # noqa: PLC0415

        request = models.PollUserStatusRequest(instance_id=instance_id, user_id=user_id)
        data: Mapping[str, Any] = self.client.poll_user_status(request).body.data.to_map()
        return data
