"""The conversation log: one row per chat turn, personal data redacted before it is written.

Logging is best effort by design: a full disk, a locked or read-only database must never
stop a citizen getting an answer, so every write failure is logged and swallowed.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import queue
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatbot.core.memo import BoundedMemo
from chatbot.core.redact import redact

log = logging.getLogger(__name__)

QUEUE_LIMIT = 10_000  # turns held in memory while the database is slow or unavailable
REDACTIONS_KEPT = 4096  # citizens ask the same questions over and over; redacting one costs ~20 µs
BATCH_LIMIT = 120  # rows per INSERT: 960 parameters, under SQLite's historical limit of 999
# After the first queued turn the writer waits this long, then writes what has queued (up to BATCH_LIMIT) in one
# statement: a commit per turn cost ~0.2 ms of CPU per chat request under load.
BATCH_WAIT_SECONDS = 0.05
INSERT_TURNS = "INSERT INTO turns (answer_id, ts, question, outcome, faq_id, confidence, index_version, lang) VALUES "
TURN_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?)"

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE turns (
        answer_id TEXT PRIMARY KEY,
        ts TEXT NOT NULL,
        question TEXT NOT NULL,          -- redacted
        outcome TEXT NOT NULL,           -- answer | fallback
        faq_id TEXT,
        confidence REAL NOT NULL,
        index_version TEXT,
        lang TEXT NOT NULL,
        helpful INTEGER,                 -- NULL until rated; 1 = 👍, 0 = 👎
        comment TEXT,                    -- redacted
        feedback_ts TEXT
    );
    CREATE INDEX turns_ts ON turns(ts);
    CREATE INDEX turns_outcome ON turns(outcome, ts);
    """,
)


@dataclass(frozen=True)
class Turn:
    answer_id: str
    ts: dt.datetime
    question: str
    outcome: str
    faq_id: str | None
    confidence: float
    index_version: str | None
    lang: str
    helpful: bool | None = None
    comment: str | None = None


def sqlite_path(db_url: str) -> Path:
    """``sqlite:///relative.db`` or ``sqlite:////absolute.db`` → a path."""
    prefix = "sqlite:///"
    if not db_url.startswith(prefix):
        raise ValueError(f"CHATBOT_DB_URL must start with {prefix} (got {db_url!r})")
    return Path(db_url[len(prefix):])


class ConversationLog:
    """Turns are queued and written by one background thread per process, in batches.

    A chat request never waits for SQLite: with several workers a write lock held by
    another process would otherwise stall it in SQLite's sleeping busy handler.
    """

    def __init__(self, db_url: str):
        self.path = sqlite_path(db_url)
        self._local = threading.local()
        self._ready = False
        self._ready_lock = threading.Lock()
        self._queue: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=QUEUE_LIMIT)
        self._writer_pid: int | None = None
        self._redacted: BoundedMemo[str] = BoundedMemo(REDACTIONS_KEPT)
        atexit.register(self.flush)

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=2.0, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 2000")
            # WAL + NORMAL: a crash of the app loses nothing; a power cut may lose the last few turns,
            # which is the right trade for a log (a full fsync per chat turn serialised all workers).
            conn.execute("PRAGMA synchronous = NORMAL")
            self._local.conn = conn
        if not self._ready:
            with self._ready_lock:
                if not self._ready:
                    migrate(conn)
                    self._ready = True
        return conn

    def record_turn(self, turn: Turn) -> bool:
        """Queue one turn (redacted now, before it is held anywhere); False when the queue is full."""
        question = self._redacted.get(turn.question, lambda: redact(turn.question))
        row = (turn.answer_id, turn.ts.isoformat(timespec="seconds"), question, turn.outcome,
               turn.faq_id, turn.confidence, turn.index_version, turn.lang)
        self._ensure_writer()
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            log.warning("conversation log queue full; a turn was not logged")
            return False
        return True

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued turn has been written (or given up on)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline and self._writer_pid == os.getpid():
            time.sleep(0.002)

    def _ensure_writer(self) -> None:
        # Threads do not survive gunicorn's fork: each worker starts its own writer on first use.
        if self._writer_pid == os.getpid():
            return
        with self._ready_lock:
            if self._writer_pid != os.getpid():
                self._writer_pid = os.getpid()
                threading.Thread(target=self._write_batches, name="conversation-log", daemon=True).start()

    def _write_batches(self) -> None:
        while True:
            rows = [self._queue.get()]
            if self._queue.qsize() < BATCH_LIMIT:  # behind: no waiting
                time.sleep(BATCH_WAIT_SECONDS)
            while len(rows) < BATCH_LIMIT:
                try:
                    rows.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                conn = self._connect()
                with conn:
                    conn.execute("BEGIN")
                    # One statement for the batch: executemany would drop and retake the GIL for every
                    # row, each time waiting behind the request threads.
                    conn.execute(INSERT_TURNS + ", ".join([TURN_VALUES] * len(rows)),
                                 [value for row in rows for value in row])
            except (sqlite3.Error, OSError) as exc:
                log.warning("conversation log write failed (%s: %s); %d turn(s) not logged, answering continues",
                            type(exc).__name__, exc, len(rows))
                self._local.conn = None
            finally:
                for _ in rows:
                    self._queue.task_done()

    def record_feedback(self, answer_id: str, helpful: bool, comment: str | None, ts: dt.datetime) -> bool | None:
        """True when stored, False for an unknown answer, None when the database failed."""
        self.flush()  # the rated turn may still be queued
        changed = self._write("UPDATE turns SET helpful = ?, comment = ?, feedback_ts = ? WHERE answer_id = ?",
                              (int(helpful), redact(comment) if comment else None,
                               ts.isoformat(timespec="seconds"), answer_id))
        return None if changed is None else changed > 0

    def _write(self, sql: str, params: tuple[Any, ...]) -> int | None:
        try:
            return self._connect().execute(sql, params).rowcount
        except (sqlite3.Error, OSError) as exc:
            log.warning("conversation log write failed (%s: %s); answering continues", type(exc).__name__, exc)
            self._local.conn = None
            return None

    def turns(self, since: dt.datetime | None = None) -> list[Turn]:
        """Turns from ``since`` on, oldest first (for reports)."""
        self.flush()
        sql = "SELECT answer_id, ts, question, outcome, faq_id, confidence, index_version, lang, helpful, comment " \
              "FROM turns WHERE ts >= ? ORDER BY ts"
        cutoff = since.isoformat(timespec="seconds") if since else ""
        rows = self._connect().execute(sql, (cutoff,)).fetchall()
        return [Turn(r[0], dt.datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5], r[6], r[7],
                     None if r[8] is None else bool(r[8]), r[9]) for r in rows]


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema up to date; ``PRAGMA user_version`` counts applied migrations."""
    conn.execute("PRAGMA journal_mode = WAL")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
