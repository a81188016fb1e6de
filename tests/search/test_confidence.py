"""The confidence model: the shipped trees load and behave, and the export reproduces scikit-learn exactly."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier

from chatbot.search.confidence import FEATURES, Confidence, Evidence, export


def evidence(**values: float) -> Evidence:
    base = {"fused": 0.85, "margin": 0.1, "coverage": 1.0, "dense": 0.9, "unknown": 0.0}
    return Evidence(**(base | values), content_tokens=4)


def test_exported_trees_give_scikit_learns_probabilities() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((400, len(FEATURES)))
    y = (x[:, 0] + x[:, 3] * x[:, 1] - x[:, 4] + rng.normal(0, 0.2, 400) > 0.6).astype(int)
    model = GradientBoostingClassifier(n_estimators=40, max_depth=3, learning_rate=0.1, random_state=0).fit(x, y)
    confidence = Confidence.from_json(export(model, x, "test"))
    ours = [confidence(Evidence(*row, content_tokens=3)) for row in x[:50]]
    assert ours == pytest.approx(model.predict_proba(x[:50])[:, 1], abs=1e-9)


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
