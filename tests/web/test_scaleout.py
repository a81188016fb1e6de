"""Two servers behind a real nginx (deploy/nginx.conf), sharing a real PostgreSQL and a real Redis.

The servers serve the five-FAQ knowledge base from index directories of their own, kept up to date by
`chatbot build-index --publish-to`, as servers without shared storage are. The load comes from
scripts/bench_http.py's generator, in a process of its own.
"""

from __future__ import annotations

import dataclasses
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from chatbot.core.settings import Settings
from chatbot.search import versions
from chatbot.web.devserver import Server, serve
from chatbot.web.throwaway import Postgres, nginx
from scripts.bench_http import LoadProcess, LoadResult, chat_requests, client_tls
from tests.helpers import LostProperty, cli

pytestmark = pytest.mark.slow
OUTSIDE = "127.0.0.2"  # a loopback address deploy/nginx.conf does not count as the city's network


@dataclass(frozen=True)
class Cluster:
    proxy: str  # https through nginx
    plain: str  # nginx's port 80
    servers: list[Server]
    settings: list[Settings]
    database: str  # the PostgreSQL database both servers log to
    nginx_root: Path


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(base: str, method: str, path: str, body: dict[str, Any] | bytes | None = None, source: str = "127.0.0.1",
         headers: dict[str, str] | None = None) -> Answer:
    """One request on a new connection from ``source`` (any 127.x address: nginx sees each as a client)."""
    parts = urlsplit(base)
    tls = client_tls(base)
    conn = (http.client.HTTPSConnection(parts.hostname or "", parts.port, context=tls, timeout=20,
                                        source_address=(source, 0)) if tls else
            http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=20, source_address=(source, 0)))
    payload = json.dumps(body).encode() if isinstance(body, dict) else body
    conn.request(method, path, payload, {"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    answer = Answer(response.status, response.headers, response.read())
    conn.close()
    return answer


def chats_counted(server: Server) -> float:
    """POST /api/chat requests this server answered (all its workers), from its own /metrics."""
    with urllib.request.urlopen(server.url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    return sum(float(value) for value in re.findall(r'^chatbot_http_requests_total\{endpoint="api.chat"[^}]*\} (\S+)$',
                                                     text, flags=re.M))


def rows(cluster: Cluster, postgres: Postgres, query: str) -> list[str]:
    return postgres.psql(query, cluster.database).splitlines()


def wait_for(condition: Any, seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)
    return value


@pytest.fixture(scope="module")
def knowledge(lost_property: LostProperty, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Where the nightly job runs: the two versions of the five-FAQ knowledge base, the first one served, and
    `chatbot build-index --publish-to` has copied it to two servers' index directories."""
    root = tmp_path_factory.mktemp("scaleout")
    settings = dataclasses.replace(lost_property.settings, index_dir=root / "index")
    shutil.copytree(lost_property.settings.index_dir, settings.index_dir, symlinks=True)
    versions.publish(settings.index_dir, versions.list_versions(settings.index_dir)[-2])
    for name in ("a", "b"):
        versions.replicate(settings.index_dir, root / name, keep=5)
    return settings


@contextmanager
def cluster(knowledge: Settings, postgres: Postgres, redis_url: str, **overrides: object) -> Iterator[Cluster]:
    """Two servers (two workers each) on ``knowledge``'s copies, one new PostgreSQL database, nginx."""
    with ExitStack() as stack:
        yield start(stack, knowledge, postgres, redis_url, **overrides)


def start(stack: ExitStack, knowledge: Settings, postgres: Postgres, redis_url: str, **overrides: object) -> Cluster:
    database = f"scaleout_{uuid.uuid4().hex[:8]}"
    db_url = postgres.create_database(database)
    root = knowledge.index_dir.parent
    settings = [dataclasses.replace(knowledge, index_dir=root / name, db_url=db_url, rate_limit_storage=redis_url,
                                    forwarded_hops=1, reload_seconds=0.5, log_dir=root / f"logs-{name}", **overrides)
                for name in ("a", "b")]
    starting = [serve(s, workers=2, log=root / f"gunicorn-{s.index_dir.name}.log") for s in settings]
    with ThreadPoolExecutor(len(starting)) as pool:  # both at once: each spends seconds loading the model
        futures = [pool.submit(server.__enter__) for server in starting]
    for server, future in zip(starting, futures, strict=True):
        if future.exception() is None:
            stack.push(server)  # stopped with the stack, whether or not the other one started
    servers = [future.result() for future in futures]
    proxy = stack.enter_context(nginx([urlsplit(s.url).netloc for s in servers]))
    return Cluster(proxy.https, proxy.http, servers, settings, database, proxy.root)


@pytest.fixture(scope="module")
def limited(knowledge: Settings, postgres_cluster: Postgres, redis_url: str) -> Iterator[Cluster]:
    with cluster(knowledge, postgres_cluster, redis_url, rate_limit="10 per minute") as running:
        yield running


@pytest.fixture(scope="module")
def unlimited(knowledge: Settings, postgres_cluster: Postgres, redis_url: str) -> Iterator[Cluster]:
    with cluster(knowledge, postgres_cluster, redis_url, rate_limit="") as running:
        yield running


# ---------------------------------------------------------------- one limit, one log

def test_two_servers_count_one_limit_per_client(limited: Cluster) -> None:
    before = [chats_counted(server) for server in limited.servers]
    statuses = [call(limited.proxy, "POST", "/api/chat", {"message": "マイナンバーカードを申請したい"},
                     source="127.0.0.3").status for _ in range(30)]
    assert statuses.count(200) == 10 and statuses.count(429) == 20
    assert call(limited.proxy, "POST", "/api/chat", {"message": "市役所の開庁時間"}, source="127.0.0.4").status == 200
    served = [chats_counted(server) - was for server, was in zip(limited.servers, before, strict=True)]
    assert sum(served) == 31 and all(n >= 5 for n in served)  # nginx spread them over both servers


def test_answers_and_ratings_of_both_servers_land_in_postgresql_redacted(limited: Cluster,
                                                                         postgres_cluster: Postgres) -> None:
    asked = []
    for n in range(4):  # round robin: both servers answer some
        message = f"マイナンバーカードをなくしました{n}。電話は090-1234-5678です"
        reply = call(limited.proxy, "POST", "/api/chat", {"message": message}, source="127.0.0.5").json()
        rating = call(limited.proxy, "POST", "/api/feedback", {"answer_id": reply["answer_id"], "helpful": False,
                                                               "comment": "taro.yamada@example.jp に連絡ください"},
                      source="127.0.0.5")
        assert rating.status == 200 and rating.json()["stored"] is True
        asked.append(reply["answer_id"])
    ids = ", ".join(f"'{answer_id}'" for answer_id in asked)
    turns = wait_for(lambda: len(found := rows(limited, postgres_cluster, f"SELECT question FROM turns WHERE answer_id "
                                                                        f"IN ({ids})")) == 4 and found)
    comments = wait_for(lambda: len(found := rows(limited, postgres_cluster, f"SELECT comment FROM feedback WHERE "
                                                                           f"answer_id IN ({ids})")) == 4 and found)
    assert all("[電話番号]" in question and "090" not in question for question in turns)
    assert comments == ["[メール] に連絡ください"] * 4


def test_the_proxy_keeps_metrics_and_staff_inside_and_shields_the_servers(limited: Cluster) -> None:
    assert call(limited.proxy, "GET", "/metrics", source=OUTSIDE).status == 403
    assert call(limited.proxy, "GET", "/staff/login", source=OUTSIDE).status == 403
    inside = call(limited.proxy, "GET", "/metrics")
    assert inside.status == 200 and b"chatbot_http_requests_total" in inside.body
    redirect = call(limited.plain, "GET", "/api/health")
    assert redirect.status == 301 and redirect.headers["Location"].startswith("https://")
    widget = call(limited.proxy, "GET", "/widget.js", headers={"Accept-Encoding": "gzip"})
    assert widget.headers["Cache-Control"] == "public, max-age=300, stale-while-revalidate=60"
    assert widget.headers["Content-Encoding"] == "gzip" and b"answer_id" in gzip.decompress(widget.body)
    again = call(limited.proxy, "GET", "/widget.js", headers={"If-None-Match": widget.headers["ETag"]})
    assert again.status == 304 and again.body == b""
    assert call(limited.proxy, "POST", "/api/chat", b"{" + b" " * 70_000 + b"}", source=OUTSIDE).status == 413
    health = call(limited.proxy, "GET", "/api/health")
    assert re.fullmatch(r"[0-9a-f]{32}", health.headers["X-Request-ID"])  # nginx's id, kept by the server


def test_slow_clients_wait_on_nginx_not_on_the_servers(limited: Cluster) -> None:
    """Twenty clients that send half a request and stall (four stopped one server before) hold no worker."""
    parts = urlsplit(limited.proxy)
    tls = client_tls(limited.proxy)
    assert tls is not None
    stalled = []
    for _ in range(20):
        sock = tls.wrap_socket(socket.create_connection((parts.hostname, parts.port), timeout=5))
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"message\": ")
        stalled.append(sock)
    try:
        started = time.monotonic()
        assert call(limited.proxy, "POST", "/api/chat", {"message": "市役所の場所"}, source="127.0.0.6").status == 200
        assert time.monotonic() - started < 5  # answered now, not after the stalled clients time out
    finally:
        for sock in stalled:
            sock.close()


# ---------------------------------------------------------------- availability under load

def load(cluster: Cluster, questions: list[str]) -> LoadProcess:
    # Paced (50 requests/s per client): the servers stay busy while the build of the publish test gets CPU too.
    return LoadProcess(cluster.proxy, chat_requests(cluster.proxy, questions), clients=4, seconds=300, pause=0.02)


def health_version(server: Server) -> str:
    with urllib.request.urlopen(server.url + "/api/health", timeout=10) as response:
        return json.loads(response.read())["index"]["version"]


def test_a_publish_reaches_both_servers_within_seconds_and_fails_no_request(unlimited: Cluster,
                                                                            knowledge: Settings) -> None:
    old = {health_version(server) for server in unlimited.servers}
    newer = versions.list_versions(knowledge.index_dir)[-1]
    assert len(old) == 1 and newer not in old
    running = load(unlimited, ["マイナンバーカードを申請したい", "市役所の開庁時間", "暗証番号を忘れた"])
    try:
        time.sleep(1)
        versions.publish(knowledge.index_dir, newer)  # the nightly job published here; the servers follow:
        result = cli(knowledge, "build-index", "--changes", "0", "--publish-to", str(unlimited.settings[0].index_dir),
                     "--publish-to", str(unlimited.settings[1].index_dir))
        assert result.exit_code == 0, result.output
        assert result.output.count(f"index {newer} copied and published") == 2
        published = time.monotonic()
        wait_for(lambda: {health_version(s) for s in unlimited.servers} == {newer})
        switched = time.monotonic() - published
        time.sleep(1)
    finally:
        running.stop()
    outcome = running.result()
    print(f"both servers serve {newer} {switched:.1f} s after the copy; {len(outcome.latencies_ms)} chats, "
          f"{len(outcome.failures)} failed")
    assert switched < 15 and outcome.failures == [] and len(outcome.latencies_ms) > 20


def test_postgresql_stopped_for_ten_seconds_under_load_fails_no_chat_and_loses_no_turn(
        unlimited: Cluster, postgres_cluster: Postgres) -> None:
    marker = uuid.uuid4().hex[:8]
    running = load(unlimited, [f"マイナンバーカードを申請したい {marker}", f"市役所の開庁時間 {marker}"])
    try:
        time.sleep(1)
        postgres_cluster.stop()
        try:
            time.sleep(10)
        finally:
            postgres_cluster.start()
        time.sleep(2)
    finally:
        running.stop()
    outcome: LoadResult = running.result()
    assert outcome.failures == [] and len(outcome.latencies_ms) > 20
    count = f"SELECT count(*) FROM turns WHERE question LIKE '%{marker}'"
    wait_for(lambda: int(rows(unlimited, postgres_cluster, count)[0]) == len(outcome.latencies_ms), seconds=60)


def test_a_server_killed_under_load_fails_no_request(unlimited: Cluster) -> None:
    running = load(unlimited, ["マイナンバーカードを申請したい", "市役所の場所"])
    try:
        time.sleep(1)
        os.killpg(unlimited.servers[1].pid, signal.SIGKILL)  # the master and its workers, mid-request
        time.sleep(4)
    finally:
        running.stop()
    outcome = running.result()
    assert outcome.failures == [] and len(outcome.latencies_ms) > 20
