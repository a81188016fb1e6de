"""Respelling by reading with the real Sudachi dictionary: homophone typos and kana back to the FAQ's words."""

import pytest

from chatbot.search.respell import ReadingLexicon
from chatbot.text import Analyzer
from chatbot.text.japanese import JapaneseAnalyzer

FAQ_TEXTS = (
    "マイナンバーカードの暗証番号を忘れた場合はどうすればいいですか？",
    "マイナンバーカードを再交付するにはどうすればいいですか？",
    "住民票の写しをコンビニで取ることはできますか？",
    "印鑑登録証明書はコンビニで取れますか？",
    "市役所の開庁時間は何時から何時までですか？",
    "国民健康保険税（国保税）はスマホ決済で納められますか？",
    "保育園の入所申込はどうすればいいですか？",
    "市内で転居したときの届出は？",
    "カードを紛失したときは？",
    "資格確認書が届きません",
    "軽自動車の車検に使う納税証明書は？",
    "道路で動物の死体を見つけたときは？",
)


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return JapaneseAnalyzer()


@pytest.fixture(scope="module")
def lexicon(analyzer: Analyzer) -> ReadingLexicon:
    return ReadingLexicon.build(analyzer.analyze(text).morphemes for text in FAQ_TEXTS)


def respelled(analyzer: Analyzer, lexicon: ReadingLexicon, query: str) -> tuple[str, ...]:
    return lexicon.respell(analyzer.analyze(query).morphemes)


@pytest.mark.parametrize(("query", "expected"), [
    ("暗唱番号", ("暗証", "番号")),  # IME homophone slip
    ("住民表", ("住民", "票")),
    ("開長時間", ("開庁", "時間")),  # a slip Sudachi splits into two unknown pieces
    ("ｲﾝｶﾝ証明", ("印鑑", "証明")),  # half-width kana for a kanji word
    ("ｺｸﾎ税", ("国保", "税")),
    ("ﾎｲｸｴﾝ", ("保育", "園")),  # one kana word, two KB words
    ("かーど さいこうふ", ("カード", "再", "交付")),  # kana Sudachi splits into particles
    # Slips Sudachi cuts into lone kanji read by another reading (粉 コナ, 確 as 固い カタ):
    # the dictionary's other readings of each kanji find the FAQ word.
    ("カード粉失", ("カード", "紛失")),
    ("資格確任書", ("資格", "確認", "書")),
    ("車険", ("車検",)),
])
def test_unknown_words_become_kb_words_with_the_same_reading(analyzer, lexicon, query, expected) -> None:
    assert respelled(analyzer, lexicon, query) == expected


def test_words_the_kb_uses_are_never_changed(analyzer, lexicon) -> None:
    query = "マイナンバーカードの暗証番号を忘れた"
    assert respelled(analyzer, lexicon, query) == analyzer.tokens(query)


def test_a_word_with_no_kb_reading_stays_unknown(analyzer, lexicon) -> None:
    """天気 (テンキ) must not become 転居 (テンキョ): only whole readings match."""
    tokens = respelled(analyzer, lexicon, "明日の天気は？")
    assert tokens == ("明日", "天気")
    assert not set(tokens) & lexicon.vocabulary


def test_survives_a_round_trip_through_json(analyzer, lexicon) -> None:
    again = ReadingLexicon.from_json(lexicon.to_json(), lexicon.vocabulary)
    assert again == lexicon
    assert respelled(analyzer, again, "住民表") == ("住民", "票")


def test_empty_and_symbol_only_queries(analyzer, lexicon) -> None:
    assert respelled(analyzer, lexicon, "") == ()
    assert respelled(analyzer, lexicon, "？！") == ()


def test_grammar_after_a_verb_is_not_a_split_word(analyzer: Analyzer, lexicon: ReadingLexicon) -> None:
    """し/たい reads シタイ like 死体, which one FAQ uses: a question ending in したい is no typo."""
    assert "死体" not in respelled(analyzer, lexicon, "マイナンバーカードを申請したい")
    assert "死体" not in respelled(analyzer, lexicon, "転居したいです")


def test_a_word_in_latin_letters_is_never_respelled(analyzer: Analyzer) -> None:
    """Sudachi reads "slow" and "throw" alike (スロー): an English word is no misspelt kana."""
    texts = (*FAQ_TEXTS, "Throw batteries away on the collection day.")
    lexicon = ReadingLexicon.build(analyzer.analyze(text).morphemes for text in texts)
    assert "throw" in respelled(analyzer, lexicon, "throw")
    assert "throw" not in respelled(analyzer, lexicon, "you are so slow")
