"""Lab — anomaly: an autoencoder trained on background only, used as a signal detector.

An autoencoder learns to reproduce its input through a narrow bottleneck. Trained on
background events only, it learns the background's structure; events unlike the background
are reconstructed worse, so the reconstruction error is an *anomaly score* that needs no
signal model and no signal labels.

1. Map every feature to a standard normal with a quantile transform fitted on the training
   background (heavy tails would otherwise dominate the squared error).
2. Train a 10-8-2-8-10 tanh autoencoder (``neyman.models.MLPRegressor`` with the inputs as a
   multi-output target) on background events.
3. Histogram the reconstruction error (mean squared error per event) of held-out signal and
   background events.
4. Compare the ROC of the anomaly score with that of a supervised classifier (a BDT trained
   with both labels): the price of not knowing the signal.

Data: a generated six-feature Gaussian-mixture problem by default (signal and background
each a mixture of two correlated Gaussians); the MAGIC telescope events with
``--data magic04.data`` (hadrons are the background, gammas the signal; see
``https://archive.ics.uci.edu/dataset/159/magic+gamma+telescope``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from rich.console import Console
from sklearn.preprocessing import QuantileTransformer

from neyman.data import Dataset
from neyman.datasets import gaussian_mixture, magic
from neyman.evaluate import RocCurve, auc, roc_curve
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
from neyman.labs.higgs import paired_auc_difference
from neyman.models import BDTClassifier, MLPRegressor
from neyman.plot import plot_roc
from neyman.train import torch_threads

__all__ = [
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "AnomalyAnswers",
    "anomaly_verdict",
    "compute",
    "load",
    "make_autoencoder",
    "render",
    "run",
]

NAME = "anomaly"
SUMMARY = (
    "Autoencoder trained on background only: reconstruction-error anomaly score vs a "
    "supervised BDT (generated data, or MAGIC hadrons vs gammas with --data)"
)

OPTIONS: tuple[Option, ...] = (
    Option(
        "data",
        Path,
        None,
        "magic04.data (hadrons = background, gammas = signal); default: generated events",
    ),
)
CL = 0.95
#: hidden layers of the autoencoder: encoder 8 -> bottleneck 2 -> decoder 8
HIDDEN = (8, 2, 8)


def make_autoencoder(*, quick: bool = False, random_state: int = 0) -> MLPRegressor:
    """The autoencoder: an MLP regressor that is fitted with ``y = X`` (tanh, Adam)."""
    return MLPRegressor(
        hidden=HIDDEN,
        activation="tanh",
        lr=3e-3,
        batch_size=64,
        epochs=15 if quick else 40,
        early_stopping=False,
        lr_schedule=None,
        backend="torch",
        random_state=random_state,
        verbose=0,
    )


def _labels(d: Dataset) -> np.ndarray:
    return np.asarray(d.y)


def load(quick: bool = False, **options: Any) -> tuple[Dataset, str]:
    """The events (generated, or MAGIC with ``data``) and their source's name."""
    options = resolve_options(NAME, OPTIONS, options)
    if options["data"] is None:
        # signal and background overlap but differ in shape: the signal sits partly where
        # the background is sparse, which is what an anomaly detector can find
        n = 1000 if quick else 3000
        return gaussian_mixture(6, n=n, separation=2.0, random_state=0), "generated"
    # magic() raises DataError naming the file and its URL when it cannot find it
    ds = magic(options["data"])
    if quick and ds.n_events > 4000:
        ds = ds.subset(np.sort(np.random.default_rng(1).choice(ds.n_events, 4000, replace=False)))
    return ds, "MAGIC"


#: below this AUC a score that is significantly above 0.5 still separates only weakly
WEAK_AUC = 0.6


def anomaly_verdict(value: float, low: float, high: float) -> str:
    """What the anomaly score's AUC and its interval say.

    Above 0.5 beyond the interval: it finds the signal (weakly when the AUC is below
    :data:`WEAK_AUC`); below 0.5: inverted; otherwise it cannot tell.
    """
    if low > 0.5:
        if value < WEAK_AUC:
            return (
                f"separates the signal only weakly (AUC above 0.5 beyond its interval, "
                f"but below {WEAK_AUC})"
            )
        return "finds the signal (AUC above 0.5)"
    if high < 0.5:
        return "inverted: the signal is reconstructed better than the background (AUC below 0.5)"
    return "cannot tell the signal from the background (AUC compatible with 0.5)"


