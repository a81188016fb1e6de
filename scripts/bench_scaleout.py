"""Scale-out benchmark: one server alone vs two servers sharing PostgreSQL and Redis behind nginx.

    python scripts/bench_scaleout.py [--json] [--clients 16] [--seconds 15] [--workers 2]

Starts throwaway PostgreSQL, Redis and nginx (chatbot.web.throwaway; Debian's postgresql, redis-server,
nginx and openssl), reuses the bundled knowledge base's benchmark index (scripts/bench_http.py) and drives
POST /api/chat with the same question mix and load generator as bench_http, in six runs:

1. one server alone, SQLite log and per-worker limits (the default set-up), straight to gunicorn;
2. one server logging to PostgreSQL and counting limits in Redis (what the shared stores cost);
3. two servers with their own index directories, both on PostgreSQL and Redis, behind nginx (TLS);
4. as 3, while another version is published to both (`versions.replicate`, as `--publish-to` does);
5. as 3, while PostgreSQL is stopped for 10 s (then: are all answered turns in the database?);
6. as 3, while one server is killed (SIGKILL, master and workers): nginx must retry the other.

Every server gets the rate limit CHATBOT_RATE_LIMIT="1000000 per minute" so that limits are counted (in
Redis for 2-6) but never refuse. With --json the last line holds the figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chatbot.search import publish, versions  # noqa: E402
from chatbot.search.versions import BuildSpec  # noqa: E402
from chatbot.web.devserver import Server, serve  # noqa: E402
from chatbot.web.throwaway import Postgres, nginx, postgres, redis  # noqa: E402
from scripts.bench_http import (  # noqa: E402
    BENCH_DIR,
    LoadProcess,
    LoadResult,
    bench_settings,
    chat_requests,
    ensure_index,
    question_mix,
)

POSTGRES_DOWN_SECONDS = 10


def figures(load: LoadResult) -> dict[str, float]:
    return {"rps": round(load.rps, 1), "p50_ms": round(load.percentile(50), 2),
            "p99_ms": round(load.percentile(99), 2), "ok": len(load.latencies_ms), "errors": len(load.failures)}


def run(name: str, url: str, clients: int, seconds: float, during: Callable[[], str] | None = None,
        warmup: float = 2.0) -> dict[str, float]:
    """One timed run against ``url``; ``during`` is called mid-run and returns what it did."""
    requests = chat_requests(url, question_mix())
    LoadProcess(url, requests, clients, warmup).result()
    load = LoadProcess(url, requests, clients, seconds)
    event = ""
    if during is not None:
        time.sleep(seconds / 3)
        event = during()
    outcome = load.result()
    result = figures(outcome)
    reasons = sorted({reason for _, reason in outcome.failures})
    print(f"{name}: {result['ok']} ok = {result['rps']:.0f} req/s; p50 {result['p50_ms']:.1f} ms, "
          f"p99 {result['p99_ms']:.1f} ms; errors {result['errors']} {reasons or ''}{'; ' + event if event else ''}",
          flush=True)
    return result


def nginx_errors(path: Path) -> list[str]:
    """Each kind of line in nginx's error log, with how often it occurred."""
    kinds = Counter(re.sub(r"^\S+ \S+ \[(\w+)\] \d+#\d+: (?:\*\d+ )?([^,]*).*$", r"\1 \2", line)
                    for line in path.read_text(errors="replace").splitlines())
    return [f"{count} × {kind}" for kind, count in kinds.most_common()]


def logged_turns(pg: Postgres) -> int:
    """Turns in the benchmark's database once the writers have caught up (the count stops moving)."""
    count = -1
    while (now := int(pg.psql("SELECT count(*) FROM turns", "bench"))) != count:
        count = now
        time.sleep(1)
    return count


def rows_missing(pg: Postgres, before: int, answered: float, seconds: float = 60) -> int:
    """Answered chats whose turn is not in the database ``seconds`` after the run (0 = none lost)."""
    deadline = time.monotonic() + seconds
    while (missing := before + int(answered) - int(pg.psql("SELECT count(*) FROM turns", "bench"))) > 0 \
            and time.monotonic() < deadline:
        time.sleep(1)
    return missing


