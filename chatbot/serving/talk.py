"""Small talk: messages about the conversation itself, recognised before any FAQ search.

People talk to a chat window as to a person at a counter. 「こんにちは」 or "Thank you!" searched as a
question gets the nearest FAQ or an apology for not finding one; 「人と話したい」 is not a question about
any FAQ at all. The phrases are data (smalltalk.yaml), the replies live in the messages catalogue.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from chatbot.core import languages
from chatbot.text.base import fold, normalize, to_hiragana

_FILE = Path(__file__).with_name("smalltalk.yaml")
_EXAMPLES = Path(__file__).with_name("smalltalk_examples.tsv")
QUESTION = "question"  # the examples' label for a city question that only looks like small talk
# The learned recogniser's least probability for a kind, tuned on the dev rows of tests/eval/conversation*.tsv.
MIN_PROBABILITY = 0.5
# From this probability on its kind is sure: no question among the dev rows of the conversation and demand sets
# (1,374 of them) reached it (the highest, 「電話だけで相談してもいいですか」 read as a request for a person, 0.78),
# while 68 % of their small talk did. A sure kind stands even where a follow-up reading found an answer
# (「電話で聞いたほうが早そう。番号は？」 after an answer on 障害者手帳), though not where the message alone is
# answered.
SURE_PROBABILITY = 0.8
# Reply kinds a message must consist of. When it holds several, the kind explaining most of it wins
# ("you're kinda dumb huh" is chatter, not a wish for details); on a tie, the first here ("hello, thanks").
WHOLE_KINDS = ("details", "thanks", "chatter", "greeting")
HANDOFF = "handoff"
THANKS = "thanks"  # the one kind a statement may follow (see Phrases.recognise)
THANKS_CHARS = 4  # ... when its phrases explain this many characters: "nice" is also the end of "police"
KINDS = (*WHOLE_KINDS, HANDOFF)
_MASHED = re.compile(r"(.)\1{2,}")  # one key held down: あああああ, ?????, wwww
LONGEST = 120  # folded characters; small talk is short, and a longer message is read as a question
# Characters of a message no phrase or filler word explains, at most: 「ぜんぜん役に立たないじゃん」 is
# chatter though じゃん is in no list. More than this and it is a question that happens to thank.
UNEXPLAINED = 0.25
_META = frozenset("()[]{}|?*+.\\^$")
_MARKS = frozenset({"So", "Sk", "Sm", "Po"})  # emoji and punctuation, without joiners or variation selectors


@dataclass(frozen=True)
class Recognised:
    kind: str
    unexplained: str = ""  # the folded characters no phrase or filler word explains (see UNEXPLAINED)
    stated: bool = False  # thanks with a statement after it: small talk only if no FAQ is likely (the caller's)

    @property
    def whole(self) -> bool:
        return not self.unexplained


@dataclass(frozen=True)
class Alternation:
    """Phrases keyed by the character they must start with, plus those that may start with any: at each
    position only the phrases that can start there are tried. One alternation of every phrase, tried at
    every position, cost more than the search itself (2 ms a question). Phrases opening with a group of
    alternatives (「(あめ|ゆき)がふる」) are keyed by each alternative's first character, apart from those
    keyed by one character: an alternation yields its first match, not its longest, and each tier's
    longest match competes as before."""

    keyed: dict[str, re.Pattern[str]]
    grouped: dict[str, re.Pattern[str]]
    anywhere: re.Pattern[str] | None

    @classmethod
    def of(cls, patterns: list[tuple[str, str]]) -> Alternation:
        """``(pattern, group name or "")``, longest first; a group name must be unique."""
        by_first: dict[str | None, list[str]] = {}
        by_group: dict[str, list[str]] = {}
        for pattern, name in patterns:
            firsts = _firsts(pattern)
            tier = by_group if firsts and pattern.startswith("(") else by_first
            for first in firsts or (None,):
                tier.setdefault(first, []).append(f"(?P<{name}>{pattern})" if name else f"(?:{pattern})")  # type: ignore[arg-type]
        anywhere = by_first.pop(None, None)
        return cls({c: re.compile("|".join(p)) for c, p in by_first.items()},  # type: ignore[misc]
                   {c: re.compile("|".join(p)) for c, p in by_group.items()},
                   re.compile("|".join(anywhere)) if anywhere else None)

    def match(self, form: str, i: int) -> re.Match[str] | None:
        found = [m for p in (self.keyed.get(form[i]), self.grouped.get(form[i]), self.anywhere)
                 if p and (m := p.match(form, i))]
        return max(found, key=lambda m: m.end(), default=None)


def _firsts(pattern: str) -> frozenset[str] | None:
    """The characters every match of ``pattern`` starts with, if the pattern says so plainly: a character,
    or a group whose alternatives each do (「(あめ|ゆき)がふる」 starts with あ or ゆ). None when a match may
    start with anything: an optional group, a class, an escape, a wildcard."""
    if pattern.startswith("(") and not pattern.startswith("(?"):
        end = _closing(pattern)
        if end is None or pattern[end + 1:end + 2] in ("?", "*", "{"):
            return None
        firsts = [_firsts(alternative) for alternative in _alternatives(pattern[1:end])]
        return None if any(first is None for first in firsts) else frozenset().union(*firsts)  # type: ignore[arg-type]
    if not pattern or pattern[0] in _META or pattern[1:2] in ("?", "*", "{"):
        return None
    return frozenset(pattern[0])


def _closing(pattern: str) -> int | None:
    """Where the group opening ``pattern`` closes (escapes and classes skipped)."""
    depth = 0
    for i, char in _unescaped(pattern):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return i
    return None


def _alternatives(pattern: str) -> list[str]:
    """``pattern`` split at its top-level ``|``."""
    parts, depth, start = [], 0, 0
    for i, char in _unescaped(pattern):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    return [*parts, pattern[start:]]


def _unescaped(pattern: str) -> Iterator[tuple[int, str]]:
    """The positions and characters of ``pattern`` outside escapes and character classes."""
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "[":
            i = pattern.find("]", i + 2) + 1 or len(pattern)
            continue
        yield i, pattern[i]
        i += 1


@dataclass(frozen=True)
class Phrases:
    kinds: Alternation  # one phrase, a group per phrase named <kind>_<n>
    filler: Alternation  # one filler word
    handoff: re.Pattern[str]  # anywhere in the folded message
    handoff_words: tuple[str, ...]  # as written: the analyzer that reads questions turns them into its words
    new_subject: re.Pattern[str]  # anywhere in the folded message: 「話変わるけど」, "by the way"
    asking: re.Pattern[str]  # anywhere in the folded message: どこ, いつ, "how much"
    asking_languages: frozenset[str]  # the languages whose asking words are listed
    thanks_end: re.Pattern[str]  # thanks ending the message
    emoji: dict[str, str]  # a message of nothing but emoji: 🙏 thanks, 👋 greets (characters → kind)

    def recognise(self, form: str, asks: bool = False) -> Recognised | None:
        """The small-talk kind of a folded message: a request for a person anywhere in it, one key held
        down, or phrases and filler explaining (nearly) all of it; or thanks opening or closing a message
        that asks and requests nothing (``asks``: in any of its spellings), 「ご丁寧にありがとうございます。
        さっそく明日行ってみます」, which is `stated`: a greeting opens requests (「すみません、パスポートを
        申請したいです」), thanks close conversations."""
        if self.handoff.search(form):
            return Recognised(HANDOFF)
        if _MASHED.fullmatch(form):
            return Recognised("chatter")
        if len(form) > LONGEST:
            return None
        unexplained, weak, chars = self._parse(form)
        kind = max((k for k in WHOLE_KINDS if chars.get(k)), key=lambda k: chars[k], default=None)
        if kind is None:
            return None
        if unexplained and len(unexplained) + weak > max(2, UNEXPLAINED * len(form)):
            stated = kind == THANKS and chars[kind] >= THANKS_CHARS and not asks and self._opens_or_closes(form)
            return Recognised(kind, unexplained, stated=True) if stated else None
        return Recognised(kind, unexplained)

    def asks(self, form: str) -> bool:
        """Whether a folded message holds a word that asks or requests (どこ, ください, "how much", "please")
        or ends in か."""
        return bool(self.asking.search(form)) or form.endswith(("か", "かな", "かしら"))

    def _opens_or_closes(self, form: str) -> bool:
        """Whether thanks of THANKS_CHARS or more starts or ends the message, as it does in speech: thanks
        inside it is likely part of a word ("nice" in "notice")."""
        first = self.kinds.match(form, 0)
        if first and first.lastgroup and first.lastgroup.rsplit("_", 1)[0] == THANKS and first.end() >= THANKS_CHARS:
            return True
        last = self.thanks_end.search(form)
        return last is not None and last.end() - last.start() >= THANKS_CHARS

    def _parse(self, form: str) -> tuple[str, int, dict[str, int]]:
        """The reading of the message that leaves the fewest characters unexplained: dynamic programming
        over positions, each consumed by a phrase, a filler word or left unexplained. A one-character
        filler word (の, に, か) is weak evidence, since it turns up inside any question: fewer of those
        come next, then the most characters explained by phrases. Returns the unexplained characters, the
        weak ones and the characters each kind explains."""
        Best = tuple[str, int, int, dict[str, int]]  # unexplained, weak, explained by phrases, per kind
        best: list[Best | None] = [None] * (len(form) + 1)
        best[0] = ("", 0, 0, {})
        for i in range(len(form)):
            if best[i] is None:
                continue
            unexplained, weak, explained, chars = best[i]  # type: ignore[misc]
            steps: list[Best] = [(unexplained + form[i], weak, explained, chars)]
            ends = [i + 1]
            phrase = self.kinds.match(form, i)
            if phrase and phrase.lastgroup:
                kind = phrase.lastgroup.rsplit("_", 1)[0]
                steps.append((unexplained, weak, explained + phrase.end() - i,
                              {**chars, kind: chars.get(kind, 0) + phrase.end() - i}))
                ends.append(phrase.end())
            word = self.filler.match(form, i)
            if word and word.end() > i:
                steps.append((unexplained, weak + (word.end() - i == 1), explained, chars))
                ends.append(word.end())
            for end, step in zip(ends, steps, strict=True):
                current = best[end]
                if current is None or _rank(step) < _rank(current):
                    best[end] = step
        final = best[len(form)]
        return (final[0], final[1], final[3]) if final else (form, 0, {})


def _rank(parse: tuple[str, int, int, dict[str, int]]) -> tuple[int, int, int]:
    unexplained, weak, explained, _ = parse
    return len(unexplained), weak, -explained


@cache
def phrases() -> Phrases:
    with _FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)

    def alternatives(kind: str) -> list[str]:
        return sorted({p for by_lang in data[kind].values() for p in by_lang}, key=len, reverse=True)

    def anywhere(kind: str) -> re.Pattern[str]:
        """One pattern matching any of the kind's phrases, searched anywhere in a message."""
        return re.compile("|".join(f"(?:{p})" for p in alternatives(kind)))

    # Longest phrases first whatever their kind; a group per phrase, named after its kind (a group name
    # can be used only once).
    named = sorted(((p, kind) for kind in WHOLE_KINDS for p in alternatives(kind)), key=lambda i: -len(i[0]))
    return Phrases(kinds=Alternation.of([(p, f"{kind}_{n}") for n, (p, kind) in enumerate(named)]),
                   filler=Alternation.of([(p, "") for p in alternatives("filler")]),
                   handoff=anywhere(HANDOFF),
                   handoff_words=tuple(alternatives("handoff_words")),
                   new_subject=anywhere("new_subject"),
                   asking=anywhere("asking"),
                   asking_languages=frozenset(data["asking"]),
                   thanks_end=re.compile("(?:" + "|".join(alternatives(THANKS)) + ")$"),
                   emoji={char: kind for kind, chars in data["emoji"].items() for char in chars})


