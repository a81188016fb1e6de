"""Per-client request limits, counted in this process's memory.

A small fixed-window counter instead of flask-limiter: its in-memory storage raised
"threads can only be started once" (an HTTP 500) under concurrent requests, and it cost
about a tenth of each request. Under gunicorn each worker counts for itself, so a client
spread over N workers may get up to N times the limit; that bounds abuse, which is the aim.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RULE = re.compile(r"^\s*(\d+)\s*(?:per|/)\s*(second|minute|hour|day)s?\s*$")
MAX_TRACKED = 100_000  # clients remembered before expired windows are swept


@dataclass(frozen=True)
class Rule:
    count: int
    seconds: int


def parse_rules(spec: str) -> tuple[Rule, ...]:
    """``"30 per minute;300 per hour"`` → rules; an empty spec means no limit."""
    rules = []
    for part in filter(str.strip, spec.split(";")):
        match = _RULE.match(part)
        if not match:
            raise ValueError(f"CHATBOT_RATE_LIMIT: cannot read {part.strip()!r} (write e.g. '30 per minute')")
        rules.append(Rule(int(match.group(1)), _UNITS[match.group(2)]))
    return tuple(rules)


class RateLimiter:
    def __init__(self, rules: tuple[Rule, ...], clock: Callable[[], float] = time.monotonic):
        self.rules = rules
        self.clock = clock
        self._windows: dict[tuple[int, str], tuple[int, int]] = {}  # (rule, client) -> (window, count)
        self._lock = threading.Lock()

    def hit(self, client: str) -> int | None:
        """Count one request; ``None`` when allowed, else the seconds until the client may retry."""
        now = self.clock()
        with self._lock:
            if len(self._windows) > MAX_TRACKED:
                self._sweep(now)
            retry = None
            for i, rule in enumerate(self.rules):
                window = int(now // rule.seconds)
                seen_window, count = self._windows.get((i, client), (window, 0))
                count = count + 1 if seen_window == window else 1
                self._windows[(i, client)] = (window, count)
                if count > rule.count:
                    wait = int((window + 1) * rule.seconds - now) + 1
                    retry = max(retry or 0, wait)
            return retry

    def _sweep(self, now: float) -> None:
        self._windows = {key: value for key, value in self._windows.items()
                         if value[0] == int(now // self.rules[key[0]].seconds)}
