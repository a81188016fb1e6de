"""The dense channel: a chiVe-initialised static model trained on the FAQ itself, or any local model.

The built-in model needs no download: its word vectors come from chiVe as shipped inside ja-ginza,
and a few seconds of contrastive training on the FAQ's own question/answer pairs adapts them to
the city's vocabulary. A city that has a stronger sentence-transformers model on disk can point
the engine at it instead; `load_encoder` handles both kinds behind one `Encoder`.
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
import struct
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import StaticEmbedding
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import WhitespaceSplit

MARKER_FILE = "chatbot_pretokenized.json"
UNKNOWN = "[UNK]"


# ---------------------------------------------------------------- chiVe vectors inside ja-ginza

def chive_dir() -> Path:
    """The spaCy vocab folder of the installed ja-ginza package (vectors, key2row, strings.json)."""
    spec = importlib.util.find_spec("ja_ginza")  # located, not imported: importing it would load spaCy
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("ja-ginza is not installed; it provides the chiVe word vectors")
    return next(Path(spec.submodule_search_locations[0]).glob("ja_ginza-*/vocab"))


def spacy_hash(word: str) -> int:
    """spaCy's string key: MurmurHash64A (seed 1) of the UTF-8 bytes, written out to avoid spaCy itself."""
    m, mask = 0xC6A4A7935BD1E995, (1 << 64) - 1
    data = word.encode("utf-8")
    h = (1 ^ (len(data) * m)) & mask
    whole = len(data) // 8 * 8
    for (k,) in struct.iter_unpack("<Q", data[:whole]):
        k = (k * m) & mask
        k ^= k >> 47
        h = ((h ^ ((k * m) & mask)) * m) & mask
    if whole < len(data):
        h = ((h ^ int.from_bytes(data[whole:], "little")) * m) & mask
    h ^= h >> 47
    h = (h * m) & mask
    return h ^ (h >> 47)


def _read_key2row(raw: bytes) -> dict[int, int]:
    """Decode spaCy's key2row: one msgpack map of uint64 keys to unsigned row numbers."""
    widths = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}

    def uint(pos: int) -> tuple[int, int]:
        tag = raw[pos]
        if tag < 0x80:
            return tag, pos + 1
        size = widths[tag]
        return int.from_bytes(raw[pos + 1:pos + 1 + size], "big"), pos + 1 + size

    tag = raw[0]
    if 0x80 <= tag <= 0x8F:
        count, pos = tag & 0x0F, 1
    else:
        size = {0xDE: 2, 0xDF: 4}[tag]
        count, pos = int.from_bytes(raw[1:1 + size], "big"), 1 + size
    table: dict[int, int] = {}
    for _ in range(count):
        key, pos = uint(pos)
        table[key], pos = uint(pos)
    return table


@dataclass(frozen=True)
class WordVectors:
    vectors: np.ndarray  # (rows, dim) float32, rows shared by several keys in spaCy's format
    key2row: dict[int, int]

    @classmethod
    def load(cls, directory: Path | None = None) -> WordVectors:
        directory = directory or chive_dir()
        vectors = np.load(directory / "vectors", mmap_mode="r")
        return cls(vectors, _read_key2row((directory / "key2row").read_bytes()))

    def frequent_words(self, limit: int) -> list[str]:
        """Words of the first `limit` rows; chiVe rows are stored most frequent first."""
        strings = json.loads((chive_dir() / "strings.json").read_text(encoding="utf-8"))
        return [w for w in strings if self.key2row.get(spacy_hash(w), limit) < limit]

    def lookup(self, word: str) -> np.ndarray | None:
        row = self.key2row.get(spacy_hash(word))
        return None if row is None else np.asarray(self.vectors[row], dtype=np.float32)


# ---------------------------------------------------------------- encoders

