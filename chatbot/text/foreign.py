"""Analysis for the languages Sudachi cannot read: Chinese, Korean, Vietnamese, Portuguese, Filipino, Nepali.

Each gets the unit its questions and FAQ translations share best, with no dictionary to download:
- Chinese and Korean: character bigrams. Neither writes spaces between words the way the search needs
  (Korean attaches particles: 주민표를, 주민표는), and overlapping pairs meet whatever the segmentation.
- Vietnamese: syllables and pairs of syllables (a word is usually two: bảo hiểm), tone marks folded away,
  because residents often type without them on a phone (bao hiem).
- Portuguese: Snowball stems with function words dropped and accents folded (mudança, mudar → mud).
- Filipino: words, function words dropped.
- Nepali: words with their case endings cut (बीमामा, बीमाको → बीमा), virama and chandrabindu folded (residents
  spell transliterated Japanese words every way: जुमिनह्यो, जुमिन्ह्यो), and the letter trigrams of each word,
  which meet the same word under another ending or spelling. Each Devanagari word also gives its romanisation
  (ITRANS, lower case, without the final inherent vowel Nepali does not pronounce: बोशी तेचो → boshi techo,
  होकेन → hoken), because residents without a Devanagari keyboard type Nepali and Japanese terms in Latin
  letters (boshi techo, kokuho) and the translations hold both. Its own danda ends sentences.
Only tokens come out: readings and morphemes are Japanese notions (chatbot.text.japanese).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence

import Stemmer
from indic_transliteration import sanscript

from chatbot.text.base import Analysis, char_bigrams, normalize

_WORD = re.compile(r"(?:[^\W_]|[\u0900-\u0963\u0966-\u097f])+")  # Devanagari vowel signs too, not the danda
_LATIN_OR_DIGITS = re.compile(r"[a-z0-9]+")


def _stop(words: str) -> frozenset[str]:
    """Function words, written space-separated."""
    return frozenset(words.split())


_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")
_PT_STOP = _stop(
    "a o as os um uma uns umas de do da dos das dum duma em no na nos nas num numa ao aos à às por pelo pela pelos "
    "pelas para pra pro com sem que se e ou mas mais muito já não sim é são foi ser estar está estou tem tenho ter "
    "eu me meu minha meus minhas você voce vocês seu sua seus suas ele ela eles elas nós nos isso isto esse essa "
    "este esta aqui ali lá como qual quais quando onde quem porque por que oi olá ola bom dia boa tarde obrigado "
    "obrigada favor preciso precisa posso pode gostaria queria quero saber fazer")
_TL_STOP = _stop(
    "ang ng sa mga na ay po ko ako ba si ni kay nang at o pero kasi kung lang naman din rin yung iyong ito iyan "
    "iyon dito diyan doon may mayroon wala hindi ano paano saan kailan sino bakit ilan magkano mo ka kayo niyo "
    "ninyo nyo namin natin kami tayo siya sila nila niya akin amin atin ba't pwede puwede gusto kailangan "
    "paki pakisabi salamat opo oo hello hi")
_NE_STOP = _stop(
    "म मेरो मलाई हामी तपाईं तपाईंको तपाई यो त्यो के को का की ले लाई मा बाट सँग र वा पनि छ छन् हो हुन्छ हुन्छन् "
    "थियो गर्न गर्नु गर्ने गर्नुपर्छ कसरी कहाँ कहिले कति किन कुन कृपया चाहन्छु सक्छु सकिन्छ भने "
    # the same, romanized as typed without a Devanagari keyboard
    "ma mero meri malai hami tapai tapaiko yo tyo k ke ko ka ki le lai bata sanga ra wa pani cha chha chan "
    "ho hola huncha hunchha thiyo garna garnu garne kasari kaha kahaa kahile kati kina kun kripaya sakincha "
    "sakinchha bhane nai aba bhayo")
_pt_stemmer = Stemmer.Stemmer("portuguese")


def _fold_marks(text: str) -> str:
    """Letters without accents or tone marks (đ is its own letter in Unicode: folded by hand)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _bigrams(text: str) -> list[str]:
    tokens = _LATIN_OR_DIGITS.findall(text)
    for run in _CJK_RUN.findall(text):
        tokens.extend(char_bigrams(run))
    return tokens


def _syllables(text: str) -> list[str]:
    syllables = _WORD.findall(_fold_marks(text))
    return syllables + [f"{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False)]


def _portuguese(text: str) -> list[str]:
    words = [w for w in _WORD.findall(text) if w not in _PT_STOP]
    return [_fold_marks(stem) for stem in _pt_stemmer.stemWords(words)]


_NE_ENDINGS = tuple(sorted(_stop("हरूको हरूलाई हरूमा हरूले हरू को का की लाई मा ले बाट सँग देखि सम्म तिर भित्र"),
                           key=len, reverse=True))
_NE_FOLD = str.maketrans({"\u094d": None, "\u0901": "\u0902", "\u200c": None, "\u200d": None})


_DEVANAGARI_CONSONANT = re.compile(r"[\u0915-\u0939\u0958-\u095f]$")
_NOT_LATIN = re.compile(r"[^a-z]")


def _nepali(text: str) -> list[str]:
    tokens = []
    for word in _words(_NE_STOP)(text):
        ending = next((e for e in _NE_ENDINGS if word.endswith(e) and len(word) - len(e) >= 3), "")
        stem = word[:len(word) - len(ending)]
        for form in dict.fromkeys((stem.translate(_NE_FOLD), _romanised(stem))):
            if form and form not in _NE_STOP:
                tokens.append(form)
                tokens += [form[i:i + 3] for i in range(len(form) - 2)]
    return tokens


@functools.lru_cache(maxsize=65536)
def _romanised(word: str) -> str:
    """A Devanagari word in Latin letters as Nepali residents type it; other words give ''. A word ending in a
    bare consonant (मिन, not a conjunct like र्न in गर्न, which keeps it) loses its inherent vowel: kokumin."""
    if not any("\u0900" <= c <= "\u097f" for c in word):
        return ""
    latin = _NOT_LATIN.sub("", sanscript.transliterate(word, sanscript.DEVANAGARI, sanscript.ITRANS).lower())
    bare_end = _DEVANAGARI_CONSONANT.search(word) and not (len(word) > 1 and word[-2] == "\u094d")
    return latin[:-1] if bare_end and latin.endswith("a") and len(latin) > 2 else latin


def _words(stop: frozenset[str]) -> Callable[[str], list[str]]:
    def split(text: str) -> list[str]:
        return [w for w in _WORD.findall(text) if w not in stop]
    return split


class ForeignAnalyzer:
    """Width and case folding, then the language's own split; stateless, so safe across threads."""

    def __init__(self, split: Callable[[str], list[str]]):
        self._split = split

    def normalize(self, text: str) -> str:
        return normalize(text)

    def analyze(self, text: str) -> Analysis:
        return Analysis(tokens=self.tokens(text), readings=())

    def tokens(self, text: str) -> tuple[str, ...]:
        return tuple(self._split(self.normalize(text)))


def _factory(split: Callable[[str], list[str]]) -> Callable[[Mapping[str, Sequence[str]] | None], ForeignAnalyzer]:
    """The analyzer registry's signature; the knowledge base's synonyms are Japanese and do not apply."""
    return lambda synonyms=None: ForeignAnalyzer(split)


ANALYZERS = {
    "bigram": _factory(_bigrams),
    "syllable": _factory(_syllables),
    "portuguese": _factory(_portuguese),
    "filipino": _factory(_words(_TL_STOP)),
    "nepali": _factory(_nepali),
}
