"""When the worker may hand a request to a thread: complete, or malformed (answered at once), never partial."""

from __future__ import annotations

import pytest

from chatbot.web.framing import MAX_HEAD_BYTES, ready

HEAD = b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
LIMIT = 64 * 1024


@pytest.mark.parametrize(("data", "expected"), [
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\n", False),  # headers still coming
    (b"GET /api/hea", False),
    (HEAD + b"Content-Length: 10\r\n\r\n12345", False),  # body still coming
    (HEAD + b"Content-Length: 10\r\n\r\n1234567890", True),
    (HEAD + b"content-length:  5 \r\n\r\n12345", True),
    (HEAD + b"Content-Length: ten\r\n\r\n", True),  # malformed: gunicorn answers 400 at once
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", False),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", True),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: y\r\n\r\n", True),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: y\r\n", False),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n", True),  # bad chunk size
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX", True),  # missing chunk terminator
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhel", False),
])
def test_ready(data: bytes, expected: bool) -> None:
    assert ready(data, LIMIT) is expected


def test_oversized_heads_and_bodies_are_ready_to_be_refused() -> None:
    assert ready(b"GET /" + b"a" * (MAX_HEAD_BYTES + 1), LIMIT)
    assert ready(HEAD + b"Content-Length: 999999\r\n\r\n" + b"x" * (LIMIT + 1), LIMIT)
    assert ready(HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"1000\r\n" + b"x" * (LIMIT + 1), LIMIT)
