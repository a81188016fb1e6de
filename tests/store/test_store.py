"""The storage layer through its own API, once per database URL.

``CHATBOT_TEST_DB_URLS`` (comma-separated) adds backends to the run; ``{tmp}`` in a URL becomes a fresh
directory. Without it, every test runs on a SQLite file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sqlite3
from pathlib import Path

import pytest

from chatbot.knowledge.hours import TOKYO
from chatbot.store import migrations
from chatbot.store.db import Database, sqlite_path
from chatbot.store.log import ConversationLog, Turn

URLS = [u.strip() for u in os.environ.get("CHATBOT_TEST_DB_URLS", "sqlite:///{tmp}/chatbot.sqlite3").split(",")]
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=TOKYO)


@pytest.fixture(params=URLS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return request.param.replace("{tmp}", str(tmp_path))


def turn(answer_id: str, question: str = "粗大ごみの出し方") -> Turn:
    return Turn(answer_id, NOW, question, "fallback", None, 0.1, "v1", "ja")


def test_every_migration_is_applied_once_by_name(url: str) -> None:
    db = Database(url)
    assert db.fetchall("SELECT name FROM schema_migrations ORDER BY name") == [(m.name,) for m in migrations.MIGRATIONS]
    assert migrations.apply(Database(url).connect(), db.dialect.name) == []


def test_turns_are_written_in_batches_and_read_back(url: str) -> None:
    log = ConversationLog(url)
    for n in range(300):  # more than one batch
        assert log.record_turn(turn(f"a-{n:03d}"))
    turns = log.turns(NOW - dt.timedelta(hours=1))
    assert [t.answer_id for t in turns] == sorted(f"a-{n:03d}" for n in range(300))
    assert log.turns(NOW + dt.timedelta(hours=1)) == []


def test_a_rating_is_joined_to_its_turn_whichever_is_written_first(url: str) -> None:
    log = ConversationLog(url)
    assert log.record_feedback("a-1", True, None, NOW) is True  # before its turn reaches the database
    log.record_turn(turn("a-1", "電話は090-1234-5678です"))
    log.record_turn(turn("a-2"))
    assert log.record_feedback("a-1", False, "連絡先 taro.yamada@example.jp", NOW + dt.timedelta(seconds=1))
    assert log.record_feedback("never-asked", True, None, NOW) is True  # kept, and joined to nothing
    rated = {t.answer_id: (t.helpful, t.comment, t.question) for t in log.turns()}
    assert rated == {"a-1": (False, "連絡先 [メール]", "電話は[電話番号]です"), "a-2": (None, None, "粗大ごみの出し方")}


def test_a_database_that_cannot_be_opened_never_raises(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    log = ConversationLog(f"sqlite:///{tmp_path / 'file' / 'chatbot.sqlite3'}")
    assert log.record_turn(turn("a-1")) is True  # queued; the writer logs the failure
    log.flush()
    assert log.record_feedback("a-1", True, None, NOW) is False


def test_a_database_from_before_named_migrations_is_adopted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = sqlite3.connect(sqlite_path(url), isolation_level=None)
    for statement in migrations.MIGRATIONS[0].statements:
        old.execute(statement)
    old.execute("INSERT INTO turns (answer_id, ts, question, outcome, confidence, lang) "
                "VALUES ('kept', '2026-11-24T10:00:00+09:00', '住民票', 'answer', 0.9, 'ja')")
    old.execute("PRAGMA user_version = 1")
    old.close()
    log = ConversationLog(url)
    assert [t.answer_id for t in log.turns()] == ["kept"]
    assert log.db.fetchall("SELECT name FROM schema_migrations ORDER BY name") == [("0001_turns",), ("0002_feedback",)]


def test_other_database_urls_are_refused_with_the_setting_named() -> None:
    with pytest.raises(ValueError, match="CHATBOT_DB_URL"):
        Database("mysql://db/chatbot")


def test_recent_questions_are_distinct_and_most_asked_first(url: str) -> None:
    log = ConversationLog(url)
    asked = [("住民票がほしい", 5), ("粗大ごみの出し方", 4), ("図書館の時間", 1), ("粗大ごみの出し方", 3),
             ("電話は090-1234-5678です", 2), ("去年の質問", 24 * 40), ("去年の質問", 24 * 41)]
    for n, (question, hours_ago) in enumerate(asked):
        log.record_turn(dataclasses.replace(turn(f"a-{n}", question), ts=NOW - dt.timedelta(hours=hours_ago)))
    log.flush()
    since = NOW - dt.timedelta(days=30)
    # asked twice first; then, asked once each, the most recent first; the personal data as it was logged
    assert log.recent_questions(since, limit=10) == ["粗大ごみの出し方", "図書館の時間", "電話は[電話番号]です",
                                                     "住民票がほしい"]
    assert log.recent_questions(since, limit=2) == ["粗大ごみの出し方", "図書館の時間"]


def test_reading_recent_questions_never_creates_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'chatbot.sqlite3'}"
    assert ConversationLog(url).recent_questions(NOW - dt.timedelta(days=30), limit=10) == []
    assert not (tmp_path / "var").exists()
