"""Lab — likelihood-ratio: classification is the art of estimating the likelihood ratio.

Signal is ``0.6 N(-1.1, 0.5) + 0.4 N(1, 1)``, background ``0.7 N(2, 0.5) + 0.3 N(-1, 1)``
(``N(mean, standard deviation)``), 10 million events per class in full mode.

1. Histogram x for both classes (500 bins on [-5, 5]) and compare the histogrammed
   log-likelihood ratio ``log[p_s(x)/p_b(x)]`` with the exact one.
2. On independent test events, the ROC curves and AUCs of four discriminants: a threshold on
   x, the histogrammed likelihood ratio, the exact likelihood ratio, and a small network.
   The network is read as "1-1-10-1" = one input, one hidden layer of 10 ReLU units, one
   sigmoid output (input width - number of hidden layers - hidden width - output width),
   trained with Adam on binary cross-entropy for 3 epochs in batches of 2000.
3. The exact likelihood ratio's AUC is checked against the numerical integral of the two
   densities (SciPy), ``AUC = ∫ p_b(x) P_s(λ(X_s) > λ(x)) dx``.
4. Why a threshold on x is not optimal here: the log-likelihood ratio λ(x) is not monotonic
   in x (it is large near the signal peak at -1.1, small near the background peak at 2,
   and rises again for x >> 2 where the wide signal component dominates). For two single
   Gaussians of equal width λ is linear in x, so the threshold cut *is* the optimal test
   (Neyman-Pearson) and its AUC equals the exact likelihood ratio's.
5. The curse of dimensionality: on a d-dimensional Gaussian-mixture problem (d = 1 … 6,
   :func:`neyman.datasets.gaussian_mixture`), a d-dimensional histogram with a fixed number
   of bins per axis against kNN, a BDT and an MLP, each scored by its AUC gap to the exact
   likelihood ratio on the same test events. The histogram needs ``bins**d`` cells, so with
   a fixed number of events its cells empty out and its gap grows with d; the learned
   methods interpolate and stay close to the optimum.

Measured run times on two shared, loaded CPU cores: ``--quick`` about 9 s of CPU time; the
full run (10 million events per class in 1-D, 50,000 per dimension in part 5) 7 min 44 s wall,
2 min 30 s of CPU time (see ``docs/labs/likelihood-ratio.md``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table
from scipy import integrate, optimize, special

from neyman.datasets import gaussian_mixture, gaussian_mixture_1d
from neyman.errors import ConfigError, did_you_mean
from neyman.evaluate import auc, optimality_gap, roc_curve
from neyman.labs._base import LabResult, lab_console, save_figure
from neyman.models import BDTClassifier, KNNClassifier, MLPClassifier
from neyman.plot import plot_roc

__all__ = ["NAME", "SUMMARY", "exact_auc_integral", "run"]

NAME = "likelihood-ratio"
SUMMARY = (
    "Histogrammed vs exact likelihood ratio on a 1-D mixture, ROC of cut / histogram / exact "
    "LR / network, and the curse of dimensionality (histogram vs kNN, BDT, MLP in d = 1..6)"
)

SIGNAL = ((0.6, -1.1, 0.5), (0.4, 1.0, 1.0))
BACKGROUND = ((0.7, 2.0, 0.5), (0.3, -1.0, 1.0))
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Settings:
    """Sample sizes (events per class) and the part-5 learners' budgets."""

    train_1d: int  # 1-D training events per class (parts 1-2)
    test_1d: int  # 1-D test events per class (parts 2-3)
    n_dim: int  # training and test events per class per dimension (part 5)
    mlp_hidden: int  # width of the two hidden layers of the part-5 MLP
    mlp_epochs: int
    mlp_batch: int
    mlp_lr: float
    bdt_trees: int  # depth-3 trees, learning rate 0.2


# Part 5 dominates the cost: kNN's queries grow like n·k·log n (k ~ sqrt(n)), so 100,000
# events per class cost about 95 s of CPU at d = 6 alone. 50,000 per class keep every
# learner within 0.015 of the optimum while the histogram's gap reaches 0.2 at d = 6; the
# MLP is converged after 10 epochs (30 changed the gap by less than 0.001).
FULL = Settings(10_000_000, 1_000_000, 50_000, 64, 10, 512, 3e-3, 200)
QUICK = Settings(50_000, 500_000, 5_000, 32, 8, 256, 1e-2, 100)
OPTIONS = ("rows",)


@contextmanager
def _one_torch_thread() -> Iterator[None]:
    # Networks this small train fastest on one thread: with several, thread hand-offs on
    # every tiny matrix product dominate (10x slower on a busy 2-core machine).
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


