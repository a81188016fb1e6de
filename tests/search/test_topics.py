"""Department topics found in questions, with the real Sudachi dictionary and the bundled FAQs."""

from __future__ import annotations

import dataclasses

import pytest

from chatbot.knowledge import load_knowledge
from chatbot.search.topics import TopicIndex
from chatbot.text import Analyzer
from chatbot.text.japanese import JapaneseAnalyzer
from tests.helpers import REPO

DX_PLAN_CATEGORIES = {"mynumber", "procedures", "cashless", "general"}


@pytest.fixture(scope="module")
def index_and_analyzer() -> tuple[TopicIndex, Analyzer]:
    kb, _ = load_knowledge(REPO / "knowledge")
    topics = {"shimin": ("出生届", "住民票", "マイナンバーカード"), "kosodate": ("児童扶養手当", "手当"),
              "clean": ("粗大ごみ", "ごみ"), "kazei": ("住民税",), "library": ("本の貸出",), "somu": ("情報公開",)}
    departments = {key: dataclasses.replace(d, topics=topics.get(key, ())) for key, d in kb.departments.items()}
    # the FAQs of the city's DX plan only, so some topics stay uncovered whatever else the bundle grows to
    faqs = tuple(f for f in kb.faqs if f.category in DX_PLAN_CATEGORIES)
    kb = dataclasses.replace(kb, departments=departments, faqs=faqs)
    analyzer = JapaneseAnalyzer(kb.synonyms)
    return TopicIndex.build(kb, analyzer), analyzer


def named(index_and_analyzer: tuple[TopicIndex, Analyzer], question: str) -> tuple[str, str, bool] | None:
    index, analyzer = index_and_analyzer
    topic = index.named(question, analyzer.normalize)
    return (topic.word, topic.department, topic.covered) if topic else None


@pytest.mark.parametrize(("question", "expected"), [
    ("出生届はどこに出せばいい？", ("出生届", "shimin", False)),  # no FAQ mentions it
    ("しゅっしょうとどけ だしたい", ("出生届", "shimin", False)),  # all hiragana, found by reading
    ("児童扶養手当はいくら？", ("児童扶養手当", "kosodate", False)),  # the longest topic wins over 手当
    ("粗大ごみを持ち込みたい", ("粗大ごみ", "clean", True)),  # an FAQ's tag mentions it
    ("ﾏｲﾅｶｰﾄﾞ なくした", ("マイナンバーカード", "shimin", True)),  # width and synonyms as for search
    ("住民票をコンビニで", ("住民票", "shimin", True)),
    ("住民税をスマホで払いたい", ("住民税", "kazei", True)),  # a synonym of 市県民税, which FAQs use
    ("本の貸出を延長したい", ("本の貸出", "library", True)),  # an FAQ has 本が貸出中
    ("情報公開の請求", ("情報公開", "somu", False)),  # only in 地図情報 公開, a keyword list
    ("今日の天気は？", None),
])
def test_topics_named_in_questions(index_and_analyzer, question: str, expected) -> None:
    assert named(index_and_analyzer, question) == expected


def test_only_uncovered_topics_make_a_question_unanswerable(index_and_analyzer) -> None:
    index, analyzer = index_and_analyzer
    assert index.unanswered("出生届の出し方", analyzer.normalize) is not None
    assert index.unanswered("住民票の写しがほしい", analyzer.normalize) is None


def test_short_readings_are_not_matched_inside_kana(index_and_analyzer) -> None:
    """A 2-kana reading (ゴミ) would turn up inside unrelated kana text; such topics match by spelling only."""
    index, analyzer = index_and_analyzer
    assert index.named("ごみ", analyzer.normalize).word == "ごみ"
    assert index.named("オゴミヤゲ", analyzer.normalize) is None