def recognise(text: str, reading: str = "") -> Recognised | None:
    """The small-talk kind of ``text`` (``reading``: its Japanese reading, so 有難う meets ありがとう);
    the surface is tried first, then the reading."""
    surface = fold(text)
    if not surface:  # nothing but symbols or emoji: 「？？」 is chatter, 「👍🙏」 thanks
        marks = [char for before, char in zip((" " + text)[:len(text)], text, strict=True)  # 🙇‍♂️: ♂ joined to 🙇
                 if unicodedata.category(char) in _MARKS and before != "\u200d"
                 and not "\U0001f3fb" <= char <= "\U0001f3ff"]  # skin tones modify the emoji before them
        kinds = [kind for char in marks if (kind := phrases().emoji.get(char))]
        kind = max(kinds, key=kinds.count, default="chatter")
        return Recognised(kind if kinds.count(kind) * 2 > len(marks) else "chatter")
    forms = [form for form in (surface, fold(reading)) if form]
    found = [r for form in forms if (r := phrases().recognise(form, asks(text, reading)))]
    return next((r for r in found if r.whole), found[0] if found else None)


def asks(text: str, reading: str = "") -> bool:
    """Whether the message asks or requests something: a question mark, an asking word of smalltalk.yaml in
    its spelling or reading, or a language whose asking words are not listed (then it may, for all we know)."""
    return ("?" in text or "？" in text or languages.detect(text) not in phrases().asking_languages
            or any(phrases().asks(form) for form in (fold(text), fold(reading)) if form))


