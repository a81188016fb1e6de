"""Conversation: small talk recognised before any search, follow-ups that keep their subject, and
subject changes that start afresh; against the real index of the bundled knowledge base."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from chatbot.core import messages
from chatbot.core.settings import Settings
from chatbot.search.versions import ServingIndex, load_current
from chatbot.serving import respond as respond_module
from chatbot.serving import talk
from chatbot.serving.reply import Reply
from chatbot.serving.respond import learned_talk, respond
from chatbot.serving.talk import recognise
from chatbot.text import analyzer

MOVING_IN = "procedures-moving-in-notification"
OVERSIZED = "garbage-sodai"
GREETING_FAQS = ("procedures-moving-in-notification", "garbage-sorting-howto", "no-such-faq")


@pytest.fixture(scope="module")
def index(built: Settings) -> ServingIndex:
    return load_current(built.index_dir)


def ask(index: ServingIndex, question: str, previous: str | None = None) -> Reply:
    return respond(index, question, threshold=0.5, suggest_threshold=0.2, previous=previous,
                   greeting_faqs=GREETING_FAQS)


@pytest.mark.parametrize(("text", "kind"), [
    ("こんにちは", "greeting"), ("こんばんは〜", "greeting"), ("よろしくお願いします", "greeting"),
    ("Hello!", "greeting"), ("good morning", "greeting"),
    ("ありがとう", "thanks"), ("有難うございました！", "thanks"), ("助かりました", "thanks"), ("Thank you!", "thanks"),
    ("bye", "thanks"),
    ("人と話したい", "handoff"), ("職員の人に電話で直接聞きたいです", "handoff"),
    ("Can I talk to a person?", "handoff"), ("担当者につないでください", "handoff"),
    ("もっと詳しく", "details"), ("くわしく教えて", "details"), ("tell me more", "details"),
    ("ばか", "chatter"), ("asdfgh", "chatter"), ("あああああ", "chatter"), ("？？？", "chatter"),
    ("you are useless", "chatter"), ("好きな食べ物は？", "chatter"), ("今日めっちゃ暑くね？", "chatter"),
    # every language the bot speaks
    ("你好", "greeting"), ("谢谢！", "thanks"), ("我想和工作人员说话", "handoff"), ("안녕하세요", "greeting"),
    ("감사합니다", "thanks"), ("직원과 통화하고 싶어요", "handoff"), ("Xin chào", "greeting"), ("cảm ơn", "thanks"),
    ("cam on", "thanks"), ("salamat po", "thanks"), ("नमस्ते", "greeting"), ("धन्यवाद", "thanks"),
    ("dhanyabad hajur", "thanks"), ("Olá, tudo bem?", "greeting"), ("Obrigado!", "thanks"),
    ("Quero falar com um atendente", "handoff"),
    # asking for a number is asking for a call: the contact card answers it, open now or not
    ("市役所の電話番号", "handoff"), ("電話番号おしえて", "handoff"),
    ("What is the phone number of the city office?", "handoff"), ("phone number?", "handoff"),
    ("I'd like to visit the office in person, which counter?", "handoff"),
    ("This is too complicated. Human please", "handoff"),
    ("nice weather today isn't it", "chatter"), ("明日って雨降る？", "chatter"), ("寒くなってきたねぇ", "chatter"),
    ("👍🙏", "thanks"), ("❤️", "thanks"), ("🙇‍♂️", "thanks"), ("👋", "greeting"), ("🤔💦", "chatter"),
    ("😡😡😡👍", "chatter"), ("ごめんください", "greeting"),
    # the official page of the last answer is its details
    ("公式のページはありますか", "details"), ("市のホームページのどこに載ってる？", "details"),
    ("Is there an official page for this?", "details"), ("source?", "details"),
])
def test_small_talk_is_recognised(text: str, kind: str) -> None:
    found = recognise(text, analyzer({}).analyze(text).reading)
    assert found is not None and found.kind == kind


@pytest.mark.parametrize(("text", "kind"), [
    ("ぜんぜん役に立たないじゃん😡", "chatter"), ("Thank you so much, that was really helpful", "thanks"),
    ("ちょっと意味わかんない、もう一回くわしめにお願い", "details"),
    ("you're kinda dumb huh", "chatter"),  # the kind explaining most of it: dumb, not a wish for details (huh)
])
def test_a_few_words_no_phrase_explains_are_tolerated(text: str, kind: str) -> None:
    found = recognise(text, analyzer({}).analyze(text).reading)
    assert found is not None and found.kind == kind


@pytest.mark.parametrize("text", [
    "ありがとう。ところで粗大ごみは？", "職員採用試験について", "粗大ごみの出し方", "電話番号を変更したい",
    "必要なものは？", "住民票", "登録した電話番号が変わりました", "こんにちは、転入届はどこで出せますか",
    "明日の天気は分かりますか", "野良猫が庭にふんをして困っています", "What can you do?",
    "I got a call from a strange phone number", "子ども", "子どもは？", "今日はお休みですか？", "それでいいの？",
    "返事は？", "チャットボットの使い方", "Can I apply for a My Number card in person?",
    "消費者トラブルは誰に相談すればいい？", "How do I change the phone number I registered?",
    "市のホームページで申請できますか", "ホームページに載っている手数料はいくら？",
    # phone numbers, counters and "in person" inside real questions
    "What is the emergency phone number for a sick child at night?", "Can I pay taxes with my smartphone now?",
    "Which counter handles residence certificates?", "Do I need a phone number to apply online?",
    "Do I have to go to the office in person?", "What phone number should I write on the form?",
])
def test_questions_are_not_small_talk(text: str) -> None:
    assert recognise(text, analyzer({}).analyze(text).reading) is None


@pytest.mark.parametrize(("text", "kind"), [
    ("ありがとうございました。これで安心して手続きできます", "thanks"),
    ("ご丁寧にありがとうございます。さっそく明日行ってみます", "thanks"),
    ("Great, I will go to city hall tomorrow. Thanks.", "thanks"),
    ("ありがとうございます。でも明日は行けないかな", None),  # ends asking
    ("ありがとうございました。明日は行けないのですが？", None),  # a question mark
    ("ありがとう、それで何を持っていけば", None), ("Thanks. How much does it cost", None),  # asking words
    ("ありがとう。書類を郵送でお願いします", None), ("Thanks, please tell me the fee", None),  # requests
    ("すみません、パスポートを申請したいです", None),  # a greeting opens requests: only thanks closes
    ("Hello, my father passed away", None),
    ("city hall opening hours", None),  # "hallo" inside words neither opens nor closes it
    ("Cảm ơn, tôi muốn xin giấy juminhyo", None),  # no asking words known for Vietnamese: the usual limit
])
def test_thanks_with_a_statement_is_recognised_as_stated(text: str, kind: str | None) -> None:
    found = recognise(text, analyzer({}).analyze(text).reading)
    assert (found.kind if found else None) == kind
    assert found is None or found.stated


def test_thanks_with_a_statement_is_small_talk_only_when_no_faq_is_likely(index: ServingIndex) -> None:
    assert ask(index, "ご丁寧にありがとうございます。さっそく明日行ってみます", previous=MOVING_IN).type == "thanks"
    for report in ("ありがとうございます。あと粗大ごみも出したいです",  # names a matter
                   "ありがとう。でも道路の穴がまだ直っていません",  # a report an FAQ answers
                   "ご丁寧にありがとうございました。親権は？"):  # two words more, naming a matter
        assert ask(index, report).type in ("answer", "fallback"), report
    assert ask(index, "Thanks, please tell me the fee").type in ("answer", "fallback")  # the learned one asks too


@pytest.mark.parametrize(("text", "kind"), [("ねむたい", "chatter"), ("can a human help me", "handoff")])
def test_small_talk_no_phrase_foresaw_is_learned_from_examples(index: ServingIndex, text: str, kind: str) -> None:
    assert recognise(text, analyzer({}).analyze(text).reading) is None  # no phrase knows it
    reply = ask(index, text)
    assert reply.type == kind and reply.faq is None
    assert reply.department.key == index.kb.default_department  # "help" names no matter


def test_small_talk_still_works_when_the_recogniser_cannot_be_trained(index: ServingIndex, monkeypatch,
                                                                      caplog) -> None:
    def broken(_: ServingIndex) -> None:
        raise ValueError("a row without its kind")
    monkeypatch.setattr(respond_module, "_train_talk", broken)
    other = dataclasses.replace(index, engine=copy.copy(index.engine),
                                kb=dataclasses.replace(index.kb, content_hash="untrainable"))
    assert learned_talk(other) is None and "not trained" in caplog.text
    assert ask(other, "こんにちは").type == "greeting" and ask(other, "ねむたい").type in ("answer", "fallback")


def test_what_only_the_learned_recogniser_calls_small_talk_stays_a_question(index: ServingIndex) -> None:
    model, reading = learned_talk(index), analyzer({}).analyze
    assert model.kind(talk.form("猫は？", reading("猫は？").reading))[0] == "chatter"
    assert ask(index, "猫は？").type in ("answer", "fallback")  # it names a matter: a question
    free = "誰が直してくれるの？"
    assert model.kind(talk.form(free, reading(free).reading)) == ("chatter", False)
    follow = ask(index, free, previous="living-streetlight-out")  # the subject gets it an answer
    assert follow.type == "answer" and follow.subject is not None


def test_small_talk_the_learned_recogniser_is_sure_of_stands_against_a_follow_up(index: ServingIndex) -> None:
    model, reading = learned_talk(index), analyzer({}).analyze
    text = "電話で聞いたほうが早そう。番号は？"
    assert recognise(text, reading(text).reading) is None
    assert model.kind(talk.form(text, reading(text).reading)) == ("handoff", True)
    reply = ask(index, text, previous="welfare-shintai-techo")  # read with the subject, an FAQ would answer it
    assert reply.type == "handoff" and reply.department.key == "shogaisha"


def test_the_small_talk_examples_are_blind_and_cover_every_kind() -> None:
    assert "helpers who read no FAQ file, no evaluation set" in talk._EXAMPLES.read_text(encoding="utf-8")
    kinds = [kind for _, kind in talk.examples()]
    assert set(kinds) == {*talk.WHOLE_KINDS, talk.HANDOFF, talk.QUESTION}
    assert min(kinds.count(kind) for kind in set(kinds)) >= 200


def test_a_follow_up_keeps_the_subject(index: ServingIndex) -> None:
    alone = ask(index, "必要なものは？")
    follow = ask(index, "必要なものは？", previous=MOVING_IN)
    assert follow.type == "answer" and follow.faq is not None and follow.faq.id == MOVING_IN
    assert alone.faq is None or alone.faq.id != MOVING_IN  # the subject made the difference
    assert follow.subject is not None and follow.subject.id == MOVING_IN
    english = ask(index, "What do I need to bring?", previous=MOVING_IN)
    assert english.faq is not None and english.faq.id == MOVING_IN and english.lang == "en"


def test_a_follow_up_finds_the_sibling_of_the_subject_that_has_its_own_words(index: ServingIndex) -> None:
    online = "procedures-moving-out-online"
    by_post = ask(index, "郵送でもできる？", previous=online)
    assert by_post.faq is not None and by_post.faq.id == "procedures-moving-out-mail"
    alone = ask(index, "郵送でもできる？")
    assert alone.faq is None or alone.faq.id != by_post.faq.id  # the subject made the difference


def test_a_question_naming_a_matter_starts_afresh(index: ServingIndex) -> None:
    changed = ask(index, "じゃあ粗大ごみは？", previous=MOVING_IN)
    assert changed.faq is not None and changed.faq.id == OVERSIZED
    assert changed.subject is not None and changed.subject.id == OVERSIZED


def test_an_unknown_matter_is_not_dragged_to_the_subject(index: ServingIndex) -> None:
    reply = ask(index, "今日の株価を教えて", previous="mynumber-apply-child")
    assert reply.type == "fallback" and reply.subject is None


def test_a_place_or_a_person_no_faq_names_does_not_end_a_follow_up(index: ServingIndex) -> None:
    """軽トラ and 奴 (やつ) are in no FAQ, but 持ち込み and 紙 hold the question to its subject."""
    for subject, question in ((OVERSIZED, "自分で持ち込みもできる？軽トラあるんで"),
                              ("safety-hazard-map", "紙のやつもらえる？")):
        follow = ask(index, question, previous=subject)
        assert follow.faq is not None and follow.faq.id == subject
        assert ask(index, question).faq is None  # the subject made the difference


def test_a_question_of_several_named_things_is_new_whatever_the_subject(index: ServingIndex) -> None:
    """Its words are all common ones (税金, コンビニ), but together they name a matter of its own."""
    question = "税金をコンビニで払いたい"
    alone = ask(index, question)
    assert alone.faq is not None and alone.faq.id != "procedures-konbini-juminhyo"
    assert ask(index, question, previous="procedures-konbini-juminhyo").faq == alone.faq


def test_saying_the_matter_changes_starts_afresh(index: ServingIndex) -> None:
    """「必要なものは？」 alone follows on (test above); said to start another matter, it is read alone."""
    changed = ask(index, "ところで、必要なものは？", previous=MOVING_IN)
    assert changed.faq is None or changed.faq.id != MOVING_IN
    assert talk.new_subject("By the way, how do I register my dog?") and not talk.new_subject("必要なものは？")
    # 違う県 (another prefecture) reads ちがうけん: a word of the question, not a new matter
    assert not talk.new_subject("違う県に引っ越す場合は？", analyzer({}).analyze("違う県に引っ越す場合は？").reading)


def test_an_unpublished_previous_id_starts_afresh(index: ServingIndex) -> None:
    assert ask(index, "必要なものは？", previous="no-such-faq") == ask(index, "必要なものは？")


def test_a_request_for_a_person_gets_the_office_of_the_matter_in_hand(index: ServingIndex) -> None:
    subject = index.faqs[OVERSIZED]
    reply = ask(index, "人と話したい", previous=OVERSIZED)
    assert reply.type == "handoff" and reply.faq is None and reply.department.key == subject.department
    assert reply.subject is not None and reply.subject.id == OVERSIZED  # the conversation goes on
    assert ask(index, "人と話したい").department.key == index.kb.default_department
    named = ask(index, "税金のことで職員と直接話したい")  # not the FAQ on jobs at the city (職員)
    assert named.type == "handoff" and named.department.key in {"kazei", "shuzei"}
    assert ask(index, "ごみのことで担当者と話したい", previous=MOVING_IN).department.key == "clean"


def test_a_fallback_goes_to_the_office_of_the_faqs_it_suggests(index: ServingIndex) -> None:
    """The top hit (spray cans) is unlikely; the FAQs suggested behind it are the clean centre's, and so is the
    contact, not the switchboard's."""
    reply = ask(index, "How do I throw away an old fridge?")
    assert reply.type == "fallback" and reply.suggestions
    assert reply.department.key == index.faqs[reply.suggestions[0].id].department != index.kb.default_department


