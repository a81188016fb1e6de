"""Collecting problems with their file and line, and the YAML helpers that find those lines.

Loading never stops at the first bad file: every problem is collected so staff fix them all in one pass.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from chatbot.core import languages
from chatbot.core.messages import Ref
from chatbot.knowledge.model import Problem


class Collector:
    """Accumulates problems for one file with the right path attached."""

    def __init__(self, sink: list[Problem], path: Path):
        self.sink, self.path = sink, path

    def error(self, line: int, code: str, **values: object) -> None:
        self.sink.append(Problem(self.path, line, code, "error", values))

    def warning(self, line: int, code: str, **values: object) -> None:
        self.sink.append(Problem(self.path, line, code, "warning", values))

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.sink)


def read_yaml(path: Path, out: Collector) -> Any:
    """Parsed YAML, or ``None`` after recording why it could not be read."""
    if not path.exists():
        return None
    try:
        return yaml.safe_load(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        out.error(line_of_offset(path.read_bytes(), exc.start), "non_utf8")
    except yaml.YAMLError as exc:
        out.error(yaml_error_line(exc, first_line=1), "yaml_error", detail=getattr(exc, "problem", None) or str(exc))
    return None


def yaml_error_line(exc: yaml.YAMLError, first_line: int) -> int:
    """Where the broken construct starts (e.g. an unclosed ``[``), else where parsing failed."""
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    return mark.line + first_line if mark is not None else first_line


def compose(path: Path) -> yaml.Node | None:
    """The YAML node tree (for line numbers), or None when the file cannot be parsed."""
    try:
        return yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError, OSError):
        return None


def key_lines(path: Path) -> dict[str, int]:
    """Line of every mapping key at any depth (first occurrence), for error locations."""
    node = compose(path)
    found: dict[str, int] = {}
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                found.setdefault(str(key.value), key.start_mark.line + 1)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return found


def sequence_lines(path: Path, key: str) -> list[int]:
    """Line of each item of the top-level list ``key``."""
    node = compose(path)
    if not isinstance(node, yaml.MappingNode):
        return []
    for k, v in node.value:
        if k.value == key and isinstance(v, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in v.value]
    return []


def line_of_offset(raw: bytes, offset: int) -> int:
    return raw[:offset].count(b"\n") + 1


def as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def valid_url(value: object) -> bool:
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return False
    parsed = urlparse(value)
    return parsed.scheme in ("https", "http") and "." in parsed.netloc


def translations(value: object, fields: tuple[str, ...], line: int, out: Collector) -> dict[str, dict[str, str]]:
    """An ``i18n:`` block: registered language code → a mapping with exactly ``fields`` as non-empty strings."""
    if not isinstance(value, dict):
        out.error(line, "bad_type", field="i18n", expected=Ref.to("fragment_translation", fields=", ".join(fields)))
        return {}
    found: dict[str, dict[str, str]] = {}
    for code, block in value.items():
        if code not in languages.LANGUAGES or code == languages.DEFAULT:
            known = ", ".join(c for c in languages.CODES if c != languages.DEFAULT)
            out.error(line, "unknown_language", value=code, known=known)
        elif (not isinstance(block, dict) or set(block) != set(fields)
              or not all(isinstance(v, str) and v.strip() for v in block.values())):
            out.error(line, "bad_type", field=f"i18n.{code}",
                      expected=Ref.to("fragment_translation", fields=", ".join(fields)))
        else:
            found[code] = {name: block[name].strip() for name in fields}
    return found
