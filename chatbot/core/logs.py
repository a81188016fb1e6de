"""Application logging: JSON lines to stderr (and to CHATBOT_LOG_DIR), personal data redacted.

Redaction happens in the formatter, on the rendered message, exception text and every field a
client chooses (method, path), so nothing that reaches a handler can carry it out raw. Values the
service makes itself (status, latency, outcome, index version, and request ids, which are vetted
when they arrive: metrics.Metrics) are left alone, or a random id would be mangled as a 法人番号.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import sys
from pathlib import Path
from typing import Any

from chatbot.core.redact import redact

_CLIENT_FIELDS = frozenset({"method", "path"})
_EXTRA_FIELDS = ("event", "request_id", "method", "path", "status", "latency_ms", "outcome", "index_version")


class RedactingJsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for key in _EXTRA_FIELDS:
            if hasattr(record, key):
                value = getattr(record, key)
                entry[key] = redact(value) if key in _CLIENT_FIELDS and isinstance(value, str) else value
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, log_dir: Path | None = None) -> None:
    """Idempotent: gunicorn workers and tests may create several apps in one process."""
    # No log line here or in gunicorn's format carries a source location or a thread name; not collecting
    # them spares every request a stack walk and lookups (the logging HOWTO's "Optimization"). The process
    # id stays: gunicorn's own lines show it.
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = logging.logMultiprocessing = False
    root = logging.getLogger("chatbot")
    root.setLevel(level.upper())
    root.propagate = False
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_dir:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.WatchedFileHandler(log_dir / "chatbot.log", encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(RedactingJsonFormatter())
        root.addHandler(handler)
