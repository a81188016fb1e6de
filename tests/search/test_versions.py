"""Versioned indexes: atomic publish, refusal of damaged versions, hot swap, rollback and its pin."""

from __future__ import annotations

import dataclasses
import gc
import shutil
import weakref
from pathlib import Path

import pytest

from chatbot.core.settings import Settings
from chatbot.search import versions
from chatbot.search.live import LiveIndex
from chatbot.search.versions import BuildSpec, IndexFailure, ServingIndex
from tests.helpers import LostProperty, cli, edit_answer, publish_index


def test_build_publish_and_unchanged_skip(small: Settings) -> None:
    first = publish_index(small)
    assert first.published and versions.current_version(small.index_dir) == first.version
    manifest = versions.read_manifest(versions.versions_dir(small.index_dir) / first.version)
    assert manifest["counts"]["published"] == 5 and manifest["knowledge_hash"] and manifest["model"]["hash"]
    again = publish_index(small)
    assert not again.published and again.version == first.version
    forced = publish_index(small, force=True)
    assert forced.published and forced.version != first.version


def test_broken_knowledge_publishes_nothing(small: Settings) -> None:
    good = publish_index(small)
    (small.knowledge_dir / "faq" / "general" / "broken.md").write_text("---\nid: [oops\n---\n", encoding="utf-8")
    with pytest.raises(IndexFailure) as failure:
        publish_index(small)
    assert failure.value.problems and failure.value.problems[0].path.name == "broken.md"
    assert versions.current_version(small.index_dir) == good.version
    assert versions.list_versions(small.index_dir) == [good.version]


