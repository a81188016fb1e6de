"""What a new index version changes: the questions it answers differently from the version serving.

A new FAQ can quietly capture questions another FAQ answered (its alt_questions are close to theirs),
and an edit can push a common question below the threshold. Neither fails a smoke test unless someone
thought to write that question down, so a reindex replays the questions citizens actually asked, the
smoke questions and every published phrasing on both versions, and staff see what moves before it is
too late to wonder why.

Pure: both versions and the questions are passed in (the command line reads the conversation log).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chatbot.search.decision import decide
from chatbot.search.versions import ServingIndex


@dataclass(frozen=True)
class Change:
    """One question whose outcome differs between the two versions."""

    question: str
    old: str | None  # the FAQ id the serving version answers with; None = fallback
    new: str | None  # the same for the new version


@dataclass(frozen=True)
class Comparison:
    """How the new version answers the questions compared, against the version serving before it."""

    baseline: str | None  # the version compared with; None when none was serving (nothing compared)
    compared: int  # distinct questions asked of both versions
    changes: tuple[Change, ...]  # in the order the questions came in (most asked first, as the caller gives)


def phrasings(index: ServingIndex) -> list[str]:
    """The question and alt_questions of every published FAQ: the wordings staff vouched for."""
    return [q for faq in index.kb.published for q in (faq.question, *faq.alt_questions)]


def compare(old: ServingIndex | None, new: ServingIndex, asked: Iterable[str], threshold: float) -> Comparison:
    """Ask both versions ``asked`` and then every phrasing of ``old``'s FAQs, and keep the questions whose
    outcome (the FAQ answered, or the fallback) differs.

    Parameters
    ----------
    old
        The version serving now; None before the first publish (the result then compares nothing).
    new
        The version about to be published.
    asked
        Questions to replay first, most important first (the log's most frequent, the smoke questions);
        duplicates and blanks are dropped.
    threshold
        CHATBOT_ANSWER_THRESHOLD, the same for both, so only the knowledge and the model differ.
    """
    if old is None:
        return Comparison(None, 0, ())
    questions = list(dict.fromkeys(q.strip() for q in (*asked, *phrasings(old)) if q.strip()))
    changes = []
    for question in questions:
        before, after = decide(old, question, threshold).faq_id, decide(new, question, threshold).faq_id
        if before != after:
            changes.append(Change(question, before, after))
    return Comparison(old.version, len(questions), tuple(changes))
