"""Run the real service under gunicorn with the production config, for tests and benchmarks.

Lives in the package (not under tests/) so that scripts/bench_*.py can start exactly the
server the end-to-end tests start. Needs a source checkout: gunicorn.conf.py sits at the
repository root. Standard library only, so it works without the test extras installed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from chatbot.core.settings import PREFIX, Settings

REPO = Path(__file__).resolve().parents[2]
GUNICORN_CONF = REPO / "gunicorn.conf.py"
CHATBOT_APP = "chatbot.web:create_app()"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_env(settings: Settings) -> dict[str, str]:
    """The process environment that makes a child see exactly these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
    for name, value in settings.__dict__.items():
        if value is None:
            continue
        text = ",".join(value) if isinstance(value, tuple) else str(value)
        env[PREFIX + name.upper()] = text
    return env


@dataclass(frozen=True)
class Server:
    """A running gunicorn: its base URL and master pid (workers are the master's children)."""

    url: str
    pid: int

    def worker_pids(self) -> list[int]:
        """Current worker pids; read from /proc because workers come and go (recycling, crashes)."""
        return sorted(pid for pid in _pids() if _parent(pid) == self.pid)


@contextmanager
def serve(settings: Settings, workers: int = 2, log: Path | None = None, app: str = CHATBOT_APP,
          env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """Run gunicorn on a free loopback port; yields once /api/health answers 200.

    ``app`` is any gunicorn app spec importable from the repository root; ``env`` adds
    variables on top of the settings (e.g. CHATBOT_THREADS for gunicorn.conf.py).
    """
    port = free_port()
    out = open(log or os.devnull, "ab")  # noqa: SIM115 - closed below, after the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "-b", f"127.0.0.1:{port}",
         "--workers", str(workers), app],
        cwd=REPO, env={**settings_env(settings), **(env or {})}, stdout=out, stderr=out, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start (exit {proc.poll()})")
            time.sleep(0.2)
        yield Server(url, proc.pid)
    finally:
        stop(proc)
        out.close()


def stop(proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM to the process group started with ``start_new_session``, SIGKILL if it is still there after
    ``timeout``; a process that already died on its own (its log says why) is fine."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextmanager
def gunicorn(settings: Settings, workers: int = 2, log: Path | None = None) -> Iterator[str]:
    """The chatbot under gunicorn; yields the base URL (what most tests need)."""
    with serve(settings, workers, log) as server:
        yield server.url


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/api/health", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _pids() -> Iterator[int]:
    return (int(name) for name in os.listdir("/proc") if name.isdigit())


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rpartition(")")[2].split()[1])  # fields after "(comm)": state, ppid, ...
