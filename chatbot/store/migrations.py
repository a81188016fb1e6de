"""Named schema migrations, the same on every backend, recorded in ``schema_migrations``.

A migration is applied once, in order, inside one transaction with its record. New tables (accounts,
an audit log) add a migration at the end; never edit one that has shipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chatbot.store.db import Dialect


@dataclass(frozen=True)
class Migration:
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_turns", (
        """CREATE TABLE turns (
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
        )""",
        "CREATE INDEX turns_ts ON turns(ts)",
        "CREATE INDEX turns_outcome ON turns(outcome, ts)",
    )),
    # Ratings arrive while their turn may still be queued in another worker: stored on their own, joined
    # at read time (ConversationLog.turns). turns.helpful/comment keep ratings stored before this.
    Migration("0002_feedback", (
        """CREATE TABLE feedback (
            answer_id TEXT NOT NULL,
            ts TEXT NOT NULL,
            helpful INTEGER NOT NULL,        -- 1 = 👍, 0 = 👎
            comment TEXT                     -- redacted
        )""",
        "CREATE INDEX feedback_answer ON feedback(answer_id, ts)",
    )),
    # The staff console (chatbot.store.accounts): accounts, server-side sessions (shared by every server, so a
    # login holds whichever server a request reaches) and the audit log of every change staff make.
    Migration("0003_staff", (
        """CREATE TABLE staff_users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,              -- editor | viewer
            password_hash TEXT NOT NULL,     -- argon2id, never the password
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE staff_sessions (
            token_hash TEXT PRIMARY KEY,     -- sha256 of the cookie's token: a copied table opens no session
            name TEXT NOT NULL,
            csrf_token TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_seen TEXT NOT NULL
        )""",
        """CREATE TABLE staff_audit (
            ts TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            before TEXT,
            after TEXT
        )""",
        "CREATE INDEX staff_audit_ts ON staff_audit(ts)",
    )),
    # Groups of unanswered questions staff looked at and set aside (not a matter for an FAQ).
    Migration("0004_staff_dismissed", (
        """CREATE TABLE staff_dismissed (
            representative TEXT PRIMARY KEY, -- the group's representative question, redacted like the log
            ts TEXT NOT NULL,
            actor TEXT NOT NULL
        )""",
    )),
)
LOCK_ID = 7_283_104  # PostgreSQL advisory lock held while migrating (any number no other program uses)
LEDGER = "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"


def apply(conn: Any, dialect: Dialect) -> list[str]:
    """Apply every migration not yet recorded, all in one transaction; the names applied now.

    ``conn`` is a DB-API connection in autocommit mode. The transaction takes a lock first (SQLite's write
    lock, PostgreSQL's advisory lock), so workers and servers starting together migrate one after the other.
    Databases from before named migrations counted applied SQLite migrations in ``PRAGMA user_version``;
    those are recorded under their names.
    """
    for statement in dialect.begin_migration:
        conn.execute(statement)
    try:
        conn.execute(LEDGER)
        done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations").fetchall()}
        if dialect.name == "sqlite" and not done:
            for migration in MIGRATIONS[:conn.execute("PRAGMA user_version").fetchone()[0]]:
                _record(conn, dialect, migration.name)
                done.add(migration.name)
        applied = []
        for migration in (m for m in MIGRATIONS if m.name not in done):
            for statement in migration.statements:
                conn.execute(dialect.ddl(statement))
            _record(conn, dialect, migration.name)
            applied.append(migration.name)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return applied


def _record(conn: Any, dialect: Dialect, name: str) -> None:
    conn.execute(dialect.sql("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)"),
                 (name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
