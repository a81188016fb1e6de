"""Draft FAQ files for the biggest groups of unanswered questions, for staff to finish and publish."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import yaml

from chatbot.core import messages
from chatbot.knowledge import KnowledgeBase, question_key
from chatbot.reports.build import Report
from chatbot.reports.groups import DepartmentGuess, QuestionGroup, group_department

MAX_ALT_QUESTIONS = 10  # a draft with more variants than this is harder to review than to extend
DRAFT_CATEGORY = "drafts"


def draft_text(group: QuestionGroup, department: str, today: dt.date, faq_id: str) -> str:
    """A draft FAQ file that passes validation as a draft and tells staff what is left to write.

    The body lists every grouped question with how often it was asked: a group asked in one wording
    has no alt_questions to show, and the counts say which wordings matter most.
    """
    alts = [q for q, _ in group.members if question_key(q) != question_key(group.representative)]
    header = {"id": faq_id, "question": group.representative, "alt_questions": alts[:MAX_ALT_QUESTIONS],
              "category": DRAFT_CATEGORY, "department": department, "tags": [], "updated": today,
              "status": "draft"}
    front = yaml.safe_dump(header, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
    asked = "\n".join(f"- {question} ×{count}" for question, count in group.members)
    return (f"---\n{front}---\n{messages.text('report_draft_body', count=group.count)}\n\n"
            f"{messages.text('report_draft_asked')}\n\n{asked}\n")


def draft_faqs(report: Report, kb: KnowledgeBase, directory: Path, min_count: int = 3,
               guess_department: DepartmentGuess | None = None) -> list[Path]:
    """Write one draft per unanswered group asked at least ``min_count`` times; never overwrites.

    Groups whose representative question already is an FAQ's question (e.g. a draft from an
    earlier run) are skipped, since a second file would fail validation as a duplicate; so are
    groups the serving index answers now (``answered_now``): their FAQ exists already.
    Without ``guess_department`` the department guessed when the report was built is used.
    """
    taken = {question_key(f.question) for f in kb.faqs}
    ids = _free_draft_ids(directory / DRAFT_CATEGORY, report.generated.date(), {f.id for f in kb.faqs})
    written: list[Path] = []
    for group in report.unanswered:
        if group.count < min_count or group.answered_now or question_key(group.representative) in taken:
            continue
        department = (group_department([q for q, _ in group.members], Counter(dict(group.faqs)), kb,
                                       guess_department) if guess_department else group.department)
        written.append(write_draft(group, department, report.generated.date(), directory, next(ids)))
    return written


def draft_for(group: QuestionGroup, kb: KnowledgeBase, directory: Path, today: dt.date) -> Path:
    """One draft for ``group`` (the staff console's "new FAQ"), under the first free draft id."""
    faq_id = next(_free_draft_ids(directory / DRAFT_CATEGORY, today, {f.id for f in kb.faqs}))
    return write_draft(group, group.department, today, directory, faq_id)


def write_draft(group: QuestionGroup, department: str, today: dt.date, directory: Path, faq_id: str) -> Path:
    folder = directory / DRAFT_CATEGORY
    path = folder / f"{faq_id}.md"
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as fh:  # never overwrites
        fh.write(draft_text(group, department, today, faq_id))
    return path


def _free_draft_ids(folder: Path, today: dt.date, taken_ids: set[str]) -> Iterator[str]:
    """``draft-YYYYMMDD-n`` ids used neither by an FAQ nor by a file in ``folder``."""
    for number in itertools.count(1):
        faq_id = f"draft-{today:%Y%m%d}-{number}"
        if faq_id not in taken_ids and not (folder / f"{faq_id}.md").exists():
            yield faq_id
