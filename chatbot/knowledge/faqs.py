"""FAQ files: Markdown with a YAML front matter block, one question per file.

When two files clash (the same id, or questions that count as one), the error goes on the file saved
more recently and names the other: that is the copy staff just added, while the older file keeps
serving. Equal modification times (a copy that kept its original's) fall back to the name sorting later.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from chatbot.core.messages import Ref
from chatbot.knowledge.literals import differences
from chatbot.knowledge.model import FAQ, FaqText, Problem
from chatbot.knowledge.problems import (
    Collector,
    as_date,
    child_lines,
    line_of_offset,
    parse_yaml,
    translations,
    valid_url,
)

FAQ_FIELDS_REQUIRED = ("id", "question", "alt_questions", "category", "department", "updated", "status")
FAQ_FIELDS_OPTIONAL = ("tags", "url", "i18n")
TRANSLATED_FIELDS = ("question", "answer")
TRANSLATED_LISTS = ("alt_questions",)  # optional: how speakers of that language phrase the question
TRANSLATED_DATES = ("updated",)  # optional: the Japanese text's date it was translated from
OLD_TRANSLATION_FIELD = "en"  # before translations were keyed by language code under i18n:
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STATUSES = ("published", "draft")


def load_faqs(faq_dir: Path, departments: set[str], problems: list[Problem]) -> list[FAQ]:
    """Every FAQ that can be served, in file name order; a clash leaves out the newer file (module doc)."""
    paths = sorted(faq_dir.rglob("*.md"))
    parsed = [faq for path in paths if (faq := parse_faq_file(path, departments, problems)) is not None]
    kept = _without_clashes(parsed, lambda f: f.id, "id", "duplicate_id", problems)
    return _without_clashes(kept, lambda f: question_key(f.question), "question", "duplicate_question", problems)


def _without_clashes(faqs: list[FAQ], key: Callable[[FAQ], str], field: str, code: str,
                     problems: list[Problem]) -> list[FAQ]:
    """``faqs`` less every one whose ``key`` an older file already has, each reported with that file."""
    first: dict[str, FAQ] = {}
    for faq in sorted(faqs, key=_age):
        first.setdefault(key(faq), faq)
    kept = []
    for faq in faqs:
        original = first[key(faq)]
        if original is faq:
            kept.append(faq)
        elif faq.path is not None:
            value = faq.id if field == "id" else faq.question
            Collector(problems, faq.path).error(_field_line(faq.path, field), code, value=value, other=original.path)
    return kept


def _age(faq: FAQ) -> tuple[int, str]:
    """Oldest first: by modification time, then by path (a copy may keep its original's time)."""
    path = faq.path or Path()
    try:
        modified = path.stat().st_mtime_ns
    except OSError:
        modified = 0
    return modified, str(path)


def _field_line(path: Path, field: str) -> int:
    """Line of ``field:`` in the front matter (files read fine a moment ago; 2 if it moved since)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return 2
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            break
        if re.match(rf"{field}\s*:", line):
            return number
    return 2


def question_key(question: str) -> str:
    """Questions differing only in width, case, spaces or punctuation count as one."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", question).casefold())


def parse_faq_file(path: Path, departments: set[str], problems: list[Problem]) -> FAQ | None:
    """Parse one FAQ file; ``None`` (with problems recorded) when it cannot be served."""
    out = Collector(problems, path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        out.error(line_of_offset(path.read_bytes(), exc.start), "non_utf8")
        return None
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        out.error(1, "no_front_matter")
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        out.error(1, "no_front_matter")
        return None
    header = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1:]).strip()
    errors_before = out.errors
    parsed = parse_yaml(header, first_line=2, out=out)
    data, node = parsed if parsed is not None else (None, None)
    if parsed is not None and not (isinstance(data, dict) and isinstance(node, yaml.MappingNode)):
        out.error(2, "not_mapping")
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        if not body:  # the body does not depend on the header: report it in the same run
            out.error(end + 2, "empty_answer")
        return None
    key_lines = {k.value: k.start_mark.line + 2 for k, _ in node.value}
    key_lines.update({f"i18n.{code}": n for code, n in child_lines(node, "i18n", first_line=2).items()})
    faq = _faq_from_mapping(data, body, key_lines, end + 2, path, departments, out)
    return faq if out.errors == errors_before else None  # slips repaired to check the rest still count


