"""The conversation log: one row per chat turn, personal data redacted before it is held anywhere.

Logging is best effort by design: a full disk, a locked or read-only database must never stop a
citizen getting an answer, so every write failure is logged and swallowed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from chatbot.core.chars import without_controls
from chatbot.core.memo import BoundedMemo
from chatbot.core.redact import redact
from chatbot.store.db import Database, DatabaseError
from chatbot.store.writer import QueuedWriter

log = logging.getLogger(__name__)

REDACTIONS_KEPT = 4096  # citizens ask the same questions over and over; redacting one costs ~20 µs
TURN_COLUMNS = ("answer_id", "ts", "question", "outcome", "faq_id", "confidence", "index_version", "lang")


@dataclass(frozen=True)
class Turn:
    answer_id: str
    ts: dt.datetime
    question: str
    outcome: str
    faq_id: str | None
    confidence: float
    index_version: str | None
    lang: str
    helpful: bool | None = None
    comment: str | None = None


class ConversationLog:
    """Turns go through a `QueuedWriter`, so a chat request never waits for the database."""

    def __init__(self, db_url: str):
        self.db = Database(db_url)
        self._writer = QueuedWriter(self.db, "turns", TURN_COLUMNS)
        self._redacted: BoundedMemo[str] = BoundedMemo(REDACTIONS_KEPT)

    def record_turn(self, turn: Turn) -> bool:
        """Queue one turn (redacted now, before it is held anywhere); False when the queue is full."""
        question = self._redacted.get(turn.question, lambda: redact(without_controls(turn.question)))
        return self._writer.put((turn.answer_id, turn.ts.isoformat(timespec="seconds"), question, turn.outcome,
                                 turn.faq_id, turn.confidence, turn.index_version, turn.lang))

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued turn has been written (or given up on)."""
        self._writer.flush(timeout)

    def record_feedback(self, answer_id: str, helpful: bool, comment: str | None, ts: dt.datetime) -> bool:
        """Store a rating at once (its turn may still be queued here or in another worker); False when the
        database failed. The latest rating of an answer counts."""
        try:
            self.db.execute("INSERT INTO feedback (answer_id, ts, helpful, comment) VALUES (?, ?, ?, ?)",
                            (answer_id, ts.isoformat(timespec="seconds"), int(helpful),
                             redact(without_controls(comment)) if comment else None))
        except DatabaseError as exc:
            log.warning("conversation log write failed (%s: %s); answering continues", type(exc).__name__, exc)
            self.db.forget()
            return False
        return True

    def turns(self, since: dt.datetime | None = None) -> list[Turn]:
        """Turns from ``since`` on, oldest first, each with its latest rating (for reports)."""
        self.flush()
        cutoff = since.isoformat(timespec="seconds") if since else ""
        rows = self.db.fetchall(f"SELECT {', '.join(TURN_COLUMNS)}, helpful, comment FROM turns WHERE ts >= ? "
                                "ORDER BY ts", (cutoff,))
        # A rating comes after its answer; ordered by time, the latest one per answer wins.
        ratings = {r[0]: (bool(r[1]), r[2]) for r in self.db.fetchall(
            "SELECT answer_id, helpful, comment FROM feedback WHERE ts >= ? ORDER BY ts", (cutoff,))}
        return [Turn(r[0], dt.datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5], r[6], r[7],
                     *ratings.get(r[0], (None if r[8] is None else bool(r[8]), r[9]))) for r in rows]

    def recent_questions(self, since: dt.datetime, limit: int) -> list[str]:
        """Distinct questions asked from ``since`` on, most asked first (then most recently asked), at most
        ``limit``: what a reindex replays to show which answers change. Empty when nothing was ever logged:
        a command that only reads does not create the database (it might create it as the wrong user)."""
        if not self.db.exists():
            return []
        rows = self.db.fetchall("SELECT question FROM turns WHERE ts >= ? GROUP BY question "
                                "ORDER BY COUNT(*) DESC, MAX(ts) DESC, question LIMIT ?",
                                (since.isoformat(timespec="seconds"), limit))
        return [r[0] for r in rows]