Components = tuple[tuple[float, float, float], ...]


def _mixture_pdf(x: FloatArray, comps: Components) -> FloatArray:
    # the normal density written out: scipy.stats.norm.pdf's argument checks cost more than
    # the arithmetic in the thousands of scalar calls of the integral below
    total = np.zeros_like(x)
    for w, m, s in comps:
        total += w * np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))
    return total


def _mixture_cdf(x: FloatArray, comps: Components) -> FloatArray:
    return sum((w * special.ndtr((x - m) / s) for w, m, s in comps), np.zeros_like(x))


def _llr(x: FloatArray) -> FloatArray:
    return np.log(_mixture_pdf(x, SIGNAL)) - np.log(_mixture_pdf(x, BACKGROUND))


def _llr_scalar(x: float) -> float:
    ps = sum(w * math.exp(-0.5 * ((x - m) / s) ** 2) / s for w, m, s in SIGNAL)
    pb = sum(w * math.exp(-0.5 * ((x - m) / s) ** 2) / s for w, m, s in BACKGROUND)
    return math.log(ps) - math.log(pb)


def exact_auc_integral(lo: float = -14.0, hi: float = 14.0) -> float:
    """AUC of the exact likelihood ratio λ by numerical integration (SciPy), no sampling.

    ``AUC = ∫ p_b(x) S(λ(x)) dx`` with ``S(c) = P(λ(X_s) > c)`` the signal efficiency of the
    cut ``λ > c``. The region ``{λ > c}`` is a union of intervals whose ends are the roots of
    ``λ(x) = c`` (bracketed on a grid, refined with ``brentq``); its signal probability is a
    sum of differences of the mixture CDF. The outer integral is ``scipy.integrate.quad``.
    ``[lo, hi]`` covers every component to more than 12 standard deviations.
    """
    grid = np.linspace(lo, hi, 4001)
    lam = _llr(grid)

    def signal_efficiency(c: float) -> float:
        above = lam > c
        edges = [lo] if above[0] else []
        for i in np.flatnonzero(above[1:] != above[:-1]):
            edges.append(optimize.brentq(lambda t: _llr_scalar(t) - c, grid[i], grid[i + 1]))
        if above[-1]:
            edges.append(hi)
        ends = _mixture_cdf(np.asarray(edges, dtype=np.float64), SIGNAL)
        return float(np.sum(ends[1::2] - ends[0::2]))

    def integrand(x: float) -> float:
        pb = sum(w * math.exp(-0.5 * ((x - m) / s) ** 2) / s for w, m, s in BACKGROUND)
        return pb / math.sqrt(2 * math.pi) * signal_efficiency(_llr_scalar(x))

    value, _ = integrate.quad(integrand, lo, hi, limit=400, epsabs=1e-7, points=[-1.1, -1.0, 2.0])
    return float(value)


def _auc_standard_error(a: float, n_s: int, n_b: int) -> float:
    """Standard error of a sample AUC (Hanley & McNeil 1982, doi:10.1148/radiology.143.1.7063747)."""
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    var = (a * (1 - a) + (n_s - 1) * (q1 - a * a) + (n_b - 1) * (q2 - a * a)) / (n_s * n_b)
    return float(np.sqrt(var))


def _histogram_llr(
    xs: FloatArray, xb: FloatArray, edges: FloatArray, pseudocount: float = 0.5
) -> tuple[FloatArray, FloatArray, FloatArray]:
    # log of the ratio of the normalised histograms; a pseudocount of half an event keeps
    # empty bins (far tails) finite, as in a binned likelihood fit
    s, _ = np.histogram(xs, edges)
    b, _ = np.histogram(xb, edges)
    k = len(edges) - 1
    ps = (s + pseudocount) / (s.sum() + pseudocount * k)
    pb = (b + pseudocount) / (b.sum() + pseudocount * k)
    return np.log(ps) - np.log(pb), s.astype(np.float64), b.astype(np.float64)


def _lookup(values: FloatArray, edges: FloatArray, x: FloatArray) -> FloatArray:
    # events outside the histogram range fall into the edge bins
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    return values[idx]


