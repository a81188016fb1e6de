"""Score the engine on the project's own evaluation questions against the bundled knowledge base.

    python scripts/eval_kb.py [--threshold 0.5] [--fit] [--rows FILE ...] [--demand FILE] [--errors]

Demand rows (tests/eval/demand.tsv, written blind: see its header) name no FAQ id. Each gives the
departments that handle the matter and topic words an FAQ that truly answers it must contain, so they
are scored through the service's own `respond()` on a freshly built index version:
  precision  answers whose FAQ contains every topic slot, among all answers given
  coverage   city-matter rows some published FAQ covers (recomputed from the knowledge base each run)
  resolved   right answers among covered rows
  routed     fallbacks on city matters whose contact card is an expected department
  helped     right answer, or a fallback to an expected department, or an off-topic row declined
Wrong answers are listed by cause with --errors (dev rows only).

Conversation pairs (tests/eval/conversation*.tsv, written blind: see their headers; conversation_dev.tsv is
all dev rows) send the second message
with the subject the reply to the first left, as the widget does, and are scored as:
  followups_resolved   follow-ups answered with an FAQ that has the topic words, among those some FAQ covers
  changes_not_dragged  subject changes whose answer the subject did not move to a wrong one
  smalltalk_handled    greetings, thanks, requests for a person or details, chatter recognised as such (a
                       request for a person with an expected office)

Rows come from TSV files (default: tests/eval/queries.tsv and tests/eval/heldout.tsv): query, expected
FAQ id ("-" for a question the city's FAQ does not cover), kind. Each file's data rows are numbered from
0; even rows are dev (calibrate on these), odd rows are test. `--fit` refits the confidence model
(chatbot/search/confidence.py) on the dev rows; `--write` ships it. heldout.tsv was written
later than queries.tsv, by someone who had seen neither the engine's errors nor departments.yaml's topics.
A question naming a department topic that no FAQ covers falls back whatever its confidence, as in the
service (chatbot/search/topics.py).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import random
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatbot.core.settings import Settings  # noqa: E402
from chatbot.knowledge import FAQ  # noqa: E402
from chatbot.search import versions  # noqa: E402
from chatbot.search.confidence import FEATURES, MODEL_FILE, Confidence, Evidence  # noqa: E402
from chatbot.search.confidence import fit as fit_trees  # noqa: E402
from chatbot.search.versions import BuildSpec, ServingIndex  # noqa: E402
from chatbot.serving.reply import Reply  # noqa: E402
from chatbot.serving.respond import respond  # noqa: E402

OUT_OF_SCOPE = "-"
EVAL_FILES = (ROOT / "tests" / "eval" / "queries.tsv", ROOT / "tests" / "eval" / "heldout.tsv")
# demand_dev.tsv was written later for tuning only: all its rows are dev rows.
DEMAND_FILES = tuple(ROOT / "tests" / "eval" / name for name in ("demand.tsv", "demand2.tsv", "demand_dev.tsv"))
# The dev files (tuning) first, then the test file (reporting); each is scored whole.
MULTILINGUAL_FILES = tuple(ROOT / "tests" / "eval" / name
                           for name in ("multilingual_dev.tsv", "multilingual_dev2.tsv", "multilingual_dev3.tsv",
                                        "multilingual.tsv"))
# conversation_dev.tsv and conversation3_dev.tsv were written later for tuning only: all their rows are dev rows.
CONVERSATION_FILES = tuple(ROOT / "tests" / "eval" / name
                           for name in ("conversation.tsv", "conversation2.tsv", "conversation_dev.tsv",
                                        "conversation3_dev.tsv"))
DEV_ONLY = "_dev"  # a demand or conversation file whose name ends so is scored whole as dev


@dataclass(frozen=True)
class Row:
    file: str
    number: int  # within its file
    query: str
    expected: str  # an FAQ id, ids equally right joined by '|', or OUT_OF_SCOPE
    kind: str

    def right(self, faq_id: str | None) -> bool:
        return faq_id is not None and faq_id in self.expected.split("|")


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


def report(name: str, outcomes: list[Outcome], model: Callable[[Evidence], float], threshold: float) -> None:
    inscope = [o for o in outcomes if o.row.expected != OUT_OF_SCOPE]
    oos = [o for o in outcomes if o.row.expected == OUT_OF_SCOPE]

    def answered(o: Outcome) -> bool:
        return o.evidence is not None and model(o.evidence) >= threshold and not o.unanswerable

    def share(values: list[bool]) -> float:
        return sum(values) / len(values) if values else float("nan")

    top1 = share([bool(o.ranked) and o.row.right(o.ranked[0]) for o in inscope])
    mrr = sum(1 / (next(n for n, faq_id in enumerate(o.ranked[:5], 1) if o.row.right(faq_id)))
              for o in inscope if any(o.row.right(faq_id) for faq_id in o.ranked[:5])) / max(len(inscope), 1)
    rejected = share([not answered(o) for o in oos])
    false_fallback = share([not answered(o) for o in inscope])
    right_answer = share([answered(o) and o.row.right(o.ranked[0]) for o in inscope])
    print(f"{name:14s} rows={len(outcomes):4d} top1={top1:.3f} MRR@5={mrr:.3f} oos_rejection={rejected:.3f} "
          f"false_fallback={false_fallback:.3f} answered_right={right_answer:.3f}")


@dataclass(frozen=True)
class DemandRow:
    file: str
    number: int  # within its file: even rows are dev, odd rows test (all dev in a DEV_ONLY file)
    query: str
    departments: frozenset[str]
    topic: tuple[tuple[str, ...], ...]  # slots, each a set of alternative spellings
    kind: str  # plan | city | offtopic
    style: str

    @property
    def city(self) -> bool:
        return self.kind != "offtopic"

    @property
    def dev(self) -> bool:
        return self.number % 2 == 0 or self.file.endswith(DEV_ONLY)


@dataclass(frozen=True)
class Judged:
    row: DemandRow
    faq_id: str | None  # the FAQ answered with; None for a fallback
    department: str  # the contact card's
    right: bool  # answered with an FAQ that truly answers the question
    covered: bool  # some published FAQ truly answers it

    @property
    def routed(self) -> bool:
        return self.faq_id is None and self.department in self.row.departments

    @property
    def helped(self) -> bool:
        return self.right or self.routed or (not self.row.city and self.faq_id is None)


def _records(path: Path) -> list[dict[str, str]]:
    """A TSV's data rows, its '#' header lines skipped."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def _departments(field: str) -> frozenset[str]:
    return frozenset(d for d in field.split(",") if d != OUT_OF_SCOPE)


