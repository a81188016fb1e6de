"""The languages the service speaks, as data: one registry entry per code.

A language names the analyzer its questions go through, what reveals it in a question (detection: its
script first, then, for the Latin-script languages, its everyday function words) and the chain of languages
to fall back on when a text is missing. Adding a language is adding an entry here and its texts in
``messages.yaml`` (a test checks every key).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Language:
    code: str  # the API's ``lang``, the catalogue's and the FAQ format's key
    name: str  # in the language itself, for menus
    analyzer: str  # code of the text analyzer its questions go through (chatbot.text)
    script: re.Pattern[str] | None  # characters whose presence marks a question as this language
    fallback: tuple[str, ...] = ()  # languages tried, in order, when a text is missing in this one
    words: frozenset[str] = frozenset()  # everyday words that reveal it among the Latin-script languages
    voice: str = ""  # BCP 47 tag for the browser's speech synthesis (read aloud); empty = its code
    japanese: bool = False  # its text is Japanese (furigana helps its readers)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
DEVANAGARI = re.compile(r"[\u0900-\u097f]")
# Simplified forms Japanese does not use, and Chinese function words: a question of only kanji without them
# (印鑑登録, 住民票, 児童手当) is Japanese; one with them and no hiragana is Chinese, even with a katakana loanword
# (マイナンバー卡怎么申请).
CHINESE = re.compile("[们这么吗呢吧哪谁还给让说请问办码证续费户县关门东车书长为样应该从业务动员报处险]"
                     "|[我荐吃队卡电话语钱买卖你您谢]|可以|需要")
HIRAGANA = re.compile(r"[\u3040-\u309f]")
VIETNAMESE = re.compile(r"[ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)
LATIN_WORD = re.compile(r"[a-zà-ÿ]+")
HAN = re.compile(r"[\u3400-\u9fff]")
_LINGUA = ("en", "vi", "tl", "pt")  # the Latin-script languages lingua knows (not Nepali)
SURE = 0.7  # lingua's confidence from which its choice among the Latin-script languages is taken
MIN_WORDS = 3  # below this lingua guesses ("thx", "go on" are not Vietnamese): the word lists decide

# Detection tries the scripts in this order (Japanese before Chinese: a question with kana is Japanese, whatever
# kanji it holds), then scores the Latin-script languages by their words. `easy` (やさしい日本語) is chosen,
# never detected: its questions look like any Japanese question. Japanese, やさしい日本語 and English go through the
# Japanese analyzer (English words by their stems) and the full engine; the others through their own analyzer
# (chatbot.text.foreign) against the FAQ translations in their language (chatbot.search.foreign).
LANGUAGES: dict[str, Language] = {
    "ja": Language("ja", "日本語", analyzer="ja", script=KANA, voice="ja-JP", japanese=True),
    "easy": Language("easy", "やさしい にほんご", analyzer="ja", script=None, voice="ja-JP", japanese=True),
    "en": Language("en", "English", analyzer="ja", script=None, fallback=("ja",), voice="en-US", words=_words(
        "the a an to of in is are i my do does how what where when can could for and with you it this need want get "
        "have please thank thanks hello hi which who")),
    "zh": Language("zh", "中文（简体）", analyzer="bigram", script=CHINESE, voice="zh-CN"),
    "ko": Language("ko", "한국어", analyzer="bigram", script=HANGUL, voice="ko-KR"),
    "vi": Language("vi", "Tiếng Việt", analyzer="syllable", script=VIETNAMESE, voice="vi-VN", words=_words(
        "toi cua khong duoc la va cho o dau lam sao nhu nao bao nhieu muon can xin chao cam ban co gi phai "
        "nha")),
    "tl": Language("tl", "Filipino", analyzer="filipino", script=None, voice="fil-PH", words=_words(
        "ang ng sa mga na ay po ko ako ba paano saan kailan ano magkano ito iyan may wala hindi kung lang naman din "
        "rin kasi yung niyo ninyo nyo salamat kumusta gusto kailangan pwede puwede magandang opo")),
    # Romanized Nepali, as typed on phones without a Devanagari keyboard: lingua does not know Nepali, so these
    # words alone reveal it.
    "ne": Language("ne", "नेपाली", analyzer="nepali", script=DEVANAGARI, voice="ne-NP", words=_words(
        "ke k kaha kahaa kasari kati kun kahile garne garnu garna cha chha chaina chhaina parcha parchha parne "
        "huncha hunchha hunna hola mero meri hamro ma ko ki nai ra pani aba bhayo bhaye chahincha chahinchha "
        "milcha milchha paincha painchha sakincha sakinchha tirne tirna lagi bata dekhi samma ho hoina")),
    "pt": Language("pt", "Português", analyzer="portuguese", script=None, voice="pt-BR", words=_words(
        "o os as de do da dos das que não nao como um uma eu meu minha é em no na com por onde quando preciso posso "
        "tenho fazer qual quais se mais ou isso você voce obrigado obrigada olá ola bom dia pra")),
}
DEFAULT = "ja"  # the knowledge base's own language: every FAQ and message exists in it
CODES = tuple(LANGUAGES)
STAFF = ("ja", "en")  # languages staff-facing output (validation, reports' headings) is printed in


def detect(text: str) -> str:
    """The language a question is written in.

    The first registered script it uses; else Japanese when it holds kanji (a Japanese keyword query with a
    Latin word, 固定資産税 paypay); else, among the Latin-script languages, lingua's choice when it is sure
    (it knows Portuguese and Tagalog far better than a word list), else the one with the most of its everyday
    words (English on a tie: Japanese names such as Yotsukaido or Mynaportal make lingua guess Tagalog). A
    message of one word is too short for lingua."""
    if CHINESE.search(text) and not HIRAGANA.search(text):
        return "zh"
    script = next((lang.code for lang in LANGUAGES.values() if lang.script and lang.script.search(text)), None)
    if script:
        return script
    words = LATIN_WORD.findall(text.lower())
    if HAN.search(text) or not words:
        return DEFAULT
    scores = {lang.code: sum(word in lang.words for word in words) for lang in LANGUAGES.values() if lang.words}
    unknown = max((code for code in scores if code not in _LINGUA), key=lambda code: scores[code])
    if scores[unknown] >= MIN_WORDS - 1 and scores[unknown] > max(scores[c] for c in scores if c != unknown):
        return unknown  # a language lingua cannot tell, with more of its words than any other has
    if len(words) >= MIN_WORDS:
        detector, codes = _latin_detector()
        best = detector.compute_language_confidence_values(text)[0]
        if best.value >= SURE:
            return codes[best.language]
    top = max(scores.values())
    return "en" if scores["en"] == top else max(scores, key=lambda code: scores[code])


def preload() -> None:
    """Load lingua's models now (~85 MB): in gunicorn's master, so the workers share them instead of each
    loading its own on its first Latin-script question."""
    _latin_detector()


@functools.cache
def _latin_detector() -> tuple[Any, dict[Any, str]]:
    """lingua for the registered Latin-script languages, loaded on first use (its models take ~0.7 s)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    codes = {Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())): code for code in _LINGUA}
    return LanguageDetectorBuilder.from_languages(*codes).with_preloaded_language_models().build(), codes


def chain(code: str) -> tuple[str, ...]:
    """``code`` and the languages to fall back on, ending with the default language."""
    language = LANGUAGES[code]
    return tuple(dict.fromkeys((code, *language.fallback, DEFAULT)))
