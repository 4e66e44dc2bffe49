"""The analyst's figures draw exactly the numbers of their evaluate objects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import StepPatch
from matplotlib.text import Text

from neyman.evaluate import feature_distributions, roc_curve, score_histograms
from neyman.plot import plot_efficiency_vs_cut, plot_feature_distribution, plot_fit_yields


@pytest.fixture
def events() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    y = np.r_[np.ones(800), np.zeros(1600)]
    x = np.r_[rng.normal(1, 1, 800), rng.normal(-1, 1, 1600)]
    w = rng.uniform(0.5, 1.5, 2400)
    return x, y, w


def _stairs(fig: Figure) -> list[StepPatch]:
    return [p for p in fig.axes[0].patches if isinstance(p, StepPatch)]


def _min_font(fig: Figure) -> float:
    return min(t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text())


def test_feature_distribution_draws_densities(events, tmp_path: Path) -> None:
    x, y, w = events
    edges = np.linspace(-2, 2, 11)
    (dist,) = feature_distributions(x[:, None], y, [edges], w, feature_names=["m_ll"])
    fig = plot_feature_distribution(dist)
    drawn = [p.get_data().values for p in _stairs(fig)]
    np.testing.assert_allclose(drawn[0], dist.signal[1:-1] / 0.4)
    np.testing.assert_allclose(drawn[2], dist.background[1:-1] / 0.4)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[0].startswith(f"Signal (under {100 * dist.underflow[0]:.1f} %")
    assert fig.axes[0].get_xlabel() == "m_ll"
    fig.savefig(tmp_path / "dist.png")


def test_efficiency_vs_cut_draws_the_roc(events, tmp_path: Path) -> None:
    x, y, w = events
    roc = roc_curve(y, x, w)
    fig = plot_efficiency_vs_cut(roc, max_points=None)
    sig, bkg = fig.axes[0].get_lines()
    finite = np.isfinite(roc.thresholds)
    np.testing.assert_array_equal(sig.get_xdata(), roc.thresholds[finite])
    np.testing.assert_array_equal(sig.get_ydata(), roc.tpr[finite])
    np.testing.assert_array_equal(bkg.get_ydata(), roc.fpr[finite])
    fig.savefig(tmp_path / "eff.png")


def test_fit_yields_stacks_signal_on_background(events, tmp_path: Path) -> None:
    x, y, w = events
    yields = score_histograms(y, x, w, n_bins=6, min_background=20.0)
    fig = plot_fit_yields(yields)
    bkg, total, _band = _stairs(fig)
    np.testing.assert_allclose(bkg.get_data().values, yields.background)
    np.testing.assert_allclose(total.get_data().values, yields.background + yields.signal)
    assert len(fig.axes[0].get_xticks()) <= 7
    fig.savefig(tmp_path / "fit.pdf")


def test_report_style_keeps_text_at_least_9pt(events) -> None:
    from neyman.plot import style
    from neyman.study.report import REPORT_RC

    x, y, w = events
    (dist,) = feature_distributions(x[:, None], y, [np.linspace(-2, 2, 9)], w)
    with style(**REPORT_RC):
        fig = Figure()
        plot_feature_distribution(dist, ax=fig.add_subplot())
        assert _min_font(fig) >= 9.0