def test_an_urgent_request_for_a_call_gets_the_office_of_the_matter_in_hand(index: ServingIndex) -> None:
    """緊急 says how soon, 何番 which number, not what about: the water-leak answer's office, not the
    crisis-management office or the switchboard."""
    leak = "living-water-leak"
    for text in ("緊急なので電話番号を！", "すぐ電話したいです。何番にかければいい？"):
        reply = ask(index, text, previous=leak)
        assert reply.type == "handoff" and reply.department.key == index.faqs[leak].department


def test_a_long_question_with_a_wish_for_a_call_is_answered(index: ServingIndex) -> None:
    question = ("一人暮らしの父が最近物忘れがひどくて、介護サービスを使いたいのですが、まず何をすればいいのか"
                "わかりません。遠方に住んでいるので電話で相談できるところはありますか。")
    reply = ask(index, question)
    assert reply.type in ("answer", "fallback") and reply.department.key == "kaigo"


def test_more_details_links_the_official_page_of_the_subject(index: ServingIndex) -> None:
    subject = index.faqs[MOVING_IN]
    reply = ask(index, "もっと詳しく", previous=MOVING_IN)
    assert reply.type == "details" and subject.url and f"]({subject.url})" in reply.message
    assert subject.question in reply.message
    assert ask(index, "もっと詳しく").message == messages.text("talk_details_no_subject")


