"""Bias and resolution against numpy formulas."""

from __future__ import annotations

import numpy as np
import pytest

from neyman.errors import ConfigError, DataError
from neyman.evaluate import residuals, resolution, resolution_in_bins


def test_resolution_matches_numpy(rng):
    t = rng.uniform(10, 100, 5000)
    p = t + rng.normal(0.5, 2.0, t.size)
    r = p - t
    res = resolution(t, p)
    assert res.n == 5000
    assert res.bias == pytest.approx(np.mean(r), rel=1e-12)
    assert res.sigma == pytest.approx(np.std(r), rel=1e-12)
    q25, q75 = np.percentile(r, [25, 75])
    assert res.sigma_iqr == pytest.approx((q75 - q25) / 1.349, rel=1e-12)
    assert res.median == pytest.approx(np.median(r), rel=1e-12)
    assert res.rms == pytest.approx(np.sqrt(np.mean(r**2)), rel=1e-12)
    assert res.bias_err == pytest.approx(np.std(r) / np.sqrt(5000), rel=1e-12)
    # Gaussian residuals: both widths estimate sigma = 2
    assert res.sigma == pytest.approx(2.0, rel=0.05)
    assert res.sigma_iqr == pytest.approx(2.0, rel=0.05)
    assert res.to_dict()["sigma"] == res.sigma


def test_relative_and_weighted_resolution(rng):
    t = rng.uniform(10, 100, 2000)
    p = t * rng.normal(1.0, 0.1, t.size)
    w = rng.integers(1, 4, t.size).astype(float)
    r = (p - t) / t
    np.testing.assert_allclose(residuals(t, p, relative=True), r)
    res = resolution(t, p, w, relative=True)
    assert res.bias == pytest.approx(np.average(r, weights=w), rel=1e-12)
    assert res.sigma == pytest.approx(np.sqrt(np.cov(r, aweights=w, ddof=0)), rel=1e-12)
    # integer weights = repeated events for the (inverted-CDF) quantiles
    rep = np.repeat(r, w.astype(int))
    q25, q75 = np.quantile(rep, [0.25, 0.75], method="inverted_cdf")
    assert res.sigma_iqr == pytest.approx((q75 - q25) / 1.349, rel=1e-12)
    assert res.n_eff == pytest.approx(w.sum() ** 2 / (w**2).sum())


def test_resolution_in_bins_matches_per_bin_numpy(rng):
    t = rng.uniform(0, 100, 8000)
    p = t + rng.normal(0, 1 + 0.05 * t)  # resolution grows with energy
    edges = [0, 20, 50, 80, 100]
    binned = resolution_in_bins(t, p, bins=edges)
    np.testing.assert_array_equal(binned.centers, [10, 35, 65, 90])
    for i in range(4):
        m = (t >= edges[i]) & (t < edges[i + 1])
        r = p[m] - t[m]
        assert binned.n[i] == m.sum()
        assert binned.sigma[i] == pytest.approx(np.std(r), rel=1e-12)
        assert binned.bias[i] == pytest.approx(np.mean(r), rel=1e-12)
        q25, q75 = np.percentile(r, [25, 75])
        assert binned.sigma_iqr[i] == pytest.approx((q75 - q25) / 1.349, rel=1e-12)
        assert binned.sigma_err[i] == pytest.approx(np.std(r) / np.sqrt(2 * (m.sum() - 1)))
    assert np.all(np.diff(binned.sigma) > 0)
    assert binned.variable == "y_true"
    assert len(binned.to_dict()["sigma"]) == 4


def test_resolution_in_bins_of_another_variable_with_sparse_bins(rng):
    t = rng.normal(50, 5, 300)
    p = t + rng.normal(0, 1, 300)
    eta = rng.uniform(-2.5, 2.5, 300)
    binned = resolution_in_bins(t, p, eta, bins=5, variable_name="eta", min_events=2)
    assert binned.n.sum() == 300  # the right edge is included
    assert binned.variable == "eta"
    sparse = resolution_in_bins(t, p, eta, bins=[-2.5, 2.4999, 2.5, 3.0], min_events=2)
    assert np.isnan(sparse.sigma[-1])
    assert sparse.n[-1] == 0


def test_regression_bad_inputs():
    with pytest.raises(DataError, match="y_pred has 1 NaN"):
        resolution([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(DataError, match="length mismatch"):
        resolution([1.0, 2.0], [1.0])
    with pytest.raises(DataError, match="zeros"):
        residuals([0.0, 1.0], [1.0, 1.0], relative=True)
    with pytest.raises(ConfigError, match="strictly increasing"):
        resolution_in_bins([1.0, 2.0], [1.0, 2.0], bins=[1.0, 1.0])
