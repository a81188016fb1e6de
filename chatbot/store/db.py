"""One database, chosen by URL: its connections and the SQL dialect they speak.

SQLite (``sqlite:///relative.db``, ``sqlite:////absolute.db``) needs nothing and is the default; PostgreSQL
(``postgresql://user@host:port/db``) lets several servers share one log. Both are plain DB-API connections
in autocommit mode driven by the same statements, written with ``?`` placeholders and translated by the
dialect, and migrated by the same named migrations (chatbot.store.migrations). A thin layer instead of
SQLAlchemy Core: the store issues a handful of fixed statements, and a query builder would add a large
dependency and per-statement work for none of its features.

psycopg is imported only for a PostgreSQL URL: it costs 0.2 s of start-up that SQLite users need not pay.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatbot.store import migrations

SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
# Errors of every backend that mean "the database failed", never "the program is wrong".
DatabaseError: tuple[type[Exception], ...] = (sqlite3.Error, OSError)
CONNECT_TIMEOUT_SECONDS = 3
STATEMENT_TIMEOUT_MS = 10_000  # a writer stuck behind a lock gives up and retries rather than hang
_REAL = re.compile(r"\bREAL\b")


@dataclass(frozen=True)
class Dialect:
    name: str
    max_parameters: int  # per statement; batches of rows stay under it
    placeholder: str
    begin_migration: tuple[str, ...]  # statements that start a migration and serialise concurrent ones
    errors: tuple[type[Exception], ...]  # the backend's errors: the database failed
    transient: tuple[type[Exception], ...]  # of those, the ones worth retrying (connection lost, disk, lock)

    def sql(self, statement: str) -> str:
        """``?`` placeholders as this backend wants them (no statement here contains a literal ``?``)."""
        return statement if self.placeholder == "?" else statement.replace("?", self.placeholder)

    def ddl(self, statement: str) -> str:
        """A migration's statement for this backend: SQLite's REAL is a double, PostgreSQL's a single float."""
        return _REAL.sub("DOUBLE PRECISION", statement) if self.name == "postgresql" else statement


SQLITE = Dialect("sqlite", max_parameters=999, placeholder="?", begin_migration=("BEGIN IMMEDIATE",),
                 errors=DatabaseError, transient=(sqlite3.OperationalError, OSError))


def postgres_dialect() -> Dialect:
    import psycopg

    # The advisory lock makes workers and servers starting together migrate one after the other
    # (CREATE TABLE IF NOT EXISTS alone races in PostgreSQL's catalogue).
    return Dialect("postgresql", max_parameters=65_535, placeholder="%s",
                   begin_migration=("BEGIN", f"SELECT pg_advisory_xact_lock({migrations.LOCK_ID})"),
                   errors=(psycopg.Error, OSError),
                   transient=(psycopg.OperationalError, psycopg.InterfaceError, OSError))


def sqlite_path(db_url: str) -> Path:
    """``sqlite:///relative.db`` or ``sqlite:////absolute.db`` → a path."""
    if not db_url.startswith(SQLITE_PREFIX):
        raise ValueError(f"CHATBOT_DB_URL must start with {SQLITE_PREFIX} or postgresql:// (got {db_url!r})")
    return Path(db_url[len(SQLITE_PREFIX):])


class Database:
    """Connections per thread, the schema migrated on first use."""

    def __init__(self, url: str):
        self.url = url
        if url.startswith(POSTGRES_PREFIXES):
            self.path: Path | None = None
            self.dialect = postgres_dialect()
        else:
            self.path = sqlite_path(url)
            self.dialect = SQLITE
        self._local = threading.local()
        self._migrated = False
        self._lock = threading.Lock()

    def connect(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open()
        if not self._migrated:
            with self._lock:
                if not self._migrated:
                    migrations.apply(conn, self.dialect)
                    self._migrated = True
        return conn

    def _open(self) -> Any:
        if self.path is None:
            import psycopg

            return psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                   application_name="yotsukaido-chatbot",
                                   options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=2.0, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 2000")
        conn.execute("PRAGMA journal_mode = WAL")
        # WAL + NORMAL: a crash of the app loses nothing; a power cut may lose the last few turns,
        # which is the right trade for a log (a full fsync per chat turn serialised all workers).
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def exists(self) -> bool:
        """Whether the database has been created; readers check first so that reading never creates a SQLite
        file (as the wrong user, say). A PostgreSQL database is created by its administrator: it exists."""
        return self.path is None or self.path.is_file()

    def forget(self) -> None:
        """Drop this thread's connection after a failure; the next call reconnects."""
        conn, self._local.conn = getattr(self._local, "conn", None), None
        if conn is not None:
            with suppress(self.dialect.errors):
                conn.close()

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
