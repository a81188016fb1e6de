"""Answer or fallback: the one rule that decides whether a question gets an FAQ.

The citizen's reply (chatbot.serving.respond) and the comparison a reindex prints
(chatbot.search.compare) both ask this module, so what a reindex says will change is exactly what
citizens will see change: a second copy of the rule could drift and report the wrong answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatbot.search.engine import Hit
from chatbot.search.topics import Topic
from chatbot.search.versions import ServingIndex

# Hits ranked per question: the top one decides, the ones behind it become a reply's suggestions.
# Every caller ranks the same number because a hit's confidence depends on the runner-up's score.
CANDIDATES = 5


@dataclass(frozen=True)
class Decision:
    """What one index version makes of one question."""

    hits: tuple[Hit, ...]  # best first
    topic: Topic | None  # the matter the question names (departments.yaml topics), if any
    answered: bool  # the top hit answers it; otherwise the citizen gets the fallback

    @property
    def top(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    @property
    def faq_id(self) -> str | None:
        """The FAQ the question is answered with; None for the fallback."""
        return self.hits[0].id if self.answered else None


def decide(index: ServingIndex, question: str, threshold: float, picked: str | None = None) -> Decision:
    """Answer with the top hit when its confidence reaches ``threshold``, unless the question names a
    matter no published FAQ covers (then the honest fallback beats the nearest FAQ).

    ``picked`` is a suggestion the citizen chose: it was offered for this very question, so it is
    answered outright and no topic can veto it.
    """
    hits = tuple(index.engine.search(question, k=CANDIDATES))
    topic = None
    if picked in index.faqs:
        hits = (Hit(picked, score=float("inf"), confidence=1.0), *(h for h in hits if h.id != picked))
    else:
        topic = index.topics.named(question, index.engine.analyzer.normalize)
    top = hits[0] if hits else None
    answered = top is not None and top.confidence >= threshold and (topic is None or topic.covered)
    return Decision(hits, topic, answered)
