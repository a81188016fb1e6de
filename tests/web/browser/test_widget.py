"""The chat widget in a real Chromium, against the real server (see conftest.py).

Covers the citizen's flows (answer, fallback with contact card, suggestion chips, feedback,
English), keyboard-only use, the personal-information warning, error messages, safe
Markdown, isolation from the host page's CSS, axe-core, narrow screens and 200 % zoom, and
writes the README screenshots.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from chatbot.core import messages

pytestmark = pytest.mark.browser

IN_SCOPE = "マイナンバーカードの申請方法は？"
OUT_OF_SCOPE = "今日の株価を教えて"
CITY = "四街道市"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


def dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


class Widget:
    """The widget on a page, found the way assistive technology finds it: by role and name."""

    def __init__(self, page: Page, texts: dict[str, dict[str, str]], lang: str = "ja"):
        self.page = page
        self.all_texts = texts
        self.use(lang)
        self.host = page.locator("#yotsukaido-chatbot")
        self.replies = self.host.locator(".msg.bot[data-type]")

    def use(self, lang: str) -> None:
        self.lang = lang
        self.t = self.all_texts[lang]
        city = CITY if lang in ("ja", "easy", "zh") else "Yotsukaido City"
        self.launcher = self.page.get_by_role("button", name=self.t["launcher"], exact=True)
        self.panel = self.page.get_by_role("dialog", name=self.t["title"].format(city=city))
        self.input = self.panel.get_by_role("textbox", name=self.t["input_label"])
        self.send = self.panel.get_by_role("button", name=self.t["send"], exact=True)

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.input).to_be_focused()

    def ask(self, question: str, expected_type: str | None = None) -> tuple[Locator, dict]:
        """Type a question, press Enter; the reply row and the API's JSON reply."""
        before = self.replies.count()
        with self.page.expect_response(lambda r: r.url.endswith("/api/chat")) as response:
            self.input.fill(question)
            self.input.press("Enter")
        reply = self.replies.nth(before)
        expect(reply).to_be_visible()
        body = response.value.json()
        if expected_type:
            assert body["type"] == expected_type, f"{question!r} got:\n{dump(body)}"
            expect(reply).to_have_attribute("data-type", expected_type)
        return reply, body


def shadow_active(page: Page) -> dict | None:
    """What has focus inside the widget's shadow root (tag, classes, text), if anything."""
    return page.evaluate("""() => {
        const host = document.getElementById('yotsukaido-chatbot');
        if (document.activeElement !== host) return null;
        const el = host.shadowRoot.activeElement;
        if (!el) return null;
        const style = getComputedStyle(el);
        return {tag: el.tagName.toLowerCase(), cls: el.className, text: el.textContent,
                outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth)};
    }""")


def tab_until(page: Page, predicate, limit: int = 40, key: str = "Tab") -> dict:
    for _ in range(limit):
        page.keyboard.press(key)
        active = shadow_active(page)
        if active and predicate(active):
            return active
    raise AssertionError(f"nothing matching was reached with {limit} x {key}")


# ----------------------------------------------------------------------------- flows


def test_answer_cites_faq_and_links_official_page(open_page, texts, screenshot):
    page = open_page(DESKTOP)
    widget = Widget(page, texts)
    expect(widget.panel).to_be_hidden()
    widget.open()
    expect(widget.panel).to_contain_text("個人情報（マイナンバー等）は入力しないでください")
    expect(widget.panel.get_by_role("log")).to_contain_text(CITY)

    reply, body = widget.ask(IN_SCOPE, "answer")
    faq = body["faq"]
    expect(reply).to_contain_text(faq["question"])
    expect(reply).to_contain_text(faq["updated"])
    expect(widget.host.locator(".msg.user").last).to_have_text(re.compile(re.escape(IN_SCOPE)))
    if faq["url"]:
        link = reply.get_by_role("link", name=re.compile(re.escape(texts["ja"]["official_link"])))
        expect(link).to_have_attribute("href", faq["url"])
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", "noopener noreferrer")
    for up_or_down in ("helpful", "not_helpful"):
        button = reply.get_by_role("button", name=texts["ja"][up_or_down], exact=True)
        expect(button).to_have_attribute("aria-pressed", "false")
    reply.locator(".source").scroll_into_view_if_needed()
    screenshot(page, "desktop-answer")


