"""What a translation must carry over unchanged from its Japanese source: numbers and URLs.

Phone numbers, times, dates, ages and amounts are all numbers, so comparing the numbers and the URLs of two
texts catches a translator's dropped phone number, a changed deadline or an invented fee, whatever words each
language wraps them in. Only the spellings that differ by language are read as the same number: 50万 and
500,000, 4月 and April (the month names of the messages catalogue, abbreviated or not).
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata

from chatbot.core import languages, messages

URL = re.compile(r"https?://[^\s)）\]」>、。,'\"]+")
DIGITS = re.compile(r"[0-9]+")  # ASCII only after NFKC: digits of another script count as missing
GROUPED = re.compile(r"(?<=[0-9]),(?=[0-9]{3}\b)")  # 500,000
# A letter or a mark on one: Python's \b falls inside Devanagari words (मेसिन starts with मे, May).
_LETTER = r"[\w\u0300-\u036f\u0900-\u0963\u0966-\u097f]"
MAN = re.compile(r"([0-9]+) ?万([0-9]*)")  # 50万円, 50 万円, 1万2000円


def literals(text: str, lang: str = languages.DEFAULT) -> frozenset[str]:
    """The URLs (without trailing full stops) and the numbers of ``text``, read as ``lang`` writes them."""
    text = unicodedata.normalize("NFKC", text)
    urls = {url.rstrip(".") for url in URL.findall(text)}
    rest = GROUPED.sub("", URL.sub(" ", text))
    rest = MAN.sub(lambda m: str(int(m[1]) * 10_000 + int(m[2] or 0)), rest)
    rest = _month_words(lang).sub(lambda m: f" {_months(lang)[m[0]]} ", rest)
    return frozenset(urls | {str(int(d)) if d.strip("0") else d for d in DIGITS.findall(rest)} | _phones(rest))


@functools.cache
def _months(lang: str) -> dict[str, int]:
    """Month names written in words as the catalogue spells them (Apr, abril), and English ones in full
    (April): whole words only, case counting (Decide is no December; may is no May)."""
    names = messages.text("hours_month_names", lang).split(",")
    words = {name: n for n, name in enumerate(names, start=1) if not DIGITS.search(name)}
    return words | {name: n for n, name in enumerate(calendar.month_name) if n}


@functools.cache
def _month_words(lang: str) -> re.Pattern[str]:
    names = "|".join(map(re.escape, sorted(_months(lang), key=len, reverse=True)))
    return re.compile(rf"(?<!{_LETTER})(?:{names})(?!{_LETTER})")


def _phones(text: str) -> set[str]:
    """Phone numbers whole, so a translation cannot keep 043 and 2111 but lose the middle group's zero."""
    return set(re.findall(r"\b0[0-9]{1,4}-[0-9]{1,4}-[0-9]{3,4}\b", text))


def differences(source: str, translation: str, lang: str) -> tuple[list[str], list[str]]:
    """What ``translation`` (in ``lang``) leaves out of the Japanese ``source`` and what it adds, each sorted."""
    want, have = literals(source), literals(translation, lang)
    return sorted(want - have), sorted(have - want)
