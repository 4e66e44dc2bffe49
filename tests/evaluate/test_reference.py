"""Optimality gap: zero for the true likelihood ratio, positive for a worse score."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from neyman.errors import DataError
from neyman.evaluate import optimality_gap, roc_curve


def _gaussians(rng: np.random.Generator, n: int = 20_000):
    # signal N(1, 1), background N(-1, 1) in x; log LR = 2 x exactly
    y = np.r_[np.ones(n), np.zeros(n)]
    x = np.r_[rng.normal(1, 1, n), rng.normal(-1, 1, n)]
    return y, x, 2.0 * x


def test_gap_is_zero_for_the_true_llr_and_monotone_maps(rng):
    y, x, llr = _gaussians(rng)
    for score in (llr, 1 / (1 + np.exp(-llr)), x**3):
        gap = optimality_gap(y, score, llr)
        assert gap.auc_gap == 0.0
        np.testing.assert_array_equal(gap.rejection_ratio, np.ones(5))
        assert gap.auc == gap.auc_optimal


def test_gap_is_positive_for_a_worse_score(rng):
    y, x, llr = _gaussians(rng)
    noisy = x + rng.normal(0, 1.0, len(x))
    w = rng.uniform(0.5, 1.5, len(x))
    gap = optimality_gap(y, noisy, llr, w, efficiencies=(0.3, 0.5, 0.7))
    # closed form: AUC of N(1, s^2) vs N(-1, s^2) is Phi(2 / (s sqrt 2)); s^2 = 1, then 2
    expected = stats.norm.cdf(np.sqrt(2.0)) - stats.norm.cdf(1.0)  # 0.080
    assert gap.auc_gap == pytest.approx(expected, abs=0.01)  # ~5 sigma at 20k events/class
    assert gap.auc_optimal == pytest.approx(roc_curve(y, llr, w).auc, abs=1e-12)
    assert np.all(gap.rejection_ratio < 0.8)
    np.testing.assert_allclose(gap.rejection_ratio, gap.rejection / gap.rejection_optimal)
    np.testing.assert_allclose(gap.rejection, roc_curve(y, noisy, w).rejection_at([0.3, 0.5, 0.7]))
    d = gap.to_dict()
    assert d["auc_gap"] == gap.auc_gap
    assert len(d["rejection_ratio"]) == 3


def test_gap_needs_a_finite_llr_of_matching_length(rng):
    y, x, llr = _gaussians(rng, 100)
    with pytest.raises(DataError, match="true_llr has 1 NaN"):
        optimality_gap(y, x, np.r_[llr[:-1], np.nan])
    with pytest.raises(DataError, match="length mismatch"):
        optimality_gap(y, x, llr[:-1])
