"""Gaussian mixtures: stored truth against SciPy densities, optimal AUC against integration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from neyman.data import Dataset
from neyman.datasets import (
    GaussianMixture,
    GaussianMixtureProblem,
    gaussian_mixture,
    gaussian_mixture_1d,
    gaussian_mixture_problem,
)
from neyman.errors import ConfigError, DataError


def scipy_llr_1d(x: np.ndarray) -> np.ndarray:
    """The issue's default densities, written out with scipy.stats (sigma = scale)."""
    ps = 0.6 * stats.norm.pdf(x, -1.1, 0.5) + 0.4 * stats.norm.pdf(x, 1.0, 1.0)
    pb = 0.7 * stats.norm.pdf(x, 2.0, 0.5) + 0.3 * stats.norm.pdf(x, -1.0, 1.0)
    return np.log(ps) - np.log(pb)


def scipy_mixture_logpdf(mix: GaussianMixture, x: np.ndarray) -> np.ndarray:
    dens = sum(
        w * stats.multivariate_normal(m, c).pdf(x)
        for w, m, c in zip(mix.weights, mix.means, mix.covs, strict=True)
    )
    return np.log(np.atleast_1d(dens))


def test_gaussian_mixture_1d_defaults_and_truth() -> None:
    ds = gaussian_mixture_1d(5000, random_state=3)
    assert isinstance(ds, Dataset)
    assert ds.X.shape == (10_000, 1)
    assert ds.feature_names == ["x"]
    assert np.bincount(ds.y).tolist() == [5000, 5000]
    x = ds.X[:, 0].astype(np.float64)
    np.testing.assert_allclose(ds.truth, scipy_llr_1d(x), rtol=0, atol=1e-10)
    # the function in meta computes it at any x, not only at the sampled events
    grid = np.linspace(-4, 5, 101)
    np.testing.assert_allclose(ds.meta["llr"](grid), scipy_llr_1d(grid), rtol=0, atol=1e-10)


def test_gaussian_mixture_1d_class_means_follow_the_components() -> None:
    ds = gaussian_mixture_1d(100_000, random_state=0)
    x = ds.X[:, 0]
    # E[x | s] = 0.6 (-1.1) + 0.4 (1) = -0.26 ; E[x | b] = 0.7 (2) + 0.3 (-1) = 1.1
    assert x[ds.y == 1].mean() == pytest.approx(-0.26, abs=0.01)
    assert x[ds.y == 0].mean() == pytest.approx(1.1, abs=0.01)


def test_optimal_auc_1d_matches_closed_form_and_sample() -> None:
    # single Gaussians with equal width: AUC = Phi(dmu / (sigma sqrt 2))
    p = GaussianMixtureProblem.from_1d([(1.0, 1.0, 0.8)], [(1.0, -0.5, 0.8)])
    expected = stats.norm.cdf(1.5 / (0.8 * np.sqrt(2.0)))
    assert p.optimal_auc() == pytest.approx(expected, abs=1e-7)
    # the default problem: integration against the AUC of the stored truth on 200k events
    ds = gaussian_mixture_1d(100_000, random_state=11)
    auc = ds.meta["problem"].optimal_auc()
    sigma = np.sqrt(auc * (1 - auc) / 50_000)  # generous standard error of the sample AUC
    assert roc_auc_score(ds.y, ds.truth) == pytest.approx(auc, abs=4 * sigma)


@pytest.mark.parametrize("d", [1, 3, 50])
def test_gaussian_mixture_nd_truth_equals_scipy(d: int) -> None:
    ds = gaussian_mixture(d, n=300, random_state=d)
    assert ds.X.shape == (600, d)
    assert np.bincount(ds.y).tolist() == [300, 300]
    p: GaussianMixtureProblem = ds.meta["problem"]
    x = ds.X.astype(np.float64)
    expected = scipy_mixture_logpdf(p.signal, x) - scipy_mixture_logpdf(p.background, x)
    np.testing.assert_allclose(ds.truth, expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ds.meta["llr"](x), expected, rtol=0, atol=1e-10)


