"""The per-client limiter: windows, several rules at once, bad specs, and thread safety."""

from __future__ import annotations

import threading

import pytest

from chatbot.web.ratelimit import RateLimiter, Rule, parse_rules


def test_parse_rules() -> None:
    assert parse_rules("30 per minute;300 per hour") == (Rule(30, 60), Rule(300, 3600))
    assert parse_rules("5/second") == (Rule(5, 1),) and parse_rules("") == ()
    with pytest.raises(ValueError, match="CHATBOT_RATE_LIMIT"):
        parse_rules("lots")


def test_window_resets_and_clients_are_separate() -> None:
    now = [0.0]
    limiter = RateLimiter(parse_rules("2 per minute"), clock=lambda: now[0])
    assert [limiter.hit("a"), limiter.hit("a")] == [None, None]
    assert limiter.hit("a") == 61 and limiter.hit("b") is None
    now[0] = 60.0
    assert limiter.hit("a") is None


def test_longest_wait_of_several_rules_wins() -> None:
    now = [10.0]
    limiter = RateLimiter(parse_rules("1 per second;2 per hour"), clock=lambda: now[0])
    limiter.hit("a")
    now[0] = 11.0
    limiter.hit("a")
    now[0] = 12.0
    assert limiter.hit("a") == 3600 - 12 + 1


def test_concurrent_hits_are_all_counted() -> None:
    limiter = RateLimiter(parse_rules("1000 per hour"))
    results: list[int | None] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(300):
            outcome = limiter.hit("same")
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is None for r in results) == 1000
