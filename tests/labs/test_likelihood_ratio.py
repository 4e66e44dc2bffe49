"""Lab likelihood-ratio: the exact LR's AUC against SciPy, the cut's loss, the curse of dimensions."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from scipy import stats

from neyman.errors import ConfigError
from neyman.labs import get_lab, likelihood_ratio

SIGNAL = ((0.6, -1.1, 0.5), (0.4, 1.0, 1.0))
BACKGROUND = ((0.7, 2.0, 0.5), (0.3, -1.0, 1.0))


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path]:
    out = tmp_path_factory.mktemp("likelihood_ratio")
    buf = io.StringIO()
    result = likelihood_ratio.run(quick=True, out=out, console=Console(file=buf, width=120))
    return result, buf.getvalue(), out


def test_registered() -> None:
    assert get_lab("likelihood-ratio") is likelihood_ratio
    assert "\n" not in likelihood_ratio.SUMMARY


def test_exact_lr_auc_equals_the_integral_of_the_densities(lab_run: Any) -> None:
    a = lab_run[0].answers
    # an independent oracle: AUC = P(λ(Xs) > λ(Xb)) as a double integral over a fine grid
    # of the two SciPy densities (2-D Riemann sum of p_s(x) p_b(x') [λ(x) > λ(x')])
    x = np.linspace(-12, 14, 6001)
    h = x[1] - x[0]
    ps = sum(w * stats.norm.pdf(x, m, s) for w, m, s in SIGNAL)
    pb = sum(w * stats.norm.pdf(x, m, s) for w, m, s in BACKGROUND)
    lam = np.log(ps) - np.log(pb)
    order = np.argsort(lam)
    cum_b = np.cumsum(pb[order] * h)  # P_b(λ <= λ_i)
    grid_auc = float(np.sum(ps[order] * h * (cum_b - 0.5 * pb[order] * h)))
    assert a["auc_integral"] == pytest.approx(grid_auc, abs=1e-4)
    # the acceptance criterion: the AUC of the exact LR on events equals the integral to 1e-3
    assert abs(a["auc"]["exact"] - a["auc_integral"]) < 1e-3
    assert a["auc_integral"] == pytest.approx(a["auc_integral_neyman"], abs=1e-5)
    assert float(np.sum(ps) * h) == pytest.approx(1.0, abs=1e-6)  # the grid covers the mass


def test_threshold_cut_is_not_optimal_here_but_is_for_single_gaussians(lab_run: Any) -> None:
    a = lab_run[0].answers
    assert a["auc"]["threshold"] < a["auc"]["exact"] - 0.03
    assert a["llr_extrema"] >= 2  # non-monotonic
    single = a["single_gaussian_auc"]
    assert single["threshold"] == pytest.approx(single["exact"], abs=1e-12)
    # Φ(Δμ / (σ√2)) for N(-1, 1) vs N(1, 1), within 4 standard errors of 500k events
    assert single["exact"] == pytest.approx(stats.norm.cdf(2 / np.sqrt(2)), abs=2e-3)


def test_histogram_and_network_approach_the_exact_lr(lab_run: Any) -> None:
    a = lab_run[0].answers
    assert a["auc"]["histogram"] == pytest.approx(a["auc"]["exact"], abs=0.005)
    assert a["auc"]["wide"] > a["auc"]["threshold"] + 0.03
    assert a["auc"]["wide"] == pytest.approx(a["auc"]["exact"], abs=0.01)
    assert a["llr_rms_diff"] < 0.15  # binned LLR vs exact in well-filled bins


def test_lecture_network_is_built_as_written() -> None:
    # Keras: Dense(1, relu, input_dim=1), Dense(10, relu), Dense(1, sigmoid)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 1)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    net = likelihood_ratio.lecture_network(0, epochs=1).fit(X, y)
    shapes = [tuple(p.shape) for p in net.module_.parameters()]
    assert shapes == [(1, 1), (1,), (10, 1), (10,), (1, 10), (1,)]
    assert net.n_parameters_ == 2 + 20 + 11


def test_lecture_network_bottleneck_and_dead_relus(lab_run: Any) -> None:
    a = lab_run[0].answers
    runs = a["lecture_runs"]
    assert len(runs) == 10
    assert all(r["hidden"] == [1, 10] for r in runs)
    dead = [r for r in runs if r["dead"]]
    assert a["n_dead"] == len(dead)
    for r in dead:  # a constant output ranks nothing: AUC exactly 1/2
        assert r["auc"] == pytest.approx(0.5, abs=1e-12)
    live = [r["auc"] for r in runs if not r["dead"]]
    # the lecture network's row is the median live initialisation
    assert a["auc"]["lecture"] in live
    assert sum(x < a["auc"]["lecture"] for x in live) == (len(live) - 1) // 2
    # the one-unit bottleneck loses AUC beyond the statistical error, the wider net does not
    assert a["bottleneck_significant"] is True
    assert a["auc"]["exact"] - a["auc"]["lecture"] > 3 * a["auc_error"]["lecture"]
    assert a["auc"]["wide"] > max(live) - 0.005


def test_curse_of_dimensionality(lab_run: Any) -> None:
    a = lab_run[0].answers
    gaps = a["gap"]
    assert a["dims"] == [1, 2, 3, 4, 5, 6]
    assert set(gaps) == {"histogram", "knn", "bdt", "mlp"}
    assert gaps["histogram"][-1] > gaps["histogram"][0] + 0.1
    assert gaps["histogram"][-1] > 0.15
    assert max(gaps["mlp"]) < 0.03  # the MLP stays close to the optimum in every d
    assert max(gaps["knn"]) < 0.05
    assert max(gaps["bdt"]) < 0.05


def test_printed_and_figures(lab_run: Any) -> None:
    result, text, out = lab_run
    for needle in ("Histogrammed LLR", "AUC on the 1-D test events", "Curse of dimensionality"):
        assert needle in text
    assert sorted(p.name for p in result.figures) == [
        "dimensionality.png",
        "llr.png",
        "network.png",
        "roc.png",
    ]
    for path in result.figures:
        assert path.read_bytes().startswith(b"\x89PNG")


def test_bad_options() -> None:
    console = Console(file=io.StringIO())
    with pytest.raises(ConfigError, match="no option 'row'; did you mean 'rows'"):
        likelihood_ratio.run(quick=True, console=console, row=5)
    with pytest.raises(ConfigError, match="'rows' of lab likelihood-ratio must be >= 1000"):
        likelihood_ratio.run(quick=True, console=console, rows=10)


def test_lecture_pick_says_which_median() -> None:
    # the pick is index (n - 1) // 2 of the live runs by AUC: the lower median when n is even
    assert likelihood_ratio.lecture_pick(5, 3).startswith("The median of the 5 live")
    even = likelihood_ratio.lecture_pick(4, 7)
    assert "lower median of the 4 live" in even and "the 2nd by increasing AUC, seed 7" in even
    assert "the 11th" in likelihood_ratio.lecture_pick(22, 0)
    assert likelihood_ratio.lecture_pick(0, 0).startswith("With every initialisation dead")


def test_printed_lecture_pick_and_analytic_single_gaussian_auc(lab_run: Any) -> None:
    a, text = lab_run[0].answers, " ".join(lab_run[1].split())
    live = sorted((r for r in a["lecture_runs"] if not r["dead"]), key=lambda r: r["auc"])
    assert live[(len(live) - 1) // 2]["seed"] == a["lecture_seed"]
    assert likelihood_ratio.lecture_pick(len(live), a["lecture_seed"]) in text
    if len(live) % 2 == 0:
        assert "The median live" not in text
    sg = a["single_gaussian_auc"]
    assert sg["analytic"] == pytest.approx(stats.norm.cdf(np.sqrt(2)), abs=1e-12)
    assert f"Φ(√2) = {sg['analytic']:.6f}" in text
    assert "Φ(√2) = 0.921350" in text
    pull = (sg["exact"] - sg["analytic"]) / sg["stat_error"]
    assert f"is {pull:+.1f} standard errors" in text


def test_single_gaussian_difference_is_explained_by_the_sample_moments(lab_run: Any) -> None:
    """The printed Φ of the drawn events' own means and widths, recomputed from the events."""
    from neyman.datasets import gaussian_mixture_1d

    a, text = lab_run[0].answers, " ".join(lab_run[1].split())
    sg = a["single_gaussian_auc"]
    single = gaussian_mixture_1d(
        a["n_test"], signal=((1.0, -1.0, 1.0),), background=((1.0, 1.0, 1.0),), random_state=3
    )
    x, y = single.X[:, 0].astype(np.float64), np.asarray(single.y)
    sep = x[y == 0].mean() - x[y == 1].mean()
    expected = stats.norm.cdf(sep / np.sqrt(x[y == 1].var(ddof=1) + x[y == 0].var(ddof=1)))
    assert sg["sample_moments_auc"] == pytest.approx(expected, abs=1e-12)
    assert f"= {sg['sample_moments_auc']:.6f}, leaving" in text
    # the moments' AUC is closer to the events' AUC than the analytic value is, or both agree
    assert abs(sg["exact"] - sg["sample_moments_auc"]) < max(
        abs(sg["exact"] - sg["analytic"]), 2 * sg["stat_error"]
    )
