"""Unguessable identifiers for every request, without a system call for each one.

Two ids per chat request (the request id and the answer id, which later authorises a rating)
each cost an ``os.urandom`` call; every such call drops the GIL and waits to take it back behind
the other request threads. Random bytes are therefore read from the kernel in blocks and handed
out in slices. Forked workers must never share a block, or two of them would hand out the same
ids: a fork discards the block.
"""

from __future__ import annotations

import os
import threading
import uuid

BLOCK_BYTES = 4096  # 256 ids per read from the kernel


class RandomBytes:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._block = b""
        self._position = 0
        os.register_at_fork(after_in_child=self._discard)

    def take(self, size: int) -> bytes:
        with self._lock:
            if self._position + size > len(self._block):
                self._block, self._position = os.urandom(max(BLOCK_BYTES, size)), 0
            start = self._position
            self._position += size
            return self._block[start:self._position]

    def _discard(self) -> None:
        self._lock = threading.Lock()  # a lock held by another thread at fork time stays held in the child
        self._block, self._position = b"", 0


_random = RandomBytes()


def request_id() -> str:
    return _random.take(16).hex()


def answer_id() -> str:
    """A version-4 UUID, the format the feedback endpoint accepts."""
    return str(uuid.UUID(bytes=_random.take(16), version=4))
