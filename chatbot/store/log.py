"""The conversation log: one row per chat turn, personal data redacted before it is held anywhere.

Logging is best effort by design: a full disk, a locked database or PostgreSQL restarting must never stop a
citizen getting an answer. Turns and ratings are queued (chatbot.store.writer) and written when the database
can take them; what cannot be kept is counted, never raised.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from chatbot.core.chars import without_controls
from chatbot.core.memo import BoundedMemo
from chatbot.core.redact import redact
from chatbot.store.db import Database
from chatbot.store.writer import Observer, QueuedWriter, ignore

REDACTIONS_KEPT = 4096  # citizens ask the same questions over and over; redacting one costs ~20 µs
TURN_COLUMNS = ("answer_id", "ts", "question", "outcome", "faq_id", "confidence", "index_version", "lang")
FEEDBACK_COLUMNS = ("answer_id", "ts", "helpful", "comment")


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
    """Turns and ratings go through a `QueuedWriter` each, so a request never waits for the database.

    ``lost`` and ``waiting`` observe both queues (rows given up on; rows waiting after each write attempt),
    with the table's name.
    """

    def __init__(self, db_url: str, lost: Observer = ignore, waiting: Observer = ignore):
        self.db = Database(db_url)
        self._writer = QueuedWriter(self.db, "turns", TURN_COLUMNS, lost, waiting)
        self._ratings = QueuedWriter(self.db, "feedback", FEEDBACK_COLUMNS, lost, waiting)
        self._redacted: BoundedMemo[str] = BoundedMemo(REDACTIONS_KEPT)

    def record_turn(self, turn: Turn) -> bool:
        """Queue one turn (redacted now, before it is held anywhere); False when the queue is full."""
        question = self._redacted.get(turn.question, lambda: redact(without_controls(turn.question)))
        return self._writer.put((turn.answer_id, turn.ts.isoformat(timespec="seconds"), question, turn.outcome,
                                 turn.faq_id, turn.confidence, turn.index_version, turn.lang))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued turn and rating has been written or given up on; False when some still wait
        (the database is away)."""
        deadline = time.monotonic() + timeout
        return self._writer.flush(timeout) & self._ratings.flush(max(0.0, deadline - time.monotonic()))

    def record_feedback(self, answer_id: str, helpful: bool, comment: str | None, ts: dt.datetime) -> bool:
        """Queue a rating (redacted now); False when the queue is full. Ratings have their own table, joined at
        read time: the rated turn may still wait in another worker's queue. The latest rating of an answer
        counts."""
        return self._ratings.put((answer_id, ts.isoformat(timespec="seconds"), int(helpful),
                                  redact(without_controls(comment)) if comment else None))

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
