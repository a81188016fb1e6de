"""Furigana: readings over kanji words only, aligned around their kana, URLs and counters left bare."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chatbot.knowledge import load_knowledge
from chatbot.text.ruby import KANJI, furigana, strip
from tests.helpers import REPO


def ruby(base: str, reading: str) -> str:
    return f"<ruby>{base}<rt>{reading}</rt></ruby>"


@pytest.mark.parametrize(("word", "reading"), [("住民票", "じゅうみんひょう"), ("市役所", "しやくしょ"),
                                               ("証明書", "しょうめいしょ"), ("四街道", "よつかいどう"),
                                               ("暗証番号", "あんしょうばんごう")])
def test_the_knowledge_bases_common_words_are_read_right(word: str, reading: str) -> None:
    assert ruby(word, reading) in furigana(f"{word}について")


def test_kana_between_kanji_stay_bare_and_only_kanji_get_readings() -> None:
    assert furigana("申し込みます") == f"{ruby('申', 'もう')}し{ruby('込', 'こ')}みます"
    assert furigana("マイナンバーカードの暗証番号、QRコード") == \
        f"マイナンバーカードの{ruby('暗証番号', 'あんしょうばんごう')}、QRコード"
    assert furigana("ひらがなだけ") == "ひらがなだけ"


def test_urls_link_targets_and_counters_after_numbers_are_left_as_they_are() -> None:
    text = "[市のページ](https://www.city.yotsukaido.chiba.jp/shimin/index.html)、https://例え.jp/市役所 は14日以内"
    marked = furigana(text)
    assert f"[{ruby('市', 'し')}のページ](https://www.city.yotsukaido.chiba.jp/shimin/index.html)" in marked
    assert "https://例え.jp/市役所" in marked and "14日" in marked and ruby("以内", "いない") in marked
    assert strip(marked) == text


def test_staff_readings_win_over_sudachi() -> None:
    assert ruby("四街道", "しがいどう") in furigana("四街道市", {"四街道": "しがいどう"})


def test_every_kanji_word_of_the_knowledge_base_gets_a_reading() -> None:
    """What staff would otherwise have to catch by eye: a word Sudachi cannot read needs knowledge/readings.yaml."""
    kb, _ = load_knowledge(REPO / "knowledge")
    unread: dict[str, str] = {}
    for faq in kb.published:
        for text in (faq.question, faq.answer):
            marked = furigana(text, kb.readings)
            assert strip(marked) == text
            bare = re.sub(r"<ruby>.*?</ruby>|\]\([^)]*\)|https?://\S+", "", marked)
            bare = re.sub(f"[0-9０-９][{KANJI}]", "", bare)  # counters are read with their number
            unread.update((word, faq.id) for word in re.findall(f"[{KANJI}]+", bare))
    assert unread == {}, f"add these to knowledge/readings.yaml: {unread}"


def test_a_reading_that_is_not_hiragana_is_an_error_with_its_line(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    (root / "faq").mkdir(parents=True)
    for name in ("departments.yaml", "synonyms.yaml", "closures.yaml"):
        (root / name).write_text((REPO / "knowledge" / name).read_text(encoding="utf-8"), encoding="utf-8")
    (root / "readings.yaml").write_text("四街道: よつかいどう\n市役所: シヤクショ\n", encoding="utf-8")
    kb, problems = load_knowledge(root)
    errors = [p for p in problems if p.severity == "error" and p.path.name == "readings.yaml"]
    assert [(p.line, "市役所" in p.format()) for p in errors] == [(2, True)]
    assert kb.readings == {"四街道": "よつかいどう"}