def _topic(field: str) -> tuple[tuple[str, ...], ...]:
    """Space-separated slots, each a '|'-separated set of alternative spellings."""
    return tuple(tuple(_fold(w) for w in slot.split("|")) for slot in field.split() if slot != OUT_OF_SCOPE)


def read_demand(path: Path) -> list[DemandRow]:
    return [DemandRow(path.stem, n, r["query"], _departments(r["departments"]), _topic(r["topic"]), r["kind"],
                      r["style"]) for n, r in enumerate(_records(path))]


def read_multilingual(path: Path) -> list[DemandRow]:
    """Demand rows in many languages: the language rides in ``style``, ``need`` rows are city matters."""
    return [DemandRow(path.stem, n, r["query"], _departments(r["departments"]), _topic(r["topic"]), r["kind"],
                      r["lang"]) for n, r in enumerate(_records(path))]


def multilingual_report(judged: list[Judged], index: ServingIndex) -> None:
    """Per file and language: needs answered with an FAQ that truly answers them, off-topic declined, the
    precision of what was answered, and how many answers were shown in the asker's own language (the
    acceptance figures of the languages issue)."""
    for file in dict.fromkeys(j.row.file for j in judged):
        for lang in dict.fromkeys(j.row.style for j in judged if j.row.file == file):
            part = [j for j in judged if j.row.file == file and j.row.style == lang]
            needs = [j for j in part if j.row.city]
            offtopic = [j for j in part if not j.row.city]
            answered = [j for j in part if j.faq_id]
            own = [j for j in answered if index.faqs[j.faq_id].text(lang)[0] == lang]
            print(f"{file:18s} {lang:5s} rows={len(part):3d} "
                  f"right={sum(j.right for j in needs) / max(1, len(needs)):.3f} "
                  f"declined={sum(not j.faq_id for j in offtopic) / max(1, len(offtopic)):.3f} "
                  f"precision={sum(j.right for j in answered) / max(1, len(answered)):.3f} "
                  f"answered={len(answered) / max(1, len(part)):.3f} "
                  f"in_language={len(own) / max(1, len(answered)):.3f}")


