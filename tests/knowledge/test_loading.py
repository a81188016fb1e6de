"""Loader and validator: every error kind is reported with its file and line, all at once."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from chatbot.cli import main
from chatbot.knowledge import load_knowledge
from chatbot.search.versions import documents
from tests.helpers import REPO

GOOD = """---
id: {id}
question: {question}
alt_questions:
  - 言い換えその一
  - 言い換えその二
category: test
department: shimin
tags: [テスト]
url: https://www.city.yotsukaido.chiba.jp/
updated: 2026-11-20
status: published
---
回答です。
"""


@pytest.fixture()
def kb_dir(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    (root / "faq" / "test").mkdir(parents=True)
    shutil.copy(REPO / "knowledge" / "departments.yaml", root / "departments.yaml")
    write(root, "good-one", GOOD.format(id="good-one", question="良い質問ですか？"))
    return root


def write(root: Path, name: str, text: str | bytes) -> Path:
    path = root / "faq" / "test" / f"{name}.md"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def codes(problems: list) -> dict[tuple[str, str], int]:
    return {(p.path.name, p.code): p.line for p in problems}


def test_good_file_loads_clean(kb_dir: Path) -> None:
    kb, problems = load_knowledge(kb_dir)
    assert problems == []
    faq = kb.faq("good-one")
    assert faq is not None and faq.answer == "回答です。" and faq.alt_questions == ("言い換えその一", "言い換えその二")


BROKEN = {
    "yaml_error": (GOOD.format(id="yaml-error", question="壊れた YAML").replace("tags: [テスト]", "tags: [テスト"), 9),
    "missing_field": (GOOD.format(id="missing-field", question="項目なし").replace("department: shimin\n", ""), 1),
    "unknown_field": (GOOD.format(id="unknown-field", question="未知の項目").replace("status:", "colour: red\nstatus:"),
                      12),
    "unknown_department": (GOOD.format(id="unknown-department", question="知らない課").replace("shimin", "nokey"), 8),
    "empty_answer": (GOOD.format(id="empty-answer", question="空の回答").replace("回答です。\n", "\n"), 14),
    "bad_url": (GOOD.format(id="bad-url", question="悪いURL").replace("https://www.city.yotsukaido.chiba.jp/",
                                                                      "www.example"), 10),
    "bad_status": (GOOD.format(id="bad-status", question="悪い状態").replace("status: published", "status: live"), 12),
    "bad_date": (GOOD.format(id="bad-date", question="悪い日付").replace("2026-11-20", "令和8年"), 11),
    "no_front_matter": ("回答だけのファイル\n", 1),
    "duplicate_question": (GOOD.format(id="zz-duplicate-question", question="良い質問ですか?"), 3),
    "id_filename_mismatch": (GOOD.format(id="other-name", question="名前違い"), 2),
}


@pytest.mark.parametrize("code", sorted(BROKEN))
def test_each_error_kind_is_located(kb_dir: Path, code: str) -> None:
    text, line = BROKEN[code]
    name = "zz-" + code.replace("_", "-")
    write(kb_dir, name, text)
    _, problems = load_knowledge(kb_dir)
    found = codes(problems)
    assert found.get((f"{name}.md", code)) == line, problems
    assert all(p.text("ja") and p.text("en") for p in problems)


def test_non_utf8_file_is_reported_and_others_still_load(kb_dir: Path) -> None:
    write(kb_dir, "shift-jis", GOOD.format(id="shift-jis", question="文字コード").encode("shift_jis"))
    kb, problems = load_knowledge(kb_dir)
    assert ("shift-jis.md", "non_utf8") in codes(problems)
    assert kb.faq("good-one") is not None


def test_warnings_do_not_fail(kb_dir: Path) -> None:
    text = GOOD.format(id="warn", question="警告だけ").replace("  - 言い換えその二\n", "")
    write(kb_dir, "warn", text.replace("category: test", "category: other"))
    result = CliRunner().invoke(main, ["validate", str(kb_dir)])
    assert result.exit_code == 0, result.output
    assert "few_alt_questions" not in result.output  # codes are internal; messages are human text
    assert "warn.md:4: warning" in result.output and "warn.md:6: warning" in result.output


def test_cli_reports_every_broken_file_with_file_and_line(kb_dir: Path) -> None:
    for code, (text, _) in BROKEN.items():
        write(kb_dir, "zz-" + code.replace("_", "-"), text)
    result = CliRunner().invoke(main, ["validate", str(kb_dir)])
    assert result.exit_code == 1
    for code, (_, line) in BROKEN.items():
        assert f"zz-{code.replace('_', '-')}.md:{line}: error" in result.output, code


def test_broken_departments_yaml_is_located(kb_dir: Path) -> None:
    text = (kb_dir / "departments.yaml").read_text(encoding="utf-8")
    (kb_dir / "departments.yaml").write_text(text.replace('mon: "08:30-17:15"', 'mon: "8時半から"'), encoding="utf-8")
    _, problems = load_knowledge(kb_dir)
    assert [(p.code, p.line) for p in problems if p.path.name == "departments.yaml"][0][0] == "bad_hours"


def test_bundled_knowledge_base_validates_clean() -> None:
    result = CliRunner().invoke(main, ["validate", str(REPO / "knowledge")])
    assert result.exit_code == 0, result.output
    assert "エラー 0 件" in result.output


def set_topics(kb_dir: Path, topics: dict[str, str]) -> list[str]:
    """departments.yaml with these ``topics:`` values (YAML text) only; returns its lines."""
    path = kb_dir / "departments.yaml"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("    topics:")]
    for key, value in topics.items():
        lines.insert(lines.index(f"  {key}:") + 1, f"    topics: {value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def test_department_topics_are_validated_with_their_line(kb_dir: Path) -> None:
    lines = set_topics(kb_dir, {"shimin": "出生届", "kosodate": "[学童保育, 住民票]"})  # shimin's is not a list
    _, problems = load_knowledge(kb_dir)
    found = [(p.code, p.severity, p.line) for p in problems if p.path.name == "departments.yaml"]
    assert found == [("bad_topics", "error", lines.index("  shimin:") + 1)]


def test_a_topic_claimed_twice_stays_with_the_first_department(kb_dir: Path) -> None:
    set_topics(kb_dir, {"shimin": "[出生届, 住民票]", "kosodate": "[学童保育, 住民票]"})
    kb, problems = load_knowledge(kb_dir)
    assert [(p.code, p.severity) for p in problems if p.path.name == "departments.yaml"] == [
        ("duplicate_topic", "warning")]
    assert kb.departments["shimin"].topics == ("出生届", "住民票")
    assert kb.departments["kosodate"].topics == ("学童保育",)


TRANSLATED = GOOD.replace("status: published\n", """status: published
i18n:
  en:
    updated: 2026-11-20
    question: Is this a good question?
    answer: It is.
