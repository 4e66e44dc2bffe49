"""Lab — likelihood-ratio: classification is the art of estimating the likelihood ratio.

Signal is ``0.6 N(-1.1, 0.5) + 0.4 N(1, 1)``, background ``0.7 N(2, 0.5) + 0.3 N(-1, 1)``
(``N(mean, standard deviation)``), 10 million events per class in full mode.

1. Histogram x for both classes (500 bins on [-5, 5]) and compare the histogrammed
   log-likelihood ratio ``log[p_s(x)/p_b(x)]`` with the exact one.
2. On independent test events, the ROC curves and AUCs of four discriminants: a threshold on
   x, the histogrammed likelihood ratio, the exact likelihood ratio, and the lecture's
   network as written in its Keras code: ``Dense(1, relu)`` on the one input, then
   ``Dense(10, relu)``, then ``Dense(1, sigmoid)`` (a 1-1-10-1 network: one input, a
   hidden layer of *one* ReLU unit, a hidden layer of 10, one output), trained with Adam on
   binary cross-entropy in batches of 2000, from several initialisations. The single ReLU
   unit is a bottleneck: it passes ``max(0, w x + b)``, so everything on one side of
   ``x = -b/w`` gets the same score and the non-monotonic likelihood ratio cannot be
   followed; and when an initialisation leaves the unit inactive on every event (a dead
   ReLU) no gradient reaches it and the network answers one constant (AUC 0.5). The same
   training of a 1-16-16-1 ReLU network then gets close to the optimum.
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

The 10 million training events per class are generated and histogrammed in chunks of one
million, so memory stays bounded; the networks train on their own sample of up to one
million events per class. Measured times and memory: ``docs/labs/likelihood-ratio.md``.
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
from neyman.errors import ConfigError
from neyman.evaluate import RocCurve, auc, optimality_gap, roc_curve
from neyman.labs._base import (
    Answers,
    Figures,
    LabResult,
    Option,
    figure_data,
    lab_console,
    lab_progress,
    resolve_options,
)
from neyman.models import BDTClassifier, KNNClassifier, MLPClassifier
from neyman.plot import plot_roc

__all__ = [
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "LikelihoodRatioAnswers",
    "compute",
    "lecture_pick",
    "exact_auc_integral",
    "lecture_network",
    "render",
    "run",
]

NAME = "likelihood-ratio"
SUMMARY = (
    "Histogrammed vs exact likelihood ratio on a 1-D mixture, ROC of cut / histogram / "
    "exact LR / the lecture's 1-1-10-1 ReLU network (dead ReLUs included) / a 1-16-16-1, "
    "and the curse of dimensionality (histogram vs kNN, BDT, MLP in d = 1..6)"
)

SIGNAL = ((0.6, -1.1, 0.5), (0.4, 1.0, 1.0))
BACKGROUND = ((0.7, 2.0, 0.5), (0.3, -1.0, 1.0))
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Settings:
    """Sample sizes (events per class) and the part-5 learners' budgets."""

    train_1d: int  # 1-D training events per class for the histogram (part 1)
    test_1d: int  # 1-D test events per class (parts 2-3)
    net_train: int  # training events per class of the part-2 networks
    net_epochs: int
    seeds: int  # initialisations of the lecture's network
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
FULL = Settings(10_000_000, 1_000_000, 1_000_000, 3, 10, 50_000, 64, 10, 512, 3e-3, 200)
QUICK = Settings(50_000, 500_000, 50_000, 10, 10, 5_000, 32, 8, 256, 1e-2, 100)
#: generated and histogrammed this many events per class at a time (bounded memory)
CHUNK = 1_000_000
OPTIONS = (
    Option("rows", int, None, "1-D training events per class of the histogram, >= 1000"),
    Option("seeds", int, None, "initialisations of the lecture's 1-1-10-1 network (10)"),
)


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


