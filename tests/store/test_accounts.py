"""Staff accounts on a real database: argon2 hashes only, sessions that expire and rotate, every change
audited; and the command line that manages them, reading the password from stdin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chatbot.store.accounts import AccountError, Accounts
from chatbot.store.db import Database
from tests.helpers import cli, make_settings

PASSWORD = "correct horse battery"
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
IDLE = dt.timedelta(minutes=30)


@pytest.fixture()
def accounts(tmp_path: Path) -> Accounts:
    return Accounts(Database(f"sqlite:///{tmp_path / 'chatbot.sqlite3'}"))


def test_only_an_argon2_hash_is_stored_and_verified(accounts: Accounts) -> None:
    accounts.add("sato", "editor", PASSWORD, actor="test")
    (stored,) = accounts.db.fetchall("SELECT password_hash FROM staff_users")[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.verify("sato", PASSWORD).role == "editor"
    assert accounts.verify("sato", "wrong horse battery") is None
    assert accounts.verify("nobody", PASSWORD) is None


@pytest.mark.parametrize(("name", "role", "password", "code"), [
    ("sato", "editor", "short", "staff_short_password"),
    ("sato", "admin", PASSWORD, "staff_bad_role"),
    ("../sato", "editor", PASSWORD, "staff_bad_name"),
])
def test_bad_accounts_are_refused(accounts: Accounts, name: str, role: str, password: str, code: str) -> None:
    with pytest.raises(AccountError) as refused:
        accounts.add(name, role, password, actor="test")
    assert refused.value.code == code and accounts.users() == []


def test_sessions_expire_when_idle_and_end_with_a_new_password_or_removal(accounts: Accounts) -> None:
    user = accounts.add("sato", "viewer", PASSWORD, actor="test")
    first, second = accounts.open_session(user, NOW), accounts.open_session(user, NOW)
    assert first.token != second.token and first.csrf_token != second.csrf_token
    assert accounts.db.fetchall("SELECT count(*) FROM staff_sessions WHERE token_hash = ?", (first.token,)) == [(0,)]
    assert accounts.session(first.token, IDLE, NOW + dt.timedelta(minutes=29)).user.name == "sato"
    assert accounts.session(first.token, IDLE, NOW + dt.timedelta(minutes=58)) is not None  # the clock restarted
    assert accounts.session(first.token, IDLE, NOW + dt.timedelta(minutes=89)) is None  # idle for 31 minutes
    assert accounts.session(first.token, IDLE, NOW + dt.timedelta(minutes=30)) is None  # and it is gone
    accounts.set_password("sato", "another long passphrase", actor="test")
    assert accounts.session(second.token, IDLE, NOW) is None
    third = accounts.open_session(user, NOW)
    accounts.remove("sato", actor="test")
    assert accounts.session(third.token, IDLE, NOW) is None and accounts.users() == []


def test_every_change_is_audited_without_a_password(accounts: Accounts) -> None:
    accounts.add("sato", "editor", PASSWORD, actor="cli:admin")
    accounts.set_password("sato", "another long passphrase", actor="cli:admin")
    accounts.remove("sato", actor="cli:admin")
    log = accounts.audit_log()
    assert [(e.actor, e.action, e.target, e.before, e.after) for e in reversed(log)] == [
        ("cli:admin", "add_user", "sato", None, "role=editor"),
        ("cli:admin", "set_password", "sato", None, None),
        ("cli:admin", "remove_user", "sato", "role=editor", None),
    ]
    assert all(PASSWORD not in str(e) and "$argon2" not in str(e) for e in log)


def test_the_command_line_reads_the_password_from_stdin_and_never_prints_it(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    added = cli(settings, "staff", "add-user", "sato", "--role", "editor", stdin=PASSWORD + "\n")
    assert added.exit_code == 0 and "sato" in added.output and PASSWORD not in added.output
    assert cli(settings, "staff", "add-user", "sato", "--role", "viewer", stdin=PASSWORD + "\n").exit_code == 1
    assert cli(settings, "staff", "add-user", "kato", "--role", "viewer", stdin="short\n").exit_code == 1
    listed = cli(settings, "staff", "list-users")
    assert listed.output.splitlines()[0].split("\t")[:2] == ["sato", "editor"]
    assert cli(settings, "staff", "set-password", "sato", stdin="another long passphrase\n").exit_code == 0
    assert cli(settings, "staff", "remove-user", "sato").exit_code == 0
    assert cli(settings, "staff", "remove-user", "sato").exit_code == 1
    assert cli(settings, "staff", "list-users").output == ""


def test_personal_data_in_an_audited_value_is_redacted(accounts: Accounts) -> None:
    accounts.record("sato", "add_alt_questions", "faq-id", None, '["電話は090-1234-5678です"]')
    assert accounts.audit_log()[0].after == '["電話は[電話番号]です"]'
