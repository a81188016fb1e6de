"""Staff accounts, their sessions and the audit log, in the conversation-log database.

Passwords are hashed with argon2id (argon2-cffi, the maintained binding of the Password Hashing Competition
winner); the hash carries its own salt and parameters, so raising the cost later rehashes at the next login.
Sessions live in the database, not in a signed cookie: every server of a multi-server deployment sees the
same logins with no secret to share, a logout ends the session everywhere, and the cookie holds only a
random token whose hash is stored. Every change staff make is recorded with who, when, what and
before/after; password hashes never enter the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chatbot.core.redact import redact
from chatbot.store.db import Database

ROLES = ("editor", "viewer")  # editors change the knowledge base; viewers only look
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 12  # characters: a passphrase, not a word; length beats complexity rules against guessing
TOKEN_BYTES = 32


class AccountError(ValueError):
    """A request the accounts cannot carry out; ``code`` names it in the staff messages catalogue."""

    def __init__(self, code: str, **values: object):
        super().__init__(code)
        self.code, self.values = code, values


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created_at: str
    updated_at: str

    @property
    def can_edit(self) -> bool:
        return self.role == "editor"


@dataclass(frozen=True)
class Session:
    token: str  # only in the cookie; the database keeps its hash
    user: User
    csrf_token: str


@dataclass(frozen=True)
class AuditEntry:
    ts: str
    actor: str
    action: str
    target: str
    before: str | None
    after: str | None


def _now(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, db: Database, hasher: PasswordHasher | None = None):
        self.db = db
        self._hasher = hasher or PasswordHasher()
        # Verified for names that do not exist, so a wrong name takes as long as a wrong password.
        self._decoy = self._hasher.hash(secrets.token_urlsafe(16))

    # ------------------------------------------------------------ accounts

    def add(self, name: str, role: str, password: str, actor: str) -> User:
        _check_name(name)
        _check_role(role)
        _check_password(password)
        if self.user(name) is not None:
            raise AccountError("staff_user_exists", name=name)
        now = _now()
        with self.db.transaction():
            self.db.execute("INSERT INTO staff_users (name, role, password_hash, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?, ?)", (name, role, self._hasher.hash(password), now, now))
            self._audit(actor, "add_user", name, None, f"role={role}")
        return User(name, role, now, now)

    def user(self, name: str) -> User | None:
        rows = self.db.fetchall("SELECT name, role, created_at, updated_at FROM staff_users WHERE name = ?", (name,))
        return User(*rows[0]) if rows else None

    def users(self) -> list[User]:
        return [User(*row) for row in self.db.fetchall(
            "SELECT name, role, created_at, updated_at FROM staff_users ORDER BY name")]

    def remove(self, name: str, actor: str) -> None:
        user = self._existing(name)
        with self.db.transaction():
            self.db.execute("DELETE FROM staff_sessions WHERE name = ?", (name,))
            self.db.execute("DELETE FROM staff_users WHERE name = ?", (name,))
            self._audit(actor, "remove_user", name, f"role={user.role}", None)

    def set_password(self, name: str, password: str, actor: str) -> None:
        """A new password ends every session of the account: whoever knew the old one is logged out."""
        self._existing(name)
        _check_password(password)
        with self.db.transaction():
            self.db.execute("UPDATE staff_users SET password_hash = ?, updated_at = ? WHERE name = ?",
                            (self._hasher.hash(password), _now(), name))
            self.db.execute("DELETE FROM staff_sessions WHERE name = ?", (name,))
            self._audit(actor, "set_password", name, None, None)

    def verify(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs; the same work is done for a name that does not exist."""
        rows = self.db.fetchall("SELECT password_hash FROM staff_users WHERE name = ?", (name,))
        stored = rows[0][0] if rows else self._decoy
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if not rows:
            return None
        if self._hasher.check_needs_rehash(stored):
            self.db.execute("UPDATE staff_users SET password_hash = ? WHERE name = ?",
                            (self._hasher.hash(password), name))
        return self.user(name)

    def _existing(self, name: str) -> User:
        user = self.user(name)
        if user is None:
            raise AccountError("staff_user_missing", name=name)
        return user

    # ------------------------------------------------------------ sessions

    def open_session(self, user: User, now: dt.datetime | None = None) -> Session:
        """A new session with a new token (a login never reuses the token it came with)."""
        token, csrf = secrets.token_urlsafe(TOKEN_BYTES), secrets.token_urlsafe(TOKEN_BYTES)
        stamp = _now(now)
        self.db.execute("INSERT INTO staff_sessions (token_hash, name, csrf_token, created_at, last_seen) "
                        "VALUES (?, ?, ?, ?, ?)", (_digest(token), user.name, csrf, stamp, stamp))
        return Session(token, user, csrf)

    def session(self, token: str, idle: dt.timedelta, now: dt.datetime | None = None) -> Session | None:
        """The live session of ``token``, its idle clock restarted; None (and the row gone) once idle too long."""
        now = now or dt.datetime.now(dt.UTC)
        rows = self.db.fetchall("SELECT name, csrf_token, last_seen FROM staff_sessions WHERE token_hash = ?",
                                (_digest(token),))
        if not rows:
            return None
        name, csrf, last_seen = rows[0]
        user = self.user(name)
        if user is None or now - dt.datetime.fromisoformat(last_seen) > idle:
            self.close_session(token)
            return None
        self.db.execute("UPDATE staff_sessions SET last_seen = ? WHERE token_hash = ?", (_now(now), _digest(token)))
        return Session(token, user, csrf)

    def close_session(self, token: str) -> None:
        self.db.execute("DELETE FROM staff_sessions WHERE token_hash = ?", (_digest(token),))

    # ------------------------------------------------------------ dismissed groups

    def dismiss(self, representative: str, actor: str) -> None:
        """Set a group aside: the dashboard stops listing it (the log keeps its questions)."""
        with self.db.transaction():
            self.db.execute("DELETE FROM staff_dismissed WHERE representative = ?", (representative,))
            self.db.execute("INSERT INTO staff_dismissed (representative, ts, actor) VALUES (?, ?, ?)",
                            (representative, _now(), actor))
            self._audit(actor, "dismiss_group", representative, None, None)

    def dismissed(self) -> frozenset[str]:
        return frozenset(row[0] for row in self.db.fetchall("SELECT representative FROM staff_dismissed"))

    # ------------------------------------------------------------ audit log

    def record(self, actor: str, action: str, target: str, before: str | None, after: str | None) -> None:
        """One change made through the console (an FAQ edited, a group dismissed)."""
        self._audit(actor, action, target, before, after)

    def _audit(self, actor: str, action: str, target: str, before: str | None, after: str | None) -> None:
        """Values are redacted as the conversation log is: a phrasing sent to the console is a citizen's words."""
        self.db.execute("INSERT INTO staff_audit (ts, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)",
                        (_now(), actor, action, redact(target), before and redact(before), after and redact(after)))

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        return [AuditEntry(*row) for row in self.db.fetchall(
            "SELECT ts, actor, action, target, before, after FROM staff_audit ORDER BY ts DESC LIMIT ?", (limit,))]


def _check_name(name: str) -> None:
    if not NAME.match(name):
        raise AccountError("staff_bad_name", name=name)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError("staff_bad_role", role=role, roles=", ".join(ROLES))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("staff_short_password", minimum=MIN_PASSWORD)