class Encoder:
    """L2-normalised float32 embeddings for queries and documents, whatever model is behind them."""

    pretokenized = False  # True: inputs are space-joined Sudachi tokens, not raw text

    def __init__(self, model: SentenceTransformer):
        self.model = model

    @property
    def dim(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._finish(self.model.encode_query(list(texts), convert_to_numpy=True))

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._finish(self.model.encode_document(list(texts), convert_to_numpy=True, batch_size=256))

    @staticmethod
    def _finish(vectors: np.ndarray) -> np.ndarray:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


class TokenEncoder(Encoder):
    """The built-in static model: mean of word vectors, words unknown to the model left out."""

    pretokenized = True

    def __init__(self, model: SentenceTransformer):
        super().__init__(model)
        self._vocab = model[0].tokenizer.get_vocab()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_documents(texts)

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        with torch.inference_mode():
            vectors = embed_ids(self.model[0], [word_ids(self._vocab, text) for text in texts]).numpy()
        return self._finish(vectors)


def word_ids(vocab: dict[str, int], text: str) -> list[int]:
    """Ids of the known words of a space-joined text (a plain lookup: the tokenizers call is far slower)."""
    return [i for i in (vocab.get(w, 0) for w in text.split()) if i]


def embed_ids(module: StaticEmbedding, ids: Sequence[Sequence[int]]) -> torch.Tensor:
    lengths = [len(row) for row in ids]
    flat = torch.tensor([i for row in ids for i in row], dtype=torch.long)
    offsets = torch.tensor([0, *np.cumsum(lengths)[:-1].tolist()], dtype=torch.long)
    return module.embedding(flat, offsets)


@contextmanager
def single_thread() -> Iterator[None]:
    """Training's small tensor steps run faster on one thread, far faster when other processes share the CPU.

    Build time only: toggling the global thread count is not safe while a threaded server is searching.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def load_encoder(path: Path | str) -> Encoder:
    """Any local sentence-transformers directory; never reaches for the network."""
    path = Path(path)
    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    return TokenEncoder(model) if (path / MARKER_FILE).exists() else Encoder(model)


# ---------------------------------------------------------------- the built-in model

@dataclass(frozen=True)
class TrainingConfig:
    epochs: int = 10
    min_steps: int = 70  # a small FAQ trains for more epochs: at least the steps 10 epochs of 1,786 FAQs take
    batch_size: int = 256
    learning_rate: float = 0.01
    scale: float = 20.0  # inverse temperature of the in-batch softmax (MultipleNegativesRankingLoss)
    extra_words: int = 35000  # also give the model chiVe's most frequent words, for query words the FAQ lacks
    seed: int = 0


def build_default_model(vocabulary: Iterable[str], pairs: Sequence[Sequence[tuple[str, str]]], out_dir: Path,
                        config: TrainingConfig = TrainingConfig(), vectors: WordVectors | None = None) -> Path:
    """Build, train and save the static model; `pairs` holds each document's (anchor, positive) texts.

    Texts are space-joined Sudachi tokens. Every epoch draws one pair per document, so a batch never
    holds two pairs of the same document that would count as each other's negatives.
    """
    vectors = vectors or WordVectors.load()
    words = sorted({w for w in (*vocabulary, *vectors.frequent_words(config.extra_words)) if w and w != UNKNOWN})
    weights = np.zeros((len(words) + 1, vectors.vectors.shape[1]), dtype=np.float32)
    for i, word in enumerate(words, start=1):
        found = vectors.lookup(word)
        if found is not None:
            weights[i] = found
    tokenizer = Tokenizer(WordLevel({UNKNOWN: 0} | {w: i for i, w in enumerate(words, start=1)}, unk_token=UNKNOWN))
    tokenizer.pre_tokenizer = WhitespaceSplit()
    model = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_weights=weights)], device="cpu")
    _train(model, [p for p in pairs if p], config)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(str(out_dir))
    (out_dir / MARKER_FILE).write_text(json.dumps({"input": "sudachi-normalized-tokens"}) + "\n", encoding="utf-8")
    return out_dir


def _train(model: SentenceTransformer, pairs: Sequence[Sequence[tuple[str, str]]], config: TrainingConfig) -> None:
    """Symmetric in-batch-negatives contrastive loss in plain torch: no trainer or datasets machinery."""
    if len(pairs) < 2 or config.epochs <= 0:
        return
    module = model[0]
    vocab = module.tokenizer.get_vocab()
    ids = {text: word_ids(vocab, text) for choices in pairs for pair in choices for text in pair}
    rng = random.Random(config.seed)
    optimizer = torch.optim.Adam(module.parameters(), lr=config.learning_rate, fused=True)

    def embed(batch: list[str]) -> torch.Tensor:
        return torch.nn.functional.normalize(embed_ids(module, [ids[text] for text in batch]), dim=1)

    module.train()
    steps_per_epoch = math.ceil((len(pairs) - 1) / config.batch_size)
    epochs = max(config.epochs, math.ceil(config.min_steps / steps_per_epoch))
    with single_thread():
        for _ in range(epochs):
            drawn = [rng.choice(choices) for choices in pairs]
            rng.shuffle(drawn)
            for start in range(0, len(drawn) - 1, config.batch_size):
                batch = drawn[start:start + config.batch_size]
                logits = config.scale * embed([a for a, _ in batch]) @ embed([p for _, p in batch]).T
                target = torch.arange(len(batch))
                loss = (torch.nn.functional.cross_entropy(logits, target)
                        + torch.nn.functional.cross_entropy(logits.T, target)) / 2
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    module.eval()
