"""Turn a citizen's question into the reply object the API and ``chatbot ask`` return.

Pure apart from the search itself: the index and the clock are passed in, so the same
question at the same moment always gets the same reply.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from chatbot.core import messages
from chatbot.knowledge import hours
from chatbot.knowledge.loading import FAQ, Department
from chatbot.search.engine import Hit
from chatbot.search.topics import Topic
from chatbot.search.versions import ServingIndex

ONLINE_TAGS = frozenset({"オンライン申請", "電子申請", "オンライン"})
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z]")
MAX_SUGGESTIONS = 3


def detect_language(text: str) -> str:
    """English only when the text has Latin letters and no Japanese script at all."""
    return "en" if _LATIN.search(text) and not _JAPANESE.search(text) else "ja"


@dataclass(frozen=True)
class Draft:
    """A reply without its contact card: depends only on the question and the index version, so the
    web layer can memoise it, while the card (open now? next opening?) follows the clock."""

    reply: dict[str, Any]
    department: Department
    lang: str


def respond(index: ServingIndex, question: str, *, now: dt.datetime, threshold: float,
            suggest_threshold: float, lang: str | None = None, faq_id: str | None = None) -> dict[str, Any]:
    """The reply to ``question``; ``faq_id`` (a suggestion the citizen picked) answers that FAQ outright."""
    draft = draft_reply(index, question, threshold=threshold, suggest_threshold=suggest_threshold, lang=lang,
                        faq_id=faq_id)
    return {**draft.reply, "contact": contact_card(draft.department, index, now, draft.lang)}


def draft_reply(index: ServingIndex, question: str, *, threshold: float, suggest_threshold: float,
                lang: str | None = None, faq_id: str | None = None) -> Draft:
    lang = lang or detect_language(question)
    hits = index.engine.search(question, k=MAX_SUGGESTIONS + 2)
    if faq_id in index.faqs:
        hits = [Hit(faq_id, score=float("inf"), confidence=1.0), *(h for h in hits if h.id != faq_id)]
    top = hits[0] if hits else None
    topic = index.topics.named(question, index.engine.analyzer.normalize) if faq_id not in index.faqs else None
    answered = top is not None and top.confidence >= threshold and (topic is None or topic.covered)
    faq = index.faqs[top.id] if answered and top else None
    others = hits[1:] if answered else hits
    suggestions = [index.faqs[h.id] for h in others if h.confidence >= suggest_threshold][:MAX_SUGGESTIONS]
    reply: dict[str, Any] = {
        "type": "answer" if faq else "fallback",
        "lang": lang,
        "message": messages.text("answer_intro" if faq else "fallback_intro", lang),
        "faq": faq.to_dict(lang) if faq else None,
        "confidence": round(top.confidence, 4) if top else 0.0,
        "suggestions": [{"id": s.id, "question": _question(s, lang)} for s in suggestions],
        "online": _online_links(([faq] if faq else []) + suggestions, index, lang),
    }
    if faq and lang == "en" and reply["faq"]["lang"] != "en":
        reply["message"] = messages.text("ja_only", "en")
    return Draft(reply, _likely_department(index, faq, top, topic, suggest_threshold), lang)


def _likely_department(index: ServingIndex, faq: FAQ | None, top: Hit | None, topic: Topic | None,
                       floor: float) -> Department:
    """The answered FAQ's office; else the one handling the matter the question names; else the top
    candidate's if it is at all likely; else the switchboard."""
    kb = index.kb
    if faq is None and topic is None and top is not None and top.confidence >= floor:
        faq = index.faqs[top.id]
    key = faq.department if faq else topic.department if topic else kb.default_department
    return kb.departments.get(key) or kb.departments[kb.default_department]


def contact_card(department: Department, index: ServingIndex, now: dt.datetime, lang: str) -> dict[str, Any]:
    """Who to call and whether they are open; the same for a whole minute, so memoised per minute."""
    minute = hours.to_minute(now)
    return dict(index.contact_cards.get((department.key, lang, minute),
                                        lambda: _contact_card(department, index, minute, lang)))


def _contact_card(department: Department, index: ServingIndex, now: dt.datetime, lang: str) -> dict[str, Any]:
    state = hours.status(department, index.kb.closures, now)
    name = department.name_en if lang == "en" and department.name_en else department.name
    return {
        "department": department.key,
        "name": name,
        "phone": department.phone,
        "tel_uri": "tel:" + re.sub(r"[^0-9+]", "", department.phone),
        "email": department.email,
        "url": department.url,
        "location": department.location,
        "note": department.note if lang == "ja" else None,
        "open_now": state.open_now,
        "status_text": hours.format_status(state, lang),
        "hours_text": hours.format_weekly(hours.weekly_summary(department), lang),
        "next_open": state.next_open.isoformat() if state.next_open else None,
    }


def _question(faq: FAQ, lang: str) -> str:
    return faq.en_question if lang == "en" and faq.en_question else faq.question


def _online_links(faqs: list[FAQ], index: ServingIndex, lang: str) -> list[dict[str, str]]:
    """Ways to act now, outside office hours: online-procedure pages the FAQs link to, and the city site."""
    links = [{"title": _question(f, lang), "url": f.url} for f in faqs if f.url and ONLINE_TAGS & set(f.tags)]
    city_url = index.kb.departments[index.kb.default_department].url
    if city_url:
        links.append({"title": messages.text("online_city_site", lang), "url": city_url})
    return links
