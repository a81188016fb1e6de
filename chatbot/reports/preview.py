"""What a change will do, before citizens see it.

The knowledge as it is now is built into an unpublished index version and asked the questions citizens asked
lately, the smoke questions and every phrasing of the version serving (chatbot.search.compare); staff see
which questions would get another answer, or none, before they publish. A new FAQ whose alt_questions
capture another FAQ's questions shows up here instead of in the next month's complaints.

Publishing afterwards serves this very build (``versions.build`` reuses an unpublished version of the same
knowledge and model), so what staff checked is what goes live. The outcome is kept as JSON next to the index
versions, so every worker and server showing the console shows the same preview.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatbot.search import versions
from chatbot.search.compare import Change, compare
from chatbot.search.publish import read_smoke, smoke_failures
from chatbot.search.versions import BuildSpec, IndexFailure, ServingIndex

# Replayed besides the smoke and FAQ questions: distinct logged questions this recent, at most this many,
# most asked first.
RECENT_DAYS = 30
RECENT_QUESTIONS = 500
FILE = "preview.json"
log = logging.getLogger(__name__)


def replay_questions(recent: Callable[[dt.datetime, int], list[str]], smoke_file: Path,
                     now: dt.datetime) -> tuple[list[str], str | None]:
    """The questions a change is checked on (recent logged ones, most asked first, then the smoke questions),
    and why the log could not be read when it could not: the check then goes on without it.

    ``recent(since, limit)`` reads the conversation log (`ConversationLog.recent_questions`), opening it
    first if need be: whatever it raises is reported, not raised."""
    problem = None
    try:
        asked = recent(now - dt.timedelta(days=RECENT_DAYS), RECENT_QUESTIONS)
    except Exception as exc:  # a locked, damaged or misnamed database must never stop a publish or a preview
        problem = f"{type(exc).__name__}: {exc}"
        log.warning("conversation log not read, answers are compared without it: %s", problem)
        asked = []
    try:
        smoke = [question for question, _ in read_smoke(smoke_file)]
    except (OSError, ValueError):  # reindex reports a bad smoke file itself; a knowledge base may have none
        smoke = []
    return asked + smoke, problem


@dataclass(frozen=True)
class Preview:
    """One preview run, as staff see it; ``state`` is running, done or failed."""

    state: str
    by: str  # the staff member who asked for it
    started_at: str
    files: str = ""  # `knowledge.files_stamp` when the preview started: a later edit outdates it
    version: str | None = None  # the candidate built; None when the knowledge equals the version serving
    baseline: str | None = None  # the version serving it was compared with
    compared: int = 0
    changes: tuple[Change, ...] = ()
    smoke_failures: tuple[str, ...] = ()  # publishing this would fail on them
    problems: tuple[str, ...] = ()  # why it failed: file:line errors of the knowledge, or the build's error
    log_problem: str | None = None  # the conversation log could not be read; compared without it


def run(spec: BuildSpec, serving: ServingIndex | None, asked: list[str], threshold: float,
        smoke_file: Path | None, started: Preview) -> Preview:
    """Build the candidate (under the index's build lock) and compare it with ``serving``. Bad knowledge or a
    version that fails to load is an outcome (failed, with file:line where there is one), not an exception."""
    try:
        with versions.build_lock(spec.index_dir):
            built = versions.build(spec)
        if not built.built:
            return dataclasses.replace(started, state="done")
        candidate = versions.load_version(built.directory)
        cases = read_smoke(smoke_file) if smoke_file else []
        comparison = compare(serving, candidate, asked, threshold)
    except IndexFailure as exc:
        problems = tuple(p.format() for p in exc.problems if p.severity == "error") or (str(exc),)
        return dataclasses.replace(started, state="failed", problems=problems)
    return dataclasses.replace(started, state="done", version=candidate.version, baseline=comparison.baseline,
                               compared=comparison.compared, changes=comparison.changes,
                               smoke_failures=tuple(smoke_failures(candidate, cases, threshold)))


def save(index_dir: Path, preview: Preview) -> None:
    """Replace the stored preview atomically (a reader sees the old one or the new one, never half)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    data = dataclasses.asdict(preview)
    tmp = index_dir / f".{FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, index_dir / FILE)


def load(index_dir: Path) -> Preview | None:
    """The last preview, or None when there is none or it cannot be read (a new preview replaces it)."""
    try:
        data: dict[str, Any] = json.loads((index_dir / FILE).read_text(encoding="utf-8"))
        data["changes"] = tuple(Change(**c) for c in data.get("changes", ()))
        for name in ("smoke_failures", "problems"):
            data[name] = tuple(data.get(name, ()))
        return Preview(**data)
    except (OSError, ValueError, TypeError) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.warning("the stored change preview cannot be read, it is ignored: %s", exc)
        return None
