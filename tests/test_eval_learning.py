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
