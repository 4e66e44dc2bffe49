"""ROC plots draw exactly the RocCurve arrays."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from neyman.errors import ConfigError
from neyman.evaluate import roc_curve
from neyman.plot import plot_rejection, plot_roc


@pytest.fixture
def curves(rng):
    n = 3000
    y = rng.integers(0, 2, n)
    x = rng.normal(y, 1.0)
    return {
        "good": roc_curve(y, x),
        "worse": roc_curve(y, x + rng.normal(0, 1, n)),
    }, roc_curve(y, x - 0.5)


def test_plot_roc_lines_are_the_curves(curves, render):
    rocs, optimum = curves
    fig = plot_roc(rocs, optimum=optimum, max_points=None)
    ax = fig.axes[0]
    lines = ax.get_lines()
    np.testing.assert_array_equal(lines[0].get_xdata(), rocs["good"].fpr)
    np.testing.assert_array_equal(lines[0].get_ydata(), rocs["good"].tpr)
    np.testing.assert_array_equal(lines[1].get_ydata(), rocs["worse"].tpr)
    np.testing.assert_array_equal(lines[2].get_xdata(), optimum.fpr)
    assert lines[2].get_linestyle() == "--"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == f"good (AUC = {rocs['good'].auc:.4f})"
    assert labels[2].startswith("Neyman-Pearson optimum")
    render(fig)


def test_plot_roc_single_curve_into_given_axes(curves):
    rocs, _ = curves
    fig, ax = plt.subplots()
    try:
        out = plot_roc(rocs["good"], ax=ax, show_auc=False, diagonal=False)
        assert out is fig
        assert len(ax.get_lines()) == 1
    finally:
        plt.close(fig)


def test_plot_rejection_main_and_ratio_panels(curves, render):
    rocs, optimum = curves
    fig = plot_rejection(
        rocs, reference="worse", optimum=optimum, efficiency_range=(0.2, 1.0), max_points=None
    )
    main, ratio = fig.axes
    assert main.get_yscale() == "log"
    good = rocs["good"]
    m = (good.fpr > 0) & (good.tpr >= 0.2) & (good.tpr <= 1.0)
    line = main.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), good.tpr[m])
    np.testing.assert_array_equal(line.get_ydata(), good.rejection[m])
    # binomial band: rejection +- rejection_err
    band = main.collections[0].get_paths()[0].vertices
    lower = good.rejection[m] - good.rejection_err[m]
    upper = good.rejection[m] + good.rejection_err[m]
    assert band[:, 1].min() == pytest.approx(lower.min())
    assert band[:, 1].max() == pytest.approx(upper.max())
    # ratio panel: good / worse on the grid, worse / worse == 1
    grid = np.linspace(0.2, 1.0, 200)
    r_good, r_ref, r_opt = ratio.get_lines()[:3]
    np.testing.assert_allclose(
        r_good.get_ydata(), good.rejection_at(grid) / rocs["worse"].rejection_at(grid)
    )
    np.testing.assert_allclose(r_ref.get_ydata(), 1.0)
    np.testing.assert_allclose(
        r_opt.get_ydata(), optimum.rejection_at(grid) / rocs["worse"].rejection_at(grid)
    )
    assert r_opt.get_linestyle() == "--"
    render(fig)


def test_plot_rejection_against_the_optimum_and_without_ratio(curves, render):
    rocs, optimum = curves
    fig = plot_rejection(rocs, reference="optimum", optimum=optimum, error_band=False)
    main, ratio = fig.axes
    assert not main.collections
    np.testing.assert_allclose(ratio.get_lines()[2].get_ydata(), 1.0)
    assert "Neyman-Pearson" in ratio.get_ylabel()
    render(fig)
    single = plot_rejection(rocs["good"])
    assert len(single.axes) == 1
    render(single)


def test_plot_rejection_errors(curves):
    rocs, optimum = curves
    with pytest.raises(ConfigError, match="did you mean 'good'"):
        plot_rejection(rocs, reference="goood")
    with pytest.raises(ConfigError, match="efficiency_range"):
        plot_rejection(rocs, efficiency_range=(0.9, 0.1))
    with pytest.raises(ConfigError, match="reserved"):
        plot_rejection({"optimum": optimum}, optimum=optimum)
    with pytest.raises(ConfigError, match="expected a RocCurve"):
        plot_roc([1, 2, 3])  # type: ignore[arg-type]


def test_one_vs_rest_curves_are_labelled_by_class(rng, render):
    from neyman.evaluate import one_vs_rest_roc

    y = rng.integers(0, 3, 600)
    scores = rng.normal(size=(600, 3)) + np.eye(3)[y]
    rocs = one_vs_rest_roc(y, scores)
    fig = plot_roc(rocs, show_auc=False)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["0", "1", "2"]
    render(fig)


def test_long_curves_are_thinned_keeping_the_ends(rng):
    n = 20_000
    y = rng.integers(0, 2, n)
    roc = roc_curve(y, rng.normal(y, 1.0))
    line = plot_roc(roc, max_points=500, diagonal=False).axes[0].get_lines()[0]
    x = line.get_xdata()
    assert len(x) == 500
    assert x[0] == roc.fpr[0] and x[-1] == roc.fpr[-1]
    assert set(x) <= set(roc.fpr)
    main = plot_rejection(roc, max_points=300).axes[0].get_lines()[0]
    assert len(main.get_xdata()) == 300
    with pytest.raises(ConfigError, match="max_points"):
        plot_roc(roc, max_points=1)