def test_greeting_offers_the_configured_popular_questions(index: ServingIndex) -> None:
    reply = ask(index, "こんにちは")
    assert reply.type == "greeting" and reply.message == messages.text("talk_greeting")
    assert [s.id for s in reply.suggestions] == list(GREETING_FAQS[:2])  # an unpublished id is skipped
    assert ask(index, "Hello").message == messages.text("talk_greeting", "en")


@pytest.mark.parametrize(("text", "lang"), [("你好", "zh"), ("감사합니다", "ko"), ("Xin chào", "vi"),
                                           ("salamat po", "tl"), ("नमस्ते", "ne"), ("Obrigado!", "pt")])
def test_small_talk_is_answered_in_the_language_it_was_written_in(index: ServingIndex, text: str, lang: str) -> None:
    reply = ask(index, text)
    assert reply.lang == lang and reply.message == messages.text(f"talk_{reply.type}", lang)


def test_foreign_questions_stay_questions_and_a_request_for_a_person_gets_the_foreign_desk(
        index: ServingIndex) -> None:
    for question in ("住民票の写しがほしい", "转出手续怎么办", "Como faço para pagar o imposto?",
                     "Paano po mag-apply ng My Number card?", "kokuho kasari chhodne", "Xin chào, tôi muốn chuyển nhà",
                     # romanized questions short phrases of other languages could tile (FAQ alt questions)
                     "denwa shiyakusho yotsukaido daihyo", "so dien thoai daihyo yotsukaido shiyakusho la so nao",
                     "english ma sodhna milcha?", "Posso conversar com alguém sobre parcelamento do imposto?"):
        assert ask(index, question).type in ("answer", "fallback"), question
    handoff = ask(index, "직원과 통화하고 싶어요")
    assert handoff.type == "handoff" and handoff.department == index.kb.foreign_desk
    assert ask(index, "人と話したい").department.key == index.kb.default_department


