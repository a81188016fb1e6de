"""The index a worker serves, swapped for a newly published one without a restart.

Each worker polls the ``current`` symlink from a background thread; when it points at a
new version, that version is loaded, verified and readied *before* the reference is swapped, so a
request (which takes one reference at its start) is always answered by one whole version.
A version that fails to load is refused once, logged, and the old one keeps serving.

Under gunicorn the preloaded heap is frozen out of the cyclic garbage collector
(gunicorn.conf.py): a full collection over an index's ~440,000 objects stalls a worker for about
0.3 s. A frozen old version would never be collected (the engine's memo is a reference cycle), so
after a swap the heap is thawed, collected once and frozen again.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from chatbot.search.versions import IndexFailure, ServingIndex, current_version, load_version, versions_dir

log = logging.getLogger(__name__)


class LiveIndex:
    def __init__(self, index_dir: Path, reload_seconds: float = 2.0,
                 prepare: Callable[[ServingIndex], object] | None = None):
        """``prepare`` readies a loaded version before it serves (the web app trains its small-talk
        recogniser there), so no citizen's request pays for it; if it fails, the version serves anyway."""
        self.index_dir = index_dir
        self.reload_seconds = reload_seconds
        self.prepare = prepare
        self._serving: ServingIndex | None = None
        self._refused: dict[str, str] = {}
        self._lock = threading.Lock()
        self._watcher_pid: int | None = None

    def get(self) -> ServingIndex:
        """The serving index; loads it on first use. Raises ``IndexFailure`` when there is none."""
        self._ensure_watcher()
        serving = self._serving
        if serving is None:
            self.refresh()
            serving = self._serving
            if serving is None:
                reason = next(iter(self._refused.values()), f"no published index in {self.index_dir}")
                raise IndexFailure(reason)
        return serving

    @property
    def refused(self) -> dict[str, str]:
        """Versions this worker refused to serve, with why."""
        return dict(self._refused)

    def refresh(self) -> bool:
        """Swap to the published version if it changed; True when a swap happened."""
        version = current_version(self.index_dir)
        serving = self._serving
        if version is None or (serving is not None and serving.version == version) or version in self._refused:
            return False
        with self._lock:
            if self._serving is not serving:  # another thread swapped meanwhile
                return False
            try:
                loaded = load_version(versions_dir(self.index_dir) / version)
            except (IndexFailure, OSError) as exc:
                self._refused[version] = str(exc)
                log.error("index %s refused, still serving %s: %s", version,
                          serving.version if serving else "nothing", exc)
                return False
            if self.prepare is not None:
                try:
                    self.prepare(loaded)
                except Exception:  # noqa: BLE001 - readying is an optimisation: the version serves regardless
                    log.exception("index %s could not be readied; it serves anyway", version)
            self._serving = loaded
        log.info("serving index %s (was %s)", version, serving.version if serving else "nothing")
        if serving is not None and gc.get_freeze_count():
            del serving
            gc.unfreeze()
            gc.collect()
            gc.freeze()
        return True

    def _ensure_watcher(self) -> None:
        # Threads do not survive gunicorn's fork, so each worker starts its own on first use.
        if self._watcher_pid == os.getpid() or self.reload_seconds <= 0:
            return
        with self._lock:
            if self._watcher_pid == os.getpid():
                return
            self._watcher_pid = os.getpid()
        threading.Thread(target=self._watch, name="index-watcher", daemon=True).start()

    def _watch(self) -> None:
        while True:
            time.sleep(self.reload_seconds)
            try:
                self.refresh()
            except Exception:  # the watcher must never die: log and keep polling
                log.exception("index watcher error")
