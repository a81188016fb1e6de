"""The confidence model: the shipped trees load and behave, and fitted trees keep the evidence's order."""

from __future__ import annotations

import numpy as np
import pytest

from chatbot.search.confidence import FEATURES, MONOTONE, Confidence, Evidence, fit


def evidence(**values: float) -> Evidence:
    base = {"fused": 0.85, "margin": 0.1, "coverage": 1.0, "dense": 0.9, "unknown": 0.0}
    return Evidence(**(base | values), content_tokens=4)


@pytest.fixture(scope="module")
def synthetic() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((400, len(FEATURES)))
    y = (x[:, 0] + x[:, 3] * x[:, 1] - x[:, 4] + rng.normal(0, 0.3, 400) > 0.6).astype(float)
    return x, y


def test_fitted_trees_never_lower_confidence_for_stronger_evidence(synthetic: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = synthetic
    model = Confidence.from_json(fit(x, y, "test", trees=60))
    rng = np.random.default_rng(1)
    for row in x[:60]:
        for feature, direction in enumerate(MONOTONE):
            stronger = row.copy()
            stronger[feature] = min(1.0, max(0.0, row[feature] + direction * rng.random()))
            assert model.log_odds(stronger) >= model.log_odds(row) - 1e-12


def test_fitted_trees_learn_the_signal(synthetic: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = synthetic
    model = Confidence.from_json(fit(x, y, "test", trees=60))
    scores = np.array([model.log_odds(row) for row in x])
    assert scores[y == 1].mean() > scores[y == 0].mean() + 1.0


def test_a_strong_hit_is_confident() -> None:
    """マイナンバーカードの暗証番号を忘れた: unconstrained trees once gave this evidence 0.27."""
    assert Confidence.load()(evidence(fused=0.871, margin=0.094, coverage=1.0, dense=0.933)) > 0.9


def test_the_shipped_model_separates_a_clear_answer_from_a_stray_one() -> None:
    model = Confidence.load()
    assert model(evidence()) > 0.9
    assert model(evidence(fused=0.55, margin=0.0, coverage=0.3, dense=0.4, unknown=0.5)) < 0.2
    assert model(evidence(unknown=0.0)) > model(evidence(unknown=0.6))


def test_no_content_word_means_no_confidence() -> None:
    assert Confidence.load()(Evidence(0.9, 0.1, 1.0, 0.9, 0.0, content_tokens=0)) == 0.0


def test_a_model_for_other_features_is_refused() -> None:
    data = {"features": ["fused"], "bias": 0.0, "depth": 1, "trees": []}
    with pytest.raises(ValueError, match="features"):
        Confidence.from_json(data)
