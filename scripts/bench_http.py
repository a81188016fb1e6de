"""HTTP load benchmark: the real service under gunicorn vs a bare Flask app under the same settings.

    python scripts/bench_http.py [--json] [--clients 32] [--seconds 20] [--workers N] [--threads N]
                                 [--env NAME=VALUE ...] [--rebuild] [--keep]

Builds (or reuses) an index of the bundled knowledge base in a temp dir, starts gunicorn with
gunicorn.conf.py on a loopback port, and drives POST /api/chat with closed-loop keep-alive clients
asking a mix of in-scope, out-of-scope, long and English questions (tests/eval/queries.tsv). Then the
same load hits baseline_app(), a trivial JSON endpoint, so the ratio tells what our code costs on top
of gunicorn + Flask. With --json the last line is one JSON object (rps, p50_ms, p95_ms, p99_ms,
errors, rss_mb_per_worker, baseline_rps, ratio).

The load generator is one asyncio process (raw HTTP/1.1, pre-encoded requests) separate from the
server: on 2 cores it shares the CPU with the workers, so it must be cheap; its own CPU use is
printed so a saturated generator is visible rather than mistaken for a slow server.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import multiprocessing
import os
import random
import shutil
import ssl
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from urllib.parse import urlsplit

from chatbot.core.settings import Settings
from chatbot.search import publish
from chatbot.search.versions import BuildSpec
from chatbot.web.devserver import REPO, Server, serve

QUERIES = REPO / "tests" / "eval" / "queries.tsv"
BASELINE_APP = "scripts.bench_http:baseline_app()"
BENCH_DIR = Path(tempfile.gettempdir()) / "chatbot-bench"
UNLIMITED = "1000000 per minute"
REQUEST_TIMEOUT = 10.0
# Share of each kind of question in the mix; a guess at real traffic, long ones being the costly tail.
MIX = {"ja": 0.55, "oos": 0.15, "en": 0.20, "long": 0.10}
LONG_CHARS = 400


def baseline_app():  # noqa: ANN201 - gunicorn app factory; Flask imported lazily
    """A trivial JSON endpoint on the same path, so HTTP parsing and body size match the real one."""
    from flask import Flask, jsonify, request

    app = Flask(__name__)

    @app.post("/api/chat")
    def chat():  # noqa: ANN202
        body = request.get_json()
        return jsonify({"type": "baseline", "chars": len(body.get("message", ""))})

    @app.get("/api/health")
    def health():  # noqa: ANN202
        return jsonify({"status": "ok"})

    return app


# ---------------------------------------------------------------- questions

def question_mix(count: int = 2000, seed: int = 7) -> list[str]:
    """A shuffled list of questions in the MIX proportions, the same every run."""
    with QUERIES.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    pools = {
        "ja": [r["query"] for r in rows if r["expected"] != "-" and r["kind"] != "english"],
        "oos": [r["query"] for r in rows if r["expected"] == "-"],
        "en": [r["query"] for r in rows if r["kind"] == "english"],
    }
    rng = random.Random(seed)
    pools["long"] = [_long_question(pools["ja"], rng) for _ in range(50)]
    questions = [rng.choice(pools[kind]) for kind, share in MIX.items() for _ in range(round(count * share))]
    rng.shuffle(questions)
    return questions


def _long_question(pool: Sequence[str], rng: random.Random) -> str:
    """A rambling ~400-character message: several real questions run together, as some citizens write."""
    text = "すみません、いくつか続けて質問させてください。"
    while len(text) < LONG_CHARS:
        text += rng.choice(pool).rstrip("？?。") + "。"
    return text[:LONG_CHARS]


def chat_requests(url: str, questions: Sequence[str]) -> list[bytes]:
    """Pre-encoded keep-alive POSTs, so the generator spends no CPU building requests."""
    host = urlsplit(url).netloc
    out = []
    for question in questions:
        body = json.dumps({"message": question}, ensure_ascii=False).encode()
        out.append(f"POST /api/chat HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return out


# ---------------------------------------------------------------- load generator

@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[tuple[float, str]] = field(default_factory=list)  # (time.time(), reason)
    per_second: Counter[int] = field(default_factory=Counter)  # int(time.time()) -> completed requests
    elapsed: float = 0.0
    cpu_seconds: float = 0.0  # the generator's own CPU time

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] if ordered else float("nan")

    def failures_between(self, start: float, end: float) -> int:
        return sum(1 for t, _ in self.failures if start <= t < end)


def _parse_head(head: bytes) -> tuple[int, int, bool]:
    """Status, Content-Length and whether the server closes the connection after this response."""
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            close = value.strip().lower() == b"close"
        elif name == b"transfer-encoding":
            raise ValueError("chunked responses are not expected from this API")
    return status, length, close


def client_tls(url: str) -> ssl.SSLContext | None:
    """TLS for an https URL, without checking the certificate: benchmarks and tests run behind a self-signed
    one (chatbot.web.throwaway.nginx)."""
    if urlsplit(url).scheme != "https":
        return None
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def _client(host: str, port: int, tls: ssl.SSLContext | None, requests: Sequence[bytes], offset: int,
                  pause: float, running: list[bool], result: LoadResult) -> None:
    writer: asyncio.StreamWriter | None = None
    reader: asyncio.StreamReader | None = None
    i = offset
    while running[0]:
        request = requests[i % len(requests)]
        i += 1
        started = time.perf_counter()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port, ssl=tls)
                assert reader is not None
                writer.write(request)
                status, length, close = _parse_head(await reader.readuntil(b"\r\n\r\n"))
                await reader.readexactly(length)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            result.failures.append((time.time(), type(exc).__name__))
            if writer is not None:
                writer.close()
            writer = None
            continue
        now = time.time()
        if status == 200:
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.per_second[int(now)] += 1
        else:
            result.failures.append((now, f"HTTP {status}"))
        if close:
            writer.close()
            writer = None
        if pause:
            await asyncio.sleep(pause)


async def _drive(url: str, requests: Sequence[bytes], clients: int, seconds: float, pause: float,
                 stop: Event | None) -> LoadResult:
    parts = urlsplit(url)
    result = LoadResult()
    running = [True]
    tls = client_tls(url)
    tasks = [asyncio.create_task(_client(parts.hostname or "127.0.0.1", parts.port or (443 if tls else 80), tls,
                                         requests, n * len(requests) // clients, pause, running, result))
             for n in range(clients)]
    cpu, started = time.process_time(), time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline and not (stop and stop.is_set()):
        await asyncio.sleep(0.1)
    running[0] = False
    await asyncio.gather(*tasks)
    result.elapsed = time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu
    return result


def _load_child(url: str, requests: Sequence[bytes], clients: int, seconds: float, pause: float,
                stop: Event, results: multiprocessing.Queue) -> None:
    results.put(asyncio.run(_drive(url, requests, clients, seconds, pause, stop)))


class LoadProcess:
    """Closed-loop clients in their own process, so the generator never shares a GIL with the bench.

    Forked, not spawned: a spawned child would re-import the caller (torch and all) just to send bytes.
    """

    def __init__(self, url: str, requests: Sequence[bytes], clients: int, seconds: float, pause: float = 0.0):
        ctx = multiprocessing.get_context("fork")
        self._stop = ctx.Event()
        self._results: multiprocessing.Queue = ctx.Queue()
        self._proc = ctx.Process(target=_load_child, daemon=True,
                                 args=(url, list(requests), clients, seconds, pause, self._stop, self._results))
        self._proc.start()

    def stop(self) -> None:
        self._stop.set()

    def result(self) -> LoadResult:
        """Waits for the clients to finish (deadline or stop()) and returns what they measured."""
        result = self._results.get()
        self._proc.join()
        return result


# ---------------------------------------------------------------- server side

def rss_mb(pid: int, field_name: str = "VmRSS") -> float | None:
    """A process's resident memory from /proc (None once it has exited)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def pss_mb(pid: int) -> float | None:
    """Proportional share: with preload_app most pages are shared with the master, which RSS hides."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_busy() -> tuple[int, int, int]:
    """Busy, total and stolen jiffies of all cores since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values), values[7]


