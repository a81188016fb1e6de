"""Score the engine on the project's own evaluation questions against the bundled knowledge base.

    python scripts/eval_kb.py [--threshold 0.5] [--fit]

Rows come from tests/eval/queries.tsv (else tests/eval/parts/*.tsv): query, expected FAQ id ("-" for a
question the city's FAQ does not cover), kind. Data rows are numbered from 0 in file order; even rows are
dev (calibrate on these), odd rows are test. `--fit` refits the confidence model on the dev rows and
prints its coefficients for chatbot/engine.py's ConfidenceModel.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatbot.engine import ConfidenceModel, Evidence, SearchEngine  # noqa: E402
from chatbot.index import documents  # noqa: E402
from chatbot.knowledge import load_knowledge  # noqa: E402
from chatbot.settings import Settings  # noqa: E402
from chatbot.textproc import Analyzer  # noqa: E402

OUT_OF_SCOPE = "-"
FEATURES = ("fused", "margin", "coverage", "dense", "unknown")


@dataclass(frozen=True)
class Row:
    number: int
    query: str
    expected: str
    kind: str


@dataclass(frozen=True)
class Outcome:
    row: Row
    ranked: list[str]
    evidence: Evidence | None  # of the top hit


def read_rows(eval_dir: Path) -> list[Row]:
    merged = eval_dir / "queries.tsv"
    files = [merged] if merged.exists() else sorted((eval_dir / "parts").glob("*.tsv"))
    rows: list[Row] = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            for record in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                rows.append(Row(len(rows), record["query"], record["expected"].strip(), record["kind"].strip()))
    return rows


def report(name: str, outcomes: list[Outcome], model: ConfidenceModel, threshold: float) -> None:
    inscope = [o for o in outcomes if o.row.expected != OUT_OF_SCOPE]
    oos = [o for o in outcomes if o.row.expected == OUT_OF_SCOPE]

    def answered(o: Outcome) -> bool:
        return o.evidence is not None and model(o.evidence) >= threshold

    def share(values: list[bool]) -> float:
        return sum(values) / len(values) if values else float("nan")

    top1 = share([bool(o.ranked) and o.ranked[0] == o.row.expected for o in inscope])
    mrr = sum(1 / (o.ranked[:5].index(o.row.expected) + 1)
              for o in inscope if o.row.expected in o.ranked[:5]) / max(len(inscope), 1)
    rejected = share([not answered(o) for o in oos])
    false_fallback = share([not answered(o) for o in inscope])
    right_answer = share([answered(o) and o.ranked[0] == o.row.expected for o in inscope])
    print(f"{name:5s} rows={len(outcomes):4d} top1={top1:.3f} MRR@5={mrr:.3f} oos_rejection={rejected:.3f} "
          f"false_fallback={false_fallback:.3f} answered_right={right_answer:.3f}")


def fit(outcomes: list[Outcome], steps: int = 5000, l2: float = 1e-3) -> ConfidenceModel:
    """Logistic regression, so confidence reads as the chance that the top hit is the expected FAQ:
    label 1 for that, 0 for a wrong FAQ on top or an out-of-scope question."""
    usable = [o for o in outcomes if o.evidence is not None and o.evidence.content_tokens]
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
    parser.add_argument("--eval-dir", type=Path, default=ROOT / "tests" / "eval")
    parser.add_argument("--threshold", type=float, default=Settings.from_env().answer_threshold)
    parser.add_argument("--model", default="", help="local sentence-transformers directory (default: built-in)")
    parser.add_argument("--fit", action="store_true", help="refit the confidence model on the dev rows")
    parser.add_argument("--errors", action="store_true", help="list the dev rows that go wrong")
    args = parser.parse_args()

    kb, _ = load_knowledge(args.knowledge)
    rows = read_rows(args.eval_dir)
    with tempfile.TemporaryDirectory() as workdir:
        engine = SearchEngine.build(documents(kb), Analyzer(kb.synonyms), Path(workdir), model=args.model)
        outcomes = []
        for row in rows:
            explained = engine.explain(row.query, k=5)
            outcomes.append(Outcome(row, [hit.id for hit, _ in explained], explained[0][1] if explained else None))
    dev = [o for o in outcomes if o.row.number % 2 == 0]
    test = [o for o in outcomes if o.row.number % 2 == 1]
    model = engine.confidence
    if args.fit:
        model = fit(dev)
        print(f"fitted on dev: {model}")
    print(f"threshold={args.threshold}")
    for name, part in (("all", outcomes), ("dev", dev), ("test", test)):
        report(name, part, model, args.threshold)
    if args.errors:
        for o in dev:
            confidence = model(o.evidence) if o.evidence else 0.0
            wrong_rank = o.row.expected != OUT_OF_SCOPE and (not o.ranked or o.ranked[0] != o.row.expected)
            wrong_side = (confidence >= args.threshold) == (o.row.expected == OUT_OF_SCOPE)
            if wrong_rank or wrong_side:
                print(f"  {o.row.kind:10s} {o.row.query!r} expected={o.row.expected} got={o.ranked[:2]} "
                      f"conf={confidence:.2f} {dataclasses.asdict(o.evidence) if o.evidence else ''}")


if __name__ == "__main__":
    main()
