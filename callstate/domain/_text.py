r"""The one check every string passes where it enters: it must be Unicode text UTF-8 can carry.

A lone surrogate (a code point U+D800..U+DFFF not part of a pair; Python strings can hold them,
JSON's ``\ud800`` escape makes one) is not text: stored, it would make every later UTF-8
rendering of the state fail. NUL, control and bidirectional characters and astral characters
are text and are kept as they are.
"""

from __future__ import annotations

import re

__all__ = ["NOT_TEXT_REASON", "is_text"]

_SURROGATE = re.compile("[\ud800-\udfff]")

#: Why a string that :func:`is_text` refuses is refused (a sentence for error messages).
NOT_TEXT_REASON = "It must be Unicode text: a lone surrogate (U+D800 to U+DFFF) is not."


def is_text(value: str) -> bool:
    """Whether ``value`` holds no lone surrogate, so that UTF-8 can carry it."""
    return value.isascii() or _SURROGATE.search(value) is None
