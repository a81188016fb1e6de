"""Builders shared by test files (never import one test file from another)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

from chatbot.cli import main
from chatbot.core.settings import PREFIX, SETTINGS, Settings
from chatbot.knowledge.hours import TOKYO
from chatbot.search import publish
from chatbot.search.versions import BuildSpec
from chatbot.store.log import ConversationLog, Turn

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
    """A five-FAQ knowledge base (fast to build) with its own index directory; only English of the
    translations is kept (the others would double every build's training and no test of it needs them)."""
    root = tmp_path / "knowledge"
    for name in SMALL:
        (root / "faq" / name).parent.mkdir(parents=True, exist_ok=True)
        text = (REPO / "knowledge" / "faq" / name).read_text(encoding="utf-8")
        (root / "faq" / name).write_text(english_only(text), encoding="utf-8")
    for name in ("departments.yaml", "synonyms.yaml", "closures.yaml"):
        shutil.copy(REPO / "knowledge" / name, root / name)
    return make_settings(tmp_path, knowledge_dir=root)


def english_only(text: str) -> str:
    """An FAQ file with every ``i18n:`` block but English's left out (its other lines as they were)."""
    kept, dropping = [], False
    for line in text.split("\n"):
        if re.match(r"^  [a-z]+:$", line):  # a language block under i18n:
            dropping = line != "  en:"
        elif line.strip() and not line.startswith("   "):  # a blank line inside an answer changes nothing
            dropping = False
        if not dropping:
            kept.append(line)
    return "\n".join(kept)


def edit_answer(settings: Settings, text: str) -> None:
    path = settings.knowledge_dir / "faq" / SMALL[0]
    head, _, _ = path.read_text(encoding="utf-8").rpartition("---\n")
    path.write_text(head + "---\n" + text + "\n", encoding="utf-8")


def cli(settings: Settings, *args: str, stdin: str | None = None) -> Result:
    """`chatbot …` as staff type it, in-process, with only these settings in the environment.

    Commands that configure logging point the ``chatbot`` logger at the runner's stderr, which is gone
    once the command returns; the logger is put back as it was so later tests log where they expect."""
    env: dict[str, str | None] = {PREFIX + s.name: None for s in SETTINGS}
    env.update({PREFIX + "KNOWLEDGE_DIR": str(settings.knowledge_dir), PREFIX + "INDEX_DIR": str(settings.index_dir),
                PREFIX + "DB_URL": settings.db_url})
    logger = logging.getLogger("chatbot")
    handlers, propagate, level = logger.handlers[:], logger.propagate, logger.level
    try:
        return CliRunner().invoke(main, list(args), env=env, input=stdin)
    finally:
        logger.handlers[:] = handlers
        logger.propagate, logger.level = propagate, level


LOST_PROPERTY = """---
id: living-lost-property
question: 市役所で落とし物や忘れ物をしたときはどうすればいいですか？
alt_questions:
  - 財布を落とした
  - 財布ごとマイナンバーカードをなくしました
  - マイナカードを落とした
category: living
department: somu
tags: [落とし物, 忘れ物, 財布, なくした, 落とした]
updated: 2026-12-01
status: published
---
庁舎内の落とし物・忘れ物は総務課でお預かりしています。庁舎の外で落とした場合は、警察に遺失届を出してください。
"""


def add_lost_property_faq(settings: Settings) -> None:
    """A new FAQ that copied two of the lost-card FAQ's wordings (as a page that seems close invites): it
    captures them, and the question about a lost wallet that the lost-card FAQ answered."""
    path = settings.knowledge_dir / "faq" / "living" / "living-lost-property.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(LOST_PROPERTY, encoding="utf-8")


@dataclass(frozen=True)
class LostProperty:
    settings: Settings
    first: Result  # `chatbot build-index` of the five FAQs: nothing served before it
    second: Result  # `chatbot reindex --changes 2` after the lost-property FAQ was added
    asked: tuple[str, ...]  # what citizens asked in between, as logged


def publish_lost_property(root: Path) -> LostProperty:
    """The five-FAQ knowledge base (with a smoke question) published by `chatbot build-index`; then citizens
    ask, the lost-property FAQ is added and `chatbot reindex --changes 2` publishes it."""
    settings = small_knowledge(root)
    (settings.knowledge_dir / "smoke.tsv").write_text("question\texpected\nマイナンバーカードを申請したい\t"
                                                      "mynumber-card-apply\n", encoding="utf-8")
    first = cli(settings, "build-index")
    asked = ("市役所は何時まで開いていますか", "財布を落としました", "財布を落としました")
    log = ConversationLog(settings.db_url)
    for n, question in enumerate(asked):
        log.record_turn(Turn(f"a-{n}", dt.datetime.now(TOKYO), question, "answer", None, 0.9, None, "ja"))
    log.flush()
    add_lost_property_faq(settings)
    second = cli(settings, "reindex", "--changes", "2")
    return LostProperty(settings, first, second, asked)
