"""`chatbot build-index` and `chatbot reindex` say which answers a new version changes."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from chatbot.core.settings import Settings
from chatbot.search import publish, versions
from tests.helpers import LostProperty, cli


def test_the_first_publish_has_nothing_to_compare(lost_property: LostProperty) -> None:
    assert lost_property.first.exit_code == 0, lost_property.first.output
    assert "nothing to compare answers with" in lost_property.first.output


def test_reindex_shows_the_questions_a_new_faq_captures(lost_property: LostProperty) -> None:
    result = lost_property.second
    assert result.exit_code == 0, result.output
    old, new = versions.list_versions(lost_property.settings.index_dir)
    assert versions.current_version(lost_property.settings.index_dir) == new  # the comparison never holds it back
    lines = result.output.splitlines()
    summary = next(i for i, line in enumerate(lines) if "questions get a different answer" in line)
    assert "3 of " in lines[summary] and old in lines[summary] and "件の質問のうち 3 件" in lines[summary]
    # --changes 2: the most asked question first, then the lost-card FAQ's own wordings, cut at two
    assert lines[summary + 1:summary + 4] == [
        "  「財布を落としました」: mynumber-card-lost → living-lost-property",
        "  「マイナカードを落とした」: mynumber-card-lost → living-lost-property",
        "  ほか 1 件（--changes で表示する件数を変えられます） / and 1 more (show more with --changes N)",
    ]


def test_an_unreadable_log_never_fails_a_reindex(lost_property: LostProperty, tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    settings = dataclasses.replace(lost_property.settings, index_dir=tmp_path / "index",
                                   db_url=f"sqlite:///{broken}")
    shutil.copytree(lost_property.settings.index_dir, settings.index_dir, symlinks=True)
    result = cli(settings, "reindex", "--force")  # the same knowledge, built again
    assert result.exit_code == 0, result.output
    assert "the conversation log could not be read (DatabaseError" in result.output
    assert "get the same answer as from" in result.output  # smoke and FAQ questions still compared


def test_changes_0_does_not_compare(lost_property: LostProperty, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, object]] = []

    def run(*args: object, **kwargs: object) -> publish.Outcome:
        calls.append(kwargs)
        return publish.Outcome("v-test", published=True)

    monkeypatch.setattr(publish, "run", run)
    quiet = cli(lost_property.settings, "build-index", "--changes", "0")
    assert quiet.exit_code == 0 and calls[-1]["replay"] is None
    assert "index v-test: built and published" in quiet.output and "answer" not in quiet.output
    default = cli(lost_property.settings, "build-index")
    assert default.exit_code == 0 and "comparing with the previous version failed" in default.output  # changes None
    # logged questions most asked first, then the smoke questions; the FAQs' wordings are added by the comparison
    assert lost_property.asked[0] == "市役所は何時まで開いていますか"  # asked first, but once
    assert calls[-1]["replay"] == ["財布を落としました", "市役所は何時まで開いていますか",
                                   "マイナンバーカードを申請したい"]


def test_ask_keeps_the_subject_like_the_widget(built: Settings) -> None:
    """`--previous` sends a subject; lines from stdin are one conversation, each with the last reply's."""
    moving_in = "procedures-moving-in-notification"
    followed = json.loads(cli(built, "ask", "--json", "--previous", moving_in, "必要なものは？").output)
    assert followed["faq"]["id"] == moving_in and followed["subject"]["id"] == moving_in
    conversation = "転入届を出したい\n必要なものは？\n人と話したい\nじゃあ粗大ごみは？\n"
    lines = cli(built, "ask", "--json", stdin=conversation).output
    replies = [json.loads(line) for line in lines.splitlines()]
    assert [r["type"] for r in replies] == ["answer", "answer", "handoff", "answer"]
    assert replies[1]["faq"]["id"] == replies[0]["faq"]["id"] == moving_in
    assert replies[2]["contact"]["department"] == replies[0]["faq"]["department"]
    assert replies[3]["faq"]["id"] == "garbage-sodai"
    plain = cli(built, "ask", "--previous", moving_in, "人と話したい").output
    assert "[handoff" in plain and "043-421-2111" in plain
