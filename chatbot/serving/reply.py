"""What the service says back: a typed reply and contact card, built here and encoded to JSON at the edge."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from chatbot.knowledge import FAQ, Department


@dataclass(frozen=True)
class ReplyKey:
    """Everything a `Reply` depends on, so a cache keyed by it can never serve a stale or foreign reply."""

    question: str
    lang: str | None  # as asked; None = detect
    faq_id: str | None  # a suggestion the citizen picked
    index_version: str


@dataclass(frozen=True)
class Suggestion:
    id: str
    question: str


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Reply:
    """The reply to one question, without its contact card (which follows the clock, not the question)."""

    type: str  # "answer" | "fallback"
    lang: str
    message: str
    faq: FAQ | None
    confidence: float
    suggestions: tuple[Suggestion, ...]
    online: tuple[Link, ...]
    department: Department  # whose contact card goes with it

    def to_json(self) -> dict[str, Any]:
        """The API's shape (docs/api.md), in the order it is documented."""
        return {
            "type": self.type,
            "lang": self.lang,
            "message": self.message,
            "faq": self.faq.to_dict(self.lang) if self.faq else None,
            "confidence": self.confidence,
            "suggestions": [dataclasses.asdict(s) for s in self.suggestions],
            "online": [dataclasses.asdict(link) for link in self.online],
        }


@dataclass(frozen=True)
class ContactCard:
    """Who to call and whether they are open now."""

    department: str
    name: str
    phone: str
    tel_uri: str
    email: str | None
    url: str | None
    location: str | None
    note: str | None
    open_now: bool
    status_text: str
    hours_text: str
    next_open: str | None  # ISO 8601, Tokyo time

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
