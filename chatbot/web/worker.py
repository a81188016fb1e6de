"""The gunicorn worker: gthread that spreads kept-alive connections evenly over the workers.

gthread keeps a connection with the worker that accepted it for as long as the client keeps it
alive, and every worker's poller wakes for a new connection, busy or not. A burst of clients can
so leave one worker with most connections while another idles (measured: 30 of 32 on one worker
for seconds), and their latency doubles. Two habits fix it:

- a worker whose threads are all taken accepts at most one connection per ACCEPT_PAUSE_SECONDS,
  so a new connection goes to a worker that can serve it now, and still never waits for long
  when every worker is busy;
- close a connection after a number of requests (nginx's ``keepalive_requests``, Apache's
  ``MaxKeepAliveRequests``): clients reconnect now and then, and the connection lands wherever
  there is room. The last response says ``Connection: close``, so well-behaved clients never see
  a reset.
"""

from __future__ import annotations

import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from chatbot.core.settings import Settings

MAX_REQUESTS_PER_CONNECTION = Settings.from_env().keepalive_requests
ACCEPT_PAUSE_SECONDS = 0.005


class BalancingThreadWorker(ThreadWorker):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.in_flight = 0  # connections handed to the thread pool and not finished; main thread only
        self.last_accept = 0.0

    def set_accept_enabled(self, enabled: bool) -> None:
        if enabled and self.in_flight >= self.cfg.threads:
            enabled = time.monotonic() - self.last_accept >= ACCEPT_PAUSE_SECONDS
        super().set_accept_enabled(enabled)

    def accept(self, listener: Any) -> None:
        self.last_accept = time.monotonic()
        super().accept(listener)

    def enqueue_req(self, conn: Any) -> None:
        self.in_flight += 1
        super().enqueue_req(conn)
        self._update_accepting()

    def finish_request(self, conn: Any, fs: Any) -> None:
        self.in_flight -= 1
        super().finish_request(conn, fs)
        self._update_accepting()

    def _update_accepting(self) -> None:
        self.set_accept_enabled(self.alive and self.nr_conns < self.worker_connections)

    def handle_request(self, req: Any, conn: Any) -> bool:
        conn.served = getattr(conn, "served", 0) + 1
        if conn.served >= MAX_REQUESTS_PER_CONNECTION:
            req.must_close = True
        return super().handle_request(req, conn)
