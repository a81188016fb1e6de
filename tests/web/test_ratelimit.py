"""The per-client limiters: windows, several rules at once, bad specs, thread safety, and the one shared by
servers in a real Redis."""

from __future__ import annotations

import logging
import socket
import threading
import uuid

import pytest

from chatbot.core.settings import Settings
from chatbot.web.ratelimit import RateLimiter, Rule, SharedRateLimiter, limiter, parse_rules


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


def test_servers_sharing_redis_count_one_limit_per_client(redis_url: str) -> None:
    rules = parse_rules("5 per minute;8 per hour")
    servers = [SharedRateLimiter(rules, redis_url), SharedRateLimiter(rules, redis_url)]
    client = f"api.chat 192.0.2.{uuid.uuid4().int % 250}"
    outcomes = [servers[n % 2].hit(client) for n in range(12)]
    assert outcomes[:5] == [None] * 5
    # the minute rule refuses, and what it refuses does not use up the hour
    assert all(isinstance(wait, int) and 1 <= wait <= 61 for wait in outcomes[5:])
    assert servers[1].hit(client + "-other") is None


def test_an_unreachable_redis_lets_requests_through_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    now = [0.0]
    limiter = SharedRateLimiter(parse_rules("1 per minute"), f"redis://127.0.0.1:{port}/0", clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="chatbot.web.ratelimit"):
        assert [limiter.hit("a") for _ in range(5)] == [None] * 5
        now[0] = 60.0  # after the pause Redis is asked again, still fails, and the outage is not logged twice
        assert limiter.hit("a") is None
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and f"redis://127.0.0.1:{port}/0 is unreachable" in warnings[0]


def test_storage_setting_accepts_memory_and_redis_only() -> None:
    assert Settings.from_env({}).rate_limit_storage == "memory://"
    assert Settings.from_env({"CHATBOT_RATE_LIMIT_STORAGE": "redis://cache:6379/1"}).rate_limit_storage.startswith("redis")
    assert isinstance(limiter(parse_rules("1 per minute")), RateLimiter)
    with pytest.raises(ValueError, match="CHATBOT_RATE_LIMIT_STORAGE"):
        Settings.from_env({"CHATBOT_RATE_LIMIT_STORAGE": "memcached://cache"})
