"""Personal data must not survive ``redact``; ordinary questions must come through unchanged."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

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
SEPARATORS = ["", " ", "　", "-", "－", "ー", "‐", "−",
              # Marks that also join dates, prices and lists: found raw in the database's WAL before.
              ".", "．", "/", "／", ",", "，", "_", "＿", "~", "～", "〜"]
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
    # Digit groups joined by marks that also join dates and prices.
    ("番号は6789.0123.4562です", f"番号は{MY_NUMBER}です"),
    ("090.1111.0012に電話", f"{PHONE}に電話"),
    ("090/1111/0012", PHONE),
    ("090,1111,0012", PHONE),
    ("090_1111_0012", PHONE),
    ("090~1111~0012", PHONE),
    ("０９０～１１１１～００１２", PHONE),
    ("090〜1111〜0012", PHONE),
    ("043 . 421 . 2111", PHONE),
    ("6789/0123/4562", MY_NUMBER),
    ("6789,0123,4562", MY_NUMBER),
    ("6789_0123_4562", MY_NUMBER),
    ("６７８９．０１２３．４５６２", MY_NUMBER),
    ("0120-123-456~0120-123-457", f"{PHONE}~{PHONE}"),  # a range of two phone numbers
    # Numbers in kanji, read digit by digit.
    ("〇九〇の一一一一の〇〇一五", PHONE),
    ("電話は〇九〇ー一一一一ー〇〇一五です", f"電話は{PHONE}です"),
    ("〇四三 四二一 二一一一", PHONE),
    ("〇四三（四二一）二一一一まで", f"{PHONE}まで"),
    ("○九○の一一一一の○○一五", PHONE),
    ("零九零一一一一零零一五", PHONE),
    ("〇九〇-1111-〇〇一五", PHONE),
    ("マイナンバーは一二三四 五六七八 九〇一八", f"マイナンバーは{MY_NUMBER}"),
    # E-mail addresses in any script, and spelled-out "at".
    ("たろう@example.jpまで", f"{EMAIL}まで"),
    ("メールは rokuro@例え.jp です", f"メールは {EMAIL} です"),
    ("メールアドレスはrokuro@例え.jpです", f"メールアドレスは{EMAIL}です"),
    ("「山田たろう＠れい．日本」", f"「{EMAIL}」"),
    ("taro at example dot jp", EMAIL),
    ("taro AT example DOT co DOT jp です", f"{EMAIL} です"),
    ("taro(at)example.jp", EMAIL),
    ("taro（at）example．jp", EMAIL),
    ("taro [at] example [dot] jp", EMAIL),
    ("連絡先 taro @ example.jp", f"連絡先 {EMAIL}"),
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
    # Dates, ranges, prices, versions, ages, fractions and times joined by the marks above.
    "2026.11.24に行きます",
    "12/24は開庁していますか",
    "2026/11/04～2026/11/10の休館日",  # 16 digits, Luhn-valid: two dates, not a card
    "2026.11.04〜2026.11.10",
    "2024,2025,2026年度の予算",  # 12 digits, but no valid check digit
    "予算は200,000,000,000円",  # 12 digits with a valid My Number check digit, grouped as an amount
    "1,900,000,000,000円",  # 13 digits, Luhn-valid
    "100,000~200,000円の補助",
    "バージョン1.2.3です",
    "65歳以上の方",
    "3/4の日程",
    "file_2026_11_24.pdf",
    "IPアドレス192.168.0.1",
    "円周率3.14159265",
    # Kanji numerals in ordinary words.
    "一人暮らしの転入届は一日で終わりますか",
    "二〇二六年十一月二十四日",
    "○○市の○○課",
    "一一〇番と一一九番",
    # "at" and "@" in ordinary English or Japanese.
    "Is the office at the city hall?",
    "I looked at city.yotsukaido.chiba.jp but found nothing",
    "What time does it open? At 8.30?",
    "1個@100円です",
    "公式アカウント@yotsukaido_city",
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


@st.composite
def kanji_numbers(draw: st.DrawFn, digits: str) -> str:
    """``digits`` as typed in kanji (〇 or 零 or ○ for zero), each possibly left in ASCII, grouped."""
    zero = draw(st.sampled_from("〇零○"))
    kanji = dict(zip("0123456789", zero + "一二三四五六七八九", strict=True))
    written = [c if draw(st.integers(0, 4)) == 0 else kanji[c] for c in digits]
    if all(c.isascii() for c in written):
        written[0] = kanji[digits[0]]
    separator = draw(st.sampled_from(["", "の", "ー", "-", "－", " ", "　"]))
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=3)))
    return separator.join("".join(written[a:b]) for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True))


@pytest.mark.parametrize(("numbers", "placeholder"), [(phone_numbers, PHONE), (my_numbers, MY_NUMBER)])
@given(data=st.data(), before=JAPANESE, after=JAPANESE)
@FAST
def test_kanji_numbers_never_survive(numbers: Callable[[], st.SearchStrategy[tuple[str, str]]], placeholder: str,
                                     data: st.DataObject, before: str, after: str) -> None:
    digits, _ = data.draw(numbers())
    result = redact(before + data.draw(kanji_numbers(digits)) + after)
    assert result == before + placeholder + after


AT_SIGNS = ["@", "＠", " @ ", "(at)", "（at）", " (at) ", "[at]", " [AT] ", "［at］"]
SPELLED_DOTS = [" dot ", " DOT ", "(dot)", "[dot]", " (dot) "]
WIDE_LETTERS = "たろうやまだタロウヤマダ山田太郎例え日本テスト"


@st.composite
def addresses(draw: st.DrawFn, local: st.SearchStrategy[str], tld: st.SearchStrategy[str]) -> str:
    """An address in any script with any way of writing "@" and ".", a bare " at " with a spelled dot."""
    label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-" + WIDE_LETTERS, min_size=1, max_size=10)
    labels = [*draw(st.lists(label, min_size=1, max_size=3)), draw(tld)]
    dots = [draw(st.sampled_from([".", "．", *SPELLED_DOTS])) for _ in labels[1:]]
    at = draw(st.sampled_from([*AT_SIGNS, " at ", " AT "]))
    if at.strip().lower() == "at" and not any(dot.strip() not in {".", "．"} for dot in dots):
        dots[-1] = draw(st.sampled_from(SPELLED_DOTS))  # a bare "at" counts only with a spelled "dot"
    domain = labels[0] + "".join(dot + name for dot, name in zip(dots, labels[1:], strict=True))
    return draw(local) + at + domain


ASCII_TLDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6)
WIDE_TLDS = st.text(alphabet=WIDE_LETTERS, min_size=1, max_size=4)


ASCII_LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._+-", min_size=1, max_size=12)
# Ends in a kana or kanji: what makes a local part "wide" (see chatbot.core.redact._LOCAL).
WIDE_LOCAL = st.builds(str.__add__, st.text(alphabet=WIDE_LETTERS + "abc012._-", max_size=10),
                       st.sampled_from(WIDE_LETTERS))


@given(addresses(ASCII_LOCAL, ASCII_TLDS), JAPANESE, JAPANESE)
@FAST
def test_ascii_local_parts_are_cut_exactly(address: str, before: str, after: str) -> None:
    """Japanese right before an ASCII local part or right after an ASCII top-level domain stays."""
    assert redact(before + address + after) == before + EMAIL + after


@given(addresses(st.one_of(ASCII_LOCAL, WIDE_LOCAL), st.one_of(ASCII_TLDS, WIDE_TLDS)), JAPANESE, JAPANESE,
       st.sampled_from([" ", "　", "、", "。", "「"]), st.sampled_from([" ", "　", "、", "。", "」"]))
@FAST
def test_addresses_in_any_script_never_survive(address: str, before: str, after: str, opening: str,
                                               closing: str) -> None:
    """A local part or domain in kana or kanji runs to the next space or punctuation."""
    assert redact(before + opening + address + closing + after) == before + opening + EMAIL + closing + after
    run_on = redact(before + address + after)  # no delimiter: the Japanese before it goes too, never the address
    assert unicodedata.normalize("NFKC", address) not in unicodedata.normalize("NFKC", run_on)
    assert EMAIL in run_on


@given(st.dates(), st.dates(), st.sampled_from([".", "/", "-", "．", "／"]), st.sampled_from(["~", "～", "〜", " ~ "]))
@FAST
def test_dates_and_date_ranges_stay(first: object, second: object, mark: str, range_mark: str) -> None:
    def written(day: object) -> str:
        return f"{day:%Y}{mark}{day:%m}{mark}{day:%d}"

    for text in (written(first) + "の受付", written(first) + range_mark + written(second) + "の休館日"):
        assert redact(text) == text


@given(st.integers(1_000, 10**16))
@FAST
def test_amounts_grouped_in_thousands_stay(amount: int) -> None:
    text = f"予算は{amount:,}円ですか"
    assert redact(text) == text
    assert redact(wide(text)) == wide(text)


@given(st.text(max_size=40))
@FAST
def test_anything_unredacted_is_returned_as_given(text: str) -> None:
    if not contains_personal_data(text):
        assert redact(text) == text
    else:
        assert redact(text) != text
