"""The gunicorn worker: gthread, with a cap on requests per kept-alive connection.

gthread keeps a connection with the worker that accepted it for as long as the client keeps it
alive, so a burst of new clients can leave one worker with most of them while another idles, and
their latency doubles. Closing a connection after a number of requests (nginx's
``keepalive_requests``, Apache's ``MaxKeepAliveRequests``) makes clients reconnect now and then,
and the worker with spare time is the one that accepts first. The last response says
``Connection: close``, so well-behaved clients never see a reset.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

MAX_REQUESTS_PER_CONNECTION = int(os.environ.get("CHATBOT_KEEPALIVE_REQUESTS", "100"))


class BalancingThreadWorker(ThreadWorker):
    def handle_request(self, req: Any, conn: Any) -> bool:
        conn.served = getattr(conn, "served", 0) + 1
        if conn.served >= MAX_REQUESTS_PER_CONNECTION:
            req.must_close = True
        return super().handle_request(req, conn)
