"""The languages the service speaks, as data: one registry entry per code.

A language names the analyzer its questions go through, the characters that reveal it in a question
(detection, script first) and the chain of languages to fall back on when a text is missing. Adding a
language is adding an entry here and its texts in ``messages.yaml`` (a test checks every key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # the API's ``lang``, the catalogue's and the FAQ format's key
    name: str  # in the language itself, for menus
    analyzer: str  # code of the text analyzer its questions go through (chatbot.text)
    script: re.Pattern[str] | None  # characters whose presence marks a question as this language
    fallback: tuple[str, ...] = ()  # languages tried, in order, when a text is missing in this one


JAPANESE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
LATIN_SCRIPT = re.compile(r"[A-Za-z]")

# Detection tries these in order; Japanese first, since Japanese text often holds Latin words (DX, QR).
# English questions go through the Japanese analyzer for now: the FAQ's English text rides in the same
# channels (chatbot.search.versions.documents), so both sides see the same words.
LANGUAGES: dict[str, Language] = {
    "ja": Language("ja", "日本語", analyzer="ja", script=JAPANESE_SCRIPT),
    "en": Language("en", "English", analyzer="ja", script=LATIN_SCRIPT, fallback=("ja",)),
}
DEFAULT = "ja"  # the knowledge base's own language: every FAQ and message exists in it
CODES = tuple(LANGUAGES)
STAFF = ("ja", "en")  # languages staff-facing output (validation, reports' headings) is printed in


def detect(text: str) -> str:
    """The first registered language whose script the text uses; the default when none does."""
    return next((lang.code for lang in LANGUAGES.values() if lang.script and lang.script.search(text)), DEFAULT)


def chain(code: str) -> tuple[str, ...]:
    """``code`` and the languages to fall back on, ending with the default language."""
    language = LANGUAGES[code]
    return tuple(dict.fromkeys((code, *language.fallback, DEFAULT)))
