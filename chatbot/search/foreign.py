"""Questions in the languages with their own analyzer, matched against the FAQ translations in that language.

The main engine's channels (Sudachi words, katakana readings, a Japanese embedding) say nothing about
Korean or Nepali text, so each of these languages gets a small index of its own: TF-IDF over its analyzer's
tokens (chatbot.text.foreign), the question side (translated question and alt questions, the best one
counting) weighed more than the answer. A few dozen translated FAQs per language make this instant to build,
so it is built when a version loads, never stored. Three fields count: the best single question (an alt
question that says it just so), all questions as one text (words spread over several phrasings) and the
answer.

The score is cosine similarity, with one difference: query words no translation uses still count in the
question's length, as rare words. A Vietnamese question about the weather shares only "tôi muốn biết" with
the FAQs; without this its few known words would look like a perfect match. Confidence is the score scaled
so that the score chosen on the dev rows for answering reads as 0.5, the service's default answer threshold:
raising `CHATBOT_ANSWER_THRESHOLD` asks more of these languages too.

Departments' topics in these languages (departments.yaml, ``i18n: {pt: {topics: [...]}}``) work as the
Japanese ones do (chatbot.search.topics): a question naming one that no translated FAQ mentions gets the
honest fallback with that department, instead of the FAQ whose other words happen to match ("what do I
bring" of a visa renewal meeting the residence-record FAQ).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from chatbot.core import languages, settings
from chatbot.knowledge import FAQ, Department, FaqText
from chatbot.search.engine import Hit
from chatbot.search.topics import Topic
from chatbot.text import Analyzer, analyzer

# Chosen on tests/eval/multilingual_dev.tsv and multilingual_dev2.tsv (docs/retrieval.md, "Other languages"):
ANSWER_AT = 0.10  # the score from which the top translation answers at the default threshold (confidence 0.5)
# Nepali tokens include each word's romanisation and its trigrams, which unrelated texts share more often
# (नजिकै … कहाँ छ? met the FAQ on the nearest shelter): its answers need a higher score. Chosen on the Nepali
# rows of tests/eval/multilingual_dev*.tsv.
ANSWER_AT_BY_LANGUAGE = {"ne": 0.125}
BEST_QUESTION_WEIGHT = 0.2  # the score's shares: the best question and alt question,
QUESTIONS_WEIGHT = 0.5  # all of them as one text,
ANSWER_WEIGHT = 0.3  # and the answer
UNKNOWN_WEIGHT = 2.0  # weight of a word no translation uses, relative to the rarest known word's
# the confidence ANSWER_AT maps to: the settings table's default answer threshold
DEFAULT_THRESHOLD = float(next(s.default for s in settings.SETTINGS if s.name == "ANSWER_THRESHOLD"))


def own_analyzer(lang: str) -> bool:
    """Whether ``lang``'s questions go through this index rather than the main engine."""
    return languages.LANGUAGES[lang].analyzer != languages.LANGUAGES[languages.DEFAULT].analyzer


@dataclass(frozen=True)
class _Language:
    analyzer: Analyzer
    vectorizer: TfidfVectorizer
    faq_ids: tuple[str, ...]
    questions: Any  # sparse, one row per question and alt question, l2-normalised (rows of `owners`)
    owners: np.ndarray  # index into faq_ids of each question row
    joined: Any  # sparse, one row per FAQ: its questions as one text, l2-normalised
    answers: Any  # sparse, one row per FAQ, l2-normalised
    unknown: float  # weight of a word the vocabulary lacks
    topics: tuple[tuple[frozenset[str], Topic], ...] = ()  # each topic's tokens, most tokens first


