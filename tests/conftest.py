"""Shared fixtures: one real index built from the bundled knowledge base per session.

Every database and log file a test writes lives under the session's temporary root, and
after the run ``pytest_sessionfinish`` scans them all for the personal values the tests
typed in: finding one fails the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chatbot.core.settings import Settings
from chatbot.web.throwaway import Postgres, postgres, redis
from tests.helpers import LostProperty, make_settings, publish_index, publish_lost_property, small_knowledge

# Personal data the tests send to the service; none may ever be stored or logged raw.
SEEDED_PERSONAL_VALUES = (
    "123456789018",       # a My Number with a valid check digit
    "090-1234-5678",
    "09012345678",
    "taro.yamada@example.jp",
    "千葉県四街道市鹿渡933-1",
    # Sent by tests/web/test_serverlog.py through the real server (chat and raw request lines).
    "090.1111.0012",
    "6789.0123.4562",
    "〇九〇の一一一一の〇〇一五",
    "たろう@example.jp",
)


@pytest.fixture(scope="session")
def session_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A published index of the bundled knowledge base (built once, read-only for tests)."""
    settings = make_settings(tmp_path_factory.mktemp("shared"))
    publish_index(settings)
    return settings


@pytest.fixture()
def app_settings(built: Settings, tmp_path: Path) -> Settings:
    """The shared index with a fresh database and log directory per test."""
    return make_settings(tmp_path, index_dir=built.index_dir)


@pytest.fixture()
def small(tmp_path: Path) -> Settings:
    """A five-FAQ knowledge base (fast to build) with its own index directory."""
    return small_knowledge(tmp_path)


@pytest.fixture(scope="session")
def lost_property(tmp_path_factory: pytest.TempPathFactory) -> LostProperty:
    """Two published versions of the five-FAQ knowledge base, the second with an FAQ that captures the
    lost-card FAQ's wordings, and what `chatbot build-index` and `chatbot reindex` printed (built once,
    read-only for tests)."""
    return publish_lost_property(tmp_path_factory.mktemp("lost-property"))


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Postgres]:
    """A throwaway PostgreSQL server (Debian's), started on first use; each test creates its own database."""
    with postgres() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway Redis server, started on first use."""
    with redis() as url:
        yield url


@pytest.fixture()
def client(app_settings: Settings) -> Iterator:
    from chatbot.web import create_app

    app = create_app(app_settings)
    yield app.test_client()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    try:
        root = factory.getbasetemp()
    except Exception:
        return
    leaks = list(scan_for_personal_data(root))
    if leaks:
        print("\nPERSONAL DATA FOUND IN STORED FILES:\n  " + "\n  ".join(leaks))
        session.exitstatus = 1


def scan_for_personal_data(root: Path) -> Iterator[str]:
    """Raw bytes of every database, WAL and log file, so nothing escapes through a side file."""
    for path in root.rglob("*"):
        if path.is_file() and (".sqlite3" in path.name or ".log" in path.name):
            text = path.read_bytes().decode("utf-8", errors="replace")
            yield from (f"{path}: {value}" for value in SEEDED_PERSONAL_VALUES if value in text)
