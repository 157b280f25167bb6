"""A response (:class:`Reply`), and compact JSON text that never fails on a string.

A reply is made either from its body (an error, a query's page) or, on the hot path, from its
JSON text written straight from an outcome (``_render``): then the body is read back from the
text the first time someone asks for it, so a request whose reply only goes out as JSON never
builds the body's dicts at all.
"""

from __future__ import annotations

import json
from _json import make_encoder  # CPython's C encoder, which json.JSONEncoder calls
from json.encoder import encode_basestring
from typing import Any

from ._shapes import SHAPES, SIGNAL_SHAPE, envelope
from ._xml import write_xml

__all__ = ["Reply", "compact_json", "json_bytes"]

# json.dumps with arguments builds a new encoder on every call; one, made once, does the same.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_ASCII_JSON = json.JSONEncoder(separators=(",", ":"))


def compact_json(value: Any) -> str:
    """``_JSON.encode(value)``: the same C encoder, called without the Python set-up around it.

    ``JSONEncoder.encode`` redefines a float formatter and re-reads its options on every call
    (a fifth of its cost for a reply body); this passes the options it passes, with a fresh
    circular-reference memo each time, so the text is the same.
    """
    encoder = make_encoder({}, _JSON.default, encode_basestring, None, ":", ",", False, False, True)
    return "".join(encoder(value, 0))


def json_bytes(value: Any) -> bytes:
    r"""``value`` as compact UTF-8 JSON (non-ASCII kept); never fails on a string.

    Strings are checked where they enter (:func:`~callstate.domain.is_text`), but an embedder
    can build a value by hand: a lone surrogate, which UTF-8 cannot carry, is then written as
    its ``\uXXXX`` escape (the whole body ASCII-escaped), which JSON readers read back.
    """
    text = compact_json(value)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _ASCII_JSON.encode(value).encode("ascii")


class Reply:
    """A response: HTTP status and body, renderable as JSON or XML.

    ``body`` is the documented JSON body (typed values: ints, bools, lists, objects). A reply
    is immutable (its attributes are read-only); its body is read, not changed (its JSON text
    may have been written first).
    """

    # Read-only properties over private slots rather than a frozen class's ``__setattr__``:
    # every request builds a reply, and plain slot writes cost a fraction of frozen ones.
    __slots__ = ("_action", "_body", "_request_id", "_status", "_text")

    def __init__(self, action: str, status: int, body: dict[str, Any]) -> None:
        self._action = action
        self._status = status
        self._body: dict[str, Any] | None = body
        self._text: str | None = None
        self._request_id: str | None = None

    @classmethod
    def from_json(cls, action: str, status: int, text: str, request_id: str) -> Reply:
        """A reply whose body is this compact JSON text (as :meth:`to_json` would write it).

        ``request_id`` is the body's ``RequestId``.
        """
        reply = _new(cls)
        reply._action = action
        reply._status = status
        reply._body = None
        reply._text = text
        reply._request_id = request_id
        return reply

    @property
    def action(self) -> str:
        """The action (or signal) replied to; ``""`` when the request named none."""
        return self._action

    @property
    def status(self) -> int:
        """The HTTP status: the body's ``HttpStatusCode``."""
        return self._status

    @property
    def body(self) -> dict[str, Any]:
        """The documented JSON body."""
        body = self._body
        if body is None:
            body = self._body = json.loads(self._text or "")
        return body

    @property
    def request_id(self) -> str:
        """The body's ``RequestId`` (``""`` if it has none)."""
        known = self._request_id
        return str(self.body.get("RequestId", "")) if known is None else known

    @property
    def ok(self) -> bool:
        """Whether the request succeeded (``Code`` is ``OK``)."""
        return self.status == 200

    def to_json(self) -> str:
        """The body as compact JSON (UTF-8 text, non-ASCII kept); bytes: :meth:`to_bytes`."""
        text = self._text
        return compact_json(self._body) if text is None else text

    def to_bytes(self) -> bytes:
        """The body as :func:`json_bytes` writes it: compact UTF-8 JSON that cannot fail."""
        text = self._text
        if text is None:
            return json_bytes(self._body)
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate an embedder put in a record by hand
            return _ASCII_JSON.encode(self.body).encode("ascii")

    def to_xml(self) -> str:
        """The body as XML, rooted at ``<{Action}Response>``, or ``<Error>`` for an error."""
        if self.ok:
            data = SHAPES.get(self.action, SIGNAL_SHAPE)
            return write_xml(f"{self.action}Response", envelope(data, self.action), self.body)
        return write_xml("Error", envelope(None), self.body)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Reply)
        return (self.action, self.status, self.body) == (other.action, other.status, other.body)

    __hash__ = None  # type: ignore[assignment]  # the body is a dict

    def __repr__(self) -> str:
        return f"Reply(action={self.action!r}, status={self.status!r}, body={self.body!r})"


_new = object.__new__
