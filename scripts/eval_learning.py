"""How much the bot learns when staff teach it: localgovFAQ before and after the dev queries are taught.

    python scripts/eval_learning.py [--data DIR] [--grade 2]

Simulates what the staff console's "teach" does at scale: every dev query (even id) is added as an alt
question of its relevant FAQs (those of grade >= --grade in qrels), as staff would after seeing it among the
unanswered questions; the index is rebuilt with the same code path that serves citizens, and the test
queries (odd ids, never taught) are scored before and after with the benchmark's own evaluate.py. The
difference is what teaching gives questions nobody has taught yet: new wordings help the next residents
who word a need the same way.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_localgovfaq import parse_corpus  # noqa: E402

from chatbot.search.engine import Document, SearchEngine  # noqa: E402
from chatbot.text.japanese import JapaneseAnalyzer  # noqa: E402


def taught(docs: list[Document], queries: dict[str, str], qrels: dict[str, dict[str, int]],
           grade: int) -> tuple[list[Document], int]:
    """The corpus with every dev query added to its relevant FAQs' alt questions, and how many were added."""
    extra: dict[str, list[str]] = defaultdict(list)
    for query_id, text in queries.items():
        if int(query_id) % 2 == 0:
            for doc_id, relevance in qrels.get(query_id, {}).items():
                if relevance >= grade:
                    extra[doc_id].append(text)
    return ([dataclasses.replace(d, alt_questions=(*d.alt_questions, *extra.get(d.id, ()))) for d in docs],
            sum(len(v) for v in extra.values()))


def scored(docs: list[Document], queries: dict[str, str], qrels: dict[str, dict[str, int]],
           evaluate) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    """Build the index as the service does and score dev and test with the benchmark's evaluate.py."""
    with tempfile.TemporaryDirectory() as workdir:
        engine = SearchEngine.build(docs, JapaneseAnalyzer(), Path(workdir))
        run = {query_id: [hit.id for hit in engine.search(text, k=10)] for query_id, text in queries.items()}
    return {split: evaluate.score(run, qrels, [q for q in qrels if int(q) % 2 == parity])
            for split, parity in (("dev", 0), ("test", 1))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "benchmarks" / "localgovfaq")
    parser.add_argument("--grade", type=int, default=2, choices=[1, 2],
                        help="teach a dev query to FAQs of at least this relevance (2 = highly relevant)")
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("evaluate", args.data / "evaluate.py")
    evaluate = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(evaluate)  # type: ignore[union-attr]
    docs = parse_corpus(args.data / "corpus.json")
    queries = json.loads((args.data / "queries.json").read_text(encoding="utf-8"))
    qrels = json.loads((args.data / "qrels.json").read_text(encoding="utf-8"))
    before = scored(docs, queries, qrels, evaluate)
    learned, added = taught(docs, queries, qrels, args.grade)
    after = scored(learned, queries, qrels, evaluate)
    print(f"taught {added} alt questions (dev queries, relevance >= {args.grade}) to {len(docs)} FAQs")
    for split in ("test", "dev"):
        for metric in ("nDCG@10", "P@1", "Recall@10"):
            print(f"{split:4s} {metric:9s} before={before[split][metric]:.4f} after={after[split][metric]:.4f} "
                  f"change={after[split][metric] - before[split][metric]:+.4f}")


if __name__ == "__main__":
    main()
