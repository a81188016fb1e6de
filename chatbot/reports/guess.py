"""Guessing the department of a group of questions by asking the index that serves now."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from chatbot.reports.groups import DepartmentGuess
from chatbot.search.versions import IndexFailure, ServingIndex, load_current

log = logging.getLogger(__name__)

MAX_GUESS_QUESTIONS = 10  # searches per group when guessing its department


def index_guess(serving: ServingIndex) -> DepartmentGuess:
    """Guess by asking the serving index: the department handling a matter the question names
    (departments.yaml topics, one vote), else the top hit's department, weighted by its confidence."""

    def guess(questions: Sequence[str]) -> str | None:
        votes: Counter[str] = Counter()
        for question in questions[:MAX_GUESS_QUESTIONS]:
            if topic := serving.topics.named(question, serving.engine.analyzer.normalize):
                votes[topic.department] += 1.0
                continue
            hits = serving.engine.search(question, k=1)
            if hits and hits[0].id in serving.faqs:
                votes[serving.faqs[hits[0].id].department] += hits[0].confidence
        return votes.most_common(1)[0][0] if votes else None

    return guess


def serving_guess(index_dir: Path) -> DepartmentGuess | None:
    """A guess through the published index; None (and a warning) when there is none."""
    try:
        return index_guess(load_current(index_dir))
    except IndexFailure as exc:
        log.warning("no serving index, department guesses use the default department: %s", exc)
        return None
