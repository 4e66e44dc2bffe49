"""Decision boundaries, surfaces and regression plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from neyman.errors import ConfigError, DataError
from neyman.evaluate import resolution, resolution_in_bins
from neyman.plot import (
    grid_scores,
    plot_decision_boundary,
    plot_predicted_vs_true,
    plot_residuals,
    plot_resolution,
    plot_surface,
)


def _logistic(X: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(X[:, 0] - X[:, 1])))


def test_grid_scores_evaluates_f_once_on_the_grid():
    calls = []

    def f(X):
        calls.append(X.shape)
        return X[:, 0] * 10 + X[:, 1]

    xx, yy, zz = grid_scores(f, (0, 1), (2, 3), grid_points=5)
    assert calls == [(25, 2)]
    np.testing.assert_allclose(zz, 10 * xx + yy)
    with pytest.raises(DataError, match="one score per row"):
        grid_scores(lambda X: X[:3, 0], (0, 1), (0, 1))
    with pytest.raises(DataError, match="NaN"):
        grid_scores(lambda X: np.full(len(X), np.nan), (0, 1), (0, 1))


def test_plot_decision_boundary(rng, render):
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    fig = plot_decision_boundary(_logistic, X, y, threshold=0.5, grid_points=50)
    ax = fig.axes[0]
    signal_pts = ax.collections[-2].get_offsets()
    background_pts = ax.collections[-1].get_offsets()
    np.testing.assert_array_equal(signal_pts, X[y == 1])
    np.testing.assert_array_equal(background_pts, X[y == 0])
    render(fig)
    thinned = plot_decision_boundary(_logistic, X, max_points=100, grid_points=20)
    assert len(thinned.axes[0].collections[-1].get_offsets()) == 100
    with pytest.raises(DataError, match=r"shape \(n, 2\)"):
        plot_decision_boundary(_logistic, rng.normal(size=(10, 3)))
    with pytest.raises(DataError, match="one label per event"):
        plot_decision_boundary(_logistic, X, y[:5])


def test_plot_surface(render):
    fig = plot_surface(_logistic, (-2, 2), (-1, 1), grid_points=12)
    ax = fig.axes[0]
    assert ax.name == "3d"
    render(fig)  # 3-D polygons are projected at draw time
    surface = ax.collections[0]
    assert len(surface.get_paths()) == 11 * 11
    zlo, zhi = ax.get_zlim()
    zz = grid_scores(_logistic, (-2, 2), (-1, 1), grid_points=12)[2]
    assert zlo <= zz.min() and zz.max() <= zhi
    fig2, flat = plt.subplots()
    try:
        with pytest.raises(ConfigError, match="3-D axes"):
            plot_surface(_logistic, (0, 1), (0, 1), ax=flat)
    finally:
        plt.close(fig2)


def test_regression_plots(rng, render):
    t = rng.uniform(10, 100, 2000)
    p = t + rng.normal(0, 1 + 0.03 * t)
    fig = plot_predicted_vs_true(t, p, bins=20, label="E", unit="GeV")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "True E [GeV]"
    counts = ax.collections[0].get_array()
    assert np.nansum(counts) == pytest.approx(2000)
    render(fig)

    summary = resolution(t, p)
    fig = plot_residuals({"dnn": p - t}, summaries={"dnn": summary}, bins=30)
    ax = fig.axes[0]
    (step,) = ax.patches
    counts, _ = np.histogram(p - t, bins=30)
    assert step.get_xy()[:, 1].max() == counts.max()
    assert f"bias {summary.bias:.3g}" in ax.get_legend().get_texts()[0].get_text()
    render(fig)
    with pytest.raises(ConfigError, match="match them"):
        plot_residuals({"dnn": p - t}, summaries={"bdt": summary})

    binned = resolution_in_bins(t, p, bins=6)
    fig = plot_resolution({"dnn": binned})
    line = fig.axes[0].containers[0].lines[0]
    np.testing.assert_array_equal(line.get_xdata(), binned.centers)
    np.testing.assert_array_equal(line.get_ydata(), binned.sigma)
    render(fig)
    rel = resolution_in_bins(t, p, bins=6, relative=True)
    fig = plot_resolution(rel, quantity="bias")
    np.testing.assert_array_equal(fig.axes[0].containers[0].lines[0].get_ydata(), rel.bias)
    assert fig.axes[0].get_ylabel().startswith("Relative")
    with pytest.raises(ConfigError, match="did you mean 'sigma'"):
        plot_resolution(binned, quantity="sigmaa")
