"""Small talk: messages about the conversation itself, recognised before any FAQ search.

People talk to a chat window as to a person at a counter. 「こんにちは」 or "Thank you!" searched as a
question gets the nearest FAQ or an apology for not finding one; 「人と話したい」 is not a question about
any FAQ at all. The phrases are data (smalltalk.yaml), the replies live in the messages catalogue.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from chatbot.text.base import to_hiragana

_FILE = Path(__file__).with_name("smalltalk.yaml")
# Reply kinds, in the order one wins when a message holds several ("hello, thanks" thanks).
WHOLE_KINDS = ("details", "thanks", "greeting", "chatter")
HANDOFF = "handoff"
KINDS = (*WHOLE_KINDS, HANDOFF)
_DROPPED = frozenset("PSZC")  # punctuation, symbols (emoji), separators and control characters
_LONG_VOWEL = "ー〜~"
_MASHED = re.compile(r"(.)\1{2,}")  # one key held down: あああああ, ?????, wwww


@dataclass(frozen=True)
class Phrases:
    part: re.Pattern[str]  # one phrase (a group per kind) or one filler word
    whole: re.Pattern[str]  # a message made of nothing else
    handoff: re.Pattern[str]  # anywhere in the folded message
    handoff_words: tuple[str, ...]  # as written: the analyzer that reads questions turns them into its words

    def kind(self, *forms: str) -> str | None:
        """The small-talk kind of a message given as its folded forms (surface, reading), else None."""
        for form in forms:
            if not form:
                continue
            if self.handoff.search(form):
                return HANDOFF
            if _MASHED.fullmatch(form):
                return "chatter"
            if self.whole.fullmatch(form):
                found = {m.lastgroup.rsplit("_", 1)[0] for m in self.part.finditer(form) if m.lastgroup}
                kind = next((k for k in WHOLE_KINDS if k in found), None)
                if kind:
                    return kind
        return None


def fold(text: str) -> str:
    """The spelling phrases are written in: width and case folded, katakana as hiragana, and nothing but
    letters and digits (spaces, punctuation, emoji and long-vowel marks carry no meaning here)."""
    text = to_hiragana(unicodedata.normalize("NFKC", text).casefold())
    return "".join(c for c in text if unicodedata.category(c)[0] not in _DROPPED and c not in _LONG_VOWEL)


@cache
def phrases() -> Phrases:
    with _FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)

    def alternatives(kind: str) -> list[str]:
        return sorted({p for by_lang in data[kind].values() for p in by_lang}, key=len, reverse=True)

    # One alternation, longest phrases first whatever their kind, so "you" (filler) is tried before "yo"
    # (a greeting); a group per phrase, named after its kind (a name can be used only once).
    named = [(p, kind) for kind in WHOLE_KINDS for p in alternatives(kind)] + [(p, "") for p in alternatives("filler")]
    named.sort(key=lambda item: len(item[0]), reverse=True)
    part = "|".join(f"(?P<{kind}_{n}>{p})" if kind else f"(?:{p})" for n, (p, kind) in enumerate(named))
    return Phrases(part=re.compile(part), whole=re.compile(f"(?:{part})+"),
                   handoff=re.compile("|".join(f"(?:{p})" for p in alternatives(HANDOFF))),
                   handoff_words=tuple(alternatives("handoff_words")))


def recognise(text: str, reading: str = "") -> str | None:
    """The small-talk kind of ``text`` (``reading``: its Japanese reading, so 有難う meets ありがとう)."""
    surface = fold(text)
    if not surface:  # nothing but symbols or emoji: 「？？」, 「👍」
        return "chatter"
    return phrases().kind(surface, fold(reading) if reading else "")
