"""FisherDiscriminant and LogisticRegression against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from neyman.models import FisherDiscriminant, LogisticRegression


def _data(rng: np.random.Generator, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    centers = rng.normal(0, 2, (k, 3))
    cov = np.array([[1.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 0.5]])
    X = np.concatenate(
        [rng.multivariate_normal(c, cov, 100 + 20 * i) for i, c in enumerate(centers)]
    )
    y = np.repeat(np.arange(k), [100 + 20 * i for i in range(k)])
    return X, y


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("shrinkage", [None, 0.3])
def test_fisher_equals_sklearn_lda(
    k: int, shrinkage: float | None, rng: np.random.Generator
) -> None:
    X, y = _data(rng, k)
    ours = FisherDiscriminant(shrinkage=shrinkage).fit(X, y)
    ref = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=shrinkage).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(
        ours.decision_function(X), ref.decision_function(X), rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-8, atol=1e-12)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_fisher_integer_weights_equal_repeated_events(rng: np.random.Generator) -> None:
    X, y = _data(rng)
    w = rng.integers(1, 4, len(y))
    weighted = FisherDiscriminant().fit(X, y, sample_weight=w)
    repeated = FisherDiscriminant().fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-10)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, rtol=1e-10)


def test_logistic_regression_equals_sklearn(rng: np.random.Generator) -> None:
    X, y = _data(rng, 3)
    w = rng.uniform(0.5, 2.0, len(y))
    ours = LogisticRegression(C=0.7).fit(X, y, sample_weight=w)
    ref = SkLogisticRegression(C=0.7, max_iter=1000).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-10)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), rtol=1e-10)
    assert ours.n_iter_ >= 1
    Xb, yb = _data(rng, 2)
    two = LogisticRegression().fit(Xb, yb)
    assert two.decision_function(Xb).shape == (len(yb),)
