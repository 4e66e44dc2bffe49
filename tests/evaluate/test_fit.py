"""The expected binned fit: checked against the closed-form Asimov significance."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neyman.errors import ConfigError, DataError
from neyman.evaluate import histfactory_spec, score_histograms, significance

pytest.importorskip("pyhf")

from neyman.evaluate import expected_fit  # noqa: E402


def _one_bin(s: float, b: float, n_s: int = 200, n_b: int = 4000):
    """One bin holding signal yield s and background yield b (weights scale the counts)."""
    y = np.r_[np.ones(n_s), np.zeros(n_b)]
    w = np.r_[np.full(n_s, s / n_s), np.full(n_b, b / n_b)]
    return score_histograms(y, np.zeros(n_s + n_b), w, n_bins=1)


@pytest.mark.parametrize(("s", "b"), [(10.0, 100.0), (30.0, 20.0), (5.0, 400.0)])
def test_one_bin_without_systematics_equals_asimov_formula(s: float, b: float) -> None:
    result = expected_fit(_one_bin(s, b), mc_stat=False)
    asimov = math.sqrt(2.0 * ((s + b) * math.log1p(s / b) - s))
    assert result.discovery_z == pytest.approx(asimov, rel=1e-3)
    assert result.discovery_p == pytest.approx(0.5 * math.erfc(asimov / math.sqrt(2)), rel=1e-2)


def test_background_uncertainty_lowers_significance_and_raises_limit() -> None:
    yields = _one_bin(20.0, 100.0)
    plain = expected_fit(yields, mc_stat=False)
    syst = expected_fit(yields, mc_stat=False, background_uncertainty=0.1)
    assert syst.discovery_z < plain.discovery_z
    assert syst.upper_limit > plain.upper_limit


def test_one_bin_limit_matches_cls_of_a_counting_experiment() -> None:
    # median expected CLs limit (asymptotic, known b): mu_up s = sigma Phi^-1(1 - alpha/2)
    # with sigma from the Asimov q_mu; checked by solving CLs = 0.05 independently
    from scipy.optimize import brentq
    from scipy.stats import norm

    s, b = 10.0, 100.0
    result = expected_fit(_one_bin(s, b), mc_stat=False)

    def cls(mu: float) -> float:
        # Asimov background-only data n = b: q_mu,A = 2 (mu s - b ln(1 + mu s / b))
        q = 2.0 * (mu * s - b * math.log1p(mu * s / b))
        return float(norm.sf(math.sqrt(q)) / 0.5)

    expected = brentq(lambda mu: cls(mu) - 0.05, 1e-3, 100.0)
    assert result.upper_limit == pytest.approx(expected, rel=5e-3)


def test_more_separated_scores_give_more_significance() -> None:
    rng = np.random.default_rng(1)
    n_s, n_b = 2000, 20000
    y = np.r_[np.ones(n_s), np.zeros(n_b)]
    w = np.r_[np.full(n_s, 0.02), np.full(n_b, 0.5)]
    weak = np.r_[rng.normal(0.3, 1, n_s), rng.normal(-0.3, 1, n_b)]
    strong = np.r_[rng.normal(1.5, 1, n_s), rng.normal(-1.5, 1, n_b)]
    z = [
        expected_fit(score_histograms(y, sc, w, n_bins=5, min_background=5.0)).discovery_z
        for sc in (weak, strong)
    ]
    assert z[1] > z[0]
    # the binned fit beats counting all events as one bin
    total = float(significance(n_s * 0.02, n_b * 0.5, "asimov"))
    assert z[1] > total


def test_bins_keep_the_minimum_background() -> None:
    rng = np.random.default_rng(2)
    y = np.r_[np.ones(3000), np.zeros(3000)]
    score = np.r_[rng.normal(2, 1, 3000), rng.normal(0, 1, 3000)]
    w = np.full(6000, 0.1)
    yields = score_histograms(y, score, w, n_bins=20, min_background=8.0, min_background_events=30)
    assert np.all(yields.background >= 8.0 - 1e-9)
    assert np.all(yields.background_events >= 30)
    assert yields.signal.sum() == pytest.approx(300.0)
    assert yields.background.sum() == pytest.approx(300.0)
    assert yields.background_sumw2.sum() == pytest.approx(3000 * 0.01)
    assert yields.edges[0] == score.min() and yields.edges[-1] == score.max()
    assert np.all(np.diff(yields.edges) > 0)


def test_too_little_background_names_the_key() -> None:
    y = np.r_[np.ones(10), np.zeros(5)]
    with pytest.raises(DataError, match="min_background") as err:
        score_histograms(y, np.arange(15.0), n_bins=3, min_background=10.0)
    assert err.value.key == "min_background"


def test_spec_has_the_declared_modifiers() -> None:
    spec = histfactory_spec(_one_bin(1.0, 10.0), background_uncertainty=0.2, mc_stat=True)
    samples = {s["name"]: s for s in spec["channels"][0]["samples"]}
    kinds = {m["type"] for m in samples["background"]["modifiers"]}
    assert kinds == {"staterror", "normsys"}
    norm = next(m for m in samples["background"]["modifiers"] if m["type"] == "normsys")
    assert norm["data"] == {"hi": 1.2, "lo": 0.8}
    with pytest.raises(ConfigError) as err:
        histfactory_spec(_one_bin(1.0, 10.0), background_uncertainty=1.5)
    assert err.value.key == "background_uncertainty"
