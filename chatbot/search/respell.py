"""Respell query words the knowledge base never uses as KB words with the same reading.

Most Japanese typos are IME homophone slips (暗唱番号 for 暗証番号, 住民表 for 住民票), and citizens
type kana where the FAQ has kanji (ｲﾝｶﾝ, ほけんしょう, whose Sudachi split is ほ/健勝). Both keep the
reading, so a reading → KB words table, built from the FAQs themselves, turns such a query back
into the FAQ's words. Words the knowledge base already uses are never touched, so a correct query
is never changed; and a word it does not know that has no KB reading stays unknown, which is itself
evidence that the question is about something else (天気 is not 転居).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chatbot.text import BREAK_POS, Morpheme

MAX_SPAN = 4  # morphemes joined into one reading: 再/交付, or か/ー/ど split out of a kana run
MIN_READING = 3  # kana; shorter readings match some KB word by chance
MAX_READINGS = 64  # combinations of a span's kanji readings tried
PARTICLE = "助詞"
_LATIN = re.compile("[A-Za-z]")


@dataclass(frozen=True)
class ReadingLexicon:
    entries: Mapping[str, tuple[str, ...]]  # reading → the KB's commonest token sequence with it
    vocabulary: frozenset[str]  # every content token of the knowledge base

    @classmethod
    def build(cls, texts: Iterable[Sequence[Morpheme]]) -> ReadingLexicon:
        """Readings of every run of up to MAX_SPAN consecutive content words in the FAQs."""
        counts: Counter[tuple[str, tuple[str, ...]]] = Counter()
        vocabulary: set[str] = set()
        for morphemes in texts:
            for run in _runs(morphemes, content_only=True):
                vocabulary.update(m.form for m in run)
                for start in range(len(run)):
                    for span in _spans(run, start):
                        reading = "".join(m.reading for m in span)
                        if len(reading) >= MIN_READING:
                            counts[reading, tuple(m.form for m in span)] += 1
        entries: dict[str, tuple[str, ...]] = {}
        for (reading, tokens), _ in sorted(counts.items(), key=lambda item: -item[1]):
            entries.setdefault(reading, tokens)
        return cls(entries, frozenset(vocabulary))

    def respell(self, morphemes: Sequence[Morpheme]) -> tuple[str, ...]:
        """Content tokens of the query, with unknown stretches replaced by KB words of the same reading.

        Longest match first, and only over a suspect stretch (see `_suspect`).
        """
        tokens: list[str] = []
        for run in _runs(morphemes, content_only=False):
            start = 0
            while start < len(run):
                span, replacement = self._longest_match(run, start)
                if replacement:
                    tokens.extend(replacement)
                elif span[0].is_content:
                    tokens.append(span[0].form)
                start += len(span)
        return tuple(tokens)

    def _longest_match(self, run: Sequence[Morpheme], start: int) -> tuple[Sequence[Morpheme], tuple[str, ...]]:
        for span in reversed(_spans(run, start)):
            if self._suspect(span):
                for reading in self._readings(span):
                    replacement = self.entries.get(reading)
                    if replacement:
                        return span, replacement
        return run[start:start + 1], ()

    def _readings(self, span: Sequence[Morpheme]) -> Iterator[str]:
        """Sudachi's reading of the span first, then with other readings of its unknown lone kanji."""
        choices = [(m.reading, *m.other_readings) if m.form not in self.vocabulary else (m.reading,) for m in span]
        return itertools.islice(("".join(parts) for parts in itertools.product(*choices)), MAX_READINGS)

    def _suspect(self, span: Sequence[Morpheme]) -> bool:
        """A word the KB does not use, or particles glued to other words: Sudachi's usual split of a kana
        word it does not know (かーど → か/ー/ど). An auxiliary verb after a verb is grammar, not a split:
        し/たい in 申請したい must stay, not become 死体 because one FAQ mentions a dead animal. A word in
        Latin letters is no misspelt kana: Sudachi reads it by its katakana spelling, so "slow" (スロー) would
        become "throw" and "you are so slow" the FAQ on throwing batteries away."""
        if any(_LATIN.search(m.form) for m in span):
            return False
        return any(m.is_content and m.form not in self.vocabulary for m in span) or (
            len(span) > 1 and any(m.pos == PARTICLE for m in span))

    def to_json(self) -> dict[str, object]:
        """The entries only: the vocabulary is every word of the FAQs, which the index keeps anyway."""
        return {"entries": {reading: list(tokens) for reading, tokens in self.entries.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], vocabulary: frozenset[str]) -> ReadingLexicon:
        return cls({reading: tuple(tokens) for reading, tokens in data["entries"].items()}, vocabulary)


def _runs(morphemes: Sequence[Morpheme], content_only: bool) -> list[list[Morpheme]]:
    """Stretches between symbols and spaces; with content_only, particles end a stretch too."""
    runs: list[list[Morpheme]] = [[]]
    for morpheme in morphemes:
        if morpheme.pos in BREAK_POS or (content_only and not morpheme.is_content):
            runs.append([])
        else:
            runs[-1].append(morpheme)
    return [run for run in runs if run]


def _spans(run: Sequence[Morpheme], start: int) -> list[Sequence[Morpheme]]:
    """Spans beginning at start, shortest first."""
    return [run[start:end] for end in range(start + 1, min(start + MAX_SPAN, len(run)) + 1)]