def test_fallback_shows_contact_card_with_tel_link(open_page, texts, screenshot):
    page = open_page(DESKTOP)
    widget = Widget(page, texts)
    widget.open()
    reply, body = widget.ask(OUT_OF_SCOPE, "fallback")
    contact = body["contact"]
    assert contact, f"a fallback must carry a contact:\n{dump(body)}"
    card = reply.locator(".contact")
    expect(card).to_contain_text(contact["name"])
    expect(card).to_contain_text(contact["status_text"])
    expect(card).to_contain_text(contact["hours_text"])
    call = card.locator("a[href^='tel:']")
    expect(call).to_have_attribute("href", contact["tel_uri"])
    expect(call).to_contain_text(contact["phone"])
    for item in body.get("online") or []:
        expect(reply.get_by_role("link", name=re.compile(re.escape(item["title"])))).to_have_attribute(
            "href", item["url"])
    if body["message"]:
        expect(reply).to_contain_text(body["message"].splitlines()[0])
    call.scroll_into_view_if_needed()
    screenshot(page, "desktop-fallback")


def test_a_matter_another_organisation_handles_links_its_website(open_page, texts):
    page = open_page(DESKTOP)
    widget = Widget(page, texts)
    widget.open()
    reply, body = widget.ask("相続税の申告はどこでしますか", "fallback")
    place = body["elsewhere"]
    assert place and place["key"] == "zeimusho", dump(body)
    link = reply.get_by_role("link", name=re.compile(re.escape(place["name"])))
    expect(link).to_have_attribute("href", place["url"])
    expect(reply.locator(".contact")).to_contain_text(body["contact"]["name"])  # the city's own contact stays


def test_suggestion_chip_asks_its_question(open_page, texts):
    page = open_page(DESKTOP)
    widget = Widget(page, texts)
    widget.open()
    reply, body = widget.ask(IN_SCOPE)
    assert body["suggestions"], f"expected related questions for {IN_SCOPE!r}:\n{dump(body)}"
    first, first_id = body["suggestions"][0]["question"], body["suggestions"][0]["id"]
    chip = reply.get_by_role("button", name=first, exact=True)
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as response:
        chip.click()
    # The chip carries its FAQ, and the conversation's subject (the answer it was offered under) as always.
    assert response.value.request.post_data_json == {"message": first, "lang": "ja", "faq_id": first_id,
                                                      "previous_faq_id": body["faq"]["id"]}
    chosen = response.value.json()
    assert chosen["type"] == "answer" and chosen["faq"]["id"] == first_id
    expect(widget.host.locator(".msg.user").last).to_contain_text(first)
    expect(widget.replies).to_have_count(2)
    expect(widget.input).to_be_focused()


def test_a_follow_up_keeps_the_subject_until_the_citizen_starts_over(open_page, texts):
    page = open_page(DESKTOP)
    widget = Widget(page, texts)
    widget.open()
    _, first = widget.ask("転入届を出したい", "answer")
    subject = widget.panel.get_by_text(texts["ja"]["subject"].format(question=first["subject"]["question"]))
    expect(subject).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as response:
        widget.input.fill("必要なものは？")
        widget.input.press("Enter")
    assert response.value.request.post_data_json["previous_faq_id"] == first["faq"]["id"]
    assert response.value.json()["faq"]["id"] == first["faq"]["id"], dump(response.value.json())

    widget.panel.get_by_role("button", name=texts["ja"]["subject_reset"], exact=True).click()
    expect(subject).to_be_hidden()
    expect(widget.input).to_be_focused()
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as response:
        widget.input.fill("必要なものは？")
        widget.input.press("Enter")
    assert "previous_faq_id" not in response.value.request.post_data_json