def _histogram_nd_score(
    X_train: FloatArray, y_train: NDArray[Any], X_test: FloatArray, bins: int
) -> FloatArray:
    """Log ratio of d-dimensional histograms with ``bins`` cells per axis (pseudocount 0.5)."""
    d = X_train.shape[1]
    lo = np.quantile(X_train, 0.005, axis=0)
    hi = np.quantile(X_train, 0.995, axis=0)
    edges = [np.linspace(lo[j], hi[j], bins + 1) for j in range(d)]

    def cell(X: FloatArray) -> NDArray[np.intp]:
        idx = [
            np.clip(np.searchsorted(edges[j], X[:, j], "right") - 1, 0, bins - 1) for j in range(d)
        ]
        return np.ravel_multi_index(tuple(idx), (bins,) * d)

    k = bins**d
    c_train = cell(X_train)
    s = np.bincount(c_train[y_train == 1], minlength=k).astype(np.float64)
    b = np.bincount(c_train[y_train == 0], minlength=k).astype(np.float64)
    a = 0.5
    log_ratio = np.log((s + a) / (s.sum() + a * k)) - np.log((b + a) / (b.sum() + a * k))
    return np.asarray(log_ratio[cell(X_test)], dtype=np.float64)


def _options(options: dict[str, Any], quick: bool) -> Settings:
    for key in options:
        if key not in OPTIONS:
            msg = f"lab {NAME} has no option '{key}'{did_you_mean(key, OPTIONS)}"
            raise ConfigError(msg)
    sizes = QUICK if quick else FULL
    rows = options.get("rows")
    if rows is not None:
        if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1000:
            msg = f"option 'rows' of lab {NAME} must be an int >= 1000 (events per class), got {rows!r}"
            raise ConfigError(msg)
        sizes = replace(sizes, train_1d=rows)
    return sizes


def run(
    *,
    quick: bool = False,
    out: Path | None = None,
    console: Console | None = None,
    **options: Any,
) -> LabResult:
    """Run the lab and return its answers.

    Parameters
    ----------
    quick : bool
        50,000 training and 500,000 test events per class in 1-D, and in part 5 5,000
        training and 5,000 test events per class per dimension with smaller learners
        (instead of 10 million, 1 million and 50,000; see ``QUICK`` and ``FULL``).
    out : Path, optional
        Directory for ``llr.png``, ``roc.png`` and ``dimensionality.png``.
    console : rich Console, optional
        Where to print; a plain console on stdout by default.
    **options
        ``rows``: 1-D training events per class (int >= 1000).

    Returns
    -------
    LabResult
        ``answers``: ``"auc"`` (method -> AUC on the 1-D test events: ``threshold``,
        ``histogram``, ``exact``, ``network``), ``"auc_integral"`` (SciPy),
        ``"auc_integral_neyman"`` (:meth:`GaussianMixtureProblem.optimal_auc`),
        ``"llr_max_abs_diff"`` and ``"llr_rms_diff"`` (histogrammed vs exact LLR over bins with
        at least 100 events of each class), ``"llr_extrema"`` (number of local extrema of the
        exact LLR on [-5, 5]), ``"single_gaussian_auc"`` (``threshold``, ``exact``),
        ``"dims"``, ``"gap"`` (method -> AUC gap per dimension), ``"auc_optimal_dim"``.
    """
    sizes = _options(options, quick)
    con = lab_console(console)
    result = LabResult(NAME)
    answers = result.answers

    with _one_torch_thread():
        _part_1d(con, result, sizes, out)
        _part_dimensions(con, result, sizes, out)
    con.print(
        "Summary: every classifier is an estimate of the likelihood ratio. A cut on x throws "
        f"away {answers['auc']['exact'] - answers['auc']['threshold']:.3f} in AUC because λ(x) "
        "is not monotonic; histogramming is exact in 1-D but its AUC gap grows from "
        f"{answers['gap']['histogram'][0]:.3f} (d=1) to {answers['gap']['histogram'][-1]:.3f} "
        f"(d={answers['dims'][-1]}), while the MLP stays within "
        f"{max(answers['gap']['mlp']):.3f} of the optimum.",
        markup=False,
    )
    return result