def _fold(text: str) -> str:
    """Width, case and spaces folded: FAQs write 14 日 and topic words 14日, and Japanese has no word spaces."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def faq_text(faq: FAQ) -> str:
    """What an FAQ says, in Japanese, folded as topic words are: topic words are matched against it."""
    return _fold("\n".join((faq.question, *faq.alt_questions, *faq.tags, faq.answer)))


def mentions(topic: tuple[tuple[str, ...], ...], text: str) -> bool:
    """Every slot of the topic is in the (folded) FAQ text, in one of its spellings."""
    return bool(topic) and all(any(word in text for word in slot) for slot in topic)


def truly_answers(row: DemandRow, text: str) -> bool:
    return row.city and mentions(row.topic, text)


def judge(rows: Sequence[DemandRow], index: ServingIndex, threshold: float, suggest_threshold: float) -> list[Judged]:
    """Each row through the service's own reply, with the FAQ texts of the index it was answered from."""
    texts = {faq.id: faq_text(faq) for faq in index.kb.published}
    judged = []
    for row in rows:
        reply = respond(index, row.query, threshold=threshold, suggest_threshold=suggest_threshold)
        faq_id = reply.faq.id if reply.faq else None
        covered = any(truly_answers(row, text) for text in texts.values())
        right = faq_id is not None and truly_answers(row, texts[faq_id])
        judged.append(Judged(row, faq_id, reply.department.key, right, covered))
    return judged


def demand_figures(judged: Sequence[Judged]) -> dict[str, float]:
    def share(hits: int, of: int) -> float:
        return hits / of if of else float("nan")

    answered = [j for j in judged if j.faq_id]
    city = [j for j in judged if j.row.city]
    covered = [j for j in city if j.covered]
    fallbacks = [j for j in city if not j.faq_id]
    return {
        "rows": len(judged),
        "precision": share(sum(j.right for j in answered), len(answered)),
        "answered": share(len(answered), len(judged)),
        "coverage": share(len(covered), len(city)),
        "resolved": share(sum(j.right for j in covered), len(covered)),
        "routed": share(sum(j.routed for j in fallbacks), len(fallbacks)),
        "helped": share(sum(j.helped for j in judged), len(judged)),
    }


def wrong_cause(j: Judged, index: ServingIndex) -> str:
    if not j.row.city:
        return "off-topic answered"
    if not j.covered:
        return "no FAQ covers it, answered anyway"
    same = index.faqs[j.faq_id].department in j.row.departments if j.faq_id else False
    return "neighbouring FAQ, " + ("same department" if same else "other department")


def demand_report(judged: list[Judged], index: ServingIndex, errors: bool) -> None:
    dev = [j for j in judged if j.row.dev]
    test = [j for j in judged if not j.row.dev]
    parts = [("all", judged), ("dev", dev), ("test", test)]
    parts += [(f"{name} english", [j for j in part if j.row.style == "english"]) for name, part in parts[1:]]
    for file in sorted({j.row.file for j in judged}) if len({j.row.file for j in judged}) > 1 else ():
        parts += [(f"{file} {name}", mine) for name, part in parts[1:3]
                  if (mine := [j for j in part if j.row.file == file])]  # a dev-only file has no test half
    for name, part in parts:
        figures = demand_figures(part)
        print(f"{name:20s} " + " ".join(f"{k}={v:.3f}" if k != "rows" else f"rows={v:4d}"
                                               for k, v in figures.items()))
    if errors:
        wrong = sorted(((wrong_cause(j, index), j) for j in dev if j.faq_id and not j.right), key=lambda p: p[0])
        for cause, j in wrong:
            print(f"  {cause:40s} {j.row.query!r} -> {j.faq_id} (expected {','.join(sorted(j.row.departments))})")
        for j in dev:
            if j.covered and not j.faq_id:
                print(f"  {'covered, fell back':40s} {j.row.query!r} -> {j.department}")