def test_after_a_fallback_asking_for_a_person_gets_the_same_office(open_page, texts):
    page = open_page(DESKTOP)
    widget = Widget(page, texts)
    widget.open()
    _, first = widget.ask("国保の保険料が高すぎる", "fallback")
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as response:
        widget.input.fill("人と話したい")
        widget.input.press("Enter")
    sent = response.value.request.post_data_json
    assert "previous_faq_id" not in sent and sent["previous_department"] == first["contact"]["department"]
    handoff = response.value.json()
    assert handoff["type"] == "handoff" and handoff["contact"]["department"] == first["contact"]["department"]


def test_small_talk_looks_like_the_bot_talking(open_page, texts):
    page = open_page(DESKTOP)
    widget = Widget(page, texts)
    widget.open()
    hello, body = widget.ask("こんにちは", "greeting")
    expect(hello).to_have_class(re.compile(r"\btalk\b"))
    expect(hello).to_contain_text(body["message"][:20])
    expect(hello.locator(".contact")).to_have_count(0)  # no apology, no switchboard
    expect(hello.get_by_text(texts["ja"]["popular"], exact=True)).to_be_visible()
    for choice in body["suggestions"]:
        expect(hello.get_by_role("button", name=choice["question"], exact=True)).to_be_visible()

    widget.ask(IN_SCOPE, "answer")
    thanks, _ = widget.ask("ありがとうございました！", "thanks")
    expect(thanks.get_by_text(texts["ja"]["feedback_last"])).to_be_visible()  # the answer was not rated yet
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")):
        thanks.get_by_role("button", name=texts["ja"]["helpful"], exact=True).click()
    expect(thanks).to_contain_text(texts["ja"]["thanks"])


def test_asking_for_a_person_shows_the_call_button_first(open_page, texts, screenshot):
    page = open_page(DESKTOP)
    widget = Widget(page, texts)
    widget.open()
    _, answer = widget.ask("児童手当の申請方法を教えて", "answer")
    reply, body = widget.ask("人と話したい", "handoff")
    assert body["contact"]["department"] == answer["faq"]["department"], dump(body)
    first = reply.locator(".bubble > :not(.sr-only)").first
    expect(first).to_have_class(re.compile(r"\bcontact\b"))
    expect(first.locator("a[href^='tel:']")).to_have_attribute("href", body["contact"]["tel_uri"])
    screenshot(page, "desktop-handoff")


def test_thumbs_up_sends_feedback_and_thanks(open_page, texts):
    page = open_page(DESKTOP)
    widget = Widget(page, texts)
    widget.open()
    reply, body = widget.ask(IN_SCOPE, "answer")
    up = reply.get_by_role("button", name=texts["ja"]["helpful"], exact=True)
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as response:
        up.click()
    assert response.value.status == 200, response.value.text()
    assert response.value.json().get("ok") is True
    sent = response.value.request.post_data_json
    assert sent["answer_id"] == body["answer_id"] and sent["helpful"] is True
    expect(reply).to_contain_text(texts["ja"]["thanks"])
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(reply.get_by_role("button", name=texts["ja"]["not_helpful"], exact=True)).to_have_attribute(
        "aria-pressed", "false")