def test_build_failing_midway_leaves_old_index_loadable(small: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    good = publish_index(small)
    edit_answer(small, "新しい回答")

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(versions.SearchEngine, "save", explode)
    with pytest.raises(OSError):
        publish_index(small)
    assert versions.current_version(small.index_dir) == good.version
    assert not [p for p in versions.versions_dir(small.index_dir).iterdir() if p.name.startswith(".tmp")]
    assert versions.load_current(small.index_dir).version == good.version


def test_smoke_failure_publishes_nothing(small: Settings, tmp_path: Path) -> None:
    good = publish_index(small)
    edit_answer(small, "変更後の回答")
    smoke = tmp_path / "smoke.tsv"
    smoke.write_text("question\texpected\n天気を教えて\tmynumber-card-apply\n", encoding="utf-8")
    with pytest.raises(IndexFailure, match="smoke"):
        publish_index(small, smoke_file=smoke)
    assert versions.current_version(small.index_dir) == good.version
    assert versions.list_versions(small.index_dir) == [good.version]


def test_corrupted_version_is_refused_and_old_keeps_serving(small: Settings) -> None:
    good = publish_index(small)
    live = LiveIndex(small.index_dir, reload_seconds=0)
    assert live.get().version == good.version
    edit_answer(small, "壊れる予定の版")
    built = versions.build(BuildSpec.from_settings(small))
    victim = next(p for p in sorted(built.directory.rglob("*")) if p.is_file() and p.name != "manifest.json")
    victim.write_bytes(b"corrupted" + victim.read_bytes()[9:])
    versions.publish(small.index_dir, built.version)
    assert live.refresh() is False
    assert live.get().version == good.version and built.version in live.refused


def test_a_version_is_readied_before_it_serves_and_serves_even_if_readying_fails(small: Settings) -> None:
    good = publish_index(small)
    readied: list[str] = []

    def prepare(index: ServingIndex) -> None:
        if "準備できない版" in index.faqs["mynumber-card-apply"].answer:
            raise ValueError("cannot train")
        readied.append(index.version)

    live = LiveIndex(small.index_dir, reload_seconds=0, prepare=prepare)
    assert live.get().version == good.version and readied == [good.version]
    edit_answer(small, "準備できない版")
    unready = publish_index(small)
    assert live.refresh() is True  # readying is an optimisation: a failure must not refuse the version
    assert live.get().version == unready.version and readied == [good.version] and not live.refused


def test_hot_swap_and_rollback(small: Settings) -> None:
    first = publish_index(small)
    live = LiveIndex(small.index_dir, reload_seconds=0)
    before = live.get()
    edit_answer(small, "差し替え後の回答です。")
    second = publish_index(small)
    assert live.refresh() is True
    after = live.get()
    assert after.version == second.version and after.faqs["mynumber-card-apply"].answer == "差し替え後の回答です。"
    assert before.faqs["mynumber-card-apply"].answer != after.faqs["mynumber-card-apply"].answer  # old object intact
    assert versions.rollback(small.index_dir, "knowledge-hash") == first.version
    assert live.refresh() is True and live.get().version == first.version


def test_swap_releases_the_old_version_from_a_frozen_heap(small: Settings) -> None:
    """gunicorn freezes the preloaded heap; the replaced version must still be collected, not leak."""
    publish_index(small)
    live = LiveIndex(small.index_dir, reload_seconds=0)
    old = weakref.ref(live.get().engine)  # the engine and its memo form a reference cycle
    gc.freeze()
    try:
        edit_answer(small, "差し替え後の回答です。")
        publish_index(small)
        assert live.refresh() is True
        assert old() is None
    finally:
        gc.unfreeze()


def test_prune_keeps_current_and_newest(small: Settings) -> None:
    settings = Settings(**{**small.__dict__, "keep_versions": 2})
    built = [publish_index(settings, force=True).version for _ in range(3)]
    assert versions.list_versions(settings.index_dir) == built[1:]


def test_a_rollback_holds_until_the_knowledge_changes_or_is_released(small: Settings) -> None:
    first = publish_index(small)
    edit_answer(small, "二番目の版の回答です。")
    second = publish_index(small)

    rolled = cli(small, "rollback")
    assert rolled.exit_code == 0, rolled.output
    assert first.version in rolled.output and "--release" in rolled.output
    assert versions.current_version(small.index_dir) == first.version
    held = versions.read_pin(small.index_dir)
    assert held is not None and held.version == first.version

    # the nightly run with unchanged knowledge leaves the rolled-back version serving, and says why
    nightly = publish_index(small)
    assert (nightly.published, nightly.version, nightly.pinned) == (False, first.version, held)
    assert versions.current_version(small.index_dir) == first.version

    # pinned by name: the same hold, on the version asked for
    assert cli(small, "rollback", second.version).exit_code == 0
    assert versions.current_version(small.index_dir) == second.version
    assert publish_index(small).pinned.version == second.version  # type: ignore[union-attr]

    # changed knowledge builds, publishes and clears the pin
    edit_answer(small, "三番目の版の回答です。")
    third = publish_index(small)
    assert third.published and third.pinned is None and versions.read_pin(small.index_dir) is None
    assert versions.current_version(small.index_dir) == third.version

    # released: the next run publishes the knowledge again although nobody edited it since the rollback
    assert cli(small, "rollback").exit_code == 0
    assert versions.current_version(small.index_dir) == second.version
    released = cli(small, "rollback", "--release")
    assert released.exit_code == 0 and second.version in released.output
    assert versions.read_pin(small.index_dir) is None
    fourth = publish_index(small)
    assert fourth.published and versions.current_version(small.index_dir) == fourth.version
    assert "固定された版はありません" in cli(small, "rollback", "--release").output


def test_rollback_refuses_what_it_cannot_serve(small: Settings) -> None:
    unknown = cli(small, "rollback", "20990101T000000.000000Z-deadbeef")
    assert unknown.exit_code == 1 and "20990101T000000.000000Z-deadbeef" in unknown.output
    both = cli(small, "rollback", "--release", "some-version")
    assert both.exit_code == 2 and "--release" in both.output
    assert versions.read_pin(small.index_dir) is None


def test_a_pin_that_cannot_be_read_never_holds(tmp_path: Path) -> None:
    (tmp_path / versions.PIN).write_text("{not json", encoding="utf-8")
    assert versions.read_pin(tmp_path) is None
    held = versions.Pin("v1", "hash", "2026-11-23T00:00:00+00:00")
    versions.pin(tmp_path, held)
    assert versions.read_pin(tmp_path) == held
    assert versions.holds(held, "v1", "hash")
    assert not versions.holds(held, "v2", "hash") and not versions.holds(held, "v1", "other")
    assert versions.release(tmp_path) == held and versions.release(tmp_path) is None


def test_replicate_makes_another_directory_serve_the_same_version(lost_property: LostProperty, tmp_path: Path) -> None:
    source = lost_property.settings.index_dir
    first, second = versions.list_versions(source)[-2:]
    target = tmp_path / "server-b"
    assert versions.replicate(source, target, keep=5) is True
    assert versions.current_version(target) == second == versions.current_version(source)
    assert versions.load_current(target).version == second
    assert versions.replicate(source, target, keep=5) is False  # already serving it: nothing copied
    # An older version on the target (a server that was down) is replaced, and the target keeps `keep`.
    stale = tmp_path / "server-c"
    shutil.copytree(versions.versions_dir(source) / first, versions.versions_dir(stale) / first)
    versions.publish(stale, first)
    assert versions.replicate(source, stale, keep=1) is True
    assert versions.list_versions(stale) == [second] and versions.current_version(stale) == second


def test_a_damaged_copy_is_never_published_and_the_target_keeps_serving(lost_property: LostProperty,
                                                                         tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(lost_property.settings.index_dir, source, symlinks=True)
    first, second = versions.list_versions(source)[-2:]
    target = tmp_path / "server-b"
    versions.publish(source, first)
    versions.replicate(source, target, keep=5)
    versions.publish(source, second)
    damaged = next(p for p in (versions.versions_dir(source) / second / "engine").rglob("*") if p.is_file())
    damaged.write_bytes(damaged.read_bytes() + b"x")
    with pytest.raises(IndexFailure, match="changed or missing"):
        versions.replicate(source, target, keep=5)
    assert versions.current_version(target) == first and versions.list_versions(target) == [first]
    assert [p.name for p in versions.versions_dir(target).iterdir()] == [first]  # no half copy left behind


def test_publish_to_tries_every_server_and_says_which_failed(lost_property: LostProperty, tmp_path: Path) -> None:
    settings = dataclasses.replace(lost_property.settings, index_dir=tmp_path / "index")
    shutil.copytree(lost_property.settings.index_dir, settings.index_dir, symlinks=True)
    (tmp_path / "not-a-directory").write_text("x")
    unreachable = tmp_path / "not-a-directory" / "index"  # as a mount that is gone
    result = cli(settings, "build-index", "--changes", "0", "--publish-to", str(unreachable),
                 "--publish-to", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert f"{unreachable}: not copied; that server keeps serving its previous index" in result.output
    served = versions.current_version(settings.index_dir)
    assert f"{tmp_path / 'b'}: index {served} copied and published" in result.output
    assert versions.current_version(tmp_path / "b") == served
