"""Making a report: read the log and the knowledge, build, render, write the report and any drafts."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from chatbot.core import messages
from chatbot.knowledge import load_knowledge
from chatbot.knowledge.hours import TOKYO
from chatbot.reports.build import Report, build_report
from chatbot.reports.drafts import draft_faqs
from chatbot.reports.guess import index_answers, index_guess, load_serving
from chatbot.reports.render import RENDERERS
from chatbot.store.log import ConversationLog

SINCE_PATTERN = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
SINCE_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_since(value: str) -> dt.timedelta:
    """``7d``, ``24h``, ``4w`` → a period; a readable error for anything else."""
    match = SINCE_PATTERN.match(value)
    if not match or int(match.group(1)) == 0:
        raise ValueError(messages.text("report_bad_since", value=value))
    return dt.timedelta(**{SINCE_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class RunResult:
    report: Report
    text: str  # the rendered report; the CLI prints it when there is no output file
    drafts: list[Path]


def run(knowledge_dir: Path, index_dir: Path, db_url: str, stale_days: int, since: dt.timedelta, fmt: str = "html",
        output: Path | None = None, draft_dir: Path | None = None, now: dt.datetime | None = None,
        answer_threshold: float | None = None) -> RunResult:
    """Read the log and knowledge, build the report, write it and any drafts.

    Department guesses need the serving index; without one the report still works and groups
    fall back to the default department. With ``answer_threshold`` (CHATBOT_ANSWER_THRESHOLD) the
    serving index is also asked which unanswered questions it answers now: those get no draft.
    """
    if fmt not in RENDERERS:
        raise ValueError(messages.text("report_bad_format", value=fmt))
    now = now or dt.datetime.now(TOKYO)
    start = now - since
    kb, _ = load_knowledge(knowledge_dir)
    turns = ConversationLog(db_url).turns(start)
    serving = load_serving(index_dir)
    guess = index_guess(serving) if serving is not None else None
    answers = None
    if serving is not None and answer_threshold is not None:
        answers = index_answers(serving, answer_threshold)
    report = build_report(turns, kb, now, stale_days, guess_department=guess, start=start, answers_now=answers)
    text = RENDERERS[fmt](report)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8", newline="")
    drafts = draft_faqs(report, kb, draft_dir) if draft_dir is not None else []
    return RunResult(report, text, drafts)