def served_version(server: Server) -> str:
    with urllib.request.urlopen(server.url + "/api/health", timeout=10) as response:
        return json.loads(response.read())["index"]["version"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers per server")
    args = parser.parse_args()

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-scaleout-", dir=BENCH_DIR))
    source = bench_settings(work)
    ensure_index(source)
    if len(versions.list_versions(source.index_dir)) < 2:  # a second version to publish in run 4
        publish.run(BuildSpec.from_settings(source), source.answer_threshold, source.keep_versions, force=True)
    older, newer = versions.list_versions(source.index_dir)[-2:]
    versions.publish(source.index_dir, older)  # the servers start on the older one
    results: dict[str, dict[str, float]] = {}
    print(f"{args.clients} clients, {args.seconds:.0f} s a run, {args.workers} workers a server, "
          f"{os.cpu_count()} cores shared by everything", flush=True)
    try:
        with ExitStack() as stack:
            pg, redis_url = stack.enter_context(postgres()), stack.enter_context(redis())
            db_url = pg.create_database("bench")
            with serve(source, args.workers, work / "alone.log") as alone:
                results["alone"] = run("1 one server, SQLite + memory limits", alone.url, args.clients, args.seconds)
            shared = dataclasses.replace(source, db_url=db_url, rate_limit_storage=redis_url)
            with serve(shared, args.workers, work / "shared.log") as alone:
                results["alone_shared_stores"] = run("2 one server, PostgreSQL + Redis", alone.url, args.clients,
                                                     args.seconds)
            servers, dirs = [], []
            for name in ("a", "b"):
                index_dir = work / f"index-{name}"
                versions.replicate(source.index_dir, index_dir, source.keep_versions)
                settings = dataclasses.replace(shared, index_dir=index_dir, forwarded_hops=1, reload_seconds=1.0)
                servers.append(stack.enter_context(serve(settings, args.workers, work / f"server-{name}.log")))
                dirs.append(index_dir)
            proxy_server = stack.enter_context(nginx([urlsplit(s.url).netloc for s in servers]))
            proxy = proxy_server.https
            results["two_servers"] = run("3 two servers behind nginx", proxy, args.clients, args.seconds)

            def publish_newer() -> str:
                versions.publish(source.index_dir, newer)
                started = time.monotonic()
                for index_dir in dirs:
                    versions.replicate(source.index_dir, index_dir, source.keep_versions)
                while {served_version(s) for s in servers} != {newer}:
                    time.sleep(0.1)
                return f"both servers serve the new version {time.monotonic() - started:.1f} s after the copy began"

            results["publish"] = run("4 two servers, a publish mid-run", proxy, args.clients, args.seconds,
                                     during=publish_newer)

            def stop_postgresql() -> str:
                pg.stop()
                time.sleep(POSTGRES_DOWN_SECONDS)
                pg.start()
                return f"PostgreSQL stopped for {POSTGRES_DOWN_SECONDS} s"

            before = logged_turns(pg)
            results["postgresql_stopped"] = run("5 two servers, PostgreSQL stopped mid-run", proxy, args.clients,
                                                max(args.seconds, POSTGRES_DOWN_SECONDS + 8), during=stop_postgresql,
                                                warmup=0)
            results["postgresql_stopped"]["rows_missing"] = rows_missing(pg, before,
                                                                         results["postgresql_stopped"]["ok"])
            print(f"  rows not in PostgreSQL 60 s later: {results['postgresql_stopped']['rows_missing']}")

            def kill_one() -> str:
                os.killpg(servers[1].pid, signal.SIGKILL)
                return "server b killed (SIGKILL)"

            results["kill"] = run("6 two servers, one killed mid-run", proxy, args.clients, args.seconds,
                                  during=kill_one, warmup=0)
            print("nginx's error log:", *nginx_errors(proxy_server.root / "error.log"), sep="\n  ")
    finally:
        versions.publish(source.index_dir, newer)
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
