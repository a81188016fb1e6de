"""The console's FAQ editor over HTTP, on a copy of five bundled FAQs: the list finds FAQs by words, department,
status and age; a save changes the file byte for byte only where staff changed it (BOM, CRLF line endings and
comments kept); a broken edit changes nothing and says file:line; the live check reports the same; viewers
cannot save."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from chatbot.core.settings import Settings
from chatbot.knowledge import load_knowledge
from chatbot.store.accounts import Accounts
from chatbot.store.db import Database
from chatbot.web import create_app
from tests.helpers import small_knowledge

PASSWORD = "correct horse battery"
FAQ = "general-city-hall-location"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def small(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Five FAQs to edit; the bundled index answers meanwhile (the editor reads the files, not the index)."""
    settings = small_knowledge(tmp_path_factory.mktemp("editor"))
    return dataclasses.replace(settings, index_dir=built.index_dir, staff_login_limit="1000 per minute")


@pytest.fixture(scope="module")
def app(small: Settings) -> Flask:
    accounts = Accounts(Database(small.db_url))
    accounts.add("sato", "editor", PASSWORD, actor="test")
    accounts.add("kato", "viewer", PASSWORD, actor="test")
    return create_app(small)


def logged_in(app: Flask, name: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    token = TOKEN.search(client.get("/staff/login").get_data(as_text=True))[1]
    assert client.post("/staff/login", data={"username": name, "password": PASSWORD, "csrf_token": token}
                       ).status_code == 302
    return client, TOKEN.search(client.get("/staff/faqs/").get_data(as_text=True))[1]


def fields(page: str) -> dict[str, str]:
    """The textareas' values as a browser submits them (the newline after <textarea> is not content; the
    browser sends CRLF line endings)."""
    found = dict(re.findall(r'<textarea id="(\w+)"[^>]*>\n(.*?)</textarea>', page, re.S))
    return {name: _unescape(value).replace("\n", "\r\n") for name, value in found.items()}


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"').replace("&#39;", "'")
            .replace("&quot;", '"').replace("&amp;", "&"))


def faq_path(settings: Settings) -> Path:
    return settings.knowledge_dir / "faq" / "general" / f"{FAQ}.md"


def listed(client: FlaskClient, **query: str) -> list[str]:
    page = client.get("/staff/faqs/", query_string=query).get_data(as_text=True)
    return re.findall(r'<a href="/staff/faqs/([\w-]+)">', page)


def test_the_list_finds_faqs_by_words_department_status_and_age(app: Flask, small: Settings) -> None:
    client, _ = logged_in(app, "kato")  # viewers may look
    assert len(listed(client)) == 5
    assert listed(client, q="マイナンバーカード 暗証番号") == ["mynumber-pin-forgot"]
    assert listed(client, q="ＰＩＮ") == ["mynumber-pin-forgot"]  # full-width letters and case folded
    kb, _ = load_knowledge(small.knowledge_dir)
    department = kb.faq(FAQ).department
    assert listed(client, department=department) == sorted(f.id for f in kb.faqs if f.department == department)
    assert listed(client, status="draft") == []
    today = app.extensions["chatbot"].clock().date()
    old = sorted(f.id for f in kb.faqs if f.updated < today - dt.timedelta(days=small.stale_days))
    assert listed(client, stale="1") == old


def test_a_save_changes_only_what_staff_changed(app: Flask, small: Settings) -> None:
    path = faq_path(small)
    original = path.read_bytes()
    # A file as a Windows editor leaves it: byte order mark, CRLF, a comment staff wrote.
    crlf = b"\xef\xbb\xbf" + original.replace(b"\n", b"\r\n").replace(b"\r\nurl:", "\r\n# 要確認\r\nurl:".encode(), 1)
    path.write_bytes(crlf)
    try:
        client, token = logged_in(app, "sato")
        form = fields(client.get(f"/staff/faqs/{FAQ}").get_data(as_text=True))
        old_answer = form["body"].strip().split("\r\n")[0]
        new_answer = "庁舎は新しい案内のとおりです。"
        saved = client.post(f"/staff/faqs/{FAQ}", data={"csrf_token": token, "front_matter": form["front_matter"],
                                                         "body": form["body"].replace(old_answer, new_answer, 1)})
        assert saved.status_code == 200 and "保存しました" in saved.get_data(as_text=True)
        expected = crlf.replace(old_answer.encode(), new_answer.encode(), 1)
        assert path.read_bytes() == expected  # BOM, CRLF, the comment and every other byte as they were
        audit = Accounts(Database(small.db_url)).audit_log()[0]
        assert (audit.actor, audit.action, audit.target) == ("sato", "edit_faq", FAQ) and new_answer in audit.after
    finally:
        path.write_bytes(original)


