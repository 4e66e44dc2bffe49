"""Lab — overfitting: bias, variance and overtraining of a network with too many neurons.

A two-feature Gaussian-mixture problem with a known likelihood ratio, but only 150 training
events per class, is given to a network with tens of thousands of weights (two hidden
layers of 256 neurons). With so much freedom the network can memorise the training events.

1. Train it without regularisation and follow the training and validation losses epoch by
   epoch (``history_`` with ``validation_data``): the training loss keeps falling while the
   validation loss reaches a minimum early and then rises — overtraining.
2. Train the same network with L1 (``l1=``), L2 (``weight_decay=``), dropout (``dropout=``)
   and early stopping (``early_stopping=True, patience=``), and compare them in one table
   (final training loss, minimum and final validation loss, test loss and AUC on an
   independent test sample, next to the AUC of the exact likelihood ratio) and one plot.
3. Cross-validate: the k-fold AUC of the best variant (chosen on the validation loss, never
   on the test sample), against the unregularised network, on the same few events.

The validation and test samples are drawn from the same densities as the training events
(``gaussian_mixture`` with the same ``problem_seed``), so they measure the expected loss.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table

from neyman.data import Dataset
from neyman.datasets import gaussian_mixture
from neyman.errors import ConfigError
from neyman.evaluate import auc
from neyman.labs import LabResult, check_options, lab_console, save_figure
from neyman.models import MLPClassifier
from neyman.plot import plot_decision_boundary, plot_training_history
from neyman.train import torch_threads

__all__ = ["NAME", "SUMMARY", "VARIANTS", "make_model", "run"]

NAME = "overfitting"
SUMMARY = (
    "Overtraining of a too-large network on 300 events: train vs validation loss, L1, L2, "
    "dropout and early stopping compared, k-fold cross-validation of the best"
)

OPTIONS = ("rows",)
#: regularisation of each compared variant (keyword arguments of MLPClassifier)
VARIANTS: dict[str, dict[str, Any]] = {
    "none": {},
    "L1 1e-3": {"l1": 1e-3},
    "L2 1e-2": {"weight_decay": 1e-2},
    "dropout 0.5": {"dropout": 0.5},
    "early stop": {"early_stopping": True},
}


def _settings(quick: bool) -> dict[str, Any]:
    """Network size and training length (quick: a smaller net, fewer epochs, smaller samples)."""
    if quick:
        return {"hidden": (128, 128), "lr": 1e-2, "batch_size": 64, "epochs": 40, "patience": 8}
    return {"hidden": (256, 256), "lr": 1e-3, "batch_size": 32, "epochs": 300, "patience": 20}


def _samples(quick: bool) -> tuple[int, int]:
    """Validation (and test) events per class, and the number of cross-validation folds."""
    return (500, 3) if quick else (2000, 5)


def make_model(variant: str, *, quick: bool = False, random_state: int = 0) -> MLPClassifier:
    """A fresh network for one of :data:`VARIANTS` (same architecture and optimiser for all).

    The PyTorch training loop is used for every variant (``backend="torch"``) so that they
    share one code path; Adam on mini-batches of 32 events (64 in quick mode).
    """
    s = _settings(quick)
    kw = dict(VARIANTS[variant])
    if kw.get("early_stopping"):
        kw["patience"] = s["patience"]
    return MLPClassifier(
        hidden=s["hidden"],
        lr=s["lr"],
        batch_size=s["batch_size"],
        epochs=s["epochs"],
        backend="torch",
        random_state=random_state,
        verbose=0,
        **kw,
    )


def _log_loss(model: MLPClassifier, d: Dataset) -> float:
    # mean binary cross-entropy of the final model (for early stopping: of the restored best
    # epoch), from the logit z: -log sigmoid(z) = log(1 + exp(-z)). Computing it from the
    # probability instead would lose the overconfident events, whose float probability
    # rounds to exactly 0 or 1.
    z = np.asarray(model.decision_function(d.X), dtype=np.float64)
    y = _labels(d).astype(np.float64)
    return float(np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))


def _score(model: MLPClassifier, X: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict_proba(X)[:, 1], dtype=np.float64)


def _labels(d: Dataset) -> np.ndarray:
    return np.asarray(d.y)


def _options(options: dict[str, Any]) -> int:
    check_options(NAME, options, OPTIONS)
    rows = options.get("rows", 150)
    if isinstance(rows, bool) or not isinstance(rows, int) or not 20 <= rows <= 100_000:
        msg = f"option 'rows' of lab {NAME} (training events per class) must be an int from 20 to 100000, got {rows!r}"
        raise ConfigError(msg)
    return rows


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
        A 128-128 network for 40 epochs at lr 0.01, 500 validation events per class, 3 folds
        (seconds); otherwise 256-256 for 300 epochs at lr 0.001, 2,000 validation events per
        class, 5 folds.
    out : Path, optional
        Directory for ``history.png``, ``variants.png`` and ``boundaries.png``.
    console : rich Console, optional
        Where to print; a plain console on stdout by default.
    **options
        ``rows``: training events per class (default 150).

    Returns
    -------
    LabResult
        ``answers``: ``"n_train"``, ``"n_parameters"``, ``"epochs"``, ``"auc_exact"`` (test AUC
        of the exact likelihood ratio), ``"variants"`` (variant -> {``epochs_run``,
        ``train_loss``, ``val_loss_min``, ``val_loss_min_epoch`` (1-based), ``val_loss_final``,
        ``test_loss``, ``test_auc``, ``seconds``}), ``"best"`` (lowest final validation loss),
        ``"history"`` (the unregularised network's per-epoch ``loss`` and ``val_loss``),
        ``"k"``, ``"cv_auc"`` ({"none" and the best variant -> list of fold AUCs}),
        ``"cv_mean"``, ``"cv_std"``.
    """
    rows = _options(options)
    with torch_threads(1):  # small networks train fastest on one thread of a busy CPU
        return _run(rows, quick=quick, out=out, console=console)


