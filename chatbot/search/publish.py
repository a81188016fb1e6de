"""The publish pipeline: validate → build → (smoke test) → (compare) → publish → prune.

Any failure raises ``IndexFailure`` before the publish step, deletes the unpublished
version and leaves ``current`` exactly as it was, so the service keeps answering.

A rollback pins the version it re-published (``versions.Pin``): while the knowledge is as it was at
the rollback, a run leaves that version serving and says so, instead of quietly re-publishing what
staff rolled away from. A run that publishes, or finds the served version matching the knowledge,
clears the pin.

The comparison with the version serving (``chatbot.search.compare``) only informs: whatever goes wrong
in it is logged and the run goes on, because staff asked for a publish, not for a report.
"""

from __future__ import annotations

import csv
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chatbot.search import versions
from chatbot.search.compare import Comparison, compare
from chatbot.search.decision import decide
from chatbot.search.versions import BuildSpec, IndexFailure, ServingIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    version: str
    published: bool
    pruned: tuple[str, ...] = ()
    smoke_checked: int = 0
    pinned: versions.Pin | None = None  # the rollback that kept ``version`` serving, when one did
    changes: Comparison | None = None  # what the published version answers differently; None = not compared


def read_smoke(path: Path) -> list[tuple[str, str]]:
    """``question<TAB>expected_id`` rows (header and # comments skipped)."""
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh, delimiter="\t") if r and not r[0].startswith("#")]
    return [(q.strip(), e.strip()) for q, e, *_ in rows[1:]]


def smoke_failures(serving: ServingIndex, cases: list[tuple[str, str]], threshold: float) -> list[str]:
    """Questions the new version would not answer with their expected FAQ, decided as for citizens."""
    failures = []
    for question, expected in cases:
        decision = decide(serving, question, threshold)
        if decision.faq_id != expected:
            got = decision.top
            found = f"{got.id} ({got.confidence:.2f})" if got else "nothing"
            failures.append(f"「{question}」: expected {expected}, got {found}")
    return failures


def run(spec: BuildSpec, threshold: float, keep_versions: int, force: bool = False,
        smoke_file: Path | None = None, replay: Sequence[str] | None = None) -> Outcome:
    """Smoke questions must get their FAQ at ``threshold``; ``keep_versions`` are kept after publishing.

    With ``replay`` (questions, most important first) a version about to be published is compared with
    the one serving on those questions and every FAQ phrasing of the serving one (``Outcome.changes``);
    the serving version can only be asked before the publish, as pruning may delete it afterwards.
    """
    with versions.build_lock(spec.index_dir):
        result = versions.build(spec, force=force)
        if result.pinned:
            held = versions.read_pin(spec.index_dir)
            log.warning("knowledge unchanged since the rollback to %s (%s): it keeps serving until the knowledge "
                        "changes or `chatbot rollback --release`", result.version, held.pinned_at if held else "?")
            return Outcome(result.version, published=False, pinned=held)
        if not result.built:
            versions.release(spec.index_dir)  # the served version matches the knowledge: no pin to keep
            return Outcome(result.version, published=False)
        try:
            serving = versions.load_version(result.directory)
            cases = read_smoke(smoke_file) if smoke_file else []
            failures = smoke_failures(serving, cases, threshold)
            if failures:
                raise IndexFailure(f"smoke test failed for {len(failures)} of {len(cases)} question(s) / "
                                   f"動作確認で {len(failures)} 件失敗しました:\n  " + "\n  ".join(failures))
            changes = _changes(spec.index_dir, serving, replay, threshold) if replay is not None else None
            versions.publish(spec.index_dir, result.version)
        except BaseException:
            shutil.rmtree(result.directory, ignore_errors=True)
            raise
        if (released := versions.release(spec.index_dir)) is not None:
            log.info("published %s: the rollback to %s no longer holds", result.version, released.version)
        pruned = versions.prune(spec.index_dir, keep_versions)
    return Outcome(result.version, True, tuple(pruned), len(cases), changes=changes)


def _changes(index_dir: Path, new: ServingIndex, replay: Sequence[str], threshold: float) -> Comparison | None:
    """The comparison with the version serving, or None when it failed (logged; the publish goes on)."""
    try:
        old = None
        if versions.current_version(index_dir) is not None:
            try:
                old = versions.load_current(index_dir)
            except IndexFailure as exc:  # damaged or of an older format: nothing to compare with, still publish
                log.warning("the serving index cannot be loaded, answers are not compared: %s", exc)
        comparison = compare(old, new, replay, threshold)
    except Exception:  # a report must never stop a publish staff asked for
        log.exception("comparing the new index with the serving one failed; publishing anyway")
        return None
    if comparison.baseline is not None:
        log.info("%d of %d questions answered differently than by %s", len(comparison.changes),
                 comparison.compared, comparison.baseline)
    return comparison
