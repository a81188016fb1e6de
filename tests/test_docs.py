"""Documentation that cannot drift: a test fails when the code and what staff and integrators read disagree."""

from __future__ import annotations

import re

from chatbot.core import languages, messages
from chatbot.core.settings import PREFIX, SETTINGS
from tests.helpers import REPO

EMPTY = "（空）"  # how the README shows an empty default
_ROW = re.compile(r"^\| `(?P<name>[A-Z0-9_]+)` \| (?:`(?P<default>[^`]*)`|(?P<empty>（空）)) \|", re.M)


def readme_settings(text: str) -> dict[str, str]:
    return {m["name"]: m["default"] or "" for m in _ROW.finditer(text)}


def documented_error_codes(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9_]+", text))


def missing_translations(catalogue: dict[str, dict[str, str]], codes: tuple[str, ...] = languages.CODES) -> list[str]:
    return [f"{key}: {code}" for key, entry in catalogue.items() for code in codes if code not in entry]


def test_readme_lists_every_setting_with_its_default() -> None:
    table = readme_settings((REPO / "README.md").read_text(encoding="utf-8"))
    assert table == {PREFIX + s.name: s.default for s in SETTINGS}


def test_readme_table_check_notices_a_missing_or_wrong_row() -> None:
    table = readme_settings("| `CHATBOT_A` | `1` | x |\n| `CHATBOT_B` | （空） | y |\n")
    assert table == {"CHATBOT_A": "1", "CHATBOT_B": ""}
    assert table != {"CHATBOT_A": "2", "CHATBOT_B": ""}


def test_every_error_code_is_in_the_api_docs() -> None:
    codes = {key.removeprefix("err_") for key in messages.catalogue() if key.startswith("err_")}
    assert codes - documented_error_codes((REPO / "docs" / "api.md").read_text(encoding="utf-8")) == set()


def test_every_message_exists_in_every_language() -> None:
    assert missing_translations(messages.citizen_catalogue()) == []
    assert missing_translations(messages.staff_catalogue(), languages.STAFF) == []
    assert not messages.citizen_catalogue().keys() & messages.staff_catalogue().keys()
    assert missing_translations({"only_japanese": {"ja": "こんにちは"}}) == [
        f"only_japanese: {code}" for code in languages.CODES if code != "ja"]