def _part_1d(con: Console, result: LabResult, sizes: Settings, out: Path | None) -> None:
    answers = result.answers
    n_train, n_test = sizes.train_1d, sizes.test_1d
    con.rule(
        f"{NAME}: signal 0.6 N(-1.1, 0.5) + 0.4 N(1, 1), background 0.7 N(2, 0.5) + 0.3 N(-1, 1)"
    )
    train = gaussian_mixture_1d(n_train, signal=SIGNAL, background=BACKGROUND, random_state=1)
    test = gaussian_mixture_1d(n_test, signal=SIGNAL, background=BACKGROUND, random_state=2)
    x_train, y_train = train.X[:, 0].astype(np.float64), np.asarray(train.y)
    x_test, y_test = test.X[:, 0].astype(np.float64), np.asarray(test.y)

    # 1. histogrammed log-likelihood ratio, 500 bins on [-5, 5]
    edges = np.linspace(-5.0, 5.0, 501)
    centres = 0.5 * (edges[1:] + edges[:-1])
    hist_llr, s, b = _histogram_llr(x_train[y_train == 1], x_train[y_train == 0], edges)
    exact_centres = _llr(centres)
    filled = (s >= 100) & (b >= 100)
    diff = hist_llr[filled] - exact_centres[filled]
    answers["llr_max_abs_diff"] = float(np.max(np.abs(diff)))
    answers["llr_rms_diff"] = float(np.sqrt(np.mean(diff**2)))
    answers["llr_bins_compared"] = int(filled.sum())
    con.rule(f"1. Histogrammed LLR (500 bins on [-5, 5], {n_train:,} events per class)")
    con.print(
        f"over the {int(filled.sum())} bins with >= 100 events of each class: "
        f"max |LLR_hist - LLR_exact| = {answers['llr_max_abs_diff']:.4f}, "
        f"RMS = {answers['llr_rms_diff']:.4f} (statistical noise ~ sqrt(1/s + 1/b) per bin)",
        markup=False,
    )

    # 4. (printed early, it explains part 2) the exact LLR is not monotonic in x
    fine = np.linspace(-5.0, 5.0, 20001)
    slope_sign = np.sign(np.diff(_llr(fine)))
    extrema = fine[1:-1][slope_sign[1:] != slope_sign[:-1]]
    answers["llr_extrema"] = int(extrema.size)
    answers["llr_extrema_at"] = [float(e) for e in extrema]
    con.print(
        f"the exact LLR has {extrema.size} local extrema on [-5, 5] (at x = "
        + ", ".join(f"{e:.2f}" for e in extrema)
        + "): it is not monotonic, so no single cut on x is the likelihood-ratio test",
        markup=False,
    )

    # 2. four discriminants on independent test events
    con.rule(f"2. ROC on {n_test:,} test events per class")
    net = MLPClassifier(
        (10,),
        activation="relu",
        optimizer="adam",
        lr=1e-3 if n_train >= 1_000_000 else 2e-2,  # few steps in quick mode: larger steps
        epochs=3,
        batch_size=2000,
        random_state=0,
        verbose=0,
    ).fit(train.X, y_train)
    scores = {
        "threshold on x": -x_test,  # signal sits at negative x: cut x < c
        "histogram LR": _lookup(hist_llr, edges, x_test),
        "exact LR": np.asarray(test.truth, dtype=np.float64),
        "network 1-1-10-1": net.predict_proba(test.X)[:, 1],
    }
    keys = ("threshold", "histogram", "exact", "network")
    rocs = {label: roc_curve(y_test, score) for label, score in scores.items()}
    answers["auc"] = {k: rocs[label].auc for k, label in zip(keys, scores, strict=True)}

    # 3. the exact LR's AUC from the densities alone
    answers["auc_integral"] = exact_auc_integral()
    answers["auc_integral_neyman"] = float(test.meta["problem"].optimal_auc())
    table = Table(title="AUC on the 1-D test events")
    table.add_column("discriminant")
    table.add_column("AUC", justify="right")
    for label, roc in rocs.items():
        table.add_row(label, f"{roc.auc:.4f}")
    table.add_row("exact LR, ∫ of the densities (SciPy quad)", f"{answers['auc_integral']:.5f}")
    con.print(table)
    answers["auc_exact_stat_error"] = _auc_standard_error(answers["auc_integral"], n_test, n_test)
    con.print(
        f"exact LR on events vs integral: |Δ| = "
        f"{abs(answers['auc']['exact'] - answers['auc_integral']):.5f} "
        f"(statistical error of the sample AUC: {answers['auc_exact_stat_error']:.5f})",
        markup=False,
    )

    # 4b. two single Gaussians of equal width: λ(x) = -2x is monotonic, the cut is optimal
    single = gaussian_mixture_1d(
        n_test, signal=((1.0, -1.0, 1.0),), background=((1.0, 1.0, 1.0),), random_state=3
    )
    answers["single_gaussian_auc"] = {
        "threshold": auc(np.asarray(single.y), -single.X[:, 0].astype(np.float64)),
        "exact": auc(np.asarray(single.y), np.asarray(single.truth)),
    }
    con.print(
        "two single Gaussians N(-1, 1) vs N(1, 1): AUC of the cut x < c = "
        f"{answers['single_gaussian_auc']['threshold']:.6f}, of the exact LR = "
        f"{answers['single_gaussian_auc']['exact']:.6f} (identical: λ is monotonic in x)",
        markup=False,
    )

    if out is not None:
        import matplotlib.pyplot as plt

        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
        width = edges[1] - edges[0]
        ax1.stairs(s / (s.sum() * width), edges, label="signal (histogram)", color="tab:blue")
        ax1.stairs(b / (b.sum() * width), edges, label="background (histogram)", color="tab:red")
        ax1.plot(fine, _mixture_pdf(fine, SIGNAL), "k--", lw=1, label="exact densities")
        ax1.plot(fine, _mixture_pdf(fine, BACKGROUND), "k--", lw=1)
        ax1.set_xlabel("x")
        ax1.set_ylabel("density")
        ax1.legend(fontsize=8)
        ax2.plot(centres, hist_llr, ".", ms=2, label="histogram, 500 bins")
        ax2.plot(fine, _llr(fine), "k-", lw=1, label="exact")
        ax2.set_ylim(-8, 8)
        ax2.set_xlabel("x")
        ax2.set_ylabel(r"$\log\,p_s(x)/p_b(x)$")
        ax2.legend(fontsize=8)
        fig.tight_layout()
        save_figure(fig, out, "llr", result)
        fig = plot_roc(rocs)
        save_figure(fig, out, "roc", result)


