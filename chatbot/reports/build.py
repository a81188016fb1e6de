"""Staff reports from the conversation log: what was answered, what was not, and what to write next.

Unanswered and 👎 questions are grouped by similarity so staff see one line per missing topic
(「粗大ごみの出し方」「そだいごみ」…) instead of a long list, and the biggest groups can be turned
into draft FAQs. ``build_report`` and the renderers are pure; ``run`` does the reading and writing.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import itertools
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import yaml

from chatbot.core import messages
from chatbot.core.settings import Settings
from chatbot.knowledge.hours import TOKYO
from chatbot.knowledge.loading import FAQ, KnowledgeBase, load_knowledge, question_key
from chatbot.store.conversations import ConversationLog, Turn
from chatbot.text.japanese import Analyzer, to_katakana

if TYPE_CHECKING:
    from chatbot.search.versions import ServingIndex

log = logging.getLogger(__name__)

# Average cosine similarity (token + reading-bigram TF-IDF) at which two groups of questions merge.
# Chosen on hand-made near-duplicates: wordings of one topic score about 0.25–0.6 with each other,
# different topics (粗大ごみ vs ごみの分別) below 0.2.
GROUP_THRESHOLD = 0.25
MAX_ALT_QUESTIONS = 10  # a draft with more variants than this is harder to review than to extend
MAX_GUESS_QUESTIONS = 10  # searches per group when guessing its department
DRAFT_CATEGORY = "drafts"
SINCE_PATTERN = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
SINCE_UNITS = {"h": "hours", "d": "days", "w": "weeks"}

# Questions → a departments.yaml key, or None when there is nothing to go on.
DepartmentGuess = Callable[[Sequence[str]], str | None]


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    answered: int
    fallback: int

    @property
    def total(self) -> int:
        return self.answered + self.fallback

    @property
    def fallback_rate(self) -> float:
        return self.fallback / self.total if self.total else 0.0


@dataclass(frozen=True)
class QuestionGroup:
    """Near-duplicate questions standing for one topic the FAQs do not cover (well)."""

    representative: str
    count: int
    members: tuple[tuple[str, int], ...]  # distinct questions with how often each was asked, most first
    department: str
    faqs: tuple[tuple[str, int], ...] = ()  # FAQs that answered them (👎 groups), most first
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class FaqStat:
    faq_id: str
    question: str | None  # None when the FAQ is no longer in the knowledge base
    department: str | None
    hits: int
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class FaqRef:
    faq_id: str
    question: str
    department: str
    updated: dt.date


@dataclass(frozen=True)
class Report:
    generated: dt.datetime
    stale_days: int
    days: tuple[DayCount, ...]
    unanswered: tuple[QuestionGroup, ...]
    unhelpful: tuple[QuestionGroup, ...]
    departments: tuple[tuple[str | None, int], ...]  # department key (None = unknown FAQ), answers
    faqs: tuple[FaqStat, ...]
    never_hit: tuple[FaqRef, ...]
    stale: tuple[FaqRef, ...]
    department_names: dict[str, str]

    @property
    def answered(self) -> int:
        return sum(d.answered for d in self.days)

    @property
    def fallback(self) -> int:
        return sum(d.fallback for d in self.days)

    @property
    def helpful(self) -> int:
        return sum(f.helpful for f in self.faqs)

    @property
    def not_helpful(self) -> int:
        return sum(f.not_helpful for f in self.faqs)

    def department_name(self, key: str | None) -> str:
        return self.department_names.get(key or "", messages.text("report_unknown"))


# ---------------------------------------------------------------- building

def build_report(turns: Sequence[Turn], kb: KnowledgeBase, now: dt.datetime, stale_days: int,
                 guess_department: DepartmentGuess | None = None, start: dt.datetime | None = None) -> Report:
    """Everything staff look at, computed from the log and the knowledge base alone."""
    analyzer = Analyzer(kb.synonyms)
    fallbacks = [t for t in turns if t.outcome != "answer"]
    unhelpful = [t for t in turns if t.helpful is False]
    answered = [t for t in turns if t.outcome == "answer" and t.faq_id]
    hit_ids = {t.faq_id for t in answered}
    cutoff = now.date() - dt.timedelta(days=stale_days)
    return Report(
        generated=now,
        stale_days=stale_days,
        days=daily_counts(turns, now, start),
        unanswered=question_groups(fallbacks, kb, analyzer, guess_department),
        unhelpful=question_groups(unhelpful, kb, analyzer, guess_department),
        departments=tuple(Counter(_department(kb.faq(t.faq_id)) for t in answered).most_common()),
        faqs=faq_stats(turns, kb),
        never_hit=tuple(_ref(f) for f in kb.published if f.id not in hit_ids),
        stale=tuple(_ref(f) for f in sorted(kb.published, key=lambda f: f.updated) if f.updated < cutoff),
        department_names={key: d.name for key, d in kb.departments.items()},
    )


def _department(faq: FAQ | None) -> str | None:
    return faq.department if faq else None


def _ref(faq: FAQ) -> FaqRef:
    return FaqRef(faq.id, faq.question, faq.department, faq.updated)


def _local_day(ts: dt.datetime, now: dt.datetime) -> dt.date:
    """The calendar day in the report's time zone (the log stores Tokyo time, but be sure)."""
    return ts.astimezone(now.tzinfo).date() if ts.tzinfo and now.tzinfo else ts.date()


