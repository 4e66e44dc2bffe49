"""HistogramLikelihoodRatio and KNNClassifier against the analytic two-Gaussian ratio."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from neyman.errors import ConfigError, DataError
from neyman.models import HistogramLikelihoodRatio, KNNClassifier


def _gaussians(rng: np.random.Generator, n: int, d: int = 1) -> tuple[np.ndarray, np.ndarray]:
    X = np.r_[rng.normal(1.0, 1.0, (n, d)), rng.normal(-1.0, 1.0, (n, d))]
    y = np.r_[np.ones(n, dtype=int), np.zeros(n, dtype=int)]
    return X, y


def test_histogram_reproduces_the_analytic_binned_ratio(rng: np.random.Generator) -> None:
    n = 200_000
    X, y = _gaussians(rng, n)
    est = HistogramLikelihoodRatio(bins=16).fit(X, y)
    edges = est.edges_[0]
    # the oracle: ratio of the exact bin probabilities under N(1, 1) and N(-1, 1)
    lo, hi = edges[:-1].copy(), edges[1:].copy()
    lo[0], hi[-1] = -np.inf, np.inf  # edge bins collect everything outside
    ps = norm.cdf(hi, 1.0) - norm.cdf(lo, 1.0)
    pb = norm.cdf(hi, -1.0) - norm.cdf(lo, -1.0)
    expected = np.log(ps / pb)
    s = np.histogram(np.clip(X[y == 1, 0], edges[0], edges[-1]), edges)[0]
    b = np.histogram(np.clip(X[y == 0, 0], edges[0], edges[-1]), edges)[0]
    sigma = np.sqrt(1.0 / np.maximum(s, 1) + 1.0 / np.maximum(b, 1))  # Poisson error of log ratio
    well = (s > 50) & (b > 50)
    assert well.sum() >= 8
    pulls = (est.log_ratio_[0][well] - expected[well]) / sigma[well]
    assert np.all(np.abs(pulls) < 4.5)
    assert np.mean(pulls**2) < 3.0  # chi2/ndf of order 1
    # and the binned ratio follows the true log LR = 2x at bin centres where bins are narrow
    centres = 0.5 * (edges[1:] + edges[:-1])
    mid = well & (np.abs(centres) < 1.5)
    np.testing.assert_allclose(est.log_ratio_[0][mid], 2 * centres[mid], atol=0.12)
    # decision_function looks up the same table
    np.testing.assert_allclose(est.decision_function(centres[:, None]), est.log_ratio_[0])


def test_projective_ratio_is_a_sum_over_features(rng: np.random.Generator) -> None:
    X, y = _gaussians(rng, 20_000, d=2)
    est = HistogramLikelihoodRatio(bins=12, binning="quantile").fit(X, y)
    one = [
        HistogramLikelihoodRatio(bins=12, binning="quantile").fit(X[:, [j]], y) for j in range(2)
    ]
    np.testing.assert_allclose(
        est.decision_function(X),
        one[0].decision_function(X[:, [0]]) + one[1].decision_function(X[:, [1]]),
    )
    # independent features: the projective ratio is the true one, log LR = 2 (x0 + x1)
    x = np.array([[0.3, -0.2]])
    assert est.decision_function(x)[0] == pytest.approx(2 * 0.1, abs=0.35)


def test_empty_bins_stay_finite() -> None:
    X = np.r_[np.zeros((50, 1)), np.ones((50, 1)) * 10]  # nothing in between
    y = np.r_[np.zeros(50), np.ones(50)]
    est = HistogramLikelihoodRatio(bins=10).fit(X, y)
    d = est.decision_function(np.linspace(-5, 15, 41)[:, None])
    assert np.all(np.isfinite(d))
    assert np.all(np.isfinite(est.predict_proba(np.linspace(-5, 15, 41)[:, None])))
    # an empty bin has ratio 1: (0 + a) / (0 + a) with equal totals
    assert est.log_ratio_[0][5] == pytest.approx(0.0)
    # out-of-range values fall into the edge bins
    assert est.decision_function([[-100.0]])[0] == est.log_ratio_[0][0]


def test_constant_feature_and_weights(rng: np.random.Generator) -> None:
    X, y = _gaussians(rng, 500)
    X = np.c_[X, np.ones(len(X))]
    w = rng.uniform(0.5, 1.5, len(y))
    est = HistogramLikelihoodRatio(bins=5).fit(X, y, sample_weight=w)
    assert len(est.edges_[1]) == 2 and est.log_ratio_[1][0] == pytest.approx(0.0)


def test_knn_approximates_the_likelihood_ratio(rng: np.random.Generator) -> None:
    X, y = _gaussians(rng, 20_000)
    knn = KNNClassifier(400).fit(X, y)
    grid = np.linspace(-1.0, 1.0, 9)[:, None]
    np.testing.assert_allclose(knn.decision_function(grid), 2 * grid[:, 0], atol=0.25)


def test_knn_weights_and_class_priors(rng: np.random.Generator) -> None:
    X, y = _gaussians(rng, 2_000)
    # a 4x heavier signal sample does not change a likelihood ratio (priors are divided out)
    w = np.where(y == 1, 4.0, 1.0)
    a = KNNClassifier(100, pseudocount=1e-6).fit(X, y).decision_function(X[:50])
    b = KNNClassifier(100, pseudocount=1e-6).fit(X, y, sample_weight=w).decision_function(X[:50])
    both = np.abs(a) < 10  # neighbourhoods holding both classes (else the pseudocount rules)
    assert both.sum() > 40
    np.testing.assert_allclose(a[both], b[both], atol=1e-4)
    # n_neighbors larger than the training set is refused, not silently capped
    assert KNNClassifier(30).fit(X[:30], np.arange(30) % 2).n_neighbors_ == 30
    with pytest.raises(ConfigError, match="larger than the 30 training events") as info:
        KNNClassifier(31).fit(X[:30], np.arange(30) % 2)
    assert info.value.key == "n_neighbors"


def test_binary_only(rng: np.random.Generator) -> None:
    X = rng.normal(size=(30, 2))
    with pytest.raises(DataError, match="Only binary classification is supported"):
        HistogramLikelihoodRatio().fit(X, np.arange(30) % 3)
    with pytest.raises(DataError, match="positive total weight"):
        KNNClassifier().fit(
            X, np.arange(30) % 2, sample_weight=np.where(np.arange(30) % 2, 0.0, 1.0)
        )
