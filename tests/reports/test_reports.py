"""Staff reports over a real SQLite conversation log and the real knowledge base."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import uuid
from collections import Counter
from pathlib import Path

import pytest

from chatbot.core.settings import Settings
from chatbot.knowledge import KnowledgeBase, load_knowledge
from chatbot.knowledge.hours import TOKYO
from chatbot.reports.build import Report, build_report
from chatbot.reports.drafts import draft_faqs
from chatbot.reports.groups import QuestionGroup, group_department
from chatbot.reports.guess import index_guess
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
        log.record_turn(turn(i % 6, question))
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
    (group,) = week.unhelpful
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
    assert (week.helpful, week.not_helpful) == (2, 2)
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
    drafts = run(*paths, dt.timedelta(days=7), "html", None, tmp_path / "faq", now=NOW).drafts
    assert len(drafts) == 2 and all(p.parent == tmp_path / "faq" / "drafts" for p in drafts)


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
