"""Matters another organisation handles (departments.yaml ``elsewhere:``), against the real index of the bundled
knowledge base: the citizen is told who handles them, with its website, instead of the nearest city FAQ."""

from __future__ import annotations

import pytest

from chatbot.core import languages, messages
from chatbot.core.settings import Settings
from chatbot.search.versions import ServingIndex, load_current
from chatbot.serving.reply import Reply
from chatbot.serving.respond import respond


@pytest.fixture(scope="module")
def index(built: Settings) -> ServingIndex:
    return load_current(built.index_dir)


def ask(index: ServingIndex, question: str, **options) -> Reply:
    return respond(index, question, threshold=0.5, suggest_threshold=0.2, **options)


@pytest.mark.parametrize(("question", "lang", "organisation"), [
    ("相続税の申告はいつまでですか", "ja", "zeimusho"),
    ("確定申告の還付金はいつ振り込まれますか", "ja", "zeimusho"),  # longer than the city's topic 確定申告
    ("財布を落としたので遺失届を出したい", "ja", "keisatsu"),  # an FAQ on a lost My Number card mentions 遺失届
    ("郵便物の転送届を出したいです", "ja", "yubin"),
    ("How do I renew my visa?", "en", "nyukan"),
    ("签证怎么续签？", "zh", "nyukan"),  # a topic in the asker's language
])
def test_a_matter_another_organisation_handles_names_it(index: ServingIndex, question: str, lang: str,
                                                        organisation: str) -> None:
    reply = ask(index, question)
    body = reply.to_json()
    assert (reply.lang, reply.type, reply.faq) == (lang, "fallback", None)
    place = index.kb.elsewhere[organisation]
    assert body["elsewhere"] == {"key": organisation, "name": place.name_in(lang), "url": place.url}
    assert reply.message == messages.text("fallback_elsewhere", lang, organisation=place.name_in(lang), url=place.url)
    assert f"]({place.url})" in reply.message  # a link the widget renders
    # the city's own contact stays on the card: the switchboard, or the foreign residents' desk
    kb = index.kb
    assert reply.department in (kb.departments[kb.default_department], kb.foreign_desk)


def test_an_organisation_without_a_website_is_named_without_a_link(index: ServingIndex) -> None:
    reply = ask(index, "銀行で口座開設をしたいです")
    bank = index.kb.elsewhere["kinyu"]
    assert bank.url is None and reply.to_json()["elsewhere"]["key"] == "kinyu"
    assert reply.message == messages.text("fallback_elsewhere_no_link", "ja", organisation=bank.name)


@pytest.mark.parametrize(("question", "faq_id"), [
    ("運転免許証で住民票の写しを取れますか", None),  # a driving licence as identification is the city's matter
    ("マイナンバーカードをなくして遺失届を出しました。再発行は？", "mynumber-card-lost"),  # the longer city topic wins
    ("軽自動車税の納付書をなくした", None),  # 軽自動車税 (the city) holds 自動車税 (the prefecture)
    ("軽自動車税種別割の納付書", None),  # and so does 軽自動車税種別割, longer than 自動車税種別割
    ("相続登記に使う住民票の除票がほしい", None),  # a city matter named besides: the certificate is the city's
])
def test_a_city_matter_mentioning_another_organisations_words_stays_with_the_city(
        index: ServingIndex, question: str, faq_id: str | None) -> None:
    reply = ask(index, question)
    assert reply.elsewhere is None and reply.to_json()["elsewhere"] is None
    if faq_id:
        assert reply.faq is not None and reply.faq.id == faq_id


def test_bundled_organisations_have_every_language_and_no_phone(index: ServingIndex) -> None:
    """No phone number or address is kept for them: the knowledge base must not invent one."""
    for place in index.kb.elsewhere.values():
        assert set(place.names) == set(languages.CODES) - {languages.DEFAULT}, place.key
        assert place.topics and not place.phone and not place.location
        assert place.url is None or place.url.startswith("https://")


def test_no_faq_question_in_any_language_is_sent_elsewhere(index: ServingIndex) -> None:
    """Every question and alt question a published FAQ answers, in every language it has, stays with the city:
    an organisation's topic that captures one is worded too broadly (zh 登记, "registration", took
    「我怀孕了，去哪里登记」 to the Legal Affairs Bureau)."""
    sent = [(faq.id, lang, question) for faq in index.kb.published
            for lang, text in (("ja", faq), *faq.translations.items())
            for question in (text.question, *text.alt_questions)
            if ask(index, question, lang=lang).elsewhere is not None]
    assert sent == []


def test_asking_for_a_person_about_another_organisations_matter_names_it(index: ServingIndex) -> None:
    reply = ask(index, "相続税のことで職員と話したい")
    assert reply.type == "handoff" and reply.elsewhere is not None and reply.elsewhere.key == "zeimusho"
    assert reply.department.key == index.kb.default_department  # no city office handles 相続税
    assert reply.message == messages.text("fallback_elsewhere", "ja", organisation=reply.elsewhere.name,
                                          url=reply.elsewhere.url)
