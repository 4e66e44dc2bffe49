"""Sheet 2, exercise 2 — projection trick: lift a problem no straight line can solve into one it can.

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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neyman.datasets import circles
from neyman.errors import ConfigError, DataError
from neyman.labs._base import (
    Answers,
    Figures,
    LabResult,
    Option,
    cli_hint,
    figure_data,
    lab_console,
    resolve_options,
)
from neyman.models import MLPClassifier
from neyman.plot import plot_decision_boundary
from neyman.train import torch_threads

__all__ = [
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "ProjectionAnswers",
    "compute",
    "lift",
    "load_sheet_data",
    "render",
    "run",
]

NAME = "projection-trick"
SUMMARY = (
    "Concentric classes: logistic regression fails in 2-D, succeeds after the lift "
    "x3 = x1^2 + x2^2 (3-D plane), and a one-hidden-layer MLP solves it directly"
)

OPTIONS = (
    Option("data", Path, None, "the sheet's X.npy, shape (n, 2) (with --labels)"),
    Option("labels", Path, None, "the sheet's y.npy, shape (n,) (with --data)"),
    Option("seed", int, 0, "seed of the generated data, the split and the MLP"),
)
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
        early_stopping=False,
        lr_schedule=None,
        random_state=seed,
        verbose=0,
    )


@dataclass
class ProjectionAnswers(Answers):
    """Held-out accuracies with their binomial standard errors, and the 3-D plane."""

    source: str
    n_events: int
    n_test: int
    accuracy_2d: float
    accuracy_3d: float
    accuracy_mlp: float
    accuracy_error: dict[str, float]
    plane: list[float]  # w1, w2, w3, b of the 3-D boundary
    plane_x3_share: float  # |w3| sd(x3) / sum_i |wi| sd(xi): 1 for a plane x3 = const
    majority_accuracy: float  # held-out accuracy of always answering the commoner class
    mlp_parameters: int
    X: NDArray[np.float64] = figure_data(default=None)
    X_te: NDArray[np.float64] = figure_data(default=None)
    y_te: NDArray[Any] = figure_data(default=None)
    models: dict[str, Any] = figure_data(default_factory=dict)


def _load(
    opts: dict[str, Any], quick: bool, seed: int
) -> tuple[NDArray[np.float64], NDArray[Any], str]:
    if opts["data"] is not None:
        try:
            X, y = load_sheet_data(opts["data"], opts["labels"])
        except DataError as exc:
            raise cli_hint(exc, NAME, OPTIONS[0], opts["data"]) from exc
        return X, y, f"{opts['data']}, {opts['labels']}"
    ds = circles(300 if quick else 1000, noise=0.05, factor=0.5, random_state=seed)
    return (
        np.asarray(ds.X, dtype=np.float64),
        np.asarray(ds.y),
        "neyman.datasets.circles(noise=0.05, factor=0.5)",
    )


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> ProjectionAnswers:
    """Fit the three models and measure them on a held-out third.

    Parameters
    ----------
    quick : bool
        300 generated events per class instead of 1000 and a shorter MLP training.
    console : rich Console, optional
    **options
        ``data`` and ``labels``: paths of the sheet's ``X.npy`` and ``y.npy`` (both or
        neither); ``seed`` (0) for the generated data, the split and the MLP.
    """
    opts = resolve_options(NAME, OPTIONS, options)
    if (opts["data"] is None) != (opts["labels"] is None):
        msg = f"lab {NAME} needs both --data X.npy and --labels y.npy, or neither"
        raise ConfigError(msg, key="data" if opts["labels"] is None else "labels")
    seed = opts["seed"]
    X, y, source = _load(opts, quick, seed)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=1 / 3, random_state=seed, stratify=y)
    lab_console(console).print(
        f"… two logistic regressions and a 2-16-1 MLP on {len(X_tr)} events", markup=False
    )
    # 1. a straight line in the plane: the best it can do is cut off a slice
    lr2 = _logistic().fit(X_tr, y_tr)
    # 2. lift to 3-D: r² = x₁² + x₂² is small for the inner class and large for the outer,
    # so the plane x₃ = const separates them; logistic regression finds it
    lr3 = _logistic().fit(lift(X_tr), y_tr)
    # 3. a network with one hidden layer does the lift itself
    with torch_threads(1):  # small networks train fastest on one thread
        mlp = _mlp(quick, seed).fit(X_tr, y_tr)
    acc = {
        "2d": float(lr2.score(X_te, y_te)),
        "3d": float(lr3.score(lift(X_te), y_te)),
        "mlp": float(np.mean(mlp.predict(X_te) == y_te)),
    }
    n = len(y_te)
    return ProjectionAnswers(
        source=source,
        n_events=len(X),
        n_test=n,
        accuracy_2d=acc["2d"],
        accuracy_3d=acc["3d"],
        accuracy_mlp=acc["mlp"],
        accuracy_error={k: float(np.sqrt(max(a * (1 - a), 1 / n) / n)) for k, a in acc.items()},
        plane=_plane(lr3),
        plane_x3_share=_x3_share(_plane(lr3), lift(X_tr)),
        majority_accuracy=float(np.max(np.unique(y_te, return_counts=True)[1]) / n),
        mlp_parameters=int(mlp.n_parameters_),
        X=X,
        X_te=X_te,
        y_te=y_te,
        models={"2d": lr2, "3d": lr3, "mlp": mlp},
    )


def _logistic() -> Any:
    """Logistic regression on standardised inputs.

    x₃ = x₁² + x₂² can reach 10⁶ on data measured in large units, where plain lbfgs does
    not converge; standardising first makes the fit independent of the units.
    """
    return make_pipeline(StandardScaler(), LogisticRegression())


def _plane(model: Any) -> list[float]:
    """(w₁, w₂, w₃, b) of the fitted boundary in the original (lifted) units."""
    scaler, lr = model[0], model[-1]
    w = lr.coef_[0] / scaler.scale_
    b = float(lr.intercept_[0] - np.sum(lr.coef_[0] * scaler.mean_ / scaler.scale_))
    return [*map(float, w), b]


def _x3_share(plane: list[float], lifted: NDArray[np.float64]) -> float:
    """How much of the plane's tilt comes from x3: ``|w3| sd(x3) / sum_i |wi| sd(xi)``.

    Each term is how much ``wi xi`` varies over the data, so the share does not depend on
    the units of the inputs; a share near 1 is a plane ``x3 = const``, a circle in (x1, x2).
    """
    spread = np.abs(np.asarray(plane[:3])) * lifted.std(axis=0)
    total = float(spread.sum())
    return float(spread[2] / total) if total > 0 else 0.0


#: above this share of x3 in the plane's tilt the sentence calls it "nearly x3 = const"
NEARLY_X3 = 0.9


def _readable_ticks(ax: Any, nbins: int = 4) -> None:
    """At most ``nbins`` ticks per axis, large or small numbers with a common ×10ⁿ offset."""
    from matplotlib.ticker import MaxNLocator, ScalarFormatter

    axes = [ax.xaxis, ax.yaxis] + ([ax.zaxis] if hasattr(ax, "zaxis") else [])
    for axis in axes:
        axis.set_major_locator(MaxNLocator(nbins=nbins))
        fmt = ScalarFormatter(useMathText=True)
        fmt.set_powerlimits((-2, 3))
        axis.set_major_formatter(fmt)


def render(
    answers: ProjectionAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the table and the explanation; with ``out``, write the three figures."""
    con = lab_console(console)
    result = LabResult(NAME, answers.as_dict())
    figs = Figures(out, result, con)
    a = answers
    con.rule(f"projection trick: {a.n_events} events")
    con.print(f"data: {a.source}; accuracies on a held-out third ({a.n_test} events)", markup=False)
    e = a.accuracy_error
    table = Table(title="held-out accuracy (± binomial standard error)")
    table.add_column("method")
    table.add_column("accuracy", justify="right")
    table.add_row("logistic regression on (x1, x2)", f"{a.accuracy_2d:.3f} ± {e['2d']:.3f}")
    table.add_row(
        "logistic regression on (x1, x2, x1² + x2²)", f"{a.accuracy_3d:.3f} ± {e['3d']:.3f}"
    )
    table.add_row(
        f"MLP 2-16-1, tanh ({a.mlp_parameters} parameters)",
        f"{a.accuracy_mlp:.3f} ± {e['mlp']:.3f}",
    )
    con.print(table)
    w1, w2, w3, b = a.plane
    shape = (
        "is nearly x3 = const, a circle in the plane"
        if a.plane_x3_share > NEARLY_X3
        else f"tilts in x1 and x2 as well (x3 carries {a.plane_x3_share:.0%} of its variation)"
    )
    con.print(
        f"In 2-D the fitted line leaves {1 - a.accuracy_2d:.1%} of the held-out events on the "
        f"wrong side (accuracy {a.accuracy_2d:.1%}; always answering the commoner class gets "
        f"{a.majority_accuracy:.1%}). "
        f"After the lift the plane {w1:+.2f} x1 {w2:+.2f} x2 {w3:+.2f} x3 {b:+.2f} = 0 "
        f"{shape} (accuracy {a.accuracy_3d:.1%}). The MLP needs no lift: "
        "each hidden unit is a learned non-linear feature of a half-plane, and the output "
        "unit's weighted sum of a few of them closes a polygon around the inner class; the "
        "hidden layer is a lift the network finds by itself.",
        markup=False,
    )
    _figures(figs, a)
    figs.report()
    return result