def test_keyboard_only(open_page, texts):
    page = open_page(DESKTOP)
    widget = Widget(page, texts)
    # Tab through the host page to the launcher, then open it with Enter.
    launcher = tab_until(page, lambda a: "launcher" in a["cls"])
    assert launcher["outline"] != "none" and launcher["outlineWidth"] >= 2, launcher
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.input).to_be_focused()

    with page.expect_response(lambda r: r.url.endswith("/api/chat")):
        page.keyboard.type(IN_SCOPE)
        page.keyboard.press("Enter")
    expect(widget.replies).to_have_count(1)
    expect(widget.input).to_be_focused()

    # Tab (forwards) to a suggestion chip and activate it with Enter.
    chip = tab_until(page, lambda a: "chip" in a["cls"])
    assert chip["outline"] != "none", chip
    with page.expect_response(lambda r: r.url.endswith("/api/chat")):
        page.keyboard.press("Enter")
    expect(widget.replies).to_have_count(2)
    expect(widget.host.locator(".msg.user").last).to_have_text(re.compile(re.escape(chip["text"])))

    # Esc closes the panel and gives focus back to the launcher; Space opens it again.
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Space")
    expect(widget.panel).to_be_visible()
    expect(widget.input).to_be_focused()
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    expect(widget.replies).to_have_count(2)  # the conversation is kept


LANGUAGE_QUESTIONS = {"en": "How do I apply for a My Number card?", "zh": "我想加入国民健康保险，要带什么？",
                      "vi": "Tôi muốn đăng ký thẻ My Number thì làm thế nào?"}


@pytest.mark.parametrize("code", list(LANGUAGE_QUESTIONS))
def test_the_language_menu_changes_the_ui_and_the_replies(open_page, texts, screenshot, code):
    page = open_page(PHONE)
    widget = Widget(page, texts)
    widget.open()
    widget.panel.get_by_role("combobox", name=texts["ja"]["language"]).select_option(code)
    widget.use(code)
    expect(widget.send).to_be_visible()
    expect(widget.panel).to_have_attribute("lang", code)
    with page.expect_request(lambda r: r.url.endswith("/api/chat")) as request:
        reply, body = widget.ask(LANGUAGE_QUESTIONS[code])
    assert request.value.post_data_json["lang"] == code and body["lang"] == code
    assert body["type"] == "answer" and body["faq"]["lang"] == code  # the FAQ's own translation
    expect(reply).to_contain_text(messages.text("translation_notice", code))  # the Japanese page is official
    expect(reply.locator(".contact h3")).to_have_text(texts[code]["contact_heading"])  # the card in their language
    expect(widget.panel.get_by_role("button", name=texts[code]["furigana_label"])).to_be_hidden()
    if code != "en":  # the README shows Chinese and Vietnamese
        reply.scroll_into_view_if_needed()
        screenshot(page, f"phone-{code}")


# ------------------------------------------------------------ personal information


def test_my_number_warning_lets_user_edit_or_send(open_page, texts):
    page = open_page(DESKTOP)
    widget = Widget(page, texts)
    widget.open()
    chat_requests = []
    page.on("request", lambda r: chat_requests.append(r) if r.url.endswith("/api/chat") else None)

    message = "1234 5678 9012 の件"
    widget.input.fill(message)
    widget.input.press("Enter")
    alert = widget.panel.get_by_role("alert")
    expect(alert).to_contain_text(texts["ja"]["warn_mynumber"])
    edit = alert.get_by_role("button", name=texts["ja"]["warn_edit"])
    expect(edit).to_be_focused()
    assert chat_requests == []

    edit.click()
    expect(alert).to_be_hidden()
    expect(widget.input).to_be_focused()
    expect(widget.input).to_have_value(message)

    widget.input.press("Enter")
    expect(alert).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as response:
        alert.get_by_role("button", name=texts["ja"]["warn_send"]).click()
    assert response.value.request.post_data_json["message"] == message
    expect(alert).to_be_hidden()
    expect(widget.replies).to_have_count(1)


