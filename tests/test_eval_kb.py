"""The demand-side scoring of scripts/eval_kb.py: what counts as a right answer, covered, routed, helped."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

from chatbot.knowledge import FAQ, Department
from chatbot.serving.reply import Reply
from tests.helpers import REPO

spec = importlib.util.spec_from_file_location("eval_kb", REPO / "scripts" / "eval_kb.py")
eval_kb = importlib.util.module_from_spec(spec)
sys.modules["eval_kb"] = eval_kb  # its dataclasses look their module up while being defined
spec.loader.exec_module(eval_kb)


def row(topic: str, kind: str = "city", departments: str = "kokuho") -> eval_kb.DemandRow:
    slots = tuple(tuple(eval_kb._fold(w) for w in slot.split("|")) for slot in topic.split() if slot != "-")
    return eval_kb.DemandRow("demand", 0, "q", frozenset(departments.split(",")) - {"-"}, slots, kind, "polite")


def test_every_slot_must_be_in_the_faq_in_one_of_its_spellings() -> None:
    text = eval_kb._fold("国民健康保険の加入は、資格を得た日から 14 日以内に届け出てください。")
    assert eval_kb.truly_answers(row("国民健康保険|国保 加入 14日|期限"), text)
    assert not eval_kb.truly_answers(row("国民健康保険 脱退"), text)
    assert not eval_kb.truly_answers(row("-", kind="offtopic", departments="-"), text)


def test_figures_count_right_covered_routed_and_declined() -> None:
    asked, chatter = row("加入"), row("-", kind="offtopic", departments="-")
    judged = [
        eval_kb.Judged(asked, "insurance-kokuho-join", "kokuho", right=True, covered=True),
        eval_kb.Judged(asked, "cashless-kokuho-tax", "kokuho", right=False, covered=True),  # neighbouring FAQ
        eval_kb.Judged(asked, None, "kokuho", right=False, covered=True),  # fallback to the right office
        eval_kb.Judged(asked, None, "daihyo", right=False, covered=False),  # fallback to the switchboard
        eval_kb.Judged(chatter, None, "daihyo", right=False, covered=False),  # chatter declined
    ]
    figures = eval_kb.demand_figures(judged)
    assert figures["precision"] == pytest.approx(1 / 2)
    assert figures["coverage"] == pytest.approx(3 / 4) and figures["resolved"] == pytest.approx(1 / 3)
    assert figures["routed"] == pytest.approx(1 / 2) and figures["helped"] == pytest.approx(3 / 5)


@pytest.mark.parametrize("path", eval_kb.CONVERSATION_FILES, ids=lambda p: p.name)
def test_the_conversation_sets_are_blind_and_as_large_as_the_issue_asks(path) -> None:
    assert "Written blind: the author read no FAQ file" in path.read_text(encoding="utf-8")
    rows = eval_kb.read_conversation(path)
    kinds = [r.kind for r in rows]
    assert kinds.count("followup") >= 60 and kinds.count("change") >= 30
    small = [r for r in rows if r.kind == "smalltalk"]
    assert len(small) >= 40 and {r.lang for r in small} == {"ja", "en"}
    assert {r.expect for r in small} == {"greeting", "thanks", "handoff", "details", "chatter"}


def reply(kind: str, faq_id: str | None = None, department: str = "daihyo") -> Reply:
    faq = FAQ(faq_id, "q", (), "general", department, "a", dt.date(2026, 1, 1)) if faq_id else None
    office = Department(department, department, "043-421-2111")
    return Reply(kind, "ja", "", faq, 0.0, (), (), office)


def exchange(kind: str, expect: str, got: Reply, alone: Reply, right: bool = False,
             departments: str = "-") -> eval_kb.Exchange:
    offices = frozenset(departments.split(",")) - {"-"}
    row = eval_kb.ConversationRow("conversation", 0, "first", "second", kind, expect, offices, (("x",),), "ja")
    return eval_kb.Exchange(row, got, alone, right, covered=True)


def test_a_change_is_dragged_only_when_the_subject_moved_it_to_a_wrong_answer() -> None:
    old, new = reply("answer", "old-subject"), reply("answer", "new-matter")
    assert exchange("change", "answer", old, new).dragged
    assert not exchange("change", "answer", new, new).dragged  # the subject changed nothing
    assert not exchange("change", "answer", old, new, right=True).dragged  # moved, but to a right answer


def test_small_talk_is_handled_when_its_kind_and_office_match() -> None:
    handoff = reply("handoff", department="clean")
    assert exchange("smalltalk", "handoff", handoff, handoff, departments="clean").handled
    assert not exchange("smalltalk", "handoff", handoff, handoff, departments="shimin").handled
    assert not exchange("smalltalk", "greeting", reply("fallback"), reply("fallback")).handled


FOREIGN = ("zh", "ko", "vi", "tl", "ne", "pt")


@pytest.mark.parametrize(("path", "needs", "langs"), [
    (eval_kb.MULTILINGUAL_FILES[0], 12, (*FOREIGN, "en", "easy")), (eval_kb.MULTILINGUAL_FILES[1], 20, FOREIGN),
    (eval_kb.MULTILINGUAL_FILES[2], 50, ("ne",)), (eval_kb.MULTILINGUAL_FILES[3], 15, (*FOREIGN, "en", "easy"))])
def test_the_multilingual_sets_are_blind_and_as_large_as_the_issue_asks(path: Path, needs: int,
                                                                         langs: tuple[str, ...]) -> None:
    assert "The author read no FAQ file, no translation" in path.read_text(encoding="utf-8")
    rows = eval_kb.read_multilingual(path)
    per_language = {lang: [r for r in rows if r.style == lang] for lang in langs}
    assert {r.style for r in rows} == set(per_language)
    assert all(sum(r.city for r in part) >= needs and not all(r.city for r in part) for part in per_language.values())
    assert all(r.topic and r.departments for r in rows if r.city)


def test_a_dev_only_conversation_file_is_scored_whole_as_dev() -> None:
    def numbered(file: str, number: int) -> eval_kb.ConversationRow:
        return eval_kb.ConversationRow(file, number, None, "second", "smalltalk", "thanks", frozenset(), (), "ja")
    assert numbered("conversation", 0).dev and not numbered("conversation", 1).dev
    assert numbered("conversation_dev", 1).dev


def test_a_dev_only_demand_file_is_scored_whole_as_dev() -> None:
    def numbered(file: str, number: int) -> eval_kb.DemandRow:
        return eval_kb.DemandRow(file, number, "query", frozenset({"shimin"}), (("住民票",),), "city", "polite")
    assert numbered("demand", 0).dev and not numbered("demand", 1).dev
    assert numbered("demand_dev", 1).dev
