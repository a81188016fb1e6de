"""Has a whole HTTP/1.1 request arrived? Decided from the bytes read so far, without a thread.

The worker reads requests in its event loop and hands one to a request thread only when it is complete
(chatbot.web.worker), so a client trickling its headers or body holds no thread. Anything malformed or
over the limits counts as ready: gunicorn's own parser then answers it with an error at once.
"""

from __future__ import annotations

import re

HEAD_END = b"\r\n\r\n"
MAX_BODY_BYTES = 64 * 1024  # the API's largest request body (Flask's MAX_CONTENT_LENGTH)
MAX_HEAD_BYTES = 64 * 1024  # far above gunicorn's own limits, which then answer 400/414/431
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*([^\r\n]*)", re.IGNORECASE)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding:[^\r\n]*chunked", re.IGNORECASE)
_CHUNK_SIZE = re.compile(rb"[0-9a-fA-F]{1,8}")
MAX_CHUNK_LINE = 1024  # a chunk-size line with extensions longer than this is malformed


def ready(data: bytes | bytearray, max_body: int) -> bool:
    """True when ``data`` holds a complete request, or one the server should refuse without waiting."""
    end = data.find(HEAD_END)
    if end < 0:
        return len(data) > MAX_HEAD_BYTES
    head, body = b"\r\n" + bytes(data[:end]), memoryview(data)[end + len(HEAD_END):]
    if len(body) > max_body:
        return True
    if _CHUNKED.search(head):
        return _chunks_done(bytes(body))
    length = _CONTENT_LENGTH.search(head)
    if length is None:
        return True
    value = length.group(1).strip()
    return not value.isdigit() or len(body) >= int(value)


def _chunks_done(body: bytes) -> bool:
    """The chunked body ends (last chunk and trailers) or is malformed; False while more must come."""
    pos = 0
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            return len(body) - pos > MAX_CHUNK_LINE
        size_field = body[pos:eol].split(b";", 1)[0].strip()
        if not _CHUNK_SIZE.fullmatch(size_field):
            return True
        size, pos = int(size_field, 16), eol + 2
        if size == 0:
            rest = body[pos:]
            return rest.startswith(b"\r\n") or HEAD_END in rest  # no trailers, or trailers then a blank line
        if len(body) < pos + size + 2:
            return False
        if body[pos + size:pos + size + 2] != b"\r\n":
            return True
        pos += size + 2