def new_subject(text: str, reading: str = "") -> bool:
    """Whether the message says it starts another matter (「話変わるけど」, "by the way"): then it is no follow-up
    of the conversation's subject, whatever it asks."""
    return any(form and phrases().new_subject.search(form) for form in (fold(text), fold(reading)))


class Learned:
    """Small talk worded in ways no phrase foresaw (「人工知能のくせに何もわからないんだね」, "do you ever
    sleep?"): a classifier over character n-grams of the message and its reading, trained on examples of
    each kind (smalltalk_examples.tsv) against the knowledge base's own questions. Phrases are exact and
    stay first; this is asked only when none matched. Training takes 2 s (SGD, fixed seed), so the service
    trains it once per knowledge base, before a version serves."""

    def __init__(self, examples: Iterable[tuple[str, str]]):
        texts, kinds = zip(*examples, strict=True)
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        model = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=50, random_state=0)
        model.fit(self._vectorizer.fit_transform(texts), kinds)
        # predict_proba checks its input on every call (0.8 ms a message); the arithmetic takes 5 µs.
        self._weights, self._intercept = np.ascontiguousarray(model.coef_.T), model.intercept_
        self._kinds = [str(kind) for kind in model.classes_]

    def kind(self, form: str) -> tuple[str, bool] | None:
        """The small-talk kind of a message (as `form` spells it), if it is likely small talk at all, and
        whether it is sure (SURE_PROBABILITY)."""
        scores = np.asarray(self._vectorizer.transform([form]) @ self._weights)[0] + self._intercept
        likelihood = 1.0 / (1.0 + np.exp(-scores))  # one-vs-rest, normalised as SGDClassifier.predict_proba does
        best = int(likelihood.argmax())
        kind, probability = self._kinds[best], likelihood[best] / likelihood.sum()
        if kind == QUESTION or probability < MIN_PROBABILITY:
            return None
        return kind, bool(probability >= SURE_PROBABILITY)


def form(text: str, reading: str) -> str:
    """What the learned recogniser reads: the message width- and case-folded with katakana as hiragana
    (spaces kept, so English words stay words), then its reading."""
    return f"{to_hiragana(normalize(text))} {fold(reading)}"


@cache
def examples() -> tuple[tuple[str, str], ...]:
    """(text, kind) pairs of smalltalk_examples.tsv."""
    with _EXAMPLES.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t", quoting=csv.QUOTE_NONE)
        return tuple((row["text"], row["kind"]) for row in rows)