def _figures(figs: Figures, a: ProjectionAnswers) -> None:
    lr2, lr3, mlp = a.models["2d"], a.models["3d"], a.models["mlp"]
    names = ("inner class", "outer class")  # label 1, label 0 (circles: signal inside)
    fig = plot_decision_boundary(
        lambda P: lr2.predict_proba(P)[:, 1],
        a.X_te,
        a.y_te == lr2.classes_[1],
        threshold=0.5,
        class_names=names,
    )
    fig.axes[0].set_title(f"logistic regression in 2-D: accuracy {a.accuracy_2d:.3f}")
    _readable_ticks(fig.axes[0])
    figs.save(fig, "logistic_2d")
    w1, w2, w3, b = a.plane
    L = lift(a.X_te)
    fig = plt.figure(figsize=(7.0, 6.0))
    ax = fig.add_subplot(projection="3d")
    for cls, name, colour in (
        (lr3.classes_[1], names[0], "tab:blue"),
        (lr3.classes_[0], names[1], "tab:red"),
    ):
        sel = a.y_te == cls
        ax.scatter(L[sel, 0], L[sel, 1], L[sel, 2], s=6, c=colour, label=name)
    X = a.X
    gx, gy = np.meshgrid(
        np.linspace(X[:, 0].min(), X[:, 0].max(), 20), np.linspace(X[:, 1].min(), X[:, 1].max(), 20)
    )
    ax.plot_surface(gx, gy, -(w1 * gx + w2 * gy + b) / w3, alpha=0.3, color="k")
    ax.set_xlabel("$x_1$", labelpad=8)
    ax.set_ylabel("$x_2$", labelpad=8)
    ax.set_zlabel(r"$x_3 = x_1^2 + x_2^2$", labelpad=10)
    ax.set_title(f"lifted to 3-D: the plane separates, accuracy {a.accuracy_3d:.3f}")
    _readable_ticks(ax)
    ax.legend()
    figs.save(fig, "lift_3d")
    fig = plot_decision_boundary(
        lambda P: mlp.predict_proba(P)[:, 1],
        a.X_te,
        a.y_te == mlp.classes_[1],
        threshold=0.5,
        class_names=names,
    )
    fig.axes[0].set_title(f"MLP 2-16-1 (tanh): accuracy {a.accuracy_mlp:.3f}")
    _readable_ticks(fig.axes[0])
    figs.save(fig, "mlp_2d")


