"""Builders shared by test files (never import one test file from another)."""

from __future__ import annotations

import shutil
from pathlib import Path

from chatbot.core.settings import Settings
from chatbot.search import publish
from chatbot.search.versions import BuildSpec

REPO = Path(__file__).resolve().parents[1]


def publish_index(settings: Settings, force: bool = False, smoke_file: Path | None = None) -> publish.Outcome:
    """The nightly pipeline, as `chatbot reindex` runs it with these settings."""
    return publish.run(BuildSpec.from_settings(settings), settings.answer_threshold, settings.keep_versions,
                       force=force, smoke_file=smoke_file)


def make_settings(root: Path, **overrides: object) -> Settings:
    """Settings isolated from the developer's environment, rooted in a temp dir."""
    values: dict[str, object] = {
        "knowledge_dir": REPO / "knowledge",
        "index_dir": root / "index",
        "db_url": f"sqlite:///{root / 'chatbot.sqlite3'}",
        "log_dir": root / "logs",
        "reload_seconds": 0.2,
    }
    values.update(overrides)
    return Settings.from_env(environ={}, **values)


SMALL = ["mynumber/mynumber-card-apply.md", "mynumber/mynumber-card-lost.md", "general/general-office-hours.md",
         "general/general-city-hall-location.md", "mynumber/mynumber-pin-forgot.md"]


def small_knowledge(tmp_path: Path) -> Settings:
    """A five-FAQ knowledge base (fast to build) with its own index directory."""
    root = tmp_path / "knowledge"
    for name in SMALL:
        (root / "faq" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "knowledge" / "faq" / name, root / "faq" / name)
    for name in ("departments.yaml", "synonyms.yaml", "closures.yaml"):
        shutil.copy(REPO / "knowledge" / name, root / name)
    return make_settings(tmp_path, knowledge_dir=root)


def edit_answer(settings: Settings, text: str) -> None:
    path = settings.knowledge_dir / "faq" / SMALL[0]
    head, _, _ = path.read_text(encoding="utf-8").rpartition("---\n")
    path.write_text(head + "---\n" + text + "\n", encoding="utf-8")
