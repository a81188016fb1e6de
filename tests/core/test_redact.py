"""Personal data must not survive ``redact``; ordinary questions must come through unchanged."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatbot.core.redact import (
    ADDRESS,
    CARD,
    CORPORATE_NUMBER,
    EMAIL,
    MY_NUMBER,
    NUMBER,
    PHONE,
    contains_personal_data,
    corporate_number_check_digit,
    my_number_check_digit,
    redact,
)

FAST = settings(max_examples=200, deadline=None)
SEPARATORS = ["", " ", "　", "-", "－", "ー", "‐", "−"]
# Surrounding chat text: no digits, "@", brackets or ASCII letters, so the redacted item stays one piece.
JAPANESE = st.text(alphabet="あいうえおかきくけこさしすせそなにのはまをんアイウエオカタナ"
                            "市役所住民票電話申請手続です。、？！ 　", max_size=12)


def wide(text: str) -> str:
    """Full-width form of printable ASCII, as typed with a Japanese IME."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def squash(text: str) -> str:
    return re.sub(r"[\s\-‐−ー()]", "", unicodedata.normalize("NFKC", text))


def digit_strings(length: int, alphabet: str = "0123456789") -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=length, max_size=length)


def mixed_width(draw: st.DrawFn, text: str) -> str:
    """Each character independently half- or full-width."""
    return "".join(wide(c) if draw(st.booleans()) else c for c in text)


