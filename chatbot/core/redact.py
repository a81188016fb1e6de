"""Personal data is replaced by typed placeholders before anything is stored or logged.

Matching runs on the NFKC form (full-width digits, ＠, （）) but the result keeps the citizen's own
characters everywhere nothing was redacted. Runs on every chat request, so the patterns are
compiled once and text without a trigger (a digit, ``@``, an ``a`` that could start ``at``, a
kanji numeral) returns after one search; each later pass runs only when its own, narrower
trigger is present.

Numbers joined by marks that also join ordinary numbers (``.`` ``/`` ``,`` ``_`` ``~``: dates,
prices, versions, ranges) are redacted only when their digits prove them personal (a phone
prefix, a check digit), never for their length alone, so 2026.11.24 or 1,000円 stay. Numbers in
kanji (〇九〇の一一一一の〇〇一五) are read digit by digit. E-mail addresses may have a local part
or domain in any script and a spelled-out ``at`` / ``(at)`` / ``[at]`` / `` @ ``; a bare ``at``
counts only with a spelled-out ``dot`` too, so "at the city hall" or "looked at example.jp" stay.
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
# Marks that also join ordinary numbers (2026.11.24, 12/24, 1,000, 10~20, file_2): see _classify's ``strict``.
_WEAK = "./,_~\u301c"
_SEPARATOR = rf"(?:[ \t]*[{_HYPHENS}{_WEAK}()]{{1,2}}[ \t]*|[ \t]+)"
_KANJI = "[\u3005\u3006\u4e00-\u9fff\u30f6\u30b1]"
_PREFECTURE_OR_CITY = rf"{_KANJI}+?[都道府県市区町村郡]"
# A place name is a whole run of kanji: starting inside one would only retry the same match.
_PLACE = rf"(?<!{_KANJI}){_KANJI}"
_LOT = rf"(?:[の{_HYPHENS}]?[0-9]+(?:丁目|番地?|号)?)*"

# NFKC of full-width ASCII and the ideographic space, one character for one: the common case in
# Japanese chat ("？", "（）", "１") then needs no per-character normalisation.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_KANJI_DIGITS = "〇零○一二三四五六七八九"
_KANJI_TO_ASCII = str.maketrans(_KANJI_DIGITS, "000123456789")
# One character class: every kind below holds one of these (an e-mail has "@" or "at"). Each pass then
# checks its own, cheaper gate; these are written so the regex engine can skip ahead by first character.
_TRIGGER = re.compile(f"[0-9@aA{_KANJI_DIGITS}]")
_DIGIT = re.compile(r"[0-9]")
# A phone number in kanji starts with 〇 (or 零, or ○ typed for it); a My Number has a group of two digits;
# without either, ten digits would need a mark between every two. Mixed with ASCII digits: see _candidates.
_KANJI_GATE = re.compile(f"[{_KANJI_DIGITS}](?:(?<=[〇零○])|(?=[一二三四五六七八九]))")
# "@", "(at)" / "[at]", or the "dot" a bare "at" needs.
_EMAIL_GATE = re.compile(r"[@(\[dD](?:(?<=@)|(?<=[(\[])[ \t]*[aA][tT][ \t]*[)\]]|(?<=[dD])[oO][tT]\b)")

# E-mail. Local parts and domains may be in any script (たろう@例え.jp): a "wide" character is any
# non-ASCII one except spaces and Japanese punctuation, which end an address in running text.
_ASCII_LOCAL = r"[A-Za-z0-9._%+\-]"
_WIDE = r"[^\x00-\x7f\s、。，．・「」『』【】〔〕〈〉《》…‥〜～]"
_LOCAL_CHAR = rf"(?:{_ASCII_LOCAL}|{_WIDE})"
# The character before "@" decides. Japanese has no spaces, so a wide local part reaches back to
# the last space or punctuation ("メールはたろう@…" loses "メールは" too: better than keeping part
# of a name). ASCII before "@" is taken alone, so "アドレスはtaro@…" keeps its Japanese; the
# price is that "山田taro@…" keeps "山田".
_LOCAL = rf"(?:(?<!{_ASCII_LOCAL}){_ASCII_LOCAL}+|(?<!{_LOCAL_CHAR}){_LOCAL_CHAR}*{_WIDE})"
_AT = r"(?:[ \t]*@[ \t]*|[ \t]*[(\[][ \t]*(?i:at)[ \t]*[)\]][ \t]*)"
_SPELLED_DOT = r"(?:[ \t]*[(\[][ \t]*(?i:dot)[ \t]*[)\]][ \t]*|[ \t]+(?i:dot)[ \t]+)"
_DOT = rf"(?:\.|{_SPELLED_DOT})"
# Labels before a dot may mix scripts; the last one is all ASCII or all wide, so "…@example.jpまで" ends at "jp".
_LABEL = rf"(?:[A-Za-z0-9\-]|{_WIDE})+"
_LAST_LABEL = rf"(?:[A-Za-z0-9\-]+|{_WIDE}+)"
_EMAIL = re.compile(
    rf"{_LOCAL}{_AT}(?:{_LABEL}{_DOT})+{_LAST_LABEL}"
    rf"|{_LOCAL}[ \t]+(?i:at)[ \t]+(?:{_LABEL}{_DOT})*?{_LABEL}{_SPELLED_DOT}(?:{_LABEL}{_DOT})*{_LAST_LABEL}"
)
# Digit groups joined by hyphens, spaces, brackets or the marks in _WEAK: one run is one number, classified by
# its digits.
_DIGIT_RUN = re.compile(rf"(?:\+[ \t]*)?(?:\((?=[0-9]+\)))?[0-9]+(?:{_SEPARATOR}[0-9]+)*")
_NON_DIGIT = re.compile(r"[^0-9]")
_WEAK_MARK = re.compile(rf"[{_WEAK}]")
# One range mark between two multi-group numbers (2026.11.24~2026.12.01): two numbers, not one.
_RANGE_MARK = re.compile(r"[ \t]*[~\u301c][ \t]*")
_GROUPS = re.compile(r"[0-9][^0-9]+[0-9]")
# 1,234,567: amounts are grouped in threes; no phone number, My Number or card is.
_THOUSANDS = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+")
_KANJI_RUN = re.compile(
    rf"[{_KANJI_DIGITS}0-9](?:(?:{_SEPARATOR}|[ \t]*の[ \t]*)?[{_KANJI_DIGITS}0-9])*")
_KANJI_DIGIT = re.compile(f"[{_KANJI_DIGITS}]")
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


def _classify(digits: str, international: bool, strict: bool = False) -> str | None:
    """The placeholder for one run of digits, or None when it is an ordinary number.

    ``strict`` (digits joined by a mark that also joins dates, prices and lists, or written in
    kanji): only what the digits prove, so "2024,2025,2026年度" is not a 12-digit [番号].
    """
    length = len(digits)
    if (international and 8 <= length <= 15) or _DOMESTIC_PHONE.fullmatch(digits):
        return PHONE
    if length == 12 and int(digits[11]) == my_number_check_digit(digits[:11]):
        return MY_NUMBER
    if length == 13 and int(digits[0]) == corporate_number_check_digit(digits[1:]):
        return CORPORATE_NUMBER
    if 13 <= length <= 19 and luhn_valid(digits):
        return CARD
    if strict:
        return None
    if length == 13:
        return CORPORATE_NUMBER
    return NUMBER if length >= 12 else None


def _classify_run(run: str) -> str | None:
    """The placeholder for one run as written: its marks decide how much its digits must prove."""
    if _THOUSANDS.fullmatch(run):
        return None
    return _classify(_NON_DIGIT.sub("", run), run.startswith("+"), _WEAK_MARK.search(run) is not None)


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
    """E-mail first (its local part may hold digits), then numbers, then addresses.

    Each pass first checks its own trigger: most questions that reach here hold one date or
    count and need neither the e-mail nor the kanji pass.
    """
    if _EMAIL_GATE.search(normal):
        for match in _EMAIL.finditer(normal):
            yield match.start(), match.end(), EMAIL
    has_digit = _DIGIT.search(normal) is not None
    if has_digit:
        yield from _numbers(normal)
    if _KANJI_GATE.search(normal) or (has_digit and _KANJI_DIGIT.search(normal)):
        yield from _kanji_numbers(normal)
    if has_digit:
        for match in _ADDRESS.finditer(normal):
            yield match.start(), match.end(), ADDRESS


def _numbers(normal: str) -> Iterator[Span]:
    """Runs of ASCII digits; a range of two numbers (2026.11.24~2026.12.01) is judged side by side."""
    for match in _DIGIT_RUN.finditer(normal):
        start, end = match.span()
        if end - start < 8:
            continue  # fewer than 8 digits: no kind below is that short
        marks = list(_RANGE_MARK.finditer(normal, start, end))
        parts = [(start, end)]
        if len(marks) == 1:
            left, right = (start, marks[0].start()), (marks[0].end(), end)
            if _GROUPS.search(normal, *left) and _GROUPS.search(normal, *right):
                parts = [left, right]
        for part_start, part_end in parts:
            placeholder = _classify_run(normal[part_start:part_end])
            if placeholder is not None:
                yield part_start, part_end, placeholder


def _kanji_numbers(normal: str) -> Iterator[Span]:
    """Numbers written in kanji digits (〇九〇の一一一一の〇〇一五), also mixed with ASCII ones.

    Kanji numerals are ordinary words (一人, 三丁目, 二〇二六年), so a run counts only when its
    digits prove a phone number or an identifier, and only from ten digits.
    """
    for match in _KANJI_RUN.finditer(normal):
        run = match.group()
        if not _KANJI_DIGIT.search(run):
            continue  # plain ASCII digits: the number pass has judged them
        digits = _NON_DIGIT.sub("", run.translate(_KANJI_TO_ASCII))
        placeholder = _classify(digits, False, strict=True) if len(digits) >= 10 else None
        if placeholder is not None:
            yield match.start(), match.end(), placeholder


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
