"""What every analyzer produces, and the normalisation all of them share.

Citizens type half-width kana, full-width latin, all-hiragana or their own words for things
(マイナ for マイナンバーカード); every channel of the search engine starts from one `Analysis` per text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple, Protocol

FUNCTION_WORD = "機能語"  # the part of speech given to English function words (chatbot.text.english)
# Parts of speech that carry grammar, not topic: dropping them keeps BM25 and the dense model on content.
STOP_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白", "感動詞", FUNCTION_WORD})
BREAK_POS = frozenset({"補助記号", "記号", "空白"})  # symbols and spaces end a run of kana
JAPANESE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")  # kana and kanji
_HIRAGANA = re.compile(r"[ぁ-ゖ]")
_KATAKANA = re.compile(r"[ァ-ヶ]")
_DROPPED = frozenset("PSZC")  # punctuation, symbols (emoji), separators and control characters
_LONG_VOWEL = "ー〜~"
_EMOJI_PARTS = "\ufe0e\ufe0f\u20e3"  # variation selectors (❤️ is ❤ + U+FE0F) and the keycap of 1️⃣


class Morpheme(NamedTuple):
    form: str  # the dictionary's normalized form
    reading: str  # katakana
    pos: str  # first level of the part of speech
    # The dictionary's other readings of a lone kanji: Sudachi reads one cut out of an unknown word by
    # its own (粉 as コナ in 粉失, a slip for 紛失 フンシツ), so respelling tries these too.
    other_readings: tuple[str, ...] = ()

    @property
    def is_content(self) -> bool:
        return self.pos not in STOP_POS


@dataclass(frozen=True)
class Analysis:
    """Everything the engine's channels need from one text, computed in one tokenizer pass."""

    tokens: tuple[str, ...]  # normalized forms of content words
    readings: tuple[str, ...]  # katakana reading bigrams, so kana-only questions meet kanji FAQs
    morphemes: tuple[Morpheme, ...] = ()  # every morpheme, for respelling by reading (chatbot.search.respell)

    @property
    def reading(self) -> str:
        """Katakana reading of the whole text, symbols and spaces left out."""
        return "".join(m.reading for m in self.morphemes if m.pos not in BREAK_POS)


class Analyzer(Protocol):
    """One language's analysis; indexing and querying use the same one, so both sides see the same words."""

    def normalize(self, text: str) -> str:
        """Width/case folding and synonyms: the spelling topics and questions are compared in."""

    def analyze(self, text: str) -> Analysis: ...

    def tokens(self, text: str) -> tuple[str, ...]: ...


def normalize(text: str) -> str:
    """NFKC folds width variants (ﾏｲﾅﾝﾊﾞｰ, Ｍｙ) so later steps see one spelling; latin is lowercased."""
    return unicodedata.normalize("NFKC", text).lower()


def to_katakana(text: str) -> str:
    return _HIRAGANA.sub(lambda m: chr(ord(m.group()) + 0x60), text)


def to_hiragana(text: str) -> str:
    return _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), text)


def fold(text: str) -> str:
    """Width and case folded, katakana as hiragana, nothing but letters and digits: the spelling small-talk
    phrases are written and compared in (spaces, punctuation, emoji and long-vowel marks carry no meaning
    there)."""
    text = to_hiragana(unicodedata.normalize("NFKC", text).casefold())
    return "".join(c for c in text if unicodedata.category(c)[0] not in _DROPPED and c not in _LONG_VOWEL
                   and c not in _EMOJI_PARTS)


def char_bigrams(text: str) -> list[str]:
    return [text[i:i + 2] for i in range(len(text) - 1)] if len(text) > 1 else [text] if text else []