def _single_gaussian_aucs(single: Any, n_test: int) -> dict[str, float]:
    # N(-1, 1) vs N(1, 1): the analytic AUC is Φ(Δμ / (σ√2)) = Φ(√2); the sample AUCs are
    # compared with it in units of their standard error
    # compared with it in units of their standard error; Φ of the sample's own means and
    # widths says how much of a difference the drawn events' moments explain
    analytic = float(special.ndtr(math.sqrt(2.0)))
    x = single.X[:, 0].astype(np.float64)
    y = np.asarray(single.y)
    sig, bkg = x[y == 1], x[y == 0]
    separation = float(bkg.mean() - sig.mean())
    return {
        "threshold": auc(y, -x),
        "exact": auc(y, np.asarray(single.truth)),
        "analytic": analytic,
        "stat_error": _auc_standard_error(analytic, n_test, n_test),
        "sample_separation": separation,
        "sample_moments_auc": float(
            special.ndtr(separation / math.sqrt(sig.var(ddof=1) + bkg.var(ddof=1)))
        ),
    }


def lecture_pick(n_live: int, seed: int) -> str:
    """Name the run that represents the lecture network, as the sentence's subject.

    The pick is the live run at index ``(n_live - 1) // 2`` by increasing AUC: the median
    for an odd count, the lower of the two middle runs for an even one (a real run is
    needed, with its seed and ROC, so the two are not averaged); the first run when every
    initialisation is dead.
    """
    if n_live == 0:
        return f"With every initialisation dead, the first 1-1-10-1 network (seed {seed})"
    if n_live % 2:
        return f"The median of the {n_live} live 1-1-10-1 networks (seed {seed})"
    k = n_live // 2
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    nth = f"{k}{suffix}"
    return (
        f"The lower median of the {n_live} live 1-1-10-1 networks (an even count: the {nth} "
        f"by increasing AUC, seed {seed})"
    )


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


def _settings(options: dict[str, Any], quick: bool) -> Settings:
    opts = resolve_options(NAME, OPTIONS, options)
    sizes = QUICK if quick else FULL
    rows, seeds = opts["rows"], opts["seeds"]
    if rows is not None:
        if rows < 1000:
            msg = f"option 'rows' of lab {NAME} must be >= 1000 (events per class), got {rows}"
            raise ConfigError(msg, key="rows", value=rows)
        sizes = replace(sizes, train_1d=rows)
    if seeds is not None:
        if not 1 <= seeds <= 100:
            msg = f"option 'seeds' of lab {NAME} must be between 1 and 100, got {seeds}"
            raise ConfigError(msg, key="seeds", value=seeds)
        sizes = replace(sizes, seeds=seeds)
    return sizes


def lecture_network(
    random_state: int, epochs: int = 3, hidden: tuple[int, ...] = (1, 10)
) -> MLPClassifier:
    """The lecture's Keras network, ``Dense(1, relu) -> Dense(10, relu) -> Dense(1, sigmoid)``.

    ``hidden=(1, 10)``: a first hidden layer of one ReLU unit, then 10; ``hidden=(10,)``
    and ``(16, 16)`` are the better networks. Adam, learning rate 0.01, binary
    cross-entropy, batches of 2000.
    """
    return MLPClassifier(
        hidden,
        activation="relu",
        optimizer="adam",
        lr=1e-2,
        epochs=epochs,
        batch_size=2000,
        early_stopping=False,
        lr_schedule=None,
        random_state=random_state,
        verbose=0,
    )


@dataclass
class NetworkRun:
    """One training of a part-2 network."""

    hidden: list[int]
    seed: int
    auc: float
    auc_error: float
    dead: bool  # the output is one constant for every event: a dead ReLU
    output_on_grid: list[float] = figure_data(default_factory=list)


