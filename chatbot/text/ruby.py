"""Furigana: readings over the kanji of Japanese text, as HTML ``<ruby>漢字<rt>かんじ</rt></ruby>``.

For residents who read kana but not every kanji (children, many foreign residents, some elderly people).
Only kanji get a reading; kana, digits, Latin letters and URLs stay as they are, and so do Markdown link
targets, so the text still renders as before with the reading on top. Readings come from Sudachi
(chatbot.text.japanese.readings); staff fix the few it gets wrong in ``knowledge/readings.yaml``, which wins.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from chatbot.text.base import to_hiragana
from chatbot.text.japanese import readings

KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ"
_KANJI = re.compile(f"[{KANJI}]")
_RUNS = re.compile(f"[{KANJI}]+|[^{KANJI}]+")
# As the widget's Markdown reader finds them: a link's target, a bare URL. Never given readings.
_PROTECTED = re.compile(r"\]\([^()\s]+\)|https?://[^\s<>()（）「」『』、。，．]+")
_DIGIT = re.compile(r"[0-9０-９]$")
_READING = re.compile(r"[ぁ-ゖー]+")


def furigana(text: str, overrides: Mapping[str, str] | None = None) -> str:
    """``text`` with ruby over every kanji word. ``overrides`` (word → hiragana reading) win over Sudachi."""
    parts, last = [], 0
    for match in _PROTECTED.finditer(text):
        parts += [_words(text[last:match.start()], overrides or {}), match.group()]
        last = match.end()
    parts.append(_words(text[last:], overrides or {}))
    return "".join(parts)


def strip(text: str) -> str:
    """The text without its readings (what a reader sees with furigana off)."""
    return re.sub(r"<rt>[^<]*</rt>|</?ruby>", "", text)


def _words(text: str, overrides: Mapping[str, str]) -> str:
    if not _KANJI.search(text):
        return text
    out: list[str] = []
    pattern = _override_pattern(tuple(sorted(overrides)))
    pieces = pattern.split(text) if pattern else [text]
    for n, piece in enumerate(pieces):
        if n % 2:  # an override word, captured by the split
            out.append(_aligned(piece, overrides[piece]))
            continue
        for surface, reading in readings(piece) if _KANJI.search(piece) else [(piece, piece)]:
            after_digit = bool(out) and bool(_DIGIT.search(out[-1]))
            out.append(_word(surface, reading, after_digit))
    return "".join(out)


@functools.lru_cache(maxsize=8)
def _override_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """One longest-first alternation of the staff's words, captured so `split` keeps them."""
    if not words:
        return None
    return re.compile("(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")")


def _word(surface: str, reading: str, after_digit: bool) -> str:
    if not _KANJI.search(surface) or not _READING.fullmatch(reading):
        return surface  # no kanji, or Sudachi does not know the word (its reading is the kanji themselves)
    if after_digit and len(surface) == 1:
        return surface  # a counter (14日, 3月, 500円) is read with its number: a reading of its own misleads
    return _aligned(surface, reading)


def _aligned(surface: str, reading: str) -> str:
    """Each run of kanji gets its part of the reading, the kana between them stay bare: 申<rt>もう</rt>し込<rt>こ
    </rt>み. A word whose kana do not line up with its reading gets the whole reading over the whole word."""
    runs = _RUNS.findall(surface)
    pattern = "".join("(.+?)" if _KANJI.match(run) else re.escape(to_hiragana(run)) for run in runs)
    match = re.fullmatch(pattern, reading)
    if match is None:
        return f"<ruby>{surface}<rt>{reading}</rt></ruby>"
    groups = iter(match.groups())
    return "".join(f"<ruby>{run}<rt>{next(groups)}</rt></ruby>" if _KANJI.match(run) else run for run in runs)
