"""Japanese analysis with Sudachi: normalisation, synonyms, morphemes and their readings."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from sudachipy import Dictionary, SplitMode

from chatbot.text import english
from chatbot.text.base import (
    BREAK_POS,
    FUNCTION_WORD,
    Analysis,
    Morpheme,
    char_bigrams,
    normalize,
    to_hiragana,
    to_katakana,
)

_SPLIT_MODES = {"A": SplitMode.A, "B": SplitMode.B, "C": SplitMode.C}
_LONE_KANJI = re.compile(r"[\u3400-\u9fff]")
_WORD_CHARS = r"ァ-ヺーa-z0-9"  # scripts whose words must not be cut in the middle by a synonym


class JapaneseAnalyzer:
    """Normalisation, synonyms and Sudachi tokenisation behind one lock (the web server is threaded)."""

    def __init__(self, synonyms: Mapping[str, Sequence[str]] | None = None, split_mode: str = "A"):
        self._dictionary = Dictionary()
        self._tokenizer = self._dictionary.tokenizer()
        self._kanji_readings: dict[str, tuple[str, ...]] = {}
        self._mode = _SPLIT_MODES[split_mode]
        self._lock = threading.Lock()
        self._synonyms, self._synonym_pattern = _compile_synonyms(synonyms or {})

    def normalize(self, text: str) -> str:
        """Width/case folding, then every synonym variant rewritten to its canonical word."""
        text = normalize(text)
        if self._synonym_pattern is None:
            return text
        return self._synonym_pattern.sub(lambda m: self._synonyms[m.group()], text)

    def analyze(self, text: str) -> Analysis:
        text = self.normalize(text)
        with self._lock:
            morphemes = tuple(word for m in self._tokenizer.tokenize(text, self._mode) for word in self._morphemes(m))
        tokens = tuple(m.form for m in morphemes if m.is_content)
        return Analysis(tokens=tokens, readings=tuple(_reading_bigrams(morphemes)), morphemes=morphemes)

    def tokens(self, text: str) -> tuple[str, ...]:
        return self.analyze(text).tokens

    def _morphemes(self, m: Any) -> list[Morpheme]:
        """Usually one; English words by their stems, one each (Sudachi keeps "city hall" as one word).
        Called with the lock held (the dictionary is not thread-safe either)."""
        reading, surface = to_katakana(m.reading_form()), m.surface()
        words = surface.split()
        if words and all(english.is_word(w) for w in words):
            pos = m.part_of_speech()[0]
            return [Morpheme(stem, reading if len(words) == 1 else "", FUNCTION_WORD if function_word else pos)
                    for stem, function_word in map(english.form, words)]
        others: tuple[str, ...] = ()
        if _LONE_KANJI.fullmatch(surface):
            if surface not in self._kanji_readings:
                self._kanji_readings[surface] = tuple(sorted({to_katakana(e.reading_form())
                                                              for e in self._dictionary.lookup(surface)}))
            others = tuple(r for r in self._kanji_readings[surface] if r != reading)
        return [Morpheme(m.normalized_form(), reading, m.part_of_speech()[0], others)]


_reader_lock = threading.Lock()


@functools.cache
def _reader() -> Any:
    return Dictionary().tokenizer(SplitMode.C)


def readings(text: str) -> list[tuple[str, str]]:
    """Each word of ``text`` as written and as read, in hiragana: the words furigana go over. Long units
    (住民票, not 住民 + 票), as a reader takes them in; an unknown word is read as it is written."""
    with _reader_lock:
        return [(m.surface(), to_hiragana(m.reading_form())) for m in _reader().tokenize(text)]


def _reading_bigrams(morphemes: Sequence[Morpheme]) -> list[str]:
    """Bigrams over the reading of each run between symbols.

    Particles stay in: Sudachi often tags parts of an all-hiragana word as particles
    (まいなんばー → まい/なん/ばー), and dropping them would lose the very reading we need.
    """
    grams: list[str] = []
    run = ""
    for morpheme in morphemes:
        if morpheme.pos in BREAK_POS:
            grams.extend(char_bigrams(run))
            run = ""
        else:
            run += morpheme.reading
    grams.extend(char_bigrams(run))
    return grams


def _compile_synonyms(synonyms: Mapping[str, Sequence[str]]) -> tuple[dict[str, str], re.Pattern[str] | None]:
    """One longest-first alternation of variants; canonical words map to themselves so they win over
    a shorter variant inside them (マイナ inside マイナンバーカード)."""
    table: dict[str, str] = {}
    for canonical, variants in synonyms.items():
        target = normalize(canonical)
        for word in (canonical, *variants):
            table.setdefault(normalize(word), target)
    table.pop("", None)
    if not table:
        return table, None
    parts = [_guarded(word) for word in sorted(table, key=len, reverse=True)]
    return table, re.compile("|".join(parts))


def _guarded(word: str) -> str:
    """Don't match inside a longer katakana or latin word: マイナ must not rewrite マイナンバー."""
    pattern = re.escape(word)
    if re.match(f"[{_WORD_CHARS}]", word[0]):
        pattern = f"(?<![{_WORD_CHARS}])" + pattern
    if re.match(f"[{_WORD_CHARS}]", word[-1]):
        pattern += f"(?![{_WORD_CHARS}])"
    return pattern