def _part_dimensions(con: Console, result: LabResult, sizes: Settings, out: Path | None) -> None:
    answers = result.answers
    n = sizes.n_dim
    dims = list(range(1, 7))
    bins = 10
    con.rule(f"5. Curse of dimensionality: {n:,} training events per class, d = 1 … 6")
    gaps: dict[str, list[float]] = {"histogram": [], "knn": [], "bdt": [], "mlp": []}
    optimal: list[float] = []
    for d in dims:
        train = gaussian_mixture(d, n, random_state=10 + d)
        test = gaussian_mixture(d, n, random_state=20 + d)
        Xtr, ytr = np.asarray(train.X, dtype=np.float64), np.asarray(train.y)
        Xte, yte = np.asarray(test.X, dtype=np.float64), np.asarray(test.y)
        scores = {
            "histogram": _histogram_nd_score(Xtr, ytr, Xte, bins),
            "knn": KNNClassifier(n_neighbors=max(20, int(np.sqrt(2 * n) / 2)))
            .fit(Xtr, ytr)
            .predict_proba(Xte)[:, 1],
            "bdt": BDTClassifier(
                sizes.bdt_trees, max_depth=3, learning_rate=0.2, n_jobs=1, random_state=0
            )
            .fit(Xtr, ytr)
            .predict_proba(Xte)[:, 1],
            "mlp": MLPClassifier(
                (sizes.mlp_hidden, sizes.mlp_hidden),
                lr=sizes.mlp_lr,
                batch_size=sizes.mlp_batch,
                epochs=sizes.mlp_epochs,
                random_state=0,
                verbose=0,
            )
            .fit(Xtr, ytr)
            .predict_proba(Xte)[:, 1],
        }
        truth = np.asarray(test.truth, dtype=np.float64)
        for name, score in scores.items():
            gap = optimality_gap(yte, score, truth)
            gaps[name].append(gap.auc_gap)
        optimal.append(gap.auc_optimal)
    answers["dims"] = dims
    answers["gap"] = gaps
    answers["auc_optimal_dim"] = optimal
    answers["histogram_bins_per_axis"] = bins

    table = Table(title=f"AUC gap to the exact likelihood ratio (histogram: {bins} bins per axis)")
    table.add_column("d", justify="right")
    table.add_column("optimal AUC", justify="right")
    table.add_column("cells", justify="right")
    for name in gaps:
        table.add_column(name, justify="right")
    for i, d in enumerate(dims):
        table.add_row(
            str(d),
            f"{optimal[i]:.4f}",
            f"{bins**d:,}",
            *(f"{gaps[name][i]:.4f}" for name in gaps),
        )
    con.print(table)
    con.print(
        f"with {2 * n:,} training events in {bins ** dims[-1]:,} cells most cells are empty at "
        "d = 6: the histogram can no longer estimate the densities, the learned methods can",
        markup=False,
    )

    if out is not None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4.2))
        for name, values in gaps.items():
            ax.plot(dims, values, "o-", label=name)
        ax.axhline(0.0, color="black", lw=0.8)
        ax.set_xlabel("dimension d")
        ax.set_ylabel("AUC(exact LR) - AUC(method)")
        ax.legend()
        fig.tight_layout()
        save_figure(fig, out, "dimensionality", result)
