"""FAQ files: Markdown with a YAML front matter block, one question per file."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from chatbot.core.messages import Ref
from chatbot.knowledge.model import FAQ, FaqText, Problem
from chatbot.knowledge.problems import (
    Collector,
    as_date,
    line_of_offset,
    translations,
    valid_url,
    yaml_error_line,
)

FAQ_FIELDS_REQUIRED = ("id", "question", "alt_questions", "category", "department", "updated", "status")
FAQ_FIELDS_OPTIONAL = ("tags", "url", "i18n")
TRANSLATED_FIELDS = ("question", "answer")
OLD_TRANSLATION_FIELD = "en"  # before translations were keyed by language code under i18n:
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STATUSES = ("published", "draft")


def load_faqs(faq_dir: Path, departments: set[str], problems: list[Problem]) -> list[FAQ]:
    faqs: list[FAQ] = []
    seen_ids: dict[str, Path] = {}
    seen_questions: dict[str, Path] = {}
    for path in sorted(faq_dir.rglob("*.md")):
        faq = parse_faq_file(path, departments, problems)
        if faq is None:
            continue
        out = Collector(problems, path)
        if faq.id in seen_ids:
            out.error(2, "duplicate_id", value=faq.id, other=seen_ids[faq.id])
            continue
        key = question_key(faq.question)
        if key in seen_questions:
            out.error(2, "duplicate_question", value=faq.question, other=seen_questions[key])
            continue
        seen_ids[faq.id] = path
        seen_questions[key] = path
        faqs.append(faq)
    return faqs


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
    try:
        node = yaml.compose(header, Loader=yaml.SafeLoader)
        data = yaml.safe_load(header)
    except yaml.YAMLError as exc:
        out.error(yaml_error_line(exc, first_line=2), "yaml_error", detail=getattr(exc, "problem", None) or str(exc))
        return None
    if not isinstance(data, dict) or node is None:
        out.error(2, "not_mapping")
        return None
    key_lines = {k.value: k.start_mark.line + 2 for k, _ in node.value}
    return _faq_from_mapping(data, body, key_lines, end + 2, path, departments, out)


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
    if faq_id and faq_id != path.stem:
        out.warning(line("id"), "id_filename_mismatch", value=faq_id, stem=path.stem)
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
    texts = translations(data["i18n"], TRANSLATED_FIELDS, line("i18n"), out) if "i18n" in data else {}
    if not body:
        out.error(body_line, "empty_answer")
    if out.errors > errors_before:
        return None
    return FAQ(id=faq_id, question=question, alt_questions=alts, category=category, department=department,
               answer=body, updated=updated or dt.date.min, status=status, tags=tags, url=url,
               translations={code: FaqText(**text) for code, text in texts.items()}, path=path)
