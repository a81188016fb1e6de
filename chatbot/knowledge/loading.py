"""The knowledge base: FAQ Markdown files, departments, synonyms and closures.

Loading never stops at the first bad file: every problem is collected as a ``Problem``
with its file and line so staff can fix them all in one pass. Broken FAQs are left out
of the returned ``KnowledgeBase``; the caller decides whether errors are fatal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from chatbot.core import messages

FAQ_FIELDS_REQUIRED = ("id", "question", "alt_questions", "category", "department", "updated", "status")
FAQ_FIELDS_OPTIONAL = ("tags", "url", "en")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HOURS_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STATUSES = ("published", "draft")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the knowledge base, located for the person who fixes it."""

    path: Path
    line: int
    code: str
    severity: str  # "error" | "warning"
    ja: str
    en: str

    def format(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.ja} / {self.en}"


@dataclass(frozen=True)
class FAQ:
    id: str
    question: str
    alt_questions: tuple[str, ...]
    category: str
    department: str
    answer: str
    updated: dt.date
    status: str = "published"
    tags: tuple[str, ...] = ()
    url: str | None = None
    en_question: str | None = None
    en_answer: str | None = None
    path: Path | None = None

    @property
    def published(self) -> bool:
        return self.status == "published"

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        """The public JSON shape of an FAQ (API, CLI); English when asked and available."""
        english = lang == "en" and self.en_question is not None
        return {
            "id": self.id,
            "question": self.en_question if english else self.question,
            "answer": self.en_answer if english else self.answer,
            "url": self.url,
            "category": self.category,
            "department": self.department,
            "tags": list(self.tags),
            "updated": self.updated.isoformat(),
            "lang": "en" if english else "ja",
        }


@dataclass(frozen=True)
class Department:
    key: str
    name: str
    phone: str
    email: str | None = None
    url: str | None = None
    location: str | None = None
    note: str | None = None
    name_en: str | None = None
    # weekday (0 = Monday) -> list of (open, close) times
    hours: dict[int, tuple[tuple[dt.time, dt.time], ...]] = field(default_factory=dict)
    closed_on_holidays: bool = True
    year_end_closed: bool = True
    # Matters the department handles, in citizens' words: a question naming one that no FAQ covers
    # is routed here instead of being answered with the nearest FAQ (chatbot.search.topics).
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Closure:
    start: dt.date
    end: dt.date
    reason: str
    departments: tuple[str, ...] = ()  # empty = every department

    def covers(self, day: dt.date, department: str) -> bool:
        return self.start <= day <= self.end and (not self.departments or department in self.departments)


@dataclass(frozen=True)
class KnowledgeBase:
    faqs: tuple[FAQ, ...]
    departments: dict[str, Department]
    default_department: str
    synonyms: dict[str, tuple[str, ...]]
    closures: tuple[Closure, ...]
    content_hash: str

    @property
    def published(self) -> tuple[FAQ, ...]:
        return tuple(f for f in self.faqs if f.published)

    def faq(self, faq_id: str) -> FAQ | None:
        return next((f for f in self.faqs if f.id == faq_id), None)


class _Collector:
    """Accumulates problems for one file with the right path attached."""

    def __init__(self, sink: list[Problem], path: Path):
        self.sink, self.path = sink, path

    def error(self, line: int, code: str, **values: object) -> None:
        self._add(line, code, "error", values)

    def warning(self, line: int, code: str, **values: object) -> None:
        self._add(line, code, "warning", values)

    def _add(self, line: int, code: str, severity: str, values: dict[str, object]) -> None:
        self.sink.append(Problem(self.path, line, code, severity,
                                 messages.text(code, "ja", **values), messages.text(code, "en", **values)))