def test_a_message_without_a_content_word_is_chatter(index: ServingIndex) -> None:
    assert ask(index, "ふむふむ").type == "chatter" and ask(index, "はーい").type == "chatter"
    assert ask(index, "What can you do?").type != "chatter"  # English questions can be all function words


def test_thanks_and_chatter_keep_the_subject_and_never_apologise(index: ServingIndex) -> None:
    for text, kind in (("ありがとう", "thanks"), ("ばか", "chatter")):
        reply = ask(index, text, previous=MOVING_IN)
        assert reply.type == kind and reply.message == messages.text(f"talk_{kind}")
        assert reply.subject is not None and reply.subject.id == MOVING_IN
    assert messages.text("fallback_intro") not in ask(index, "ばか").message


@pytest.mark.parametrize(("pattern", "firsts"), [
    ("ありがと", {"あ"}), ("(あめ|ゆき)がふる", {"あ", "ゆ"}), ("((a|b)c|d)x", {"a", "b", "d"}),
    ("(a\\)|b)c", {"a", "b"}),
    ("(きょう)?あめ", None), ("(a|)b", None), ("(?:ab)", None), ("[ab]c", None), ("a?b", None), ("(a|[()]b)c", None),
])
def test_phrases_are_tried_only_where_their_first_character_stands(pattern: str, firsts: set[str] | None) -> None:
    """Keying phrases by their first characters halves the cost of recognising small talk; a pattern that may
    start with anything must be tried everywhere."""
    assert talk._firsts(pattern) == (frozenset(firsts) if firsts else None)
