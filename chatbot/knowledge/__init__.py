"""Knowledge: the FAQs, departments, synonyms, closures and readings staff keep, loaded and checked; opening hours.

Loading reads files and nothing else; everything past loading (hours, snapshots) is pure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from chatbot.knowledge.faqs import load_faqs, question_key
from chatbot.knowledge.model import FAQ, Closure, Department, FaqText, KnowledgeBase, Problem
from chatbot.knowledge.problems import Collector
from chatbot.knowledge.sidefiles import load_closures, load_departments, load_readings, load_synonyms

__all__ = ["FAQ", "Closure", "Department", "FaqText", "KnowledgeBase", "Problem", "content_hash", "files_stamp",
           "load_knowledge", "question_key"]


def load_knowledge(root: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Read everything under ``root``; return what loaded cleanly and every problem found.

    Broken FAQs are left out of the returned ``KnowledgeBase``; the caller decides whether errors are fatal.
    """
    root = Path(root)
    problems: list[Problem] = []
    departments, default, foreign, elsewhere = load_departments(root / "departments.yaml", problems)
    synonyms = load_synonyms(root / "synonyms.yaml", problems)
    closures = load_closures(root / "closures.yaml", problems)
    faqs = load_faqs(root / "faq", set(departments), problems)
    if not any(f.published for f in faqs):
        Collector(problems, root / "faq").error(0, "no_faqs")
    readings = load_readings(root / "readings.yaml", problems)
    kb = KnowledgeBase(tuple(faqs), departments, default, synonyms, closures, content_hash(root), readings, foreign,
                       elsewhere)
    return kb, problems


def content_hash(root: Path) -> str:
    """Hash of every knowledge file's path and bytes: equal hashes mean nothing to rebuild."""
    digest = hashlib.sha256()
    for path in sorted(_knowledge_files(root)):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def files_stamp(root: Path) -> str:
    """Every knowledge file's name, size and modification time, hashed: unlike ``content_hash`` cheap enough
    for each page of the staff console, and it changes whenever a file is saved, added or removed."""
    digest = hashlib.sha256()
    for path in sorted(_knowledge_files(root)):
        stat = path.stat()
        digest.update(f"{path.relative_to(root).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _knowledge_files(root: Path) -> Iterable[Path]:
    for pattern in ("*.yaml", "faq/**/*.md"):
        yield from (p for p in root.glob(pattern) if p.is_file())