@dataclass
class LikelihoodRatioAnswers(Answers):
    """Every number the lab prints; AUC errors are Hanley-McNeil standard errors."""

    n_train: int
    n_test: int
    n_network_train: int
    llr_max_abs_diff: float
    llr_rms_diff: float
    llr_bins_compared: int
    llr_extrema: int
    llr_extrema_at: list[float]
    auc: dict[str, float]  # threshold, histogram, exact, lecture (lecture_seed), wide
    auc_error: dict[str, float]
    lecture_runs: list[NetworkRun]
    wide_run: NetworkRun
    n_dead: int
    lecture_seed: int  # the run picked by lecture_pick (median, or lower median, of the live)
    bottleneck_loss: float  # exact AUC - the picked lecture-network AUC
    bottleneck_significant: bool  # more than 3 standard errors
    auc_integral: float
    auc_integral_neyman: float
    auc_exact_stat_error: float
    single_gaussian_auc: dict[str, float]
    dims: list[int]
    gap: dict[str, list[float]]
    auc_optimal_dim: list[float]
    histogram_bins_per_axis: int
    edges: list[float] = figure_data(default_factory=list)
    counts_s: list[float] = figure_data(default_factory=list)
    counts_b: list[float] = figure_data(default_factory=list)
    hist_llr: list[float] = figure_data(default_factory=list)
    rocs: dict[str, RocCurve] = figure_data(default_factory=dict)


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> LikelihoodRatioAnswers:
    """Compute every answer of the lab.

    Parameters
    ----------
    quick : bool
        50,000 histogram and 500,000 test events per class in 1-D, networks on 50,000 per
        class, and 5,000 per class per dimension in part 5 with smaller learners (instead
        of 10 million, 1 million, 1 million and 50,000; see ``QUICK`` and ``FULL``).
    console : rich Console, optional
        Where progress is shown.
    **options
        ``rows`` (histogram events per class), ``seeds`` (lecture-network initialisations).
    """
    sizes = _settings(options, quick)
    con = lab_console(console)
    with _one_torch_thread():
        part1 = _part_histogram(con, sizes)
        part2 = _part_networks(con, sizes, part1)
        part5 = _part_dimensions(con, sizes)
    return LikelihoodRatioAnswers(**part1, **part2, **part5)


def _part_histogram(con: Console, sizes: Settings) -> dict[str, Any]:
    # 1. histogrammed log-likelihood ratio, 500 bins on [-5, 5], filled chunk by chunk
    edges = np.linspace(-5.0, 5.0, 501)
    s = np.zeros(500)
    b = np.zeros(500)
    chunks = math.ceil(sizes.train_1d / CHUNK)
    with lab_progress(con, f"histogramming {sizes.train_1d:,} events per class") as bar:
        task = bar.add_task("histogram", total=chunks)
        for i in range(chunks):
            n = min(CHUNK, sizes.train_1d - i * CHUNK)
            part = gaussian_mixture_1d(
                n, signal=SIGNAL, background=BACKGROUND, random_state=1000 + i
            )
            x, y = part.X[:, 0].astype(np.float64), np.asarray(part.y)
            s += np.histogram(x[y == 1], edges)[0]
            b += np.histogram(x[y == 0], edges)[0]
            bar.advance(task)
    hist_llr = _ratio_llr(s, b)
    centres = 0.5 * (edges[1:] + edges[:-1])
    filled = (s >= 100) & (b >= 100)
    diff = hist_llr[filled] - _llr(centres)[filled]
    # 4. the exact LLR is not monotonic in x
    fine = np.linspace(-5.0, 5.0, 20001)
    slope_sign = np.sign(np.diff(_llr(fine)))
    extrema = fine[1:-1][slope_sign[1:] != slope_sign[:-1]]
    return {
        "n_train": sizes.train_1d,
        "llr_max_abs_diff": float(np.max(np.abs(diff))),
        "llr_rms_diff": float(np.sqrt(np.mean(diff**2))),
        "llr_bins_compared": int(filled.sum()),
        "llr_extrema": int(extrema.size),
        "llr_extrema_at": [float(e) for e in extrema],
        "edges": edges.tolist(),
        "counts_s": s.tolist(),
        "counts_b": b.tolist(),
        "hist_llr": hist_llr.tolist(),
    }


def _ratio_llr(s: FloatArray, b: FloatArray, pseudocount: float = 0.5) -> FloatArray:
    # log of the ratio of the normalised histograms; a pseudocount of half an event keeps
    # empty bins (far tails) finite, as in a binned likelihood fit
    k = len(s)
    ps = (s + pseudocount) / (s.sum() + pseudocount * k)
    pb = (b + pseudocount) / (b.sum() + pseudocount * k)
    return np.asarray(np.log(ps) - np.log(pb), dtype=np.float64)


GRID = np.linspace(-5.0, 5.0, 401)


