"""Collecting problems with their file and line, and the YAML helpers that find those lines.

Loading never stops at the first bad file: every problem is collected so staff fix them all in one pass.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
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
    """Parsed YAML, or ``None`` after recording why it could not be read.

    A file whose only faults are slips (see `parse_yaml`) reads as repaired, after each slip is recorded:
    one tab in departments.yaml must not turn every FAQ's department into an error of its own.
    """
    if not path.exists():
        return None
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        out.error(line_of_offset(path.read_bytes(), exc.start), "non_utf8")
        return None
    parsed = parse_yaml(text, first_line=1, out=out)
    return parsed[0] if parsed is not None else None


# ---------------------------------------------------------------- slips that break YAML

MAX_SLIPS = 20  # per file; past this the file is hardly YAML and the rest is not worth guessing
LINES_BEFORE_MARK = 5  # a slip can break parsing a few lines below it (a key that never gets its ':')
FULLWIDTH_SPACE, FULLWIDTH_COLON = "\u3000", "\uff1a"
_KEY_THEN_FULLWIDTH_COLON = re.compile(
    r"^[ \t\u3000]*(?:-[ \t\u3000]+)?(?P<key>[A-Za-z_][A-Za-z0-9_-]*)[ \u3000]*(?P<colon>\uff1a)")
_AFTER_INDICATOR = re.compile(r"(?:^|[ \t])(?:[A-Za-z_][A-Za-z0-9_-]*[ ]*:|-)(?P<spaces>\u3000+)")


@dataclass(frozen=True)
class Slip:
    """A typing slip that breaks YAML on one line: Japanese input mode (a full-width space or colon) or a tab.

    Raw parser English ("found character '\\t' that cannot start any token") tells staff nothing, and
    the parser often stops a line or two below the slip; naming the character and its column does.
    """

    code: str  # yaml_tab | yaml_fullwidth_space | yaml_fullwidth_colon
    column: int  # 1-based, in characters
    repairs: tuple[str, ...]  # the line as YAML may have been meant, to go on checking the rest of the file
    field: str = ""  # the key before a full-width colon


def find_slip(line: str) -> Slip | None:
    """The leftmost slip on ``line``: a key followed by ``：``, a full-width space where YAML wants a space
    (indentation, after ``key:`` or ``-``), or a tab anywhere.

    Indentation made of slips may have meant two spaces each (under a key) or none (a top-level key
    typed after a stray space): both repairs are offered, `_repaired` adds the neighbouring lines'
    indentation, and the one that gets the parser furthest is kept.
    """
    found: list[Slip] = []
    if match := _KEY_THEN_FULLWIDTH_COLON.match(line):
        at = match.start("colon")
        value = line[at + 1:].lstrip(" " + FULLWIDTH_SPACE)
        found.append(Slip("yaml_fullwidth_colon", at + 1, (line[:at] + ": " + value,), match["key"]))
    indent = len(line) - len(line.lstrip(" \t" + FULLWIDTH_SPACE))
    if FULLWIDTH_SPACE in line[:indent]:
        spaces = line[:indent].replace(FULLWIDTH_SPACE, "  ")
        found.append(Slip("yaml_fullwidth_space", line.index(FULLWIDTH_SPACE) + 1,
                          (spaces + line[indent:], spaces.replace("  ", "", 1) + line[indent:])))
    elif match := _AFTER_INDICATOR.search(line):
        start, end = match.span("spaces")
        found.append(Slip("yaml_fullwidth_space", start + 1, (line[:start] + " " + line[end:],)))
    if "\t" in line:
        leading = len(line) - len(line.lstrip("\t"))
        rest = line[leading:].replace("\t", " ")
        found.append(Slip("yaml_tab", line.index("\t") + 1, ("  " * leading + rest, "  " * (leading - 1) + rest)))
    return min(found, key=lambda slip: slip.column, default=None)


def parse_yaml(text: str, first_line: int, out: Collector) -> tuple[Any, yaml.Node | None] | None:
    """The data and node tree of ``text`` (whose first line is ``first_line`` of its file), or ``None``
    after recording why it cannot be read.

    Each slip that breaks parsing is recorded with its line and column, repaired in memory, and parsing
    goes on, so one run reports every slip and, once the text parses, the file's other problems too
    (the file stays in error). Anything else is the parser's own message, at the line it points to.
    """
    lines = text.split("\n")
    for _ in range(MAX_SLIPS):
        source = "\n".join(lines)
        try:
            node = yaml.compose(source, Loader=yaml.SafeLoader)
            data = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            fix = _slip_near(lines, exc)
            if fix is None:
                detail = getattr(exc, "problem", None) or str(exc)
                out.error(yaml_error_line(exc, first_line), "yaml_error", detail=detail)
                return None
        else:
            fix = _slip_that_parsed(lines, node)
            if fix is None:
                return data, node
        index, slip, repaired = fix
        out.error(index + first_line, slip.code, column=slip.column, field=slip.field)
        lines[index] = repaired
    return None


Fix = tuple[int, Slip, str]  # line index, the slip, the line repaired


def _slip_near(lines: list[str], exc: yaml.YAMLError) -> Fix | None:
    """The slip that made parsing fail: on the lines the error points at or just above, and only one
    whose repair gets the parser further (a tab inside a quoted text is no slip)."""
    problem = getattr(exc, "problem_mark", None)
    if problem is None:
        return None
    context = getattr(exc, "context_mark", None)
    near = [problem.line, *([context.line] if context else []),
            *range(problem.line - 1, max(-1, problem.line - 1 - LINES_BEFORE_MARK), -1)]
    for index in dict.fromkeys(i for i in near if 0 <= i < len(lines)):
        if (fix := _repaired(lines, index, (problem.line, problem.column))) is not None:
            return fix
    return None


def _repaired(lines: list[str], index: int, failed_at: tuple[int, int]) -> Fix | None:
    """The slip on line ``index`` with the repair that gets the parser furthest, if past ``failed_at``."""
    line = lines[index]
    slip = find_slip(line)
    if slip is None:
        return None
    content = line.lstrip(" \t" + FULLWIDTH_SPACE)
    repairs = slip.repairs
    if slip.code != "yaml_fullwidth_colon" and slip.column <= len(line) - len(content):  # in the indentation
        repairs += tuple(" " * n + content for n in _neighbour_indents(lines, index))
    reach = {repair: _reach([*lines[:index], repair, *lines[index + 1:]]) for repair in repairs}
    best = max(repairs, key=reach.__getitem__)  # max keeps the first of equals: the likelier repair
    return (index, slip, best) if reach[best] > failed_at else None


def _neighbour_indents(lines: list[str], index: int) -> list[int]:
    """Indentations a slipped line may have meant: its neighbours', or one level (2) below the line above."""
    def indent(line: str) -> int:
        return len(line) - len(line.lstrip(" "))

    after = next((indent(line) for line in lines[index + 1:] if line.strip()), 0)
    before = next((indent(line) for line in reversed(lines[:index]) if line.strip()), 0)
    return [after, before, before + 2]