def _run(rows: int, *, quick: bool, out: Path | None, console: Console | None) -> LabResult:
    con = lab_console(console)
    result = LabResult(NAME)
    a = result.answers
    s = _settings(quick)
    n_val, k = _samples(quick)

    # The problem: few training events; large validation and test samples from the same
    # densities (same problem_seed, other random_state), so their losses are close to the
    # expected loss and its fluctuations do not hide the effect.
    train = gaussian_mixture(2, n=rows, random_state=1)
    val = gaussian_mixture(2, n=n_val, random_state=2)
    test = gaussian_mixture(2, n=n_val, random_state=3)
    assert test.truth is not None  # gaussian_mixture always gives the exact LLR
    a["n_train"] = train.n_events
    a["epochs"] = s["epochs"]
    a["auc_exact"] = float(auc(_labels(test), test.truth))
    con.rule(f"{NAME}: {train.n_events} training events, network {s['hidden']}")

    # 1 and 2. Every variant: same network, same seed, same events.
    models: dict[str, MLPClassifier] = {}
    rows_out: dict[str, dict[str, Any]] = {}
    for variant in VARIANTS:
        model = make_model(variant, quick=quick)
        t0 = time.perf_counter()
        model.fit(train.X, train.y, validation_data=(val.X, val.y))
        seconds = time.perf_counter() - t0
        h = model.history_
        val_loss = np.asarray(h["val_loss"], dtype=np.float64)
        models[variant] = model
        rows_out[variant] = {
            "epochs_run": len(val_loss),
            # the training loss as the optimiser saw it (with dropout and without penalty
            # terms), averaged over the last epoch's batches
            "train_loss": float(h["loss"][-1]),
            "val_loss_min": float(val_loss.min()),
            "val_loss_min_epoch": int(val_loss.argmin()) + 1,
            "val_loss_final": _log_loss(model, val),
            "test_loss": _log_loss(model, test),
            "test_auc": float(auc(_labels(test), _score(model, test.X))),
            "seconds": seconds,
        }
    a["variants"] = rows_out
    a["history"] = {key: list(models["none"].history_[key]) for key in ("loss", "val_loss")}
    a["n_parameters"] = int(models["none"].n_parameters_)

    table = Table(
        title=f"{a['n_parameters']} weights, {train.n_events} training events", box=box.SIMPLE
    )
    table.add_column("variant", no_wrap=True)
    for col in ("epochs", "train", "val min (ep)", "val final", "test", "test AUC"):
        table.add_column(col, justify="right", no_wrap=True)
    for variant, r in rows_out.items():
        table.add_row(
            variant,
            str(r["epochs_run"]),
            f"{r['train_loss']:.3f}",
            f"{r['val_loss_min']:.3f} ({r['val_loss_min_epoch']})",
            f"{r['val_loss_final']:.3f}",
            f"{r['test_loss']:.3f}",
            f"{r['test_auc']:.4f}",
        )
    con.print(table)
    con.print("Losses are binary cross-entropies; 'val final' and 'test' use the final model.")
    none = rows_out["none"]
    con.print(
        f"Without regularisation the validation loss is lowest at epoch "
        f"{none['val_loss_min_epoch']} of {none['epochs_run']} ({none['val_loss_min']:.3f}) and "
        f"ends at {none['val_loss_final']:.3f}, while the training loss falls to "
        f"{none['train_loss']:.3f}: the network learns the fluctuations of its "
        f"{train.n_events} events (variance), not the densities. The exact likelihood ratio "
        f"reaches a test AUC of {a['auc_exact']:.4f}.",
        markup=False,
    )

    # the best variant is chosen on the validation sample; the test sample only reports
    best = min((v for v in VARIANTS if v != "none"), key=lambda v: rows_out[v]["val_loss_final"])
    a["best"] = best
    con.print(
        f"Best regularisation by final validation loss: {best} "
        f"({rows_out[best]['val_loss_final']:.3f} vs {none['val_loss_final']:.3f} unregularised).",
        markup=False,
    )

    # 3. k-fold cross-validation on the training events alone: an estimate of the AUC (and
    # of its spread) that needs no extra sample — what one does when events are scarce.
    a["k"] = k
    cv: dict[str, list[float]] = {"none": [], best: []}
    for fold_train, fold_test in train.kfold(k, random_state=0):
        for variant in cv:
            model = make_model(variant, quick=quick)
            # early stopping holds out validation_fraction (10 %) of the training folds
            model.fit(fold_train.X, fold_train.y)
            cv[variant].append(float(auc(_labels(fold_test), _score(model, fold_test.X))))
    a["cv_auc"] = cv
    a["cv_mean"] = {v: float(np.mean(x)) for v, x in cv.items()}
    a["cv_std"] = {v: float(np.std(x, ddof=1)) for v, x in cv.items()}
    cv_table = Table(
        title=f"{k}-fold cross-validated AUC on the {train.n_events} training events",
        box=box.SIMPLE,
    )
    cv_table.add_column("variant")
    cv_table.add_column("fold AUCs", justify="right")
    cv_table.add_column("mean ± std", justify="right")
    for variant, aucs in cv.items():
        cv_table.add_row(
            variant,
            " ".join(f"{x:.3f}" for x in aucs),
            f"{a['cv_mean'][variant]:.3f} ± {a['cv_std'][variant]:.3f}",
        )
    con.print(cv_table)
    con.print(
        f"Cross-validated AUC: {best} {a['cv_mean'][best]:.3f}, unregularised "
        f"{a['cv_mean']['none']:.3f}. The fold-to-fold spread ({a['cv_std'][best]:.3f}) is the "
        f"precision that {train.n_events} events allow: a difference between variants smaller "
        "than that is not established by this sample alone.",
        markup=False,
    )

    # Figures: the unregularised history; every variant's validation loss in one plot;
    # the decision functions of the unregularised and the best network.
    save_figure(plot_training_history(models["none"].history_), out, "history", result)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, (variant, model) in enumerate(models.items()):
        color = f"C{i}"
        epochs = np.arange(1, len(model.history_["loss"]) + 1)
        ax.plot(epochs, model.history_["loss"], color=color, lw=1, ls=":")
        ax.plot(epochs, model.history_["val_loss"], color=color, lw=1.5, label=variant)
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Binary cross-entropy")
    ax.set_ylim(0.0, max(1.0, 1.05 * rows_out["none"]["val_loss_final"]))
    ax.set_title("validation (solid) and training (dotted) loss")
    ax.legend(fontsize="small")
    save_figure(fig, out, "variants", result)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, variant in zip(axes, ("none", best), strict=True):
        model = models[variant]
        plot_decision_boundary(
            partial(_score, model),
            train.X,
            train.y,
            ax=ax,
            threshold=0.5,
            grid_points=120,
        )
        ax.set_title(variant)
    save_figure(fig, out, "boundaries", result)
    return result
