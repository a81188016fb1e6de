"""Fixtures for the browser tests: one real chatbot server and one Chromium per session.

The server is started as in production: the publish pipeline builds an index into a temporary
directory, then gunicorn serves it with gunicorn.conf.py on a free port, with a temporary SQLite
log (the session-end personal-data scan covers it). Set
``CHATBOT_TEST_SERVER=http://127.0.0.1:8000`` to run the tests against a server that is
already running instead (handy while working on the widget).

Chromium is Debian's (``apt-get install chromium``); ``playwright install`` is never needed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chatbot.core import languages, messages
from tests.helpers import make_settings, publish_index

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = os.environ.get("CHATBOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

DESKTOP = {"width": 1280, "height": 800}


def widget_texts() -> dict[str, dict[str, str]]:
    """The widget's UI text per language, from messages.yaml (as the server serves it)."""
    keys = [key for key in messages.catalogue() if key.startswith("widget_")]
    return {lang: {key.removeprefix("widget_"): messages.template(key, lang) for key in keys}
            for lang in languages.CODES}


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The production stack: an index built by the publish pipeline, served by gunicorn."""
    from chatbot.web.devserver import gunicorn

    external = os.environ.get("CHATBOT_TEST_SERVER")
    if external:
        yield external.rstrip("/")
        return

    tmp = tmp_path_factory.mktemp("chatbot-server")
    # The tests ask a few dozen questions from one address within a minute.
    settings = make_settings(tmp, rate_limit="1000 per minute")
    publish_index(settings)
    with gunicorn(settings, workers=1, log=tmp / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: apt-get install -y chromium chromium-driver (or `make system`)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, server_url: str) -> Iterator[Callable[..., object]]:
    """``open_page(viewport=..., bypass_csp=False)`` -> a Page showing the demo page.

    The fixture fails the test if any page reported a Content-Security-Policy violation or
    an uncaught script error.
    """
    contexts = []
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(message.text)

    def open_(viewport: dict | None = None, path: str = "/", **context_options):
        context = browser.new_context(viewport=viewport or DESKTOP, locale="ja-JP",
                                      timezone_id="Asia/Tokyo", **context_options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.goto(server_url + path)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not problems, "CSP violations or script errors:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def texts() -> dict[str, dict[str, str]]:
    return widget_texts()


@pytest.fixture(scope="session")
def screenshot() -> Callable[[object, str], Path]:
    """``screenshot(page, name)`` -> test-artifacts/<name>.png (also docs/screenshots/ when
    UPDATE_SCREENSHOTS=1)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, SCREENSHOTS / path.name)
        return path

    return take


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE.exists():
        pytest.fail(f"{AXE} not found: run `npm ci --no-audit --no-fund` (or `make system`)")
    return AXE
