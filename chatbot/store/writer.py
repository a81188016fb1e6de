"""Rows queued in memory and inserted in batches by one background thread per process.

With several workers, a write lock held by another process would otherwise stall a request in the
database's busy handler; and a commit per row cost ~0.2 ms of CPU per chat request under load.

The queue is also what keeps the log whole while the database is away (PostgreSQL restarting, a full
disk): a batch that failed for such a reason is kept and retried with a growing pause, new rows queue
behind it, and only when the queue is full is a row lost, counted through ``lost``. A batch the database
refuses for what it holds (an error that retrying cannot fix) is dropped and counted lost at once, so it
never blocks the rows behind it.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from chatbot.store.db import Database

log = logging.getLogger(__name__)

QUEUE_LIMIT = 10_000  # rows held in memory while the database is slow or unavailable (a few MB)
# After the first queued row the writer waits this long, then writes what has queued in one statement.
BATCH_WAIT_SECONDS = 0.05
RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS = 0.25, 5.0


Observer = Callable[[str, int], None]  # (table, rows)


def ignore(table: str, rows: int) -> None:
    """The default observer: nobody counts."""


class QueuedWriter:
    """``lost(table, n)`` is called when rows are given up on, ``waiting(table, n)`` with the rows queued after
    each attempt (from the writer thread, or from ``put`` for a full queue): metrics hook in there."""

    def __init__(self, db: Database, table: str, columns: Sequence[str], lost: Observer = ignore,
                 waiting: Observer = ignore):
        self.db = db
        self.table = table
        self._insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        self._row = "(" + ", ".join("?" * len(columns)) + ")"
        self.batch_limit = db.dialect.max_parameters // len(columns)
        self.lost, self.waiting = lost, waiting
        self._queue: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=QUEUE_LIMIT)
        self._pid: int | None = None
        self._failing = False  # the last attempt failed and the batch waits for a retry
        self._lock = threading.Lock()
        atexit.register(self._at_exit)

    def put(self, row: tuple[Any, ...]) -> bool:
        """Queue one row; False (a warning, and one row counted lost) when the queue is full."""
        self._ensure_thread()
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            log.warning("%s: %d rows wait for the database and the queue is full; a row was not stored",
                        self.table, QUEUE_LIMIT)
            self.lost(self.table, 1)
            return False
        return True

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued row has been written or given up on; False when some still wait."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline and self._pid == os.getpid():
            time.sleep(0.002)
        return not self._queue.unfinished_tasks or self._pid != os.getpid()

    def _at_exit(self) -> None:
        # Waiting for a database that is away would only delay the shutdown: say what is lost instead.
        if self._failing or not self.flush():
            log.warning("%s: %d row(s) not stored: the database was unavailable when the process stopped",
                        self.table, self._queue.unfinished_tasks)

    def _ensure_thread(self) -> None:
        # Threads do not survive gunicorn's fork: each worker starts its own writer on first use.
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._write_batches, name=f"{self.table}-writer", daemon=True).start()

    def _write_batches(self) -> None:
        while True:
            rows = [self._queue.get()]
            if self._queue.qsize() < self.batch_limit:  # behind: no waiting
                time.sleep(BATCH_WAIT_SECONDS)
            while len(rows) < self.batch_limit:
                try:
                    rows.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(rows)
            for _ in rows:
                self._queue.task_done()
            self.waiting(self.table, self._queue.qsize())

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        """Write one batch, retrying while the database is away; returns when it is written or given up."""
        pause, failing_since = RETRY_FIRST_SECONDS, None
        while True:
            try:
                with self.db.transaction():
                    # One statement for the batch: executemany would drop and retake the GIL for every
                    # row, each time waiting behind the request threads.
                    self.db.execute(self._insert + ", ".join([self._row] * len(rows)),
                                    [value for row in rows for value in row])
            except self.db.dialect.transient as exc:
                self.db.forget()
                self._failing = True
                if failing_since is None:
                    failing_since = time.monotonic()
                    log.warning("%s: the database is unavailable (%s: %s); %d row(s) kept in memory and retried, "
                                "answering continues", self.table, type(exc).__name__, exc,
                                len(rows) + self._queue.qsize())
                self.waiting(self.table, len(rows) + self._queue.qsize())
                time.sleep(pause)
                pause = min(pause * 2, RETRY_MAX_SECONDS)
                continue
            except self.db.dialect.errors as exc:
                self.db.forget()
                log.error("%s: the database refused %d row(s) (%s: %s); they are not stored", self.table,
                          len(rows), type(exc).__name__, exc)
                self.lost(self.table, len(rows))
                self._failing = False
                return
            self._failing = False
            if failing_since is not None:
                log.warning("%s: the database is back after %.1f s; the rows kept meanwhile are being written",
                            self.table, time.monotonic() - failing_since)
            return
