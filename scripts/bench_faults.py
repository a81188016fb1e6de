"""Soak and fault benchmark: steady load on the real gunicorn service while things go wrong.

    python scripts/bench_faults.py [--minutes 10] [--clients 8] [--pause 0.05] [--rebuild]

Runs closed-loop clients (the load generator of bench_http.py) for the given minutes, samples
each worker's RSS every 10 s (series and linear slope in MB/min, to see a leak), and at
spread-out times injects four faults, counting the failed requests in each fault's window:

  a. re-index with a changed answer (`python -m chatbot reindex`, same CHATBOT_* env)
  b. SIGKILL of one worker (gunicorn must replace it)
  c. the conversation database made read-only for a while (chmod, then chattr +i because
     root ignores file modes), then restored
  d. a new index version corrupted on disk, then published: workers must refuse it and keep
     serving the old one (checked via /api/health)

Works on a copy of the bundled knowledge base and index in a temp dir; needs root for chattr.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatbot.core.settings import Settings  # noqa: E402
from chatbot.search import versions  # noqa: E402
from chatbot.store.db import sqlite_path  # noqa: E402
from chatbot.web.devserver import Server, serve, settings_env  # noqa: E402
from scripts.bench_http import (  # noqa: E402
    BENCH_DIR,
    LoadProcess,
    LoadResult,
    bench_settings,
    chat_requests,
    ensure_index,
    question_mix,
    rss_mb,
)

SAMPLE_SECONDS = 10.0
SETTLE_SECONDS = 5.0  # a fault's window stays open this long after it is over
STEP_MB = 5.0  # a jump between two samples bigger than this is an event, not creep
EDITED_FAQ = Path("faq") / "mynumber" / "mynumber-card-apply.md"
EDITED_QUESTION = "マイナンバーカードの申請方法を知りたいのですが"
DB_WRITE_FAILED = "conversation log write failed"


@dataclass
class Window:
    name: str
    start: float  # time.time()
    end: float
    notes: str


# ---------------------------------------------------------------- probes

def get_json(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def versions_seen(server: Server, seconds: float) -> Counter[str]:
    """Index versions /api/health reports over a few seconds; each probe is a new connection, any worker."""
    seen: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            seen[get_json(server.url + "/api/health")["index"]["version"]] += 1
        except OSError as exc:
            seen[f"error {type(exc).__name__}"] += 1
        time.sleep(0.1)
    return seen


def wait_for(check: Callable[[], bool], timeout: float) -> float | None:
    """Seconds until ``check`` held, or None if it never did."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.2)
    return None


def log_count(log: Path, text: str) -> int:
    return log.read_text(encoding="utf-8", errors="replace").count(text)


