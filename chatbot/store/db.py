"""One database, chosen by URL: its connections and the SQL dialect they speak.

Only SQLite ships today (``sqlite:///relative.db``, ``sqlite:////absolute.db``); a second backend adds a
`Dialect` and a branch in `Database.connect`, and runs the same named migrations (chatbot.store.migrations).
Statements are written with ``?`` placeholders and translated by the dialect.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatbot.store import migrations

SQLITE_PREFIX = "sqlite:///"
# Errors a database may raise while the service must keep answering (full disk, locked or missing file).
DatabaseError: tuple[type[Exception], ...] = (sqlite3.Error, OSError)


@dataclass(frozen=True)
class Dialect:
    name: str
    max_parameters: int  # per statement; batches of rows stay under it

    def sql(self, statement: str) -> str:
        """``?`` placeholders as this backend wants them."""
        return statement


SQLITE = Dialect("sqlite", max_parameters=999)  # SQLite's historical limit


def sqlite_path(db_url: str) -> Path:
    """``sqlite:///relative.db`` or ``sqlite:////absolute.db`` → a path."""
    if not db_url.startswith(SQLITE_PREFIX):
        raise ValueError(f"CHATBOT_DB_URL must start with {SQLITE_PREFIX} (got {db_url!r})")
    return Path(db_url[len(SQLITE_PREFIX):])


class Database:
    """Connections per thread, the schema migrated on first use."""

    def __init__(self, url: str):
        self.url = url
        self.path = sqlite_path(url)
        self.dialect = SQLITE
        self._local = threading.local()
        self._migrated = False
        self._lock = threading.Lock()

    def connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=2.0, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 2000")
            conn.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL: a crash of the app loses nothing; a power cut may lose the last few turns,
            # which is the right trade for a log (a full fsync per chat turn serialised all workers).
            conn.execute("PRAGMA synchronous = NORMAL")
            self._local.conn = conn
        if not self._migrated:
            with self._lock:
                if not self._migrated:
                    migrations.apply(conn, self.dialect.name)
                    self._migrated = True
        return conn

    def exists(self) -> bool:
        """Whether the database has been created; readers check first so that reading never creates one."""
        return self.path.is_file()

    def forget(self) -> None:
        """Drop this thread's connection after a failure; the next call reconnects."""
        self._local.conn = None

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        return self.connect().execute(self.dialect.sql(statement), params).rowcount

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connect().execute(self.dialect.sql(statement), params).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        conn = self.connect()
        conn.execute("BEGIN")
        try:
            yield self
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
