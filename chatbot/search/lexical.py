"""BM25 over pre-analysed token lists: the exact-word evidence that a small dense model misses."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np


class BM25Channel:
    """One BM25 index over one field of every document (same order as the engine's documents)."""

    def __init__(self, retriever: bm25s.BM25, size: int):
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, token_lists: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> BM25Channel:
        retriever = bm25s.BM25(k1=k1, b=b)
        retriever.index([list(tokens) for tokens in token_lists], show_progress=False)
        return cls(retriever, len(token_lists))

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 of every document; all zeros when no query token is in the vocabulary."""
        known = self._retriever.get_tokens_ids([t for t in tokens if t])
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return self._retriever.get_scores(known)

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> BM25Channel:
        retriever = bm25s.BM25.load(str(directory), show_progress=False)
        return cls(retriever, int(retriever.scores["num_docs"]))
