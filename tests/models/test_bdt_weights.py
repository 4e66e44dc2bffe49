"""BDT early stopping follows the validation weights (positive and signed)."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb
from scipy.special import expit

from neyman.models import BDTClassifier


def _weighted_logloss(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    return float(-(w * (y * np.log(p) + (1 - y) * np.log(1 - p))).sum() / w.sum())


@pytest.mark.parametrize("signed", [False, True])
def test_validation_loss_is_weighted(rng: np.random.Generator, signed: bool) -> None:
    n = 3000
    X = rng.normal(size=(n, 2)).astype(np.float32)
    y = (X[:, 0] + 0.7 * rng.normal(size=n) > 0).astype(int)
    w = rng.uniform(0.2, 3.0, n)
    if signed:
        w = np.where(rng.random(n) < 0.15, -w, w)
    tr, va = slice(0, 2000), slice(2000, None)
    bdt = BDTClassifier(40, early_stopping_rounds=5, negative_weights="keep", random_state=0).fit(
        X[tr], y[tr], sample_weight=w[tr], validation_data=(X[va], y[va], w[va])
    )
    curve = bdt.evals_result_["validation"]["logloss"]
    for k in (0, len(curve) // 2, len(curve) - 1):
        margin = bdt.booster_.predict(
            xgb.DMatrix(X[va]), output_margin=True, iteration_range=(0, k + 1)
        )
        want = _weighted_logloss(expit(margin.astype(np.float64)), y[va], w[va])
        assert curve[k] == pytest.approx(want, rel=1e-4)
    # and the unweighted loss of the same predictions differs: the weights are used
    unweighted = _weighted_logloss(expit(bdt.decision_function(X[va])), y[va], np.ones(len(y[va])))
    assert abs(unweighted - curve[bdt.best_iteration_]) > 1e-3
    assert bdt.best_iteration_ == int(np.argmin(curve))