def test_personal_information_detection(open_page):
    page = open_page(DESKTOP)
    page.wait_for_function("() => window.YotsukaidoChatbot")
    cases = {
        "1234 5678 9012 の件": "mynumber",
        "123456789012": "mynumber",
        "１２３４－５６７８－９０１２です": "mynumber",
        "番号は1234-5678-9012": "mynumber",
        "電話は090-1234-5678です": "phone",
        "０４３（４２１）２１１１": "phone",
        "+81 90 1234 5678": "phone",
        "マイナンバーカードの申請方法は？": None,
        "2026年11月24日の受付時間": None,
        "郵便番号 284-8555": None,
        "1234567890123456 のカード": None,
        # Groups joined by . / , _ ~ (and in kanji): warn when the digits prove a phone or My Number.
        "090.1111.0012": "phone",
        "090/1111/0012": "phone",
        "090,1111,0012": "phone",
        "090_1111_0012": "phone",
        "０９０～１１１１～００１２": "phone",
        "090〜1111〜0012": "phone",
        "6789.0123.4562": "mynumber",
        "6789/0123/4562": "mynumber",
        "〇九〇の一一一一の〇〇一五": "phone",
        "電話は〇九〇ー一一一一ー〇〇一五": "phone",
        "2026.11.24の受付": None,
        "12/24は休み？": None,
        "2026/11/04～2026/11/10の休館日": None,  # 16 digits: two dates
        "2024,2025,2026年度": None,  # 12 digits without a valid check digit
        "予算は200,000,000,000円": None,  # a valid check digit, but grouped as an amount
        "手数料は1,000円": None,
        "バージョン1.2.3": None,
        "一人暮らしの転入届": None,
        # E-mail addresses in any script, and a spelled-out "at".
        "taro.yamada@example.jp": "email",
        "たろう@example.jpまで": "email",
        "rokuro@例え.jp": "email",
        "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ": "email",
        "taro at example dot jp": "email",
        "taro(at)example.jp": "email",
        "taro [at] example.jp": "email",
        "taro @ example.jp": "email",
        "Is the office at the city hall?": None,
        "I looked at city.yotsukaido.chiba.jp": None,
        "1個@100円です": None,
    }
    got = page.evaluate("cases => Object.fromEntries(cases.map(c => [c, window.YotsukaidoChatbot"
                        "._personalInfoKind(c)]))", list(cases))
    assert got == cases


def test_data_attributes_configure_the_widget(open_page, texts, server_url):
    page = open_page(DESKTOP)
    attributes = ('data-city="四街道市" data-color="#ffcc00" data-position="left" data-lang="en" '
                  'data-greeting-en="Hello from the test page"')

    def with_attributes(route):
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace('data-city="四街道市" defer',
                                                                       attributes + " defer"))

    page.route(server_url + "/", with_attributes)
    page.reload()
    widget = Widget(page, texts, lang="en")
    expect(widget.launcher).to_be_visible()
    box = widget.launcher.bounding_box()
    assert box and box["x"] < DESKTOP["width"] / 2, box
    colours = widget.launcher.evaluate("el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]")
    # A light primary colour gets dark text so the contrast stays above 4.5:1.
    assert colours == ["rgb(255, 204, 0)", "rgb(26, 26, 26)"], colours
    widget.open()
    expect(widget.panel).to_contain_text("Hello from the test page")
    expect(widget.panel).to_have_attribute("lang", "en")


# ---------------------------------------------------------------- errors and safety


def test_errors_are_shown_with_the_servers_text(open_page, texts, server_url):
    page = open_page(DESKTOP)
    widget = Widget(page, texts)
    widget.open()
    texts_by_lang = {"ja": "しばらく待ってから送ってください。", "en": "Slow down."}
    error = {"error": {"code": "rate_limited", "messages": texts_by_lang}}
    page.route(server_url + "/api/chat", lambda route: route.fulfill(
        status=429, content_type="application/json", body=json.dumps(error)))
    widget.input.fill(IN_SCOPE)
    widget.input.press("Enter")
    failed = widget.host.locator(".msg.bot.error").last
    expect(failed).to_contain_text(texts_by_lang["ja"])

    page.unroute(server_url + "/api/chat")
    page.route(server_url + "/api/chat", lambda route: route.abort("connectionrefused"))
    widget.input.fill(IN_SCOPE)
    widget.input.press("Enter")
    expect(widget.host.locator(".msg.bot.error")).to_have_count(2)
    expect(widget.host.locator(".msg.bot.error").last).to_contain_text(texts["ja"]["error_network"])

    # "Try again" resends the question once the server is reachable again.
    page.unroute(server_url + "/api/chat")
    with page.expect_response(lambda r: r.url.endswith("/api/chat")):
        widget.host.locator(".msg.bot.error").last.get_by_role("button", name=texts["ja"]["retry"]).click()
    expect(widget.replies).to_have_count(1)
    expect(widget.host.locator(".msg.bot.error")).to_have_count(1)