""")


def test_translations_are_keyed_by_language_code(kb_dir: Path) -> None:
    write(kb_dir, "good-one", TRANSLATED.format(id="good-one", question="良い質問ですか？"))
    kb, problems = load_knowledge(kb_dir)
    faq = kb.faq("good-one")
    assert problems == [] and faq is not None
    assert faq.text("en")[1].question == "Is this a good question?" and faq.to_dict("en")["lang"] == "en"
    assert faq.to_dict("ja")["question"] == "良い質問ですか？"


def test_a_translation_may_bring_its_own_alt_questions(kb_dir: Path) -> None:
    alts = "    alt_questions:\n      - good question?\n      - is it good\n"
    write(kb_dir, "good-one", TRANSLATED.replace("    answer:", alts + "    answer:", 1)
          .format(id="good-one", question="良い質問ですか？"))
    write(kb_dir, "scalar", TRANSLATED.replace("    answer:", "    alt_questions: just one\n    answer:", 1)
          .format(id="scalar", question="一つだけですか？"))
    kb, problems = load_knowledge(kb_dir)
    assert codes(problems) == {("scalar.md", "bad_type"): 14}  # the block's own line
    assert kb.faq("good-one").translations["en"].alt_questions == ("good question?", "is it good")
    doc = next(d for d in documents(kb) if d.id == "good-one")
    assert {"good question?", "is it good", "Is this a good question?"} <= set(doc.alt_questions)


def test_the_old_en_block_is_explained_with_its_line(kb_dir: Path) -> None:
    old = GOOD.replace("status: published\n", "status: published\nen:\n  question: Q?\n  answer: A.\n")
    write(kb_dir, "old-shape", old.format(id="old-shape", question="古い形の質問ですか？"))
    _, problems = load_knowledge(kb_dir)
    assert codes(problems) == {("old-shape.md", "old_translation_field"): 13}
    assert "i18n:" in problems[0].text("ja") and "i18n:" in problems[0].text("en")


def test_an_unknown_language_code_is_an_error(kb_dir: Path) -> None:
    write(kb_dir, "klingon", TRANSLATED.replace("  en:", "  tlh:").format(id="klingon", question="未知の言語ですか？"))
    write(kb_dir, "half", TRANSLATED.replace("    answer: It is.\n", "").format(id="half", question="半分ですか？"))
    _, problems = load_knowledge(kb_dir)
    assert codes(problems) == {("klingon.md", "unknown_language"): 14, ("half.md", "bad_type"): 14}


def test_a_translation_older_than_the_japanese_or_undated_is_flagged_and_still_served(kb_dir: Path) -> None:
    write(kb_dir, "older", TRANSLATED.replace("    updated: 2026-11-20", "    updated: 2026-10-01")
          .format(id="older", question="古い翻訳ですか？"))
    write(kb_dir, "undated", TRANSLATED.replace("    updated: 2026-11-20\n", "")
          .format(id="undated", question="日付のない翻訳ですか？"))
    write(kb_dir, "bad-date", TRANSLATED.replace("    updated: 2026-11-20", "    updated: someday")
          .format(id="bad-date", question="日付が読めない翻訳ですか？"))
    kb, problems = load_knowledge(kb_dir)
    assert codes(problems) == {("older.md", "translation_outdated"): 14, ("undated.md", "translation_undated"): 14,
                               ("bad-date.md", "bad_date"): 14}
    assert kb.faq("older").text("en")[0] == "en" and kb.faq("undated").text("en")[0] == "en"
    assert "2026-10-01" in problems[0].format() or "2026-10-01" in problems[1].format()


@pytest.mark.parametrize(("answer", "missing", "extra"), [
    ("Call 043-421-2111 on weekdays.", "-", "-"),  # nothing dropped, nothing added
    ("Call the city hall.", "043-421-2111, 2111, 421, 43", "-"),  # the phone number dropped
    ("Call 043-421-2111; the fee is 300 yen.", "-", "300"),  # a fee the Japanese never gave
    ("Call 043-421-2111 before 17:15.", "-", "15, 17"),
])
def test_a_translation_must_keep_the_numbers_and_urls_of_the_japanese(kb_dir: Path, answer: str, missing: str,
                                                                      extra: str) -> None:
    faq = TRANSLATED.replace("    answer: It is.", f"    answer: {answer}")
    faq = faq.replace("回答です。", "電話 043-421-2111 へ。")
    write(kb_dir, "numbers", faq.format(id="numbers", question="番号は同じですか？"))
    _, problems = load_knowledge(kb_dir)
    found = [p for p in problems if p.code == "translation_literals"]
    if missing == extra == "-":
        assert found == []
    else:
        assert [(p.line, p.values["missing"], p.values["extra"]) for p in found] == [(14, missing, extra)]


def test_a_departments_old_name_en_is_explained(kb_dir: Path) -> None:
    path = kb_dir / "departments.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"    i18n:\n      en:\n        name: Citizens Division\n(?:      .*\n)*",
                           "    name_en: Citizens Division\n", text, count=1), encoding="utf-8")
    kb, problems = load_knowledge(kb_dir)
    assert [(p.code, p.values["value"]) for p in problems] == [("old_department_name", "shimin")]
    assert problems[0].line == text.splitlines().index("  shimin:") + 1


def age(path: Path, seconds_ago: int) -> Path:
    """Set a file's modification time, as if staff had saved it that long ago."""
    when = time.time() - seconds_ago
    os.utime(path, (when, when))
    return path


