"""Run the localgovFAQ benchmark through the serving code path and write a run file.

    python scripts/eval_localgovfaq.py RUN_FILE [--data DIR] [--no-dense] [--set w_answer=0.3 ...]
    python ../shared/benchmarks/localgovfaq/evaluate.py RUN_FILE --split dev|test|all

The data is read from its folder and never copied into the repository. Ablation switches zero a
channel's weight; `--set` overrides any EngineParams field (training.* for the built-in model).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatbot.search.engine import Document, EngineParams, SearchEngine  # noqa: E402
from chatbot.text.japanese import JapaneseAnalyzer  # noqa: E402

SWITCHES = {
    "no-dense": {"w_dense_question": 0.0, "w_dense_answer": 0.0},
    "no-lexical": {"w_question": 0.0, "w_answer": 0.0, "w_document": 0.0, "w_reading": 0.0, "w_reading_kana": 0.0},
    "no-readings": {"w_reading": 0.0, "w_reading_kana": 0.0},
    "no-answer": {"w_answer": 0.0, "w_dense_answer": 0.0},
    "no-training": {"training.epochs": 0},
    "no-respell": {"respell": 0},
}


def parse_corpus(path: Path) -> list[Document]:
    """`Question: ...\\nAnswer: ...` entries; ＜改＞ is the source's line break."""
    docs = []
    for doc_id, text in json.loads(path.read_text(encoding="utf-8")).items():
        text = text.replace("＜改＞", "\n")
        question, _, answer = text.partition("\nAnswer:")
        docs.append(Document(id=doc_id, question=question.removeprefix("Question:").strip(), answer=answer.strip()))
    return docs


def apply_overrides(params: EngineParams, overrides: dict[str, str]) -> EngineParams:
    """`name=value` pairs onto the frozen params, with each field's own type."""
    top: dict[str, object] = {}
    training: dict[str, object] = {}
    for key, value in overrides.items():
        name = key.removeprefix("training.")
        target, holder = (training, params.training) if key.startswith("training.") else (top, params)
        current = getattr(holder, name)
        target[name] = type(current)(float(value)) if not isinstance(current, str) else value
    return dataclasses.replace(params, training=dataclasses.replace(params.training, **training), **top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_file", type=Path)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "benchmarks" / "localgovfaq")
    parser.add_argument("--model", default="", help="local sentence-transformers directory (default: built-in)")
    parser.add_argument("--split-mode", default="A", choices=["A", "B", "C"])
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    for name in SWITCHES:
        parser.add_argument(f"--{name}", action="store_true")
    args = parser.parse_args()

    overrides = dict(item.split("=", 1) for item in args.set)
    for name, values in SWITCHES.items():
        if getattr(args, name.replace("-", "_")):
            overrides |= {k: str(v) for k, v in values.items()}
    params = apply_overrides(EngineParams(), overrides)
    docs = parse_corpus(args.data / "corpus.json")
    queries = json.loads((args.data / "queries.json").read_text(encoding="utf-8"))
    analyzer = JapaneseAnalyzer(split_mode=args.split_mode)
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        engine = SearchEngine.build(docs, analyzer, Path(workdir), model=args.model, params=params)
        built = time.perf_counter() - started
        with args.run_file.open("w", encoding="utf-8") as out:
            for query_id, query in queries.items():
                for rank, hit in enumerate(engine.search(query, k=10), start=1):
                    out.write(f"{query_id}\t{hit.id}\t{rank}\n")
    print(f"built {len(docs)} documents in {built:.1f} s; run written to {args.run_file}", file=sys.stderr)


if __name__ == "__main__":
    main()
