"""One settings object, read from ``CHATBOT_*`` environment variables.

Every setting is declared once in ``SETTINGS`` with its default, its parser and a help line, so the
README table (checked by tests/test_docs.py), ``chatbot settings``, gunicorn.conf.py and the code can
never disagree. Entry points read the settings; the functions they call get only the values they use.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

PREFIX = "CHATBOT_"
_TRUE, _FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off", ""})
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}
_ORIGIN = re.compile(r"^https?://[^/\s?#\"'<>@]+$")
_HEADER = re.compile(r"^[A-Za-z0-9-]*$")
MEMORY_STORAGE = "memory://"


def text(value: str) -> str:
    return value


def integer(value: str) -> int:
    return int(value)


def optional_integer(value: str) -> int | None:
    """Empty means "let the program choose" (e.g. one worker per core)."""
    return int(value) if value.strip() else None


def number(value: str) -> float:
    return float(value)


def boolean(value: str) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off`` (any case); anything else is an error, never a guess."""
    folded = value.strip().lower()
    if folded not in _TRUE | _FALSE:
        raise ValueError("write true or false")
    return folded in _TRUE


def path(value: str) -> Path:
    return Path(value)


def optional_path(value: str) -> Path | None:
    return Path(value) if value else None


def items(value: str) -> tuple[str, ...]:
    """A comma-separated list; blanks dropped."""
    return tuple(v.strip() for v in value.split(",") if v.strip())


def networks(value: str) -> tuple[str, ...]:
    """Comma-separated IP networks (``10.0.0.0/8``, ``::1/128``; an address alone is one host), as canonical text.

    Checked here so a typo stops the service at start; kept as text (not ``ipaddress`` objects) so the settings
    can be written back to a child process's environment. Host bits set (``10.0.0.1/8``) are an error, not a guess.
    """
    return tuple(str(ipaddress.ip_network(v)) for v in items(value))


def origin(value: str) -> str:
    """Empty, or ``http(s)://host[:port]`` (a trailing ``/`` is dropped): paths are appended to it.

    No path, because the widget sends questions to the origin its script came from: a URL with a path would
    load the script and then ask the wrong server.
    """
    url = value.strip().rstrip("/")
    if url and not _ORIGIN.match(url):
        raise ValueError("write a scheme and host only, such as https://chatbot.city.example, or nothing")
    return url


def rate_limit_storage(value: str) -> str:
    """``memory://`` or a Redis URL (``redis://``, ``rediss://``, ``redis+unix://``)."""
    url = value.strip() or MEMORY_STORAGE
    if url != MEMORY_STORAGE and not url.startswith(("redis://", "rediss://", "redis+unix://")):
        raise ValueError("write memory:// or a Redis URL such as redis://127.0.0.1:6379/0")
    return url


def header_name(value: str) -> str:
    """Empty, or an HTTP header name such as ``X-Remote-User``."""
    name = value.strip()
    if not _HEADER.match(name):
        raise ValueError("write a header name such as X-Remote-User (letters, digits and hyphens), or nothing")
    return name


def duration(value: str) -> float:
    """Seconds: ``2``, ``2s``, ``500ms``, ``5m``, ``1h``."""
    match = _DURATION.match(value)
    if not match:
        raise ValueError("write a duration such as 2, 2s, 500ms or 5m")
    return float(match.group(1)) * _SECONDS[match.group(2)]


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    parse: Callable[[str], object]


