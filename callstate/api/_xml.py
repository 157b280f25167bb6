"""XML rendering of response bodies, and the schema-aware reader that turns it back into JSON.

A body is written under ``<{Action}Response>`` (success) or ``<Error>`` (error), one element per
key in the shape's order; a list is its element repeated (``<Params>a</Params><Params>b</Params>``,
likewise a list of structs); a struct nests; a map holds one element per entry; booleans are
``true``/``false``. XML carries no types and cannot tell an empty list from an absent one, so
:func:`read_xml` needs the shape, which it finds from the root element's name.

Characters XML 1.0 cannot carry (control characters other than tab, newline and return, and
lone surrogates) are written as U+FFFD; only a body holding them does not read back unchanged. A
carriage return is written as ``&#13;``, since a parser turns a raw one into a newline.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from ._shapes import BOOL, INT, MAP, SHAPES, SIGNAL_SHAPE, STRS, Shape, envelope

__all__ = ["read_xml", "write_xml"]

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def write_xml(root: str, shape: Shape, body: dict[str, Any]) -> str:
    """``body`` as an XML document rooted at ``root``."""
    element = ET.Element(root)
    _write(element, shape, body)
    # ElementTree emits only the text's own carriage returns raw; keep them through parsing.
    return _DECLARATION + ET.tostring(element, encoding="unicode").replace("\r", "&#13;")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _write(parent: ET.Element, shape: Shape, values: dict[str, Any]) -> None:
    for key, kind in shape.items():
        if key not in values:
            continue
        value = values[key]
        if isinstance(kind, list):
            for item in value:
                _write(ET.SubElement(parent, key), kind[0], item)
        elif isinstance(kind, dict):
            _write(ET.SubElement(parent, key), kind, value)
        elif kind == STRS:
            for item in value:
                ET.SubElement(parent, key).text = _text(item)
        elif kind == MAP:
            entries = ET.SubElement(parent, key)
            for name, item in value.items():
                ET.SubElement(entries, name).text = _text(item)
        else:
            ET.SubElement(parent, key).text = _text(value)


def read_xml(document: str) -> dict[str, Any]:
    """The JSON body an XML reply was written from (its shape is found from the root)."""
    root = ET.fromstring(document)
    if root.tag == "Error":
        shape = envelope(None)
    else:
        action = root.tag.removesuffix("Response")
        shape = envelope(SHAPES.get(action, SIGNAL_SHAPE), action)
    return _read(root, shape)


def _read(element: ET.Element, shape: Shape) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, kind in shape.items():
        children = element.findall(key)
        if isinstance(kind, list):
            out[key] = [_read(child, kind[0]) for child in children]
        elif kind == STRS:
            out[key] = [child.text or "" for child in children]
        elif not children:
            continue  # an absent struct (an error body has no Data)
        elif isinstance(kind, dict):
            out[key] = _read(children[0], kind)
        elif kind == MAP:
            out[key] = {entry.tag: entry.text or "" for entry in children[0]}
        else:
            out[key] = _scalar(kind, children[0].text or "")
    return out


def _scalar(kind: str, text: str) -> Any:
    if kind == INT:
        return int(text)
    if kind == BOOL:
        return text == "true"
    return text
