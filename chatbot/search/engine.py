"""The search engine every entry point calls: build from FAQs, save, load, search.

Evidence comes from several channels over separate fields, because a citizen's question usually
resembles an FAQ's question more than its answer, and exact words, readings and meaning each catch
what the others miss: BM25 over the question field (question, alt questions, tags), BM25 over the
answer, BM25 over katakana reading bigrams, and dense cosine against each question and the answer.
Each channel is scaled to [0, 1] per query and summed with weights chosen on the localgovFAQ dev split.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import hashlib
import json
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from chatbot.search.confidence import Confidence, Evidence
from chatbot.search.dense import Encoder, TrainingConfig, build_default_model, load_encoder
from chatbot.search.lexical import BM25Channel
from chatbot.search.respell import ReadingLexicon
from chatbot.text import Analysis, Analyzer

DEFAULT_MODEL_NAME = "builtin-chive-static"
ENGINE_FILE = "engine.json"
LEXICON_FILE = "lexicon.json"
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")
_KANJI = re.compile(r"[\u3400-\u9fff々]")
# A lead beyond this says nothing more: one rare shared word (明日) alone can give a huge lead after
# per-query max scaling, and out-of-scope questions must not ride on it.
MARGIN_CAP = 0.1
SEARCH_CACHE_SIZE = 4096  # distinct recent questions remembered per index version
CHANNELS = ("question", "answer", "document", "reading")


@functools.cache
def default_confidence() -> Confidence:
    """The shipped model, read once per process (every engine and version shares it)."""
    return Confidence.load()


@dataclass(frozen=True)
class Document:
    """One FAQ, source-agnostic."""

    id: str
    question: str
    answer: str
    alt_questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def questions(self) -> tuple[str, ...]:
        return (self.question, *self.alt_questions)


@dataclass(frozen=True)
class Hit:
    id: str
    score: float  # fused score used for ranking
    confidence: float  # in [0, 1]


@dataclass(frozen=True)
class EngineParams:
    """Every tunable of ranking; defaults are the localgovFAQ dev-split choices (docs/retrieval.md)."""

    k1: float = 1.2
    b: float = 0.75
    w_question: float = 0.0  # BM25, question + alt questions + tags
    w_answer: float = 0.0  # BM25, answer
    w_document: float = 1.0  # BM25, question field and answer as one text
    w_reading: float = 0.3  # BM25, reading bigrams of the question field
    w_reading_kana: float = 3.0  # the same for a query without kanji, where readings are all there is to match
    w_dense_question: float = 1.0  # cosine, best of question and alt questions
    w_dense_answer: float = 1.0  # cosine, answer
    respell: bool = True  # query words no FAQ uses → FAQ words with the same reading (chatbot.search.respell)
    sentence_pairs: bool = False  # also train question ↔ each answer sentence, not only the whole answer
    dense_candidates: int = 512  # FAISS rows fetched per query; all of them for small indexes
    training: TrainingConfig = TrainingConfig()

    def to_json(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> EngineParams:
        values = dict(data)
        values["training"] = TrainingConfig(**values.get("training", {}))  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Fields:
    """A document's analysed fields."""

    question: Analysis
    answer: Analysis
    questions: tuple[Analysis, ...]  # question and each alt question, for the dense rows
    sentences: tuple[Analysis, ...]  # the answer's sentences, extra training pairs for the built-in model
    tags: Analysis

    @property
    def texts(self) -> tuple[Analysis, ...]:
        return (*self.questions, *self.sentences, self.tags)


def _analyse(doc: Document, analyzer: Analyzer) -> _Fields:
    questions = tuple(analyzer.analyze(q) for q in doc.questions)
    tags = analyzer.analyze(" ".join(doc.tags))
    sentences = tuple(analyzer.analyze(s) for s in _SENTENCE_END.split(doc.answer) if s.strip())
    return _Fields(question=_joined((*questions, tags)), answer=_joined(sentences), questions=questions,
                   sentences=sentences, tags=tags)


def _joined(parts: Sequence[Analysis]) -> Analysis:
    return Analysis(tokens=tuple(t for a in parts for t in a.tokens),
                    readings=tuple(r for a in parts for r in a.readings))


