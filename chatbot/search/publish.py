"""The publish pipeline: validate → build → (smoke test) → publish → prune.

Any failure raises ``IndexFailure`` before the publish step, deletes the unpublished
version and leaves ``current`` exactly as it was, so the service keeps answering.

A rollback pins the version it re-published (``versions.Pin``): while the knowledge is as it was at
the rollback, a run leaves that version serving and says so, instead of quietly re-publishing what
staff rolled away from. A run that publishes, or finds the served version matching the knowledge,
clears the pin.
"""

from __future__ import annotations

import csv
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from chatbot.search import versions
from chatbot.search.versions import BuildSpec, IndexFailure, ServingIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    version: str
    published: bool
    pruned: tuple[str, ...] = ()
    smoke_checked: int = 0
    pinned: versions.Pin | None = None  # the rollback that kept ``version`` serving, when one did


def read_smoke(path: Path) -> list[tuple[str, str]]:
    """``question<TAB>expected_id`` rows (header and # comments skipped)."""
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh, delimiter="\t") if r and not r[0].startswith("#")]
    return [(q.strip(), e.strip()) for q, e, *_ in rows[1:]]


def smoke_failures(serving: ServingIndex, cases: list[tuple[str, str]], threshold: float) -> list[str]:
    """Questions the new version would not answer with their expected FAQ."""
    failures = []
    for question, expected in cases:
        hits = serving.engine.search(question, k=1)
        got = hits[0] if hits else None
        if got is None or got.id != expected or got.confidence < threshold:
            found = f"{got.id} ({got.confidence:.2f})" if got else "nothing"
            failures.append(f"「{question}」: expected {expected}, got {found}")
    return failures


def run(spec: BuildSpec, threshold: float, keep_versions: int, force: bool = False,
        smoke_file: Path | None = None) -> Outcome:
    """Smoke questions must get their FAQ at ``threshold``; ``keep_versions`` are kept after publishing."""
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
            versions.publish(spec.index_dir, result.version)
        except BaseException:
            shutil.rmtree(result.directory, ignore_errors=True)
            raise
        if (released := versions.release(spec.index_dir)) is not None:
            log.info("published %s: the rollback to %s no longer holds", result.version, released.version)
        pruned = versions.prune(spec.index_dir, keep_versions)
    return Outcome(result.version, True, tuple(pruned), len(cases))