@dataclass(frozen=True)
class ConversationRow:
    file: str
    number: int  # within its file: even rows are dev, odd rows test (all dev in a DEV_ONLY file)
    first: str | None  # asked before, its reply's subject sent along with `second`
    second: str
    kind: str  # followup | change | smalltalk
    expect: str  # answer, or the small-talk kind
    departments: frozenset[str]
    topic: tuple[tuple[str, ...], ...]
    lang: str

    @property
    def dev(self) -> bool:
        return self.number % 2 == 0 or self.file.endswith(DEV_ONLY)


@dataclass(frozen=True)
class Exchange:
    row: ConversationRow
    reply: Reply  # to `second`, with the subject `first` left
    alone: Reply  # to `second` asked on its own
    right: bool  # answered with an FAQ that mentions the row's topic
    covered: bool  # some published FAQ does

    @property
    def handled(self) -> bool:
        """Follow-ups and subject changes: answered right; small talk: recognised as its kind, a request
        for a person with the office of the matter in hand."""
        if self.row.kind != "smalltalk":
            return self.right
        return self.reply.type == self.row.expect and (self.row.expect != "handoff"
                                                        or self.reply.department.key in self.row.departments)

    @property
    def dragged(self) -> bool:
        """The subject pulled the question off the answer it gets on its own, to a wrong one."""
        return not self.right and _faq_id(self.reply) != _faq_id(self.alone)


def _faq_id(reply: Reply) -> str | None:
    return reply.faq.id if reply.faq else None


def read_conversation(path: Path) -> list[ConversationRow]:
    return [ConversationRow(path.stem, n, None if r["first"] == OUT_OF_SCOPE else r["first"], r["second"], r["kind"],
                            r["expect"], _departments(r["departments"]), _topic(r["topic"]), r["lang"])
            for n, r in enumerate(_records(path))]


def converse(rows: Sequence[ConversationRow], index: ServingIndex, settings: Settings,
             threshold: float) -> list[Exchange]:
    """Each pair as the widget sends it: the second message carries the first reply's subject."""
    texts = {faq.id: faq_text(faq) for faq in index.kb.published}
    options = {"threshold": threshold, "suggest_threshold": settings.suggest_threshold,
               "greeting_faqs": settings.greeting_faqs}
    exchanges = []
    for row in rows:
        first = respond(index, row.first, **options) if row.first else None
        subject = first.subject.id if first and first.subject else None
        office = first.department.key if first and not subject else None
        reply = respond(index, row.second, previous=subject, previous_department=office, **options)
        alone = respond(index, row.second, **options)
        right = reply.faq is not None and mentions(row.topic, texts[reply.faq.id])
        exchanges.append(Exchange(row, reply, alone, right, any(mentions(row.topic, t) for t in texts.values())))
    return exchanges


def conversation_report(exchanges: list[Exchange], errors: bool) -> None:
    """Follow-ups resolved (right among those some FAQ covers), subject changes not dragged back, small
    talk handled, per half and per file."""
    def share(hits: int, of: int) -> str:
        return f"{hits / of:.3f} ({hits}/{of})" if of else "n/a"

    files = sorted({e.row.file for e in exchanges})
    for file in ([None, *files] if len(files) > 1 else [None]):
        for half, dev in (("dev", True), ("test", False)):
            part = [e for e in exchanges if e.row.dev == dev and file in (None, e.row.file)]
            if not part:  # the test half of a dev-only file
                continue
            follow = [e for e in part if e.row.kind == "followup" and e.covered]
            change = [e for e in part if e.row.kind == "change"]
            talk = [e for e in part if e.row.kind == "smalltalk"]
            answered = [e for e in part if e.row.kind != "smalltalk" and e.reply.faq]
            covered_changes = [e for e in change if e.covered]
            print(f"{file or 'conversation':13s} {half:4s} "
                  f"followups_resolved={share(sum(e.right for e in follow), len(follow))} "
                  f"changes_not_dragged={share(sum(not e.dragged for e in change), len(change))} "
                  f"changes_resolved={share(sum(e.right for e in covered_changes), len(covered_changes))} "
                  f"smalltalk_handled={share(sum(e.handled for e in talk), len(talk))} "
                  f"precision={share(sum(e.right for e in answered), len(answered))}")
    if errors:
        for e in exchanges:
            wrong = e.dragged if e.row.kind == "change" else not e.handled and (e.covered or e.row.kind == "smalltalk")
            if e.row.dev and wrong:
                print(f"  {e.row.kind:9s} {e.row.expect:8s} {e.row.first!r} → {e.row.second!r}: {e.reply.type} "
                      f"{_faq_id(e.reply)} (alone {_faq_id(e.alone)}) {e.reply.department.key}")