class ForeignIndex:
    """One small index per language with its own analyzer and at least one translated FAQ."""

    def __init__(self, faqs: Sequence[FAQ], departments: Sequence[Department] = (),
                 elsewhere: Sequence[Department] = ()):
        """``elsewhere``: organisations other than the city, whose topics no FAQ answers."""
        self._languages: dict[str, _Language] = {}
        for code in languages.CODES:
            rows = [(faq.id, faq.translations[code]) for faq in faqs if code in faq.translations]
            if own_analyzer(code) and rows:
                self._languages[code] = _build(analyzer(lang=code), rows, code, departments, elsewhere)

    def unanswered(self, lang: str, question: str) -> Topic | None:
        """The topic (in ``lang``) the question names that no FAQ translated into ``lang`` mentions."""
        index = self._languages.get(lang)
        if index is None:
            return None
        tokens = set(index.analyzer.tokens(question))
        named = next(((words, topic) for words, topic in index.topics if words <= tokens), None)
        if named is not None and named[1].outside:  # a city matter named besides is the city's (chatbot.search.topics)
            rest = tokens - named[0]
            named = next(((words, topic) for words, topic in index.topics
                          if not topic.outside and words <= rest), named)
        return named[1] if named is not None and not named[1].covered else None

    def search(self, lang: str, question: str, k: int) -> list[Hit]:
        """The ``k`` best translated FAQs for ``question``, best first; empty for a language with none."""
        index = self._languages.get(lang)
        if index is None:
            return []
        tokens = index.analyzer.tokens(question)
        query = index.vectorizer.transform([tokens])
        vocabulary = index.vectorizer.vocabulary_
        unknown = sum(1 for token in set(tokens) if token not in vocabulary)
        length = np.sqrt(query.multiply(query).sum() + unknown * index.unknown ** 2)
        if length == 0:
            return []
        by_question = (index.questions @ query.T).toarray().ravel() / length
        best = np.zeros(len(index.faq_ids))
        np.maximum.at(best, index.owners, by_question)
        joined = (index.joined @ query.T).toarray().ravel() / length
        answer = (index.answers @ query.T).toarray().ravel() / length
        scores = BEST_QUESTION_WEIGHT * best + QUESTIONS_WEIGHT * joined + ANSWER_WEIGHT * answer
        order = np.argsort(-scores, kind="stable")[:k]
        scale = DEFAULT_THRESHOLD / ANSWER_AT_BY_LANGUAGE.get(lang, ANSWER_AT)
        return [Hit(index.faq_ids[i], float(scores[i]), float(np.clip(scores[i] * scale, 0.0, 1.0)))
                for i in order if scores[i] > 0]


def _build(lang_analyzer: Analyzer, rows: list[tuple[str, FaqText]], lang: str,
           departments: Sequence[Department], elsewhere: Sequence[Department]) -> _Language:
    faq_ids = tuple(faq_id for faq_id, _ in rows)
    questions: list[tuple[str, ...]] = []
    owners, joined = [], []
    for n, (_, text) in enumerate(rows):
        mine = [lang_analyzer.tokens(q) for q in (text.question, *text.alt_questions)]
        questions += mine
        owners += [n] * len(mine)
        joined.append(tuple(token for tokens in mine for token in tokens))
    answers = [lang_analyzer.tokens(text.answer) for _, text in rows]
    # Token lists in, so the vectorizer neither splits nor lowercases again (the analyzer did).
    vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True, norm=None)
    vectorizer.fit(questions + answers)
    return _Language(
        analyzer=lang_analyzer,
        vectorizer=vectorizer,
        faq_ids=faq_ids,
        questions=normalize(vectorizer.transform(questions)),
        owners=np.asarray(owners),
        joined=normalize(vectorizer.transform(joined)),
        answers=normalize(vectorizer.transform(answers)),
        unknown=UNKNOWN_WEIGHT * float(vectorizer.idf_.max()),
        topics=_topics(lang_analyzer, lang, departments, elsewhere,
                       [set(lang_analyzer.tokens(f"{text.question}\n{text.answer}")) for _, text in rows]),
    )


def _topics(lang_analyzer: Analyzer, lang: str, departments: Sequence[Department], elsewhere: Sequence[Department],
            texts: list[set[str]]) -> tuple[tuple[frozenset[str], Topic], ...]:
    """A topic is covered when one translation's question and answer hold all its tokens. Not its alt
    questions: they give the asker's situation ("a juminhyo for my visa renewal"), not what the FAQ answers.
    Another organisation's topic never is."""
    found = []
    for department, outside in [*((d, False) for d in departments), *((d, True) for d in elsewhere)]:
        for word in department.foreign_topics.get(lang, ()):
            words = frozenset(lang_analyzer.tokens(word))
            if words:
                covered = not outside and any(words <= text for text in texts)
                found.append((words, Topic(word, department.key, " ".join(sorted(words)), "", covered, outside)))
    return tuple(sorted(found, key=lambda pair: -len(pair[0])))