def test_markdown_is_rendered_safely(open_page, texts, server_url):
    page = open_page(DESKTOP)
    widget = Widget(page, texts)
    widget.open()
    answer = ("<img src=x onerror=\"window.pwned=1\"> **太字** です。\n\n"
              "- 一つ目\n- [公式](https://example.org/a?b=1&c=2)\n"
              "- [危険](javascript:window.pwned=2) と [data](data:text/html,x)\n\n"
              "<script>window.pwned=3</script>")
    reply_json = {
        "answer_id": "00000000-0000-4000-8000-000000000000", "type": "answer", "lang": "ja",
        "message": "", "confidence": 0.9, "suggestions": [], "contact": None, "online": [],
        "faq": {"id": "x", "question": "<b>質問</b>", "answer": answer, "url": "javascript:alert(1)",
                "category": "c", "department": "d", "tags": [], "updated": "2026-11-01"},
    }
    page.route(server_url + "/api/chat", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(reply_json, ensure_ascii=False)))
    reply, _ = widget.ask("テスト")
    expect(reply.locator("strong")).to_have_text("太字")
    expect(reply.locator("li")).to_have_count(3)
    expect(reply).to_contain_text('<img src=x onerror="window.pwned=1">')
    expect(reply).to_contain_text("<b>質問</b>")
    assert reply.locator("img, script, b").count() == 0
    links = reply.locator("a")
    expect(links).to_have_count(1)  # only the https link; javascript:/data: and faq.url dropped
    expect(links.first).to_have_attribute("href", "https://example.org/a?b=1&c=2")
    expect(links.first).to_have_attribute("rel", "noopener noreferrer")
    assert page.evaluate("() => window.pwned") is None


# ------------------------------------------------------------- isolation, a11y, layout


def test_host_page_css_cannot_break_the_widget(open_page, texts):
    page = open_page(DESKTOP, bypass_csp=True)
    page.add_style_tag(content="""
        body * { color: red !important; display: none; font-size: 40px !important;
                 background: yellow !important; position: static !important; }
        div, button, textarea { all: unset !important; }
        main, header, footer { display: block; }
    """)
    widget = Widget(page, texts)
    expect(widget.launcher).to_be_visible()
    box = widget.launcher.bounding_box()
    assert box and box["x"] + box["width"] <= DESKTOP["width"] and box["y"] + box["height"] <= DESKTOP["height"]
    widget.open()
    reply, _ = widget.ask(IN_SCOPE, "answer")
    style = reply.locator(".bubble").evaluate(
        "el => { const s = getComputedStyle(el); return [s.color, s.fontSize, s.backgroundColor]; }")
    assert style[0] != "rgb(255, 0, 0)" and style[2] != "rgb(255, 255, 0)", style
    assert float(style[1].removesuffix("px")) < 24, style
    expect(widget.send).to_be_visible()


