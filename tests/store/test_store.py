"""The storage layer through its own API, once per backend: a SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import threading
import uuid
from pathlib import Path

import pytest

from chatbot.knowledge.hours import TOKYO
from chatbot.store import migrations, writer
from chatbot.store.db import Database, sqlite_path
from chatbot.store.log import ConversationLog, Turn
from chatbot.web.throwaway import Postgres

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=TOKYO)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'chatbot.sqlite3'}"
    return request.getfixturevalue("postgres_cluster").create_database(f"t_{uuid.uuid4().hex[:12]}")


class Counted:
    """An observer (chatbot.store.writer.Observer) that remembers what it was told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def __call__(self, table: str, rows: int) -> None:
        with self.lock:
            self.calls.append((table, rows))

    def total(self) -> int:
        return sum(rows for _, rows in self.calls)


def turn(answer_id: str, question: str = "粗大ごみの出し方") -> Turn:
    return Turn(answer_id, NOW, question, "fallback", None, 0.1, "v1", "ja")


def test_every_migration_is_applied_once_by_name(url: str) -> None:
    db = Database(url)
    assert db.fetchall("SELECT name FROM schema_migrations ORDER BY name") == [(m.name,) for m in migrations.MIGRATIONS]
    assert migrations.apply(Database(url).connect(), db.dialect) == []


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


def test_a_database_that_cannot_be_opened_never_raises_and_loses_only_what_the_queue_cannot_hold(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "QUEUE_LIMIT", 3)
    (tmp_path / "file").write_text("not a directory")
    lost, waiting = Counted(), Counted()
    log = ConversationLog(f"sqlite:///{tmp_path / 'file' / 'chatbot.sqlite3'}", lost=lost, waiting=waiting)
    queued = [log.record_turn(turn(f"a-{n}")) for n in range(6)]
    # The writer holds one batch while it retries, so the queue takes the limit behind it; the rest is lost.
    assert queued.count(True) >= 3 and queued[-1] is False
    assert lost.calls and lost.total() == queued.count(False) and {t for t, _ in lost.calls} == {"turns"}
    assert log.record_feedback("a-1", True, None, NOW) is True  # ratings have their own queue
    assert log.flush(timeout=0.3) is False  # still waiting for the database
    assert waiting.calls and waiting.calls[-1][1] >= 1
    (tmp_path / "file").unlink()  # the way is clear: the writer makes the folder and writes what was kept
    assert log.flush(timeout=15)
    assert len(log.turns()) == queued.count(True) and lost.total() == queued.count(False)


def test_rows_wait_while_postgresql_is_stopped_and_are_written_when_it_returns(
        postgres_cluster: Postgres) -> None:
    url = postgres_cluster.create_database(f"t_{uuid.uuid4().hex[:12]}")
    lost = Counted()
    log = ConversationLog(url, lost=lost)
    log.record_turn(turn("before"))
    assert log.flush()
    postgres_cluster.stop()
    try:
        for n in range(50):
            assert log.record_turn(turn(f"during-{n:02d}"))
        assert log.record_feedback("during-00", False, "電話 090-1234-5678", NOW)
        assert log.flush(timeout=1.0) is False
    finally:
        postgres_cluster.start()
    assert log.flush(timeout=30)
    turns = log.turns()
    assert [t.answer_id for t in turns] == ["before", *(f"during-{n:02d}" for n in range(50))]
    assert (turns[1].helpful, turns[1].comment) == (False, "電話 [電話番号]")
    assert lost.calls == []


def test_a_batch_the_database_refuses_is_dropped_counted_and_never_blocks_later_rows(url: str) -> None:
    lost = Counted()
    log = ConversationLog(url, lost=lost)
    log.record_turn(turn("same"))
    assert log.flush()
    log.record_turn(turn("same"))  # answer ids are unique: the database refuses this row
    assert log.flush()
    log.record_turn(turn("later"))
    assert log.flush()
    assert [t.answer_id for t in log.turns()] == ["same", "later"]
    assert lost.calls == [("turns", 1)]


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
    assert log.db.fetchall("SELECT name FROM schema_migrations ORDER BY name") == [
        ("0001_turns",), ("0002_feedback",), ("0003_staff",), ("0004_staff_dismissed",)]


def test_postgresql_keeps_a_confidence_as_sqlite_does(url: str) -> None:
    log = ConversationLog(url)
    log.record_turn(dataclasses.replace(turn("a-1"), confidence=0.123456789))
    assert log.turns()[0].confidence == 0.123456789


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
