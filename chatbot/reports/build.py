"""The report's figures, computed from the conversation log and the knowledge base alone (pure)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from chatbot.core import messages
from chatbot.knowledge import FAQ, KnowledgeBase
from chatbot.reports.groups import AnswerCheck, DepartmentGuess, QuestionGroup, department_of, question_groups
from chatbot.serving.reply import TALK_KINDS
from chatbot.store.log import Turn
from chatbot.text import analyzer as make_analyzer


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    answered: int
    fallback: int

    @property
    def total(self) -> int:
        return self.answered + self.fallback

    @property
    def fallback_rate(self) -> float:
        return self.fallback / self.total if self.total else 0.0


@dataclass(frozen=True)
class FaqStat:
    faq_id: str
    question: str | None  # None when the FAQ is no longer in the knowledge base
    department: str | None
    hits: int
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class FaqRef:
    faq_id: str
    question: str
    department: str
    updated: dt.date


@dataclass(frozen=True)
class Report:
    generated: dt.datetime
    stale_days: int
    days: tuple[DayCount, ...]
    unanswered: tuple[QuestionGroup, ...]
    unhelpful: tuple[QuestionGroup, ...]
    departments: tuple[tuple[str | None, int], ...]  # department key (None = unknown FAQ), answers
    faqs: tuple[FaqStat, ...]
    never_hit: tuple[FaqRef, ...]
    stale: tuple[FaqRef, ...]
    department_names: dict[str, str]
    talk: tuple[tuple[str, int], ...]  # small talk by kind (greeting, thanks...), in catalogue order; not questions
    # Rated turns of the period, answers and fallbacks alike (the 👎 section counts the same turns, and
    # /metrics counts 👎 requests): a citizen's 👎 on "we could not answer" is a rating too.
    helpful: int
    not_helpful: int

    @property
    def answered(self) -> int:
        return sum(d.answered for d in self.days)

    @property
    def fallback(self) -> int:
        return sum(d.fallback for d in self.days)

    def department_name(self, key: str | None) -> str:
        return self.department_names.get(key or "", messages.text("report_unknown"))


def build_report(turns: Sequence[Turn], kb: KnowledgeBase, now: dt.datetime, stale_days: int,
                 guess_department: DepartmentGuess | None = None, start: dt.datetime | None = None,
                 answers_now: AnswerCheck | None = None) -> Report:
    """Everything staff look at, computed from the log and the knowledge base alone.

    With ``answers_now`` (the serving index's answer to a question) unanswered groups whose
    representative question is answered now are marked so: their FAQ exists already.
    """
    analyzer = make_analyzer(kb.synonyms)
    fallbacks = [t for t in turns if t.outcome == "fallback"]
    unanswered = question_groups(fallbacks, kb, analyzer, guess_department)
    if answers_now is not None:
        unanswered = tuple(replace(g, answered_now=answers_now(g.representative)) for g in unanswered)
    unhelpful = [t for t in turns if t.helpful is False]
    answered = [t for t in turns if t.outcome == "answer" and t.faq_id]
    hit_ids = {t.faq_id for t in answered}
    cutoff = now.date() - dt.timedelta(days=stale_days)
    return Report(
        generated=now,
        stale_days=stale_days,
        days=daily_counts(turns, now, start),
        unanswered=unanswered,
        unhelpful=question_groups(unhelpful, kb, analyzer, guess_department),
        departments=tuple(Counter(department_of(kb.faq(t.faq_id)) for t in answered).most_common()),
        faqs=faq_stats(turns, kb),
        never_hit=tuple(_ref(f) for f in kb.published if f.id not in hit_ids),
        stale=tuple(_ref(f) for f in sorted(kb.published, key=lambda f: f.updated) if f.updated < cutoff),
        department_names={key: d.name for key, d in kb.departments.items()},
        talk=tuple((kind, n) for kind in TALK_KINDS if (n := sum(t.outcome == kind for t in turns))),
        helpful=sum(t.helpful is True for t in turns),
        not_helpful=len(unhelpful),
    )


def _ref(faq: FAQ) -> FaqRef:
    return FaqRef(faq.id, faq.question, faq.department, faq.updated)


def _local_day(ts: dt.datetime, now: dt.datetime) -> dt.date:
    """The calendar day in the report's time zone (the log stores Tokyo time, but be sure)."""
    return ts.astimezone(now.tzinfo).date() if ts.tzinfo and now.tzinfo else ts.date()


def daily_counts(turns: Sequence[Turn], now: dt.datetime,
                 start: dt.datetime | None = None) -> tuple[DayCount, ...]:
    """One row per day from the start (or first turn) to today, quiet days included as zeros. Small talk
    is no question: a greeting neither answered nor unanswered."""
    answered = Counter(_local_day(t.ts, now) for t in turns if t.outcome == "answer")
    fallback = Counter(_local_day(t.ts, now) for t in turns if t.outcome == "fallback")
    seen = answered.keys() | fallback.keys()
    if start is None and not seen:
        return ()
    first = _local_day(start, now) if start else min(seen)
    last = max([now.date(), *seen])
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return tuple(DayCount(day, answered[day], fallback[day]) for day in days)


def faq_stats(turns: Sequence[Turn], kb: KnowledgeBase) -> tuple[FaqStat, ...]:
    """Per answered FAQ: how often it answered and how it was rated, most used first."""
    hits = Counter(t.faq_id for t in turns if t.outcome == "answer" and t.faq_id)
    good = Counter(t.faq_id for t in turns if t.faq_id and t.helpful is True)
    bad = Counter(t.faq_id for t in turns if t.faq_id and t.helpful is False)
    stats = []
    for faq_id, count in hits.most_common():
        faq = kb.faq(faq_id)
        stats.append(FaqStat(faq_id, faq.question if faq else None, department_of(faq), count,
                             good[faq_id], bad[faq_id]))
    return tuple(stats)
