"""The real server (gunicorn with gunicorn.conf.py, as the README starts it) under hostile clients."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatbot.core.settings import Settings
from chatbot.store.log import ConversationLog
from chatbot.web.devserver import Server, serve
from tests.helpers import make_settings

pytestmark = pytest.mark.slow

QUESTION = "マイナンバーカードを申請したい"


@pytest.fixture(scope="module")
def server(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Settings]]:
    root = tmp_path_factory.mktemp("hardening")
    # Many requests from one address within a minute: the limit is not what is tested here.
    app_settings = make_settings(root, index_dir=built.index_dir, rate_limit="100000 per minute")
    with serve(app_settings, workers=2, log=root / "server.log") as running:
        yield running, app_settings


def address(server: Server) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").split(":")
    return host, int(port)


def raw_request(server: Server, data: bytes, timeout: float = 10.0) -> tuple[int, bytes, bytes]:
    """Send bytes as they are; (status, head, body) of the answer."""
    with socket.create_connection(address(server), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")]
            if length and len(body) >= length[0]:
                break
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), head, body


def trickle(server: Server, head: bytes, rest: bytes, stop: threading.Event) -> None:
    """Send ``head`` at once, then ``rest`` a byte at a time, reconnecting whenever the server hangs up."""
    while not stop.is_set():
        try:
            with socket.create_connection(address(server), timeout=5) as sock:
                sock.sendall(head)
                for byte in rest:
                    if stop.wait(0.5):
                        return
                    sock.sendall(bytes([byte]))
        except OSError:
            stop.wait(0.2)


def test_slow_clients_do_not_stop_the_service(server: tuple[Server, Settings]) -> None:
    running, _ = server
    stop = threading.Event()
    body = json.dumps({"message": QUESTION}).encode().ljust(1000)
    slow_heads = [(b"", b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" * 20)] * 16
    slow_bodies = [(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000\r\n\r\n", body)] * 4
    attackers = [threading.Thread(target=trickle, args=(running, h, r, stop), daemon=True)
                 for h, r in slow_heads + slow_bodies]
    for attacker in attackers:
        attacker.start()
    try:
        time.sleep(2)  # every attacker connected and trickling
        latencies = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            started = time.monotonic()
            response = requests.post(running.url + "/api/chat", json={"message": QUESTION}, timeout=10)
            latencies.append(time.monotonic() - started)
            assert response.status_code == 200
            time.sleep(0.2)
    finally:
        stop.set()
        for attacker in attackers:
            attacker.join(timeout=10)
    assert len(latencies) > 20 and max(latencies) < 2.0, latencies


def test_fifty_ratings_sent_at_once_are_all_stored(server: tuple[Server, Settings]) -> None:
    running, app_settings = server

    def ask_and_rate(n: int) -> str:
        with requests.Session() as session:
            answer = session.post(running.url + "/api/chat", json={"message": f"住民票の写し {n}"}, timeout=10).json()
        rating = requests.post(running.url + "/api/feedback", timeout=10,
                               json={"answer_id": answer["answer_id"], "helpful": n % 2 == 0})
        assert rating.status_code == 200 and rating.json()["stored"] is True
        return answer["answer_id"]

    with ThreadPoolExecutor(max_workers=50) as pool:
        answer_ids = set(pool.map(ask_and_rate, range(50)))
    log = ConversationLog(app_settings.db_url)
    deadline = time.monotonic() + 10
    rated: set[str] = set()
    while rated != answer_ids and time.monotonic() < deadline:  # the workers' writers batch every 50 ms
        time.sleep(0.2)
        rated = {t.answer_id for t in log.turns() if t.helpful is not None} & answer_ids
    assert rated == answer_ids


@pytest.mark.parametrize(("data", "status", "code"), [
    (b"GARBAGE\r\n\r\n", 400, "bad_request"),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
    (b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, "bad_request"),
    (b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"zz\r\n{}\r\n0\r\n\r\n", 400, "bad_request"),
])
def test_what_gunicorn_answers_itself_is_json_too(server: tuple[Server, Settings], data: bytes, status: int,
                                                 code: str) -> None:
    got, head, body = raw_request(server[0], data)
    assert got == status and b"application/json" in head.lower()
    assert json.loads(body)["error"]["code"] == code


def test_no_response_names_the_server_software(server: tuple[Server, Settings]) -> None:
    response = requests.get(server[0].url + "/api/health", timeout=5)
    assert "Server" not in response.headers
    _, head, _ = raw_request(server[0], b"GARBAGE\r\n\r\n")
    assert b"gunicorn" not in head.lower()


def test_a_chunked_body_over_64_kib_gets_413(server: tuple[Server, Settings]) -> None:
    payload = json.dumps({"message": "住民票" + " " * 70_000}).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(payload[i:i + 8192]), payload[i:i + 8192])
                      for i in range(0, len(payload), 8192))
    status, _, body = raw_request(server[0], b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                                             b"\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
    assert status == 413 and json.loads(body)["error"]["code"] == "too_large"


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(), lambda inner: st.lists(inner)
                           | st.dictionaries(st.text(max_size=8), inner), max_leaves=20)
bodies = st.one_of(
    st.binary(max_size=300),
    st.dictionaries(st.sampled_from(["message", "lang", "faq_id", "answer_id", "helpful", "comment"]),
                    json_values).map(lambda d: json.dumps(d).encode()),
    st.integers(1, 3000).map(lambda depth: b'{"message": ' + b"[" * depth + b"]" * depth + b"}"),
    st.text().map(lambda t: json.dumps({"message": t}).encode()),
    st.sampled_from(['{"message": "\\ud800"}', '{"comment": "\\udfff"}', '{"message": "\\u0000\\u202e"}']).map(
        str.encode),
)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(["/api/chat", "/api/feedback"]), body=bodies)
def test_fuzzed_bodies_never_get_a_5xx(server: tuple[Server, Settings], path: str, body: bytes) -> None:
    response = requests.post(server[0].url + path, data=body, headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code < 500
    assert response.status_code == 200 or response.json()["error"]["code"]


raw_lines = st.one_of(
    st.binary(min_size=1, max_size=200).map(lambda b: b + b"\r\n\r\n"),
    st.tuples(st.sampled_from([b"GET", b"POST", b"PUT", b"OPTIONS", b"\x00", b"G ET"]),
              st.binary(max_size=40).filter(lambda b: b" " not in b and b"\r" not in b and b"\n" not in b),
              st.sampled_from([b"HTTP/1.1", b"HTTP/9.9", b"", b"HTTP/1.1 extra"]),
              st.lists(st.binary(max_size=30).filter(lambda b: b"\r\n" not in b), max_size=4)).map(
        lambda t: t[0] + b" /" + t[1] + b" " + t[2] + b"\r\n" + b"".join(h + b"\r\n" for h in t[3]) + b"\r\n"),
)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=raw_lines)
def test_fuzzed_raw_requests_never_get_a_5xx_or_hang(server: tuple[Server, Settings], data: bytes) -> None:
    try:
        status, _, _ = raw_request(server[0], data, timeout=15)
    except (ConnectionResetError, BrokenPipeError, IndexError, ValueError):
        return  # the server may hang up on bytes that are not HTTP at all; it must not hang or fail
    assert status < 500


def test_the_server_is_healthy_after_all_that(server: tuple[Server, Settings]) -> None:
    assert requests.get(server[0].url + "/api/health", timeout=5).status_code == 200
    assert len(server[0].worker_pids()) == 2
