"""The staff console over HTTP (Flask's test client, the real index and database): every page needs a
session, the login is CSRF-protected, throttled and rotates the session, the cookie is locked down, and the
dashboard's figures are the log's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from chatbot.core.settings import Settings
from chatbot.store.accounts import Accounts
from chatbot.store.db import Database
from chatbot.store.log import ConversationLog, Turn
from chatbot.web import create_app
from tests.helpers import make_settings

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def console(settings: Settings) -> Flask:
    Accounts(Database(settings.db_url)).add("sato", "editor", PASSWORD, actor="test")
    return create_app(settings)


@pytest.fixture(scope="module")
def app(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app for the module (logins are cheap, loading the index is not), its login limit out of the way;
    the throttling test has its own."""
    return console(make_settings(tmp_path_factory.mktemp("staff"), index_dir=built.index_dir,
                                 staff_login_limit="1000 per minute"))


def token_of(page: str) -> str:
    return TOKEN.search(page)[1]


def log_in(client: FlaskClient, name: str = "sato", password: str = PASSWORD, token: str | None = None,
           base_url: str = "http://localhost"):
    form_token = token_of(client.get("/staff/login", base_url=base_url).get_data(as_text=True))
    data = {"username": name, "password": password, "csrf_token": form_token if token is None else token}
    return client.post("/staff/login", base_url=base_url, data=data)


def test_every_staff_url_without_a_session_goes_to_the_login_or_is_refused(app: Flask) -> None:
    client = app.test_client()
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/staff") and r.endpoint != "staff.login"
             and r.endpoint != "staff.login_submit"]
    assert {r.endpoint for r in rules} >= {"staff.dashboard", "staff.logout"}
    for rule in rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(rule.rule, method=method)
            if method == "GET":
                assert response.status_code == 302 and response.location.startswith("/staff/login"), rule
            else:
                assert response.status_code in (401, 403), (rule, method)


def test_console_errors_are_pages_staff_can_read(app: Flask) -> None:
    client = app.test_client()
    refused = client.post("/staff/teach/dismiss", data={"q": "x"})
    assert refused.status_code == 401 and refused.mimetype == "text/html"
    assert "ログインが必要です" in refused.get_data(as_text=True)
    log_in(client)
    missing = client.get("/staff/teach", query_string={"q": "誰も聞いていない質問"})
    assert missing.status_code == 404 and "見つかりません" in missing.get_data(as_text=True)
    assert client.get("/staff/faqs/no-such-faq").status_code == 404
    assert client.post("/api/chat", data="x").mimetype == "application/json"  # the API keeps its JSON errors


def test_a_login_sets_a_locked_down_cookie_and_a_new_session_each_time(app: Flask) -> None:
    client = app.test_client()
    response = log_in(client, base_url="https://localhost")  # served over TLS: the cookie must be Secure
    assert response.status_code == 302 and response.location == "/staff/"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("staff_session="))
    assert {"HttpOnly", "Secure", "SameSite=Strict", "Path=/staff"} <= {p.strip() for p in cookie.split(";")}
    first = client.get_cookie("staff_session", path="/staff").value
    page = client.get("/staff/", base_url="https://localhost").get_data(as_text=True)
    assert "sato" in page and first not in page  # the token never reaches the page
    log_in(client, base_url="https://localhost")
    second = client.get_cookie("staff_session", path="/staff").value
    assert second != first
    client.set_cookie("staff_session", first, path="/staff")
    assert client.get("/staff/", base_url="https://localhost").status_code == 302  # the old session is over


def test_wrong_password_and_missing_token(app: Flask) -> None:
    client = app.test_client()
    wrong = log_in(client, password="wrong horse battery")
    assert wrong.status_code == 401 and "アカウント名またはパスワードが違います" in wrong.get_data(as_text=True)
    assert client.get_cookie("staff_session", path="/staff") is None
    assert log_in(client, token="").status_code == 403
    assert log_in(client, token="forged-token-value").status_code == 403
    assert client.get_cookie("staff_session", path="/staff") is None