def test_gaussian_mixture_nd_is_correlated_and_seeded() -> None:
    p = gaussian_mixture_problem(10, correlation=0.6, seed=4)
    corr = np.corrcoef(p.signal.sample(50_000, 0).T)
    # the mixture's exact covariance: sum_k w_k (C_k + m_k m_k^T) - m m^T, m = sum_k w_k m_k
    m = p.signal.weights @ p.signal.means
    second = np.einsum("k,kij->ij", p.signal.weights, p.signal.covs) + np.einsum(
        "k,ki,kj->ij", p.signal.weights, p.signal.means, p.signal.means
    )
    cov = second - np.outer(m, m)
    exact = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    upper = np.triu_indices(10, 1)
    assert np.abs(exact[upper]).max() > 0.2  # correlated, as asked
    # sampling error of a correlation from 50k events is below 0.01
    np.testing.assert_allclose(corr[upper], exact[upper], atol=0.02)
    a = gaussian_mixture(10, n=50, random_state=1)
    b = gaussian_mixture(10, n=50, random_state=1)
    c = gaussian_mixture(10, n=50, random_state=2)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)
    other = gaussian_mixture(10, n=50, random_state=1, problem_seed=9)
    assert not np.allclose(other.meta["problem"].signal.means, a.meta["problem"].signal.means)


def test_optimal_auc_nd_monte_carlo_matches_closed_form() -> None:
    # one component per class, shared covariance: AUC = Phi(Delta / sqrt 2), Delta Mahalanobis
    cov = np.array([[[1.0, 0.4, 0.0], [0.4, 2.0, 0.3], [0.0, 0.3, 0.5]]])
    mu_s, mu_b = np.array([0.5, 0.2, -0.1]), np.array([-0.2, 0.0, 0.3])
    p = GaussianMixtureProblem(
        GaussianMixture(np.array([1.0]), mu_s[None], cov),
        GaussianMixture(np.array([1.0]), mu_b[None], cov),
    )
    diff = mu_s - mu_b
    delta = np.sqrt(diff @ np.linalg.solve(cov[0], diff))
    expected = stats.norm.cdf(delta / np.sqrt(2))
    assert p.optimal_auc(n_mc=200_000, random_state=1) == pytest.approx(expected, abs=0.004)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"d": 0}, "d must be"),
        ({"d": 2, "correlation": 1.0}, "correlation"),
        ({"d": 2, "n_components": 0}, "n_components"),
        ({"d": 2, "separation": -1.0}, "separation"),
    ],
)
def test_gaussian_mixture_problem_rejects_bad_parameters(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        gaussian_mixture_problem(**kwargs)


def test_mixture_validation() -> None:
    with pytest.raises(ConfigError, match="sum to 1"):
        GaussianMixture(np.array([0.5, 0.6]), np.zeros((2, 1)), np.ones((2, 1, 1)))
    with pytest.raises(ConfigError, match="positive definite"):
        GaussianMixture(np.array([1.0]), np.zeros((1, 2)), np.array([[[1.0, 2.0], [2.0, 1.0]]]))
    with pytest.raises(ConfigError, match="standard deviations"):
        GaussianMixture.from_1d([(1.0, 0.0, 0.0)])
    with pytest.raises(ConfigError, match="dimensions"):
        GaussianMixtureProblem(
            GaussianMixture.from_1d([(1.0, 0.0, 1.0)]), gaussian_mixture_problem(2).signal
        )
    p = gaussian_mixture_problem(3)
    with pytest.raises(DataError, match=r"shape \(n, 3\)"):
        p.log_likelihood_ratio(np.zeros((4, 2)))
    with pytest.raises(ConfigError, match="at least one event"):
        p.sample(0)
