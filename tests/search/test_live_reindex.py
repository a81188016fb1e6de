"""Acceptance: re-indexing under a steady stream of requests to the real gunicorn server.

Three re-indexes happen while clients keep asking: a broken FAQ file (exits non-zero,
changes nothing), a changed answer (appears after its publish), and an unchanged
knowledge base. No request may fail, and every reply must come wholly from one version.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from chatbot.core.settings import Settings
from chatbot.web.devserver import gunicorn, settings_env
from tests.helpers import edit_answer

QUESTION = "マイナンバーカードを申請したい"
NEW_ANSWER = "【更新】申請方法が変わりました。"

pytestmark = pytest.mark.slow


def run_reindex(settings: Settings) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chatbot", "reindex"], env=settings_env(settings),
                          capture_output=True, text=True, timeout=300)


def test_reindex_under_load_has_zero_failures(small: Settings, tmp_path: Path) -> None:  # noqa: F811
    small = Settings(**{**small.__dict__, "rate_limit": "100000 per minute"})
    (small.knowledge_dir / "smoke.tsv").write_text(f"question\texpected\n{QUESTION}\tmynumber-card-apply\n",
                                                   encoding="utf-8")
    assert run_reindex(small).returncode == 0
    seen: list[tuple[str, str]] = []  # (index version, answer text)
    failures: list[str] = []
    stop = threading.Event()

    with gunicorn(small, workers=2, log=tmp_path / "gunicorn.log") as url:
        def client() -> None:
            session = requests.Session()
            while not stop.is_set():
                try:
                    r = session.post(url + "/api/chat", json={"message": QUESTION}, timeout=10)
                    if r.status_code != 200:
                        failures.append(f"{r.status_code} {r.text[:200]}")
                        continue
                    seen.append((r.headers["X-Index-Version"], r.json()["faq"]["answer"]))
                except Exception as exc:  # noqa: BLE001 - any failure counts
                    failures.append(repr(exc))
                time.sleep(0.02)  # a steady stream, leaving CPU for the re-index itself

        threads = [threading.Thread(target=client) for _ in range(2)]
        for t in threads:
            t.start()
        try:
            time.sleep(1)
            original = requests.get(url + "/api/health", timeout=5).json()["index"]["version"]

            broken = small.knowledge_dir / "faq" / "general" / "broken.md"
            broken.write_text("---\nid: broken\nquestion: [\n---\n", encoding="utf-8")
            result = run_reindex(small)
            assert result.returncode != 0 and "broken.md" in result.stderr
            broken.unlink()
            time.sleep(1)
            assert requests.get(url + "/api/health", timeout=5).json()["index"]["version"] == original

            edit_answer(small, NEW_ANSWER)
            assert run_reindex(small).returncode == 0
            deadline = time.monotonic() + 30
            while not any(answer == NEW_ANSWER for _, answer in seen[-20:]) and time.monotonic() < deadline:
                time.sleep(0.2)
            changed = next(version for version, answer in seen if answer == NEW_ANSWER)
            assert changed != original

            unchanged = run_reindex(small)
            assert unchanged.returncode == 0 and "unchanged" in unchanged.stdout
            time.sleep(1)
        finally:
            stop.set()
            for t in threads:
                t.join()

    assert failures == []
    assert len(seen) > 50
    answers_by_version: dict[str, set[str]] = {}
    for version, answer in seen:
        answers_by_version.setdefault(version, set()).add(answer)
    assert answers_by_version[changed] == {NEW_ANSWER}
    assert NEW_ANSWER not in answers_by_version[original] and len(answers_by_version[original]) == 1
    assert set(answers_by_version) == {original, changed}
