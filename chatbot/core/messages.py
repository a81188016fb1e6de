"""Access to the user-facing text kept in ``messages.yaml``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

_FILE = Path(__file__).with_name("messages.yaml")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    with _FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def text(key: str, lang: str = "ja", **values: object) -> str:
    """One message in one language with its placeholders filled in."""
    entry = catalogue()[key]
    template = entry.get(lang) or entry["ja"]
    return template.format_map(_Defaulting(values))


class _Defaulting(dict):
    """Lets the English text use ``{detail_en}`` and fall back to ``{detail}``."""

    def __missing__(self, key: str) -> object:
        if key.endswith("_en"):
            return self.get(key[:-3], "")
        return "{" + key + "}"
