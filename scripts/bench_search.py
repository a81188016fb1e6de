"""Latency of one in-process `search` on the bundled knowledge base, and the benchmark corpus build time.

    python scripts/bench_search.py [--repeat 20] [--data DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from eval_kb import read_rows  # noqa: E402
from eval_localgovfaq import parse_corpus  # noqa: E402

from chatbot.knowledge import load_knowledge  # noqa: E402
from chatbot.search.engine import SearchEngine  # noqa: E402
from chatbot.search.versions import documents  # noqa: E402
from chatbot.text.japanese import JapaneseAnalyzer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20, help="passes over the evaluation questions")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "benchmarks" / "localgovfaq")
    args = parser.parse_args()

    kb, _ = load_knowledge(ROOT / "knowledge")
    queries = [row.query for row in read_rows()]
    with tempfile.TemporaryDirectory() as workdir:
        engine = SearchEngine.build(documents(kb), JapaneseAnalyzer(kb.synonyms), Path(workdir))
        for query in queries:  # warm-up
            engine.search(query)
        # `explain` is `search` without its per-version memo: the cost of a question seen for the first time.
        for label, call in (("first time (uncached)", engine.explain), ("repeated (memoised)", engine.search)):
            timings = []
            for _ in range(args.repeat):
                for query in queries:
                    started = time.perf_counter()
                    call(query, 10)
                    timings.append(time.perf_counter() - started)
            ms = np.array(timings) * 1000
            print(f"search on {len(kb.published)} FAQs, {label}, {len(ms)} calls: p50={np.percentile(ms, 50):.2f} ms "
                  f"p99={np.percentile(ms, 99):.2f} ms max={ms.max():.2f} ms")

    if (args.data / "corpus.json").exists():
        docs = parse_corpus(args.data / "corpus.json")
        with tempfile.TemporaryDirectory() as workdir:
            started = time.perf_counter()
            SearchEngine.build(docs, JapaneseAnalyzer(), Path(workdir))
            print(f"build of {len(docs)} benchmark documents (tokenise + train + encode + FAISS): "
                  f"{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