def daily_counts(turns: Sequence[Turn], now: dt.datetime,
                 start: dt.datetime | None = None) -> tuple[DayCount, ...]:
    """One row per day from the start (or first turn) to today, quiet days included as zeros."""
    answered = Counter(_local_day(t.ts, now) for t in turns if t.outcome == "answer")
    fallback = Counter(_local_day(t.ts, now) for t in turns if t.outcome != "answer")
    seen = answered.keys() | fallback.keys()
    if start is None and not seen:
        return ()
    first = _local_day(start, now) if start else min(seen)
    last = max([now.date(), *seen])
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return tuple(DayCount(day, answered[day], fallback[day]) for day in days)


def faq_stats(turns: Sequence[Turn], kb: KnowledgeBase) -> tuple[FaqStat, ...]:
    """Per answered FAQ: how often it answered and how it was rated, most used first."""
    hits = Counter(t.faq_id for t in turns if t.outcome == "answer" and t.faq_id)
    good = Counter(t.faq_id for t in turns if t.faq_id and t.helpful is True)
    bad = Counter(t.faq_id for t in turns if t.faq_id and t.helpful is False)
    stats = []
    for faq_id, count in hits.most_common():
        faq = kb.faq(faq_id)
        stats.append(FaqStat(faq_id, faq.question if faq else None, _department(faq), count,
                             good[faq_id], bad[faq_id]))
    return tuple(stats)


def question_groups(turns: Sequence[Turn], kb: KnowledgeBase, analyzer: Analyzer,
                    guess_department: DepartmentGuess | None = None) -> tuple[QuestionGroup, ...]:
    """Group the turns' questions by similarity, biggest group first."""
    by_key: dict[str, list[Turn]] = {}
    for turn in turns:
        by_key.setdefault(question_key(turn.question), []).append(turn)
    keys = sorted(by_key, key=lambda k: -len(by_key[k]))
    if not keys:
        return ()
    texts = [usual_wording([t.question for t in by_key[k]]) for k in keys]
    vectors = tfidf([similarity_features(analyzer, text) for text in texts])
    groups = []
    for members in map(sorted, cluster(vectors, GROUP_THRESHOLD)):  # most asked wording first
        group_turns = [t for m in members for t in by_key[keys[m]]]
        questions = tuple((texts[m], len(by_key[keys[m]])) for m in members)
        centroid = vectors[members].sum(axis=0)
        typical = max(members, key=lambda m: (len(by_key[keys[m]]), float(vectors[m] @ centroid)))
        faqs = Counter(t.faq_id for t in group_turns if t.faq_id)
        department = group_department([q for q, _ in questions], faqs, kb, guess_department)
        comments = tuple(dict.fromkeys(t.comment for t in group_turns if t.comment))
        groups.append(QuestionGroup(texts[typical], len(group_turns), questions, department,
                                    tuple(faqs.most_common()), comments))
    return tuple(sorted(groups, key=lambda g: -g.count))


