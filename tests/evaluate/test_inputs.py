"""Input distributions and TMVA's separation, against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from neyman.errors import ConfigError
from neyman.evaluate import feature_distributions, separation


def test_separation_of_two_gaussians_matches_the_integral() -> None:
    # fine bins of the exact densities approach 1/2 int (fs - fb)^2 / (fs + fb) dx
    fs = stats.norm(1.0, 1.0).pdf
    fb = stats.norm(-1.0, 1.0).pdf
    exact, _ = integrate.quad(lambda x: 0.5 * (fs(x) - fb(x)) ** 2 / (fs(x) + fb(x)), -12, 12)
    edges = np.linspace(-12, 12, 4001)
    s = np.diff(stats.norm(1.0, 1.0).cdf(edges))
    b = np.diff(stats.norm(-1.0, 1.0).cdf(edges))
    assert separation(s, b) == pytest.approx(exact, rel=1e-4)


def test_separation_limits_and_bad_shapes() -> None:
    assert separation([3, 0, 0], [0, 1, 2]) == pytest.approx(1.0)
    assert separation([1, 2, 3], [2, 4, 6]) == pytest.approx(0.0)
    with pytest.raises(ConfigError):
        separation([1, 2], [1, 2, 3])


def test_distributions_are_class_normalised_with_flow_bins() -> None:
    rng = np.random.default_rng(0)
    x_sig = rng.normal(1.0, 1.0, 5000)
    x_bkg = rng.normal(-1.0, 1.0, 8000)
    X = np.r_[x_sig, x_bkg][:, None]
    y = np.r_[np.ones(5000), np.zeros(8000)]
    w = rng.uniform(0.5, 1.5, 13000)
    edges = np.linspace(-2.0, 2.0, 9)
    (dist,) = feature_distributions(X, y, [edges], w, feature_names=["m_jj"])
    assert dist.name == "m_jj"
    assert dist.signal.sum() == pytest.approx(1.0)
    assert dist.background.sum() == pytest.approx(1.0)
    ws, wb = w[:5000], w[5000:]
    assert dist.underflow[0] == pytest.approx(ws[x_sig < -2.0].sum() / ws.sum())
    assert dist.overflow[1] == pytest.approx(wb[x_bkg > 2.0].sum() / wb.sum())
    # an inner bin against numpy's histogram
    h, _ = np.histogram(x_bkg, bins=edges, weights=wb)
    np.testing.assert_allclose(dist.background[1:-1], h / wb.sum(), rtol=1e-12)
    assert dist.separation == pytest.approx(separation(dist.signal, dist.background))


def test_edges_must_match_features() -> None:
    with pytest.raises(ConfigError, match="one per feature"):
        feature_distributions(np.zeros((4, 2)), [0, 1, 0, 1], [np.array([0.0, 1.0])])
