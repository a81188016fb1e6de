"""The container's entry point (also `make run`) builds a missing index and serves under gunicorn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from chatbot.web.devserver import free_port, settings_env
from tests.helpers import REPO, make_settings


def test_serve_script_builds_index_and_answers_health(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    env = settings_env(settings)
    port = free_port()
    env["CHATBOT_BIND"] = f"127.0.0.1:{port}"
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([str(REPO / "scripts" / "serve.sh")], env=env, stdout=log, stderr=log,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        health = None
        while health is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
            except requests.ConnectionError:
                time.sleep(0.5)
        assert health is not None and health.status_code == 200, (tmp_path / "serve.log").read_text()
        assert health.json()["index"]["faqs"] >= 80
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.status_code == 200 and "widget.js" in page.text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
