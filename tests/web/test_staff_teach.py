"""Teaching the bot from the console, on the five-FAQ knowledge base: a phrasing from an unanswered group
becomes an alt question of the chosen FAQ, written into its Markdown file with every other byte kept, and is
answered once the console has published; viewers cannot; a failed validation changes nothing."""

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
from chatbot.search.versions import load_current
from chatbot.serving.respond import respond
from chatbot.store.accounts import Accounts
from chatbot.store.db import Database
from chatbot.store.log import ConversationLog, Turn
from chatbot.web import create_app
from tests.helpers import publish_index, small_knowledge

PASSWORD = "correct horse battery"
QUESTION = "庁舎の入口はどこ"  # unanswered by the five FAQs as they ship
OTHER = "役所の駐輪場はありますか"  # another group, to draft an FAQ for and to dismiss
FAQ = "general-city-hall-location"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One published five-FAQ knowledge base for the module; the test that publishes runs last."""
    return small_knowledge(tmp_path_factory.mktemp("teach"))


@pytest.fixture(scope="module")
def app(small: Settings) -> Flask:
    publish_index(small)
    accounts = Accounts(Database(small.db_url))
    accounts.add("sato", "editor", PASSWORD, actor="test")
    accounts.add("kato", "viewer", PASSWORD, actor="test")
    log = ConversationLog(small.db_url)
    for n in range(4):
        log.record_turn(Turn(f"q-{n}", dt.datetime.now(dt.UTC) - dt.timedelta(hours=n + 1), (QUESTION, OTHER)[n % 2],
                             "fallback", None, 0.15, "v", "ja"))
    assert log.flush()
    return create_app(dataclasses.replace(small, staff_login_limit="1000 per minute"))  # many logins, one module


def logged_in(app: Flask, name: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/login").get_data(as_text=True))[1]
    assert client.post("/staff/login", data={"username": name, "password": PASSWORD, "csrf_token": token}
                       ).status_code == 302
    page = client.get("/staff/teach", query_string={"q": QUESTION}).get_data(as_text=True)
    return client, re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def faq_path(settings: Settings) -> Path:
    return settings.knowledge_dir / "faq" / "general" / f"{FAQ}.md"


def test_a_viewer_cannot_change_anything(app: Flask, small: Settings) -> None:
    before = faq_path(small).read_bytes()
    client, token = logged_in(app, "kato")
    page = client.get("/staff/teach", query_string={"q": QUESTION}).get_data(as_text=True)
    assert 'name="faq_id"' not in page  # no form to send
    refused = client.post("/staff/teach", data={"csrf_token": token, "q": QUESTION, "faq_id": FAQ,
                                                "phrasing": [QUESTION], "publish": "preview"})
    assert refused.status_code == 403 and faq_path(small).read_bytes() == before


@pytest.mark.parametrize("faq_id", ["*", "general-*", "../general/general-city-hall-location", "no-such-faq", ""])
def test_an_faq_id_that_is_no_faq_changes_nothing(app: Flask, small: Settings, faq_id: str) -> None:
    before = {p: p.read_bytes() for p in small.knowledge_dir.rglob("*.md")}
    client, token = logged_in(app, "sato")
    response = client.post("/staff/teach", data={"csrf_token": token, "q": QUESTION, "faq_id": faq_id,
                                                 "phrasing": [QUESTION], "publish": "nightly"})
    assert response.status_code == 400 and {p: p.read_bytes() for p in small.knowledge_dir.rglob("*.md")} == before


def test_a_failed_validation_changes_nothing_and_shows_file_and_line(app: Flask, small: Settings) -> None:
    path = faq_path(small)
    broken = path.read_bytes().replace(b"department: ", b"department: nosuchdept", 1)
    original = path.read_bytes()
    path.write_bytes(broken)  # someone's earlier slip: the console's save must not go out with it
    try:
        client, token = logged_in(app, "sato")
        response = client.post("/staff/teach", data={"csrf_token": token, "q": QUESTION, "faq_id": FAQ,
                                                     "phrasing": [QUESTION], "publish": "nightly"})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and f"{path}:" in page and "nosuchdept" in page
        assert path.read_bytes() == broken
    finally:
        path.write_bytes(original)


def test_a_group_can_start_a_draft_faq_or_be_dismissed(app: Flask, small: Settings) -> None:
    client, token = logged_in(app, "sato")
    drafted = client.post("/staff/teach/draft", data={"csrf_token": token, "q": OTHER})
    drafts = list((small.knowledge_dir / "faq" / "drafts").glob("draft-*.md"))
    assert drafted.status_code == 200 and len(drafts) == 1 and drafts[0].name in drafted.get_data(as_text=True)
    try:
        kb, problems = load_knowledge(small.knowledge_dir)
        draft = kb.faq(drafts[0].stem)
        assert [p for p in problems if p.severity == "error"] == [] and draft.question == OTHER and not draft.published
    finally:
        drafts[0].unlink()
    viewer, viewer_token = logged_in(app, "kato")
    assert viewer.post("/staff/teach/dismiss", data={"csrf_token": viewer_token, "q": OTHER}).status_code == 403
    assert client.post("/staff/teach/dismiss", data={"csrf_token": token, "q": OTHER}).status_code == 302
    dashboard = client.get("/staff/?days=7").get_data(as_text=True)
    assert OTHER not in dashboard and QUESTION in dashboard
    actions = [(e.action, e.target) for e in Accounts(Database(small.db_url)).audit_log()[:2]]
    assert actions == [("dismiss_group", OTHER), ("new_draft", drafts[0].stem)]


def test_a_preview_of_broken_knowledge_shows_file_and_line_and_offers_no_publish(app: Flask, small: Settings) -> None:
    broken = small.knowledge_dir / "faq" / "general" / "broken.md"
    broken.write_text("---\nid: broken\nquestion: [oops\n---\n", encoding="utf-8")
    try:
        client, token = logged_in(app, "sato")
        assert client.post("/staff/preview", data={"csrf_token": token}).status_code == 302
        app.extensions["chatbot"].publisher.join(timeout=60)
        page = client.get("/staff/publish").get_data(as_text=True)
        assert f"{broken}:" in page and 'name="version"' not in page
    finally:
        broken.unlink()
    assert "もう一度確認" in client.get("/staff/publish").get_data(as_text=True)  # the files changed since


def test_a_preview_that_crashes_is_shown_failed_not_running_for_ever(app: Flask, small: Settings,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from chatbot.reports import preview

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("out of memory")

    monkeypatch.setattr(preview, "run", explode)
    client, token = logged_in(app, "sato")
    assert client.post("/staff/preview", data={"csrf_token": token}).status_code == 302
    app.extensions["chatbot"].publisher.join(timeout=60)
    page = client.get("/staff/publish").get_data(as_text=True)
    assert "RuntimeError: out of memory" in page and 'http-equiv="refresh"' not in page


def test_a_phrasing_added_from_an_unanswered_group_is_previewed_then_answered_after_publishing(
        app: Flask, small: Settings) -> None:
    serving = load_current(small.index_dir)
    assert respond(serving, QUESTION, threshold=0.5, suggest_threshold=0.2).faq is None
    path = faq_path(small)
    before = path.read_bytes()
    client, token = logged_in(app, "sato")
    dashboard = client.get("/staff/?days=7").get_data(as_text=True)
    assert QUESTION in dashboard and "/staff/teach?q=" in dashboard  # the group links to teaching
    page = client.get("/staff/teach", query_string={"q": QUESTION}).get_data(as_text=True)
    assert f'value="{FAQ}"' in page  # offered among the likeliest FAQs
    done = client.post("/staff/teach", data={"csrf_token": token, "q": QUESTION, "faq_id": FAQ,
                                             "phrasing": [QUESTION], "publish": "preview"})
    assert done.status_code == 200 and QUESTION in done.get_data(as_text=True)
    after = path.read_bytes()
    added = f'  - "{QUESTION}"\n'.encode()
    # Byte for byte the same file, with one line added at the end of the alt_questions list.
    assert len(after) == len(before) + len(added) and after.replace(added, b"", 1) == before

    # Before publishing: the logged question that will now be answered is listed, nothing is published yet.
    publisher = app.extensions["chatbot"].publisher
    publisher.join(timeout=180)
    page = client.get("/staff/publish").get_data(as_text=True)
    row = re.search(r"<tr><td>" + QUESTION + r"</td>(.*?)</tr>", page, re.S)
    assert row and "回答なし" in row[1] and f"<code>{FAQ}</code>" in row[1]
    assert load_current(small.index_dir).version == serving.version
    candidate = re.search(r'name="version" value="([^"]+)"', page)[1]

    # A viewer cannot publish; an out-of-date form is refused; the editor publishes the previewed build.
    viewer, viewer_token = logged_in(app, "kato")
    assert viewer.post("/staff/publish", data={"csrf_token": viewer_token, "version": candidate}).status_code == 403
    assert client.post("/staff/publish", data={"csrf_token": token, "version": "other"}).status_code == 409
    assert client.post("/staff/publish", data={"csrf_token": token, "version": candidate}).status_code == 302
    publisher.join(timeout=180)
    published = load_current(small.index_dir)
    assert published.version == candidate  # what staff previewed is what went live, not a rebuild
    reply = respond(published, QUESTION, threshold=0.5, suggest_threshold=0.2)
    assert reply.faq is not None and reply.faq.id == FAQ
    assert "公開済み" in client.get("/staff/publish").get_data(as_text=True)
    audit = [(e.actor, e.action, e.target) for e in Accounts(Database(small.db_url)).audit_log()[:2]]
    assert audit == [("sato", "publish", candidate), ("sato", "add_alt_questions", FAQ)]
