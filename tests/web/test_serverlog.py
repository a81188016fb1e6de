"""The real gunicorn, started with gunicorn.conf.py, never writes a client's personal data raw.

gunicorn logs a malformed request line itself, outside the app's redacting formatter, so these
tests speak raw HTTP over a socket; chat messages in the newer shapes (dotted, kanji, non-ASCII
e-mail) go through the whole service so the session-end scan of every database, WAL and log file
covers them too (their values are in tests/conftest.py's SEEDED_PERSONAL_VALUES).
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from gunicorn.config import Config

from chatbot.core.redact import EMAIL, MY_NUMBER, PHONE
from chatbot.core.settings import Settings
from chatbot.store.db import sqlite_path
from chatbot.web.devserver import serve
from chatbot.web.serverlog import RedactingFilter, RedactingLogger
from tests.helpers import make_settings

QUERY = "tel=090-1234-5678&no=123456789018&mail=taro.yamada@example.jp&dotted=090.1111.0012"
IN_QUERY = ("090-1234-5678", "123456789018", "taro.yamada@example.jp", "090.1111.0012")
# Lines gunicorn refuses with 400 and logs as "Invalid request from ip=…: …" with the line itself.
INVALID_REQUESTS = (
    f"GET /x?{QUERY}&city=四街道 HTTP/1.1\r\nHost: localhost\r\n\r\n",  # not percent-encoded
    f"GET /x?{QUERY}\r\n\r\n",  # no HTTP version
)
# (message, the personal value in it, what the database must hold instead)
CHAT = (
    ("電話は090.1111.0012です", "090.1111.0012", PHONE),
    ("〇九〇の一一一一の〇〇一五に電話してください", "〇九〇の一一一一の〇〇一五", PHONE),
    ("連絡先は たろう@example.jp です", "たろう@example.jp", EMAIL),
    ("マイナンバー6789.0123.4562の手続き", "6789.0123.4562", MY_NUMBER),
)
IN_CHAT = tuple(raw for _, raw, _ in CHAT)


@dataclass(frozen=True)
class Served:
    server_log: str
    questions: list[str]
    files: dict[Path, bytes]  # every file the service wrote, raw bytes (database, WAL, logs)


@pytest.fixture(scope="module")
def served(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the module: malformed requests, a logged request and chat messages, then its files."""
    root = tmp_path_factory.mktemp("serverlog")
    settings = make_settings(root, index_dir=built.index_dir)
    log = root / "gunicorn.log"
    # The access log is off in gunicorn.conf.py; switched on here because one flag switches it on in production.
    with serve(settings, workers=1, log=log, env={"GUNICORN_CMD_ARGS": "--access-logfile -"}) as server:
        address = urlsplit(server.url)
        for line in INVALID_REQUESTS:
            assert _send_raw(address.hostname, address.port, line.encode()).startswith(b"HTTP/1.1 400")
        assert requests.get(f"{server.url}/api/health?{QUERY}", timeout=10).status_code == 200
        for message, _, _ in CHAT:
            assert requests.post(f"{server.url}/api/chat", json={"message": message}, timeout=30).status_code == 200
        questions = _stored_questions(sqlite_path(settings.db_url), len(CHAT))
        files = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    yield Served(log.read_text(encoding="utf-8", errors="replace"), questions, files)


def test_invalid_request_lines_are_logged_redacted(served: Served) -> None:
    assert served.server_log.count("Invalid request from ip=") == len(INVALID_REQUESTS)
    for line in served.server_log.splitlines():
        if "Invalid request from ip=" in line:
            assert PHONE in line and MY_NUMBER in line and EMAIL in line, line
    for raw in IN_QUERY:
        assert raw not in served.server_log


def test_access_log_lines_are_redacted(served: Served) -> None:
    health = [line for line in served.server_log.splitlines() if "GET /api/health?" in line]
    assert health and PHONE in health[0] and EMAIL in health[0], served.server_log


def test_chat_messages_in_new_shapes_are_stored_redacted(served: Served) -> None:
    assert sorted(served.questions) == sorted(message.replace(raw, placeholder) for message, raw, placeholder in CHAT)
    written = {path.name for path in served.files}
    assert any(".sqlite3" in name for name in written), written
    for path, content in served.files.items():
        text = content.decode("utf-8", errors="replace")
        for raw in IN_CHAT + IN_QUERY:
            assert raw not in text, f"{raw} in {path}"


def test_tracebacks_and_broken_formats_are_redacted(tmp_path: Path) -> None:
    """What a request line can reach besides the message: an exception's text, a format's arguments."""
    log = tmp_path / "gunicorn-direct.log"
    config = Config()
    config.set("errorlog", str(log))
    logger = RedactingLogger(config)
    try:
        logger.setup(config)  # a configuration reload (SIGHUP) must not stack a second filter
        assert sum(isinstance(f, RedactingFilter) for f in logger.error_log.filters) == 1
        try:
            raise ValueError("no route for /x?tel=090-1234-5678")
        except ValueError:
            logger.exception("Error handling request GET %s", "/x?no=123456789018")
        logger.error("two placeholders, one argument: %s %s", "taro.yamada@example.jp")
    finally:
        for handler in logger.error_log.handlers:
            handler.close()
        for name in ("gunicorn.error", "gunicorn.access"):
            logging.getLogger(name).handlers.clear()
            logging.getLogger(name).filters.clear()
    text = log.read_text(encoding="utf-8")
    assert f"Error handling request GET /x?no={MY_NUMBER}" in text
    assert f"ValueError: no route for /x?tel={PHONE}" in text  # the traceback is there, redacted
    assert "two placeholders, one argument: %s %s" in text
    for raw in ("090-1234-5678", "123456789018", "taro.yamada@example.jp"):
        assert raw not in text


def _send_raw(host: str | None, port: int | None, request: bytes) -> bytes:
    """What the server answers to bytes no HTTP client would send."""
    with socket.create_connection((host or "127.0.0.1", port or 80), timeout=10) as sock:
        sock.sendall(request)
        return sock.recv(65536)


def _stored_questions(db: Path, expected: int) -> list[str]:
    """The turns' questions, once the queued writer has stored ``expected`` of them."""
    deadline = time.monotonic() + 20
    questions: list[str] = []
    while len(questions) < expected and time.monotonic() < deadline:
        time.sleep(0.2)
        with closing(sqlite3.connect(db)) as connection:
            try:
                questions = [row[0] for row in connection.execute("SELECT question FROM turns")]
            except sqlite3.OperationalError:  # not created yet: the service migrates on first use
                continue
    return questions
