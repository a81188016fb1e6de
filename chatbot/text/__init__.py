"""Text analysis: one analyzer per language behind the `Analyzer` protocol; Sudachi lives in `japanese` only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chatbot.core import languages
from chatbot.text import foreign
from chatbot.text.base import BREAK_POS, STOP_POS, Analysis, Analyzer, Morpheme, char_bigrams, normalize, to_katakana
from chatbot.text.japanese import JapaneseAnalyzer

__all__ = ["BREAK_POS", "STOP_POS", "Analysis", "Analyzer", "Morpheme", "analyzer", "char_bigrams", "normalize",
           "to_katakana"]

ANALYZERS = {"ja": JapaneseAnalyzer, **foreign.ANALYZERS}  # the registry's `Language.analyzer` codes


def analyzer(synonyms: Mapping[str, Sequence[str]] | None = None, lang: str = languages.DEFAULT) -> Analyzer:
    """The analyzer questions in ``lang`` go through, with the knowledge base's synonyms."""
    return ANALYZERS[languages.LANGUAGES[lang].analyzer](synonyms)
