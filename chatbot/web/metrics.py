"""Prometheus metrics and the one-line-per-request log.

Under gunicorn every worker counts for itself; set ``PROMETHEUS_MULTIPROC_DIR`` (the
bundled gunicorn.conf.py does) and ``/metrics`` aggregates all workers. ``/metrics`` answers
only clients in ``CHATBOT_METRICS_ALLOW``: it shows traffic, outcomes and the index version.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from ipaddress import ip_address, ip_network
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from chatbot.core import ids
from chatbot.core.redact import contains_personal_data
from chatbot.search.live import LiveIndex
from chatbot.search.versions import IndexFailure
from chatbot.serving.reply import REPLY_TYPES
from chatbot.web.errors import ApiError

log = logging.getLogger("chatbot.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class Metrics:
    def __init__(self, live: LiveIndex, allow: Iterable[str]):
        self.live = live
        self.allow = tuple(ip_network(network) for network in allow)
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("chatbot_http_requests", "HTTP requests", ["endpoint", "status"],
                                registry=self.registry)
        self.latency = Histogram("chatbot_http_request_seconds", "HTTP request latency", ["endpoint"],
                                 buckets=(.002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5), registry=self.registry)
        self.outcomes = Counter("chatbot_chat_outcomes", "Chat replies by outcome: answer, fallback or small talk",
                                ["outcome"], registry=self.registry)
        self.feedback = Counter("chatbot_feedback", "Citizens' ratings of answers", ["helpful"],
                                registry=self.registry)
        self.rows_lost = Counter("chatbot_log_rows_lost", "Conversation-log rows (turns, ratings) given up on: the "
                                 "database was away longer than the queue could hold, or refused them",
                                 ["table"], registry=self.registry)
        self.rows_waiting = Gauge("chatbot_log_rows_waiting", "Conversation-log rows held in memory for the "
                                  "database (all workers)", ["table"], multiprocess_mode="livesum",
                                  registry=self.registry)
        self._children: dict[tuple[Any, tuple[str, ...]], Any] = {}

    def init_app(self, app: Flask) -> None:
        app.before_request(self._start)
        app.after_request(self._finish)
        app.add_url_rule("/metrics", "metrics", self.expose)

    def _start(self) -> None:
        incoming = request.headers.get("X-Request-ID", "")
        safe = _REQUEST_ID.match(incoming) and not contains_personal_data(incoming)
        g.request_id = incoming if safe else ids.request_id()
        g.started = time.perf_counter()

    def _finish(self, response: Response) -> Response:
        # Plain objects, not the context-local proxies: each proxy access is a lookup, and this runs
        # on every request.
        state, req = g._get_current_object(), request._get_current_object()  # type: ignore[attr-defined]
        elapsed = time.perf_counter() - getattr(state, "started", time.perf_counter())
        endpoint = req.endpoint or "unknown"
        status = response.status_code
        self._child(self.requests, endpoint, str(status)).inc()
        self._child(self.latency, endpoint).observe(elapsed)
        outcome = getattr(state, "outcome", None)
        if outcome in REPLY_TYPES:
            self._child(self.outcomes, outcome).inc()
        elif outcome in ("feedback_helpful", "feedback_unhelpful"):
            self._child(self.feedback, "true" if outcome == "feedback_helpful" else "false").inc()
        request_id = getattr(state, "request_id", "")
        index_version = getattr(state, "index_version", None)
        response.headers["X-Request-ID"] = request_id
        if index_version:
            response.headers["X-Index-Version"] = index_version
        log.info("request", extra={
            "event": "request", "request_id": request_id, "method": req.method, "path": req.path,
            "status": status, "latency_ms": round(elapsed * 1000, 2), "outcome": outcome,
            "index_version": index_version,
        })
        return response

    def _child(self, metric: Any, *labels: str) -> Any:
        """``metric.labels(*labels)``, kept: the library validates and locks on every call."""
        key = (metric, labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def log_lost(self, table: str, rows: int) -> None:
        """`chatbot.store.writer.Observer`: rows the conversation log gave up on."""
        self._child(self.rows_lost, table).inc(rows)

    def log_waiting(self, table: str, rows: int) -> None:
        """`chatbot.store.writer.Observer`: rows the conversation log holds for the database."""
        self._child(self.rows_waiting, table).set(rows)

    def allowed(self, address: str | None) -> bool:
        """Whether a client at ``address`` may read /metrics.

        No address (a Unix socket) or one that is not an IP is refused: the check must fail closed.
        ``::ffff:127.0.0.1`` (IPv4 on a dual-stack socket) counts as 127.0.0.1, as the allowlist means it.
        """
        try:
            client = ip_address(address or "")
        except ValueError:
            return False
        if client.version == 6 and client.ipv4_mapped:
            client = client.ipv4_mapped
        return any(client in network for network in self.allow)

    def expose(self) -> Response:
        # 404 like any unknown path, not 403: a stranger learns nothing, not even that the page exists.
        if not self.allowed(request.remote_addr):
            raise ApiError(404, "err_not_found")
        registry = self.registry
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        counted = {s.labels["outcome"]: s.value for metric in registry.collect()
                   if metric.name == "chatbot_chat_outcomes" for s in metric.samples if s.name.endswith("_total")}
        live = CollectorRegistry()
        live.register(_IndexCollector(self.live, counted))
        return Response(generate_latest(registry) + generate_latest(live), mimetype=CONTENT_TYPE_LATEST)


class _IndexCollector:
    """Fallback ratio, and the serving index's version and age, computed at scrape time."""

    def __init__(self, live: LiveIndex, outcomes: dict[str, float]):
        self.live, self.outcomes = live, outcomes

    def collect(self) -> Iterator[Metric]:
        # Small talk is neither: a greeting is not a question the knowledge base failed to answer.
        total = self.outcomes.get("answer", 0.0) + self.outcomes.get("fallback", 0.0)
        ratio = GaugeMetricFamily("chatbot_fallback_ratio", "Share of questions (small talk aside) that fell back")
        ratio.add_metric([], self.outcomes.get("fallback", 0.0) / total if total else 0.0)
        yield ratio
        info = GaugeMetricFamily("chatbot_index_info", "Serving index version", labels=["version"])
        age = GaugeMetricFamily("chatbot_index_age_seconds", "Seconds since the serving index was built")
        try:
            index = self.live.get()
        except IndexFailure:
            yield info
            return
        info.add_metric([index.version], 1)
        age.add_metric([], time.time() - datetime.fromisoformat(index.built_at).timestamp())
        yield info
        yield age
