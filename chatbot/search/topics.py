"""Matters the city handles (departments.yaml ``topics``), or another organisation does (``elsewhere:``),
named in a question.

The search engine always finds a nearest FAQ, and a question about 児童扶養手当 or 学童保育 lands on
the FAQ for 児童手当 or 保育所 with most of its words covered. Staff know better: they list what each
department handles. A question naming such a matter that no FAQ mentions gets the honest fallback
with that department's contact, and any fallback naming a matter goes to its department rather
than the switchboard. A matter another organisation handles (相続税: the tax office) is not answered with a
city FAQ, however close one is, unless the question also names a city matter: the citizen is told who
handles it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chatbot.knowledge import FAQ, KnowledgeBase
from chatbot.text import BREAK_POS, Analyzer, Morpheme, to_katakana

MIN_READING = 4  # kana; a shorter reading turns up inside unrelated kana questions
_SEP = "\x1f"  # between words
_FAQ_SEP = "\x1e"  # between FAQs


@dataclass(frozen=True)
class Topic:
    word: str  # as staff wrote it
    department: str  # key in departments.yaml
    form: str  # normalised like questions are (width, case, synonyms)
    reading: str  # katakana, so all-hiragana questions find it too ("" when too short to trust)
    covered: bool  # some published FAQ mentions it, spelled so or as the same run of words
    outside: bool = False  # handled by an organisation other than the city (departments.yaml elsewhere:)


@dataclass(frozen=True)
class TopicIndex:
    topics: tuple[Topic, ...]  # longest first, so 児童扶養手当 wins over 手当

    @classmethod
    def build(cls, kb: KnowledgeBase, analyzer: Analyzer) -> TopicIndex:
        """``analyzer`` is the engine's, so topics, questions and FAQs are spelled alike. Covered
        also counts the topic's content words in a row (本の貸出 in 本が貸出中), not
        only its exact spelling; words apart in an FAQ (地図情報 公開, a keyword list) do not count."""
        texts = [analyzer.normalize(_faq_text(faq)) for faq in kb.published]
        # one string each, so a topic costs one search; separators keep matches inside one FAQ and run
        all_text = _FAQ_SEP.join(texts)
        all_runs = "".join(run for text in texts for run in _runs(analyzer.analyze(text).morphemes))
        topics = []
        for department, outside in [*((d, False) for d in kb.departments.values()),
                                    *((d, True) for d in kb.elsewhere.values())]:
            for word in department.topics:
                form, analysis = analyzer.normalize(word), analyzer.analyze(word)
                run, kana = _joined(analysis.tokens), analysis.reading
                covered = not outside and (form in all_text or (run != _SEP and run in all_runs))
                topics.append(Topic(word, department.key, form, kana if len(kana) >= MIN_READING else "", covered,
                                    outside))
        return cls(tuple(sorted(topics, key=lambda t: -len(t.form))))

    def named(self, question: str, normalize: Callable[[str], str]) -> Topic | None:
        """The longest topic the question names, by spelling or, for kana, by reading. Another organisation's
        matter yields to a city matter the rest of the question names: 「相続登記に使う住民票の除票」 asks
        the city for a certificate, 「相続税の申告」 only the tax office."""
        text = normalize(question)
        topic = self._longest(text)
        if topic is not None and topic.outside:
            rest = text.replace(topic.form, _SEP) if topic.form in text else text
            city = self._longest(rest, city_only=True)
            return city or topic
        return topic

    def _longest(self, text: str, city_only: bool = False) -> Topic | None:
        kana = to_katakana("".join(text.split()))
        return next((t for t in self.topics if not (city_only and t.outside)
                     and (t.form in text or (t.reading and t.reading in kana))), None)

    def unanswered(self, question: str, normalize: Callable[[str], str]) -> Topic | None:
        """A topic the question names that no FAQ covers: the knowledge base cannot answer it."""
        topic = self.named(question, normalize)
        return topic if topic and not topic.covered else None


def _joined(words: Iterable[str]) -> str:
    """Words between separators, so a run of words is found with ``in`` without matching half a word
    (and, runs being joined end to end, never across two runs: their seam is a double separator)."""
    return _SEP + _SEP.join(words) + _SEP


def _runs(morphemes: Iterable[Morpheme]) -> list[str]:
    """Content words between spaces and symbols, particles skipped (本の貸出 is 本 貸出), joined."""
    runs: list[list[str]] = [[]]
    for m in morphemes:
        if m.pos in BREAK_POS:
            runs.append([])
        elif m.is_content:
            runs[-1].append(m.form)
    return [_joined(run) for run in runs if run]


def _faq_text(faq: FAQ) -> str:
    parts: Iterable[str] = (faq.question, *faq.alt_questions, *faq.tags, faq.answer)
    return "\n".join(parts)
