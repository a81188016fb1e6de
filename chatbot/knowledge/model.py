"""What the knowledge base is made of, once loaded: FAQs, departments, closures, and problems found.

Translations are keyed by language code (chatbot.core.languages); the Japanese text is the FAQ's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from chatbot.core import languages, messages


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the knowledge base, located for the person who fixes it.

    It keeps the message key and values, not rendered text, so it reads in any language.
    """

    path: Path
    line: int
    code: str
    severity: str  # "error" | "warning"
    values: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return messages.text(self.code, lang, **self.values)

    def format(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: " + messages.staff(self.code, **self.values)


@dataclass(frozen=True)
class FaqText:
    """An FAQ's question and answer in one language."""

    question: str
    answer: str
    alt_questions: tuple[str, ...] = ()
    updated: dt.date | None = None  # the Japanese text's date it was translated from; None for the Japanese


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
    translations: Mapping[str, FaqText] = field(default_factory=dict)  # language code → text
    path: Path | None = None

    @property
    def published(self) -> bool:
        return self.status == "published"

    def text(self, lang: str) -> tuple[str, FaqText]:
        """The first language of ``lang``'s fallback chain this FAQ is written in, and its text."""
        for code in languages.chain(lang):
            if code == languages.DEFAULT:
                return code, FaqText(self.question, self.answer)
            if code in self.translations:
                return code, self.translations[code]
        raise AssertionError("every chain ends with the default language")

    def to_dict(self, lang: str = languages.DEFAULT) -> dict[str, Any]:
        """The public JSON shape of an FAQ (API, CLI), in ``lang`` when written in it. A translated answer ends
        by saying, in its language, that the Japanese page is the official one."""
        used, text = self.text(lang)
        notice = messages.text("translation_notice", used) if used != languages.DEFAULT else ""
        return {
            "id": self.id,
            "question": text.question,
            "answer": f"{text.answer}\n\n{notice}" if notice else text.answer,
            "url": self.url,
            "category": self.category,
            "department": self.department,
            "tags": list(self.tags),
            "updated": self.updated.isoformat(),
            "lang": used,
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
    names: Mapping[str, str] = field(default_factory=dict)  # language code → translated name
    # weekday (0 = Monday) -> list of (open, close) times
    hours: dict[int, tuple[tuple[dt.time, dt.time], ...]] = field(default_factory=dict)
    closed_on_holidays: bool = True
    year_end_closed: bool = True
    # Matters the department handles, in citizens' words: a question naming one that no FAQ covers
    # is routed here instead of being answered with the nearest FAQ (chatbot.search.topics).
    topics: tuple[str, ...] = ()
    # The same in the languages with their own analyzer (chatbot.search.foreign), from the i18n blocks.
    foreign_topics: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def name_in(self, lang: str) -> str:
        return next((self.names[code] for code in languages.chain(lang) if code in self.names), self.name)


@dataclass(frozen=True)
class Closure:
    start: dt.date
    end: dt.date
    reason: str
    departments: tuple[str, ...] = ()  # empty = every department

    def covers(self, day: dt.date, department: str) -> bool:
        return self.start <= day <= self.end and (not self.departments or department in self.departments)


class Departments(NamedTuple):
    """What departments.yaml holds."""

    departments: dict[str, Department]
    default: str  # the switchboard
    foreign: str  # the desk for foreign residents
    elsewhere: dict[str, Department]  # organisations other than the city, without phone or hours


@dataclass(frozen=True)
class KnowledgeBase:
    faqs: tuple[FAQ, ...]
    departments: dict[str, Department]
    default_department: str
    synonyms: dict[str, tuple[str, ...]]
    closures: tuple[Closure, ...]
    content_hash: str
    readings: dict[str, str] = field(default_factory=dict)  # word → hiragana, for furigana (readings.yaml)
    foreign_department: str = ""  # the desk for foreign residents (departments.yaml); empty = the default
    # Organisations other than the city (税務署, ハローワーク) and the matters they handle (their topics): a
    # question naming one is told who handles it rather than answered with the nearest city FAQ.
    elsewhere: dict[str, Department] = field(default_factory=dict)

    @property
    def foreign_desk(self) -> Department:
        return self.departments.get(self.foreign_department) or self.departments[self.default_department]

    @property
    def published(self) -> tuple[FAQ, ...]:
        return tuple(f for f in self.faqs if f.published)

    def faq(self, faq_id: str) -> FAQ | None:
        return next((f for f in self.faqs if f.id == faq_id), None)