@pytest.mark.parametrize(("text", "expected"), [
    ("マイナンバーは123456789018です", f"マイナンバーは{MY_NUMBER}です"),
    ("個人番号 1234 5678 9018", f"個人番号 {MY_NUMBER}"),
    ("個人番号１２３４－５６７８－９０１８", f"個人番号{MY_NUMBER}"),
    ("番号 1234-5678-9012 です", f"番号 {NUMBER} です"),  # wrong check digit: still a 12-digit number
    ("法人番号7000012050002", f"法人番号{CORPORATE_NUMBER}"),
    ("電話は043-421-2111まで", f"電話は{PHONE}まで"),
    ("0434212111", PHONE),
    ("(043)421-2111", PHONE),
    ("043（421）2111に電話", f"{PHONE}に電話"),
    ("携帯 090-1234-5678、080 1234 5678、07012345678", f"携帯 {PHONE}、{PHONE}、{PHONE}"),
    ("IP電話 050-1234-5678", f"IP電話 {PHONE}"),
    ("フリーダイヤル０１２０－１２３－４５６", f"フリーダイヤル{PHONE}"),
    ("0800-123-4567", PHONE),
    ("+81-90-1234-5678", PHONE),
    ("＋８１ (0)43-421-2111", PHONE),
    ("電話番号は０４３ー４２１ー２１１１です", f"電話番号は{PHONE}です"),
    ("メール taro.yamada@example.co.jp へ", f"メール {EMAIL} へ"),
    ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐまで", f"{EMAIL}まで"),
    ("カード 4111 1111 1111 1111 です", f"カード {CARD} です"),
    ("4111-1111-1111-1111", CARD),
    ("4222222222222", CARD),  # 13 digits, Luhn-valid, not a valid 法人番号
    ("4111 1111 1111 1112", NUMBER),
    ("〒284-8555 千葉県四街道市鹿渡無番地", f"{ADDRESS} 千葉県四街道市鹿渡無番地"),
    ("284-8555 千葉県四街道市鹿渡933-1に住んでいます", f"{ADDRESS} {ADDRESS}に住んでいます"),
    ("住所は四街道1丁目2番3号です", f"住所は{ADDRESS}です"),
    ("大日123番地の4", ADDRESS),
    ("鹿渡９３３－１", ADDRESS),
    ("ＡＢＣ（テスト）ｶﾞｲﾄﾞ ０４３－４２１－２１１１です？", f"ＡＢＣ（テスト）ｶﾞｲﾄﾞ {PHONE}です？"),
])
def test_redacts(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert contains_personal_data(text)


@pytest.mark.parametrize("text", [
    "マイナンバーカードの申請方法",
    "2026年11月24日",
    "住民票を3枚",
    "10時",
    "3番窓口はどこ？",
    "第1号被保険者の保険料",
    "令和7-8年度の予算",
    "別表1-2を見てください",
    "2026-11-24に行きます",
    "受付は8:30〜17:15です",
    "手数料は1,000円ですか？",
    "ｶﾞｲﾄﾞブックを２冊",
    "",
])
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert redact(text) == text
    assert not contains_personal_data(text)


def test_check_digits_match_published_numbers() -> None:
    assert my_number_check_digit("12345678901") == 8
    assert corporate_number_check_digit("000012050002") == 7  # 国税庁: 7000012050002


@st.composite
def my_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(the twelve digits, how a citizen might type them)."""
    body = draw(digit_strings(11))
    digits = body + str(my_number_check_digit(body))
    first, second = draw(st.sampled_from(SEPARATORS)), draw(st.sampled_from(SEPARATORS))
    return digits, mixed_width(draw, digits[:4] + first + digits[4:8] + second + digits[8:])


@given(my_numbers(), JAPANESE, JAPANESE)
@FAST
def test_my_numbers_never_survive(number: tuple[str, str], before: str, after: str) -> None:
    digits, typed = number
    result = redact(before + typed + after)
    assert digits not in squash(result)
    assert result == before + MY_NUMBER + after


@st.composite
def phone_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(the national digits, a written form): fixed, mobile, IP, toll-free; brackets, +81, full-width."""
    kind = draw(st.sampled_from(["fixed", "070", "080", "090", "050", "0120", "0800"]))
    if kind == "fixed":
        area_length = draw(st.integers(2, 5))
        area = "0" + draw(digit_strings(1, "123456789")) + draw(digit_strings(area_length - 2))
        groups = [area, draw(digit_strings(6 - area_length)), draw(digit_strings(4))]
    else:
        lengths = {"0120": (3, 3), "0800": (3, 4)}.get(kind, (4, 4))
        groups = [kind, *(draw(digit_strings(length)) for length in lengths)]
    style = draw(st.sampled_from(["separated", "area_brackets", "exchange_brackets", "international"]))
    separator = draw(st.sampled_from(SEPARATORS))
    if style == "area_brackets":
        typed = f"({groups[0]}){groups[1]}{separator}{groups[2]}"
    elif style == "exchange_brackets":
        typed = f"{groups[0]}({groups[1]}){groups[2]}"
    elif style == "international":
        national = draw(st.sampled_from([groups[0][1:], "(0)" + groups[0][1:]]))
        typed = "+81" + draw(st.sampled_from(["", " ", "-"])) + separator.join([national, *groups[1:]])
    else:
        typed = separator.join(groups)
    return "".join(groups), mixed_width(draw, typed)


@given(phone_numbers(), JAPANESE, JAPANESE)
@FAST
def test_phone_numbers_never_survive(number: tuple[str, str], before: str, after: str) -> None:
    digits, typed = number
    result = redact(before + typed + after)
    assert digits[1:] not in squash(result)
    assert result == before + PHONE + after


@st.composite
def email_addresses(draw: st.DrawFn) -> str:
    local = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._+-", min_size=1, max_size=16))
    label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10)
    tld = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6))
    domain = ".".join([*draw(st.lists(label, min_size=1, max_size=3)), tld])
    return mixed_width(draw, f"{local}@{domain}")


@given(email_addresses(), JAPANESE, JAPANESE)
@FAST
def test_email_addresses_never_survive(address: str, before: str, after: str) -> None:
    result = redact(before + address + after)
    assert unicodedata.normalize("NFKC", address) not in unicodedata.normalize("NFKC", result)
    assert result == before + EMAIL + after


@given(st.text(max_size=40))
@FAST
def test_anything_unredacted_is_returned_as_given(text: str) -> None:
    if not contains_personal_data(text):
        assert redact(text) == text
    else:
        assert redact(text) != text
