"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py -b HOST:PORT 'chatbot.web:create_app()'`.

Why these values (2-core server, answers are CPU-bound and take a few milliseconds):
- preload_app: the index is loaded once in the master and shared copy-on-write by workers,
  so memory grows little per worker and a broken index is noticed before workers start.
- workers = cores: one process per core runs Python in parallel; more only adds memory.
- threads = 2: gthread workers keep serving while one request waits on a slow client;
  answers are CPU-bound, so more threads only queue on the GIL (measured: 2 beat 4).
- OMP_NUM_THREADS = 1: torch and FAISS must not spread one tiny query over every core
  while the other workers want them (measured: +7 % requests/s).
- GIL switch interval 1 ms (CHATBOT_SWITCH_INTERVAL_MS): a thread that has just read a request
  or sent a reply waits up to the interval before it runs Python again while another thread
  computes; CPython's 5 ms default added whole milliseconds to requests that take about one
  (measured: +25-30 % requests/s, p99 roughly halved).
- worker class chatbot.web.worker.BalancingThreadWorker: gthread that, while all its threads are
  taken, accepts at most one new connection per 5 ms (so the worker with a free thread takes it),
  and closes a kept-alive connection after 100 requests (CHATBOT_KEEPALIVE_REQUESTS), so clients
  that connected in one burst do not stay piled on one worker while the other idles (measured:
  30 of 32 connections on one worker before, about 15/17 after).
- gc.freeze() once the app is preloaded: the cyclic garbage collector otherwise walks the
  index's ~440,000 objects (a 0.3 s stall of a worker) and writes to their pages, which un-shares
  them from the master; chatbot.search.live refreezes after each hot swap.
- timeout 30 s: far above any real request; a hung worker is replaced.
- max_requests 200,000 + up to 50,000 jitter (CHATBOT_MAX_REQUESTS): recycles a worker to bound any
  memory creep: weeks at a city's traffic, minutes at full load. It was 20,000 ± 2,000: under load
  each worker restarted every ~10 s, both in the same second (measured: no worker serving for a
  moment, fresh memos, p99 62 ms against 40 ms in a run without a recycle).
Every value can be overridden with gunicorn's command-line flags or the CHATBOT_* settings named
here (declared in chatbot/core/settings.py).
"""

import gc
import os
import shutil
import sys
import tempfile

from chatbot.core.settings import Settings

_settings = Settings.from_env()
workers = _settings.workers or os.cpu_count() or 2
threads = _settings.threads
os.environ.setdefault("OMP_NUM_THREADS", "1")  # before the app (and torch) is imported by preload
sys.setswitchinterval(_settings.switch_interval_ms / 1000)  # inherited by workers
worker_class = "chatbot.web.worker.BalancingThreadWorker"
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = _settings.max_requests
max_requests_jitter = max_requests // 4
accesslog = None  # the app writes one structured JSON line per request instead
errorlog = "-"
logger_class = "chatbot.web.serverlog.RedactingLogger"  # gunicorn's own lines echo request lines: redact them
bind = _settings.bind

# Aggregate /metrics across workers (prometheus_client multiprocess mode). Every counter update writes
# to a memory-mapped file there; on a disk file system the kernel writes those pages back and
# write-protects them, so updates keep faulting (measured: ~0.2 ms of CPU per request on ext4), while
# on tmpfs they are plain memory writes. /dev/shm is tmpfs on Linux and in containers.
_SHARED_MEMORY = "/dev/shm"
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")  # made here, so removed at exit
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
    prefix="chatbot-metrics-", dir=_SHARED_MEMORY if os.access(_SHARED_MEMORY, os.W_OK) else None)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def on_starting(server):  # noqa: ARG001 - gunicorn hook signature
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def when_ready(server):  # noqa: ARG001 - gunicorn hook signature; runs in the master before forking
    gc.collect()
    gc.freeze()


def on_exit(server):  # noqa: ARG001 - gunicorn hook signature
    if _own_metrics_dir:  # in tmpfs it would hold memory until the next boot
        shutil.rmtree(_metrics_dir, ignore_errors=True)


def child_exit(server, worker):  # noqa: ARG001 - gunicorn hook signature
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