@dataclass
class AnomalyAnswers(Answers):
    """AUCs of the anomaly score and the supervised BDT with 95% bootstrap intervals, their
    paired difference (DeLong), the median reconstruction errors and the verdict."""

    source: str
    class_names: list[str]
    n_train_background: int
    n_test: int
    train_loss: float
    median_error: dict[str, float]
    auc_anomaly: float
    auc_anomaly_interval: tuple[float, float]
    auc_supervised: float
    auc_supervised_interval: tuple[float, float]
    supervised_minus_anomaly: dict[str, float]
    verdict: str
    errors: Any = figure_data(default=None)
    y_test: Any = figure_data(default=None)
    rocs: dict[str, RocCurve] = figure_data(default_factory=dict)


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> AnomalyAnswers:
    """Train the autoencoder on background only and a supervised BDT; compare their AUCs.

    ``quick``: fewer events (2,000 generated, or 4,000 MAGIC), 15 epochs, a 50-tree BDT;
    otherwise 6,000 generated (or all 19,020 MAGIC) events, 40 epochs, 300 trees.
    ``options``: ``data``.
    """
    ds, source = load(quick, **options)
    con = lab_console(console)
    names = list(ds.class_names or ["background", "signal"])
    parts = ds.split(test=0.3, random_state=0)
    train, test = parts.train, parts.test
    y_train, y_test = _labels(train), _labels(test)
    background = train.X[y_train == 0]
    con.rule(
        f"{NAME}: autoencoder on {background.shape[0]} {source} background ({names[0]}) events"
    )
    # 1. Gaussianise each feature, fitted on the training background only (no signal seen)
    scaler = QuantileTransformer(
        output_distribution="normal", n_quantiles=min(500, background.shape[0]), random_state=0
    ).fit(background)
    z_background, z_test = scaler.transform(background), scaler.transform(test.X)
    with torch_threads(1), lab_progress(con, "training the autoencoder and the BDT") as bar:
        task = bar.add_task("autoencoder", total=2)
        # 2. The autoencoder: input = target, through a 2-unit bottleneck
        ae = make_autoencoder(quick=quick).fit(z_background, z_background)
        bar.update(task, advance=1, description="supervised BDT")
        # 4. A supervised BDT on the same training events, with both labels
        bdt = BDTClassifier(
            n_estimators=50 if quick else 300,
            max_depth=3 if quick else 5,
            learning_rate=0.1,
            subsample=1.0,
            random_state=0,
            n_jobs=1,
        ).fit(train.X, y_train)
        bar.advance(task)
    # 3. The anomaly score: mean squared reconstruction error per event
    error = np.mean((ae.predict(z_test) - z_test) ** 2, axis=1)
    supervised = np.asarray(bdt.predict_proba(test.X)[:, 1], dtype=np.float64)
    a_ano = auc(y_test, error, ci=CL, n_bootstrap=500, random_state=0)
    a_sup = auc(y_test, supervised, ci=CL, n_bootstrap=500, random_state=0)
    diff = paired_auc_difference(y_test, supervised, error, cl=CL)
    return AnomalyAnswers(
        source=source,
        class_names=names,
        n_train_background=int(background.shape[0]),
        n_test=test.n_events,
        train_loss=float(ae.history_["loss"][-1]),
        median_error={
            "signal": float(np.median(error[y_test == 1])),
            "background": float(np.median(error[y_test == 0])),
        },
        auc_anomaly=a_ano.value,
        auc_anomaly_interval=(a_ano.low, a_ano.high),
        auc_supervised=a_sup.value,
        auc_supervised_interval=(a_sup.low, a_sup.high),
        supervised_minus_anomaly={"value": diff.difference, "low": diff.low, "high": diff.high},
        verdict=anomaly_verdict(a_ano.value, a_ano.low, a_ano.high),
        errors=error,
        y_test=y_test,
        rocs={
            "anomaly (autoencoder)": roc_curve(y_test, error),
            "supervised (BDT)": roc_curve(y_test, supervised),
        },
    )


