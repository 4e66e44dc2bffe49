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
from dataclasses import dataclass
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
from neyman.labs._base import (
    Answers,
    Figures,
    LabResult,
    Option,
    figure_data,
    lab_console,
    resolve_options,
)
from neyman.models import MLPClassifier
from neyman.plot import plot_decision_boundary, plot_training_history
from neyman.train import torch_threads

__all__ = [
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "VARIANTS",
    "SIGNIFICANCE",
    "OverfittingAnswers",
    "compute",
    "make_model",
    "overtraining_sentence",
    "render",
    "run",
    "samples",
]

NAME = "overfitting"
SUMMARY = (
    "Overtraining of a too-large network on 300 events: train vs validation loss, L1, L2, "
    "dropout and early stopping compared, k-fold cross-validation of the best"
)

OPTIONS: tuple[Option, ...] = (
    Option("rows", int, 150, "training events per class (20 to 100,000)"),
)
#: regularisation of each compared variant (keyword arguments of MLPClassifier)
VARIANTS: dict[str, dict[str, Any]] = {
    "none": {},
    "L1 1e-3": {"l1": 1e-3},
    "L2 1e-2": {"weight_decay": 1e-2},
    "dropout 0.5": {"dropout": 0.5},
    "early stop": {"early_stopping": True},
}
#: a rise of the validation loss counts as overtraining beyond this many standard errors
SIGNIFICANCE = 2.0


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
    kw = {"early_stopping": False, "lr_schedule": None, **VARIANTS[variant]}
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


def _event_losses(model: MLPClassifier, d: Dataset) -> np.ndarray:
    # binary cross-entropy per event of the final model (for early stopping: of the restored
    # best epoch), from the logit z: -log sigmoid(z) = log(1 + exp(-z)). Computing it from
    # the probability instead would lose the overconfident events, whose float probability
    # rounds to exactly 0 or 1.
    z = np.asarray(model.decision_function(d.X), dtype=np.float64)
    y = _labels(d).astype(np.float64)
    return np.asarray(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z))


def _log_loss(model: MLPClassifier, d: Dataset) -> float:
    return float(np.mean(_event_losses(model, d)))


def _log_loss_se(model: MLPClassifier, d: Dataset) -> float:
    # standard error of the mean cross-entropy: the resolution of the validation sample
    losses = _event_losses(model, d)
    return float(np.std(losses, ddof=1) / np.sqrt(losses.size))


def _score(model: MLPClassifier, X: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict_proba(X)[:, 1], dtype=np.float64)


def _labels(d: Dataset) -> np.ndarray:
    return np.asarray(d.y)


def _options(options: dict[str, Any]) -> int:
    rows = int(resolve_options(NAME, OPTIONS, options)["rows"])
    if not 20 <= rows <= 100_000:
        msg = f"option 'rows' of lab {NAME} (training events per class) must be an int from 20 to 100000, got {rows!r}"
        raise ConfigError(msg, key="rows", value=rows)
    return rows


def samples(rows: int, n_val: int) -> tuple[Dataset, Dataset, Dataset]:
    """Few training events; large validation and test samples from the same densities.

    Same ``problem_seed``, other ``random_state``, so validation and test losses are close to
    the expected loss and their fluctuations do not hide the effect.
    """
    return (
        gaussian_mixture(2, n=rows, random_state=1),
        gaussian_mixture(2, n=n_val, random_state=2),
        gaussian_mixture(2, n=n_val, random_state=3),
    )


@dataclass
class OverfittingAnswers(Answers):
    """Per variant (``variants``): epochs run, training loss, minimum and final validation
    loss, test loss and AUC, wall and CPU seconds; the best variant (lowest final validation
    loss); the k-fold AUCs of the unregularised and the best network."""

    n_train: int
    n_parameters: int
    hidden: list[int]
    epochs: int
    auc_exact: float
    variants: dict[str, dict[str, Any]]
    history: dict[str, list[float]]
    best: str
    k: int
    cv_auc: dict[str, list[float]]
    cv_mean: dict[str, float]
    cv_std: dict[str, float]
    models: dict[str, MLPClassifier] = figure_data(default_factory=dict)
    train_set: Dataset | None = figure_data(default=None)


