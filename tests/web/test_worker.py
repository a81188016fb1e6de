"""The gunicorn worker class from gunicorn.conf.py, run for real: kept-alive connections are recycled."""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from chatbot.core.settings import Settings
from chatbot.web.devserver import serve


def test_connection_is_closed_politely_after_the_request_cap(built: Settings, tmp_path: Path) -> None:
    with serve(built, workers=1, log=tmp_path / "gunicorn.log", env={"CHATBOT_KEEPALIVE_REQUESTS": "3"}) as server:
        url = urlsplit(server.url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        headers = []
        for _ in range(3):
            conn.request("GET", "/api/health")
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            headers.append(response.getheader("Connection"))
        conn.close()
    assert headers == ["keep-alive", "keep-alive", "close"]


def test_a_busy_worker_still_takes_every_new_connection(built: Settings, tmp_path: Path) -> None:
    """One worker with one thread is always busy under this burst, so it accepts at most one connection
    per pause: every client must still be served, none left waiting in the listen queue."""
    env = {"CHATBOT_THREADS": "1", "CHATBOT_RATE_LIMIT": "1000000 per minute"}
    with serve(built, workers=1, log=tmp_path / "gunicorn.log", env=env) as server:
        url = urlsplit(server.url)

        def client(number: int) -> list[int]:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
            statuses = []
            for _ in range(5):
                body = json.dumps({"message": f"マイナンバーカード {number}"}).encode()
                conn.request("POST", "/api/chat", body=body, headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                statuses.append(response.status)
            conn.close()
            return statuses

        with ThreadPoolExecutor(max_workers=24) as pool:
            results = list(pool.map(client, range(24)))
    assert results == [[200] * 5] * 24