def load_knowledge(root: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Read everything under ``root``; return what loaded cleanly and every problem found."""
    root = Path(root)
    problems: list[Problem] = []
    departments, default = _load_departments(root / "departments.yaml", problems)
    synonyms = _load_synonyms(root / "synonyms.yaml", problems)
    closures = _load_closures(root / "closures.yaml", problems)
    faqs = _load_faqs(root / "faq", set(departments), problems)
    if not any(f.published for f in faqs):
        _Collector(problems, root / "faq").error(0, "no_faqs")
    kb = KnowledgeBase(tuple(faqs), departments, default, synonyms, closures, content_hash(root))
    return kb, problems


def content_hash(root: Path) -> str:
    """Hash of every knowledge file's path and bytes: equal hashes mean nothing to rebuild."""
    digest = hashlib.sha256()
    for path in sorted(_knowledge_files(root)):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _knowledge_files(root: Path) -> Iterable[Path]:
    for pattern in ("*.yaml", "faq/**/*.md"):
        yield from (p for p in root.glob(pattern) if p.is_file())


# ---------------------------------------------------------------- FAQ files

def _load_faqs(faq_dir: Path, departments: set[str], problems: list[Problem]) -> list[FAQ]:
    faqs: list[FAQ] = []
    seen_ids: dict[str, Path] = {}
    seen_questions: dict[str, Path] = {}
    for path in sorted(faq_dir.rglob("*.md")):
        faq = parse_faq_file(path, departments, problems)
        if faq is None:
            continue
        out = _Collector(problems, path)
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
    out = _Collector(problems, path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        out.error(_line_of_offset(path.read_bytes(), exc.start), "non_utf8")
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
        out.error(_yaml_error_line(exc, first_line=2), "yaml_error", detail=getattr(exc, "problem", None) or str(exc))
        return None
    if not isinstance(data, dict) or node is None:
        out.error(2, "not_mapping")
        return None
    key_lines = {k.value: k.start_mark.line + 2 for k, _ in node.value}
    return _faq_from_mapping(data, body, key_lines, end + 2, path, departments, out)


def _faq_from_mapping(data: dict[str, Any], body: str, key_lines: dict[str, int], body_line: int,
                      path: Path, departments: set[str], out: _Collector) -> FAQ | None:
    def line(key: str) -> int:
        return key_lines.get(key, 1)

    errors_before = len([p for p in out.sink if p.severity == "error"])
    for name in FAQ_FIELDS_REQUIRED:
        if name not in data:
            out.error(1, "missing_field", field=name)
    for name in data:
        if name not in FAQ_FIELDS_REQUIRED + FAQ_FIELDS_OPTIONAL:
            out.error(line(str(name)), "unknown_field", field=name)

    def string(name: str) -> str:
        value = data.get(name)
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            out.error(line(name), "bad_type", field=name, expected="空でない文字列", expected_en="a non-empty string")
            return ""
        return value.strip()

    def string_list(name: str) -> tuple[str, ...]:
        value = data.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            out.error(line(name), "bad_type", field=name, expected="文字列のリスト（- で始まる行）",
                      expected_en="a list of strings")
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
    updated = _as_date(data.get("updated"))
    if "updated" in data and updated is None:
        out.error(line("updated"), "bad_date", value=data.get("updated"))
    url = data.get("url")
    if url is not None and not _valid_url(url):
        out.error(line("url"), "bad_url", value=url)
    tags = string_list("tags")
    en_question = en_answer = None
    if "en" in data:
        en = data["en"]
        if (not isinstance(en, dict) or set(en) != {"question", "answer"}
                or not all(isinstance(v, str) and v.strip() for v in en.values())):
            out.error(line("en"), "bad_type", field="en", expected="question と answer を持つ項目",
                      expected_en="a mapping with question and answer")
        else:
            en_question, en_answer = en["question"].strip(), en["answer"].strip()
    if not body:
        out.error(body_line, "empty_answer")
    if len([p for p in out.sink if p.severity == "error"]) > errors_before:
        return None
    return FAQ(id=faq_id, question=question, alt_questions=alts, category=category, department=department,
               answer=body, updated=updated or dt.date.min, status=status, tags=tags, url=url,
               en_question=en_question, en_answer=en_answer, path=path)


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _valid_url(value: object) -> bool:
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return False
    parsed = urlparse(value)
    return parsed.scheme in ("https", "http") and "." in parsed.netloc


def _line_of_offset(raw: bytes, offset: int) -> int:
    return raw[:offset].count(b"\n") + 1


# ---------------------------------------------------------------- YAML side files

def _read_yaml(path: Path, out: _Collector) -> Any:
    """Parsed YAML, or ``None`` after recording why it could not be read."""
    if not path.exists():
        return None
    try:
        return yaml.safe_load(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        out.error(_line_of_offset(path.read_bytes(), exc.start), "non_utf8")
    except yaml.YAMLError as exc:
        out.error(_yaml_error_line(exc, first_line=1), "yaml_error", detail=getattr(exc, "problem", None) or str(exc))
    return None


def _yaml_error_line(exc: yaml.YAMLError, first_line: int) -> int:
    """Where the broken construct starts (e.g. an unclosed ``[``), else where parsing failed."""
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    return mark.line + first_line if mark is not None else first_line


def _key_lines(path: Path) -> dict[str, int]:
    """Line of every mapping key at any depth (first occurrence), for error locations."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError, OSError):
        return {}
    found: dict[str, int] = {}
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                found.setdefault(str(key.value), key.start_mark.line + 1)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return found


def parse_hours(spec: object) -> tuple[dict[int, tuple[tuple[dt.time, dt.time], ...]], list[str]]:
    """``{mon: "08:30-17:15", sat: null, ...}`` → weekday → intervals, plus the bad values."""
    hours: dict[int, tuple[tuple[dt.time, dt.time], ...]] = {}
    bad: list[str] = []
    if not isinstance(spec, dict):
        return hours, [str(spec)]
    for name, value in spec.items():
        if name not in WEEKDAYS:
            bad.append(str(name))
            continue
        items = value if isinstance(value, list) else ([] if value in (None, "", "closed") else [value])
        intervals = []
        for item in items:
            match = HOURS_PATTERN.match(str(item).strip())
            if not match:
                bad.append(str(item))
                continue
            h1, m1, h2, m2 = map(int, match.groups())
            try:
                start, end = dt.time(h1, m1), dt.time(h2, m2)
            except ValueError:
                bad.append(str(item))
                continue
            if start >= end:
                bad.append(str(item))
                continue
            intervals.append((start, end))
        hours[WEEKDAYS.index(name)] = tuple(sorted(intervals))
    return hours, bad


def _load_departments(path: Path, problems: list[Problem]) -> tuple[dict[str, Department], str]:
    out = _Collector(problems, path)
    data = _read_yaml(path, out)
    if not path.exists():
        out.error(0, "missing_file")
    if not isinstance(data, dict):
        if path.exists() and data is not None:
            out.error(1, "not_mapping")
        return {}, ""
    lines = _key_lines(path)
    base_hours, bad = parse_hours(data.get("hours", {}))
    for value in bad:
        out.error(lines.get("hours", 1), "bad_hours", value=value)
    departments: dict[str, Department] = {}
    seen_topics: dict[str, str] = {}
    for key, entry in (data.get("departments") or {}).items():
        where = lines.get(str(key), 1)
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry.get("phone"):
            out.error(where, "bad_department", value=key, detail="name と phone が必要です",
                      detail_en="name and phone are required")
            continue
        unknown = set(entry) - {"name", "name_en", "phone", "email", "url", "location", "note", "hours",
                                "closed_on_holidays", "year_end_closed", "topics"}
        if unknown:
            out.error(where, "unknown_field", field=", ".join(sorted(map(str, unknown))))
        if entry.get("url") is not None and not _valid_url(entry["url"]):
            out.error(where, "bad_url", value=entry["url"])
        hours = base_hours
        if "hours" in entry:
            hours, bad = parse_hours(entry["hours"])
            for value in bad:
                out.error(where, "bad_hours", value=value)
        departments[str(key)] = Department(
            key=str(key), name=entry["name"], phone=str(entry["phone"]), email=entry.get("email"),
            url=entry.get("url"), location=entry.get("location"), note=entry.get("note"),
            name_en=entry.get("name_en"), hours=hours,
            closed_on_holidays=bool(entry.get("closed_on_holidays", data.get("closed_on_holidays", True))),
            year_end_closed=bool(entry.get("year_end_closed", data.get("year_end_closed", True))),
            topics=_topics(entry.get("topics", []), str(key), where, out, seen_topics),
        )
    default = str(data.get("default", ""))
    if default not in departments:
        out.error(lines.get("default", 1), "no_default_department")
    return departments, default


def _topics(value: object, department: str, line: int, out: _Collector, seen: dict[str, str]) -> tuple[str, ...]:
    """A list of words; a word claimed by two departments stays with the first, with a warning."""
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        out.error(line, "bad_topics", value=department)
        return ()
    topics = []
    for topic in (t.strip() for t in value):
        owner = seen.setdefault(topic, department)
        if owner != department:
            out.warning(line, "duplicate_topic", value=topic, first=owner)
        else:
            topics.append(topic)
    return tuple(topics)


def _load_synonyms(path: Path, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    """``canonical: [variant, ...]``; variants are rewritten to the canonical word."""
    out = _Collector(problems, path)
    data = _read_yaml(path, out)
    if data is None:
        return {}
    if not isinstance(data, dict):
        out.error(1, "not_mapping")
        return {}
    lines = _key_lines(path)
    synonyms: dict[str, tuple[str, ...]] = {}
    for canonical, variants in data.items():
        if not isinstance(variants, list) or not all(isinstance(v, str) and v for v in variants):
            out.error(lines.get(str(canonical), 1), "bad_synonym", detail=f"{canonical}: 文字列のリストにしてください",
                      detail_en=f"{canonical}: must be a list of strings")
            continue
        synonyms[str(canonical)] = tuple(variants)
    return synonyms


def _load_closures(path: Path, problems: list[Problem]) -> tuple[Closure, ...]:
    """``closures: [{date | from/to, reason, departments?}]`` — extra days the offices are shut."""
    out = _Collector(problems, path)
    data = _read_yaml(path, out)
    if data is None:
        return ()
    entries = data.get("closures") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        if entries is not None or not isinstance(data, dict):
            out.error(1, "bad_closure", detail="closures: のリストにしてください",
                      detail_en="expected a 'closures:' list")
        return ()
    node_lines = _sequence_lines(path, "closures")
    closures: list[Closure] = []
    for i, entry in enumerate(entries):
        where = node_lines[i] if i < len(node_lines) else 1
        if not isinstance(entry, dict):
            out.error(where, "bad_closure", detail=str(entry), detail_en=str(entry))
            continue
        start = _as_date(entry.get("date", entry.get("from")))
        end = _as_date(entry.get("date", entry.get("to", entry.get("from"))))
        departments = entry.get("departments") or []
        if start is None or end is None or end < start or not isinstance(departments, list):
            out.error(where, "bad_closure", detail="date（または from/to）を YYYY-MM-DD で書いてください",
                      detail_en="needs date (or from/to) as YYYY-MM-DD")
            continue
        closures.append(Closure(start, end, str(entry.get("reason", "")), tuple(map(str, departments))))
    return tuple(closures)


def _sequence_lines(path: Path, key: str) -> list[int]:
    try:
        node = yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError, OSError):
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for k, v in node.value:
        if k.value == key and isinstance(v, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in v.value]
    return []
