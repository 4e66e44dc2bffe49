"""Lab 4 — projection trick: lift a problem no straight line can solve into one it can.

The problem sheet gives two concentric classes in the plane (its files ``X.npy``, shape
(n, 2), and ``y.npy``, shape (n,)) and asks:

1. logistic regression (scikit-learn) in 2-D: its decision boundary and accuracy;
2. a non-linear lift to 3-D, x₃ = x₁² + x₂², where logistic regression separates the
   classes: accuracy, a 3-D scatter and the separating plane;
3. a neural network with one hidden layer that solves the 2-D problem directly, and why.

Without the sheet's files (``--data X.npy --labels y.npy``) the lab uses
``neyman.datasets.circles``: an inner circle of radius 0.5 (signal) inside the unit circle,
smeared by 0.05. Accuracies are measured on a held-out third of the events.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from neyman.datasets import circles
from neyman.errors import ConfigError, DataError
from neyman.labs._base import LabResult, check_options, lab_console, save_figure
from neyman.models import MLPClassifier
from neyman.plot import plot_decision_boundary
from neyman.train import torch_threads

__all__ = ["NAME", "SUMMARY", "lift", "load_sheet_data", "run"]

NAME = "projection-trick"
SUMMARY = (
    "Concentric classes: logistic regression fails in 2-D, succeeds after the lift "
    "x3 = x1^2 + x2^2 (3-D plane), and a one-hidden-layer MLP solves it directly"
)

_OPTIONS = ("data", "labels", "seed")
_HOW = "pass the problem sheet's files: neyman lab projection-trick --data X.npy --labels y.npy"


def lift(X: NDArray[Any]) -> NDArray[np.float64]:
    """The projection trick: (x₁, x₂) -> (x₁, x₂, x₁² + x₂²), shape (n, 3)."""
    X = np.asarray(X, dtype=np.float64)
    return np.column_stack([X, np.sum(X**2, axis=1)])


def load_sheet_data(data: str | Path, labels: str | Path) -> tuple[NDArray[Any], NDArray[Any]]:
    """Read the sheet's ``X.npy`` (n, 2) and ``y.npy`` (n,) with ``allow_pickle=False``.

    Raises
    ------
    DataError
        If a file is missing or unreadable, or the arrays do not have the shapes above
        and two classes.
    """
    arrays = []
    for path in (Path(data), Path(labels)):
        if not path.is_file():
            msg = f"lab projection-trick needs '{path}', which does not exist; {_HOW}"
            raise DataError(msg)
        try:
            arrays.append(np.load(path, allow_pickle=False))
        except (ValueError, OSError) as exc:
            msg = f"'{path}' is not a NumPy .npy array file without pickles ({exc}); {_HOW}"
            raise DataError(msg) from exc
    X, y = arrays
    if X.ndim != 2 or X.shape[1] != 2:
        msg = f"'{data}' must hold an array of shape (n, 2); got {X.shape}"
        raise DataError(msg)
    if y.shape != (len(X),):
        msg = f"'{labels}' must hold an array of shape ({len(X)},) to match '{data}'; got {y.shape}"
        raise DataError(msg)
    if len(np.unique(y)) != 2:
        msg = f"'{labels}' must hold two classes; got {len(np.unique(y))}"
        raise DataError(msg)
    if not np.all(np.isfinite(X)):
        msg = f"'{data}' contains NaN or inf; drop those rows"
        raise DataError(msg)
    return X.astype(np.float64), y


def _mlp(quick: bool, seed: int) -> MLPClassifier:
    """One hidden layer of 16 tanh units, Adam, mini-batches of 32."""
    return MLPClassifier(
        (16,),
        activation="tanh",
        optimizer="adam",
        lr=0.02,
        batch_size=32,
        epochs=60 if quick else 200,
        random_state=seed,
        verbose=0,
    )


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
        300 generated events per class instead of 1000 and a shorter MLP training.
    out : Path, optional
        Directory for the figures (PNG).
    console : rich Console, optional
    **options
        ``data`` and ``labels``: paths of the sheet's ``X.npy`` and ``y.npy`` (both or
        neither); ``seed`` (0) for the generated data, the split and the MLP.

    Returns
    -------
    LabResult
        ``answers``: ``n_events``, ``accuracy_2d``, ``accuracy_3d``, ``accuracy_mlp`` (held
        out), ``plane`` (w₁, w₂, w₃, b of the 3-D boundary), ``source``.
    """
    check_options(NAME, options, _OPTIONS)
    if ("data" in options) != ("labels" in options):
        msg = f"lab {NAME} needs both --data X.npy and --labels y.npy, or neither"
        raise ConfigError(msg)
    seed = options.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        msg = f"option 'seed' of lab {NAME} must be an int, got {seed!r}"
        raise ConfigError(msg)
    con = lab_console(console)
    result = LabResult(NAME)
    answers = result.answers

    if "data" in options:
        X, y = load_sheet_data(options["data"], options["labels"])
        source = f"{options['data']}, {options['labels']}"
    else:
        ds = circles(300 if quick else 1000, noise=0.05, factor=0.5, random_state=seed)
        X, y = np.asarray(ds.X, dtype=np.float64), np.asarray(ds.y)
        source = "neyman.datasets.circles(noise=0.05, factor=0.5)"
    answers["source"] = source
    answers["n_events"] = len(X)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=1 / 3, random_state=seed, stratify=y)
    con.rule(f"projection trick: {len(X)} events")
    con.print(f"data: {source}; accuracies on a held-out third", markup=False)

    # 1. a straight line in the plane: the best it can do is cut off a slice
    lr2 = LogisticRegression().fit(X_tr, y_tr)
    acc2 = float(lr2.score(X_te, y_te))
    answers["accuracy_2d"] = acc2
    fig = plot_decision_boundary(
        lambda P: lr2.predict_proba(P)[:, 1], X_te, y_te == lr2.classes_[1], threshold=0.5
    )
    fig.axes[0].set_title(f"logistic regression in 2-D: accuracy {acc2:.3f}")
    save_figure(fig, out, "logistic_2d", result)

    # 2. lift to 3-D: r² = x₁² + x₂² is small for the inner class and large for the outer,
    # so the plane x₃ = const separates them; logistic regression finds it
    lr3 = LogisticRegression().fit(lift(X_tr), y_tr)
    acc3 = float(lr3.score(lift(X_te), y_te))
    w = lr3.coef_[0]
    b = float(lr3.intercept_[0])
    answers["accuracy_3d"] = acc3
    answers["plane"] = [*map(float, w), b]
    L = lift(X_te)
    fig = plt.figure(figsize=(7.0, 6.0))
    ax = fig.add_subplot(projection="3d")
    for cls, colour in zip(lr3.classes_, ("tab:red", "tab:blue"), strict=True):
        sel = y_te == cls
        ax.scatter(L[sel, 0], L[sel, 1], L[sel, 2], s=6, c=colour, label=f"class {cls}")
    lo, hi = X[:, 0].min(), X[:, 0].max()
    gx, gy = np.meshgrid(np.linspace(lo, hi, 20), np.linspace(X[:, 1].min(), X[:, 1].max(), 20))
    ax.plot_surface(gx, gy, -(w[0] * gx + w[1] * gy + b) / w[2], alpha=0.3, color="k")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_zlabel(r"$x_3 = x_1^2 + x_2^2$")
    ax.set_title(f"lifted to 3-D: the plane separates, accuracy {acc3:.3f}")
    ax.legend()
    save_figure(fig, out, "lift_3d", result)

    # 3. a network with one hidden layer does the lift itself
    # a network this small trains fastest on one thread (no hand-over between threads)
    with torch_threads(1):  # small networks train fastest on one thread
        mlp = _mlp(quick, seed).fit(X_tr, y_tr)
    acc_mlp = float(np.mean(mlp.predict(X_te) == y_te))
    answers["accuracy_mlp"] = acc_mlp
    fig = plot_decision_boundary(
        lambda P: mlp.predict_proba(P)[:, 1], X_te, y_te == mlp.classes_[1], threshold=0.5
    )
    fig.axes[0].set_title(f"MLP 2-16-1 (tanh): accuracy {acc_mlp:.3f}")
    save_figure(fig, out, "mlp_2d", result)

    table = Table(title="held-out accuracy")
    table.add_column("method")
    table.add_column("accuracy", justify="right")
    table.add_row("logistic regression on (x1, x2)", f"{acc2:.3f}")
    table.add_row("logistic regression on (x1, x2, x1² + x2²)", f"{acc3:.3f}")
    table.add_row(f"MLP 2-16-1, tanh ({mlp.n_parameters_} parameters)", f"{acc_mlp:.3f}")
    con.print(table)
    con.print(
        f"In 2-D every line leaves about half of the events on the wrong side ({acc2:.1%}). "
        f"After the lift the plane {w[0]:+.2f} x1 {w[1]:+.2f} x2 {w[2]:+.2f} x3 {b:+.2f} = 0 "
        f"is nearly x3 = const, a circle in the plane ({acc3:.1%}). The MLP needs no lift: "
        "each hidden unit is a learned non-linear feature of a half-plane, and the output "
        "unit's weighted sum of a few of them closes a polygon around the inner class; the "
        "hidden layer is a lift the network finds by itself.",
        markup=False,
    )
    return result
