"""Overtraining check: nominal false-alarm rate, flags a memorising score, weighted KS."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from neyman.errors import ConfigError, DataError
from neyman.evaluate import ks_2samp_weighted, overtraining_check, roc_curve


def _scores(rng: np.random.Generator, n: int):
    y = rng.integers(0, 2, n)
    return y, 1 / (1 + np.exp(-rng.normal(1.5 * y - 0.75, 1.0)))


def test_identical_distributions_are_flagged_at_the_nominal_rate():
    rng = np.random.default_rng(12345)
    trials = 200
    flagged = 0
    pvalues = []
    for _ in range(trials):
        y_tr, s_tr = _scores(rng, 400)
        y_te, s_te = _scores(rng, 400)
        rep = overtraining_check(s_tr, y_tr, s_te, y_te, p_threshold=0.05)
        flagged += rep.flagged
        pvalues.append(rep.ks_pvalue["signal"])
    assert 0.02 <= flagged / trials <= 0.08
    # per-class p-values are roughly uniform under the null
    assert stats.kstest(pvalues, "uniform").pvalue > 0.01


def test_memorising_score_is_flagged():
    rng = np.random.default_rng(5)
    n = 3000
    y_tr = rng.integers(0, 2, n)
    y_te = rng.integers(0, 2, n)
    x_te = rng.normal(y_te, 1.0)
    # on its training events the model has "learned the labels": far better separation
    x_tr = rng.normal(y_tr, 1.0) + 1.5 * (y_tr - 0.5)
    rep = overtraining_check(x_tr, y_tr, x_te, y_te)
    assert rep.flagged
    assert rep.ks_pvalue["signal"] < 1e-6
    assert rep.ks_pvalue["background"] < 1e-6
    assert np.all(rep.signal_efficiency_train > rep.signal_efficiency_test)
    np.testing.assert_allclose(
        rep.signal_efficiency_test,
        roc_curve(y_te, x_te).efficiency_at(1 / np.array([0.01, 0.1, 0.3])),
    )
    ks = stats.ks_2samp(x_tr[y_tr == 1], x_te[y_te == 1])
    assert rep.ks_statistic["signal"] == pytest.approx(ks.statistic, rel=1e-12)
    assert rep.to_dict()["flagged"] is True


def test_histograms_are_normalised_densities(rng):
    y_tr, s_tr = _scores(rng, 1000)
    y_te, s_te = _scores(rng, 500)
    rep = overtraining_check(s_tr, y_tr, s_te, y_te, n_bins=25)
    widths = np.diff(rep.bin_edges)
    assert len(rep.bin_edges) == 26
    for key in ("signal_train", "signal_test", "background_train", "background_test"):
        assert np.sum(rep.densities[key] * widths) == pytest.approx(1.0, rel=1e-12)
    counts, _ = np.histogram(s_te[y_te == 1], bins=rep.bin_edges)
    np.testing.assert_allclose(
        rep.density_errors["signal_test"], np.sqrt(counts) / (counts.sum() * widths), rtol=1e-12
    )


def test_weighted_ks_reduces_to_scipy_asymptotic(rng):
    a = rng.normal(0, 1, 700)
    b = rng.normal(0.1, 1, 500)
    got = ks_2samp_weighted(a, b, np.ones(700), np.ones(500))
    exp = stats.ks_2samp(a, b, method="asymp")
    assert got.statistic == pytest.approx(exp.statistic, rel=1e-12)
    assert got.pvalue == pytest.approx(exp.pvalue, rel=1e-10)


def test_weighted_ks_integer_weights_equal_repeated_events(rng):
    a = np.round(rng.normal(0, 1, 300), 1)
    b = np.round(rng.normal(0.2, 1, 200), 1)
    wa = rng.integers(1, 4, 300).astype(float)
    wb = rng.integers(1, 4, 200).astype(float)
    got = ks_2samp_weighted(a, b, wa, wb)
    exp = stats.ks_2samp(np.repeat(a, wa.astype(int)), np.repeat(b, wb.astype(int)))
    assert got.statistic == pytest.approx(exp.statistic, rel=1e-12)


def test_weighted_check_does_not_flag_reweighted_identical_samples():
    rng = np.random.default_rng(99)
    flagged = 0
    for _ in range(60):
        y_tr, s_tr = _scores(rng, 400)
        y_te, s_te = _scores(rng, 400)
        rep = overtraining_check(
            s_tr,
            y_tr,
            s_te,
            y_te,
            weight_train=rng.uniform(0.5, 1.5, 400),
            weight_test=rng.uniform(0.5, 1.5, 400),
        )
        flagged += rep.flagged
    assert flagged <= 8  # nominal 3 of 60


def test_overtraining_bad_inputs(rng):
    y, s = _scores(rng, 50)
    with pytest.raises(ConfigError, match="weight_train and weight_test together"):
        overtraining_check(s, y, s, y, weight_train=np.ones(50))
    with pytest.raises(ConfigError, match="p_threshold"):
        overtraining_check(s, y, s, y, p_threshold=5)
    with pytest.raises(DataError, match="single class"):
        overtraining_check(s, np.ones(50), s, y)
