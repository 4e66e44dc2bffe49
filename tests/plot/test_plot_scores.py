"""TMVA-style score plot draws the OvertrainingReport's histograms and p-values."""

from __future__ import annotations

import numpy as np

from neyman.evaluate import overtraining_check
from neyman.plot import plot_scores


def test_plot_scores_draws_the_report(rng, render):
    n = 2000
    y_tr, y_te = rng.integers(0, 2, n), rng.integers(0, 2, n)
    s_tr = 1 / (1 + np.exp(-rng.normal(2 * y_tr - 1, 1)))
    s_te = 1 / (1 + np.exp(-rng.normal(2 * y_te - 1, 1)))
    rep = overtraining_check(s_tr, y_tr, s_te, y_te, n_bins=30)
    fig = plot_scores(rep)
    ax = fig.axes[0]
    stairs = [p for p in ax.patches if hasattr(p, "get_data")]
    np.testing.assert_array_equal(stairs[0].get_data().values, rep.densities["signal_test"])
    np.testing.assert_array_equal(stairs[0].get_data().edges, rep.bin_edges)
    np.testing.assert_array_equal(stairs[1].get_data().values, rep.densities["background_test"])
    points = ax.containers[0].lines[0]
    np.testing.assert_array_equal(points.get_ydata(), rep.densities["signal_train"])
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"Signal (train), KS p = {rep.ks_pvalue['signal']:.3g}" in texts
    assert f"Background (train), KS p = {rep.ks_pvalue['background']:.3g}" in texts
    render(fig)
    log_fig = plot_scores(rep, log=True, class_names=("b-jets", "light jets"))
    assert log_fig.axes[0].get_yscale() == "log"
    render(log_fig)
