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

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from rich.console import Console
from sklearn.preprocessing import QuantileTransformer

from neyman.data import Dataset
from neyman.datasets import gaussian_mixture, magic
from neyman.evaluate import auc, roc_curve
from neyman.labs import LabResult, check_options, lab_console, save_figure
from neyman.models import BDTClassifier, MLPRegressor
from neyman.plot import plot_roc
from neyman.train import torch_threads

__all__ = ["NAME", "SUMMARY", "make_autoencoder", "run"]

NAME = "anomaly"
SUMMARY = (
    "Autoencoder trained on background only: reconstruction-error anomaly score vs a "
    "supervised BDT (generated data, or MAGIC hadrons vs gammas with --data)"
)

OPTIONS = ("data",)
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
        backend="torch",
        random_state=random_state,
        verbose=0,
    )


def _labels(d: Dataset) -> np.ndarray:
    return np.asarray(d.y)


def _load(options: dict[str, Any], quick: bool) -> tuple[Dataset, str]:
    check_options(NAME, options, OPTIONS)
    if options.get("data") is None:
        # signal and background overlap but differ in shape: the signal sits partly where
        # the background is sparse, which is what an anomaly detector can find
        n = 1000 if quick else 3000
        return gaussian_mixture(6, n=n, separation=2.0, random_state=0), "generated"
    # magic() raises DataError naming the file and its URL when it cannot find it
    ds = magic(options["data"])
    if quick and ds.n_events > 4000:
        ds = ds.subset(np.sort(np.random.default_rng(1).choice(ds.n_events, 4000, replace=False)))
    return ds, "MAGIC"


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
        Fewer events (2,000 generated, or 4,000 MAGIC), 15 epochs, a 50-tree BDT; otherwise
        6,000 generated (or all 19,020 MAGIC) events, 40 epochs, 300 trees.
    out : Path, optional
        Directory for ``errors.png`` and ``roc.png``.
    console : rich Console, optional
        Where to print; a plain console on stdout by default.
    **options
        ``data``: path to ``magic04.data`` (or a folder holding it); generated data if absent.

    Returns
    -------
    LabResult
        ``answers``: ``"source"`` ("generated" or "MAGIC"), ``"n_train_background"``,
        ``"n_test"``, ``"auc_anomaly"``, ``"auc_supervised"``, ``"median_error"`` ({"signal",
        "background"} -> median reconstruction error on the test events),
        ``"train_loss"`` (the autoencoder's final training loss).
    """
    ds, source = _load(options, quick)
    with torch_threads(1):  # small networks train fastest on one thread of a busy CPU
        return _run(ds, source, quick=quick, out=out, console=console)


def _run(
    ds: Dataset, source: str, *, quick: bool, out: Path | None, console: Console | None
) -> LabResult:
    con = lab_console(console)
    result = LabResult(NAME)
    a = result.answers
    a["source"] = source
    names = ds.class_names or ["background", "signal"]

    parts = ds.split(test=0.3, random_state=0)
    train, test = parts.train, parts.test
    y_train, y_test = _labels(train), _labels(test)
    background = train.X[y_train == 0]
    a["n_train_background"] = int(background.shape[0])
    a["n_test"] = test.n_events
    con.rule(
        f"{NAME}: autoencoder on {background.shape[0]} {source} background ({names[0]}) events"
    )

    # 1. Gaussianise each feature, fitted on the training background only (no signal seen)
    scaler = QuantileTransformer(
        output_distribution="normal", n_quantiles=min(500, background.shape[0]), random_state=0
    ).fit(background)
    z_background = scaler.transform(background)
    z_test = scaler.transform(test.X)

    # 2. The autoencoder: input = target, through a 2-unit bottleneck
    ae = make_autoencoder(quick=quick).fit(z_background, z_background)
    a["train_loss"] = float(ae.history_["loss"][-1])

    # 3. The anomaly score: mean squared reconstruction error per event
    error = np.mean((ae.predict(z_test) - z_test) ** 2, axis=1)
    a["median_error"] = {
        "signal": float(np.median(error[y_test == 1])),
        "background": float(np.median(error[y_test == 0])),
    }

    # 4. A supervised BDT on the same training events, with both labels
    bdt = BDTClassifier(
        n_estimators=50 if quick else 300,
        max_depth=3 if quick else 5,
        learning_rate=0.1,
        random_state=0,
        n_jobs=1,
    ).fit(train.X, y_train)
    supervised = np.asarray(bdt.predict_proba(test.X)[:, 1], dtype=np.float64)

    a["auc_anomaly"] = float(auc(y_test, error))
    a["auc_supervised"] = float(auc(y_test, supervised))
    con.print(
        f"median reconstruction error: {names[1]} {a['median_error']['signal']:.3f}, "
        f"{names[0]} {a['median_error']['background']:.3f} (autoencoder training loss "
        f"{a['train_loss']:.3f})",
        markup=False,
    )
    con.print(
        f"AUC on {test.n_events} test events: anomaly score {a['auc_anomaly']:.4f}, "
        f"supervised BDT {a['auc_supervised']:.4f}.",
        markup=False,
    )
    con.print(
        "The anomaly score never saw a signal event: it only flags what the background "
        "autoencoder cannot reproduce. It finds signal that lies off the background's "
        "structure, and misses signal that sits inside it; the supervised classifier, "
        "which knows what the signal looks like, is the upper reference.",
        markup=False,
    )

    if a["auc_anomaly"] < 0.5:
        con.print(
            f"Here the {names[1]} events are reconstructed *better* than the {names[0]} "
            f"events (AUC below 0.5): they sit in the dense core of the {names[0]} "
            "distribution, not in its tails, so to a background-only model they look normal.",
            markup=False,
        )

    # Figures: the error distributions (log x) and the two ROC curves
    fig, ax = plt.subplots(figsize=(7, 4.5))
    edges = np.geomspace(max(float(error.min()), 1e-4), float(error.max()), 60)
    for label, cls, color in ((names[0], 0, "C0"), (names[1], 1, "C3")):
        ax.hist(
            error[y_test == cls],
            bins=list(edges),
            histtype="step",
            density=True,
            color=color,
            label=label,
            lw=1.5,
        )
    ax.set_xscale("log")
    ax.set_xlabel("Reconstruction error (mean squared, Gaussianised features)")
    ax.set_ylabel("Density")
    ax.legend()
    save_figure(fig, out, "errors", result)
    fig = plot_roc(
        {
            "anomaly (autoencoder)": roc_curve(y_test, error),
            "supervised (BDT)": roc_curve(y_test, supervised),
        }
    )
    save_figure(fig, out, "roc", result)
    return result