def _faq_from_mapping(data: dict[str, Any], body: str, key_lines: dict[str, int], body_line: int,
                      path: Path, departments: set[str], out: Collector) -> FAQ | None:
    def line(key: str) -> int:
        return key_lines.get(key, 1)

    errors_before = out.errors
    for name in FAQ_FIELDS_REQUIRED:
        if name not in data:
            out.error(1, "missing_field", field=name)
    for name in data:
        if name == OLD_TRANSLATION_FIELD:
            out.error(line(name), "old_translation_field", field=name)
        elif name not in FAQ_FIELDS_REQUIRED + FAQ_FIELDS_OPTIONAL:
            out.error(line(str(name)), "unknown_field", field=name)

    def string(name: str) -> str:
        value = data.get(name)
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            out.error(line(name), "bad_type", field=name, expected=Ref("fragment_nonempty_string"))
            return ""
        return value.strip()

    def string_list(name: str) -> tuple[str, ...]:
        value = data.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            out.error(line(name), "bad_type", field=name, expected=Ref("fragment_string_list"))
            return ()
        return tuple(v.strip() for v in value)

    faq_id = string("id")
    if faq_id and not ID_PATTERN.match(faq_id):
        out.error(line("id"), "bad_id", value=faq_id)
    if faq_id and faq_id != path.stem:  # an error: ids are how staff find the file, and drafts are named by id
        out.error(line("id"), "id_filename_mismatch", value=faq_id, stem=path.stem)
    question = string("question")
    alts = string_list("alt_questions")
    if "alt_questions" in data and len(alts) < 2:
        out.warning(line("alt_questions"), "few_alt_questions")
    category = string("category")
    if category and category != path.parent.name:
        out.warning(line("category"), "category_mismatch", value=category, folder=path.parent.name)
    department = string("department")
    if department and department not in departments:
        out.error(line("department"), "unknown_department", value=department)
    status = data.get("status", "published")
    if status not in STATUSES:
        out.error(line("status"), "bad_status", value=status)
    updated = as_date(data.get("updated"))
    if "updated" in data and updated is None:
        out.error(line("updated"), "bad_date", value=data.get("updated"))
    url = data.get("url")
    if url is not None and not valid_url(url):
        out.error(line("url"), "bad_url", value=url)
    tags = string_list("tags")
    texts = {}
    if "i18n" in data:
        lines = {key.removeprefix("i18n."): n for key, n in key_lines.items() if key.startswith("i18n.")}
        texts = translations(data["i18n"], TRANSLATED_FIELDS, line("i18n"), out, TRANSLATED_LISTS, TRANSLATED_DATES,
                             lines)
        _check_translations(texts, body, updated, lines, out)
    if not body:
        out.error(body_line, "empty_answer")
    if out.errors > errors_before:
        return None
    return FAQ(id=faq_id, question=question, alt_questions=alts, category=category, department=department,
               answer=body, updated=updated or dt.date.min, status=status, tags=tags, url=url,
               translations={code: FaqText(**text) for code, text in texts.items()}, path=path)


def _check_translations(texts: dict[str, dict[str, Any]], body: str, updated: dt.date | None,
                        lines: dict[str, int], out: Collector) -> None:
    """Warn where a translation may no longer say what the Japanese says: translated from an older version
    (its ``updated`` before the FAQ's, or none given), or numbers and URLs that differ (a dropped phone
    number, an invented fee). Warnings, not errors: the translation keeps serving while staff check it."""
    for code, text in texts.items():
        if text["updated"] is None:
            out.warning(lines.get(code, 1), "translation_undated", language=code)
        elif updated is not None and text["updated"] < updated:
            out.warning(lines.get(code, 1), "translation_outdated", language=code, translated=text["updated"],
                        updated=updated)
        missing, extra = differences(body, text["answer"], code)
        if missing or extra:
            out.warning(lines.get(code, 1), "translation_literals", language=code, missing=", ".join(missing) or "-",
                        extra=", ".join(extra) or "-")
