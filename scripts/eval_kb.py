"""Score the engine on the project's own evaluation questions against the bundled knowledge base.

    python scripts/eval_kb.py [--threshold 0.5] [--fit] [--rows FILE ...] [--errors]

Rows come from TSV files (default: tests/eval/queries.tsv and tests/eval/heldout.tsv): query, expected
FAQ id ("-" for a question the city's FAQ does not cover), kind. Each file's data rows are numbered from
0; even rows are dev (calibrate on these), odd rows are test. `--fit` refits the confidence model on the
dev rows and prints its coefficients for chatbot/search/engine.py's ConfidenceModel. heldout.tsv was written
later than queries.tsv, by someone who had seen neither the engine's errors nor departments.yaml's topics.
A question naming a department topic that no FAQ covers falls back whatever its confidence, as in the
service (chatbot/search/topics.py).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatbot.core.settings import Settings  # noqa: E402
from chatbot.knowledge import load_knowledge  # noqa: E402
from chatbot.search.engine import ConfidenceModel, Evidence, SearchEngine  # noqa: E402
from chatbot.search.topics import TopicIndex  # noqa: E402
from chatbot.search.versions import documents  # noqa: E402
from chatbot.text.japanese import JapaneseAnalyzer  # noqa: E402

OUT_OF_SCOPE = "-"
EVAL_FILES = (ROOT / "tests" / "eval" / "queries.tsv", ROOT / "tests" / "eval" / "heldout.tsv")
FEATURES = ("fused", "margin", "coverage", "dense", "unknown")


@dataclass(frozen=True)
class Row:
    file: str
    number: int  # within its file
    query: str
    expected: str
    kind: str


@dataclass(frozen=True)
class Outcome:
    row: Row
    ranked: list[str]
    evidence: Evidence | None  # of the top hit
    unanswerable: bool = False  # names a department topic that no FAQ covers


def read_rows(files: Sequence[Path] = EVAL_FILES) -> list[Row]:
    rows: list[Row] = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            records = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            rows.extend(Row(path.name, n, r["query"], r["expected"].strip(), r["kind"].strip())
                        for n, r in enumerate(records))
    return rows


def report(name: str, outcomes: list[Outcome], model: ConfidenceModel, threshold: float) -> None:
    inscope = [o for o in outcomes if o.row.expected != OUT_OF_SCOPE]
    oos = [o for o in outcomes if o.row.expected == OUT_OF_SCOPE]

    def answered(o: Outcome) -> bool:
        return o.evidence is not None and model(o.evidence) >= threshold and not o.unanswerable

    def share(values: list[bool]) -> float:
        return sum(values) / len(values) if values else float("nan")

    top1 = share([bool(o.ranked) and o.ranked[0] == o.row.expected for o in inscope])
    mrr = sum(1 / (o.ranked[:5].index(o.row.expected) + 1)
              for o in inscope if o.row.expected in o.ranked[:5]) / max(len(inscope), 1)
    rejected = share([not answered(o) for o in oos])
    false_fallback = share([not answered(o) for o in inscope])
    right_answer = share([answered(o) and o.ranked[0] == o.row.expected for o in inscope])
    print(f"{name:14s} rows={len(outcomes):4d} top1={top1:.3f} MRR@5={mrr:.3f} oos_rejection={rejected:.3f} "
          f"false_fallback={false_fallback:.3f} answered_right={right_answer:.3f}")


def fit(outcomes: list[Outcome], steps: int = 5000, l2: float = 1e-3) -> ConfidenceModel:
    """Logistic regression, so confidence reads as the chance that the top hit is the expected FAQ:
    label 1 for that, 0 for a wrong FAQ on top or an out-of-scope question. Questions naming a topic
    no FAQ covers are left out: they fall back whatever the confidence says."""
    usable = [o for o in outcomes if o.evidence is not None and o.evidence.content_tokens and not o.unanswerable]
    x = np.array([[getattr(o.evidence, f) for f in FEATURES] for o in usable])
    y = np.array([1.0 if o.ranked[0] == o.row.expected else 0.0 for o in usable])
    x = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        w -= 0.5 * (x.T @ (p - y) / len(y) + l2 * np.r_[0.0, w[1:]])
    return ConfidenceModel(*(round(float(v), 2) for v in w))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--threshold", type=float, default=Settings.from_env().answer_threshold)
    parser.add_argument("--model", default="", help="local sentence-transformers directory (default: built-in)")
    parser.add_argument("--fit", action="store_true", help="refit the confidence model on the dev rows")
    parser.add_argument("--errors", action="store_true", help="list the dev rows that go wrong")
    parser.add_argument("--rows", type=Path, nargs="+", default=EVAL_FILES, help="TSV files of questions")
    parser.add_argument("--no-topics", action="store_true", help="ignore departments' topics (ablation)")
    args = parser.parse_args()

    kb, _ = load_knowledge(args.knowledge)
    rows = read_rows(args.rows)
    with tempfile.TemporaryDirectory() as workdir:
        engine = SearchEngine.build(documents(kb), JapaneseAnalyzer(kb.synonyms), Path(workdir), model=args.model)
        topics = TopicIndex.build(kb, engine.analyzer)
        outcomes = []
        for row in rows:
            explained = engine.explain(row.query, k=5)
            unanswerable = not args.no_topics and topics.unanswered(row.query, engine.analyzer.normalize) is not None
            outcomes.append(Outcome(row, [hit.id for hit, _ in explained], explained[0][1] if explained else None,
                                    unanswerable))
    dev = [o for o in outcomes if o.row.number % 2 == 0]
    test = [o for o in outcomes if o.row.number % 2 == 1]
    model = engine.confidence
    if args.fit:
        model = fit(dev)
        print(f"fitted on dev: {model}")
    print(f"threshold={args.threshold}")
    parts = [("all", outcomes), ("dev", dev), ("test", test)]
    for file in dict.fromkeys(o.row.file for o in outcomes) if len(args.rows) > 1 else ():
        parts += [(f"{Path(file).stem} {name}", [o for o in part if o.row.file == file]) for name, part in parts[:3]]
    for name, part in parts:
        report(name, part, model, args.threshold)
    if args.errors:
        for o in dev:
            confidence = model(o.evidence) if o.evidence else 0.0
            wrong_rank = o.row.expected != OUT_OF_SCOPE and (not o.ranked or o.ranked[0] != o.row.expected)
            wrong_side = (confidence >= args.threshold and not o.unanswerable) == (o.row.expected == OUT_OF_SCOPE)
            if wrong_rank or wrong_side:
                print(f"  {o.row.kind:10s} {o.row.query!r} expected={o.row.expected} got={o.ranked[:2]} "
                      f"conf={confidence:.2f} {dataclasses.asdict(o.evidence) if o.evidence else ''}")


if __name__ == "__main__":
    main()
