"""The report as a page (a Jinja template, headings from the message catalogue) and as one CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import cache

import jinja2

from chatbot.core import languages, messages
from chatbot.reports.build import Report
from chatbot.reports.groups import AnsweredNow


def both(key: str, **values: object) -> str:
    """A heading in each staff language, the first with the others in parentheses."""
    first, *others = (messages.text(key, lang, **values) for lang in languages.STAFF)
    return first + "".join(f" ({other})" for other in others)


def pct(value: float) -> str:
    return f"{value * 100:.1f}%"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("chatbot.reports"), autoescape=True,
                             extensions=["jinja2.ext.do"], undefined=jinja2.StrictUndefined)
    env.globals.update(both=both, text=messages.text, pct=pct, answered_now_text=answered_now_text)
    return env


def render_html(report: Report) -> str:
    """One self-contained page (no scripts, no external files) staff can open from disk or mail."""
    return _environment().get_template("report.html").render(report=report)


CSV_COLUMNS = ("section", "date", "group", "id", "question", "department", "department_name", "count",
               "answered", "fallback", "fallback_rate", "helpful", "not_helpful", "updated")


def csv_rows(report: Report) -> list[dict[str, object]]:
    """Every section as flat rows keyed by ``CSV_COLUMNS``; the ``section`` column tells them apart."""
    name = report.department_name
    rows: list[dict[str, object]] = [
        {"section": "daily", "date": d.day.isoformat(), "count": d.total, "answered": d.answered,
         "fallback": d.fallback, "fallback_rate": f"{d.fallback_rate:.4f}"} for d in report.days]
    for section, groups in (("unanswered", report.unanswered), ("unhelpful", report.unhelpful)):
        for number, g in enumerate(groups, start=1):
            rows.append({"section": f"{section}_group", "group": number, "question": g.representative,
                         "department": g.department, "department_name": name(g.department), "count": g.count,
                         "id": " ".join(f for f, _ in g.faqs)})
            if g.answered_now:  # 「現在は…で回答しています」: the FAQ exists already, write none
                rows.append({"section": f"{section}_answered_now", "group": number, "id": g.answered_now.faq_id,
                             "question": answered_now_text(g.answered_now)})
            rows += [{"section": f"{section}_question", "group": number, "question": q, "count": n}
                     for q, n in g.members]
    rows += [{"section": "department", "department": key or "", "department_name": name(key), "count": n}
             for key, n in report.departments]
    rows += [{"section": "talk", "group": kind, "count": n} for kind, n in report.talk]
    rows += [{"section": "faq", "id": f.faq_id, "question": f.question or "",
              "department": f.department or "", "department_name": name(f.department), "count": f.hits,
              "helpful": f.helpful, "not_helpful": f.not_helpful} for f in report.faqs]
    for section, refs in (("never_hit", report.never_hit), ("stale", report.stale)):
        rows += [{"section": section, "id": r.faq_id, "question": r.question, "department": r.department,
                  "department_name": name(r.department), "updated": r.updated.isoformat()} for r in refs]
    return rows


def answered_now_text(now: AnsweredNow) -> str:
    """「現在は「…」で回答しています」, or for a matter another organisation handles, that it is now named."""
    return messages.text("report_elsewhere_now" if now.elsewhere else "report_answered_now", question=now.question)


# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV Injection"): `=`, `+`, `-`,
# `@`, tab and carriage return. Also the full-width ＝＋－＠ a Japanese IME types: Japanese Excel turns them into
# a formula when they are typed into a cell; a quote too many costs one character, a formula too few a link to
# anywhere, so they are quoted without proving how each Excel version reads them from a file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value: object) -> object:
    """A text cell that would start a formula gets a leading ``'``, OWASP's neutraliser.

    Citizens' questions land in the report as they were typed, so ``=HYPERLINK(...)`` would otherwise become a
    live link (or worse) in the staff member's Excel. The quote makes the cell plain text; only text is
    touched, so counts stay numbers (the report computes none that is negative).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def render_csv(report: Report) -> str:
    """One CSV for spreadsheets; starts with a BOM so Excel reads the Japanese as UTF-8, no cell runs a formula."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows({column: csv_cell(value) for column, value in row.items()} for row in csv_rows(report))
    return "\ufeff" + out.getvalue()


RENDERERS: dict[str, Callable[[Report], str]] = {"html": render_html, "csv": render_csv}