def test_a_duplicate_id_is_reported_on_the_newer_file(kb_dir: Path) -> None:
    age(kb_dir / "faq" / "test" / "good-one.md", 3600)
    copy = kb_dir / "faq" / "aaa" / "good-one.md"  # sorts first, but was saved later
    copy.parent.mkdir()
    copy.write_text(GOOD.format(id="good-one", question="写した質問ですか？").replace("test", "aaa"), encoding="utf-8")
    kb, problems = load_knowledge(kb_dir)
    (problem,) = problems
    assert (problem.path, problem.line, problem.code) == (copy, 2, "duplicate_id")
    assert str(kb_dir / "faq" / "test" / "good-one.md") in problem.text("ja")
    assert kb.faq("good-one").question == "良い質問ですか？"  # type: ignore[union-attr]


def test_a_duplicate_question_is_reported_on_the_newer_file_or_else_the_later_name(kb_dir: Path) -> None:
    original = age(kb_dir / "faq" / "test" / "good-one.md", 3600)
    copy = write(kb_dir, "aa-copy", GOOD.format(id="aa-copy", question="良い質問ですか"))
    kb, problems = load_knowledge(kb_dir)
    assert [(p.path, p.line, p.code, p.values["other"]) for p in problems] == [
        (copy, 3, "duplicate_question", original)]
    assert [f.id for f in kb.faqs] == ["good-one"]
    age(copy, 3600)  # the same time (a copy that kept its original's): the name sorting later is reported
    age(original, 3600)
    _, problems = load_knowledge(kb_dir)
    assert [(p.path, p.values["other"]) for p in problems] == [(original, copy)]


