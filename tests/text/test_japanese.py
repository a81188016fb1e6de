"""The analyzer with the real Sudachi dictionary: what indexing and querying both depend on."""

import threading

import pytest

from chatbot.text import Analyzer, char_bigrams, normalize, to_katakana
from chatbot.text.japanese import JapaneseAnalyzer

SYNONYMS = {"マイナンバーカード": ("マイナ", "マイナカード", "個人番号カード", "まいなんばーかーど")}


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return JapaneseAnalyzer(SYNONYMS)


def test_width_and_case_are_folded() -> None:
    assert normalize("ﾏｲﾅﾝﾊﾞｰ") == "マイナンバー"
    assert normalize("ＰＤＦで１２３") == "pdfで123"


def test_hiragana_becomes_katakana() -> None:
    assert to_katakana("じどうてあて") == "ジドウテアテ"
    assert char_bigrams("ジドウ") == ["ジド", "ドウ"]


def test_particles_and_symbols_are_dropped(analyzer: Analyzer) -> None:
    assert analyzer.tokens("住民票の写しを取りたいのですが？") == ("住民", "票", "写し", "取る")


def test_symbol_only_text_has_no_tokens(analyzer: Analyzer) -> None:
    assert analyzer.analyze("？").tokens == ()
    assert analyzer.analyze("   ").readings == ()


def test_synonyms_rewrite_variants_to_the_canonical_word(analyzer: Analyzer) -> None:
    assert analyzer.normalize("マイナで申請") == "マイナンバーカードで申請"
    assert analyzer.normalize("個人番号カードの申し込み") == "マイナンバーカードの申し込み"
    assert analyzer.normalize("まいなんばーかーど つくりかた").startswith("マイナンバーカード")


def test_a_synonym_never_cuts_a_longer_katakana_word(analyzer: Analyzer) -> None:
    assert analyzer.normalize("マイナンバーの通知") == "マイナンバーの通知"
    assert analyzer.normalize("マイナンバーカード") == "マイナンバーカード"


def test_kana_question_shares_readings_with_kanji_faq(analyzer: Analyzer) -> None:
    kana = set(analyzer.analyze("じどうてあて").readings)
    kanji = set(analyzer.analyze("児童手当").readings)
    assert kana == kanji


def test_half_width_katakana_reads_like_full_width(analyzer: Analyzer) -> None:
    assert analyzer.analyze("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ") == analyzer.analyze("マイナンバーカード")


def test_threads_share_one_analyzer(analyzer: Analyzer) -> None:
    expected = analyzer.tokens("粗大ごみの出し方を教えてください")
    results: list[tuple[str, ...]] = []

    def work() -> None:
        results.extend(analyzer.tokens("粗大ごみの出し方を教えてください") for _ in range(50))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 200