class SearchEngine:
    def __init__(self, analyzer: Analyzer, ids: list[str], channels: dict[str, BM25Channel], index: faiss.Index,
                 row_doc: np.ndarray, row_is_answer: np.ndarray, doc_words: list[frozenset[str]],
                 lexicon: ReadingLexicon, encoder: Encoder, params: EngineParams, model_name: str, model_hash: str,
                 model_path: Path):
        self.analyzer = analyzer
        self.lexicon = lexicon
        self.ids = ids
        self.channels = channels
        self.index = index
        self.row_doc = row_doc
        self.row_is_answer = row_is_answer
        self.doc_words = doc_words
        self.encoder = encoder
        self.params = params
        self.model_name = model_name
        self.model_hash = model_hash
        self.model_path = model_path
        self.confidence: Callable[[Evidence], float] = default_confidence()
        self._memo = functools.lru_cache(maxsize=SEARCH_CACHE_SIZE)(self._search)
        counts = collections.Counter(word for words in doc_words for word in words)
        # How common each word is across FAQs: 申請 or 必要 is in many and names no matter on its own.
        self.word_share = {word: n / len(doc_words) for word, n in counts.items()}

    # ------------------------------------------------------------ build / save / load

    @classmethod
    def build(cls, docs: Sequence[Document], analyzer: Analyzer, workdir: Path, model: str = "",
              faiss_factory: str = "Flat", params: EngineParams = EngineParams()) -> SearchEngine:
        """Index `docs`; with `model` empty, train the built-in model on them into workdir/"model"."""
        if not docs:
            raise ValueError("cannot build a search engine without documents")
        workdir = Path(workdir)
        fields = [_analyse(doc, analyzer) for doc in docs]
        channels = {
            "question": BM25Channel.build([f.question.tokens for f in fields], params.k1, params.b),
            "answer": BM25Channel.build([f.answer.tokens for f in fields], params.k1, params.b),
            "document": BM25Channel.build([f.question.tokens + f.answer.tokens for f in fields], params.k1, params.b),
            "reading": BM25Channel.build([f.question.readings for f in fields], params.k1, params.b),
        }
        if model:
            model_path, model_name = Path(model), Path(model).name
        else:
            model_path, model_name = workdir / "model", DEFAULT_MODEL_NAME
            _train_default_model(fields, model_path, params.training, params.sentence_pairs)
        encoder = load_encoder(model_path)
        row_doc, row_is_answer, texts = [], [], []
        for i, (doc, field) in enumerate(zip(docs, fields, strict=True)):
            rows = [*zip(doc.questions, field.questions, strict=True), (doc.answer, field.answer)]
            for j, (raw, analysis) in enumerate(rows):
                texts.append(" ".join(analysis.tokens) if encoder.pretokenized else analyzer.normalize(raw))
                row_doc.append(i)
                row_is_answer.append(j == len(rows) - 1)
        vectors = encoder.encode_documents(texts)
        index = faiss.index_factory(vectors.shape[1], faiss_factory, faiss.METRIC_INNER_PRODUCT)
        if not index.is_trained:
            index.train(vectors)
        index.add(vectors)
        doc_words = [frozenset(f.question.tokens) | frozenset(f.answer.tokens) for f in fields]
        lexicon = ReadingLexicon.build(text.morphemes for f in fields for text in f.texts)
        return cls(analyzer, [d.id for d in docs], channels, index, np.array(row_doc, dtype=np.int64),
                   np.array(row_is_answer, dtype=bool), doc_words, lexicon, encoder, params, model_name,
                   hash_directory(model_path), model_path)

    def save(self, directory: Path) -> None:
        """Everything needed to serve; a built-in model is copied in, an external one is referenced."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name, channel in self.channels.items():
            channel.save(directory / f"bm25_{name}")
        faiss.write_index(self.index, str(directory / "faiss.index"))
        np.save(directory / "row_doc.npy", self.row_doc)
        np.save(directory / "row_is_answer.npy", self.row_is_answer)
        if self.encoder.pretokenized:
            target = directory / "model"
            if target.resolve() != self.model_path.resolve():
                shutil.copytree(self.model_path, target, dirs_exist_ok=True)
            model_ref = "model"
        else:
            model_ref = str(self.model_path.resolve())
        manifest = {"ids": self.ids, "doc_words": [sorted(w) for w in self.doc_words], "model": model_ref,
                    "model_name": self.model_name, "model_hash": self.model_hash, "params": self.params.to_json()}
        (directory / ENGINE_FILE).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        (directory / LEXICON_FILE).write_text(json.dumps(self.lexicon.to_json(), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, analyzer: Analyzer) -> SearchEngine:
        directory = Path(directory)
        manifest = json.loads((directory / ENGINE_FILE).read_text(encoding="utf-8"))
        model_path = directory / manifest["model"]  # an absolute external path stays as it is
        channels = {name: BM25Channel.load(directory / f"bm25_{name}") for name in CHANNELS}
        doc_words = [frozenset(w) for w in manifest["doc_words"]]
        lexicon = ReadingLexicon.from_json(json.loads((directory / LEXICON_FILE).read_text(encoding="utf-8")),
                                           vocabulary=frozenset().union(*doc_words))
        return cls(analyzer, manifest["ids"], channels, faiss.read_index(str(directory / "faiss.index")),
                   np.load(directory / "row_doc.npy"), np.load(directory / "row_is_answer.npy"), doc_words, lexicon,
                   load_encoder(model_path),
                   EngineParams.from_json(manifest["params"]), manifest["model_name"], manifest["model_hash"],
                   model_path)

    def calibrate(self, model: Callable[[Evidence], float]) -> None:
        """Use another confidence model (scripts/eval_kb.py --fit tries one before it is written down)."""
        self.confidence = model
        self._memo.cache_clear()

    # ------------------------------------------------------------ search

    def search(self, query: str, k: int = 10) -> list[Hit]:
        """Best first; every hit carries a confidence, the top one decides answer vs fallback.

        Citizens ask the same few questions over and over, and an engine never changes once
        built, so results are memoised per engine (i.e. per index version).
        """
        return list(self._memo(query, k))

    def _search(self, query: str, k: int) -> tuple[Hit, ...]:
        return tuple(hit for hit, _ in self.explain(query, k))

    def explain(self, query: str, k: int = 10) -> list[tuple[Hit, Evidence]]:
        """`search` with the evidence behind each confidence (for calibration and reports)."""
        analysis = self.analyzer.analyze(query)
        if k <= 0 or not (analysis.tokens or analysis.readings):
            return []
        p = self.params
        tokens = self.lexicon.respell(analysis.morphemes) if p.respell else analysis.tokens
        w_reading = p.w_reading if _KANJI.search(query) else p.w_reading_kana
        weights = {"question": p.w_question, "answer": p.w_answer, "document": p.w_document, "reading": w_reading}
        dense_q, dense_a = self._dense(query, tokens)
        fused = p.w_dense_question * dense_q + p.w_dense_answer * dense_a
        for name, weight in weights.items():
            if weight:  # channels kept for ablations cost nothing when switched off
                words = analysis.readings if name == "reading" else tokens
                fused = fused + weight * _by_max(self.channels[name].scores(words))
        fused = fused / ((sum(weights.values()) + p.w_dense_question + p.w_dense_answer) or 1.0)
        ranked = np.argsort(-fused, kind="stable")[:max(k, 2)]  # the runner-up decides the lead, whatever k is
        first, second = float(fused[ranked[0]]), float(fused[ranked[1]]) if len(ranked) > 1 else 0.0
        top = ranked[:k]
        query_words = set(tokens)
        nouns = {m.form for m in analysis.morphemes if m.pos == "名詞"} & query_words  # not respelled away
        unknown = len(nouns - self.lexicon.vocabulary) / len(query_words) if query_words else 0.0
        explained = []
        for doc in top:
            lead = float(fused[doc]) - (second if doc == top[0] else first)
            evidence = Evidence(
                fused=float(fused[doc]), margin=min(lead, MARGIN_CAP),
                coverage=len(query_words & self.doc_words[doc]) / len(query_words) if query_words else 0.0,
                dense=float(max(dense_q[doc], dense_a[doc])), unknown=unknown, content_tokens=len(query_words))
            explained.append((Hit(self.ids[doc], float(fused[doc]), self.confidence(evidence)), evidence))
        return explained

    def _dense(self, query: str, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Best cosine per document over its question rows and over its answer row."""
        size = len(self.ids)
        dense_q, dense_a = np.zeros(size, dtype=np.float32), np.zeros(size, dtype=np.float32)
        if not (self.params.w_dense_question or self.params.w_dense_answer):
            return dense_q, dense_a
        text = " ".join(tokens) if self.encoder.pretokenized else self.analyzer.normalize(query)
        vector = self.encoder.encode_queries([text])
        rows = min(self.index.ntotal, self.params.dense_candidates)
        sims, found = self.index.search(vector, rows)
        sims, found = np.maximum(sims[0], 0.0), found[0]
        keep = found >= 0
        sims, found = sims[keep], found[keep]
        answer = self.row_is_answer[found]
        np.maximum.at(dense_q, self.row_doc[found[~answer]], sims[~answer])
        np.maximum.at(dense_a, self.row_doc[found[answer]], sims[answer])
        return dense_q, dense_a


