"""The gunicorn worker: gthread that reads requests without a thread and spreads connections evenly.

**Slow clients hold no thread.** Stock gthread hands a connection to a request thread as soon as its
first byte arrives, and the thread then blocks reading the rest: four clients trickling their headers
one byte a second held all 2 × 2 threads and stopped the service. Here the event loop reads every
request (new or kept alive) into a buffer and hands it to a thread only when it is complete
(chatbot.web.framing); a request not complete within CHATBOT_READ_TIMEOUT is answered 408 and closed.

**Connections spread over the workers.** gthread keeps a connection with the worker that accepted it for
as long as the client keeps it alive, and every worker's poller wakes for a new connection, busy or not.
A burst of clients can so leave one worker with most connections while another idles (measured: 30 of 32
on one worker for seconds), and their latency doubles. Two habits fix it:

- a worker whose threads are all taken accepts at most one connection per ACCEPT_PAUSE_SECONDS,
  so a new connection goes to a worker that can serve it now, and still never waits for long
  when every worker is busy;
- close a connection after a number of requests (nginx's ``keepalive_requests``, Apache's
  ``MaxKeepAliveRequests``): clients reconnect now and then, and the connection lands wherever
  there is room. The last response says ``Connection: close``, so well-behaved clients never see
  a reset.

**Never HTML, no banner.** gunicorn answers requests it cannot parse itself, with an HTML page; here
those answers use the API's JSON error shape, and no response names the server software.
"""

from __future__ import annotations

import contextlib
import errno
import json
import selectors
import socket
import time
from functools import partial
from typing import Any

from gunicorn import http, util
from gunicorn.http import wsgi
from gunicorn.workers.gthread import TConn, ThreadWorker

from chatbot.core import messages
from chatbot.core.settings import Settings
from chatbot.web import framing

_settings = Settings.from_env()
MAX_REQUESTS_PER_CONNECTION = _settings.keepalive_requests
READ_TIMEOUT_SECONDS = _settings.read_timeout
ACCEPT_PAUSE_SECONDS = 0.005
RECV_BYTES = 65536
# Status codes gunicorn answers by itself (unparseable requests) → the catalogue's error codes.
_SERVER_ERRORS = {408: "err_request_timeout", 414: "err_uri_too_long", 431: "err_headers_too_large",
                  500: "err_internal"}


def json_error(status: int, reason: str) -> bytes:
    """A complete HTTP response in the API's error shape (docs/api.md), for gunicorn's own answers."""
    code = _SERVER_ERRORS.get(status, "err_bad_request")
    body = json.dumps({"error": {"code": code.removeprefix("err_"), "messages": messages.texts(code)}},
                      ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
    return head + body


def _write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:  # noqa: ARG001
    util.write_nonblock(sock, json_error(status_int, reason))


def _headers_without_server(response: wsgi.Response, _default: Any = wsgi.Response.default_headers) -> list[str]:
    return [line for line in _default(response) if not line.startswith("Server:")]


# gunicorn calls these module-level names for every error page and response it writes itself.
util.write_error = _write_json_error
wsgi.Response.default_headers = _headers_without_server  # type: ignore[method-assign]


class BalancingThreadWorker(ThreadWorker):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.in_flight = 0  # connections handed to the thread pool and not finished; main thread only
        self.last_accept = 0.0
        self.reading: dict[Any, tuple[bytearray, float]] = {}  # connection → (bytes so far, deadline)

    def set_accept_enabled(self, enabled: bool) -> None:
        if enabled and self.in_flight >= self.cfg.threads:
            enabled = time.monotonic() - self.last_accept >= ACCEPT_PAUSE_SECONDS
        super().set_accept_enabled(enabled)

    def accept(self, listener: Any) -> None:
        self.last_accept = time.monotonic()
        if self.cfg.is_ssl:  # TLS must be unwrapped before reading: leave those to gthread
            super().accept(listener)
            return
        try:
            client, address = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, client, address, listener.getsockname())
        self._start_reading(conn)

    def on_client_socket_readable(self, conn: Any, client: Any) -> None:
        """A kept-alive connection sends its next request: read it here too, not in a thread."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._start_reading(conn)

    def _start_reading(self, conn: Any) -> None:
        self.reading[conn] = (bytearray(), time.monotonic() + READ_TIMEOUT_SECONDS)
        conn.sock.setblocking(False)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))
        self._on_readable(conn, conn.sock)  # the first bytes often came with the connection

    def _on_readable(self, conn: Any, _sock: Any) -> None:
        buffer, _ = self.reading[conn]
        try:
            data = conn.sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._drop(conn)
            return
        buffer += data
        if framing.ready(buffer, framing.MAX_BODY_BYTES):
            self.poller.unregister(conn.sock)
            del self.reading[conn]
            if conn.parser is None:
                conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
            conn.parser.unreader.unread(bytes(buffer))
            conn.data_ready = True
            self.enqueue_req(conn)

    def murder_pending(self) -> None:
        """Also answer 408 to requests that did not arrive in time (called by the event loop every second)."""
        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c, (_, deadline) in self.reading.items() if deadline <= now]:
            with contextlib.suppress(OSError):  # best effort: the client may be gone
                util.write_nonblock(conn.sock, json_error(408, "Request Timeout"))
            self._drop(conn)

    def _drop(self, conn: Any) -> None:
        self.reading.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError, OSError):  # not registered any more
            self.poller.unregister(conn.sock)
        self.nr_conns -= 1
        conn.close()

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

