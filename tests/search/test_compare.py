"""What a new version answers differently, decided as citizens' replies are (real index builds)."""

from __future__ import annotations

import pytest

from chatbot.search import publish, versions
from chatbot.search.compare import Change, Comparison, compare, phrasings
from chatbot.search.decision import decide
from chatbot.search.versions import ServingIndex
from chatbot.serving.respond import respond
from tests.helpers import LostProperty

CAPTURED = "living-lost-property"
LOST_CARD = "mynumber-card-lost"


@pytest.fixture(scope="module")
def old_and_new(lost_property: LostProperty) -> tuple[ServingIndex, ServingIndex]:
    """The five-FAQ version, and the one with the lost-property FAQ added."""
    root = versions.versions_dir(lost_property.settings.index_dir)
    old, new = versions.list_versions(lost_property.settings.index_dir)
    return versions.load_version(root / old), versions.load_version(root / new)


@pytest.fixture(scope="module")
def threshold(lost_property: LostProperty) -> float:
    return lost_property.settings.answer_threshold


def test_an_faq_that_captures_another_faqs_wordings_is_reported(
        old_and_new: tuple[ServingIndex, ServingIndex], threshold: float) -> None:
    old, new = old_and_new
    result = compare(old, new, ["財布を落としました", "市役所は何時まで開いていますか"], threshold)
    assert result.baseline == old.version
    assert result.changes == (  # the logged question first, then the old FAQ's own wordings it took
        Change("財布を落としました", LOST_CARD, CAPTURED),
        Change("マイナカードを落とした", LOST_CARD, CAPTURED),
        Change("財布ごとマイナンバーカードをなくしました", LOST_CARD, CAPTURED),
    )
    assert result.compared == 2 + len(phrasings(old))


def test_the_same_knowledge_changes_nothing(old_and_new: tuple[ServingIndex, ServingIndex], threshold: float) -> None:
    old, _ = old_and_new
    again = versions.load_version(old.directory)
    expected = Comparison(old.version, 1 + len(phrasings(old)), ())
    assert compare(old, again, ["財布を落としました"], threshold) == expected


def test_questions_are_asked_once_and_blanks_skipped(old_and_new: tuple[ServingIndex, ServingIndex],
                                                     threshold: float) -> None:
    old, new = old_and_new
    # the last is also one of the old FAQ's wordings: asked once, where it first comes
    repeated = ["財布を落としました", " 財布を落としました ", "", "  ", "マイナカードを落とした"]
    result = compare(old, new, repeated, threshold)
    assert result.compared == 1 + len(phrasings(old))
    assert [c.question for c in result.changes][:2] == ["財布を落としました", "マイナカードを落とした"]


def test_before_the_first_publish_nothing_is_compared(old_and_new: tuple[ServingIndex, ServingIndex],
                                                      threshold: float) -> None:
    _, new = old_and_new
    assert compare(None, new, ["財布を落としました"], threshold) == Comparison(None, 0, ())


@pytest.mark.parametrize("question", [
    "財布を落としました",
    "マイナンバーカードを申請したい",
    "児童扶養手当はいくらですか",  # names a matter no FAQ here covers: the fallback, whatever the top hit
    "今日の天気は",
    "",
])
def test_the_comparison_decides_as_the_reply_does(old_and_new: tuple[ServingIndex, ServingIndex], threshold: float,
                                                  question: str) -> None:
    """What staff are told changes is what citizens see change: both come from `decide`."""
    for index in old_and_new:
        reply = respond(index, question, threshold=threshold, suggest_threshold=threshold)
        assert decide(index, question, threshold).faq_id == (reply.faq.id if reply.faq else None)


def test_a_topic_no_faq_covers_vetoes_a_confident_top_hit(old_and_new: tuple[ServingIndex, ServingIndex]) -> None:
    _, new = old_and_new
    decision = decide(new, "児童扶養手当はいくらですか", threshold=0.0)  # any hit would do
    assert decision.topic is not None and not decision.topic.covered
    assert decision.top is not None and not decision.answered and decision.faq_id is None
    picked = decide(new, "児童扶養手当はいくらですか", threshold=0.0, picked=LOST_CARD)  # a suggestion chosen
    assert picked.answered and picked.faq_id == LOST_CARD and picked.topic is None


def test_a_failing_comparison_never_stops_a_publish(lost_property: LostProperty,
                                                    old_and_new: tuple[ServingIndex, ServingIndex],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> Comparison:
        raise RuntimeError("comparison bug")

    monkeypatch.setattr(publish, "compare", boom)
    _, new = old_and_new
    assert publish._changes(lost_property.settings.index_dir, new, ["財布を落としました"], 0.5) is None
