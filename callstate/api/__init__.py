"""The adapter: CCC action names and string parameters in, documented response bodies out.

It is pure translation and depends only on the domain: :func:`parse_action` turns a request into
a command value (or a catalogued parameter error), :func:`outcome_reply`, :func:`page_reply` (a
query's page) and :func:`error_reply` turn what the engine decided into a :class:`Reply` with
the documented JSON body, renderable as XML, and :func:`read_xml` reads such XML back into the
JSON body.
"""

from ._pages import answer_reply
from ._params import parse_action, parse_request, parse_signal
from ._render import error_reply, outcome_reply
from ._reply import Reply, json_bytes
from ._shapes import ENVELOPE_KEYS, SHAPES, SIGNAL_SHAPE, Shape, envelope
from ._xml import read_xml, write_xml

__all__ = [
    "ENVELOPE_KEYS",
    "SHAPES",
    "SIGNAL_SHAPE",
    "Reply",
    "Shape",
    "answer_reply",
    "envelope",
    "error_reply",
    "json_bytes",
    "outcome_reply",
    "parse_action",
    "parse_request",
    "parse_signal",
    "read_xml",
    "write_xml",
]
