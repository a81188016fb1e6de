"""The gunicorn worker class from gunicorn.conf.py, run for real: kept-alive connections are recycled."""

from __future__ import annotations

import http.client
from pathlib import Path
from urllib.parse import urlsplit

from chatbot.devserver import serve
from chatbot.settings import Settings


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
