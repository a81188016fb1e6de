"""Asking the index that serves now: the department of a group of questions, and whether a question
that went unanswered is answered now (so the report drafts no FAQ that already exists)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from chatbot.reports.groups import AnswerCheck, AnsweredNow, DepartmentGuess
from chatbot.search.versions import IndexFailure, ServingIndex, load_current
from chatbot.serving.respond import respond

log = logging.getLogger(__name__)

MAX_GUESS_QUESTIONS = 10  # searches per group when guessing its department


def index_guess(serving: ServingIndex) -> DepartmentGuess:
    """Guess by asking the serving index: the department handling a matter the question names
    (departments.yaml topics, one vote), else the top hit's department, weighted by its confidence."""

    def guess(questions: Sequence[str]) -> str | None:
        votes: Counter[str] = Counter()
        for question in questions[:MAX_GUESS_QUESTIONS]:
            topic = serving.topics.named(question, serving.engine.analyzer.normalize)
            if topic is not None and not topic.outside:  # another organisation's matter: no office to vote for
                votes[topic.department] += 1.0
                continue
            hits = serving.engine.search(question, k=1)
            if hits and hits[0].id in serving.faqs:
                votes[serving.faqs[hits[0].id].department] += hits[0].confidence
        return votes.most_common(1)[0][0] if votes else None

    return guess


def index_answers(serving: ServingIndex, threshold: float) -> AnswerCheck:
    """Whether the serving index answers a question now, exactly as a citizen asking it would be answered
    (`respond`: the top hit at ``threshold``, unless the question names a matter no FAQ covers), or names the
    organisation other than the city that handles it."""

    def answers(question: str) -> AnsweredNow | None:
        reply = respond(serving, question, threshold=threshold, suggest_threshold=threshold)
        if reply.elsewhere is not None:
            return AnsweredNow(reply.elsewhere.key, reply.elsewhere.name, elsewhere=True)
        return AnsweredNow(reply.faq.id, reply.faq.question) if reply.faq is not None else None

    return answers


def load_serving(index_dir: Path) -> ServingIndex | None:
    """The published index; None (and a warning) when there is none: the report works without it."""
    try:
        return load_current(index_dir)
    except IndexFailure as exc:
        log.warning("no serving index: department guesses use the default department and unanswered "
                    "questions are not checked against today's answers: %s", exc)
        return None
