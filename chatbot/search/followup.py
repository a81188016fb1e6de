"""Follow-up questions: 「必要なものは？」 right after an answer on 転入届 is a question about 転入届.

The server is stateless: the widget sends the FAQ the conversation is about with the next question.
A question naming no matter of its own (its words are ones many FAQs share: 必要, 申請, どこ) is
searched together with that FAQ's question; one that names anything more specific starts afresh,
since context must never drag a clear new question back to the old subject.
"""

from __future__ import annotations

from collections.abc import Mapping

from chatbot.core import languages
from chatbot.knowledge import FAQ
from chatbot.search.engine import Hit, SearchEngine
from chatbot.search.topics import TopicIndex
from chatbot.text.base import JAPANESE_SCRIPT, fold

# A word in at least this share of FAQs names no matter by itself. The shares were tuned on the dev rows of
# tests/eval/conversation.tsv, conversation2.tsv and conversation_dev.tsv (scripts/eval_kb.py).
COMMON_SHARE = 0.04
RARE_SHARE = 0.003  # a word this rare that the FAQ found with the subject lacks names another matter
OWN_WORDS = 3  # read with the subject, the first this many hits compete on the question's own words
SPECIFIC_SHARE = 0.3  # words in more FAQs than this (必要, 出来る) say nothing of which FAQ holds the answer
# A question an FAQ answers on its own with this many specific nouns is a new one, whatever the subject. Chosen
# on the dev rows of the conversation sets and on each FAQ's alt questions asked after two FAQs of other
# offices (an answer the subject changes is a question dragged): docs/retrieval.md, "Conversation".
NAMED_NOUNS = 2


def leans_on(engine: SearchEngine, question: str, subject: FAQ, alone: Hit | None) -> bool:
    """Whether to read the question against the subject: not when an FAQ answers it on its own through
    an uncommon noun the subject lacks ("after-school childcare" after an answer on nursery schools), or
    through several nouns that each name something (「税金をコンビニで払いたい」 after an answer on 住民票 at
    convenience stores: its words are common, but together they are a matter of their own); else when it is
    not answered on its own, or it names no matter (`follows_on`). ``alone`` is the hit that answers the
    question by itself, if one does."""
    if alone is not None and alone.id != subject.id and (
            names_matter(engine, question, alone.id, besides=subject.id) or names_things(engine, question)):
        return False
    return alone is None or follows_on(engine, question, subject)


def names_things(engine: SearchEngine, question: str) -> bool:
    """Whether the question holds at least NAMED_NOUNS different nouns specific enough to say which FAQ answers
    it. The parts of a compound count apart (住民 and 票): counting runs of nouns as one thing instead kept as
    many follow-ups and let more new questions be dragged (docs/retrieval.md, "Conversation")."""
    nouns = {m.form for m in engine.analyzer.analyze(question).morphemes if m.pos == "名詞"}
    return sum(0.0 < engine.word_share.get(noun, 0.0) < SPECIFIC_SHARE for noun in nouns) >= NAMED_NOUNS


def own_words_first(engine: SearchEngine, faqs: Mapping[str, FAQ], question: str, subject: FAQ,
                    hits: tuple[Hit, ...], threshold: float) -> tuple[Hit, ...]:
    """The hits found with the subject, the one of the subject's office holding most of the question's own
    specific words first: the subject's words make its own FAQ win, though 「郵送でもできる？」 after an answer
    on moving out online asks for the FAQ on moving out by post. Words in many FAQs (必要, 出来る) do not
    count, and only a hit confident enough to answer may move up."""
    words = [word for word in engine.analyzer.analyze(question).tokens
             if engine.word_share.get(word, 0.0) < SPECIFIC_SHARE]

    def held(hit: Hit) -> int:
        own = engine.doc_words[engine.ids.index(hit.id)]
        return sum(word in own for word in words)

    best = max(hits[:OWN_WORDS], key=held, default=None)
    if (best is None or best is hits[0] or best.confidence < threshold
            or faqs[best.id].department != subject.department):
        return hits
    return (best, *(hit for hit in hits if hit is not best))


