"""The demand-side scoring of scripts/eval_kb.py: what counts as a right answer, covered, routed, helped."""

from __future__ import annotations

import importlib.util
import sys

import pytest

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
