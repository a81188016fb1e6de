"""How much the bot learns when staff teach it: localgovFAQ, and our own demand-side set, before and after
the dev questions are taught.

    python scripts/eval_learning.py [--data DIR] [--grade 2] [--no-demand]

Simulates what the staff console's "teach" does at scale: every dev query (even id) is added as an alt
question of its relevant FAQs (those of grade >= --grade in qrels), as staff would after seeing it among the
unanswered questions; the index is rebuilt with the same code path that serves citizens, and the test
queries (odd ids, never taught) are scored before and after with the benchmark's own evaluate.py. The
difference is what teaching gives questions nobody has taught yet: new wordings help the next residents
who word a need the same way.

The same on tests/eval/demand*.tsv and the bundled knowledge base: every dev row (even row) that some FAQ
truly answers but the bot did not answer with one (a fallback or a neighbouring FAQ: what the console's
unanswered and 👎 groups show) is taught to that FAQ, preferring one of the row's departments, with the
console's own edit (chatbot.knowledge.edit.add_alt_questions) on a copy of the knowledge files; the index is
built by the publish code path and the test rows (odd rows, never taught) are judged as scripts/eval_kb.py
does.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import shutil
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_kb import DEMAND_FILES, Judged, demand_figures, faq_text, judge, read_demand, truly_answers  # noqa: E402
from eval_localgovfaq import parse_corpus  # noqa: E402

from chatbot.core.settings import Settings  # noqa: E402
from chatbot.knowledge import FAQ  # noqa: E402
from chatbot.knowledge.edit import add_alt_questions  # noqa: E402
from chatbot.search import versions  # noqa: E402
from chatbot.search.engine import Document, SearchEngine  # noqa: E402
from chatbot.search.versions import BuildSpec, ServingIndex  # noqa: E402
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


def demand_lessons(judged: list[Judged], published: Sequence[FAQ]) -> dict[str, list[str]]:
    """FAQ id -> the dev questions staff would teach it: rows an FAQ truly answers that were not answered
    with one, each to such an FAQ of the row's departments when there is one."""
    lessons: dict[str, list[str]] = defaultdict(list)
    for j in judged:
        if j.row.number % 2 == 0 and j.covered and not j.right:
            answering = sorted((faq for faq in published if truly_answers(j.row, faq_text(faq))), key=lambda f: f.id)
            own = [faq for faq in answering if faq.department in j.row.departments]
            lessons[(own or answering)[0].id].append(j.row.query)
    return lessons


def demand_learning(settings: Settings) -> None:
    """Judge the demand rows, teach the dev misses on a copy of the knowledge, judge again."""
    rows = [row for path in DEMAND_FILES for row in read_demand(path)]
    with tempfile.TemporaryDirectory() as workdir:
        work = Path(workdir)
        shutil.copytree(settings.knowledge_dir, work / "knowledge")
        before_index = _built(work / "knowledge", work / "before")
        before = judge(rows, before_index, settings.answer_threshold, settings.suggest_threshold)
        lessons = demand_lessons(before, before_index.kb.published)
        for faq_id, questions in lessons.items():
            path = next((work / "knowledge" / "faq").rglob(f"{faq_id}.md"))
            text, _ = add_alt_questions(path.read_text(encoding="utf-8"), questions)
            path.write_text(text, encoding="utf-8")
        after = judge(rows, _built(work / "knowledge", work / "after"), settings.answer_threshold,
                      settings.suggest_threshold)
    print(f"demand: taught {sum(len(q) for q in lessons.values())} dev questions to {len(lessons)} FAQs")
    for split, parity in (("test", 1), ("dev", 0)):
        old = demand_figures([j for j in before if j.row.number % 2 == parity])
        new = demand_figures([j for j in after if j.row.number % 2 == parity])
        for metric in ("precision", "resolved", "helped", "answered"):
            print(f"demand {split:4s} {metric:9s} before={old[metric]:.4f} after={new[metric]:.4f} "
                  f"change={new[metric] - old[metric]:+.4f}")


def _built(knowledge: Path, index_dir: Path) -> ServingIndex:
    return versions.load_version(versions.build(BuildSpec(knowledge, index_dir)).directory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "benchmarks" / "localgovfaq")
    parser.add_argument("--grade", type=int, default=2, choices=[1, 2],
                        help="teach a dev query to FAQs of at least this relevance (2 = highly relevant)")
    parser.add_argument("--no-demand", action="store_true", help="localgovFAQ only, not the demand-side set")
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
    if not args.no_demand:
        demand_learning(Settings.from_env())


if __name__ == "__main__":
    main()