def bench_settings(work: Path, knowledge_dir: Path | None = None, index_dir: Path | None = None) -> Settings:
    """Bundled knowledge, a cached index, a fresh database in ``work``, and no rate limit."""
    return Settings.from_env(environ={}, knowledge_dir=knowledge_dir or REPO / "knowledge",
                             index_dir=index_dir or BENCH_DIR / "index",
                             db_url=f"sqlite:///{work / 'db' / 'chat.sqlite3'}",
                             rate_limit=UNLIMITED)


def ensure_index(settings: Settings, rebuild: bool = False) -> str:
    """Build the index once; later runs reuse it (reindex is a no-op when the knowledge is unchanged).

    The reuse check looks at the knowledge, not the engine code: pass rebuild after changing the engine.
    """
    return publish.run(BuildSpec.from_settings(settings), settings.answer_threshold, settings.keep_versions,
                       force=rebuild).version


@dataclass
class Run:
    load: LoadResult
    rss_mb: list[float]
    pss_mb: list[float]
    machine_busy: float  # share of all cores busy during the run
    server_cpu_ms: float  # CPU time of gunicorn's master and workers per successful request
    steal: float  # share of all cores' time the hypervisor gave to other machines


def process_cpu_seconds(pid: int, children: bool = False) -> float:
    """utime + stime of one process (all its threads), plus its reaped children's with ``children``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(v) for v in fields[11:15 if children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(server: Server) -> float:
    """The master, its live workers, and workers recycled since (max_requests) as reaped children."""
    return process_cpu_seconds(server.pid, children=True) + sum(map(process_cpu_seconds, server.worker_pids()))


def measure(server: Server, requests: Sequence[bytes], clients: int, seconds: float, warmup: float = 2.0) -> Run:
    """Warm up (lazy per-thread state, caches), then one timed run; memory is read while still loaded.

    Requests/s on a shared 2-core VM moves with the neighbours; the server's CPU time per request
    does not, so it is reported too (compare changes by it)."""
    if warmup:
        LoadProcess(server.url, requests, clients, warmup).result()
    cpu_before = server_cpu_seconds(server)
    busy, total, steal = cpu_busy()
    load = LoadProcess(server.url, requests, clients, seconds)
    time.sleep(seconds * 0.8)
    workers = server.worker_pids()
    rss = [m for m in map(rss_mb, workers) if m is not None]
    pss = [m for m in map(pss_mb, workers) if m is not None]
    result = load.result()
    cpu_used = server_cpu_seconds(server) - cpu_before
    busy2, total2, steal2 = cpu_busy()
    ticks = max(1, total2 - total)
    return Run(result, rss, pss, (busy2 - busy) / ticks, 1000 * cpu_used / max(1, len(result.latencies_ms)),
               (steal2 - steal) / ticks)


def describe(name: str, run: Run, clients: int) -> None:
    load = run.load
    reasons = Counter(reason for _, reason in load.failures)
    print(f"{name}: {len(load.latencies_ms)} ok in {load.elapsed:.1f} s = {load.rps:.0f} req/s; "
          f"p50 {load.percentile(50):.1f} ms, p95 {load.percentile(95):.1f} ms, p99 {load.percentile(99):.1f} ms, "
          f"max {max(load.latencies_ms, default=0):.1f} ms; errors {len(load.failures)} {dict(reasons) or ''}")
    print(f"  queueing bound: {clients} clients / {load.rps:.0f} req/s = {1000 * clients / max(load.rps, 1e-9):.1f} ms "
          f"mean latency; machine CPU busy {100 * run.machine_busy:.0f}% of {os.cpu_count()} cores, "
          f"load generator {100 * load.cpu_seconds / max(load.elapsed, 1e-9):.0f}% of one core, "
          f"stolen by the hypervisor {100 * run.steal:.0f}%")
    print(f"  server CPU per request {run.server_cpu_ms:.2f} ms (gunicorn master + workers)")
    print(f"  worker RSS MB {[round(m, 1) for m in run.rss_mb]}, PSS MB {[round(m, 1) for m in run.pss_mb]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, help="gthread threads per worker (CHATBOT_THREADS); default: config")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for both servers, e.g. OMP_NUM_THREADS=1 (repeatable)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached index (after engine changes)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, gunicorn log)")
    args = parser.parse_args()

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-http-", dir=BENCH_DIR))
    settings = bench_settings(work)
    version = ensure_index(settings, args.rebuild)
    env = dict(item.split("=", 1) for item in args.env)
    if args.threads:
        env["CHATBOT_THREADS"] = str(args.threads)
    questions = question_mix()
    print(f"index {version}; {args.clients} clients for {args.seconds:.0f} s; workers {args.workers}, threads "
          f"{args.threads or 'config default'}, env {env}; mix {MIX} of {len(questions)} questions")
    try:
        with serve(settings, args.workers, work / "chatbot.log", env=env) as server:
            ours = measure(server, chat_requests(server.url, questions), args.clients, args.seconds)
        describe("chatbot", ours, args.clients)
        with serve(settings, args.workers, work / "baseline.log", app=BASELINE_APP, env=env) as server:
            base = measure(server, chat_requests(server.url, questions), args.clients, args.seconds)
        describe("baseline", base, args.clients)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    figures = {
        "rps": round(ours.load.rps, 1),
        "p50_ms": round(ours.load.percentile(50), 2),
        "p95_ms": round(ours.load.percentile(95), 2),
        "p99_ms": round(ours.load.percentile(99), 2),
        "errors": len(ours.load.failures),
        "rss_mb_per_worker": round(sum(ours.rss_mb) / max(1, len(ours.rss_mb)), 1),
        "baseline_rps": round(base.load.rps, 1),
        "ratio": round(ours.load.rps / base.load.rps, 3) if base.load.rps else 0.0,
        "cpu_ms_per_request": round(ours.server_cpu_ms, 3),
        "baseline_cpu_ms_per_request": round(base.server_cpu_ms, 3),
    }
    print(f"ratio to bare Flask: {figures['ratio']:.2f}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
