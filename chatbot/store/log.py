"""The conversation log: one row per chat turn, personal data redacted before it is held anywhere.

Logging is best effort by design: a full disk, a locked or read-only database must never stop a
citizen getting an answer, so every write failure is logged and swallowed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

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
        question = self._redacted.get(turn.question, lambda: redact(turn.question))
        return self._writer.put((turn.answer_id, turn.ts.isoformat(timespec="seconds"), question, turn.outcome,
                                 turn.faq_id, turn.confidence, turn.index_version, turn.lang))

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued turn has been written (or given up on)."""
        self._writer.flush(timeout)

    def record_feedback(self, answer_id: str, helpful: bool, comment: str | None, ts: dt.datetime) -> bool | None:
        """True when stored, False for an unknown answer, None when the database failed."""
        self.flush()  # the rated turn may still be queued
        try:
            changed = self.db.execute("UPDATE turns SET helpful = ?, comment = ?, feedback_ts = ? WHERE answer_id = ?",
                                      (int(helpful), redact(comment) if comment else None,
                                       ts.isoformat(timespec="seconds"), answer_id))
        except DatabaseError as exc:
            log.warning("conversation log write failed (%s: %s); answering continues", type(exc).__name__, exc)
            self.db.forget()
            return None
        return changed > 0

    def turns(self, since: dt.datetime | None = None) -> list[Turn]:
        """Turns from ``since`` on, oldest first (for reports)."""
        self.flush()
        rows = self.db.fetchall(f"SELECT {', '.join(TURN_COLUMNS)}, helpful, comment FROM turns WHERE ts >= ? "
                                "ORDER BY ts", (since.isoformat(timespec="seconds") if since else "",))
        return [Turn(r[0], dt.datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5], r[6], r[7],
                     None if r[8] is None else bool(r[8]), r[9]) for r in rows]