SLIPS = {
    # name: (replace this, with this, expected code, line, column)
    "tab-indent": ("  - 言い換えその一", "\t- 言い換えその一", "yaml_tab", 5, 1),
    "tab-after-colon": ("category: test", "category:\ttest", "yaml_tab", 7, 10),
    "fullwidth-indent": ("  - 言い換えその二", "\u3000- 言い換えその二", "yaml_fullwidth_space", 6, 1),
    "fullwidth-after-colon": ("status: published", "status:\u3000published", "yaml_fullwidth_space", 12, 8),
    "fullwidth-before-key": ("status: published", "\u3000status: published", "yaml_fullwidth_space", 12, 1),
    "fullwidth-colon": ("department: shimin", "department： shimin", "yaml_fullwidth_colon", 8, 11),
    "fullwidth-colon-first-key": ("id: {id}", "id：{id}", "yaml_fullwidth_colon", 2, 3),
    "fullwidth-colon-last-key": ("status: published", "status：published", "yaml_fullwidth_colon", 12, 7),
}


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_yaml_slips_are_explained_with_line_and_column(kb_dir: Path, name: str) -> None:
    old, new, code, line, column = SLIPS[name]
    write(kb_dir, name, GOOD.replace(old, new).format(id=name, question=f"{name} の質問"))
    kb, problems = load_knowledge(kb_dir)
    assert [(p.code, p.line, p.values["column"]) for p in problems] == [(code, line, column)]
    assert f"{column} 文字目" in problems[0].text("ja") and f"column {column}" in problems[0].text("en")
    assert kb.faq(name) is None  # repaired only to check the rest: the file is still in error


def test_a_slip_does_not_hide_the_files_other_problems(kb_dir: Path) -> None:
    tab = GOOD.replace("  - 言い換えその一", "\t- 言い換えその一").replace("回答です。\n", "")
    write(kb_dir, "tab", tab.format(id="tab", question="タブの質問"))
    colon = GOOD.replace("department: shimin", "department：nokey").replace("status: published", "status: live")
    write(kb_dir, "colon", colon.format(id="colon", question="コロンの質問"))
    write(kb_dir, "elsewhere", GOOD.format(id="elsewhere", question="別の質問").replace("shimin", "nokey"))
    _, problems = load_knowledge(kb_dir)
    assert sorted((p.path.name, p.line, p.code) for p in problems) == [
        ("colon.md", 8, "unknown_department"), ("colon.md", 8, "yaml_fullwidth_colon"), ("colon.md", 12, "bad_status"),
        ("elsewhere.md", 8, "unknown_department"),
        ("tab.md", 5, "yaml_tab"), ("tab.md", 14, "empty_answer")]


def test_an_unexplained_yaml_error_keeps_the_parsers_words_and_still_checks_the_body(kb_dir: Path) -> None:
    text = GOOD.replace("tags: [テスト]", 'tags: [テスト, "a\tb"').replace("回答です。\n", "")
    write(kb_dir, "broken", text.format(id="broken", question="壊れた質問"))
    _, problems = load_knowledge(kb_dir)
    assert [(p.code, p.line) for p in problems] == [("yaml_error", 9), ("empty_answer", 14)]
    assert "YAML" in problems[0].text("ja") and problems[0].values["detail"]


def test_a_tab_in_departments_yaml_is_one_error_not_one_per_faq(kb_dir: Path) -> None:
    path = kb_dir / "departments.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index("  shimin:") + 1
    lines[at] = "\t" + lines[at].lstrip(" ")
    path.write_text("\n".join(lines), encoding="utf-8")
    kb, problems = load_knowledge(kb_dir)
    assert [(p.path.name, p.code, p.line) for p in problems] == [("departments.yaml", "yaml_tab", at + 1)]
    assert "shimin" in kb.departments and kb.faq("good-one") is not None


def test_organisations_elsewhere_load_and_are_checked(kb_dir: Path) -> None:
    path = kb_dir / "departments.yaml"
    text = path.read_text(encoding="utf-8")
    section = """elsewhere:
  zeimusho:
    name: 税務署
    i18n:
      en: {name: the tax office}
    url: https://www.nta.go.jp/
    topics: [相続税, 住民票]
  shimin:
    name: a department's key
  police:
    name: 警察
    phone: "110"
"""
    lines = (text[:text.index("\nelsewhere:\n") + 1] + section).splitlines()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kb, problems = load_knowledge(kb_dir)
    found = [(p.code, p.severity, p.line) for p in problems if p.path.name == "departments.yaml"]
    zeimusho, police = lines.index("  zeimusho:") + 1, lines.index("  police:") + 1
    assert ("duplicate_topic", "warning", zeimusho) in found  # 住民票 stays with 市民課
    assert ("unknown_field", "error", police) in found  # no phone is kept for another organisation
    assert [code for code, _, _ in found].count("bad_elsewhere") == 1  # shimin is a department's key
    place = kb.elsewhere["zeimusho"]
    assert (place.topics, place.url, place.name_in("en")) == (("相続税",), "https://www.nta.go.jp/", "the tax office")
    assert "shimin" not in kb.elsewhere and "police" in kb.elsewhere