def _reach(lines: list[str]) -> tuple[float, float]:
    """Where parsing fails (line, column), or infinitely far when it does not."""
    try:
        yaml.compose("\n".join(lines), Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return (mark.line, mark.column) if mark is not None else (-1, -1)
    return math.inf, math.inf


def _slip_that_parsed(lines: list[str], node: yaml.Node | None) -> Fix | None:
    """Slips that still parse, into the wrong shape: 「id： x」 alone is one text, not a mapping, and
    a full-width space before a key makes a key named "　status"."""
    if isinstance(node, yaml.ScalarNode) and FULLWIDTH_COLON in str(node.value):
        for index, line in enumerate(lines):
            if (slip := find_slip(line)) is not None and slip.code == "yaml_fullwidth_colon":
                return _repaired(lines, index, (-1, -1))
    stack = [node] if isinstance(node, yaml.MappingNode) else []
    while stack:
        current = stack.pop()
        for key, value in current.value:
            suspect = isinstance(key.value, str) and FULLWIDTH_SPACE in key.value and key.start_mark.line < len(lines)
            if suspect and (fix := _repaired(lines, key.start_mark.line, (-1, -1))) is not None:
                return fix
            if isinstance(value, yaml.MappingNode):
                stack.append(value)
    return None


def yaml_error_line(exc: yaml.YAMLError, first_line: int) -> int:
    """Where the broken construct starts (e.g. an unclosed ``[``), else where parsing failed."""
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    return mark.line + first_line if mark is not None else first_line


def compose(path: Path) -> yaml.Node | None:
    """The YAML node tree (for line numbers), or None when the file cannot be parsed.

    Slips are repaired as `read_yaml` repaired them (unreported here: it reported them), so the
    file's other problems are located on the right lines too.
    """
    try:
        parsed = parse_yaml(path.read_text(encoding="utf-8-sig"), first_line=1, out=Collector([], path))
    except (UnicodeDecodeError, OSError):
        return None
    return parsed[1] if parsed is not None else None


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


def translations(value: object, fields: tuple[str, ...], line: int, out: Collector,
                 lists: tuple[str, ...] = (), dates: tuple[str, ...] = (),
                 lines: dict[str, int] | None = None) -> dict[str, dict[str, Any]]:
    """An ``i18n:`` block: registered language code → a mapping with exactly ``fields`` as non-empty
    strings, plus any of ``lists`` as lists of non-empty strings (tuples; empty when left out) and any of
    ``dates`` (``None`` when left out). ``lines`` gives each code's own line, so staff land on the block."""
    optional = (*(f"[{name}]" for name in lists), *(f"[{name}]" for name in dates))
    shape = Ref.to("fragment_translation", fields=", ".join((*fields, *optional)))
    if not isinstance(value, dict):
        out.error(line, "bad_type", field="i18n", expected=shape)
        return {}
    found: dict[str, dict[str, Any]] = {}
    for code, block in value.items():
        where = (lines or {}).get(str(code), line)
        if code not in languages.LANGUAGES or code == languages.DEFAULT:
            known = ", ".join(c for c in languages.CODES if c != languages.DEFAULT)
            out.error(where, "unknown_language", value=code, known=known)
        elif (not isinstance(block, dict) or not set(fields) <= set(block) <= {*fields, *lists, *dates}
              or not all(isinstance(block[name], str) and block[name].strip() for name in fields)
              or not all(_string_list(block.get(name, [])) for name in lists)):
            out.error(where, "bad_type", field=f"i18n.{code}", expected=shape)
        elif any(name in block and as_date(block[name]) is None for name in dates):
            bad = next(name for name in dates if name in block and as_date(block[name]) is None)
            out.error(where, "bad_date", value=block[bad])
        else:
            found[code] = {name: block[name].strip() for name in fields}
            found[code].update({name: tuple(v.strip() for v in block.get(name) or []) for name in lists})
            found[code].update({name: as_date(block.get(name)) for name in dates})
    return found


def child_lines(node: yaml.Node | None, key: str, first_line: int) -> dict[str, int]:
    """Line of each key of the mapping under ``key`` (the language codes of an ``i18n:`` block)."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    child = next((v for k, v in node.value if k.value == key), None)
    if not isinstance(child, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + first_line for k, _ in child.value}


def _string_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
