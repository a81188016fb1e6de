"""Fixtures for the browser tests: one real chatbot server and one Chromium per session.

The server is started exactly as an operator would: ``chatbot build-index`` into a temporary
index directory, then ``chatbot serve`` on a free port, with a temporary SQLite log. Set
``CHATBOT_TEST_SERVER=http://127.0.0.1:8000`` to run the tests against a server that is
already running instead (handy while working on the widget).

Chromium is Debian's (``apt-get install chromium``); ``playwright install`` is never needed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
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
SERVER_START_TIMEOUT = 180  # seconds; the first start loads the embedding model

DESKTOP = {"width": 1280, "height": 800}


def widget_texts() -> dict[str, dict[str, str]]:
    """The widget's UI text per language, from messages.yaml (as the server serves it)."""
    with (ROOT / "chatbot" / "messages.yaml").open(encoding="utf-8") as fh:
        catalogue = yaml.safe_load(fh)
    return {lang: {key.removeprefix("widget_"): entry[lang] for key, entry in catalogue.items()
                   if key.startswith("widget_")} for lang in ("ja", "en")}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/api/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("CHATBOT_TEST_SERVER")
    if external:
        yield external.rstrip("/")
        return

    tmp = tmp_path_factory.mktemp("chatbot-server")
    env = {
        **os.environ,
        "CHATBOT_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
        "CHATBOT_INDEX_DIR": str(tmp / "index"),
        "CHATBOT_DB_URL": f"sqlite:///{tmp / 'chatbot.sqlite3'}",
        # The tests ask a few dozen questions from one address within a minute.
        "CHATBOT_RATE_LIMIT": "1000 per minute",
        "CHATBOT_RATE_LIMIT_STORAGE": "memory://",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "chatbot"]
    build = subprocess.run([*command, "build-index"], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=SERVER_START_TIMEOUT, check=False)
    if build.returncode != 0:
        pytest.fail(f"`chatbot build-index` failed ({build.returncode}):\n{build.stdout}\n{build.stderr}")

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(base_url):
            if process.poll() is not None:
                pytest.fail(f"`chatbot serve` exited with {process.returncode}:\n{_tail(log_path)}")
            if time.monotonic() > deadline:
                pytest.fail(f"`chatbot serve` did not answer /api/health in time:\n{_tail(log_path)}")
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: apt-get install -y chromium chromium-driver (or `make browser`)")
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
        pytest.fail(f"{AXE} not found: run `npm ci --no-audit --no-fund` (or `make browser`)")
    return AXE