def run(
    *,
    quick: bool = False,
    out: Path | None = None,
    console: Console | None = None,
    **options: Any,
) -> LabResult:
    """Run the lab: ``render(compute(...))``; see :func:`compute` for the options."""
    return render(compute(quick=quick, console=console, **options), out, console)


NOTEBOOK_CELLS: tuple[tuple[str, str], ...] = (
    (
        "**1.** Two concentric classes (generated here; `load_sheet_data('X.npy', 'y.npy')` "
        "reads the sheet's files). Logistic regression in 2-D: accuracy on a held-out third.",
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.model_selection import train_test_split\n\n"
        "from neyman.datasets import circles\n\n"
        "ds = circles(300, noise=0.05, factor=0.5, random_state=0)\n"
        "X_tr, X_te, y_tr, y_te = train_test_split(ds.X, ds.y, test_size=1 / 3, random_state=0, stratify=ds.y)\n"
        "LogisticRegression().fit(X_tr, y_tr).score(X_te, y_te)  # the lab standardises first",
    ),
    (
        "**2.** Lift to 3-D with x₃ = x₁² + x₂²: now a plane separates the classes.",
        "from neyman.labs.projection_trick import lift\n\n"
        "LogisticRegression().fit(lift(X_tr), y_tr).score(lift(X_te), y_te)",
    ),
    (
        "**3.** A network with one hidden layer solves the 2-D problem directly. Why?",
        "from neyman.labs.projection_trick import compute, render\n\n"
        "answers = compute(quick=True)\nrender(answers);",
    ),
)
