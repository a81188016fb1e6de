"""Characters that carry no visible text: control, format (zero-width, bidi) and separator characters.

A message made only of them is empty; bidi overrides (U+202E…) would reorder what staff read in a report,
so they are removed before a question is stored.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
# Control (C0, DEL, C1) and format characters: zero-width spaces and joiners, bidi marks, embeddings,
# overrides and isolates, the BOM, soft hyphen. Tabs and newlines are controls too: a question is one line.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                       r"\u2066-\u206f\ufeff\ufff9-\ufffb]")


def has_visible(text: str) -> bool:
    return any(unicodedata.category(c) not in _INVISIBLE_CATEGORIES for c in text)


def is_encodable(text: str) -> bool:
    """False for lone surrogates ("\\ud800"), which JSON allows and no encoder or database accepts."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def without_controls(text: str) -> str:
    """The text with control and format characters replaced by a space (words stay apart)."""
    return _CONTROLS.sub(" ", text)
