"""Teaching toys: labels, shapes, and exact truth against independent SciPy computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import iv
from sklearn.metrics import roc_auc_score

from neyman.datasets import charges, circles, linearly_separable, moons, rings, xor
from neyman.errors import ConfigError, DataError

from .conftest import grid_auc


# ----------------------------------------------------------------------------- charges
def test_charges_binary_truth_table() -> None:
    ds = charges()
    assert ds.X.shape == (121, 2)
    assert ds.feature_names == ["q1", "q2"]
    for (q1, q2), label in zip(ds.X, ds.y, strict=True):
        assert label == int(np.sign(q1) != np.sign(q2))
    assert np.bincount(ds.y).tolist() == [51, 70]
    # deterministic labels: the log-likelihood ratio is +inf on signal, -inf on background
    assert np.all(ds.truth[ds.y == 1] == np.inf)
    assert np.all(ds.truth[ds.y == 0] == -np.inf)
    assert np.isnan(ds.meta["llr"](np.array([[0.5, 1.0], [7.0, 1.0]]))).all()
    small = charges(low=-1, high=1)
    assert small.n_events == 9


def test_charges_three_class() -> None:
    ds = charges("three_class")
    assert ds.class_names == ["attractive", "neutral", "repulsive"]
    assert np.bincount(ds.y).tolist() == [50, 21, 50]
    prod = ds.X[:, 0] * ds.X[:, 1]
    np.testing.assert_array_equal(ds.y, np.select([prod < 0, prod == 0], [0, 1], 2))
    assert ds.truth is None


def test_charges_rejects_bad_input() -> None:
    with pytest.raises(ConfigError, match="kind"):
        charges("four_class")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="low < high"):
        charges(low=3, high=3)


# ----------------------------------------------------------------------------- oracles
def smeared_arc_pdf(x: np.ndarray, center, radius, a0, a1, noise) -> float:
    """Density of center + radius (cos a, sin a), a ~ U(a0, a1), plus N(0, noise² I): quad."""

    def f(a: float) -> float:  # isotropic 2-D normal as a product of two scipy normals
        mx, my = center[0] + radius * np.cos(a), center[1] + radius * np.sin(a)
        return float(stats.norm.pdf(x[0], mx, noise) * stats.norm.pdf(x[1], my, noise))

    # split at the angle of x so that quad sees the peak
    peak = np.arctan2(x[1] - center[1], x[0] - center[0]) % (2 * np.pi)
    points = [p for p in (peak, peak - 2 * np.pi, peak + 2 * np.pi) if a0 < p < a1]
    val, _ = integrate.quad(f, a0, a1, points=points or None, epsabs=0, epsrel=1e-13, limit=500)
    return val / (a1 - a0)


def check_truth(ds, signal_pdf, background_pdf, k: int = 12) -> None:
    idx = np.random.default_rng(0).choice(ds.n_events, k, replace=False)
    for i in idx:
        x = ds.X[i].astype(np.float64)
        expected = np.log(signal_pdf(x)) - np.log(background_pdf(x))
        assert ds.truth[i] == pytest.approx(expected, abs=1e-10)
        assert ds.meta["llr"](x[None])[0] == pytest.approx(expected, abs=1e-10)


def ring_density(x: np.ndarray, y: np.ndarray, radii, noise) -> np.ndarray:
    """Closed form with scipy.special.iv (not i0e): mean over radii of the smeared circle."""
    r = np.hypot(x, y)
    s2 = noise**2
    return np.mean(
        [np.exp(-(r**2 + R**2) / (2 * s2)) * iv(0, r * R / s2) / (2 * np.pi * s2) for R in radii],
        axis=0,
    )


def assert_auc_matches_grid(ds, ps: np.ndarray, pb: np.ndarray, llr_grid: np.ndarray) -> None:
    expected = grid_auc(llr_grid.ravel(), ps.ravel(), pb.ravel())
    n = ds.n_events / 2
    sigma = np.sqrt(expected * (1 - expected) / n) + 1e-4
    assert roc_auc_score(ds.y, ds.truth) == pytest.approx(expected, abs=4 * sigma)


# ----------------------------------------------------------------------------- rings, circles
def test_rings_truth_and_auc() -> None:
    ds = rings(4000, random_state=1)
    assert ds.X.shape == (8000, 2)
    assert np.bincount(ds.y).tolist() == [4000, 4000]
    sig = lambda x: np.mean([smeared_arc_pdf(x, (0, 0), R, 0, 2 * np.pi, 0.3) for R in (1, 3)])  # noqa: E731
    bkg = lambda x: np.mean([smeared_arc_pdf(x, (0, 0), R, 0, 2 * np.pi, 0.3) for R in (2, 4)])  # noqa: E731
    check_truth(ds, sig, bkg, k=6)
    g = np.linspace(-6, 6, 601)
    xx, yy = np.meshgrid(g, g)
    ps, pb = ring_density(xx, yy, (1, 3), 0.3), ring_density(xx, yy, (2, 4), 0.3)
    assert_auc_matches_grid(ds, ps, pb, np.log(ps) - np.log(pb))


def test_circles_truth_and_auc() -> None:
    ds = circles(4000, noise=0.15, factor=0.6, random_state=2)
    assert np.bincount(ds.y).tolist() == [4000, 4000]
    # signal on the inner circle, as scikit-learn labels it
    r = np.hypot(ds.X[:, 0], ds.X[:, 1])
    assert r[ds.y == 1].mean() == pytest.approx(0.6, abs=0.03)
    sig = lambda x: smeared_arc_pdf(x, (0, 0), 0.6, 0, 2 * np.pi, 0.15)  # noqa: E731
    bkg = lambda x: smeared_arc_pdf(x, (0, 0), 1.0, 0, 2 * np.pi, 0.15)  # noqa: E731
    check_truth(ds, sig, bkg)
    g = np.linspace(-2, 2, 501)
    xx, yy = np.meshgrid(g, g)
    ps, pb = ring_density(xx, yy, (0.6,), 0.15), ring_density(xx, yy, (1.0,), 0.15)
    assert_auc_matches_grid(ds, ps, pb, np.log(ps) - np.log(pb))


# ----------------------------------------------------------------------------- moons
def test_moons_truth_and_auc() -> None:
    ds = moons(3000, noise=0.25, random_state=3)
    assert ds.X.shape == (6000, 2)
    sig = lambda x: smeared_arc_pdf(x, (1.0, 0.5), 1.0, np.pi, 2 * np.pi, 0.25)  # noqa: E731
    bkg = lambda x: smeared_arc_pdf(x, (0.0, 0.0), 1.0, 0.0, np.pi, 0.25)  # noqa: E731
    check_truth(ds, sig, bkg, k=8)
    # geometry as in scikit-learn: compare class means with make_moons
    from sklearn.datasets import make_moons

    xs, ys = make_moons(20_000, noise=0.25, random_state=0)
    for label in (0, 1):
        np.testing.assert_allclose(ds.X[ds.y == label].mean(0), xs[ys == label].mean(0), atol=0.04)
    # AUC against a grid integration of the two smeared arcs (midpoint rule in the angle)
    g = np.linspace(-2.2, 3.2, 217)
    xx, yy = np.meshgrid(g, g)
    a = (np.arange(300) + 0.5) * np.pi / 300

    def arc(cx, cy, a0):
        px = cx + np.cos(a0 + a)[None, None, :]
        py = cy + np.sin(a0 + a)[None, None, :]
        d2 = (xx[..., None] - px) ** 2 + (yy[..., None] - py) ** 2
        return np.exp(-d2 / (2 * 0.25**2)).mean(-1) / (2 * np.pi * 0.25**2)

    ps, pb = arc(1.0, 0.5, np.pi), arc(0.0, 0.0, 0.0)
    assert_auc_matches_grid(ds, ps, pb, np.log(ps) - np.log(pb))


# ----------------------------------------------------------------------------- Gaussian toys
def test_xor_truth_and_auc() -> None:
    ds = xor(4000, noise=0.6, random_state=4)
    cov = 0.36 * np.eye(2)

    def mix(centres):
        return lambda x: 0.5 * sum(stats.multivariate_normal(c, cov).pdf(x) for c in centres)

    sig, bkg = mix([(1, 1), (-1, -1)]), mix([(1, -1), (-1, 1)])
    check_truth(ds, sig, bkg)
    g = np.linspace(-4, 4, 401)
    xx, yy = np.meshgrid(g, g)
    pts = np.dstack([xx, yy])
    ps, pb = sig(pts), bkg(pts)
    assert_auc_matches_grid(ds, ps, pb, np.log(ps) - np.log(pb))


def test_linearly_separable_truth_auc_and_linearity() -> None:
    ds = linearly_separable(5000, separation=2.0, correlation=0.3, random_state=5)
    mu = np.array([1.0, 1.0]) / np.sqrt(2.0)
    cov = np.array([[1.0, 0.3], [0.3, 1.0]])
    sig = stats.multivariate_normal(mu, cov).pdf
    bkg = stats.multivariate_normal(-mu, cov).pdf
    check_truth(ds, sig, bkg)
    # the optimum is linear: truth = w . x exactly, w = 2 cov^-1 mu
    w = 2 * np.linalg.solve(cov, mu)
    np.testing.assert_allclose(ds.truth, ds.X.astype(np.float64) @ w, atol=1e-10)
    delta = np.sqrt((2 * mu) @ np.linalg.solve(cov, 2 * mu))
    expected = stats.norm.cdf(delta / np.sqrt(2))
    assert roc_auc_score(ds.y, ds.truth) == pytest.approx(
        expected, abs=4 * np.sqrt(expected * (1 - expected) / 5000)
    )
    assert ds.meta["problem"].optimal_auc(n_mc=200_000) == pytest.approx(expected, abs=0.004)


@pytest.mark.parametrize("make", [rings, circles, moons, xor, linearly_separable])
def test_toys_seeded_and_balanced(make) -> None:
    a, b = make(50, random_state=7), make(50, random_state=7)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.truth, b.truth)
    assert a.X.dtype == np.float32 and a.X.shape == (100, 2)
    assert np.bincount(a.y).tolist() == [50, 50]
    assert a.class_names == ["background", "signal"]
    with pytest.raises(ConfigError, match="n"):
        make(0)
    with pytest.raises(DataError, match=r"shape \(n, 2\)"):
        a.meta["llr"](np.zeros((3, 3)))


def test_toys_reject_bad_noise_and_radii() -> None:
    with pytest.raises(ConfigError, match="noise"):
        circles(10, noise=0.0)
    with pytest.raises(ConfigError, match="factor"):
        circles(10, factor=1.5)
    with pytest.raises(ConfigError, match="signal_radii"):
        rings(10, signal_radii=(-1.0,))
    with pytest.raises(ConfigError, match="correlation"):
        linearly_separable(10, correlation=1.0)
