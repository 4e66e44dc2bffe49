"""RectangularCuts: efficiencies reached, nested boxes, optimality against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from neyman.models import RectangularCuts


def _toy(rng: np.random.Generator, n: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    sig = rng.normal([0.5, -0.5], [0.7, 1.0], (n, 2))
    bkg = rng.uniform(-4, 4, (n, 2))
    return np.r_[sig, bkg], np.r_[np.ones(n, dtype=int), np.zeros(n, dtype=int)]


def test_each_target_efficiency_is_reached_and_boxes_nest(rng: np.random.Generator) -> None:
    X, y = _toy(rng)
    cuts = RectangularCuts(efficiencies=(0.2, 0.5, 0.8, 0.95)).fit(X, y)
    np.testing.assert_allclose(cuts.signal_efficiency_, [0.2, 0.5, 0.8, 0.95], atol=2e-3)
    assert np.all(cuts.signal_efficiency_ >= cuts.efficiencies_ - 1e-9)
    assert np.all(np.diff(cuts.background_efficiency_) > 0)
    for tight, loose in itertools.pairwise(range(4)):
        assert np.all(cuts.lower_[tight] >= cuts.lower_[loose])
        assert np.all(cuts.upper_[tight] <= cuts.upper_[loose])
    # thresholding the score at each level reproduces that box on the training data
    score = cuts.score_samples(X)
    sig = y == 1
    for e, s_eff, b_eff in zip(
        cuts.efficiencies_, cuts.signal_efficiency_, cuts.background_efficiency_, strict=True
    ):
        passed = score >= 1 - e - 1e-12
        assert passed[sig].mean() == pytest.approx(s_eff)
        assert passed[~sig].mean() == pytest.approx(b_eff)


def test_box_is_as_good_as_a_brute_force_search(rng: np.random.Generator) -> None:
    X, y = _toy(rng, 2000)
    sig = y == 1
    target = 0.7
    cuts = RectangularCuts(efficiencies=(target,), n_quantiles=40).fit(X, y)
    ours = cuts.background_efficiency_[0]
    # oracle: every box whose edges are signal quantiles on a 5% grid
    qs = [np.quantile(X[sig, j], np.linspace(0, 1, 21)) for j in range(2)]
    best = 1.0
    for a0, b0 in itertools.combinations(qs[0], 2):
        in0 = (X[:, 0] >= a0) & (X[:, 0] <= b0)
        if in0[sig].mean() < target:
            continue
        for a1, b1 in itertools.combinations(qs[1], 2):
            box = in0 & (X[:, 1] >= a1) & (X[:, 1] <= b1)
            if box[sig].mean() >= target:
                best = min(best, box[~sig].mean())
    assert ours <= best + 0.003
    # and much better than a naive symmetric cut at per-feature efficiency sqrt(0.7)
    q = (1 - np.sqrt(target)) / 2
    naive = np.ones(len(X), dtype=bool)
    for j in range(2):
        lo, hi = np.quantile(X[sig, j], [q, 1 - q])
        naive &= (X[:, j] >= lo) & (X[:, j] <= hi)
    assert ours < naive[~sig].mean()


def test_decision_and_predict_use_the_working_point(rng: np.random.Generator) -> None:
    X, y = _toy(rng, 1000)
    cuts = RectangularCuts(efficiencies=(0.3, 0.6, 0.9), working_point=0.6).fit(X, y)
    inside = np.all((X >= cuts.lower_[1]) & (X <= cuts.upper_[1]), axis=1)
    np.testing.assert_array_equal(cuts.predict(X) == 1, inside)
    np.testing.assert_array_equal(cuts.decision_function(X) > 0, inside)
    p = cuts.predict_proba(X)[:, 1]
    assert np.all((p > 0.5) == inside)


def test_weights_count(rng: np.random.Generator) -> None:
    X, y = _toy(rng, 500)
    w = np.where(y == 1, rng.uniform(0.5, 1.5, len(y)), 1.0)
    cuts = RectangularCuts(efficiencies=(0.5,)).fit(X, y, sample_weight=w)
    inside = np.all((X >= cuts.lower_[0]) & (X <= cuts.upper_[0]), axis=1)
    sig = y == 1
    assert w[sig & inside].sum() / w[sig].sum() == pytest.approx(cuts.signal_efficiency_[0])
    assert cuts.signal_efficiency_[0] == pytest.approx(0.5, abs=0.01)
