"""Changing an FAQ file in place from the staff console, every other byte kept.

Staff's files are the source of truth: comments, key order, quoting and line endings must survive a change
made through the console, so edits are made to the text, never by loading and dumping YAML. Only new lines
are written, each a YAML double-quoted string (any phrasing a citizen typed stays one valid list item).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from chatbot.knowledge.faqs import question_key

_KEY = re.compile(r"^alt_questions\s*:\s*(#.*)?$")
_ITEM = re.compile(r"^(\s*)-\s")


class EditError(ValueError):
    """The file is not laid out so that the change can be made without touching other lines."""


def add_alt_questions(text: str, phrasings: list[str]) -> tuple[str, list[str]]:
    """``text`` with ``phrasings`` appended to its top-level ``alt_questions:`` list, and the ones added
    (a phrasing the FAQ already has, spelled alike, is skipped)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    end = _closing_line(lines)
    key = next((i for i in range(1, end) if _KEY.match(lines[i])), None)
    if key is None:
        raise EditError("alt_questions_not_a_block_list")
    last, indent = key, "  "
    for i in range(key + 1, end):
        item = _ITEM.match(lines[i])
        if item:
            last, indent = i, item.group(1)
        elif lines[i].strip() and not lines[i].startswith((" ", "\t")):
            break  # the next top-level key
    existing = {question_key(_unquoted(lines[i])) for i in range(key + 1, last + 1) if _ITEM.match(lines[i])}
    added = []
    for phrasing in (p.strip() for p in phrasings):
        if phrasing and question_key(phrasing) not in existing:
            existing.add(question_key(phrasing))
            added.append(phrasing)
    new = [f"{indent}- {json.dumps(p, ensure_ascii=False)}" for p in added]
    return newline.join(lines[:last + 1] + new + lines[last + 1:]), added


def _unquoted(line: str) -> str:
    value = _ITEM.sub("", line, count=1).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


@dataclass(frozen=True)
class FaqSource:
    """An FAQ file cut where the console's editor edits it: the front matter and the body, as text; the
    ``---`` lines and the line ending stay as the file has them."""

    opening: str  # the first line, "---" as written
    front_matter: str
    closing: str  # the "---" line that ends the front matter, as written
    body: str
    newline: str

    @classmethod
    def parse(cls, text: str) -> FaqSource:
        newline = "\r\n" if "\r\n" in text else "\n"
        lines = text.split(newline)
        end = _closing_line(lines)
        return cls(lines[0], newline.join(lines[1:end]), lines[end], newline.join(lines[end + 1:]), newline)

    def with_text(self, front_matter: str, body: str) -> str:
        """The file with new front matter and body (line endings as the file's, whatever the browser sent)."""
        def own(part: str) -> str:
            return part.replace("\r\n", "\n").replace("\r", "\n").replace("\n", self.newline)
        middle = [own(front_matter)] if front_matter else []
        return self.newline.join([self.opening, *middle, self.closing, own(body)])


def _closing_line(lines: list[str]) -> int:
    """Index of the line closing the front matter; EditError when the file has no front matter block."""
    if not lines or lines[0].strip() != "---":
        raise EditError("no_front_matter")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise EditError("no_front_matter")
    return end