def test_repeated_attempts_are_throttled_per_account_and_per_address(app_settings: Settings) -> None:
    app = console(app_settings)  # the shipped limit, counted from zero
    client = app.test_client()
    statuses = [log_in(client, password=f"wrong password {n}").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    throttled = log_in(client)  # the right password too, until the window passes
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert log_in(other).status_code == 429  # same account from another address
    assert log_in(other, name="kato").status_code == 401  # another account from there: not throttled


def test_logout_needs_the_sessions_token_and_ends_it(app: Flask) -> None:
    client = app.test_client()
    log_in(client)
    page = client.get("/staff/").get_data(as_text=True)
    assert client.post("/staff/logout", data={}).status_code == 403
    assert client.get("/staff/").status_code == 200
    assert client.post("/staff/logout", data={"csrf_token": token_of(page)}).status_code == 302
    assert client.get("/staff/").status_code == 302


def test_the_dashboard_shows_the_logs_figures(app_settings: Settings) -> None:
    app = console(app_settings)  # an empty log of its own
    log = ConversationLog(app_settings.db_url)
    now = dt.datetime.now(dt.UTC)
    for n, (outcome, faq) in enumerate([("answer", "garbage-sodai"), ("answer", "garbage-sodai"),
                                        ("answer", "general-phone"), ("fallback", None)]):
        log.record_turn(Turn(f"a-{n}", now - dt.timedelta(hours=n + 1), f"質問 {n}", outcome, faq, 0.9, "v", "ja"))
    log.record_feedback("a-0", True, None, now)
    log.record_feedback("a-3", False, None, now)
    assert log.flush()
    client = app.test_client()
    log_in(client)
    page = client.get("/staff/?days=30").get_data(as_text=True)
    figures = dict(re.findall(r'data-figure="([a-z-]+)">([^<]+)<', page))
    assert figures == {"total": "4", "answer-rate": "75.0 %", "helpful": "1", "not-helpful": "1"}
    assert "<svg" in page and "質問 3" in page  # the chart and the unanswered question's group
    assert "/staff/?days=30&amp;department=" in page  # answers per department, each a link to its lists
    kb_department = app.extensions["chatbot"].live.get().faqs["garbage-sodai"].department
    one = client.get("/staff/", query_string={"days": 30, "department": kb_department}).get_data(as_text=True)
    faqs = one[one.index('id="faqs"'):]
    assert "粗大ごみ" in faqs and app.extensions["chatbot"].live.get().faqs["general-phone"].question not in faqs
    assert dict(re.findall(r'data-figure="([a-z-]+)">([^<]+)<', one)) == figures  # the city's figures still


def test_the_console_can_be_switched_off(app_settings: Settings) -> None:
    import dataclasses

    client = create_app(dataclasses.replace(app_settings, staff_enabled=False)).test_client()
    assert client.get("/staff/login").status_code == 404 and client.get("/staff/").status_code == 404


def test_single_sign_on_trusts_the_proxys_header_only_when_configured_and_only_for_accounts(
        app_settings: Settings) -> None:
    import dataclasses

    ignored = console(app_settings).test_client()  # off by default: the header is anyone's to send
    assert ignored.get("/staff/", headers={"X-Remote-User": "sato"}).status_code == 302

    sso = create_app(dataclasses.replace(app_settings, staff_auth_header="X-Remote-User"))
    client = sso.test_client()
    page = client.get("/staff/", headers={"X-Remote-User": "sato"})
    assert page.status_code == 200 and "sato" in page.get_data(as_text=True)
    assert client.get_cookie("staff_session", path="/staff") is not None
    token = token_of(page.get_data(as_text=True))
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302  # a session as after a login
    stranger = sso.test_client()
    assert stranger.get("/staff/", headers={"X-Remote-User": "nobody"}).status_code == 302  # no such account
    shared = sso.test_client()  # a shared PC: sato's session, then someone without an account
    assert shared.get("/staff/", headers={"X-Remote-User": "sato"}).status_code == 200
    assert shared.get("/staff/", headers={"X-Remote-User": "nobody"}).status_code == 302
    assert shared.get("/staff/").status_code == 302  # sato's session ended with it
    assert stranger.post("/staff/teach/dismiss", headers={"X-Remote-User": "sato"},
                         data={"q": "x"}).status_code == 401  # changes need the session and its token


@pytest.mark.parametrize(("question", "reply_type", "expected"), [
    ("粗大ごみの出し方", "answer", "garbage-sodai"),  # answered: the FAQ and the evidence behind it
    ("市民プールは何時まで泳げますか", "fallback", "coverage"),  # not answered: candidates still listed, with evidence
    ("Como faço o pedido do cartão My Number?", "answer", "mynumber-card-apply"),  # the Portuguese translations
])
def test_try_a_question_shows_the_reply_and_why(app: Flask, question: str, reply_type: str, expected: str) -> None:
    client = app.test_client()
    log_in(client)
    page = client.get("/staff/try", query_string={"q": question}).get_data(as_text=True)
    assert f'data-reply-type="{reply_type}"' in page and expected in page
