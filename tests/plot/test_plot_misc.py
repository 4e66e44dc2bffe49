"""Significance, calibration, training, correlation and confusion plots draw their inputs."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from neyman.errors import ConfigError, DataError
from neyman.evaluate import (
    confusion_matrix,
    correlation_matrices,
    reliability_curve,
    significance_scan,
)
from neyman.plot import (
    STYLE,
    plot_confusion_matrix,
    plot_correlation,
    plot_likelihood_ratio,
    plot_reliability,
    plot_significance,
    plot_training_history,
    style,
    use_style,
)


def test_plot_significance(rng, render):
    y = rng.integers(0, 2, 1000)
    s = rng.normal(y, 1)
    scan = significance_scan(y, s, kind="asimov", min_background=5)
    fig = plot_significance({"mlp": scan})
    ax = fig.axes[0]
    line, best = ax.get_lines()[:2]
    np.testing.assert_array_equal(line.get_xdata(), scan.cuts)
    np.testing.assert_array_equal(line.get_ydata(), scan.z)
    assert best.get_xdata()[0] == scan.best_cut
    assert "Asimov" in ax.get_ylabel()
    assert f"Z = {scan.best_z:.3g}" in ax.get_legend().get_texts()[1].get_text()
    render(fig)


def test_plot_reliability_and_likelihood_ratio(rng, render):
    p = rng.uniform(0, 1, 3000)
    y = (rng.uniform(0, 1, 3000) < p).astype(int)
    curve = reliability_curve(y, p)
    fig = plot_reliability({"calibrated": curve})
    line = fig.axes[0].containers[0].lines[0]
    np.testing.assert_array_equal(line.get_xdata(), curve.mean_predicted)
    np.testing.assert_array_equal(line.get_ydata(), curve.fraction_positive)
    render(fig)
    x = np.linspace(-2, 2, 9)
    fig = plot_likelihood_ratio(x, {"histogram": np.exp(1.9 * x)}, truth=np.exp(2 * x))
    lines = fig.axes[0].get_lines()
    np.testing.assert_array_equal(lines[0].get_ydata(), np.exp(1.9 * x))
    np.testing.assert_array_equal(lines[1].get_ydata(), np.exp(2 * x))
    render(fig)
    with pytest.raises(DataError, match="evaluate it on x"):
        plot_likelihood_ratio(x, {"bad": x[:3]})


def test_plot_training_history(render):
    history = {"auc": [0.6, 0.7, 0.8], "loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.6, 0.5]}
    fig = plot_training_history(history, log_loss=True)
    loss_ax, auc_ax = fig.axes
    assert loss_ax.get_ylabel() == "loss" and loss_ax.get_yscale() == "log"
    train, val = loss_ax.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(train.get_ydata(), history["loss"])
    np.testing.assert_array_equal(val.get_ydata(), history["val_loss"])
    assert val.get_linestyle() == "--"
    np.testing.assert_array_equal(auc_ax.get_lines()[0].get_ydata(), history["auc"])
    render(fig)
    fig, ax = plt.subplots()
    try:
        plot_training_history(history, metrics=["loss"], ax=ax)
        assert len(ax.get_lines()) == 2
        with pytest.raises(ConfigError, match="2 panels"):
            plot_training_history(history, ax=ax)
    finally:
        plt.close(fig)
    with pytest.raises(ConfigError, match="did you mean 'loss'"):
        plot_training_history(history, metrics=["los"])
    with pytest.raises(DataError, match="empty"):
        plot_training_history({"loss": []})


def test_plot_correlation(rng, render):
    X = rng.normal(size=(500, 3))
    X[:, 1] += X[:, 0]
    y = rng.integers(0, 2, 500)
    corr = correlation_matrices(X, y, feature_names=["pt", "eta", "phi"])
    fig = plot_correlation(corr)
    images = [ax.get_images()[0] for ax in fig.axes if ax.get_images()]
    assert len(images) == 2
    np.testing.assert_array_equal(images[0].get_array(), corr.matrices[0])
    np.testing.assert_array_equal(images[1].get_array(), corr.matrices[1])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[1] == f"{100 * corr.matrices[0][0, 1]:.0f}"
    render(fig)
    fig = plot_correlation(corr, "all")
    np.testing.assert_array_equal(fig.axes[0].get_images()[0].get_array(), corr.matrices["all"])
    with pytest.raises(ConfigError, match="no correlation matrix for label 7"):
        plot_correlation(corr, 7)
    fig2, ax = plt.subplots()
    try:
        with pytest.raises(ConfigError, match="pass label="):
            plot_correlation(corr, ax=ax)
    finally:
        plt.close(fig2)


def test_plot_confusion_matrix(rng, render):
    y = rng.integers(0, 3, 300)
    p = np.where(rng.random(300) < 0.6, y, rng.integers(0, 3, 300))
    for norm in (None, "true"):
        cm = confusion_matrix(y, p, normalize=norm)
        fig = plot_confusion_matrix(cm, class_names=["e", "mu", "tau"])
        ax = fig.axes[0]
        np.testing.assert_array_equal(ax.get_images()[0].get_array(), cm.matrix)
        assert [t.get_text() for t in ax.get_xticklabels()] == ["e", "mu", "tau"]
        expected = f"{cm.matrix[0, 0]:.0f}" if norm is None else f"{cm.matrix[0, 0]:.2f}"
        assert ax.texts[0].get_text() == expected
        render(fig)
    with pytest.raises(ConfigError, match="one per class"):
        plot_confusion_matrix(cm, class_names=["e"])


def test_style_context_and_global_use():
    before = plt.rcParams["xtick.direction"]
    with style(**{"font.size": 11}):
        assert plt.rcParams["xtick.direction"] == "in"
        assert plt.rcParams["font.size"] == 11
    assert plt.rcParams["xtick.direction"] == before
    with plt.rc_context():
        use_style()
        assert plt.rcParams["font.size"] == STYLE["font.size"]
    assert plt.rcParams["xtick.direction"] == before
