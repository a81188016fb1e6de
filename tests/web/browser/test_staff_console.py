"""The staff console in a real Chromium against gunicorn: login (wrong password, a form without its token),
the dashboard, teaching from an unanswered group, a viewer who cannot change anything, axe-core; writes the
README's console screenshots."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from chatbot.core import messages
from chatbot.core.settings import Settings
from chatbot.store.accounts import Accounts
from chatbot.store.db import Database
from chatbot.store.log import ConversationLog, Turn
from tests.helpers import publish_index, small_knowledge
from tests.web.browser.conftest import DESKTOP

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
QUESTIONS = {"庁舎の入口はどこ": 3, "役所の駐輪場はありますか": 2}  # unanswered by the five FAQs


def text(key: str, **values: object) -> str:
    return messages.text(key, "ja", **values)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    from chatbot.web.devserver import gunicorn

    settings = small_knowledge(tmp_path_factory.mktemp("staff-console"))
    publish_index(settings)
    accounts = Accounts(Database(settings.db_url))
    accounts.add("sato", "editor", PASSWORD, actor="test")
    accounts.add("kato", "viewer", PASSWORD, actor="test")
    log, now, n = ConversationLog(settings.db_url), dt.datetime.now(dt.UTC), 0
    for question, times in QUESTIONS.items():
        for _ in range(times):
            n += 1
            log.record_turn(Turn(f"t-{n}", now - dt.timedelta(hours=20 * n), question, "fallback", None, 0.1, "v",
                                 "ja"))
    log.record_turn(Turn("t-a", now - dt.timedelta(hours=1), "マイナンバーカードの申請", "answer",
                         "mynumber-card-apply", 0.9, "v", "ja"))
    assert log.flush()
    with gunicorn(settings, workers=1, log=settings.knowledge_dir.parent / "server.log") as url:
        yield url, settings


def log_in(page: Page, url: str, name: str, password: str = PASSWORD) -> None:
    page.goto(url + "/staff/")
    expect(page.get_by_role("heading", name=text("staff_login_title"))).to_be_visible()
    page.get_by_label(text("staff_username")).fill(name)
    page.get_by_label(text("staff_password")).fill(password)
    page.get_by_role("button", name=text("staff_login")).click()


def test_login_dashboard_and_teaching(browser, console, screenshot, axe_source: Path) -> None:
    url, settings = console
    page = browser.new_context(viewport=DESKTOP, locale="ja-JP", bypass_csp=True).new_page()
    log_in(page, url, "sato", "wrong horse battery")
    expect(page.get_by_role("alert")).to_have_text(text("staff_login_failed"))
    log_in(page, url, "sato")
    expect(page.get_by_role("heading", name=text("staff_dashboard_title"))).to_be_visible()
    expect(page.locator('[data-figure="total"]')).to_have_text("6")
    expect(page.locator("svg.chart")).to_be_visible()
    assert_accessible(page, axe_source)
    screenshot(page, "staff-dashboard")

    page.get_by_role("link", name="庁舎の入口はどこ").click()
    expect(page.get_by_role("heading", name=text("staff_teach_title"))).to_be_visible()
    page.get_by_label("general-city-hall-location", exact=False).check()
    expect(page.get_by_label(text("staff_teach_preview"))).to_be_checked()
    assert_accessible(page, axe_source)
    screenshot(page, "staff-teach")
    page.get_by_role("button", name=text("staff_teach_add")).click()
    expect(page.get_by_role("status")).to_contain_text(text("staff_taught", faq_id="general-city-hall-location",
                                                            count=1))
    faq = settings.knowledge_dir / "faq" / "general" / "general-city-hall-location.md"
    assert '  - "庁舎の入口はどこ"' in faq.read_text(encoding="utf-8")

    # Before publishing, the preview lists the logged question the change will answer (it refreshes itself).
    page.get_by_role("link", name=text("staff_preview_open")).click()
    row = page.get_by_role("row").filter(has_text="庁舎の入口はどこ")
    expect(row).to_contain_text(text("staff_preview_no_answer"), timeout=180_000)
    expect(row).to_contain_text("general-city-hall-location")
    assert_accessible(page, axe_source)
    screenshot(page, "staff-preview")
    page.get_by_role("button", name=text("staff_publish_button")).click()
    published = text("staff_preview_published", version="|").split("|")[-1]  # the words after the version
    expect(page.get_by_role("status").filter(has_text=published)).to_be_visible(timeout=180_000)
    answer = page.request.post(url + "/api/chat", data={"message": "庁舎の入口はどこ"})
    for _ in range(30):  # the worker swaps to the published version within CHATBOT_RELOAD_SECONDS
        if (answer.json().get("faq") or {}).get("id") == "general-city-hall-location":
            break
        page.wait_for_timeout(1000)
        answer = page.request.post(url + "/api/chat", data={"message": "庁舎の入口はどこ"})
    assert answer.json()["faq"]["id"] == "general-city-hall-location"


def test_a_form_without_its_token_is_refused(browser, console) -> None:
    url, settings = console
    page = browser.new_context(viewport=DESKTOP, locale="ja-JP").new_page()
    log_in(page, url, "sato")
    page.get_by_role("link", name="役所の駐輪場はありますか").click()
    page.locator('main form[action$="/staff/teach"] input[name="csrf_token"]').evaluate("input => input.remove()")
    with page.expect_response(lambda r: r.url.endswith("/staff/teach")) as response:
        page.get_by_role("button", name=text("staff_teach_add")).click()
    assert response.value.status == 403
    faq = settings.knowledge_dir / "faq" / "general" / "general-city-hall-location.md"
    assert "駐輪場" not in faq.read_text(encoding="utf-8")


def test_a_viewer_sees_but_cannot_change(browser, console) -> None:
    url, _ = console
    page = browser.new_context(viewport=DESKTOP, locale="ja-JP").new_page()
    log_in(page, url, "kato")
    page.get_by_role("link", name="役所の駐輪場はありますか").click()
    expect(page.get_by_text(text("staff_viewer_note"))).to_be_visible()
    expect(page.get_by_role("button", name=text("staff_teach_add"))).to_have_count(0)


def test_the_faq_editor_checks_as_staff_type_and_a_broken_edit_changes_nothing(browser, console, screenshot,
                                                                               axe_source: Path) -> None:
    url, settings = console
    faq = settings.knowledge_dir / "faq" / "general" / "general-office-hours.md"
    before = faq.read_bytes()
    page = browser.new_context(viewport=DESKTOP, locale="ja-JP", bypass_csp=True).new_page()
    log_in(page, url, "sato")
    page.get_by_role("link", name=text("staff_faqs_title")).click()
    page.get_by_label(text("staff_faqs_words")).fill("開庁時間")
    page.get_by_role("button", name=text("staff_teach_search")).click()
    page.locator('main a[href$="/staff/faqs/general-office-hours"]').click()
    check = page.locator("#check")
    expect(check).to_contain_text(text("staff_edit_check_ok"))
    expect(page.locator("#preview li").first).to_be_visible()  # the body's list, drawn by the widget's renderer

    body = page.get_by_label(text("staff_edit_body"))
    body.fill(body.input_value() + "\n\n**窓口**でもお尋ねください。")
    expect(page.locator("#preview strong").last).to_have_text("窓口")
    front = page.get_by_label(text("staff_edit_front_matter"))
    broken = re.sub(r"department: \S+", "department: nosuchdept", front.input_value())
    line = 1 + next(i for i, row in enumerate(broken.split("\n"), start=1) if "nosuchdept" in row)
    front.fill(broken)
    expect(check).to_contain_text(f"{faq}:{line}: error:")
    assert "warning" not in check.inner_text()  # checked where the file lives: its folder is its category
    assert_accessible(page, axe_source)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "staff-editor")
    page.get_by_role("button", name=text("staff_edit_save")).click()
    expect(page.get_by_role("alert")).to_contain_text(f"{faq}:{line}:")
    assert faq.read_bytes() == before


def assert_accessible(page: Page, axe_source: Path) -> None:
    page.add_script_tag(path=str(axe_source))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.help)""")
    assert violations == []
