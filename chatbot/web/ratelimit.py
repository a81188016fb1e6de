"""Per-client request limits: in this process's memory (the default), or shared by every server in Redis.

In memory, a small fixed-window counter instead of flask-limiter: its in-memory storage raised
"threads can only be started once" (an HTTP 500) under concurrent requests, and it cost
about a tenth of each request. Under gunicorn each worker counts for itself, so a client
spread over N workers may get up to N times the limit; that bounds abuse, which is the aim.

With ``CHATBOT_RATE_LIMIT_STORAGE=redis://…`` every worker of every server counts against one limit per
client, through the maintained `limits` package (the storage flask-limiter uses) and its moving window:
at most N requests in any period, wherever the window boundaries fall. Redis being unreachable must never
stop a citizen getting an answer: requests are then allowed (fail open) and the outage is logged once.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from chatbot.core.settings import MEMORY_STORAGE

log = logging.getLogger(__name__)

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RULE = re.compile(r"^\s*(\d+)\s*(?:per|/)\s*(second|minute|hour|day)s?\s*$")
MAX_TRACKED = 100_000  # clients remembered before expired windows are swept
REDIS_TIMEOUT_SECONDS = 0.25  # a request waits at most this long for Redis before it is let through
OUTAGE_PAUSE_SECONDS = 5.0  # after a Redis failure, requests are let through unasked for this long


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


class Limiter(Protocol):
    rules: tuple[Rule, ...]

    def hit(self, client: str) -> int | None:
        """Count one request; ``None`` when allowed, else the seconds until the client may retry."""


def limiter(rules: tuple[Rule, ...], storage: str = MEMORY_STORAGE) -> Limiter:
    """The limiter for ``storage`` (``CHATBOT_RATE_LIMIT_STORAGE``, checked by the settings)."""
    return RateLimiter(rules) if storage == MEMORY_STORAGE else SharedRateLimiter(rules, storage)


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


class SharedRateLimiter:
    """Rules counted in Redis; the connection pool is re-made by redis-py in each forked worker."""

    def __init__(self, rules: tuple[Rule, ...], url: str, clock: Callable[[], float] = time.monotonic):
        from limits import RateLimitItemPerSecond, storage, strategies
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.rules = rules
        self.url = url
        self.clock = clock
        # Shortest window first, and a request refused by one rule is not counted by the longer ones: a client
        # refused for the minute does not use up the hour.
        self._items = tuple(RateLimitItemPerSecond(rule.count, rule.seconds)
                            for rule in sorted(rules, key=lambda rule: rule.seconds))
        # No retries inside redis-py: its default backs off for seconds, and a citizen must not wait for that.
        self._storage = storage.storage_from_string(
            url, wrap_exceptions=True, socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS, retry=Retry(NoBackoff(), 0))
        self._limiter = strategies.MovingWindowRateLimiter(self._storage)
        self._unavailable_until: float | None = None

    def hit(self, client: str) -> int | None:
        from limits.errors import StorageError

        now = self.clock()
        if self._unavailable_until is not None and now < self._unavailable_until:
            return None
        try:
            refused = next((item for item in self._items if not self._limiter.hit(item, client)), None)
            retry = None if refused is None else self._limiter.get_window_stats(refused, client).reset_time
        except StorageError as exc:
            if self._unavailable_until is None:
                log.warning("rate limits are not counted, requests are let through: %s is unreachable (%s)",
                            _without_password(self.url), exc.storage_error)
            self._unavailable_until = now + OUTAGE_PAUSE_SECONDS
            return None
        if self._unavailable_until is not None:
            log.warning("rate limits are counted again in %s", _without_password(self.url))
            self._unavailable_until = None
        return None if retry is None else max(1, int(retry - time.time()) + 1)


def _without_password(url: str) -> str:
    """A Redis URL fit for a log line."""
    return re.sub(r"//[^@/]*@", "//***@", url)
