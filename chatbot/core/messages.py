"""The message catalogue: every user-facing text, keyed by message and then by language code.

Texts are rendered at the edge, in the language asked for, following the registry's fallback chain
(chatbot.core.languages). What citizens see (messages.yaml) exists in every language the service speaks,
what staff see (staff_messages.yaml) in the staff languages; ``tests/test_docs.py`` checks both, so the chain
is a safety net rather than a habit. A value that is itself text (a fragment such as
"a list of strings") is passed as ``Ref(key)`` and rendered in the same language as its message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from chatbot.core import languages

_CITIZENS = Path(__file__).with_name("messages.yaml")  # every language the service speaks
_STAFF = Path(__file__).with_name("staff_messages.yaml")  # the staff languages (languages.STAFF)


@dataclass(frozen=True)
class Ref:
    """A catalogue text used as a placeholder value of another message."""

    key: str
    values: tuple[tuple[str, object], ...] = ()

    @classmethod
    def to(cls, key: str, **values: object) -> Ref:
        return cls(key, tuple(values.items()))


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Citizens' and staff's texts, one mapping (a key is in one file or the other)."""
    return {**citizen_catalogue(), **staff_catalogue()}


@cache
def citizen_catalogue() -> dict[str, dict[str, str]]:
    with _CITIZENS.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def staff_catalogue() -> dict[str, dict[str, str]]:
    with _STAFF.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def template(key: str, lang: str) -> str:
    """One message in one language with its placeholders left in (the widget fills its own)."""
    entry = catalogue()[key]
    return next(entry[code] for code in languages.chain(lang) if code in entry)


def text(key: str, lang: str = languages.DEFAULT, **values: object) -> str:
    """One message in one language with its placeholders filled in."""
    return template(key, lang).format_map(_rendered(values, lang))


def texts(key: str, **values: object) -> dict[str, str]:
    """The message in every registered language (error bodies, staff output)."""
    return {code: text(key, code, **values) for code in languages.CODES}


def staff(key: str, **values: object) -> str:
    """The message in every staff language, joined with " / " (command-line output, validation, errors)."""
    return " / ".join(text(key, lang, **values) for lang in languages.STAFF)


def _rendered(values: Mapping[str, object], lang: str) -> dict[str, object]:
    return {name: text(v.key, lang, **dict(v.values)) if isinstance(v, Ref) else v for name, v in values.items()}