def _by_max(scores: np.ndarray) -> np.ndarray:
    """Per-query scaling of BM25 to [0, 1], so weights mean the same for every query."""
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else scores


def _train_default_model(fields: Sequence[_Fields], out_dir: Path, config: TrainingConfig,
                         sentence_pairs: bool = True) -> None:
    """Pairs the FAQ gives for free: question ↔ answer, and each alt question ↔ question."""
    def text(analysis: Analysis) -> str:
        return " ".join(analysis.tokens)

    vocabulary = {t for f in fields for t in (*f.question.tokens, *f.answer.tokens)}
    pairs = []
    for f in fields:
        main = text(f.questions[0])
        doc_pairs = [(main, text(f.answer))] if f.answer.tokens and main else []
        doc_pairs += [(text(alt), main) for alt in f.questions[1:] if alt.tokens and main]
        if sentence_pairs:
            doc_pairs += [(main, text(s)) for s in f.sentences if len(s.tokens) > 2 and main]
        pairs.append(doc_pairs)
    build_default_model(vocabulary, pairs, out_dir, config)


def hash_directory(path: Path) -> str:
    """Hash of every file's relative path and bytes: the index manifest records which model served."""
    digest = hashlib.sha256()
    for file in sorted(p for p in Path(path).rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode())
        digest.update(b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()
