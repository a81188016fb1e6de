"""Answer or fallback: the one rule that decides whether a question gets an FAQ.

The citizen's reply (chatbot.serving.respond) and the comparison a reindex prints
(chatbot.search.compare) both ask this module, so what a reindex says will change is exactly what
citizens will see change: a second copy of the rule could drift and report the wrong answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatbot.core import languages
from chatbot.search import followup
from chatbot.search.engine import Hit
from chatbot.search.foreign import own_analyzer
from chatbot.search.topics import Topic
from chatbot.search.versions import ServingIndex
from chatbot.text.base import JAPANESE_SCRIPT  # kana and kanji: what the main engine reads

# Hits ranked per question: the top one decides, the ones behind it become a reply's suggestions.
# Every caller ranks the same number because a hit's confidence depends on the runner-up's score.
CANDIDATES = 5
# The confidence model was fitted mostly on Japanese questions; a question written in English (whatever
# the widget's language), read on its own, needs this much more to be answered. Tuned on the English dev
# rows of tests/eval/demand*.tsv: their wrong answers sat at confidence 0.54-0.66 (precision 0.848 at the
# plain threshold, 0.972 with the margin).
ENGLISH, ENGLISH_MARGIN = "en", 0.17
ENGLISH_CAP = 0.95  # however high the threshold is set, an English question can still be answered


@dataclass(frozen=True)
class Decision:
    """What one index version makes of one question."""

    hits: tuple[Hit, ...]  # best first
    topic: Topic | None  # the matter the question names (departments.yaml topics), if any
    answered: bool  # the top hit answers it; otherwise the citizen gets the fallback
    subject: str | None = None  # the previous answer's FAQ, when the question was read as its follow-up

    @property
    def top(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    @property
    def faq_id(self) -> str | None:
        """The FAQ the question is answered with; None for the fallback."""
        return self.hits[0].id if self.answered else None


def decide(index: ServingIndex, question: str, threshold: float, picked: str | None = None,
           previous: str | None = None, lang: str | None = None) -> Decision:
    """Answer with the top hit when its confidence reaches ``threshold``, unless the question names a
    matter no published FAQ covers (then the honest fallback beats the nearest FAQ).

    ``picked`` is a suggestion the citizen chose: it was offered for this very question, so it is
    answered outright and no topic can veto it. ``previous`` is the FAQ the conversation is about: a
    question that names no matter of its own (「必要なものは？」) is searched together with its subject.
    A question in a language with its own analyzer goes first to the FAQ translations in that language;
    ``lang`` is detected from the question unless given, as citizens' replies do.
    """
    written = None if lang else languages.detect(question)  # detected once, and only when needed
    lang = lang or written
    normalize = index.engine.analyzer.normalize
    if picked in index.faqs:
        hits = tuple(index.engine.search(question, k=CANDIDATES))
        hits = (Hit(picked, score=float("inf"), confidence=1.0), *(h for h in hits if h.id != picked))
        return Decision(hits, None, True)
    if own_analyzer(lang):
        return _decide_translated(index, question, threshold, lang)
    topic = index.topics.named(question, normalize)
    hits = tuple(index.engine.search(question, k=CANDIDATES))
    subject = index.faqs.get(previous or "") if topic is None else None
    alone = hits[0] if _confident(hits, threshold) else None
    if subject is not None and followup.leans_on(index.engine, question, subject, alone):
        query = followup.with_subject(question, subject)
        joined = followup.own_words_first(index.engine, index.faqs, question, subject,
                                          tuple(index.engine.search(query, k=CANDIDATES)), threshold)
        if joined and followup.keeps_words(index.engine, question, joined[0].id):
            hits, topic = joined, index.topics.named(query, normalize)
        else:
            subject = None
    else:
        subject = None
    english = (subject is None and _confident(hits, threshold)  # written in English, whatever the widget's
               and (written or languages.detect(question)) == ENGLISH)  # language
    needed = min(threshold + ENGLISH_MARGIN, ENGLISH_CAP) if english else threshold
    answered = _confident(hits, needed) and (topic is None or topic.covered)
    return Decision(hits, topic, answered, subject.id if subject else None)


def _decide_translated(index: ServingIndex, question: str, threshold: float, lang: str) -> Decision:
    """The best FAQ translated into ``lang`` when it is close enough and the question names no matter (in
    ``lang``) that no translation mentions; else, for a question holding kanji or kana (a Chinese question,
    a Japanese term copied from a letter), what the main engine makes of them, answered only when confident;
    else the fallback, with the translated FAQs as suggestions. Latin or Hangul text never goes to the main
    engine: its Japanese model reads such words as noise and can be confidently wrong."""
    hits = tuple(index.foreign.search(lang, question, k=CANDIDATES))
    topic = index.foreign.unanswered(lang, question)
    if topic is not None:
        return Decision(hits, topic, False)
    if _confident(hits, threshold):
        return Decision(hits, None, True)
    if not JAPANESE_SCRIPT.search(question):
        return Decision(hits, None, False)
    main = decide(index, question, threshold, lang=languages.DEFAULT)
    return main if main.answered else Decision(hits, None, False)


def _confident(hits: tuple[Hit, ...], threshold: float) -> bool:
    return bool(hits) and hits[0].confidence >= threshold
