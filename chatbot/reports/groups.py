"""Grouping questions by similarity, so staff see one line per missing topic instead of a long list.

「粗大ごみの出し方」「そだいごみ」… are one group; the biggest groups are what to write next. Pure: the
analyzer and the department guess are passed in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from chatbot.knowledge import FAQ, KnowledgeBase, question_key
from chatbot.store.log import Turn
from chatbot.text import Analyzer, to_katakana

# Average cosine similarity (token + reading-bigram TF-IDF) at which two groups of questions merge.
# Chosen on hand-made near-duplicates: wordings of one topic score about 0.25–0.6 with each other,
# different topics (粗大ごみ vs ごみの分別) below 0.2.
GROUP_THRESHOLD = 0.25

# Questions → a departments.yaml key, or None when there is nothing to go on.
DepartmentGuess = Callable[[Sequence[str]], str | None]


@dataclass(frozen=True)
class AnsweredNow:
    """The FAQ with which the index serving now answers a question that went unanswered when asked, or the
    organisation other than the city it now names (``elsewhere``: departments.yaml ``elsewhere:``, key and
    name): either way no FAQ needs writing."""

    faq_id: str
    question: str
    elsewhere: bool = False


# A question → the FAQ that answers it now, or None when it would still go unanswered.
AnswerCheck = Callable[[str], AnsweredNow | None]


@dataclass(frozen=True)
class QuestionGroup:
    """Near-duplicate questions standing for one topic the FAQs do not cover (well)."""

    representative: str
    count: int
    members: tuple[tuple[str, int], ...]  # distinct questions with how often each was asked, most first
    department: str
    faqs: tuple[tuple[str, int], ...] = ()  # FAQs that answered them (👎 groups), most first
    comments: tuple[str, ...] = ()
    answered_now: AnsweredNow | None = None  # unanswered then, answered by the index serving now: no draft


def question_groups(turns: Sequence[Turn], kb: KnowledgeBase, analyzer: Analyzer,
                    guess_department: DepartmentGuess | None = None) -> tuple[QuestionGroup, ...]:
    """Group the turns' questions by similarity, biggest group first."""
    by_key: dict[str, list[Turn]] = {}
    for turn in turns:
        by_key.setdefault(question_key(turn.question), []).append(turn)
    keys = sorted(by_key, key=lambda k: -len(by_key[k]))
    if not keys:
        return ()
    texts = [usual_wording([t.question for t in by_key[k]]) for k in keys]
    vectors = tfidf([similarity_features(analyzer, text) for text in texts])
    groups = []
    for members in map(sorted, cluster(vectors, GROUP_THRESHOLD)):  # most asked wording first
        group_turns = [t for m in members for t in by_key[keys[m]]]
        questions = tuple((texts[m], len(by_key[keys[m]])) for m in members)
        centroid = vectors[members].sum(axis=0)
        typical = max(members, key=lambda m: (len(by_key[keys[m]]), float(vectors[m] @ centroid)))
        faqs = Counter(t.faq_id for t in group_turns if t.faq_id)
        department = group_department([q for q, _ in questions], faqs, kb, guess_department)
        comments = tuple(dict.fromkeys(t.comment for t in group_turns if t.comment))
        groups.append(QuestionGroup(texts[typical], len(group_turns), questions, department,
                                    tuple(faqs.most_common()), comments))
    return tuple(sorted(groups, key=lambda g: -g.count))


def usual_wording(questions: Sequence[str]) -> str:
    """The most asked of equivalent wordings; the shortest on a tie (usually without stray punctuation)."""
    return min(Counter(questions).items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]


def similarity_features(analyzer: Analyzer, text: str) -> list[str]:
    """Kana-folded content words plus reading bigrams, so そだいごみ meets 粗大ゴミ in any word order."""
    analysis = analyzer.analyze(text)
    words = [f"w:{to_katakana(token)}" for token in analysis.tokens]
    return words + [f"r:{gram}" for gram in analysis.readings]


def tfidf(documents: Sequence[Sequence[str]]) -> np.ndarray:
    """L2-normalised TF-IDF rows; smoothed idf so a feature shared by all still counts a little."""
    vocabulary = {feature: i for i, feature in enumerate(dict.fromkeys(f for doc in documents for f in doc))}
    counts = np.zeros((len(documents), len(vocabulary)))
    for row, doc in enumerate(documents):
        for feature in doc:
            counts[row, vocabulary[feature]] += 1
    df = (counts > 0).sum(axis=0)
    weights = np.log1p(counts) * (np.log((1 + len(documents)) / (1 + df)) + 1)
    norms = np.linalg.norm(weights, axis=1, keepdims=True)
    return weights / np.where(norms == 0, 1, norms)


def cluster(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage agglomerative clustering over cosine similarity, most similar groups merged first.

    Unlike a greedy pass the result does not depend on the order questions arrive in, and unlike
    single linkage it does not chain loosely related questions into one topic.
    """
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    groups = {row: [row] for row in range(len(vectors))}
    while len(groups) > 1:
        i, j = sorted(np.unravel_index(int(np.argmax(similarity)), similarity.shape))
        if similarity[i, j] < threshold:
            break
        n_i, n_j = len(groups[i]), len(groups[j])
        similarity[i] = similarity[:, i] = (n_i * similarity[i] + n_j * similarity[j]) / (n_i + n_j)
        similarity[i, i] = -np.inf
        similarity[j] = similarity[:, j] = -np.inf
        groups[i] += groups.pop(j)
    return list(groups.values())


def group_department(questions: Sequence[str], faqs: Counter[str], kb: KnowledgeBase,
                     guess_department: DepartmentGuess | None) -> str:
    """The answering FAQs' department, else the guess, else the main switchboard."""
    answered: Counter[str] = Counter()
    for faq_id, n in faqs.items():
        if department := department_of(kb.faq(faq_id)):
            answered[department] += n
    if answered:
        return answered.most_common(1)[0][0]
    guessed = guess_department(questions) if guess_department else None
    return guessed if guessed in kb.departments else kb.default_department


def department_of(faq: FAQ | None) -> str | None:
    return faq.department if faq else None
