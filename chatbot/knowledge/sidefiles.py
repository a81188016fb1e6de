"""The YAML files beside the FAQs: departments and their hours, synonyms, closures, readings."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from chatbot.core.messages import Ref
from chatbot.knowledge.model import Closure, Department, Departments, Problem
from chatbot.knowledge.problems import (
    Collector,
    as_date,
    key_lines,
    read_yaml,
    sequence_lines,
    translations,
    valid_url,
)

HOURS_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEPARTMENT_FIELDS = frozenset({"name", "phone", "email", "url", "location", "note", "hours", "closed_on_holidays",
                               "year_end_closed", "topics", "i18n"})
# An organisation other than the city (税務署, ハローワーク): no phone or hours of its own are kept, for
# the knowledge base must not invent them; its website says.
ELSEWHERE_FIELDS = frozenset({"name", "url", "topics", "i18n"})
OLD_NAME_FIELD = "name_en"  # before translations were keyed by language code under i18n:


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


def load_departments(path: Path, problems: list[Problem]) -> Departments:
    """Departments by key, the default (the switchboard), the desk for foreign residents (``foreign_residents:``,
    the default's when not given: the office a question in another language is sent to when no translation
    answers it) and the organisations other than the city (``elsewhere:``) that handle matters citizens ask
    the city about."""
    out = Collector(problems, path)
    data = read_yaml(path, out)
    if not path.exists():
        out.error(0, "missing_file")
    if not isinstance(data, dict):
        if path.exists() and data is not None:
            out.error(1, "not_mapping")
        return Departments({}, "", "", {})
    lines = key_lines(path)
    base_hours, bad = parse_hours(data.get("hours", {}))
    for value in bad:
        out.error(lines.get("hours", 1), "bad_hours", value=value)
    seen_topics: dict[str, str] = {}
    departments: dict[str, Department] = {}
    for key, entry in (data.get("departments") or {}).items():
        where = lines.get(str(key), 1)
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry.get("phone"):
            out.error(where, "bad_department", value=key, detail=Ref("fragment_department_fields"))
            continue
        hours = base_hours
        if "hours" in entry:
            hours, bad = parse_hours(entry["hours"])
            for value in bad:
                out.error(where, "bad_hours", value=value)
        departments[str(key)] = _department(
            str(key), entry, where, out, seen_topics, DEPARTMENT_FIELDS, phone=str(entry["phone"]), hours=hours,
            closed_on_holidays=bool(entry.get("closed_on_holidays", data.get("closed_on_holidays", True))),
            year_end_closed=bool(entry.get("year_end_closed", data.get("year_end_closed", True))))
    elsewhere: dict[str, Department] = {}
    for key, entry in (data.get("elsewhere") or {}).items():
        where = lines.get(str(key), 1)
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or str(key) in departments:
            out.error(where, "bad_elsewhere", value=key)
            continue
        elsewhere[str(key)] = _department(str(key), entry, where, out, seen_topics, ELSEWHERE_FIELDS, phone="")
    default = str(data.get("default", ""))
    if default not in departments:
        out.error(lines.get("default", 1), "no_default_department")
    foreign = str(data.get("foreign_residents", default))
    if foreign not in departments:
        out.error(lines.get("foreign_residents", 1), "unknown_department", value=foreign)
        foreign = default
    return Departments(departments, default, foreign, elsewhere)


def _department(key: str, entry: dict[str, Any], where: int, out: Collector, seen_topics: dict[str, str],
                fields: frozenset[str], **given: Any) -> Department:
    """One entry of ``departments:`` or ``elsewhere:``: the fields both share, checked alike."""
    if OLD_NAME_FIELD in entry:
        out.error(where, "old_department_name", value=key)
    unknown = set(entry) - fields - {OLD_NAME_FIELD}
    if unknown:
        out.error(where, "unknown_field", field=", ".join(sorted(map(str, unknown))))
    if entry.get("url") is not None and not valid_url(entry["url"]):
        out.error(where, "bad_url", value=entry["url"])
    names = translations(entry["i18n"], ("name",), where, out, lists=("topics",)) if "i18n" in entry else {}
    return Department(
        key=key, name=entry["name"], email=entry.get("email"), url=entry.get("url"), location=entry.get("location"),
        note=entry.get("note"), names={code: text["name"] for code, text in names.items()},
        foreign_topics={code: text["topics"] for code, text in names.items() if text["topics"]},
        topics=_topics(entry.get("topics", []), key, where, out, seen_topics), **given)


def _topics(value: object, department: str, line: int, out: Collector, seen: dict[str, str]) -> tuple[str, ...]:
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


def _word_mapping(path: Path, problems: list[Problem]) -> tuple[Collector, dict[Any, Any], dict[str, int]]:
    """A file of ``word: value`` lines, the collector its problems go to, and each word's line."""
    out = Collector(problems, path)
    data = read_yaml(path, out)
    if data is None:
        return out, {}, {}
    if not isinstance(data, dict):
        out.error(1, "not_mapping")
        return out, {}, {}
    return out, data, key_lines(path)


def load_synonyms(path: Path, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    """``canonical: [variant, ...]``; variants are rewritten to the canonical word."""
    out, data, lines = _word_mapping(path, problems)
    synonyms: dict[str, tuple[str, ...]] = {}
    for canonical, variants in data.items():
        if not isinstance(variants, list) or not all(isinstance(v, str) and v for v in variants):
            out.error(lines.get(str(canonical), 1), "bad_synonym", detail=Ref.to("fragment_synonym_list",
                                                                                 value=canonical))
            continue
        synonyms[str(canonical)] = tuple(variants)
    return synonyms


_HIRAGANA_READING = re.compile(r"[ぁ-ゖー]+")


def load_readings(path: Path, problems: list[Problem]) -> dict[str, str]:
    """``word: reading`` in hiragana: furigana for the words Sudachi reads wrong (chatbot.text.ruby). Optional."""
    if not path.is_file():
        return {}
    out, data, lines = _word_mapping(path, problems)
    readings: dict[str, str] = {}
    for word, reading in data.items():
        if not isinstance(reading, str) or not _HIRAGANA_READING.fullmatch(reading) or not str(word).strip():
            out.error(lines.get(str(word), 1), "bad_reading", word=word)
            continue
        readings[str(word)] = reading
    return readings


def load_closures(path: Path, problems: list[Problem]) -> tuple[Closure, ...]:
    """``closures: [{date | from/to, reason, departments?}]`` — extra days the offices are shut."""
    out = Collector(problems, path)
    data = read_yaml(path, out)
    if data is None:
        return ()
    entries = data.get("closures") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        if entries is not None or not isinstance(data, dict):
            out.error(1, "bad_closure", detail=Ref("fragment_closures_list"))
        return ()
    node_lines = sequence_lines(path, "closures")
    closures: list[Closure] = []
    for i, entry in enumerate(entries):
        where = node_lines[i] if i < len(node_lines) else 1
        if not isinstance(entry, dict):
            out.error(where, "bad_closure", detail=str(entry))
            continue
        start = as_date(entry.get("date", entry.get("from")))
        end = as_date(entry.get("date", entry.get("to", entry.get("from"))))
        departments = entry.get("departments") or []
        if start is None or end is None or end < start or not isinstance(departments, list):
            out.error(where, "bad_closure", detail=Ref("fragment_closure_dates"))
            continue
        closures.append(Closure(start, end, str(entry.get("reason", "")), tuple(map(str, departments))))
    return tuple(closures)