def _errors_figure(a: AnomalyAnswers) -> Any:
    error, y_test, names = a.errors, a.y_test, a.class_names
    fig, ax = plt.subplots(figsize=(7, 4.5))
    edges = np.geomspace(max(float(error.min()), 1e-4), float(error.max()), 60)
    for label, cls, color in ((names[0], 0, "C0"), (names[1], 1, "C3")):
        ax.hist(
            error[y_test == cls], bins=list(edges), histtype="step", density=True, color=color,
            label=label, lw=1.5,
        )  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("Reconstruction error (mean squared, Gaussianised features)")
    ax.set_ylabel("Density")
    ax.legend()
    return fig


def render(
    answers: AnomalyAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the AUCs and the verdict; write ``errors.png`` and ``roc.png`` into ``out``."""
    con = lab_console(console)
    a = answers
    result = LabResult(NAME, answers=a.as_dict())
    names = a.class_names
    con.print(
        f"median reconstruction error: {names[1]} {a.median_error['signal']:.3f}, "
        f"{names[0]} {a.median_error['background']:.3f} (autoencoder training loss "
        f"{a.train_loss:.3f})",
        markup=False,
    )
    (alo, ahi), (slo, shi) = a.auc_anomaly_interval, a.auc_supervised_interval
    d = a.supervised_minus_anomaly
    con.print(
        f"AUC on {a.n_test} test events ({CL:.0%} intervals): anomaly score "
        f"{a.auc_anomaly:.4f} [{alo:.4f}, {ahi:.4f}], supervised BDT {a.auc_supervised:.4f} "
        f"[{slo:.4f}, {shi:.4f}]; supervised minus anomaly {d['value']:+.4f} "
        f"[{d['low']:+.4f}, {d['high']:+.4f}] (DeLong, paired). The anomaly score {a.verdict}.",
        markup=False,
    )
    con.print(
        "The anomaly score never saw a signal event: it only flags what the background "
        "autoencoder cannot reproduce. It finds signal that lies off the background's "
        "structure, and misses signal that sits inside it; the supervised classifier, "
        "which knows what the signal looks like, is the upper reference.",
        markup=False,
    )
    if ahi < 0.5:
        con.print(
            f"Here the {names[1]} events are reconstructed *better* than the {names[0]} "
            f"events: they sit in the dense core of the {names[0]} distribution, not in its "
            "tails, so to a background-only model they look normal.",
            markup=False,
        )
    figs = Figures(out, result, con)
    figs.save(_errors_figure(a), "errors")
    figs.save(plot_roc(a.rocs), "roc")
    figs.report()
    return result


def run(
    *,
    quick: bool = False,
    out: Path | None = None,
    console: Console | None = None,
    **options: Any,
) -> LabResult:
    """``render(compute(...))``: see :func:`compute` and :func:`render`."""
    return render(compute(quick=quick, console=console, **options), out, console)


NOTEBOOK_CELLS: tuple[tuple[str, str], ...] = (
    (
        "## The events\nGenerated six-feature problem (or MAGIC with `data=`); the "
        "autoencoder sees only background.",
        "import numpy as np\nfrom sklearn.preprocessing import QuantileTransformer\n"
        "from neyman.labs import anomaly\n\n"
        "ds, source = anomaly.load(quick=True)\nparts = ds.split(test=0.3, random_state=0)\n"
        "train, test = parts.train, parts.test\n"
        "background = train.X[np.asarray(train.y) == 0]\nprint(source, background.shape)",
    ),
    (
        "## 1-2. Gaussianise on the background, train the 10-8-2-8-10 autoencoder",
        "scaler = QuantileTransformer(output_distribution='normal', n_quantiles=500, "
        "random_state=0).fit(background)\n"
        "zb, zt = scaler.transform(background), scaler.transform(test.X)\n"
        "ae = anomaly.make_autoencoder(quick=True).fit(zb, zb)",
    ),
    (
        "## 3. The reconstruction error as an anomaly score, with an interval",
        "from neyman.evaluate import auc\n\n"
        "error = np.mean((ae.predict(zt) - zt) ** 2, axis=1)\n"
        "a = auc(np.asarray(test.y), error, ci=0.95, n_bootstrap=300, random_state=0)\n"
        "print(f'AUC {a.value:.3f} [{a.low:.3f}, {a.high:.3f}]:', anomaly.anomaly_verdict(a.value, a.low, a.high))",
    ),
    (
        "## 4. Against a supervised BDT, with the figures",
        "from pathlib import Path\n\nresult = anomaly.run(quick=True, out=Path('anomaly-figures'))",
    ),
)