def usual_wording(questions: Sequence[str]) -> str:
    """The most asked of equivalent wordings; the shortest on a tie (usually without stray punctuation)."""
    return min(Counter(questions).items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]


def similarity_features(analyzer: Analyzer, text: str) -> list[str]:
    """Kana-folded content words plus reading bigrams, so そだいごみ meets 粗大ゴミ in any word order."""
    analysis = analyzer.analyze(text)
    words = [f"w:{to_katakana(token)}" for token in analysis.tokens]
    return words + [f"r:{gram}" for gram in analysis.readings]


def tfidf(documents: Sequence[Sequence[str]]) -> np.ndarray:
    """L2-normalised TF-IDF rows; smoothed idf so a feature shared by all still counts a little."""
    vocabulary = {feature: i for i, feature in enumerate(dict.fromkeys(f for doc in documents for f in doc))}
    counts = np.zeros((len(documents), len(vocabulary)))
    for row, doc in enumerate(documents):
        for feature in doc:
            counts[row, vocabulary[feature]] += 1
    df = (counts > 0).sum(axis=0)
    weights = np.log1p(counts) * (np.log((1 + len(documents)) / (1 + df)) + 1)
    norms = np.linalg.norm(weights, axis=1, keepdims=True)
    return weights / np.where(norms == 0, 1, norms)


