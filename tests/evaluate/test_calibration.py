"""Reliability curve vs sklearn; score -> likelihood ratio on a problem with a known LR."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.calibration import calibration_curve

from neyman.errors import ConfigError, DataError, ModelError
from neyman.evaluate import (
    LikelihoodRatioCalibrator,
    reliability_curve,
    score_to_likelihood_ratio,
)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_reliability_curve_matches_sklearn(rng, strategy):
    y = rng.integers(0, 2, 3000)
    p = np.clip(rng.beta(2 + 3 * y, 5 - 3 * y), 0, 1)
    curve = reliability_curve(y, p, n_bins=8, strategy=strategy)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=8, strategy=strategy)
    np.testing.assert_allclose(curve.fraction_positive, prob_true, rtol=1e-12)
    np.testing.assert_allclose(curve.mean_predicted, prob_pred, rtol=1e-12)
    assert curve.max_deviation == pytest.approx(np.max(np.abs(prob_true - prob_pred)))


def test_reliability_of_a_calibrated_score_is_diagonal():
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 1, 200_000)
    y = (rng.uniform(0, 1, p.size) < p).astype(int)
    curve = reliability_curve(y, p, np.ones_like(p), n_bins=10)
    assert np.all(np.abs(curve.fraction_positive - curve.mean_predicted) < 4 * curve.fraction_err)


def test_score_to_likelihood_ratio_is_exact_with_priors():
    # exact posterior with priors pi_S = 0.2, pi_B = 0.8 for N(1,1) vs N(-1,1): LR = exp(2x)
    x = np.linspace(-3, 3, 61)
    lr = np.exp(2 * x)
    post = 0.2 * lr / (0.2 * lr + 0.8)
    np.testing.assert_allclose(score_to_likelihood_ratio(post, prior_ratio=0.25), lr, rtol=1e-10)
    assert score_to_likelihood_ratio([1.0, 0.0]).tolist() == [np.inf, 0.0]


def _known_lr_problem(rng: np.random.Generator, n_s: int, n_b: int):
    y = np.r_[np.ones(n_s), np.zeros(n_b)]
    x = np.r_[rng.normal(1, 1, n_s), rng.normal(-1, 1, n_b)]
    # a miscalibrated but monotone score
    score = 1 / (1 + np.exp(-(0.6 * x + 0.4)))
    return y, x, score


@pytest.mark.parametrize("method", ["histogram", "isotonic"])
def test_calibrator_recovers_the_true_likelihood_ratio(method):
    rng = np.random.default_rng(11)
    y, _, score = _known_lr_problem(rng, 60_000, 120_000)
    cal = LikelihoodRatioCalibrator(method, bins=40).fit(score, y)
    assert cal.prior_ratio_ == pytest.approx(0.5)
    x_eval = np.linspace(-1.5, 1.5, 31)
    s_eval = 1 / (1 + np.exp(-(0.6 * x_eval + 0.4)))
    log_lr = cal.predict_log_ratio(s_eval)
    # true log LR = 2x; sampling error of a few percent in the LR
    assert np.max(np.abs(log_lr - 2 * x_eval)) < 0.2
    assert np.median(np.abs(log_lr - 2 * x_eval)) < 0.06
    np.testing.assert_allclose(cal.predict(s_eval), np.exp(log_lr))
    # the naive s/(1-s) of this miscalibrated score is far off
    naive = np.log(score_to_likelihood_ratio(s_eval))
    assert np.max(np.abs(naive - 2 * x_eval)) > 1.0


def test_calibrator_is_a_sklearn_estimator(rng):
    cal = LikelihoodRatioCalibrator("isotonic", bins=7)
    assert clone(cal).get_params() == {"method": "isotonic", "bins": 7, "pseudocount": 0.5}
    with pytest.raises(ModelError, match="not fitted"):
        cal.predict([0.5])
    with pytest.raises(ConfigError, match="did you mean 'isotonic'"):
        LikelihoodRatioCalibrator("isotonik").fit([0.1, 0.9], [0, 1])
    with pytest.raises(ConfigError, match="'bins' parameter"):
        LikelihoodRatioCalibrator(bins=0).fit([0.1, 0.9], [0, 1])


def test_calibration_bad_inputs():
    with pytest.raises(DataError, match="outside \\[0, 1\\]"):
        reliability_curve([0, 1], [0.5, 1.5])
    with pytest.raises(DataError, match="outside \\[0, 1\\]"):
        score_to_likelihood_ratio([2.0])
    with pytest.raises(ConfigError, match="prior_ratio"):
        score_to_likelihood_ratio([0.5], prior_ratio=0)
    with pytest.raises(DataError, match="single class"):
        LikelihoodRatioCalibrator().fit([0.1, 0.2], [0, 0])


def test_weighted_reliability_equals_repeated_events(rng):
    y = rng.integers(0, 2, 500)
    p = rng.uniform(0, 1, 500)
    w = rng.integers(1, 4, 500)
    weighted = reliability_curve(y, p, w.astype(float), n_bins=5)
    repeated = reliability_curve(np.repeat(y, w), np.repeat(p, w), n_bins=5)
    np.testing.assert_allclose(weighted.fraction_positive, repeated.fraction_positive, rtol=1e-12)
    np.testing.assert_allclose(weighted.mean_predicted, repeated.mean_predicted, rtol=1e-12)
    np.testing.assert_allclose(weighted.weight, repeated.weight, rtol=1e-12)
