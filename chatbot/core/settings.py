"""One settings object, read from ``CHATBOT_*`` environment variables.

Every setting is declared once in ``SETTINGS`` with its default and a help line, so the
README table, ``chatbot settings`` and the code can never disagree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

PREFIX = "CHATBOT_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("KNOWLEDGE_DIR", "knowledge", "FAQ Markdown, departments.yaml, synonyms.yaml, closures.yaml"),
    Setting("INDEX_DIR", "var/index", "Versioned search indexes; `current` points at the one served"),
    Setting("DB_URL", "sqlite:///var/chatbot.sqlite3", "Conversation log database (SQLite file URL)"),
    Setting("EMBEDDING_MODEL", "", "Local sentence-transformers model directory; empty = built-in chiVe model"),
    Setting("FAISS_INDEX", "Flat", "FAISS index factory string (inner product), e.g. Flat or HNSW32"),
    Setting("ANSWER_THRESHOLD", "0.5", "Confidence at or above which an FAQ is answered, else fallback"),
    Setting("SUGGEST_THRESHOLD", "0.2", "Confidence at or above which an FAQ is offered as a suggestion"),
    Setting("MAX_MESSAGE_CHARS", "500", "Longest accepted chat message, in characters"),
    Setting("RATE_LIMIT", "30 per minute;300 per hour",
            "Per-client limit on chat and feedback requests, counted per worker process; empty = none"),
    Setting("CORS_ORIGINS", "", "Comma-separated origins allowed to call the API from a browser"),
    Setting("KEEP_VERSIONS", "5", "Index versions kept on disk after a publish (for rollback)"),
    Setting("RELOAD_SECONDS", "2", "How often a worker checks for a newly published index"),
    Setting("LOG_DIR", "", "Also write application logs to files in this directory"),
    Setting("LOG_LEVEL", "INFO", "Application log level"),
    Setting("STALE_DAYS", "365", "FAQs not updated for this many days are listed in reports"),
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
    max_message_chars: int
    rate_limit: str
    cors_origins: tuple[str, ...]
    keep_versions: int
    reload_seconds: float
    log_dir: Path | None
    log_level: str
    stale_days: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read settings from the environment; keyword overrides win (tests, CLI options)."""
        env = os.environ if environ is None else environ
        raw = {s.name.lower(): env.get(PREFIX + s.name, s.default) for s in SETTINGS}
        raw.update({k: v for k, v in overrides.items() if v is not None})
        types = {f.name: f.type for f in fields(cls)}
        values: dict[str, object] = {}
        for name, value in raw.items():
            values[name] = _coerce(name, types[name], value)
        return cls(**values)  # type: ignore[arg-type]


def _coerce(name: str, type_name: object, value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        match type_name:
            case "Path":
                return Path(value)
            case "Path | None":
                return Path(value) if value else None
            case "float":
                return float(value)
            case "int":
                return int(value)
            case "tuple[str, ...]":
                return tuple(v.strip() for v in value.split(",") if v.strip())
            case _:
                return value
    except ValueError as exc:
        raise ValueError(f"{PREFIX}{name.upper()}={value!r}: {exc}") from None