def dragged_alt_questions(index: ServingIndex, settings: Settings, threshold: float, seed: int = 0) -> str:
    """Each FAQ's alt questions asked after two FAQs of other offices (drawn with a fixed seed), as a citizen
    asks a new question after an unrelated answer: how many right answers the subject takes away. No
    evaluation row is involved, so the figure can be tuned on."""
    rng = random.Random(seed)
    options = {"threshold": threshold, "suggest_threshold": settings.suggest_threshold}
    faqs = index.kb.published
    asked = dragged = 0
    for faq in faqs:
        others = [f for f in faqs if f.department != faq.department]
        for question in faq.alt_questions:
            alone = respond(index, question, **options)
            if alone.faq is None or alone.faq.id != faq.id:
                continue
            for subject in rng.sample(others, 2):
                asked += 1
                dragged += _faq_id(respond(index, question, previous=subject.id, **options)) != faq.id
    return (f"alt questions asked after another office's FAQ: {asked}, answer changed by the subject: {dragged} "
            f"({dragged / max(1, asked):.3f})")


def samples(outcomes: list[Outcome], rows: Sequence[DemandRow], index: ServingIndex) -> list[tuple[Evidence, bool]]:
    """(evidence of the top hit, whether it is a right answer) for calibration. Questions naming a
    topic no FAQ covers are left out: they fall back whatever the confidence says."""
    found = [(o.evidence, bool(o.ranked) and o.row.right(o.ranked[0])) for o in outcomes
             if o.evidence is not None and not o.unanswerable]
    texts = {faq.id: faq_text(faq) for faq in index.kb.published}
    normalize = index.engine.analyzer.normalize
    for row in rows:
        explained = index.engine.explain(row.query, k=1)
        if explained and index.topics.unanswered(row.query, normalize) is None:
            hit, evidence = explained[0]
            found.append((evidence, truly_answers(row, texts[hit.id])))
    return [(e, label) for e, label in found if e.content_tokens]


