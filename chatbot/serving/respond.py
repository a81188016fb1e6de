"""Turn a citizen's question into a `Reply`, and a department into its `ContactCard`.

Pure apart from the search itself: the index and the clock are passed in, so the same question at
the same moment always gets the same reply.
"""

from __future__ import annotations

import datetime as dt
import re

from chatbot.core import languages, messages
from chatbot.knowledge import FAQ, Closure, Department, hours
from chatbot.search.decision import decide
from chatbot.search.engine import Hit
from chatbot.search.topics import Topic
from chatbot.search.versions import ServingIndex
from chatbot.serving.reply import ContactCard, Link, Reply, Suggestion

ONLINE_TAGS = frozenset({"オンライン申請", "電子申請", "オンライン"})
MAX_SUGGESTIONS = 3  # taken from the hits behind the answer (search.decision.CANDIDATES)


def respond(index: ServingIndex, question: str, *, threshold: float, suggest_threshold: float,
            lang: str | None = None, faq_id: str | None = None) -> Reply:
    """The reply to ``question``; ``faq_id`` (a suggestion the citizen picked) answers that FAQ outright.

    Answer or fallback is `chatbot.search.decision.decide`'s call, shared with the comparison a reindex
    prints, so what staff are told will change is what citizens see change."""
    lang = lang or languages.detect(question)
    decision = decide(index, question, threshold, picked=faq_id)
    hits, top, topic = decision.hits, decision.top, decision.topic
    faq = index.faqs[decision.faq_id] if decision.faq_id else None
    others = hits[1:] if decision.answered else hits
    suggestions = [index.faqs[h.id] for h in others if h.confidence >= suggest_threshold][:MAX_SUGGESTIONS]
    message = messages.text("answer_intro" if faq else "fallback_intro", lang)
    if faq and faq.text(lang)[0] != lang:
        message = messages.text("ja_only", lang)
    return Reply(
        type="answer" if faq else "fallback",
        lang=lang,
        message=message,
        faq=faq,
        confidence=round(top.confidence, 4) if top else 0.0,
        suggestions=tuple(Suggestion(s.id, s.text(lang)[1].question) for s in suggestions),
        online=_online_links(([faq] if faq else []) + suggestions, index, lang),
        department=_likely_department(index, faq, top, topic, suggest_threshold),
    )


def _likely_department(index: ServingIndex, faq: FAQ | None, top: Hit | None, topic: Topic | None,
                       floor: float) -> Department:
    """The answered FAQ's office; else the one handling the matter the question names; else the top
    candidate's if it is at all likely; else the switchboard."""
    kb = index.kb
    if faq is None and topic is None and top is not None and top.confidence >= floor:
        faq = index.faqs[top.id]
    key = faq.department if faq else topic.department if topic else kb.default_department
    return kb.departments.get(key) or kb.departments[kb.default_department]


def contact_card(department: Department, closures: tuple[Closure, ...], now: dt.datetime, lang: str) -> ContactCard:
    """Who to call and whether they are open at ``now``."""
    state = hours.status(department, closures, now)
    return ContactCard(
        department=department.key,
        name=department.name_in(lang),
        phone=department.phone,
        tel_uri="tel:" + re.sub(r"[^0-9+]", "", department.phone),
        email=department.email,
        url=department.url,
        location=department.location,
        note=department.note if lang == languages.DEFAULT else None,  # notes are written in Japanese only
        open_now=state.open_now,
        status_text=hours.format_status(state, lang),
        hours_text=hours.format_weekly(hours.weekly_summary(department), lang),
        next_open=state.next_open.isoformat() if state.next_open else None,
    )


def _online_links(faqs: list[FAQ], index: ServingIndex, lang: str) -> tuple[Link, ...]:
    """Ways to act now, outside office hours: online-procedure pages the FAQs link to, and the city site."""
    links = [Link(f.text(lang)[1].question, f.url) for f in faqs if f.url and ONLINE_TAGS & set(f.tags)]
    city_url = index.kb.departments[index.kb.default_department].url
    if city_url:
        links.append(Link(messages.text("online_city_site", lang), city_url))
    return tuple(links)