def _fit_variant(
    variant: str, quick: bool, train: Dataset, val: Dataset, test: Dataset
) -> tuple[MLPClassifier, dict[str, Any]]:
    model = make_model(variant, quick=quick)
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(train.X, train.y, validation_data=(val.X, val.y))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    h = model.history_
    val_loss = np.asarray(h["val_loss"], dtype=np.float64)
    return model, {
        "epochs_run": len(val_loss),
        # the training loss as the optimiser saw it (with dropout and without penalty
        # terms), averaged over the last epoch's batches
        "train_loss": float(h["loss"][-1]),
        "val_loss_min": float(val_loss.min()),
        "val_loss_min_epoch": int(val_loss.argmin()) + 1,
        "val_loss_final": _log_loss(model, val),
        "val_loss_final_se": _log_loss_se(model, val),
        "test_loss": _log_loss(model, test),
        "test_auc": float(auc(_labels(test), _score(model, test.X))),
        "seconds": seconds,
        "cpu_seconds": cpu,
    }


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> OverfittingAnswers:
    """Train every variant, pick the best on validation, cross-validate it.

    ``quick``: a 128-128 network for 40 epochs at lr 0.01, 500 validation events per class,
    3 folds (seconds); otherwise 256-256 for 300 epochs at lr 0.001, 2,000 validation events
    per class, 5 folds. ``options``: ``rows`` (training events per class, default 150).
    """
    rows = _options(options)
    con = lab_console(console)
    s = _settings(quick)
    n_val, k = _samples(quick)
    train, val, test = samples(rows, n_val)
    if test.truth is None:  # pragma: no cover - gaussian_mixture always gives the exact LLR
        msg = "gaussian_mixture returned no truth"
        raise ConfigError(msg)
    con.rule(f"{NAME}: {train.n_events} training events, network {s['hidden']}")
    models: dict[str, MLPClassifier] = {}
    rows_out: dict[str, dict[str, Any]] = {}
    with torch_threads(1):  # small networks train fastest on one thread of a busy CPU
        # 1 and 2. Every variant: same network, same seed, same events.
        for variant in VARIANTS:
            models[variant], rows_out[variant] = _fit_variant(variant, quick, train, val, test)
            con.print(
                f"… {variant}: {rows_out[variant]['epochs_run']} epochs, "
                f"{rows_out[variant]['cpu_seconds']:.0f} s CPU",
                markup=False,
            )
        # the best variant is chosen on the validation sample; the test sample only reports
        best = min(
            (v for v in VARIANTS if v != "none"), key=lambda v: rows_out[v]["val_loss_final"]
        )
        # 3. k-fold cross-validation on the training events alone: an estimate of the AUC
        # (and its spread) that needs no extra sample — what one does when events are scarce.
        cv: dict[str, list[float]] = {"none": [], best: []}
        for fold, (fold_train, fold_test) in enumerate(train.kfold(k, random_state=0)):
            for variant in cv:
                model = make_model(variant, quick=quick)
                # early stopping holds out validation_fraction (10 %) of the training folds
                model.fit(fold_train.X, fold_train.y)
                cv[variant].append(float(auc(_labels(fold_test), _score(model, fold_test.X))))
            con.print(f"… fold {fold + 1}/{k} done", markup=False)
    return OverfittingAnswers(
        n_train=train.n_events,
        n_parameters=int(models["none"].n_parameters_),
        hidden=list(s["hidden"]),
        epochs=s["epochs"],
        auc_exact=float(auc(_labels(test), test.truth)),
        variants=rows_out,
        history={key: list(models["none"].history_[key]) for key in ("loss", "val_loss")},
        best=best,
        k=k,
        cv_auc=cv,
        cv_mean={v: float(np.mean(x)) for v, x in cv.items()},
        cv_std={v: float(np.std(x, ddof=1)) for v, x in cv.items()},
        models=models,
        train_set=train,
    )


def _print(a: OverfittingAnswers, con: Console) -> None:
    table = Table(title=f"{a.n_parameters} weights, {a.n_train} training events", box=box.SIMPLE)
    table.add_column("variant", no_wrap=True)
    for col in ("epochs", "train", "val min (ep)", "val final", "test", "test AUC"):
        table.add_column(col, justify="right", no_wrap=True)
    for variant, r in a.variants.items():
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
    con.print(
        "CPU seconds per variant: "
        + ", ".join(f"{v} {r['cpu_seconds']:.1f}" for v, r in a.variants.items())
        + f" (wall: {sum(r['seconds'] for r in a.variants.values()):.1f} s for all five)",
        markup=False,
    )
    none = a.variants["none"]
    con.print(
        overtraining_sentence(none, a.n_train)
        + f" The exact likelihood ratio reaches a test AUC of {a.auc_exact:.4f}.",
        markup=False,
    )
    con.print(
        f"Best regularisation by final validation loss: {a.best} "
        f"({a.variants[a.best]['val_loss_final']:.3f} vs {none['val_loss_final']:.3f} "
        "unregularised).",
        markup=False,
    )
    cv_table = Table(
        title=f"{a.k}-fold cross-validated AUC on the {a.n_train} training events", box=box.SIMPLE
    )
    cv_table.add_column("variant")
    cv_table.add_column("fold AUCs", justify="right")
    cv_table.add_column("mean ± std", justify="right")
    for variant, aucs in a.cv_auc.items():
        cv_table.add_row(
            variant,
            " ".join(f"{x:.3f}" for x in aucs),
            f"{a.cv_mean[variant]:.3f} ± {a.cv_std[variant]:.3f}",
        )
    con.print(cv_table)
    con.print(
        f"Cross-validated AUC: {a.best} {a.cv_mean[a.best]:.3f}, unregularised "
        f"{a.cv_mean['none']:.3f}. The fold-to-fold spread ({a.cv_std[a.best]:.3f}) is the "
        f"precision that {a.n_train} events allow: a difference between variants smaller "
        "than that is not established by this sample alone.",
        markup=False,
    )