class RssSampler(threading.Thread):
    """Every SAMPLE_SECONDS: elapsed seconds and {worker pid: (VmRSS MB, CPU seconds used so far)}.

    CPU is sampled too because keep-alive connections stick to one worker: a worker whose CPU
    does not move is idle, and its flat RSS says nothing about leaks.
    """

    def __init__(self, server: Server):
        super().__init__(daemon=True)
        self.server = server
        self.samples: list[tuple[float, dict[int, tuple[float, float]]]] = []
        self.halt = threading.Event()
        self.started_at = time.monotonic()

    def run(self) -> None:
        while not self.halt.wait(0 if not self.samples else SAMPLE_SECONDS):
            memory = {pid: (rss_mb(pid), cpu_seconds(pid)) for pid in self.server.worker_pids()}
            self.samples.append((time.monotonic() - self.started_at,
                                 {p: (m, c) for p, (m, c) in memory.items() if m is not None and c is not None}))


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB), in MB per minute."""
    if len(points) < 2:
        return float("nan")
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return 60 * sum((t - mean_t) * (y - mean_y) for t, y in points) / var if var else float("nan")


def segments(points: list[tuple[float, float]], step_mb: float = STEP_MB) -> list[list[tuple[float, float]]]:
    """A worker's series cut at jumps: first pages touched, a new index version loaded, new connections.

    Those are one-off steps, not a leak; a leak shows as a slope inside the segments.
    """
    out: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if out[-1] and point[1] - out[-1][-1][1] > step_mb:
            out.append([])
        out[-1].append(point)
    return out


# ---------------------------------------------------------------- faults

def fault_reindex(server: Server, settings: Settings) -> str:
    """(a) A changed answer goes live through the normal pipeline while requests keep coming."""
    faq = settings.knowledge_dir / EDITED_FAQ
    marker = f"【ベンチ更新 {time.strftime('%H:%M:%S')}】"
    faq.write_text(faq.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{marker}\n", encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "chatbot", "reindex"], env=settings_env(settings), cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    took = time.monotonic() - started
    if proc.returncode:
        return f"reindex FAILED (exit {proc.returncode}) after {took:.1f} s: {proc.stderr.strip()[-300:]}"
    new = versions.current_version(settings.index_dir)
    live = wait_for(lambda: set(versions_seen(server, 1.0)) == {new}, 60)
    reply = get_json(server.url + "/api/chat", {"message": EDITED_QUESTION})
    served = reply["faq"] is not None and marker in reply["faq"]["answer"]
    return (f"reindex took {took:.1f} s; every probe saw {new} {live:.1f} s after publish; "
            f"changed answer served: {served}" if live is not None else f"{new} not served everywhere after 60 s")


def fault_kill(server: Server, settings: Settings) -> str:
    """(b) A worker dies abruptly; the master must fork a replacement that serves the current index."""
    before = server.worker_pids()
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    replaced = wait_for(lambda: len(server.worker_pids()) == len(before) and victim not in server.worker_pids(), 60)
    seen = versions_seen(server, 2 * settings.reload_seconds + 2)
    current = versions.current_version(settings.index_dir)
    stale = {v: n for v, n in seen.items() if v != current}
    return (f"killed {victim}; replaced after {replaced if replaced is None else round(replaced, 1)} s; "
            f"probes after: {dict(seen)}" + (f"; STALE/failed probes {stale} (current {current})" if stale else ""))


def fault_readonly(server: Server, settings: Settings, hold: float, log: Path) -> str:
    """(c) The log database cannot be written: answers must go on, only logging may fail."""
    db = sqlite_path(settings.db_url)
    files = [p for p in (db, db.with_name(db.name + "-wal")) if p.exists()]  # -shm stays: sqlite mmaps it
    failed_before = log_count(log, DB_WRITE_FAILED)
    os.chmod(db.parent, 0o555)
    for path in files:
        os.chmod(path, 0o444)
    try:
        time.sleep(hold / 2)
        after_chmod = log_count(log, DB_WRITE_FAILED)
        subprocess.run(["chattr", "+i", *map(str, files), str(db.parent)], check=True)
        try:
            time.sleep(hold / 2)
        finally:
            subprocess.run(["chattr", "-i", *map(str, files), str(db.parent)], check=True)
        after_chattr = log_count(log, DB_WRITE_FAILED)
    finally:
        for path in files:
            os.chmod(path, 0o644)
        os.chmod(db.parent, 0o755)
    time.sleep(2)
    reply = get_json(server.url + "/api/chat", {"message": EDITED_QUESTION})  # one turn after restore
    still_failing = log_count(log, DB_WRITE_FAILED) - after_chattr
    return (f"{hold / 2:.0f} s chmod only: {after_chmod - failed_before} log writes failed (root ignores modes); "
            f"{hold / 2:.0f} s chattr +i: {after_chattr - after_chmod} log writes failed; "
            f"after restore: reply {reply['type']}, new write failures {still_failing}")


def fault_corrupt(server: Server, settings: Settings) -> str:
    """(d) A damaged version is published: every worker must refuse it and keep serving the old one."""
    old = versions.current_version(settings.index_dir)
    with versions.build_lock(settings.index_dir):
        built = versions.build(versions.BuildSpec.from_settings(settings), force=True)
    victim = built.directory / "engine" / "faiss.index"
    data = bytearray(victim.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)
    victim.write_bytes(bytes(data))
    versions.publish(settings.index_dir, built.version)
    time.sleep(2 * settings.reload_seconds + 1)
    seen = versions_seen(server, 3)
    refused = get_json(server.url + "/api/health")["refused_versions"]
    versions.publish(settings.index_dir, old)  # the operator's rollback; new workers must not meet the bad one
    verdict = "OK, old version kept" if set(seen) == {old} and built.version in refused else "NOT REFUSED"
    return f"published corrupted {built.version} (faiss.index zeroed 64 B); probes: {dict(seen)}; {verdict}; " \
           f"rolled back to {old}"


# ---------------------------------------------------------------- main

def prepare(work: Path, rebuild: bool = False) -> Settings:
    """A writable copy of the bundled knowledge and of the cached index (no rebuild when unchanged)."""
    cached = bench_settings(work)
    ensure_index(cached, rebuild)
    shutil.copytree(cached.knowledge_dir, work / "knowledge")
    shutil.copytree(cached.index_dir, work / "index", symlinks=True, ignore=shutil.ignore_patterns(".build.lock"))
    settings = bench_settings(work, knowledge_dir=work / "knowledge", index_dir=work / "index")
    ensure_index(settings)
    sqlite_path(settings.db_url).parent.mkdir(parents=True, exist_ok=True)
    return settings


def report_memory(sampler: RssSampler) -> None:
    print("\nper worker every 10 s: pid:RSS MB/CPU % of a core in the last interval")
    previous: dict[int, tuple[float, float]] = {}
    by_pid: dict[int, list[tuple[float, float]]] = {}
    for t, memory in sampler.samples:
        cells = []
        for pid, (mb, cpu) in sorted(memory.items()):
            busy = 100 * (cpu - previous[pid][1]) / (t - previous[pid][0]) if pid in previous else float("nan")
            cells.append(f"{pid}:{mb:.1f}/{busy:.0f}%")
            previous[pid] = (t, cpu)
            by_pid.setdefault(pid, []).append((t, mb))
        print(f"  +{t:5.0f} s  " + "  ".join(cells))
    mean = [(t, sum(mb for mb, _ in m.values()) / len(m)) for t, m in sampler.samples if m]
    print(f"slope of the mean worker RSS: {slope_per_minute(mean):+.3f} MB/min over {len(mean)} samples "
          "(workers replaced by kills and max_requests restart low, so this mixes lives)")
    weighted, weights = 0.0, 0
    for pid, points in sorted(by_pid.items()):
        parts = [seg for seg in segments(points) if len(seg) >= 6]
        slopes = [slope_per_minute(seg) for seg in parts]
        weighted += sum(sl * len(seg) for sl, seg in zip(slopes, parts, strict=True))
        weights += sum(len(seg) for seg in parts)
        print(f"  worker {pid}: {points[0][1]:.1f} → {points[-1][1]:.1f} MB over {len(points)} samples; "
              f"slopes between steps: {', '.join(f'{sl:+.3f}' for sl in slopes) or 'n/a'} MB/min")
    if weights:
        print(f"growth trend (sample-weighted slope between steps): {weighted / weights:+.3f} MB/min per worker")


def report_failures(result: LoadResult, windows: list[Window], log: Path) -> None:
    slowest = max(result.latencies_ms, default=0.0)
    print(f"\nrequests: {len(result.latencies_ms)} ok, {len(result.failures)} failed in {result.elapsed:.0f} s "
          f"({result.rps:.0f} req/s, p99 {result.percentile(99):.1f} ms, max {slowest:.0f} ms)")
    print(f"worker restarts by max_requests: {log_count(log, 'Autorestarting worker')}; "
          f"workers booted: {log_count(log, 'Booting worker')}")
    for w in windows:
        print(f"  {w.name}: {result.failures_between(w.start, w.end)} failed request(s) in its "
              f"{w.end - w.start:.0f} s window; {w.notes}")
    outside = len(result.failures) - sum(result.failures_between(w.start, w.end) for w in windows)
    print(f"  outside fault windows: {outside} failed")
    if result.failures:
        print(f"  failure reasons: {dict(Counter(reason for _, reason in result.failures))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--pause", type=float, default=0.05, help="think time per client between requests (s)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached index (after engine changes)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, gunicorn log)")
    args = parser.parse_args()
    total = args.minutes * 60

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-faults-", dir=BENCH_DIR))
    log = work / "gunicorn.log"
    settings = prepare(work, args.rebuild)
    print(f"{args.clients} clients, {args.pause * 1000:.0f} ms think time, {args.minutes:g} min; workers "
          f"{args.workers}; serving {versions.current_version(settings.index_dir)}; work dir {work}")
    faults: list[tuple[str, float, Callable[[Server], str]]] = [
        ("a. re-index with a changed answer", 0.15, lambda s: fault_reindex(s, settings)),
        ("b. SIGKILL one worker", 0.35, lambda s: fault_kill(s, settings)),
        ("c. database read-only", 0.55, lambda s: fault_readonly(s, settings, min(60.0, max(10.0, total / 10)), log)),
        ("d. corrupted index published", 0.75, lambda s: fault_corrupt(s, settings)),
    ]
    windows: list[Window] = []
    try:
        with serve(settings, args.workers, log) as server:
            load = LoadProcess(server.url, chat_requests(server.url, question_mix()), args.clients, total + 3600,
                               args.pause)
            sampler = RssSampler(server)
            sampler.start()
            began = time.monotonic()
            for name, at, inject in faults:
                time.sleep(max(0.0, began + at * total - time.monotonic()))
                start = time.time()
                print(f"+{time.monotonic() - began:5.0f} s  {name} ...", flush=True)
                try:
                    notes = inject(server)
                except Exception as exc:  # noqa: BLE001 - a failed check is a finding, not a reason to stop
                    notes = f"FAULT STEP RAISED {type(exc).__name__}: {exc}"
                time.sleep(SETTLE_SECONDS)
                windows.append(Window(name, start, time.time(), notes))
                print(f"         {notes}", flush=True)
            time.sleep(max(0.0, began + total - time.monotonic()))
            load.stop()
            result = load.result()
            sampler.halt.set()
            sampler.join()
        report_memory(sampler)
        report_failures(result, windows, log)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