def test_a_file_larger_than_an_api_request_can_be_saved(app: Flask, small: Settings) -> None:
    path = faq_path(small)
    original = path.read_bytes()
    try:
        client, token = logged_in(app, "sato")
        form = fields(client.get(f"/staff/faqs/{FAQ}").get_data(as_text=True))
        long_answer = form["body"] + "\r\n" + "庁舎の案内をくわしく書きます。" * 2000  # 90 KB of UTF-8
        saved = client.post(f"/staff/faqs/{FAQ}", content_type="multipart/form-data",  # as the page's form sends
                            data={"csrf_token": token, "front_matter": form["front_matter"], "body": long_answer})
        assert saved.status_code == 200 and len(path.read_bytes()) > 90_000
        assert client.post("/api/chat", json={"message": "x" * 70_000}).status_code == 413  # the API keeps 64 KiB
    finally:
        path.write_bytes(original)


def test_a_broken_edit_changes_nothing_and_shows_file_and_line(app: Flask, small: Settings) -> None:
    path = faq_path(small)
    before = path.read_bytes()
    client, token = logged_in(app, "sato")
    form = fields(client.get(f"/staff/faqs/{FAQ}").get_data(as_text=True))
    broken = re.sub(r"department: \S+", "department: nosuchdept", form["front_matter"])
    line = 1 + next(i for i, text in enumerate(broken.split("\r\n"), start=1) if "nosuchdept" in text)

    checked = client.post(f"/staff/faqs/{FAQ}/check", data={"csrf_token": token, "front_matter": broken,
                                                              "body": form["body"]}).get_json()
    errors = [p["text"] for p in checked["problems"] if p["severity"] == "error"]
    assert len(errors) == 1 and errors[0].startswith(f"{path}:{line}: error:") and "nosuchdept" in errors[0]
    response = client.post(f"/staff/faqs/{FAQ}", data={"csrf_token": token, "front_matter": broken,
                                                        "body": form["body"]})
    assert response.status_code == 422 and f"{path}:{line}:" in response.get_data(as_text=True)
    assert path.read_bytes() == before


def test_the_live_check_of_a_good_edit_returns_the_answer_to_preview(app: Flask, small: Settings) -> None:
    client, token = logged_in(app, "kato")  # checking changes nothing: viewers may too
    form = fields(client.get(f"/staff/faqs/{FAQ}").get_data(as_text=True))
    checked = client.post(f"/staff/faqs/{FAQ}/check", data={"csrf_token": token, "front_matter": form["front_matter"],
                                                             "body": "**太字**の回答\r\n"}).get_json()
    assert [p for p in checked["problems"] if p["severity"] == "error"] == [] and checked["answer"] == "**太字**の回答"
    assert client.post(f"/staff/faqs/{FAQ}/check", data={"front_matter": "", "body": ""}).status_code == 403


def test_a_viewer_cannot_save_and_unknown_faqs_are_404(app: Flask, small: Settings) -> None:
    path = faq_path(small)
    before = path.read_bytes()
    client, token = logged_in(app, "kato")
    page = client.get(f"/staff/faqs/{FAQ}").get_data(as_text=True)
    assert "readonly" in page and "保存する" not in page
    form = fields(page)
    assert client.post(f"/staff/faqs/{FAQ}", data={"csrf_token": token, "front_matter": form["front_matter"],
                                                    "body": "変えた"}).status_code == 403
    assert path.read_bytes() == before
    editor, _ = logged_in(app, "sato")
    for name in ("no-such-faq", "*", "general-*"):
        assert editor.get(f"/staff/faqs/{name}").status_code == 404
