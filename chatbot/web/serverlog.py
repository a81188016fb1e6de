"""gunicorn's own log lines get the same redaction as the application's (``logger_class`` in gunicorn.conf.py).

gunicorn writes its error log itself, not through ``chatbot.core.logs``, and some of its lines
carry what a client sent: "Invalid request from ip=…: Invalid HTTP request line: 'GET
/x?tel=090-… HTTP/1.1 junk'", "Error handling request GET /x?tel=…" with a traceback, and every
access log line (off in our config, one flag away). A filter on the logger itself, not on one
handler, rewrites each record before any handler sees it: the stderr or file one gunicorn sets
up, syslog, or any a ``logconfig_dict`` adds.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.glogging import Logger

from chatbot.core.redact import redact


class RedactingFilter(logging.Filter):
    """Replaces a record's message, exception text and stack with their redacted rendering."""

    _traceback = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            # A bad format would make the handler print the raw arguments to stderr: keep only the template.
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the traceback is rendered (and redacted) once, here.
            record.exc_text = self._traceback.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingLogger(Logger):
    """gunicorn's Logger with a RedactingFilter on its error and access loggers."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)  # also runs on every configuration reload (SIGHUP): add the filter once
        for log in (self.error_log, self.access_log):
            if not any(isinstance(existing, RedactingFilter) for existing in log.filters):
                log.addFilter(RedactingFilter())
