"""English inside the shared analyzer: stems meet across word forms, function words are not content."""

from __future__ import annotations

import pytest

from chatbot.text import Analyzer
from chatbot.text import analyzer as make_analyzer


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return make_analyzer()


def test_word_forms_share_a_stem(analyzer: Analyzer) -> None:
    assert analyzer.tokens("renewing my license") == analyzer.tokens("Renewal of the licenses")


def test_function_words_are_not_content(analyzer: Analyzer) -> None:
    assert analyzer.tokens("What time does city hall open?") == ("time", "citi", "hall", "open")
    assert analyzer.tokens("Hello! How are you?") == ()


def test_words_that_name_city_matters_are_kept(analyzer: Analyzer) -> None:
    assert analyzer.tokens("move bill call") == ("move", "bill", "call")


def test_english_inside_japanese_is_stemmed_and_japanese_untouched(analyzer: Analyzer) -> None:
    assert analyzer.tokens("PayPayで払える") == ("paypay", "払う")
