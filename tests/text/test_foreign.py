"""The analyzers of the languages Sudachi cannot read: each splits into the units its questions and the FAQ
translations share, whatever the spelling habits of people typing on a phone."""

from __future__ import annotations

import pytest

from chatbot.text import analyzer


@pytest.mark.parametrize(("lang", "question", "expected"), [
    ("zh", "住民票怎么办？", ("住民", "民票", "票怎", "怎么", "么办")),  # bigrams, punctuation dropped
    ("zh", "マイナンバー卡丢了", ("マイ", "イナ", "ナン", "ンバ", "バー", "ー卡", "卡丢", "丢了")),
    ("ko", "주민표를 어디서", ("주민", "민표", "표를", "어디", "디서")),  # a particle rides inside the pair
    ("ko", "My Number 카드", ("my", "number", "카드")),
    ("pt", "Mudança de endereço", ("mudanc", "enderec")),  # stems, accents folded, "de" dropped
    ("pt", "mudanca de endereco", ("mudanc", "enderec")),  # typed without accents: the same tokens
    ("tl", "Paano po mag-apply ng My Number card?", ("mag", "apply", "my", "number", "card")),
])
def test_tokens(lang: str, question: str, expected: tuple[str, ...]) -> None:
    assert analyzer(lang=lang).tokens(question) == expected


def test_vietnamese_typed_with_or_without_tone_marks_is_the_same_question() -> None:
    vietnamese = analyzer(lang="vi")
    marked = vietnamese.tokens("Đăng ký bảo hiểm y tế")
    assert marked == vietnamese.tokens("dang ky bao hiem y te")
    assert {"bao", "hiem", "bao_hiem", "dang_ky"} <= set(marked)  # syllables and their pairs


def test_no_readings_or_morphemes_outside_japanese() -> None:
    analysis = analyzer(lang="ko").analyze("주민표")
    assert analysis.tokens and analysis.readings == () and analysis.morphemes == ()


def test_nepali_words_meet_under_other_endings_and_spellings() -> None:
    nepali = analyzer(lang="ne")
    assert nepali.tokens("बीमामा")[0] == nepali.tokens("बीमाको")[0] == nepali.tokens("बीमा")[0] == "बीमा"
    assert nepali.tokens("जुमिनह्यो")[0] == nepali.tokens("जुमिन्ह्यो")[0]  # with or without the virama
    assert nepali.tokens("मेरो कसरी?") == ()  # function words only
    assert {"पाउ", "ाउन", "उने"} <= set(nepali.tokens("पाउने।"))  # letter trigrams; the danda is no letter


def test_nepali_words_meet_their_romanisation() -> None:
    """Residents without a Devanagari keyboard type Japanese terms in Latin letters: बोशी तेचो is boshi techo,
    and a bare final consonant drops its inherent vowel (होकेन → hoken) but a final conjunct keeps it (पत्र)."""
    nepali = analyzer(lang="ne")
    assert {"boshi", "techo"} <= set(nepali.tokens("बोशी तेचो कहाँ पाइन्छ?"))
    assert {"kokumin", "hoken"} <= set(nepali.tokens("कोकुमिन होकेन"))
    assert "juminhyo" in nepali.tokens("जुमिन्ह्यो") and "patra" in nepali.tokens("पत्र")
    assert "boshi" in nepali.tokens("boshi techo")  # Latin words stay as they are
