"""Personal data is replaced by typed placeholders before anything is stored or logged.

Matching runs on the NFKC form (full-width digits, ＠, （）) but the result keeps the citizen's own
characters everywhere nothing was redacted. Runs on every chat request, so the patterns are
compiled once and text without a digit or ``@`` returns after one search.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# Placeholders are stored in the database, so they are data: keep them stable.
MY_NUMBER = "[個人番号]"
NUMBER = "[番号]"
CORPORATE_NUMBER = "[法人番号]"
PHONE = "[電話番号]"
EMAIL = "[メール]"
CARD = "[カード番号]"
ADDRESS = "[住所]"

# After NFKC: ASCII hyphen plus the dashes and the long-vowel mark people type between digit groups.
_HYPHENS = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc"
_SEPARATOR = rf"(?:[ \t]*[{_HYPHENS}()]{{1,2}}[ \t]*|[ \t]+)"
_KANJI = "[\u3005\u3006\u4e00-\u9fff\u30f6\u30b1]"
_PREFECTURE_OR_CITY = rf"{_KANJI}+?[都道府県市区町村郡]"
# A place name is a whole run of kanji: starting inside one would only retry the same match.
_PLACE = rf"(?<!{_KANJI}){_KANJI}"
_LOT = rf"(?:[の{_HYPHENS}]?[0-9]+(?:丁目|番地?|号)?)*"

# NFKC of full-width ASCII and the ideographic space, one character for one: the common case in
# Japanese chat ("？", "（）", "１") then needs no per-character normalisation.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_TRIGGER = re.compile(r"[0-9@]")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
# Digit groups joined by hyphens, spaces or brackets: one run is one number, classified by its digits.
_DIGIT_RUN = re.compile(rf"(?P<plus>\+[ \t]*)?(?:\((?=[0-9]+\)))?[0-9]+(?:{_SEPARATOR}[0-9]+)*")
_NON_DIGIT = re.compile(r"[^0-9]")
# 10 digits from an area code, or 11 for 0X0 numbers (mobile 070/080/090, IP 050, toll-free 0800).
_DOMESTIC_PHONE = re.compile(r"0[1-9](?:0[0-9]{8}|[0-9]{8})")
_ADDRESS = re.compile(
    rf"〒[ \t]*[0-9]{{3}}[{_HYPHENS}]?[0-9]{{4}}"
    rf"|[0-9]{{3}}[{_HYPHENS}][0-9]{{4}}(?=[ \t]*{_PREFECTURE_OR_CITY})"
    rf"|{_PLACE}*[0-9]+(?:丁目|番地|番(?=[0-9]+号)){_LOT}"
    # 「鹿渡933-1」「四街道1-2-3」 but not 「令和7-8年度」 or 「別表1-2」.
    rf"|{_PLACE}+(?:[0-9]{{2,}}(?:[{_HYPHENS}][0-9]+){{1,2}}|[0-9]+(?:[{_HYPHENS}][0-9]+){{2}})"
    r"(?![0-9年月日時分円枚件回歳%])"
)

Span = tuple[int, int, str]


def redact(text: str) -> str:
    """``text`` with every personal item replaced by its placeholder, everything else untouched."""
    pieces: list[str] = []
    position = 0
    for start, end, placeholder in _find(text):
        pieces += (text[position:start], placeholder)
        position = end
    return "".join(pieces) + text[position:] if pieces else text


def contains_personal_data(text: str) -> bool:
    """Same detection as ``redact``, for callers that only need to warn or refuse."""
    return bool(_find(text))


def my_number_check_digit(first_eleven: str) -> int:
    """The 12th digit of a 個人番号 (Ministry of Internal Affairs ordinance, art. 5)."""
    total = sum(int(digit) * (n + 1 if n <= 6 else n - 5) for n, digit in enumerate(reversed(first_eleven), 1))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def corporate_number_check_digit(last_twelve: str) -> int:
    """The leading digit of a 法人番号, computed from the twelve digits after it."""
    total = sum(int(digit) * (1 if n % 2 else 2) for n, digit in enumerate(reversed(last_twelve), 1))
    return 9 - total % 9


def luhn_valid(digits: str) -> bool:
    total = 0
    for n, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if n % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _classify(digits: str, international: bool) -> str | None:
    """The placeholder for one run of digits, or None when it is an ordinary number."""
    length = len(digits)
    if (international and 8 <= length <= 15) or _DOMESTIC_PHONE.fullmatch(digits):
        return PHONE
    if length == 12:
        return MY_NUMBER if int(digits[11]) == my_number_check_digit(digits[:11]) else NUMBER
    if length == 13 and int(digits[0]) == corporate_number_check_digit(digits[1:]):
        return CORPORATE_NUMBER
    if 13 <= length <= 19 and luhn_valid(digits):
        return CARD
    if length == 13:
        return CORPORATE_NUMBER
    return NUMBER if length > 12 else None


def _find(text: str) -> list[Span]:
    """Non-overlapping spans of ``text`` to replace, in order; earlier kinds win overlaps."""
    normal, origin = _normalize(text)
    if not _TRIGGER.search(normal):
        return []
    chosen: list[Span] = []
    for start, end, placeholder in _candidates(normal):
        if not any(start < other_end and other_start < end for other_start, other_end, _ in chosen):
            chosen.append((start, end, placeholder))
    if origin is not None:
        chosen = [(origin[start], origin[end - 1] + 1, placeholder) for start, end, placeholder in chosen]
    return sorted(chosen)


def _candidates(normal: str) -> Iterator[Span]:
    """E-mail first (its local part may hold digits), then numbers, then addresses."""
    for match in _EMAIL.finditer(normal):
        yield match.start(), match.end(), EMAIL
    for match in _DIGIT_RUN.finditer(normal):
        placeholder = _classify(_NON_DIGIT.sub("", match.group()), match.group("plus") is not None)
        if placeholder is not None:
            yield match.start(), match.end(), placeholder
    for match in _ADDRESS.finditer(normal):
        yield match.start(), match.end(), ADDRESS


def _normalize(text: str) -> tuple[str, list[int] | None]:
    """NFKC form, plus for each of its characters the index of the original one (None: same index)."""
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    narrow = text.translate(_FULL_WIDTH)
    if unicodedata.is_normalized("NFKC", narrow):
        return narrow, None
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(narrow):
        normal = unicodedata.normalize("NFKC", char)
        pieces.append(normal)
        origin += [index] * len(normal)
    return "".join(pieces), origin
