"""How the Redis store keeps events: one JSON entry per event in the instance's stream.

An entry (id ``<gen>-<seq>``, field ``e``) holds every field of the event, so that reading it
back answers an equal event: unlike :meth:`~callstate.domain.Event.to_dict` (the published
form, with an ISO time) it loses nothing. Enum members are stored as their values; the call
detail record of a ``CDRReady`` nests as its fields.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

import attrs

from ..domain import (
    CallDetailRecord,
    ChannelDetail,
    Event,
    EventType,
    HoldInterval,
    MuteInterval,
)

__all__ = ["decode_event", "encode_event"]


def _value(_: Any, __: Any, value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def encode_event(event: Event) -> str:
    """The stream entry's payload: every field of ``event``, as compact JSON."""
    return json.dumps(attrs.asdict(event, value_serializer=_value), separators=(",", ":"))


def _channel_detail(c: dict[str, Any]) -> ChannelDetail:
    return ChannelDetail(**{
        **c,
        "holds": tuple(HoldInterval(**h) for h in c["holds"]),
        "mutes": tuple(MuteInterval(**m) for m in c["mutes"]),
    })  # fmt: skip


def decode_event(entry_id: str, payload: str) -> Event:
    """The event of a stream entry, stamped with the ``seq`` of its id (``<gen>-<seq>``)."""
    data: dict[str, Any] = json.loads(payload)
    cdr = data["cdr"]
    if cdr is not None:
        channels = tuple(_channel_detail(c) for c in cdr["channels"])
        cdr = CallDetailRecord(**{**cdr, "channels": channels})
    return Event(**{
        **data,
        "event_type": EventType(data["event_type"]),
        "seq": int(entry_id.partition("-")[2]),
        "skill_group_ids": tuple(data["skill_group_ids"]),
        "cdr": cdr,
        "detail": tuple((name, value) for name, value in data.get("detail", ())),
    })  # fmt: skip
