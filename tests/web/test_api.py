"""The chat API contract against the real app and a real index of the bundled knowledge base."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from chatbot.core.settings import Settings
from chatbot.knowledge.hours import TOKYO
from chatbot.serving.reply import REPLY_TYPES
from chatbot.store.db import sqlite_path
from chatbot.store.log import ConversationLog
from chatbot.web import create_app

IN_SCOPE = "マイナンバーカードをなくしてしまいました"
OUT_OF_SCOPE = "今日の株価を教えて"


def chat(client, message: str, **extra) -> tuple[int, dict]:
    response = client.post("/api/chat", json={"message": message, **extra})
    assert response.mimetype == "application/json"
    return response.status_code, response.get_json()


def test_answer_has_every_field(client) -> None:
    status, body = chat(client, IN_SCOPE)
    assert status == 200
    assert set(body) >= {"answer_id", "type", "faq", "confidence", "suggestions", "contact", "online", "lang"}
    assert body["type"] == "answer" and 0 <= body["confidence"] <= 1
    assert set(body["faq"]) >= {"id", "question", "answer", "url", "category", "department", "tags", "updated"}
    assert dt.date.fromisoformat(body["faq"]["updated"])
    assert all(set(s) == {"id", "question"} for s in body["suggestions"])


def test_out_of_scope_falls_back_with_contact(client) -> None:
    status, body = chat(client, OUT_OF_SCOPE)
    assert status == 200 and body["type"] == "fallback" and body["faq"] is None
    contact = body["contact"]
    assert contact["phone"] and contact["tel_uri"].startswith("tel:") and isinstance(contact["open_now"], bool)
    assert contact["status_text"] and contact["hours_text"] and len(body["suggestions"]) <= 3


def test_english_question_gets_english_answer(client) -> None:
    status, body = chat(client, "How do I apply for a My Number card?")
    assert status == 200 and body["lang"] == "en"
    assert body["type"] == "answer" and body["faq"]["lang"] == "en"


def test_chosen_suggestion_answers_that_faq(client) -> None:
    status, body = chat(client, "住民票", faq_id="procedures-konbini-inkan")
    assert status == 200 and body["type"] == "answer" and body["faq"]["id"] == "procedures-konbini-inkan"
    assert body["confidence"] == 1.0 and "procedures-konbini-inkan" not in [s["id"] for s in body["suggestions"]]
    stale = chat(client, "住民票", faq_id="no-such-faq")[1]  # a stale chip just asks the question
    plain = chat(client, "住民票")[1]
    assert {k: v for k, v in stale.items() if k != "answer_id"} == {k: v for k, v in plain.items() if k != "answer_id"}


@pytest.mark.parametrize(("kwargs", "status", "code"), [
    ({"data": "message=hi", "content_type": "application/x-www-form-urlencoded"}, 415, "content_type"),
    ({"data": "{not json", "content_type": "application/json"}, 400, "invalid_json"),
    ({"data": b'{"message": "\xff\xfe"}', "content_type": "application/json"}, 400, "invalid_utf8"),
    ({"json": ["a", "list"]}, 400, "not_object"),
    ({"json": {}}, 400, "missing_message"),
    ({"json": {"message": ""}}, 400, "empty_message"),
    ({"json": {"message": "   \n "}}, 400, "empty_message"),
    ({"json": {"message": 42}}, 400, "empty_message"),
    ({"json": {"message": "あ" * 600}}, 400, "message_too_long"),
    ({"json": {"message": "住民票", "lang": "fr"}}, 400, "bad_lang"),
    ({"json": {"message": "!", "lang": []}}, 400, "bad_lang"),  # unhashable: was a 500
    ({"json": {"message": "住民票", "faq_id": 7}}, 400, "bad_faq_id"),
    ({"json": {"message": "必要なものは？", "previous_faq_id": ["x"]}}, 400, "bad_previous_faq_id"),
    ({"json": {"message": "住民票", "furigana": "yes"}}, 400, "bad_furigana"),
    ({"data": "x" * 70000, "content_type": "application/json"}, 413, "too_large"),
])
def test_bad_requests_get_json_4xx(client, kwargs: dict, status: int, code: str) -> None:
    response = client.post("/api/chat", **kwargs)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["messages"]["ja"] and error["messages"]["en"]


def test_unknown_paths_and_methods_are_json(client) -> None:
    for response, status in ((client.get("/api/nothing"), 404), (client.get("/api/chat"), 405)):
        assert response.status_code == status and response.get_json()["error"]["messages"]["ja"]


def test_feedback_round_trip(client, app_settings) -> None:
    _, body = chat(client, IN_SCOPE)
    ok = client.post("/api/feedback", json={"answer_id": body["answer_id"], "helpful": False, "comment": "違う"})
    assert ok.get_json() == {"ok": True, "stored": True}
    # a rating of an answer not (yet) in the log is kept, and joined once the answer arrives
    orphan = client.post("/api/feedback", json={"answer_id": "6f1c1f4e-0000-4000-8000-000000000000", "helpful": True})
    assert orphan.status_code == 200
    client.application.extensions["chatbot"].log.flush()
    rated = {t.answer_id: (t.helpful, t.comment) for t in ConversationLog(app_settings.db_url).turns()}
    assert rated == {body["answer_id"]: (False, "違う")}
    bad = client.post("/api/feedback", json={"answer_id": body["answer_id"], "helpful": "yes"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_helpful"


def test_health_reports_the_serving_index(client) -> None:
    body = client.get("/api/health").get_json()
    assert body["status"] == "ok" and body["index"]["faqs"] >= 80
    assert body["index"]["version"] and body["index"]["built_at"]


def test_rate_limit_gives_429_json(app_settings) -> None:
    limited = create_app(type(app_settings)(**{**app_settings.__dict__, "rate_limit": "3 per minute"}))
    client = limited.test_client()
    statuses = [client.post("/api/chat", json={"message": "住民票"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.post("/api/chat", json={"message": "住民票"})
    assert response.get_json()["error"]["code"] == "rate_limited" and int(response.headers["Retry-After"]) >= 1
    assert client.get("/api/health").status_code == 200  # health is never limited


def test_security_headers_and_cors_allowlist(app_settings) -> None:
    app = create_app(type(app_settings)(**{**app_settings.__dict__, "cors_origins": ("https://www.city.example",)}))
    client = app.test_client()
    page = client.get("/")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff" and page.headers["Referrer-Policy"]
    allowed = client.post("/api/chat", json={"message": "住民票"}, headers={"Origin": "https://www.city.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://www.city.example"
    other = client.post("/api/chat", json={"message": "住民票"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options("/api/chat", headers={"Origin": "https://www.city.example"})
    assert preflight.status_code == 204


def test_request_id_is_echoed(client) -> None:
    response = client.post("/api/chat", json={"message": "住民票"}, headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert client.get("/api/health").headers["X-Request-ID"]


def test_request_ids_in_logs_match_the_response(client, app_settings) -> None:
    """Generated ids are random hex, often with long digit runs: logged as they are, never as [法人番号]."""
    ids = [client.get("/api/health").headers["X-Request-ID"] for _ in range(30)]
    logs = "".join(p.read_text(encoding="utf-8") for p in Path(app_settings.log_dir).glob("*.log"))
    assert all(f'"request_id": "{request_id}"' in logs for request_id in ids)


def test_a_request_id_holding_a_phone_number_is_replaced(client, app_settings) -> None:
    response = client.get("/api/health", headers={"X-Request-ID": "call-09012345678"})
    assert response.headers["X-Request-ID"] != "call-09012345678"
    logs = "".join(p.read_text(encoding="utf-8") for p in Path(app_settings.log_dir).glob("*.log"))
    assert "09012345678" not in logs


def test_a_follow_up_keeps_the_subject_the_widget_sends_back(client) -> None:
    first = chat(client, "転入届を出したい")[1]
    assert first["type"] == "answer" and first["subject"] == {"id": first["faq"]["id"],
                                                               "question": first["faq"]["question"]}
    follow = chat(client, "必要なものは？", previous_faq_id=first["subject"]["id"])[1]
    alone = chat(client, "必要なものは？")[1]  # memoised replies are keyed by the subject too
    assert follow["faq"]["id"] == first["faq"]["id"] and (alone["faq"] or {}).get("id") != first["faq"]["id"]
    gone = chat(client, "必要なものは？", previous_faq_id="unpublished-since")[1]
    assert {k: v for k, v in gone.items() if k != "answer_id"} == {k: v for k, v in alone.items() if k != "answer_id"}


@pytest.mark.parametrize(("message", "kind"), [
    ("こんにちは", "greeting"), ("Thank you!", "thanks"), ("人と話したい", "handoff"), ("もっと詳しく", "details"),
    ("asdfghjk", "chatter"),
])
def test_small_talk_replies_have_the_documented_shape(client, message: str, kind: str) -> None:
    status, body = chat(client, message, previous_faq_id="garbage-sodai")
    assert status == 200 and body["type"] == kind and body["faq"] is None and body["message"]
    assert body["subject"]["id"] == "garbage-sodai" and body["contact"]["phone"]
    if kind == "handoff":
        assert body["contact"]["department"] == "clean"


def test_after_a_fallback_a_request_for_a_person_gets_that_fallbacks_office(client) -> None:
    status, first = chat(client, "国保の保険料が高すぎる")  # no FAQ answers it; its office does
    assert status == 200 and first["type"] == "fallback" and first["subject"] is None
    office = first["contact"]["department"]
    assert office != "daihyo"
    status, body = chat(client, "電話で聞きたいんだけど番号教えて", previous_department=office)
    assert status == 200 and body["type"] == "handoff" and body["contact"]["department"] == office
    assert chat(client, "電話で聞きたいんだけど番号教えて")[1]["contact"]["department"] == "daihyo"
    assert chat(client, "人と話したい", previous_department="no-such-office")[1]["contact"]["department"] == "daihyo"
    status, body = chat(client, "人と話したい", previous_department=["kokuho"])
    assert status == 400 and body["error"]["code"] == "bad_previous_department"


def test_small_talk_is_logged_and_counted_by_kind_never_as_unanswered(client, app_settings) -> None:
    for message in ("こんにちは", "人と話したい", "人と話したい", IN_SCOPE):
        chat(client, message)
    client.application.extensions["chatbot"].log.flush()
    rows = sqlite3.connect(sqlite_path(app_settings.db_url)).execute("SELECT outcome FROM turns").fetchall()
    assert sorted(r[0] for r in rows) == ["answer", "greeting", "handoff", "handoff"]
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True))}
    outcomes = {s.labels["outcome"]: s.value for s in families["chatbot_chat_outcomes"].samples
                if s.name.endswith("_total")}
    assert outcomes == {"answer": 1, "greeting": 1, "handoff": 2}
    assert families["chatbot_fallback_ratio"].samples[0].value == 0.0


def test_metrics_parse_with_prometheus_parser(client) -> None:
    chat(client, IN_SCOPE)
    chat(client, OUT_OF_SCOPE)
    text = client.get("/metrics").get_data(as_text=True)
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert {"chatbot_http_requests", "chatbot_http_request_seconds", "chatbot_chat_outcomes",
            "chatbot_fallback_ratio", "chatbot_index_info", "chatbot_index_age_seconds"} <= set(families)
    outcomes = {s.labels["outcome"]: s.value for s in families["chatbot_chat_outcomes"].samples
                if s.name.endswith("_total")}
    assert outcomes["answer"] >= 1 and outcomes["fallback"] >= 1


def metrics_from(client, address: str):
    return client.get("/metrics", environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize(("allow", "allowed", "refused"), [
    ((), [], ["127.0.0.1", "203.0.113.9"]),
    (None, ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"], ["203.0.113.9", "2001:db8::1", "", "unix"]),
    (("203.0.113.0/24",), ["203.0.113.9", "::ffff:203.0.113.9"], ["127.0.0.1", "203.0.114.1"]),
])
def test_metrics_answer_only_the_allowed_networks(app_settings, allow, allowed, refused) -> None:
    """Default loopback only; refused clients get the documented 404, as for a page that does not exist."""
    overrides = {} if allow is None else {"metrics_allow": allow}
    client = create_app(type(app_settings)(**{**app_settings.__dict__, **overrides})).test_client()
    for address in allowed:
        response = metrics_from(client, address)
        assert response.status_code == 200 and "chatbot_index_info" in response.get_data(as_text=True), address
    for address in refused:
        response = metrics_from(client, address)
        assert response.status_code == 404 and response.mimetype == "application/json", address
        error = response.get_json()["error"]
        assert error["code"] == "not_found" and error["messages"]["ja"] and error["messages"]["en"]
        assert "chatbot_" not in response.get_data(as_text=True)


def test_metrics_allowlist_and_public_url_are_checked_at_start() -> None:
    read = Settings.from_env(environ={"CHATBOT_METRICS_ALLOW": " 10.0.0.0/8, 192.0.2.7 ",
                                      "CHATBOT_PUBLIC_URL": "https://chatbot.city.example/"})
    assert read.metrics_allow == ("10.0.0.0/8", "192.0.2.7/32") and read.public_url == "https://chatbot.city.example"
    for name, wrong in (("METRICS_ALLOW", "10.0.0.1/8"), ("METRICS_ALLOW", "localhost"),
                        ("PUBLIC_URL", "chatbot.city.example"), ("PUBLIC_URL", "https://city.example/chatbot")):
        with pytest.raises(ValueError, match="CHATBOT_" + name):
            Settings.from_env(environ={"CHATBOT_" + name: wrong})


def test_widget_alone_is_cross_origin_and_says_so_once(client) -> None:
    assert client.get("/widget.js").headers.getlist("Cross-Origin-Resource-Policy") == ["cross-origin"]
    for path in ("/", "/api/health", "/static/demo.css", "/api/nothing"):
        assert client.get(path).headers.getlist("Cross-Origin-Resource-Policy") == ["same-origin"], path


@pytest.mark.parametrize(("public_url", "src"), [
    ("", "/widget.js"), ("https://chatbot.city.example", "https://chatbot.city.example/widget.js")])
def test_demo_embed_code_names_the_public_url_never_the_host_header(app_settings, public_url, src) -> None:
    client = create_app(type(app_settings)(**{**app_settings.__dict__, "public_url": public_url})).test_client()
    page = client.get("/", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert f'&lt;script src="{src}" data-city' in page
    assert "evil.example" not in page


def test_personal_data_is_redacted_in_database_and_logs(client, app_settings) -> None:
    message = "マイナンバー 1234 5678 9018 と電話 090-1234-5678、taro.yamada@example.jp です。カードの申請について"
    status, body = chat(client, message)
    assert status == 200
    client.application.extensions["chatbot"].log.flush()
    stored = sqlite3.connect(sqlite_path(app_settings.db_url)).execute(
        "SELECT question FROM turns WHERE answer_id = ?", (body["answer_id"],)).fetchone()[0]
    for raw in ("1234 5678 9018", "090-1234-5678", "taro.yamada@example.jp"):
        assert raw not in stored
    assert "[個人番号]" in stored and "[電話番号]" in stored and "[メール]" in stored
    logs = "".join(p.read_text(encoding="utf-8") for p in Path(app_settings.log_dir).glob("*.log"))
    assert "request" in logs and "カードの申請" not in logs  # request lines never carry the question


def _break_database(db: Path, how: str) -> Callable[[], None]:
    """Make the log database unwritable in one way; returns the repair."""
    if how == "read_only":
        if os.geteuid() == 0:  # root ignores file modes: make the file immutable instead
            if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(db)]).returncode:
                pytest.skip("running as root without chattr: cannot make a file read-only")
            return lambda: subprocess.run(["chattr", "-i", str(db)], check=True)
        db.chmod(0o444)
        return lambda: db.chmod(0o644)
    if how == "corrupt":
        db.write_bytes(b"this is not a database" * 100)
        for side in db.parent.glob(db.name + "-*"):
            side.unlink()
        return lambda: None
    raise ValueError(how)


@pytest.mark.parametrize("how", ["read_only", "corrupt"])
def test_broken_database_never_fails_a_chat(app_settings, tmp_path: Path, how: str) -> None:
    db = tmp_path / "broken" / "chatbot.sqlite3"
    app = create_app(type(app_settings)(**{**app_settings.__dict__, "db_url": f"sqlite:///{db}"}))
    client = app.test_client()
    assert chat(client, "住民票")[0] == 200
    app.extensions["chatbot"].log.flush()
    log = app.extensions["chatbot"].log
    repair = _break_database(db, how)
    try:
        for question in ("住民票の写しをコンビニで", "明日の天気は？"):
            status, body = chat(client, question)
            assert status == 200 and body["type"] in REPLY_TYPES
        log.flush(timeout=0.5)
        assert client.post("/api/feedback", json={"answer_id": body["answer_id"], "helpful": True}).status_code < 500
        log.flush(timeout=0.5)
    finally:
        repair()
    assert log.flush(timeout=15)
    metrics = client.get("/metrics").get_data(as_text=True)
    if how == "read_only":  # kept in memory while the file could not be written, then written
        assert [t.question for t in log.turns()] == ["住民票", "住民票の写しをコンビニで", "明日の天気は？"]
        assert log.turns()[-1].helpful is True and "chatbot_log_rows_lost_total{" not in metrics
    else:  # a damaged file refuses the rating (a new connection finds it damaged): counted as lost, never raised
        assert 'chatbot_log_rows_lost_total{table="feedback"} 1.0' in metrics


def test_unwritable_database_location_never_fails_a_chat_and_the_turn_waits(app_settings, tmp_path: Path) -> None:
    (tmp_path / "not-a-dir").write_text("a file where the database folder should be", encoding="utf-8")
    app = create_app(type(app_settings)(**{**app_settings.__dict__,
                                           "db_url": f"sqlite:///{tmp_path / 'not-a-dir' / 'chatbot.sqlite3'}"}))
    assert chat(app.test_client(), "住民票")[0] == 200
    log = app.extensions["chatbot"].log
    assert log.flush(timeout=0.5) is False
    assert 'chatbot_log_rows_waiting{table="turns"} 1.0' in app.test_client().get("/metrics").get_data(as_text=True)
    (tmp_path / "not-a-dir").unlink()  # the folder is made: the turn kept in memory is written
    (tmp_path / "not-a-dir").mkdir()
    assert log.flush(timeout=15) and [t.question for t in log.turns()] == ["住民票"]


@pytest.mark.parametrize(("when", "open_now", "next_open"), [
    (dt.datetime(2026, 11, 24, 10, 0), True, None),                       # Tuesday morning
    (dt.datetime(2026, 11, 24, 20, 0), False, "2026-11-25T08:30:00+09:00"),  # Tuesday evening
    (dt.datetime(2026, 11, 28, 11, 0), False, "2026-11-30T08:30:00+09:00"),  # Saturday
    (dt.datetime(2026, 12, 31, 11, 0), False, "2027-01-04T08:30:00+09:00"),  # year-end closure
])
def test_fallback_contact_uses_the_clock(app_settings, when, open_now, next_open) -> None:
    app = create_app(app_settings, clock=lambda: when.replace(tzinfo=TOKYO))
    _, body = chat(app.test_client(), OUT_OF_SCOPE)
    assert body["contact"]["open_now"] is open_now and body["contact"]["next_open"] == next_open


def test_a_repeated_question_gets_a_fresh_contact_card_and_answer_id(app_settings) -> None:
    """Replies are memoised per index version; the contact card and the answer id must not be."""
    moments = [dt.datetime(2026, 11, 24, 17, 14, 30, tzinfo=TOKYO), dt.datetime(2026, 11, 24, 17, 15, tzinfo=TOKYO)]
    app = create_app(app_settings, clock=lambda: moments[0])
    client = app.test_client()
    _, before = chat(client, OUT_OF_SCOPE)
    moments.pop(0)
    _, after = chat(client, OUT_OF_SCOPE)
    assert before["contact"]["open_now"] is True and after["contact"]["open_now"] is False
    assert after["contact"]["next_open"] == "2026-11-25T08:30:00+09:00"
    assert before["answer_id"] != after["answer_id"]
    assert {k: v for k, v in before.items() if k not in ("contact", "answer_id")} == \
        {k: v for k, v in after.items() if k not in ("contact", "answer_id")}


def test_bad_json_never_500(client) -> None:
    for raw in (b"", b"null", b"\x00", b'{"message": null}', json.dumps({"message": ["x"]}).encode()):
        response = client.post("/api/chat", data=raw, content_type="application/json")
        assert 400 <= response.status_code < 500, raw


def test_turns_are_logged_in_the_background(client, app_settings) -> None:
    answer_ids = [chat(client, q)[1]["answer_id"] for q in ("住民票", "明日の天気は？", "マイナカードなくした")]
    client.application.extensions["chatbot"].log.flush()
    rows = sqlite3.connect(sqlite_path(app_settings.db_url)).execute(
        "SELECT answer_id, outcome, index_version FROM turns").fetchall()
    assert {r[0] for r in rows} == set(answer_ids) and all(r[1] in REPLY_TYPES and r[2] for r in rows)


def test_weather_question_falls_back(client) -> None:
    """明日 is a word no FAQ uses; before that counted against confidence, the 転居 FAQ was answered. Now
    weather is small talk before any search (chatter: no FAQ, no apology)."""
    assert chat(client, "明日の天気は？")[1]["faq"] is None
    body = chat(client, "明日の天気を知りたい")[1]
    assert body["type"] == "chatter" and body["faq"] is None


def test_a_city_matter_no_faq_covers_falls_back_to_its_department(client) -> None:
    """農地転用 is one of 産業振興担当課's topics (departments.yaml) and no FAQ mentions it: the nearest
    FAQ on some other 申請 must not be answered."""
    status, body = chat(client, "農地転用の申請はどこでできますか")
    assert status == 200 and body["type"] == "fallback" and body["faq"] is None
    assert body["contact"]["department"] == "sangyo"


NESTED = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize(("path", "raw", "status", "code"), [
    ("/api/chat", '{"message": ' + NESTED + "}", 400, "invalid_json"),
    ("/api/feedback", '{"answer_id": ' + NESTED + "}", 400, "invalid_json"),
    ("/api/chat", '{"message": "\\ud800"}', 400, "invalid_text"),
    ("/api/chat", '{"message": "住民票\\udfff"}', 400, "invalid_text"),
    ("/api/feedback", '{"answer_id": "6f1c1f4e-0000-4000-8000-000000000000", "helpful": true, "comment": "\\ud800"}',
     400, "invalid_text"),
    ("/api/chat", '{"message": "\\u0000\\u200b\\u202e\\u2066 \\ufeff"}', 400, "empty_message"),
])
def test_hostile_bodies_get_a_4xx_in_the_documented_shape(client, path: str, raw: str, status: int,
                                                          code: str) -> None:
    response = client.post(path, data=raw.encode(), content_type="application/json")
    assert response.status_code == status and response.get_json()["error"]["code"] == code


def test_a_chunked_body_over_the_limit_is_refused_not_cut(client) -> None:
    big = json.dumps({"message": "住民票" + " " * 70_000}).encode()
    response = client.post("/api/chat", input_stream=io.BytesIO(big), content_type="application/json",
                           headers={"Transfer-Encoding": "chunked"})
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


def test_bidi_overrides_never_reach_the_log_raw(client, app_settings) -> None:
    _, body = chat(client, "住民票\u202eの取り方\u2066")
    client.application.extensions["chatbot"].log.flush()
    (stored,) = [t for t in ConversationLog(app_settings.db_url).turns() if t.answer_id == body["answer_id"]]
    assert "\u202e" not in stored.question and "\u2066" not in stored.question and "住民票" in stored.question


def test_ratings_and_preflights_do_not_spend_the_question_budget(app_settings) -> None:
    app = create_app(type(app_settings)(**{**app_settings.__dict__, "rate_limit": "3 per minute"}))
    client = app.test_client()
    answer_ids = [chat(client, "住民票")[1]["answer_id"] for _ in range(3)]
    assert client.options("/api/chat", headers={"Origin": "https://example.jp"}).status_code == 204
    assert client.post("/api/chat", json={"message": "住民票"}).status_code == 429
    assert client.post("/api/feedback", json={"answer_id": answer_ids[0], "helpful": True}).status_code == 200


@pytest.mark.parametrize(("hops", "separate"), [(1, True), (0, False)])
def test_forwarded_hops_decide_whose_address_is_limited(app_settings, hops: int, separate: bool) -> None:
    app = create_app(type(app_settings)(**{**app_settings.__dict__, "rate_limit": "2 per minute",
                                          "forwarded_hops": hops}))
    client = app.test_client()

    def ask(citizen: str) -> int:
        return client.post("/api/chat", json={"message": "住民票"}, headers={"X-Forwarded-For": citizen}).status_code

    assert [ask("198.51.100.1"), ask("198.51.100.1"), ask("198.51.100.1")] == [200, 200, 429]
    # another citizen behind the same proxy has a budget of their own; without trusted hops the header is ignored
    assert ask("198.51.100.2") == (200 if separate else 429)


def test_furigana_puts_readings_over_the_japanese_text_only_when_asked(client) -> None:
    _, plain = chat(client, "住民票の写しがほしい")
    assert "<ruby>" not in json.dumps(plain, ensure_ascii=False)
    _, marked = chat(client, "住民票の写しがほしい", furigana=True)
    assert marked["faq"]["id"] == plain["faq"]["id"] and "<ruby>住民票<rt>じゅうみんひょう</rt></ruby>" in (
        marked["faq"]["question"] + marked["faq"]["answer"])
    assert re.sub(r"<rt>[^<]*</rt>|</?ruby>", "", marked["faq"]["answer"]) == plain["faq"]["answer"]
    assert "<rt>" in marked["contact"]["name"] + marked["contact"]["hours_text"]
    _, english = chat(client, "How do I get a residence certificate?", furigana=True)
    assert "<ruby>" not in english["message"] + (english["faq"] or {}).get("answer", "")
    _, again = chat(client, "住民票の写しがほしい")  # replies are memoised with the flag: no ruby leaks back
    assert "<ruby>" not in json.dumps(again, ensure_ascii=False)