def fit(found: list[tuple[Evidence, bool]], note: str, seed: int = 0) -> dict[str, Any]:
    """Monotone boosted trees (`chatbot.search.confidence.fit`). Prints the operating points of 5-fold
    cross-validated predictions first: a model scored on the rows it was fitted on looks better than it
    is, so thresholds are chosen from these."""
    from sklearn.model_selection import StratifiedKFold

    x = np.array([[getattr(e, f) for f in FEATURES] for e, _ in found])
    y = np.array([1.0 if label else 0.0 for _, label in found])
    held_out = np.zeros(len(y))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y):
        model = Confidence.from_json(fit_trees(x[train], y[train], note, seed=seed))
        held_out[test] = [1.0 / (1.0 + np.exp(-model.log_odds(row))) for row in x[test]]
    print(f"cross-validated on {len(y)} dev rows ({int(y.sum())} right top hits): threshold → precision / right kept")
    print("  " + "  ".join(f"{t:.2f}→{y[held_out >= t].mean():.3f}/{y[held_out >= t].sum() / y.sum():.3f}"
                           for t in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)))
    return fit_trees(x, y, note, seed=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    settings = Settings.from_env()
    parser.add_argument("--threshold", type=float, default=settings.answer_threshold)
    parser.add_argument("--model", default="", help="local sentence-transformers directory (default: built-in)")
    parser.add_argument("--fit", action="store_true", help="refit the confidence model on the dev rows")
    parser.add_argument("--write", action="store_true", help="with --fit: save it as the shipped model")
    parser.add_argument("--errors", action="store_true", help="list the dev rows that go wrong")
    parser.add_argument("--rows", type=Path, nargs="+", default=EVAL_FILES, help="TSV files of questions")
    parser.add_argument("--demand", type=Path, nargs="*", default=DEMAND_FILES, help="demand-side TSVs (see headers)")
    parser.add_argument("--multilingual", type=Path, nargs="*", default=MULTILINGUAL_FILES,
                        help="multilingual TSVs (see their headers); give the option alone to skip them")
    parser.add_argument("--conversation", type=Path, nargs="*", default=CONVERSATION_FILES,
                        help="follow-up, subject-change and small-talk pairs (see its header)")
    parser.add_argument("--no-topics", action="store_true", help="ignore departments' topics (ablation)")
    parser.add_argument("--dragged", action="store_true",
                        help="also ask every FAQ's alt questions after FAQs of other offices (30 s)")
    args = parser.parse_args()

    rows = read_rows(args.rows)
    with tempfile.TemporaryDirectory() as workdir:
        built = versions.build(BuildSpec(args.knowledge, Path(workdir), embedding_model=args.model))
        index = versions.load_version(built.directory)
        engine, topics = index.engine, index.topics
        outcomes = []
        for row in rows:
            explained = engine.explain(row.query, k=5)
            unanswerable = not args.no_topics and topics.unanswered(row.query, engine.analyzer.normalize) is not None
            outcomes.append(Outcome(row, [hit.id for hit, _ in explained], explained[0][1] if explained else None,
                                    unanswerable))
        demand = [row for path in args.demand for row in read_demand(path)]
        dev = [o for o in outcomes if o.row.number % 2 == 0]
        test = [o for o in outcomes if o.row.number % 2 == 1]
        model = engine.confidence
        if args.fit:
            note = f"fitted by scripts/eval_kb.py --fit on the dev rows of {', '.join(f.name for f in args.rows)}, " \
                   f"{', '.join(f.name for f in args.demand)}"
            fitted = fit(samples(dev, [r for r in demand if r.dev], index), note)
            model = Confidence.from_json(fitted)
            engine.calibrate(model)
            if args.write:
                MODEL_FILE.write_text(json.dumps(fitted) + "\n", encoding="utf-8")
                print(f"written to {MODEL_FILE.relative_to(ROOT)}")
        judged = judge(demand, index, args.threshold, settings.suggest_threshold)
        multilingual = judge([row for path in args.multilingual for row in read_multilingual(path)], index,
                             args.threshold, settings.suggest_threshold)
        conversation = [row for path in args.conversation for row in read_conversation(path)]
        exchanges = converse(conversation, index, settings, args.threshold)
        dragged = dragged_alt_questions(index, settings, args.threshold) if args.dragged else ""
    print(f"threshold={args.threshold}")
    parts = [("all", outcomes), ("dev", dev), ("test", test)]
    for file in dict.fromkeys(o.row.file for o in outcomes) if len(args.rows) > 1 else ():
        parts += [(f"{Path(file).stem} {name}", [o for o in part if o.row.file == file]) for name, part in parts[:3]]
    for name, part in parts:
        report(name, part, model, args.threshold)
    demand_report(judged, index, args.errors)
    multilingual_report(multilingual, index)
    conversation_report(exchanges, args.errors)
    if dragged:
        print(dragged)
    if args.errors:
        for o in dev:
            confidence = model(o.evidence) if o.evidence else 0.0
            wrong_rank = o.row.expected != OUT_OF_SCOPE and (not o.ranked or not o.row.right(o.ranked[0]))
            wrong_side = (confidence >= args.threshold and not o.unanswerable) == (o.row.expected == OUT_OF_SCOPE)
            if wrong_rank or wrong_side:
                print(f"  {o.row.kind:10s} {o.row.query!r} expected={o.row.expected} got={o.ranked[:2]} "
                      f"conf={confidence:.2f} {dataclasses.asdict(o.evidence) if o.evidence else ''}")


if __name__ == "__main__":
    main()