def _train_network(
    hidden: tuple[int, ...], seed: int, sizes: Settings, train: Any, test: Any
) -> tuple[NetworkRun, RocCurve]:
    net = lecture_network(seed, sizes.net_epochs, hidden).fit(train.X, np.asarray(train.y))
    p = net.predict_proba(test.X)[:, 1]
    roc = roc_curve(np.asarray(test.y), p)
    n = sizes.test_1d
    grid = net.predict_proba(GRID.astype(np.float32)[:, None])[:, 1]
    run_ = NetworkRun(
        list(hidden),
        seed,
        roc.auc,
        _auc_standard_error(roc.auc, n, n),
        dead=bool(np.ptp(p) < 1e-9),
        output_on_grid=grid.tolist(),
    )
    return run_, roc


def _part_networks(con: Console, sizes: Settings, part1: dict[str, Any]) -> dict[str, Any]:
    n_test = sizes.test_1d
    test = gaussian_mixture_1d(n_test, signal=SIGNAL, background=BACKGROUND, random_state=2)
    x_test, y_test = test.X[:, 0].astype(np.float64), np.asarray(test.y)
    train = gaussian_mixture_1d(
        sizes.net_train, signal=SIGNAL, background=BACKGROUND, random_state=1
    )
    edges = np.asarray(part1["edges"])
    rocs = {
        "threshold on x": roc_curve(y_test, -x_test),  # signal sits at negative x: cut x < c
        "histogram LR": roc_curve(y_test, _lookup(np.asarray(part1["hist_llr"]), edges, x_test)),
        "exact LR": roc_curve(y_test, np.asarray(test.truth, dtype=np.float64)),
    }
    runs: list[NetworkRun] = []
    lecture_rocs: list[RocCurve] = []
    with lab_progress(
        con, f"training the lecture's 1-1-10-1 network from {sizes.seeds} seeds and a 1-16-16-1"
    ) as bar:
        task = bar.add_task("networks", total=sizes.seeds + 1)
        for seed in range(sizes.seeds):
            r, roc = _train_network((1, 10), seed, sizes, train, test)
            runs.append(r)
            lecture_rocs.append(roc)
            bar.advance(task)
        wide, wide_roc = _train_network((16, 16), 0, sizes, train, test)
        bar.advance(task)
    live = [r for r in runs if not r.dead]
    # the median live run represents the lecture network (dead runs are shown apart); with
    # an even count the lower of the two middle runs (lecture_pick says so when printing)
    pick = sorted(live, key=lambda r: r.auc)[(len(live) - 1) // 2] if live else runs[0]
    rocs[f"lecture 1-1-10-1 (seed {pick.seed})"] = lecture_rocs[runs.index(pick)]
    rocs["1-16-16-1"] = wide_roc
    keys = ("threshold", "histogram", "exact", "lecture", "wide")
    aucs = {k: roc.auc for k, roc in zip(keys, rocs.values(), strict=True)}
    errors = {k: _auc_standard_error(a, n_test, n_test) for k, a in aucs.items()}
    loss = aucs["exact"] - aucs["lecture"]
    single = gaussian_mixture_1d(
        n_test, signal=((1.0, -1.0, 1.0),), background=((1.0, 1.0, 1.0),), random_state=3
    )
    integral = exact_auc_integral()
    return {
        "n_test": n_test,
        "n_network_train": sizes.net_train,
        "auc": aucs,
        "auc_error": errors,
        "lecture_runs": runs,
        "wide_run": wide,
        "n_dead": sum(r.dead for r in runs),
        "lecture_seed": pick.seed,
        "bottleneck_loss": float(loss),
        "bottleneck_significant": bool(loss > 3 * math.hypot(errors["exact"], errors["lecture"])),
        "auc_integral": integral,
        "auc_integral_neyman": float(test.meta["problem"].optimal_auc()),
        "auc_exact_stat_error": _auc_standard_error(integral, n_test, n_test),
        "single_gaussian_auc": _single_gaussian_aucs(single, n_test),
        "rocs": rocs,
    }


def _part_dimensions(con: Console, sizes: Settings) -> dict[str, Any]:
    n = sizes.n_dim
    dims = list(range(1, 7))
    bins = 10
    gaps: dict[str, list[float]] = {"histogram": [], "knn": [], "bdt": [], "mlp": []}
    optimal: list[float] = []
    with lab_progress(con, f"part 5: four methods in d = 1 … 6 ({n:,} events per class)") as bar:
        task = bar.add_task("dimensions", total=len(dims))
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
                    sizes.bdt_trees,
                    max_depth=3,
                    learning_rate=0.2,
                    subsample=1.0,
                    n_jobs=1,
                    random_state=0,
                )
                .fit(Xtr, ytr)
                .predict_proba(Xte)[:, 1],
                "mlp": MLPClassifier(
                    (sizes.mlp_hidden, sizes.mlp_hidden),
                    lr=sizes.mlp_lr,
                    batch_size=sizes.mlp_batch,
                    epochs=sizes.mlp_epochs,
                    early_stopping=False,
                    lr_schedule=None,
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
            bar.advance(task)
    return {"dims": dims, "gap": gaps, "auc_optimal_dim": optimal, "histogram_bins_per_axis": bins}


def render(
    answers: LikelihoodRatioAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the answers; with ``out``, write ``llr.png``, ``roc.png``, ``network.png``, ``dimensionality.png``."""
    con = lab_console(console)
    result = LabResult(NAME, answers.as_dict())
    figs = Figures(out, result, con)
    a = answers
    con.rule(
        f"{NAME}: signal 0.6 N(-1.1, 0.5) + 0.4 N(1, 1), background 0.7 N(2, 0.5) + 0.3 N(-1, 1)"
    )
    con.rule(f"1. Histogrammed LLR (500 bins on [-5, 5], {a.n_train:,} events per class)")
    con.print(
        f"over the {a.llr_bins_compared} bins with >= 100 events of each class: "
        f"max |LLR_hist - LLR_exact| = {a.llr_max_abs_diff:.4f}, RMS = {a.llr_rms_diff:.4f} "
        "(statistical noise ~ sqrt(1/s + 1/b) per bin)",
        markup=False,
    )
    con.print(
        f"the exact LLR has {a.llr_extrema} local extrema on [-5, 5] (at x = "
        + ", ".join(f"{e:.2f}" for e in a.llr_extrema_at)
        + "): it is not monotonic, so no single cut on x is the likelihood-ratio test",
        markup=False,
    )
    _render_roc(con, a)
    _render_networks(con, a)
    _render_dimensions(con, a)
    con.print(
        "Summary: every classifier is an estimate of the likelihood ratio. A cut on x throws "
        f"away {a.auc['exact'] - a.auc['threshold']:.3f} in AUC because λ(x) is not monotonic; "
        "histogramming is exact in 1-D but its AUC gap grows from "
        f"{a.gap['histogram'][0]:.3f} (d=1) to {a.gap['histogram'][-1]:.3f} (d={a.dims[-1]}), "
        f"while the MLP stays within {max(a.gap['mlp']):.3f} of the optimum.",
        markup=False,
    )
    _figures(figs, a)
    figs.report()
    return result


def _render_roc(con: Console, a: LikelihoodRatioAnswers) -> None:
    con.rule(f"2. ROC on {a.n_test:,} test events per class")
    table = Table(title="AUC on the 1-D test events (± Hanley-McNeil standard error)")
    table.add_column("discriminant")
    table.add_column("AUC", justify="right")
    for (label, roc), key in zip(a.rocs.items(), a.auc, strict=True):
        table.add_row(label, f"{roc.auc:.4f} ± {a.auc_error[key]:.4f}")
    table.add_row("exact LR, ∫ of the densities (SciPy quad)", f"{a.auc_integral:.5f}")
    con.print(table)
    con.print(
        f"exact LR on events vs integral: |Δ| = {abs(a.auc['exact'] - a.auc_integral):.5f} "
        f"(statistical error of the sample AUC: {a.auc_exact_stat_error:.5f})",
        markup=False,
    )
    sg = a.single_gaussian_auc
    pull = (sg["exact"] - sg["analytic"]) / sg["stat_error"]
    con.print(
        f"two single Gaussians N(-1, 1) vs N(1, 1): AUC of the cut x < c = {sg['threshold']:.6f}, "
        f"of the exact LR = {sg['exact']:.6f} (identical: λ is monotonic in x); analytic "
        f"Φ(√2) = {sg['analytic']:.6f}, the sample's difference {sg['exact'] - sg['analytic']:+.6f} "
        f"is {pull:+.1f} standard errors ({sg['stat_error']:.6f})",
        markup=False,
    )
    if "sample_moments_auc" in sg:
        left = (sg["exact"] - sg["sample_moments_auc"]) / sg["stat_error"]
        con.print(
            f"  the drawn events' means are {sg['sample_separation']:.4f} apart (2 in the "
            f"densities): Φ(separation / √(σ_s² + σ_b²)) of the sample's own means and widths "
            f"= {sg['sample_moments_auc']:.6f}, leaving {left:+.1f} standard errors: the "
            + (
                "difference is this sample's fluctuation of its means"
                if abs(left) < 2 <= abs(pull)
                else "sample AUC agrees with the analytic value within 2 standard errors"
                if abs(pull) < 2
                else "difference is not explained by the sample's moments"
            ),
            markup=False,
        )


def _render_networks(con: Console, a: LikelihoodRatioAnswers) -> None:
    con.rule(
        f"2b. The lecture's network Dense(1, relu) -> Dense(10, relu) -> Dense(1, sigmoid), "
        f"{len(a.lecture_runs)} initialisations, {a.n_network_train:,} events per class"
    )
    table = Table(title="what the 1-1-10-1 network learns, seed by seed")
    table.add_column("seed", justify="right")
    table.add_column("AUC", justify="right")
    table.add_column("the single ReLU unit")
    for r in a.lecture_runs:
        state = "dead: one output for every event" if r.dead else "alive"
        table.add_row(str(r.seed), f"{r.auc:.4f} ± {r.auc_error:.4f}", state)
    table.add_row(
        "1-16-16-1", f"{a.wide_run.auc:.4f} ± {a.wide_run.auc_error:.4f}", "16 units, then 16"
    )
    con.print(table)
    verdict = (
        f"lower by {a.bottleneck_loss:.4f}, more than 3 standard errors: the bottleneck costs"
        if a.bottleneck_significant
        else f"within 3 standard errors ({a.bottleneck_loss:+.4f}): no loss can be shown at this sample size"
    )
    con.print(
        f"{lecture_pick(len(a.lecture_runs) - a.n_dead, a.lecture_seed)} reaches AUC {a.auc['lecture']:.4f} against the exact "
        f"LR's {a.auc['exact']:.4f}: {verdict}. Its one ReLU unit passes max(0, w x + b), so "
        "all events on one side of x = -b/w get the same score and the non-monotonic λ(x) "
        f"cannot be followed there. {a.n_dead} of {len(a.lecture_runs)} initialisations left "
        "the unit inactive on every event (a dead ReLU: zero gradient, it never recovers) and "
        f"the network answers a constant, AUC 0.5. With 16 units in each of two layers "
        f"(1-16-16-1) the same training reaches {a.auc['wide']:.4f}.",
        markup=False,
    )


def _render_dimensions(con: Console, a: LikelihoodRatioAnswers) -> None:
    bins = a.histogram_bins_per_axis
    con.rule(f"5. Curse of dimensionality: d = 1 … {a.dims[-1]}")
    table = Table(title=f"AUC gap to the exact likelihood ratio (histogram: {bins} bins per axis)")
    table.add_column("d", justify="right")
    table.add_column("optimal AUC", justify="right")
    table.add_column("cells", justify="right")
    for name in a.gap:
        table.add_column(name, justify="right")
    for i, d in enumerate(a.dims):
        table.add_row(
            str(d),
            f"{a.auc_optimal_dim[i]:.4f}",
            f"{bins**d:,}",
            *(f"{a.gap[name][i]:.4f}" for name in a.gap),
        )
    con.print(table)
    con.print(
        f"with a fixed number of training events in {bins ** a.dims[-1]:,} cells most cells "
        "are empty at d = 6: the histogram can no longer estimate the densities, the learned "
        "methods can",
        markup=False,
    )


def _figures(figs: Figures, a: LikelihoodRatioAnswers) -> None:
    import matplotlib.pyplot as plt

    edges = np.asarray(a.edges)
    s, b = np.asarray(a.counts_s), np.asarray(a.counts_b)
    centres = 0.5 * (edges[1:] + edges[:-1])
    fine = np.linspace(-5.0, 5.0, 2001)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    width = edges[1] - edges[0]
    ax1.stairs(s / (s.sum() * width), edges, label="signal (histogram)", color="tab:blue")
    ax1.stairs(b / (b.sum() * width), edges, label="background (histogram)", color="tab:red")
    ax1.plot(fine, _mixture_pdf(fine, SIGNAL), "k--", lw=1, label="exact densities")
    ax1.plot(fine, _mixture_pdf(fine, BACKGROUND), "k--", lw=1)
    ax1.set_xlabel("x")
    ax1.set_ylabel("density")
    ax1.legend(fontsize=8)
    ax2.plot(centres, a.hist_llr, ".", ms=2, label="histogram, 500 bins")
    ax2.plot(fine, _llr(fine), "k-", lw=1, label="exact")
    ax2.set_ylim(-8, 8)
    ax2.set_xlabel("x")
    ax2.set_ylabel(r"$\log\,p_s(x)/p_b(x)$")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    figs.save(fig, "llr")
    figs.save(plot_roc(a.rocs), "roc")

    fig, ax = plt.subplots(figsize=(9.5, 4.5), layout="constrained")
    ax.plot(GRID, 1 / (1 + np.exp(-_llr(GRID))), "k-", lw=2, label="exact p(signal | x)")
    for r in a.lecture_runs:
        style = ":" if r.dead else "-"
        ax.plot(
            GRID,
            r.output_on_grid,
            style,
            lw=1,
            alpha=0.8,
            label=f"1-1-10-1 seed {r.seed}" + (" (dead ReLU)" if r.dead else ""),
        )
    ax.plot(GRID, a.wide_run.output_on_grid, "--", color="tab:red", lw=2, label="1-16-16-1")
    ax.set_xlabel("x")
    ax.set_ylabel("network output")
    # outside the axes: the curves fill the whole plot
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figs.save(fig, "network")

    fig, ax = plt.subplots(figsize=(6, 4.2))
    for name, values in a.gap.items():
        ax.plot(a.dims, values, "o-", label=name)
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_xlabel("dimension d")
    ax.set_ylabel("AUC(exact LR) - AUC(method)")
    ax.legend()
    fig.tight_layout()
    figs.save(fig, "dimensionality")


def run(
    *,
    quick: bool = False,
    out: Path | None = None,
    console: Console | None = None,
    **options: Any,
) -> LabResult:
    """Run the lab: ``render(compute(...))``. See :func:`compute` for the options."""
    return render(compute(quick=quick, console=console, **options), out, console)


NOTEBOOK_CELLS: tuple[tuple[str, str], ...] = (
    (
        "**1. Histogram the likelihood ratio.** Signal 0.6 N(-1.1, 0.5) + 0.4 N(1, 1), "
        "background 0.7 N(2, 0.5) + 0.3 N(-1, 1). Histogram x for both classes (500 bins on "
        "[-5, 5]) and compare log p_s/p_b with the exact one.",
        "from rich.console import Console\n\n"
        "from neyman.labs.likelihood_ratio import QUICK, _part_histogram, _llr\n\n"
        "con = Console()\npart1 = _part_histogram(con, QUICK)\n"
        "part1['llr_max_abs_diff'], part1['llr_rms_diff'], part1['llr_extrema_at']",
    ),
    (
        "**2. The lecture's network.** `Dense(1, relu)`, `Dense(10, relu)`, "
        "`Dense(1, sigmoid)`, trained with Adam. Train it from one seed and compare its AUC "
        "with the exact likelihood ratio's.",
        "import numpy as np\n"
        "from neyman.datasets import gaussian_mixture_1d\n"
        "from neyman.evaluate import auc\n"
        "from neyman.labs.likelihood_ratio import SIGNAL, BACKGROUND, lecture_network\n\n"
        "train = gaussian_mixture_1d(50_000, signal=SIGNAL, background=BACKGROUND, random_state=1)\n"
        "test = gaussian_mixture_1d(50_000, signal=SIGNAL, background=BACKGROUND, random_state=2)\n"
        "net = lecture_network(0, epochs=10).fit(train.X, train.y)\n"
        "print(net.summary(show=False))\n"
        "auc(test.y, net.predict_proba(test.X)[:, 1]), auc(test.y, test.truth)",
    ),
    (
        "**All parts** with quick settings: several seeds of the lecture network (some die), "
        "the 1-16-16-1 network, the exact AUC by integration, and the curse of dimensionality.",
        "from neyman.labs.likelihood_ratio import compute, render\n\n"
        "answers = compute(quick=True)\nrender(answers);",
    ),
)
