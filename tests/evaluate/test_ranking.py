"""Permutation importance and per-class correlation matrices."""

from __future__ import annotations

import numpy as np
import pytest

from neyman.errors import DataError
from neyman.evaluate import auc, correlation_matrices, permutation_importance


def test_permutation_importance_ranks_the_informative_feature(rng):
    n = 2000
    y = rng.integers(0, 2, n)
    X = np.c_[rng.normal(y, 1.0), rng.normal(0.3 * y, 1.0), rng.normal(size=n)]

    def predict(data: np.ndarray) -> np.ndarray:
        return data[:, 0] + 0.3 * data[:, 1]  # ignores feature 2

    X_before = X.copy()
    res = permutation_importance(
        predict, X, y, n_repeats=4, random_state=0, feature_names=["a", "b", "c"]
    )
    assert res.baseline == pytest.approx(auc(y, predict(X)), abs=1e-12)
    assert res.ranking == ["a", "b", "c"]
    np.testing.assert_array_equal(res.importances[2], np.zeros(4))
    assert res.importances_mean[0] > 0.2
    # reproduce the documented permutation sequence by hand
    gen = np.random.default_rng(0)
    expected = []
    for j in range(3):
        for _ in range(4):
            Xp = X.copy()
            Xp[:, j] = X[gen.permutation(n), j]
            expected.append(res.baseline - auc(y, predict(Xp)))
    np.testing.assert_allclose(res.importances.ravel(), expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(X, X_before)  # the caller's X is not shuffled in place
    assert res.to_dict()["ranking"] == ["a", "b", "c"]


def test_permutation_importance_custom_metric_and_errors(rng):
    X = rng.normal(size=(100, 2))
    y = (X[:, 1] > 0).astype(int)

    def accuracy(yy, score, w):
        return float(np.mean((score > 0) == yy))

    res = permutation_importance(lambda d: d[:, 1], X, y, metric=accuracy, random_state=1)
    assert res.baseline == 1.0
    assert res.ranking[0] == "x1"
    with pytest.raises(DataError, match="one per row"):
        permutation_importance(lambda d: d[:5, 0], X, y)
    with pytest.raises(DataError, match="feature_names has 1"):
        permutation_importance(lambda d: d[:, 0], X, y, feature_names=["a"])


def test_correlation_matrices_per_class(rng):
    n = 3000
    y = rng.integers(0, 2, n)
    a = rng.normal(size=n)
    b = np.where(y == 1, a, -a) + 0.5 * rng.normal(size=n)
    X = np.c_[a, b, rng.normal(size=n)]
    res = correlation_matrices(X, y, feature_names=["a", "b", "c"])
    assert set(res.matrices) == {0, 1, "all"}
    for label in (0, 1):
        np.testing.assert_allclose(res.matrices[label], np.corrcoef(X[y == label].T), atol=1e-12)
    np.testing.assert_allclose(res.matrices["all"], np.corrcoef(X.T), atol=1e-12)
    assert res.matrices[1][0, 1] > 0.8
    assert res.matrices[0][0, 1] < -0.8
    w = rng.uniform(0.1, 2.0, n)
    weighted = correlation_matrices(X, sample_weight=w)
    cov = np.cov(X.T, aweights=w)
    np.testing.assert_allclose(
        weighted.matrices["all"], cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov))), atol=1e-12
    )


def test_correlation_with_constant_feature_is_nan(rng):
    X = np.c_[rng.normal(size=50), np.ones(50)]
    res = correlation_matrices(X)
    assert np.isnan(res.matrices["all"][0, 1])
    assert res.matrices["all"][0, 0] == pytest.approx(1.0)
    with pytest.raises(DataError, match="shape"):
        correlation_matrices(np.ones(5))