def follows_on(engine: SearchEngine, question: str, subject: FAQ) -> bool:
    """Whether the question leans on the conversation's subject: each of its nouns is a common one, one
    the subject's FAQ uses (証人 after 婚姻届), or one no FAQ knows (nothing to start afresh with).
    Verbs and adjectives ask for something (遅れる, 安い, 連れる); nouns name the matter."""
    own = engine.doc_words[engine.ids.index(subject.id)]
    return all(m.form in own or not 0.0 < engine.word_share.get(m.form, 0.0) < COMMON_SHARE
               for m in engine.analyzer.analyze(question).morphemes if m.pos == "名詞")


def keeps_words(engine: SearchEngine, question: str, faq_id: str) -> bool:
    """Whether the FAQ found with the subject still has every uncommon word of the question itself:
    one it lacks (「更新」 asked after an answer on the PIN) is a matter of its own, and so is a noun no
    FAQ knows (「株価」 after an answer on the My Number card is not about the card), unless the question
    also shares a specific noun with that FAQ and the unknown noun is Japanese: 軽トラ in 「自分で持ち込みも
    できる？軽トラあるんで」 after an answer on 粗大ごみ is held to it by 持ち込み, and 家内, 旦那 say who, not
    what. (English nouns no FAQ knows stay a new matter: "after-school care for my first grader".)"""
    words = engine.doc_words[engine.ids.index(faq_id)]
    analysis = engine.analyzer.analyze(question)
    nouns = [m.form for m in analysis.morphemes if m.pos == "名詞"]
    unknown = [noun for noun in nouns if noun not in engine.lexicon.vocabulary]
    anchored = any(noun in words and engine.word_share.get(noun, 1.0) < SPECIFIC_SHARE for noun in nouns)
    if unknown and (not anchored or not all(JAPANESE_SCRIPT.search(word) for word in unknown)):
        return False
    return all(token in words or not 0.0 < engine.word_share.get(token, 0.0) < RARE_SHARE
               for token in analysis.tokens)


def names_matter(engine: SearchEngine, question: str, faq_id: str, besides: str | None = None) -> bool:
    """Whether the question shares an uncommon noun with the FAQ: it is about that FAQ's matter, not
    only worded like it (「職員」 and 「電話」 are in many FAQs; a verb names no matter). With ``besides``
    (the conversation's subject) the noun must be one that FAQ lacks: 夜 asked after 婚姻届 is about
    the registration at night, not about the night-time clinic."""
    words = engine.doc_words[engine.ids.index(faq_id)]
    own = engine.doc_words[engine.ids.index(besides)] if besides else frozenset()
    return any(m.pos == "名詞" and m.form in words and m.form not in own
               and engine.word_share.get(m.form, 0.0) < COMMON_SHARE
               for m in engine.analyzer.analyze(question).morphemes)


def mentions_matter(engine: SearchEngine, topics: TopicIndex, question: str, among: str) -> bool:
    """Whether the words of ``question`` whose reading or spelling lies in ``among`` (the part of a message
    small talk does not explain, folded: kana, or kanji as written) name something the city handles: a
    department topic, or an uncommon noun some FAQ uses. 「ありがとう、ところで粗大ごみは？」 thanks, but asks
    about 粗大ごみ."""
    topic = topics.named(question, engine.analyzer.normalize)
    if topic and (fold(topic.reading or topic.form) in among or fold(topic.form) in among):
        return True
    return any(m.pos == "名詞" and 0.0 < engine.word_share.get(m.form, 0.0) < COMMON_SHARE
               and (fold(m.reading or m.form) in among or fold(m.form) in among)
               for m in engine.analyzer.analyze(question).morphemes)


def with_subject(question: str, subject: FAQ) -> str:
    """The question as if it had named its subject, in the question's language when the FAQ has it."""
    return f"{subject.text(languages.detect(question))[1].question} {question}"
