"""ROC, AUC, rejection, working points and significance against sklearn and brute force."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics

from neyman.errors import ConfigError, DataError
from neyman.evaluate import (
    RocCurve,
    auc,
    confusion_matrix,
    efficiency_at,
    one_vs_rest_roc,
    rejection_at,
    roc_curve,
    significance,
    significance_scan,
    working_points,
)


def _sample(rng: np.random.Generator, n: int = 4000, *, ties: bool = False):
    y = rng.integers(0, 2, n)
    s = rng.normal(1.2 * y, 1.0)
    if ties:
        s = np.round(s, 1)  # many exactly tied scores across classes
    w = rng.uniform(0.05, 3.0, n)
    return y, s, w


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_roc_and_auc_match_sklearn(rng, ties, weighted):
    y, s, w = _sample(rng, ties=ties)
    sw = w if weighted else None
    roc = roc_curve(y, s, sw)
    fpr, tpr, thr = metrics.roc_curve(y, s, sample_weight=sw, drop_intermediate=False)
    np.testing.assert_allclose(roc.fpr, fpr, rtol=0, atol=1e-12)
    np.testing.assert_allclose(roc.tpr, tpr, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(roc.thresholds, thr)
    expected = metrics.roc_auc_score(y, s, sample_weight=sw)
    assert abs(roc.auc - expected) < 1e-12
    assert abs(auc(y, s, sw) - expected) < 1e-12


def test_roc_with_string_labels_and_pos_label(rng):
    y, s, _ = _sample(rng, 500)
    labels = np.where(y == 1, "sig", "bkg")
    roc = roc_curve(labels, s, pos_label="sig")
    assert abs(roc.auc - metrics.roc_auc_score(y, s)) < 1e-12


def test_all_tied_scores_give_diagonal():
    roc = roc_curve([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])
    assert roc.tpr.tolist() == [0.0, 1.0]
    assert roc.auc == 0.5


def test_effective_counts_and_binomial_errors(rng):
    y, s, w = _sample(rng, 1000)
    roc = roc_curve(y, s, w)
    wb = w[y == 0]
    assert roc.n_background_eff == pytest.approx(wb.sum() ** 2 / (wb**2).sum(), rel=1e-12)
    unweighted = roc_curve(y, s)
    assert unweighted.n_signal_eff == pytest.approx(np.sum(y == 1), rel=1e-12)
    f = unweighted.fpr
    np.testing.assert_allclose(unweighted.fpr_err, np.sqrt(f * (1 - f) / np.sum(y == 0)))
    ok = f > 0
    np.testing.assert_allclose(unweighted.rejection[ok], 1 / f[ok])
    assert np.isinf(unweighted.rejection[0])
    np.testing.assert_allclose(unweighted.rejection_err[ok], unweighted.fpr_err[ok] / f[ok] ** 2)


def test_rejection_and_efficiency_at_interpolate_the_curve():
    # sorted by score: B, S, B, S, then 6 B -> points (eps_B, eps_S):
    # (0, 0) (1/8, 0) (1/8, .5) (2/8, .5) (2/8, 1) ... (1, 1)
    y = [0, 1, 0, 1, 0, 0, 0, 0, 0, 0]
    s = [0.9, 0.8, 0.6, 0.5, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05]
    roc = roc_curve(y, s)
    # at eps_S = 0.5 two cuts exist; the better one has eps_B = 1/8
    assert rejection_at(roc, efficiency=0.5) == pytest.approx(8.0, rel=1e-12)
    assert rejection_at(y, s, efficiency=0.75) == pytest.approx(16 / 3, rel=1e-12)
    # inverse: at rejection 8 the best signal efficiency is 0.5
    assert efficiency_at(roc, rejection=8.0) == pytest.approx(0.5, rel=1e-12)
    assert efficiency_at(roc, rejection=1.0) == pytest.approx(1.0)
    np.testing.assert_allclose(roc.rejection_at([0.5, 0.75]), [8.0, 16 / 3], rtol=1e-12)
    assert np.isinf(roc.rejection_at(0.0))


def test_rejection_matches_gaussian_truth():
    # N(1,1) vs N(0,1): a cut x > t has eps_S = Phi(1-t), eps_B = Phi(-t)
    rng = np.random.default_rng(1)
    n = 200_000
    y = np.r_[np.ones(n), np.zeros(n)]
    x = np.r_[rng.normal(1, 1, n), rng.normal(0, 1, n)]
    roc = roc_curve(y, x)
    t = 1 - stats.norm.ppf(0.5)
    expected = 1 / stats.norm.sf(t)
    got = float(roc.rejection_at(0.5))
    err = float(roc.rejection_err_at(0.5))
    assert abs(got - expected) < 4 * err
    assert abs(roc.auc - stats.norm.cdf(1 / np.sqrt(2))) < 3e-3


def _brute_force_cuts(y, s, w):
    """(threshold, eps_S, eps_B) of every cut ``s >= t``, tightest first, by direct sums."""
    cuts = np.r_[np.inf, np.unique(s)[::-1]]
    eps_s = np.array([w[(s >= t) & (y == 1)].sum() for t in cuts]) / w[y == 1].sum()
    eps_b = np.array([w[(s >= t) & (y == 0)].sum() for t in cuts]) / w[y == 0].sum()
    return cuts, eps_s, eps_b


def _brute_force_eps_b(eps_s, eps_b, target):
    """eps_B of the tightest cut reaching ``target``, interpolated from the tighter cut before."""
    k = int(np.flatnonzero(eps_s >= target)[0])  # tightest cut reaching the target
    if eps_s[k] == target or k == 0:
        return eps_b[k]
    # the anchor below: among tighter cuts, the best eps_S, reached first
    best = eps_s[:k].max()
    j = int(np.flatnonzero(eps_s[:k] == best)[0])
    return eps_b[j] + (target - best) / (eps_s[k] - best) * (eps_b[k] - eps_b[j])


def _signed_sample(rng, n=300):
    # NLO-like: ~15% negative weights, so the ROC is not monotone in either efficiency
    y = rng.integers(0, 2, n)
    s = np.round(rng.normal(1.0 * y, 1.0), 2)  # some ties, most scores distinct
    w = rng.uniform(0.5, 1.5, n) * np.where(rng.random(n) < 0.15, -1.0, 1.0)
    return y, s, w


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_rejection_with_signed_weights_is_that_of_the_cut_reaching_the_efficiency(seed):
    y, s, w = _signed_sample(np.random.default_rng(seed))
    roc = roc_curve(y, s, w)
    assert np.any(np.diff(roc.tpr) < 0) and np.any(np.diff(roc.fpr) < 0)  # not monotone
    cuts, eps_s, eps_b = _brute_force_cuts(y, s, w)
    np.testing.assert_allclose(roc.tpr, eps_s, atol=1e-12)
    targets = np.r_[np.linspace(0.0, 1.0, 41), eps_s[(eps_s >= 0) & (eps_s <= 1)]]
    expected = [_brute_force_eps_b(eps_s, eps_b, t) for t in targets]
    np.testing.assert_allclose(roc.background_efficiency_at(targets), expected, atol=1e-12)
    # a working point is the same cut, without interpolation
    for wp in working_points(roc, efficiencies=(0.3, 0.5, 0.9)):
        k = int(np.flatnonzero(eps_s >= wp.target_efficiency - 1e-12)[0])
        assert wp.cut == cuts[k]
        assert wp.background_efficiency == pytest.approx(eps_b[k], abs=1e-12)
        assert float(roc.background_efficiency_at(eps_s[k])) == pytest.approx(eps_b[k], abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_efficiency_at_rejection_with_signed_weights_is_that_of_the_loosest_cut(seed):
    y, s, w = _signed_sample(np.random.default_rng(seed))
    roc = roc_curve(y, s, w)
    _, eps_s, eps_b = _brute_force_cuts(y, s, w)
    # the same definition with the cuts walked from the loosest, eps_B going down
    for target in np.linspace(0.05, 1.0, 20):
        rev_b, rev_s = -eps_b[::-1], eps_s[::-1]
        got = float(roc.efficiency_at(1.0 / target))
        assert got == pytest.approx(_brute_force_eps_b(rev_b, rev_s, -target), abs=1e-12)


def test_rejection_at_is_unchanged_where_the_roc_is_monotone(rng):
    # unweighted and positive-weight ROCs: the tightest cut at each eps_S is also the one
    # with the smallest eps_B, so the lower envelope of the points is the same curve
    for sw in (None, rng.uniform(0.1, 3.0, 500)):
        y, s, _ = _sample(rng, 500, ties=True)
        roc = roc_curve(y, s, sw)
        eff = np.linspace(0.0, 1.0, 101)
        tpr, first = np.unique(roc.tpr, return_index=True)
        np.testing.assert_array_equal(
            roc.background_efficiency_at(eff), np.interp(eff, tpr, roc.fpr[first])
        )
        fpr, last = np.unique(roc.fpr[::-1], return_index=True)
        rej = np.geomspace(1.0, 100.0, 41)
        np.testing.assert_array_equal(
            roc.efficiency_at(rej), np.interp(1 / rej, fpr, roc.tpr[::-1][last])
        )


def test_working_points_are_real_cuts(rng):
    y, s, w = _sample(rng, 2000)
    for wp in working_points(y, s, efficiencies=(0.3, 0.5, 0.9), sample_weight=w):
        sel = s >= wp.cut
        eff_s = w[sel & (y == 1)].sum() / w[y == 1].sum()
        eff_b = w[sel & (y == 0)].sum() / w[y == 0].sum()
        assert wp.signal_efficiency == pytest.approx(eff_s, rel=1e-12)
        assert wp.background_efficiency == pytest.approx(eff_b, rel=1e-12)
        assert wp.signal_efficiency >= wp.target_efficiency
        # the next tighter cut would miss the target
        tighter = np.unique(s)[np.unique(s) > wp.cut]
        if len(tighter):
            sel2 = s >= tighter[0]
            assert w[sel2 & (y == 1)].sum() / w[y == 1].sum() < wp.target_efficiency
        assert wp.rejection == pytest.approx(1 / eff_b)
        assert set(wp.to_dict()) >= {"cut", "rejection"}


def test_bootstrap_interval_covers_true_auc():
    true_auc = stats.norm.cdf(1 / np.sqrt(2))
    rng = np.random.default_rng(7)
    n, trials, hits = 400, 60, 0
    values, stds = [], []
    for _ in range(trials):
        y = np.r_[np.ones(n), np.zeros(n)]
        x = np.r_[rng.normal(1, 1, n), rng.normal(0, 1, n)]
        res = auc(y, x, ci=0.95, n_bootstrap=300, random_state=rng)
        assert res.low <= res.value <= res.high
        hits += res.low <= true_auc <= res.high
        values.append(res.value)
        stds.append(res.std)
    # nominal 95%: binomial sd over 60 trials ~ 2.8%
    assert hits / trials >= 0.85
    # the bootstrap spread estimates the true trial-to-trial spread (~9% sampling error)
    assert np.mean(stds) == pytest.approx(np.std(values, ddof=1), rel=0.3)


def test_bootstrap_is_reproducible_and_weighted(rng):
    y, s, w = _sample(rng, 800)
    a = auc(y, s, w, ci=0.68, n_bootstrap=200, random_state=3)
    b = auc(y, s, w, ci=0.68, n_bootstrap=200, random_state=3)
    assert a == b
    assert a.value == pytest.approx(metrics.roc_auc_score(y, s, sample_weight=w), abs=1e-12)
    assert a.low < a.value < a.high
    assert a.to_dict()["auc"] == a.value


def test_significance_formulas():
    s = np.array([10.0, 5.0, 0.0])
    b = np.array([100.0, 1.0, 4.0])
    np.testing.assert_allclose(significance(s, b, "s_over_sqrt_b"), s / np.sqrt(b))
    np.testing.assert_allclose(significance(s, b, "s_over_sqrt_s_plus_b"), s / np.sqrt(s + b))
    asimov = np.sqrt(2 * ((s + b) * np.log(1 + s / b) - s))
    np.testing.assert_allclose(significance(s, b, "asimov"), asimov, rtol=1e-12)
    # Asimov -> s/sqrt(b) for s << b
    assert significance(1e-3, 1e3, "asimov") == pytest.approx(1e-3 / np.sqrt(1e3), rel=1e-5)
    assert np.isnan(significance(1.0, 0.0, "s_over_sqrt_b"))


@pytest.mark.parametrize("kind", ["s_over_sqrt_b", "s_over_sqrt_s_plus_b", "asimov"])
def test_significance_scan_matches_brute_force(rng, kind):
    y, s, w = _sample(rng, 1500, ties=True)
    w = np.where(y == 1, 0.02 * w, w)  # a small signal on a large background
    scan = significance_scan(y, s, w, kind=kind, min_background=1.0)
    best_z, best_cut = -np.inf, None
    for cut in np.unique(s):
        sel = s >= cut
        sig, bkg = w[sel & (y == 1)].sum(), w[sel & (y == 0)].sum()
        if bkg <= 1.0:
            continue
        z = float(significance(sig, bkg, kind))
        if z > best_z:
            best_z, best_cut = z, cut
    assert scan.best_cut == best_cut
    assert scan.best_z == pytest.approx(best_z, rel=1e-10)
    i = len(scan.cuts) // 2
    sel = s >= scan.cuts[i]
    assert scan.s[i] == pytest.approx(w[sel & (y == 1)].sum(), rel=1e-10)
    assert scan.b[i] == pytest.approx(w[sel & (y == 0)].sum(), rel=1e-10)
    assert scan.to_dict()["kind"] == kind


def test_significance_scan_on_explicit_cuts(rng):
    y, s, _ = _sample(rng, 500)
    scan = significance_scan(y, s, cuts=[1.0, 0.0, 2.0])
    np.testing.assert_array_equal(scan.cuts, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(scan.s, [np.sum((s >= c) & (y == 1)) for c in scan.cuts])


def test_confusion_matrix_matches_sklearn(rng):
    y = rng.integers(0, 3, 300)
    p = np.where(rng.random(300) < 0.7, y, rng.integers(0, 3, 300))
    w = rng.uniform(0.5, 2, 300)
    for norm in (None, "true", "pred", "all"):
        got = confusion_matrix(y, p, sample_weight=w, normalize=norm)
        exp = metrics.confusion_matrix(y, p, sample_weight=w, normalize=norm)
        np.testing.assert_allclose(got.matrix, exp, rtol=1e-12)
        assert got.labels == [0, 1, 2]
    cm = confusion_matrix(y, p)
    assert cm.accuracy == pytest.approx(metrics.accuracy_score(y, p), rel=1e-12)


def test_one_vs_rest_roc_matches_sklearn(rng):
    y = rng.integers(0, 3, 600)
    logits = rng.normal(size=(600, 3)) + 1.5 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    rocs = one_vs_rest_roc(y, proba)
    assert list(rocs) == [0, 1, 2]
    for k, roc in rocs.items():
        assert isinstance(roc, RocCurve)
        assert roc.auc == pytest.approx(metrics.roc_auc_score(y == k, proba[:, k]), abs=1e-12)
    macro = metrics.roc_auc_score(y, proba, multi_class="ovr", average="macro")
    assert np.mean([r.auc for r in rocs.values()]) == pytest.approx(macro, abs=1e-12)


def test_single_class_is_a_clear_error():
    with pytest.raises(DataError, match="single class.*needs both signal"):
        roc_curve([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(DataError, match="no background"):
        auc([1, 1], [0.1, 0.2])


def test_bad_inputs_are_clear_errors():
    with pytest.raises(DataError, match="score has 1 NaN"):
        roc_curve([0, 1, 1], [0.1, np.nan, 0.3])
    with pytest.raises(DataError, match="length mismatch"):
        roc_curve([0, 1, 1], [0.1, 0.3])
    with pytest.raises(DataError, match="length mismatch.*sample_weight=2"):
        roc_curve([0, 1, 1], [0.1, 0.2, 0.3], [1.0, 1.0])
    with pytest.raises(DataError, match="3 classes.*one_vs_rest_roc"):
        roc_curve([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ConfigError, match="did you mean 'asimov'"):
        significance_scan([0, 1], [0.1, 0.2], kind="asimow")
    with pytest.raises(ConfigError, match="ci must be"):
        auc([0, 1], [0.1, 0.2], ci=95)
    with pytest.raises(ConfigError, match="efficiency must lie in"):
        rejection_at(roc_curve([0, 1], [0.1, 0.2]), efficiency=1.5)
    with pytest.raises(ConfigError, match="score is missing"):
        rejection_at([0, 1], efficiency=0.5)
    with pytest.raises(DataError, match="shape"):
        one_vs_rest_roc([0, 1], [0.1, 0.2])


def test_missing_pos_label_names_the_fix():
    with pytest.raises(DataError, match="no events labelled pos_label=1.*pass pos_label="):
        roc_curve([0, 2, 2], [0.1, 0.2, 0.3])
    assert roc_curve([0, 2, 2], [0.1, 0.2, 0.3], pos_label=2).auc == 1.0
