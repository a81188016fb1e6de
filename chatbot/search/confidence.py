"""Whether the top hit answers what was asked: evidence about a hit, and the model that weighs it.

The model is a small ensemble of gradient-boosted, monotone regression trees over `Evidence`, fitted by
`scripts/eval_kb.py --fit` on the dev rows of the project's three evaluation sets (labelled FAQ ids,
and the blind demand-side set, where a hit is right when it contains the topic words a true answer
must) and shipped as `confidence.json`. Trees replaced a logistic model because the evidence does not
add up linearly: a big lead matters when the cosine is middling and hardly at all when it is high, and
a long colloquial question covers few of its words even with the right FAQ. Cross-validated on the dev
rows, at the precision a city asks for (0.95) the trees keep about a tenth more of the right answers
(docs/retrieval.md). Evaluated here with numpy alone: scikit-learn is needed only to fit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = Path(__file__).with_name("confidence.json")


@dataclass(frozen=True)
class Evidence:
    """What the search saw of one hit, for deciding whether it really answers the query."""

    fused: float  # the ranking score: weighted mean of the channels, about [0, 1]
    margin: float  # the top hit's lead over the second, capped; for the others, their gap to the top (negative)
    coverage: float  # share of the query's content words found anywhere in the hit
    dense: float  # best cosine of the hit's questions and answer
    # nouns no FAQ uses, even after respelling, as a share of the query's content words: 天気 in
    # 明日の天気は？ says the question is about something else; an unknown verb or adverb in a long
    # colloquial question (全然, 入れる) does not
    unknown: float
    content_tokens: int


FEATURES = ("fused", "margin", "coverage", "dense", "unknown")


@dataclass(frozen=True)
class Confidence:
    """Boosted trees: the chance that a hit is a right answer, from its `Evidence`.

    Trees are stored as padded node arrays (one row per tree), so a hit walks every tree at once.
    A leaf points to itself, so walking ``depth`` steps ends on a leaf whatever the tree's shape.
    """

    bias: float  # log-odds before any tree
    feature: np.ndarray  # (trees, nodes) index into FEATURES; -1 at a leaf
    threshold: np.ndarray  # go left when the feature is <= this
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray  # leaf contribution to the log-odds, learning rate included
    depth: int

    def __call__(self, e: Evidence) -> float:
        if e.content_tokens == 0:
            return 0.0
        z = self.log_odds(np.array([getattr(e, name) for name in FEATURES]))
        return float(1.0 / (1.0 + np.exp(-z)))

    def log_odds(self, x: np.ndarray) -> float:
        """The ensemble's raw score for one row of FEATURES."""
        trees = np.arange(len(self.feature))
        node = np.zeros(len(trees), dtype=np.int64)
        for _ in range(self.depth):
            feature = self.feature[trees, node]
            goes_left = x[np.maximum(feature, 0)] <= self.threshold[trees, node]
            node = np.where(goes_left, self.left[trees, node], self.right[trees, node])
        return self.bias + float(self.value[trees, node].sum())

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Confidence:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"confidence model is for features {data['features']}, not {FEATURES}")
        trees = data["trees"]
        width = max(len(t["value"]) for t in trees)

        def padded(key: str, fill: float, dtype: type) -> np.ndarray:
            return np.array([t[key] + [fill] * (width - len(t[key])) for t in trees], dtype=dtype)

        return cls(float(data["bias"]), padded("feature", -1, np.int64), padded("threshold", 0.0, np.float64),
                   padded("left", 0, np.int64), padded("right", 0, np.int64), padded("value", 0.0, np.float64),
                   int(data["depth"]))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> Confidence:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


# More score, lead, coverage or cosine never lowers the confidence; more unknown nouns never raise it.
# Unconstrained trees fitted a hole where a strong hit (fused 0.87, lead 0.094, every word covered,
# cosine 0.93) got 0.27 while a weaker one next to it got 0.74: noise, which no citizen should meet.
MONOTONE = (1, 1, 1, 1, -1)


def fit(x: np.ndarray, y: np.ndarray, note: str, *, trees: int = 300, depth: int = 2, rate: float = 0.1,
        subsample: float = 0.8, seed: int = 0) -> dict[str, Any]:
    """Gradient boosting on the log-loss with scikit-learn's monotone regression trees, as the shipped
    file's JSON. Each tree fits the residuals ``y - p`` and adds its leaf means: a Newton step per leaf
    (what GradientBoostingClassifier does, and it offers no monotone constraint) would rescale leaves
    one by one and could break the order the constraint keeps."""
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.default_rng(seed)
    share = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    bias = float(np.log(share / (1 - share)))
    z = np.full(len(y), bias)
    fitted = []
    for _ in range(trees):
        rows = rng.random(len(y)) < subsample
        tree = DecisionTreeRegressor(max_depth=depth, monotonic_cst=MONOTONE, random_state=seed)
        tree.fit(x[rows], (y - 1.0 / (1.0 + np.exp(-z)))[rows])
        z += rate * tree.predict(x)
        fitted.append(_tree(tree.tree_, rate))
    return {"note": note, "features": list(FEATURES), "bias": bias, "depth": depth, "trees": fitted}


def _tree(tree: Any, rate: float) -> dict[str, list[Any]]:
    leaf = tree.children_left == -1
    nodes = range(tree.node_count)
    return {"feature": [-1 if leaf[i] else int(tree.feature[i]) for i in nodes],
            "threshold": [0.0 if leaf[i] else float(tree.threshold[i]) for i in nodes],
            "left": [i if leaf[i] else int(tree.children_left[i]) for i in nodes],
            "right": [i if leaf[i] else int(tree.children_right[i]) for i in nodes],
            "value": [rate * float(tree.value[i].ravel()[0]) if leaf[i] else 0.0 for i in nodes]}
