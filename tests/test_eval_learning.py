"""scripts/eval_learning.py teaches only dev queries (even ids), only to FAQs relevant enough: the test queries
it is scored on are never taught."""

from __future__ import annotations

import importlib.util
import sys

from chatbot.search.engine import Document
from tests.helpers import REPO

sys.path.insert(0, str(REPO / "scripts"))
spec = importlib.util.spec_from_file_location("eval_learning", REPO / "scripts" / "eval_learning.py")
eval_learning = importlib.util.module_from_spec(spec)
spec.loader.exec_module(eval_learning)


def test_only_dev_queries_are_taught_to_relevant_faqs() -> None:
    docs = [Document("a", "Aの質問", "Aの答え", ("Aの言い換え",)), Document("b", "Bの質問", "Bの答え")]
    queries = {"0": "dev query", "1": "test query", "2": "another dev query"}
    qrels = {"0": {"a": 2, "b": 1}, "1": {"a": 2}, "2": {"b": 2}}
    learned, added = eval_learning.taught(docs, queries, qrels, grade=2)
    assert added == 2
    assert learned[0].alt_questions == ("Aの言い換え", "dev query")
    assert learned[1].alt_questions == ("another dev query",)
    assert eval_learning.taught(docs, queries, qrels, grade=1)[1] == 3  # b is somewhat relevant to query 0


def test_only_dev_demand_rows_the_bot_missed_are_taught_to_an_faq_that_answers_them() -> None:
    import eval_kb

    from chatbot.knowledge import load_knowledge

    kb, _ = load_knowledge(REPO / "knowledge")
    card = kb.faq("mynumber-card-lost")

    def judged(number: int, topic: str, faq_id: str | None, right: bool, covered: bool) -> eval_kb.Judged:
        row = eval_kb.DemandRow("demand", number, f"q{number}", frozenset({card.department}), eval_kb._topic(topic),
                                "city", "plain")
        return eval_kb.Judged(row, faq_id, card.department, right, covered)

    rows = [judged(0, "マイナンバーカード 紛失|なくし", None, False, True),  # dev, fell back: taught
            judged(1, "マイナンバーカード 紛失|なくし", None, False, True),  # test: never taught
            judged(2, "マイナンバーカード 紛失|なくし", card.id, True, True),  # answered right already
            judged(4, "宇宙旅行", None, False, False)]  # no FAQ answers it: nothing to teach
    lessons = eval_learning.demand_lessons(rows, kb.published)
    assert list(lessons.values()) == [["q0"]]
    taught = kb.faq(next(iter(lessons)))
    assert taught.department == card.department and eval_kb.truly_answers(rows[0].row, eval_kb.faq_text(taught))