def test_axe_finds_no_serious_violations(open_page, texts, axe_source):
    page = open_page(DESKTOP, bypass_csp=True)  # axe is injected as an inline script
    widget = Widget(page, texts)
    widget.open()
    widget.ask(IN_SCOPE)
    widget.ask(OUT_OF_SCOPE)  # both kinds of reply are in the page when axe runs
    page.add_script_tag(path=str(axe_source))
    menu = widget.panel.get_by_role("combobox", name=texts["ja"]["language"])
    for code in texts:  # every language of the menu, each with a reply in it on the page
        if code != "ja":
            menu.select_option(code)
            widget.use(code)
            menu = widget.panel.get_by_role("combobox", name=texts[code]["language"])
            widget.ask(LANGUAGE_QUESTIONS.get(code, OUT_OF_SCOPE))
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.slice(0, 3).map(n => n.target)}));
        }""")
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        assert not bad, f"{code}: {dump(bad)}"


@pytest.mark.parametrize("viewport", [
    pytest.param({"width": 320, "height": 640}, id="320px"),
    # 1280 x 800 at 200 % zoom lays out like 640 x 400 CSS pixels.
    pytest.param({"width": 640, "height": 400, "device_scale_factor": 2}, id="zoom200"),
])
def test_narrow_and_zoomed_screens(open_page, texts, viewport):
    size = {"width": viewport["width"], "height": viewport["height"]}
    page = open_page(size, device_scale_factor=viewport.get("device_scale_factor", 1))
    widget = Widget(page, texts)
    widget.open()
    widget.ask(OUT_OF_SCOPE)
    panel = widget.panel.bounding_box()
    assert panel and panel["x"] >= 0 and panel["x"] + panel["width"] <= size["width"] + 0.5, panel
    send = widget.send.bounding_box()
    assert send and send["x"] + send["width"] <= size["width"] and send["y"] + send["height"] <= size["height"]
    overflow = page.evaluate("""() => {
        const root = document.getElementById('yotsukaido-chatbot').shadowRoot;
        const log = root.querySelector('.log');
        return {page: document.documentElement.scrollWidth - window.innerWidth,
                log: log.scrollWidth - log.clientWidth};
    }""")
    assert overflow["page"] <= 0 and overflow["log"] <= 0, overflow
    expect(widget.panel).to_have_attribute("aria-modal", "true")


def test_phone_screenshots(open_page, texts, screenshot):
    page = open_page(PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    widget = Widget(page, texts)
    screenshot(page, "phone-closed")
    widget.open()
    answer, _ = widget.ask(IN_SCOPE, "answer")
    answer.locator(".source").scroll_into_view_if_needed()
    screenshot(page, "phone-answer")
    fallback, _ = widget.ask(OUT_OF_SCOPE, "fallback")
    fallback.locator(".contact a[href^='tel:']").scroll_into_view_if_needed()
    screenshot(page, "phone-fallback")


def test_demo_page_documents_the_embed(open_page, server_url):
    page = open_page(DESKTOP)
    snippet = page.locator("pre code").first.inner_text()
    # The server is named by CHATBOT_PUBLIC_URL, never by the Host header; unset (the test server), it is relative
    # and the page says which setting fills it in.
    embed = re.fullmatch(r'<script src="(https?://[^/"]+)?/widget\.js" data-city="四街道市" defer></script>', snippet)
    assert embed, snippet
    if embed[1] is None:
        expect(page.locator("#embed")).to_contain_text("CHATBOT_PUBLIC_URL")
    for attribute in ("data-city", "data-color", "data-greeting", "data-lang", "data-position"):
        expect(page.locator("#attributes")).to_contain_text(attribute)
    response = page.request.get(server_url + "/")
    assert "script-src 'self'" in response.headers.get("content-security-policy", "")
    forged = page.request.get(server_url + "/", headers={"Host": "evil.example"})
    assert forged.ok and "evil.example" not in forged.text()


def test_furigana_puts_readings_over_kanji_on_a_320px_phone(open_page, texts, screenshot):
    page = open_page({"width": 320, "height": 640})
    widget = Widget(page, texts)
    widget.open()
    toggle = widget.panel.get_by_role("button", name=texts["ja"]["furigana_label"])
    expect(toggle).to_have_attribute("aria-pressed", "false")
    plain, body = widget.ask(IN_SCOPE, "answer")
    assert "<ruby>" not in dump(body)
    expect(plain.locator("ruby")).to_have_count(0)

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    with page.expect_request(lambda r: r.url.endswith("/api/chat")) as sent:
        reply, body = widget.ask(IN_SCOPE, "answer")
    assert sent.value.post_data_json["furigana"] is True
    readings = reply.evaluate("""row => [...row.querySelectorAll('ruby')].map(r => [r.firstChild.textContent,
        r.querySelector('rt').textContent, getComputedStyle(r.querySelector('rt')).display])""")
    assert ["申請", "しんせい"] in [[base, rt] for base, rt, _ in readings], readings
    assert all(shown != "none" for _, _, shown in readings)
    expect(reply.locator(".contact .name ruby").first).to_be_visible()  # the office's name too
    expect(reply).not_to_contain_text("<ruby>")
    overflow = page.evaluate("""() => {
        const log = document.getElementById('yotsukaido-chatbot').shadowRoot.querySelector('.log');
        return {page: document.documentElement.scrollWidth - window.innerWidth, log: log.scrollWidth - log.clientWidth};
    }""")
    assert overflow["page"] <= 0 and overflow["log"] <= 0, overflow
    reply.locator(".md").first.scroll_into_view_if_needed()
    screenshot(page, "phone-furigana")

    toggle.click()  # off: the readings already shown are hidden at once
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert reply.evaluate("row => getComputedStyle(row.querySelector('rt')).display") == "none"


# The browser's own speech engine has no voices in headless Chromium: this stands in for one Japanese voice
# and records what the widget asks it to say (the widget itself runs unchanged).
ONE_JAPANESE_VOICE = """
window.__spoken = [];
speechSynthesis.getVoices = () => [{lang: 'ja-JP', name: 'test voice', localService: true, default: true}];
speechSynthesis.speak = (u) => window.__spoken.push({lang: u.lang, text: u.text});
"""


def test_read_aloud_speaks_the_answer_in_its_language_with_phone_numbers_as_digits(open_page, texts):
    page = open_page(DESKTOP)
    page.add_init_script(ONE_JAPANESE_VOICE)
    page.reload()
    widget = Widget(page, texts)
    widget.open()
    reply, body = widget.ask("市役所の開庁時間は？", "answer")
    speak = reply.get_by_role("button", name=texts["ja"]["speak"])
    expect(speak).to_be_visible()
    speak.click()
    expect(speak).to_have_attribute("aria-pressed", "true")
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1 and spoken[0]["lang"] == "ja-JP", spoken
    said = spoken[0]["text"]
    assert said.splitlines()[0] in body["faq"]["answer"].replace("**", "") and "**" not in said and "http" not in said
    for phone in re.findall(r"\d{2,5}(?:-\d{1,4}){1,3}", body["faq"]["answer"]):
        assert phone not in said and " ".join(phone.split("-")[0]) in said  # 043 as "0 4 3"
    speak.click()  # a second press stops it
    expect(speak).to_have_attribute("aria-pressed", "false")

    widget.panel.get_by_role("button", name=texts["ja"]["furigana_label"]).click()
    marked, _ = widget.ask("住民票の写しがほしい", "answer")
    marked.get_by_role("button", name=texts["ja"]["speak"]).click()
    assert "じゅうみんひょう" not in page.evaluate("window.__spoken")[-1]["text"]  # the voice reads the kanji


def test_no_read_aloud_button_without_a_voice_for_the_language(open_page, texts):
    page = open_page(DESKTOP)  # headless Chromium: no voices at all
    widget = Widget(page, texts)
    widget.open()
    reply, _ = widget.ask(IN_SCOPE, "answer")
    expect(reply.locator("button.speak")).to_be_hidden()
