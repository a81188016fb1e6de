"""English words inside any text: Snowball stems, function words dropped.

Questions in English and the English versions of FAQs are analysed by the same tokenizer as
Japanese (one index serves both), but Sudachi's forms of latin words are spelled in katakana
(city → シティー) or left as typed, so "renewal" never meets "renew" and "what does the" counts as
content. Every latin word therefore takes its Snowball stem instead (PyStemmer, the maintained C
implementation), and function words become non-content. The stop list is written here on purpose:
the packaged lists (spaCy, stop-words, scikit-learn) also drop words that name city matters:
move, bill, call, open, name, full, fire.
"""

from __future__ import annotations

import re

import Stemmer

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_STOP = frozenset({
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "being", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "done", "during", "each",
    "for", "from", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in",
    "into", "is", "it", "its", "just", "may", "me", "might", "more", "most", "must", "my", "no", "nor", "not", "now",
    "of", "off", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "please", "same", "shall",
    "she", "should", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when",
    "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "s",
    "t", "m", "d", "ve", "re", "ll", "don", "don't", "can't", "i'm", "i've", "it's", "what's", "how's", "where's",
    "there's", "let's", "hello", "hi", "thanks", "thank",
})
_stemmer = Stemmer.Stemmer("english")


def is_word(surface: str) -> bool:
    """A latin-script word, lowercased as normalisation leaves it."""
    return _WORD.fullmatch(surface) is not None


def form(word: str) -> tuple[str, bool]:
    """The word's stem, and whether it is a function word that says nothing about the matter."""
    return _stemmer.stemWord(word), word in _STOP
