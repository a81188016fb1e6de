"""The language registry and the catalogue that follows its fallback chains."""

from __future__ import annotations

import pytest

from chatbot.core import languages, messages
from chatbot.core.messages import Ref


@pytest.mark.parametrize(("text", "code"), [
    ("マイナンバーカードを作りたい", "ja"), ("How do I get a My Number card?", "en"), ("DXってなに", "ja"),
    ("12345", "ja"), ("", "ja"),
    ("児童手当", "ja"), ("特別児童扶養手当", "ja"), ("固定資産税 paypay", "ja"),  # kanji only, or with a Latin word
    ("我想办理转出手续", "zh"), ("マイナンバー卡怎么申请", "zh"),  # simplified forms, even beside katakana
    ("你好", "zh"), ("谢谢", "zh"), ("感謝", "ja"),
    ("외국인 등록은 어디서 하나요?", "ko"), ("मेरो बच्चाको भत्ता कसरी पाउने?", "ne"),
    ("Tôi muốn chuyển nhà", "vi"), ("toi muon chuyen nha cua toi", "vi"),  # with or without its letters
    ("Como faço para pagar o imposto?", "pt"), ("Paano po mag-apply ng My Number card?", "tl"),
    ("thx", "en"), ("go on", "en"), ("What is Mynaportal?", "en"), ("Yotsukaido open data", "en"),
    ("obrigado", "pt"), ("salamat po", "tl"),
    ("mero card harayo ke garne", "ne"), ("juminhyo kaha nikalne", "ne"),  # romanized Nepali: lingua lacks it
    ("Where can I get my juminhyo?", "en"), ("Paano ko makukuha ang juminhyo ko?", "tl")])
def test_detection_is_script_first_then_words(text: str, code: str) -> None:
    assert languages.detect(text) == code


def test_easy_japanese_is_chosen_never_detected() -> None:
    assert languages.detect("びょういんは どこですか") == "ja" and languages.chain("easy") == ("easy", "ja")


def test_every_chain_starts_with_itself_and_ends_with_the_default() -> None:
    for code in languages.CODES:
        chain = languages.chain(code)
        assert chain[0] == code and chain[-1] == languages.DEFAULT and len(set(chain)) == len(chain)


def test_a_fragment_is_rendered_in_the_language_of_its_message() -> None:
    expected = Ref("fragment_string_list")
    japanese = messages.text("bad_type", "ja", field="tags", expected=expected)
    assert japanese.endswith("文字列のリスト（- で始まる行）で書いてください")
    assert messages.text("bad_type", "en", field="tags", expected=expected) == "field 'tags' must be a list of strings"


def test_texts_gives_every_language() -> None:
    assert set(messages.texts("err_empty_message")) == set(languages.CODES)