SETTINGS: tuple[Setting, ...] = (
    Setting("KNOWLEDGE_DIR", "knowledge",
            "FAQ Markdown, departments.yaml, synonyms.yaml, closures.yaml, readings.yaml", path),
    Setting("INDEX_DIR", "var/index", "Versioned search indexes; `current` points at the one served", path),
    Setting("DB_URL", "sqlite:///var/chatbot.sqlite3",
            "Conversation log database: a SQLite file URL, or postgresql://user@host:port/db shared by servers", text),
    Setting("EMBEDDING_MODEL", "", "Local sentence-transformers model directory; empty = built-in chiVe model", text),
    Setting("FAISS_INDEX", "Flat", "FAISS index factory string (inner product), e.g. Flat or HNSW32", text),
    Setting("ANSWER_THRESHOLD", "0.5", "Confidence at or above which an FAQ is answered, else fallback", number),
    Setting("SUGGEST_THRESHOLD", "0.2", "Confidence at or above which an FAQ is offered as a suggestion", number),
    Setting("GREETING_FAQS", "procedures-moving-in-notification,garbage-sorting-howto,general-office-hours",
            "FAQ ids offered as choices when a citizen greets the bot (ids not published are skipped)", items),
    Setting("MAX_MESSAGE_CHARS", "500", "Longest accepted chat message, in characters", integer),
    Setting("RATE_LIMIT", "30 per minute;300 per hour",
            "Per-client limit on chat and feedback requests; empty = none", text),
    Setting("RATE_LIMIT_STORAGE", "memory://", "Where limits are counted: memory:// (each worker for itself) or "
            "redis://host:port/db (every worker of every server against one limit)", rate_limit_storage),
    Setting("CORS_ORIGINS", "", "Comma-separated origins allowed to call the API from a browser", items),
    Setting("KEEP_VERSIONS", "5", "Index versions kept on disk after a publish (for rollback)", integer),
    Setting("RELOAD_SECONDS", "2", "How often a worker checks for a newly published index (2, 2s, 500ms)", duration),
    Setting("LOG_DIR", "", "Also write application logs to files in this directory", optional_path),
    Setting("LOG_LEVEL", "INFO", "Application log level", text),
    Setting("STALE_DAYS", "365", "FAQs not updated for this many days are listed in reports", integer),
    Setting("METRICS_ALLOW", "127.0.0.0/8,::1/128",
            "Comma-separated IP networks (CIDR) allowed to read /metrics; others get 404; empty = nobody", networks),
    Setting("PUBLIC_URL", "", "The service's origin as citizens' browsers reach it, for the demo page's embed "
            "code, e.g. https://chatbot.city.example; empty = relative URLs", origin),
    Setting("BIND", "127.0.0.1:8000", "Address gunicorn listens on (gunicorn.conf.py)", text),
    Setting("WORKERS", "", "gunicorn worker processes; empty = one per CPU core", optional_integer),
    Setting("THREADS", "2", "Request threads per worker", integer),
    Setting("SWITCH_INTERVAL_MS", "1", "Python's GIL switch interval in the server, in milliseconds", number),
    Setting("MAX_REQUESTS", "200000", "A worker is recycled after this many requests (plus up to a quarter)", integer),
    Setting("KEEPALIVE_REQUESTS", "100", "A kept-alive connection is closed after this many requests", integer),
    Setting("READ_TIMEOUT", "10s", "A request (line, headers and body) must arrive within this time, else 408",
            duration),
    Setting("STAFF_ENABLED", "true", "Serve the staff console at /staff/ (allow it only from the city's network at "
            "the proxy: docs/operations.md)", boolean),
    Setting("STAFF_IDLE", "30m", "A staff session ends after this long without a request", duration),
    Setting("STAFF_LOGIN_LIMIT", "5 per minute;20 per hour",
            "Staff login attempts allowed per account and per address (counted where CHATBOT_RATE_LIMIT_STORAGE "
            "says); past it, 429", text),
    Setting("STAFF_AUTH_HEADER", "",
            "Single sign-on: trust this header, set by the city's authenticating proxy, as the staff account's name "
            "(the account must exist; its role applies). The proxy must drop it from clients' requests. Empty = off",
            header_name),
    Setting("FORWARDED_HOPS", "0",
            "Reverse proxies in front whose X-Forwarded-For/-Proto to trust; 0 = none (headers ignored)", integer),
)


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path
    index_dir: Path
    db_url: str
    embedding_model: str
    faiss_index: str
    answer_threshold: float
    suggest_threshold: float
    greeting_faqs: tuple[str, ...]
    max_message_chars: int
    rate_limit: str
    rate_limit_storage: str
    cors_origins: tuple[str, ...]
    keep_versions: int
    reload_seconds: float
    log_dir: Path | None
    log_level: str
    stale_days: int
    metrics_allow: tuple[str, ...]
    public_url: str
    bind: str
    workers: int | None
    threads: int
    switch_interval_ms: float
    max_requests: int
    keepalive_requests: int
    read_timeout: float
    staff_enabled: bool
    staff_idle: float
    staff_login_limit: str
    staff_auth_header: str
    forwarded_hops: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read settings from the environment; keyword overrides (already typed) win: tests, CLI options."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for setting in SETTINGS:
            name = setting.name.lower()
            if overrides.get(name) is not None:
                values[name] = overrides[name]
                continue
            raw = env.get(PREFIX + setting.name, setting.default)
            try:
                values[name] = setting.parse(raw)
            except ValueError as exc:
                raise ValueError(f"{PREFIX}{setting.name}={raw!r}: {exc}") from None
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        return cls(**values)  # type: ignore[arg-type]
