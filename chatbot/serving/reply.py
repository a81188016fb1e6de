"""What the service says back: a typed reply and contact card, built here and encoded to JSON at the edge."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from chatbot.knowledge import FAQ, Department
from chatbot.serving.talk import KINDS as TALK_KINDS

QUESTION_TYPES = ("answer", "fallback")  # a question answered, or not: what answer rates count
REPLY_TYPES = (*QUESTION_TYPES, *TALK_KINDS)


@dataclass(frozen=True)
class ReplyKey:
    """Everything a `Reply` depends on, so a cache keyed by it can never serve a stale or foreign reply."""

    question: str
    lang: str | None  # as asked; None = detect
    faq_id: str | None  # a suggestion the citizen picked
    previous: str | None  # the FAQ the conversation is about
    index_version: str
    furigana: bool = False  # readings over the kanji (chatbot.text.ruby)
    previous_department: str | None = None  # the last reply's contact when it had no subject


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

    type: str  # "answer" | "fallback", or a kind of small talk: greeting, thanks, handoff, details, chatter
    lang: str
    message: str
    faq: FAQ | None
    confidence: float
    suggestions: tuple[Suggestion, ...]
    online: tuple[Link, ...]
    department: Department  # whose contact card goes with it
    subject: Suggestion | None = None  # the FAQ the conversation is about after this reply
    elsewhere: Department | None = None  # the organisation other than the city that handles what was asked

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
            "subject": dataclasses.asdict(self.subject) if self.subject else None,
            "elsewhere": ({"key": self.elsewhere.key, "name": self.elsewhere.name_in(self.lang),
                           "url": self.elsewhere.url} if self.elsewhere else None),
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
