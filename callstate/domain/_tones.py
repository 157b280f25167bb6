"""DTMF tones: the digits a leg can send, and a dialled number's IVR menu in the world.

One definition of what DTMF digits are (``0-9``, ``*``, ``#``), read by SendDtmfSignaling's
parameter check and by the world reader, which refuses a menu entry no tones could select.
"""

from __future__ import annotations

from ._errors import WorldError
from ._world_reader import Reader

__all__ = ["DTMF_DIGITS", "is_dtmf", "ivr_menu"]

#: The DTMF digits, as CCC's SendDtmfSignaling accepts them.
DTMF_DIGITS = frozenset("0123456789*#")


def is_dtmf(text: str) -> bool:
    """Whether ``text`` is one or more DTMF digits."""
    return bool(text) and DTMF_DIGITS.issuperset(text)


def ivr_menu(reader: Reader) -> tuple[tuple[str, str], ...]:
    """A dialled number's ``ivr``: {digits: route}, each key DTMF digits, each route text."""
    menu = reader.object("ivr")
    if menu is None:
        return ()
    entries = []
    for digits in menu.text_keys():
        if not is_dtmf(digits):
            raise WorldError(f"{menu.path}: {digits!r} is not DTMF digits (0-9, * and #)")
        entries.append((digits, menu.text(digits)))
    return tuple(entries)