def cluster(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage agglomerative clustering over cosine similarity, most similar groups merged first.

    Unlike a greedy pass the result does not depend on the order questions arrive in, and unlike
    single linkage it does not chain loosely related questions into one topic.
    """
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    groups = {row: [row] for row in range(len(vectors))}
    while len(groups) > 1:
        i, j = sorted(np.unravel_index(int(np.argmax(similarity)), similarity.shape))
        if similarity[i, j] < threshold:
            break
        n_i, n_j = len(groups[i]), len(groups[j])
        similarity[i] = similarity[:, i] = (n_i * similarity[i] + n_j * similarity[j]) / (n_i + n_j)
        similarity[i, i] = -np.inf
        similarity[j] = similarity[:, j] = -np.inf
        groups[i] += groups.pop(j)
    return list(groups.values())


def group_department(questions: Sequence[str], faqs: Counter[str], kb: KnowledgeBase,
                     guess_department: DepartmentGuess | None) -> str:
    """The answering FAQs' department, else the guess, else the main switchboard."""
    answered: Counter[str] = Counter()
    for faq_id, n in faqs.items():
        if department := _department(kb.faq(faq_id)):
            answered[department] += n
    if answered:
        return answered.most_common(1)[0][0]
    guessed = guess_department(questions) if guess_department else None
    return guessed if guessed in kb.departments else kb.default_department


def index_guess(serving: ServingIndex) -> DepartmentGuess:
    """Guess by asking the serving index: the department handling a matter the question names
    (departments.yaml topics, one vote), else the top hit's department, weighted by its confidence."""

    def guess(questions: Sequence[str]) -> str | None:
        votes: Counter[str] = Counter()
        for question in questions[:MAX_GUESS_QUESTIONS]:
            if topic := serving.topics.named(question, serving.engine.analyzer.normalize):
                votes[topic.department] += 1.0
                continue
            hits = serving.engine.search(question, k=1)
            if hits and hits[0].id in serving.faqs:
                votes[serving.faqs[hits[0].id].department] += hits[0].confidence
        return votes.most_common(1)[0][0] if votes else None

    return guess


# ---------------------------------------------------------------- rendering

def _both(key: str, **values: object) -> str:
    """Japanese with the English in parentheses, for headings staff of either language can read."""
    return f"{messages.text(key, 'ja', **values)} ({messages.text(key, 'en', **values)})"


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _bar(value: int, largest: int, css: str = "bar") -> str:
    width = 100 * value / largest if largest else 0
    return f'<span class="{css}" style="width:{width:.1f}%"></span>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table; cells are already-escaped HTML, headers are escaped here."""
    if not rows:
        return f'<p class="none">{html.escape(_both("report_none"))}</p>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(title: str, content: str, note: str = "") -> str:
    hint = f'<p class="note">{html.escape(note)}</p>' if note else ""
    return f"<section><h2>{html.escape(title)}</h2>{hint}{content}</section>"


def _faq_label(faq_id: str, question: str | None) -> str:
    return f"{html.escape(question or messages.text('report_unknown'))}<br><code>{html.escape(faq_id)}</code>"


def _group_rows(report: Report, groups: Sequence[QuestionGroup]) -> list[list[str]]:
    largest = max((g.count for g in groups), default=0)
    rows = []
    for g in groups:
        members = "".join(f"<li>{html.escape(q)} <span class=\"n\">×{n}</span></li>" for q, n in g.members)
        extra = "".join(f"<li><code>{html.escape(f)}</code> ×{n}</li>" for f, n in g.faqs)
        extra += "".join(f"<li class=\"comment\">{html.escape(c)}</li>" for c in g.comments)
        rows.append([html.escape(g.representative), str(g.count), _bar(g.count, largest),
                     html.escape(report.department_name(g.department)),
                     f"<details><summary>{len(g.members)}</summary><ul>{members}</ul></details>"
                     + (f"<ul class=\"extra\">{extra}</ul>" if extra else "")])
    return rows


_CSS = """
body{font-family:"Hiragino Sans","Yu Gothic","Meiryo",sans-serif;margin:2em;color:#222;line-height:1.5}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:2px solid #2a6;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border:1px solid #ccc;padding:.3em .5em;
text-align:left;vertical-align:top}th{background:#eef6f0}td:nth-child(n+2){white-space:nowrap}
.bar{display:inline-block;height:.9em;background:#2a6;min-width:1px}.bar.fallback{background:#e80}
.stack{display:flex;width:12em}.note{color:#555}.none{color:#777}
.n{color:#777}.comment{color:#a40}ul{margin:.2em 0;padding-left:1.2em}code{font-size:.85em;color:#555}
"""


def render_html(report: Report) -> str:
    """One self-contained page (no scripts, no external files) staff can open from disk or mail."""
    esc = html.escape
    total = report.answered + report.fallback
    period = messages.text("report_period", start=report.days[0].day if report.days else "-",
                           end=report.generated.date())
    summary = _table([_both("report_total"), _both("report_answered"), _both("report_fallback"),
                      _both("report_fallback_rate"), _both("report_helpful"), _both("report_not_helpful")],
                     [[str(total), str(report.answered), str(report.fallback),
                       _pct(report.fallback / total if total else 0.0), str(report.helpful),
                       str(report.not_helpful)]])
    busiest = max((d.total for d in report.days), default=0)
    daily = _table([_both("report_date"), _both("report_answered"), _both("report_fallback"),
                    _both("report_fallback_rate"), ""],
                   [[esc(d.day.isoformat()), str(d.answered), str(d.fallback), _pct(d.fallback_rate),
                     f'<span class="stack">{_bar(d.answered, busiest)}'
                     f'{_bar(d.fallback, busiest, "bar fallback")}</span>'] for d in report.days])
    group_headers = [_both("report_representative"), _both("report_count"), "",
                     _both("report_department_guess"), _both("report_members")]
    most = max((n for _, n in report.departments), default=0)
    departments = _table([_both("report_department"), _both("report_answered"), ""],
                         [[esc(report.department_name(key)), str(n), _bar(n, most)]
                          for key, n in report.departments])
    most_hits = max((f.hits for f in report.faqs), default=0)
    faqs = _table([_both("report_faq"), _both("report_department"), _both("report_hits"), "",
                   _both("report_helpful"), _both("report_not_helpful")],
                  [[_faq_label(f.faq_id, f.question), esc(report.department_name(f.department)), str(f.hits),
                    _bar(f.hits, most_hits), str(f.helpful), str(f.not_helpful)] for f in report.faqs])

    def refs(items: Sequence[FaqRef]) -> str:
        return _table([_both("report_faq"), _both("report_department"), _both("report_updated")],
                      [[_faq_label(r.faq_id, r.question), esc(report.department_name(r.department)),
                        esc(r.updated.isoformat())] for r in items])

    sections = [
        _section(_both("report_summary"), summary),
        _section(_both("report_daily"), daily),
        _section(_both("report_unanswered"), _table(group_headers, _group_rows(report, report.unanswered)),
                 messages.text("report_unanswered_note")),
        _section(_both("report_unhelpful"), _table(group_headers, _group_rows(report, report.unhelpful)),
                 messages.text("report_unhelpful_note")),
        _section(_both("report_departments"), departments),
        _section(_both("report_faqs"), faqs),
        _section(_both("report_never_hit"), refs(report.never_hit), messages.text("report_never_hit_note")),
        _section(_both("report_stale", days=report.stale_days), refs(report.stale),
                 messages.text("report_stale_note")),
    ]
    generated = messages.text("report_generated", at=report.generated.isoformat(timespec="minutes"))
    return (f'<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(messages.text('report_title'))}</title><style>{_CSS}</style></head><body>"
            f"<h1>{esc(_both('report_title'))}</h1><p>{esc(period)}<br>{esc(generated)}</p>"
            + "".join(sections) + "</body></html>\n")


CSV_COLUMNS = ("section", "date", "group", "id", "question", "department", "department_name", "count",
               "answered", "fallback", "fallback_rate", "helpful", "not_helpful", "updated")


def csv_rows(report: Report) -> list[dict[str, object]]:
    """Every section as flat rows keyed by ``CSV_COLUMNS``; the ``section`` column tells them apart."""
    name = report.department_name
    rows: list[dict[str, object]] = [
        {"section": "daily", "date": d.day.isoformat(), "count": d.total, "answered": d.answered,
         "fallback": d.fallback, "fallback_rate": f"{d.fallback_rate:.4f}"} for d in report.days]
    for section, groups in (("unanswered", report.unanswered), ("unhelpful", report.unhelpful)):
        for number, g in enumerate(groups, start=1):
            rows.append({"section": f"{section}_group", "group": number, "question": g.representative,
                         "department": g.department, "department_name": name(g.department), "count": g.count,
                         "id": " ".join(f for f, _ in g.faqs)})
            rows += [{"section": f"{section}_question", "group": number, "question": q, "count": n}
                     for q, n in g.members]
    rows += [{"section": "department", "department": key or "", "department_name": name(key), "count": n}
             for key, n in report.departments]
    rows += [{"section": "faq", "id": f.faq_id, "question": f.question or "",
              "department": f.department or "", "department_name": name(f.department), "count": f.hits,
              "helpful": f.helpful, "not_helpful": f.not_helpful} for f in report.faqs]
    for section, refs in (("never_hit", report.never_hit), ("stale", report.stale)):
        rows += [{"section": section, "id": r.faq_id, "question": r.question, "department": r.department,
                  "department_name": name(r.department), "updated": r.updated.isoformat()} for r in refs]
    return rows


def render_csv(report: Report) -> str:
    """One CSV for spreadsheets; starts with a BOM so Excel reads the Japanese as UTF-8."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(csv_rows(report))
    return "\ufeff" + out.getvalue()


RENDERERS: dict[str, Callable[[Report], str]] = {"html": render_html, "csv": render_csv}


# ---------------------------------------------------------------- draft FAQs

def draft_text(group: QuestionGroup, department: str, today: dt.date, faq_id: str) -> str:
    """A draft FAQ file that passes validation as a draft and tells staff what is left to write."""
    alts = [q for q, _ in group.members if question_key(q) != question_key(group.representative)]
    header = {"id": faq_id, "question": group.representative, "alt_questions": alts[:MAX_ALT_QUESTIONS],
              "category": DRAFT_CATEGORY, "department": department, "tags": [], "updated": today,
              "status": "draft"}
    front = yaml.safe_dump(header, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
    return f"---\n{front}---\n{messages.text('report_draft_body', count=group.count)}\n"


def draft_faqs(report: Report, kb: KnowledgeBase, directory: Path, min_count: int = 3,
               guess_department: DepartmentGuess | None = None) -> list[Path]:
    """Write one draft per unanswered group asked at least ``min_count`` times; never overwrites.

    Groups whose representative question already is an FAQ's question (e.g. a draft from an
    earlier run) are skipped, since a second file would fail validation as a duplicate.
    Without ``guess_department`` the department guessed when the report was built is used.
    """
    folder = directory / DRAFT_CATEGORY
    taken = {question_key(f.question) for f in kb.faqs}
    ids = _free_draft_ids(folder, report.generated.date(), {f.id for f in kb.faqs})
    written: list[Path] = []
    for group in report.unanswered:
        if group.count < min_count or question_key(group.representative) in taken:
            continue
        department = (group_department([q for q, _ in group.members], Counter(dict(group.faqs)), kb,
                                       guess_department) if guess_department else group.department)
        faq_id = next(ids)
        path = folder / f"{faq_id}.md"
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as fh:
            fh.write(draft_text(group, department, report.generated.date(), faq_id))
        written.append(path)
    return written


def _free_draft_ids(folder: Path, today: dt.date, taken_ids: set[str]) -> Iterator[str]:
    """``draft-YYYYMMDD-n`` ids used neither by an FAQ nor by a file in ``folder``."""
    for number in itertools.count(1):
        faq_id = f"draft-{today:%Y%m%d}-{number}"
        if faq_id not in taken_ids and not (folder / f"{faq_id}.md").exists():
            yield faq_id


# ---------------------------------------------------------------- edges

def parse_since(value: str) -> dt.timedelta:
    """``7d``, ``24h``, ``4w`` → a period; a readable error for anything else."""
    match = SINCE_PATTERN.match(value)
    if not match or int(match.group(1)) == 0:
        raise ValueError(messages.text("report_bad_since", value=value))
    return dt.timedelta(**{SINCE_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class RunResult:
    report: Report
    text: str  # the rendered report; the CLI prints it when there is no output file
    drafts: list[Path]


def run(settings: Settings, since: dt.timedelta, fmt: str = "html", output: Path | None = None,
        draft_dir: Path | None = None, now: dt.datetime | None = None) -> RunResult:
    """Read the log and knowledge, build the report, write it and any drafts.

    Department guesses need the serving index; without one the report still works and groups
    fall back to the default department.
    """
    if fmt not in RENDERERS:
        raise ValueError(messages.text("report_bad_format", value=fmt))
    now = now or dt.datetime.now(TOKYO)
    start = now - since
    kb, _ = load_knowledge(settings.knowledge_dir)
    turns = ConversationLog(settings.db_url).turns(start)
    guess = _serving_guess(settings.index_dir)
    report = build_report(turns, kb, now, settings.stale_days, guess_department=guess, start=start)
    text = RENDERERS[fmt](report)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8", newline="")
    drafts = draft_faqs(report, kb, draft_dir) if draft_dir is not None else []
    return RunResult(report, text, drafts)


def _serving_guess(index_dir: Path) -> DepartmentGuess | None:
    from chatbot.search.versions import IndexFailure, load_current  # torch and FAISS load only when reports run

    try:
        return index_guess(load_current(index_dir))
    except IndexFailure as exc:
        log.warning("no serving index, department guesses use the default department: %s", exc)
        return None

