"""Turn a citizen's question into a `Reply`, and a department into its `ContactCard`.

Pure apart from the search itself: the index and the clock are passed in, so the same question at
the same moment always gets the same reply.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import re
import threading
import weakref
from collections.abc import Mapping

from chatbot.core import languages, messages
from chatbot.knowledge import FAQ, Closure, Department, FaqText, hours
from chatbot.search import followup
from chatbot.search.decision import decide
from chatbot.search.foreign import own_analyzer
from chatbot.search.topics import Topic
from chatbot.search.versions import ServingIndex
from chatbot.serving import talk
from chatbot.serving.reply import ContactCard, Link, Reply, Suggestion
from chatbot.text import Analysis, Analyzer, ruby
from chatbot.text.base import fold

ONLINE_TAGS = frozenset({"オンライン申請", "電子申請", "オンライン"})
# A request for a person inside a message this long (content words) that an FAQ answers is a question
# with a wish attached: the answer comes with the contact card anyway.
QUESTION_TOKENS = 8
MAX_SUGGESTIONS = 3  # taken from the hits behind the answer (search.decision.CANDIDATES)
CARD_TEXTS = ("name", "status_text", "hours_text", "location", "note")  # what furigana goes over on a card
LIKELY = 0.2  # a request for a person naming a matter no FAQ answers goes to its two likeliest FAQs' office
# Learned small-talk recognisers: by loaded version (kept as long as it is), and by knowledge base while some
# version of it is loaded (reloading the same knowledge does not train again). One lock: training twice at
# once would cost 2 s of CPU each.
_LEARNED: weakref.WeakKeyDictionary[object, talk.Learned] = weakref.WeakKeyDictionary()
_SHARED: weakref.WeakValueDictionary[str, talk.Learned] = weakref.WeakValueDictionary()
_LEARNING = threading.Lock()
_UNTRAINED = talk.Learned.__new__(talk.Learned)  # kept in place of one that failed to train
log = logging.getLogger(__name__)


def respond(index: ServingIndex, question: str, *, threshold: float, suggest_threshold: float,
            lang: str | None = None, faq_id: str | None = None, previous: str | None = None,
            previous_department: str | None = None, greeting_faqs: tuple[str, ...] = ()) -> Reply:
    """The reply to ``question``; ``faq_id`` (a suggestion the citizen picked) answers that FAQ outright.

    ``previous`` is the FAQ the conversation is about (the last answer's), which a follow-up question
    keeps as its subject and a request for a person or for details refers to; without one,
    ``previous_department`` (the last reply's contact, after a fallback) is the office a request for a person
    gets, for that is the matter in hand. Small talk is recognised
    before any search: a greeting is not a question the knowledge base failed to answer.
    Answer or fallback is `chatbot.search.decision.decide`'s call, shared with the comparison a reindex
    prints, so what staff are told will change is what citizens see change."""
    lang = lang or languages.detect(question)
    subject = index.faqs.get(previous or "")
    analysis = index.engine.analyzer.analyze(question)
    kind = None if faq_id else _talk_kind(index, question, analysis, lang, threshold, suggest_threshold, subject)
    if kind is not None:
        kb = index.kb  # in a language of its own, the foreign residents' desk before the switchboard
        default = (kb.foreign_desk if own_analyzer(lang) else None) or kb.departments[kb.default_department]
        in_hand = kb.departments[subject.department] if subject else kb.departments.get(previous_department or "",
                                                                                        default)
        return _small_talk(index, kind, question, lang, subject, in_hand, threshold, greeting_faqs)
    follows = subject is not None and not talk.new_subject(question, analysis.reading)
    decision = decide(index, question, threshold, picked=faq_id, previous=subject.id if follows else None, lang=lang)
    hits, top, topic = decision.hits, decision.top, decision.topic
    faq = index.faqs[decision.faq_id] if decision.faq_id else None
    others = hits[1:] if decision.answered else hits
    suggestions = [index.faqs[h.id] for h in others if h.confidence >= suggest_threshold][:MAX_SUGGESTIONS]
    translated = own_analyzer(lang)
    desk = index.kb.foreign_desk
    elsewhere = None if faq else _organisation(index, topic)
    message = (messages.text("answer_intro", lang) if faq else
               _elsewhere_message(elsewhere, lang) if elsewhere else
               messages.text("fallback_foreign", lang, desk=desk.name_in(lang)) if translated else
               messages.text("fallback_intro", lang))
    if faq and faq.text(lang)[0] != lang:
        message = messages.text("ja_only", lang)
    # A follow-up that found nothing stays on its subject, and its office is the one to ask.
    kept = index.faqs[decision.subject] if decision.subject else None
    return Reply(
        type="answer" if faq else "fallback",
        lang=lang,
        message=message,
        faq=faq,
        confidence=round(top.confidence, 4) if top else 0.0,
        suggestions=_suggestions(suggestions, lang),
        online=_online_links(([faq] if faq else []) + suggestions, index, lang),
        department=_likely_department(index, faq or kept, topic, suggestions[0] if suggestions else None,
                                      desk if translated else None),
        subject=_subject(faq or kept, lang),
        elsewhere=elsewhere,
    )


def _organisation(index: ServingIndex, topic: Topic | None) -> Department | None:
    """The organisation other than the city that handles ``topic``, if another organisation does."""
    return index.kb.elsewhere.get(topic.department) if topic is not None and topic.outside else None


def _elsewhere_message(organisation: Department, lang: str) -> str:
    """Who handles a matter the city does not: its name, and its website when staff gave one."""
    name = organisation.name_in(lang)
    if organisation.url:
        return messages.text("fallback_elsewhere", lang, organisation=name, url=organisation.url)
    return messages.text("fallback_elsewhere_no_link", lang, organisation=name)


def _talk_kind(index: ServingIndex, question: str, analysis: Analysis, lang: str, threshold: float, floor: float,
               subject: FAQ | None) -> str | None:
    """The kind of small talk the message is, if it is small talk and not a question with a greeting or a
    wish for a call attached. Small talk only the learned recogniser sees, which is less exact than the
    phrases, may turn a fallback into a small-talk reply but never takes an answer away, nor, unless it is
    sure of its kind, a follow-up's subject (「誰が直してくれるの？」 after an answer on street lights). Thanks
    followed by a statement is small talk only when the statement gets no answer and no FAQ it would suggest
    (at least ``floor`` likely) and names no matter: 「ありがとう。でも道路の穴がまだ直っていません」 is a report."""
    found = talk.recognise(question, analysis.reading)
    if found is None and not analysis.tokens and lang == languages.DEFAULT:
        return "chatter"  # はい, ええと: no word to search with (English questions can be all function words)
    if found is None:
        found, sure = _learned_kind(index, question, analysis)
        if found is None:
            return None
        searched = decide(index, question, threshold, previous=None if sure or subject is None else subject.id,
                          lang=lang)
        if searched.answered or searched.subject is not None:
            return None
    if found.stated:
        searched = decide(index, question, threshold, lang=lang)
        if searched.answered or searched.topic is not None or (searched.top and searched.top.confidence >= floor):
            return None
    if not found.whole and followup.mentions_matter(index.engine, index.topics, question, found.unexplained):
        return None  # a few words no phrase explains, and they name a matter: a question
    if found.kind == talk.HANDOFF and len(analysis.tokens) >= QUESTION_TOKENS:
        answered = decide(index, question, threshold)  # 「…電話で相談できるところは？」 ending a real question
        if answered.faq_id and followup.names_matter(index.engine, question, answered.faq_id):
            return None
    return found.kind


def _learned_kind(index: ServingIndex, question: str, analysis: Analysis) -> tuple[talk.Recognised | None, bool]:
    """What the learned recogniser makes of a message no phrase matched, and whether it is sure. No phrase
    explains any of it, so a kind other than a request for a person must name no matter, known (「猫は？」
    is not chatter) or not (「ガスが止まりました」 is no thanks, however sure)."""
    model = learned_talk(index)
    found = model.kind(talk.form(question, analysis.reading)) if model and len(fold(question)) <= talk.LONGEST else None
    if found is None:
        return None, False
    kind, sure = found
    if kind == talk.HANDOFF:
        return talk.Recognised(kind), sure
    if kind in (talk.THANKS, "greeting") and talk.asks(question, analysis.reading):
        return None, False  # "Thanks, please tell me the fee" thanks, but asks
    if any(m.pos == "名詞" and m.form not in index.engine.word_share for m in analysis.morphemes):
        return None, False  # a noun no FAQ knows (財布を落としました) names a matter the knowledge base lacks
    return talk.Recognised(kind, fold(analysis.reading) + fold(question)), sure


def learned_talk(index: ServingIndex) -> talk.Learned | None:
    """The learned small-talk recogniser for this index's knowledge base, whose questions in every language
    are its examples of what is not small talk; None when it cannot be trained (a broken examples file),
    for the phrases alone still serve. Trained once (2 s) and kept while some version of that knowledge
    base is loaded; the web app's live index readies every version with it before the version serves
    (chatbot.search.live), so citizens never wait for it."""
    model = _LEARNED.get(index.engine)  # without the lock: requests never wait on another version's training
    if model is not None:
        return None if model is _UNTRAINED else model
    with _LEARNING:
        model = _LEARNED.get(index.engine) or _SHARED.get(index.kb.content_hash)
        if model is None:
            try:
                model = _train_talk(index)
            except Exception:  # noqa: BLE001 - an optional part must not take the answers down
                log.exception("small-talk recogniser not trained; phrases alone recognise small talk")
                model = _UNTRAINED
            _SHARED[index.kb.content_hash] = model
        _LEARNED[index.engine] = model
    return None if model is _UNTRAINED else model


def _train_talk(index: ServingIndex) -> talk.Learned:
    analyzer = index.engine.analyzer
    questions = [text for faq in index.kb.published
                 for text in (faq.question, *faq.alt_questions,
                              *(q for t in faq.translations.values() for q in (t.question, *t.alt_questions)))]
    pairs = [*talk.examples(), *((text, talk.QUESTION) for text in questions)]
    return talk.Learned((talk.form(text, analyzer.analyze(text).reading), kind) for text, kind in pairs)


def _small_talk(index: ServingIndex, kind: str, question: str, lang: str, subject: FAQ | None,
                department: Department, threshold: float, greeting_faqs: tuple[str, ...]) -> Reply:
    """Greetings, thanks, a request for a person or for details, chatter: replies from the catalogue, with
    ``department``'s contact (the matter in hand). The conversation keeps its subject through them, so
    「ありがとう」 can still be followed by 「費用は？」."""
    kb = index.kb
    suggestions: tuple[Suggestion, ...] = ()
    message = ""
    elsewhere = None
    if kind == talk.HANDOFF:
        elsewhere = _organisation(index, index.topics.named(question, index.engine.analyzer.normalize))
        if elsewhere is None:  # no city office handles another organisation's matter: the card stays the in-hand one
            department = _matter_in_hand(index, question, subject, threshold) or department
        message = (_elsewhere_message(elsewhere, lang) if elsewhere else  # 「相続税のことで職員と話したい」
                   messages.text("talk_handoff", lang, department=department.name_in(lang)))
    elif kind == "details":
        if subject is None:
            message = messages.text("talk_details_no_subject", lang)
        else:
            text = subject.text(lang)[1]
            url = subject.url or department.url or kb.departments[kb.default_department].url
            message = messages.text("talk_details", lang, question=text.question, url=url,
                                    department=department.name_in(lang))
    else:
        message = messages.text(f"talk_{kind}", lang)
    if kind == "greeting":
        suggestions = _suggestions([index.faqs[i] for i in greeting_faqs if i in index.faqs][:MAX_SUGGESTIONS], lang)
    return Reply(type=kind, lang=lang, message=message, faq=None, confidence=0.0, suggestions=suggestions,
                 online=(), department=department, subject=_subject(subject, lang), elsewhere=elsewhere)


def _matter_in_hand(index: ServingIndex, question: str, subject: FAQ | None, threshold: float) -> Department | None:
    """Whose contact a request for a person gets: the office of a matter the request itself names
    (「税金のことで職員と話したい」), else the office of the conversation's subject. The words of the
    request (職員, 電話) are left out first: they would find the FAQ on jobs at the city; so are verbs. What is
    left names a matter when an FAQ answers it, or when the two likeliest FAQs belong to one office."""
    analyzer = index.engine.analyzer
    asking = _asking_words(analyzer)
    known = index.engine.word_share  # a word no FAQ uses (生身 in 生身の人と話したい) names no matter here
    matter = " ".join(m.form for m in analyzer.analyze(question).morphemes  # nouns: もらえる, かける name nothing
                      if m.pos == "名詞" and m.form not in asking and m.form in known)
    if matter:
        decision = decide(index, matter, threshold)
        if decision.topic is not None:
            return index.kb.departments.get(decision.topic.department)
        offices = [index.faqs[hit.id].department for hit in decision.hits[:2]]
        likely = decision.top is not None and decision.top.confidence >= LIKELY
        if offices and (decision.answered or likely and offices.count(offices[0]) == 2):  # 税金: one office
            return index.kb.departments.get(offices[0])
    return index.kb.departments.get(subject.department) if subject else None


@functools.lru_cache(maxsize=4)  # one analyzer per loaded index version
def _asking_words(analyzer: Analyzer) -> frozenset[str]:
    """The words of requests for a person (職員, 電話, talk), as this analyzer spells them."""
    return frozenset(token for word in talk.phrases().handoff_words for token in analyzer.tokens(word))


def _suggestions(faqs: list[FAQ], lang: str) -> tuple[Suggestion, ...]:
    return tuple(Suggestion(f.id, f.text(lang)[1].question) for f in faqs)


def _subject(faq: FAQ | None, lang: str) -> Suggestion | None:
    """What the conversation is about now, for the widget to show and send back with the next question."""
    return Suggestion(faq.id, faq.text(lang)[1].question) if faq else None


def _likely_department(index: ServingIndex, faq: FAQ | None, topic: Topic | None, suggested: FAQ | None,
                       desk: Department | None = None) -> Department:
    """The answered FAQ's office; else the one handling the matter the question names; else that of the
    first FAQ the reply suggests ("How do I throw away an old fridge?" ranks an unlikely FAQ on spray cans
    first and suggests three FAQs of the clean centre behind it); else ``desk`` (foreign residents'
    questions) or the switchboard."""
    kb = index.kb
    if faq is None and topic is None:
        faq = suggested
    key = faq.department if faq else topic.department if topic else None
    return kb.departments.get(key or "") or desk or kb.departments[kb.default_department]


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


def with_furigana(reply: Reply, readings: Mapping[str, str]) -> Reply:
    """The reply with readings over the kanji of what it says in Japanese: its message and the FAQ's question
    and answer (``"furigana": true`` in the API), for a reply in Japanese or やさしい日本語 (whose FAQ text is the
    Japanese one until it is translated). Text in other languages is left as it is."""
    if not languages.LANGUAGES[reply.lang].japanese:
        return reply
    faq = reply.faq
    if faq is not None:
        used, shown = faq.text(reply.lang)
        marked = FaqText(ruby.furigana(shown.question, readings), ruby.furigana(shown.answer, readings))
        faq = (dataclasses.replace(faq, question=marked.question, answer=marked.answer) if used == languages.DEFAULT
               else dataclasses.replace(faq, translations={**faq.translations, used: marked}))
    return dataclasses.replace(reply, message=ruby.furigana(reply.message, readings), faq=faq)


def card_with_furigana(card: ContactCard, readings: Mapping[str, str], lang: str) -> ContactCard:
    """The contact card with readings over the kanji of its Japanese text (name, opening hours, place, note)."""
    if not languages.LANGUAGES[lang].japanese:
        return card
    return dataclasses.replace(card, **{name: ruby.furigana(value, readings) for name in CARD_TEXTS
                                        if (value := getattr(card, name))})


def _online_links(faqs: list[FAQ], index: ServingIndex, lang: str) -> tuple[Link, ...]:
    """Ways to act now, outside office hours: online-procedure pages the FAQs link to, and the city site."""
    links = [Link(f.text(lang)[1].question, f.url) for f in faqs if f.url and ONLINE_TAGS & set(f.tags)]
    city_url = index.kb.departments[index.kb.default_department].url
    if city_url:
        links.append(Link(messages.text("online_city_site", lang), city_url))
    return tuple(links)