def overtraining_sentence(r: dict[str, Any], n_train: int) -> str:
    """Say what the unregularised network's measured losses show, and only that.

    The validation loss rising after its minimum by more than ``SIGNIFICANCE`` standard
    errors of the validation loss is overtraining (variance); a smaller rise is not
    established by the validation sample. The training loss below the validation loss by
    more than the same margin says the network has begun to fit its own events.

    Parameters
    ----------
    r : dict
        One row of ``variants``: ``val_loss_min``, ``val_loss_min_epoch``, ``epochs_run``,
        ``val_loss_final``, ``val_loss_final_se`` and ``train_loss``.
    n_train : int
        Training events.
    """
    lo, final, se = r["val_loss_min"], r["val_loss_final"], r["val_loss_final_se"]
    rise, margin = final - lo, SIGNIFICANCE * se
    head = (
        f"Without regularisation the validation loss is lowest at epoch "
        f"{r['val_loss_min_epoch']} of {r['epochs_run']} ({lo:.3f}) and ends at {final:.3f}"
    )
    if rise > margin:
        return (
            f"{head}, a rise of {rise:.3f} ({rise / se:.1f} standard errors of the validation "
            f"loss), while the training loss falls to {r['train_loss']:.3f}: the network "
            f"learns the fluctuations of its {n_train} events (variance), not the densities."
        )
    head = (
        f"{head}, within {SIGNIFICANCE:g} standard errors ({margin:.3f}) of its minimum: "
        f"no overtraining is measured with {n_train} training events in {r['epochs_run']} epochs"
    )
    if r["train_loss"] < final - margin:
        return (
            f"{head}, though the training loss ({r['train_loss']:.3f}) is already below the "
            "validation loss: the network has begun to fit its own events."
        )
    return (
        f"{head}, and the training loss ({r['train_loss']:.3f}) is not below the validation "
        "loss: the network learns the densities, not the fluctuations of its events."
    )


def _variants_figure(a: OverfittingAnswers) -> Any:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, (variant, model) in enumerate(a.models.items()):
        color = f"C{i}"
        epochs = np.arange(1, len(model.history_["loss"]) + 1)
        ax.plot(epochs, model.history_["loss"], color=color, lw=1, ls=":")
        ax.plot(epochs, model.history_["val_loss"], color=color, lw=1.5, label=variant)
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Binary cross-entropy")
    ax.set_ylim(0.0, max(1.0, 1.05 * a.variants["none"]["val_loss_final"]))
    ax.set_title("validation (solid) and training (dotted) loss")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def render(
    answers: OverfittingAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the tables; write ``history.png``, ``variants.png`` and ``boundaries.png``."""
    con = lab_console(console)
    a = answers
    result = LabResult(NAME, answers=a.as_dict())
    _print(a, con)
    figs = Figures(out, result, con)
    figs.save(plot_training_history(a.models["none"].history_), "history")
    figs.save(_variants_figure(a), "variants")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    train = a.train_set
    if train is not None:
        for ax, variant in zip(axes, ("none", a.best), strict=True):
            plot_decision_boundary(
                partial(_score, a.models[variant]),
                train.X,
                train.y,
                ax=ax,
                threshold=0.5,
                grid_points=120,
            )
            ax.set_title(variant)
    figs.save(fig, "boundaries")
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
        "## The problem\n150 training events per class for a network with tens of thousands "
        "of weights; large validation and test samples from the same densities.",
        "from neyman.labs import overfitting as of\n\n"
        "train, val, test = of.samples(150, 500)\nprint(train.n_events, val.n_events, test.n_events)",
    ),
    (
        "## 1. Train without regularisation: the validation loss turns up",
        "model = of.make_model('none', quick=True).fit(train.X, train.y, "
        "validation_data=(val.X, val.y))\n"
        "h = model.history_\nprint('val loss min at epoch', int(min(range(len(h['val_loss'])), "
        "key=h['val_loss'].__getitem__)) + 1, 'of', len(h['val_loss']))",
    ),
    (
        "## 2 and 3. Every regularisation, the best by validation loss, k-fold AUC, figures",
        "from pathlib import Path\n\nresult = of.run(quick=True, out=Path('overfitting-figures'))",
    ),
)
