"""Lab — decision-boundaries: how a tree, a network and boosted trees carve up the plane.

As in scikit-learn's "classifier comparison": three toy problems (two half moons, two
circles, two linearly separable Gaussian classes with noise; all from
:mod:`neyman.datasets`, with exact truth) and three classifiers (a decision tree of depth 5,
an MLP, XGBoost boosted trees via :class:`neyman.models.BDTClassifier`). Each is trained on
60% of the events and scored on the other 40%; the 3×3 grid shows each classifier's
P(signal) over the plane with the test accuracy in the corner. Trees cut parallel to the
axes (staircase boundaries); the network's boundary is smooth.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rich.console import Console
from rich.table import Table
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

from neyman.datasets import circles, linearly_separable, moons
from neyman.errors import ConfigError, did_you_mean
from neyman.labs._base import LabResult, lab_console, save_figure
from neyman.models import BDTClassifier, MLPClassifier
from neyman.plot import plot_decision_boundary

__all__ = ["CLASSIFIERS", "DATASETS", "NAME", "SUMMARY", "run"]

NAME = "decision-boundaries"
SUMMARY = (
    "Decision tree, MLP and XGBoost on moons, circles and linearly separable data: a 3x3 grid "
    "of decision boundaries with test accuracies"
)
DATASETS = ("moons", "circles", "linearly separable")
CLASSIFIERS = ("decision tree", "MLP", "XGBoost")


def _classifier(name: str, epochs: int) -> Any:
    if name == "decision tree":
        return DecisionTreeClassifier(max_depth=5, random_state=0)
    if name == "MLP":
        return MLPClassifier(
            (16, 16),
            activation="tanh",
            lr=1e-2,
            batch_size=32,
            epochs=epochs,
            random_state=0,
            verbose=0,
        )
    return BDTClassifier(100, max_depth=3, n_jobs=1, random_state=0)


def _signal_probability(clf: Any) -> Callable[[Any], Any]:
    def score(P: Any) -> Any:
        return clf.predict_proba(P)[:, 1]

    return score


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
        Fewer MLP epochs (60 instead of 200) and a coarser plotting grid.
    out : Path, optional
        Directory for ``decision_boundaries.png``.
    console : rich Console, optional
    **options
        None (any option is rejected with ConfigError).

    Returns
    -------
    LabResult
        ``answers``: ``"accuracy"`` (3×3 nested list, rows = datasets, columns = classifiers,
        in the order of ``"datasets"`` and ``"classifiers"``) and ``"accuracy_stat_error"``
        (binomial standard error of an accuracy of 0.85 on the 120 test events).
    """
    if options:
        key = sorted(options)[0]
        msg = f"lab {NAME} takes no option '{key}'{did_you_mean(key, ['rows', 'data'])}"
        raise ConfigError(msg)
    con = lab_console(console)
    result = LabResult(NAME)
    epochs = 60 if quick else 200
    data = {
        "moons": moons(150, noise=0.3, random_state=0),
        "circles": circles(150, noise=0.2, factor=0.5, random_state=1),
        "linearly separable": linearly_separable(150, separation=3.0, random_state=2),
    }
    # tiny networks train fastest on one thread (thread hand-offs dominate otherwise)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        accuracy = _grid(data, epochs, quick, out, result)
    finally:
        torch.set_num_threads(threads)
    result.answers["accuracy"] = accuracy
    result.answers["datasets"] = list(DATASETS)
    result.answers["classifiers"] = list(CLASSIFIERS)

    con.rule(f"{NAME}: test accuracy (40% of 300 events per data set)")
    table = Table()
    table.add_column("data set")
    for cname in CLASSIFIERS:
        table.add_column(cname, justify="right")
    for dname, row in zip(DATASETS, accuracy, strict=True):
        table.add_row(dname, *(f"{a:.3f}" for a in row))
    con.print(table)
    # binomial standard error of an accuracy near 0.85 measured on 120 test events
    n_test = 120
    stat_error = float(np.sqrt(0.85 * 0.15 / n_test))
    result.answers["accuracy_stat_error"] = stat_error
    con.print(
        "The tree's boundaries are axis-parallel staircases, XGBoost's a finer staircase, the "
        f"MLP's smooth curves. With {n_test} test events each accuracy carries a statistical "
        f"error of about ±{stat_error:.2f} (binomial), so differences of a few hundredths "
        "between the classifiers are not significant.",
        markup=False,
    )
    return result


def _grid(
    data: dict[str, Any], epochs: int, quick: bool, out: Path | None, result: LabResult
) -> list[list[float]]:
    accuracy: list[list[float]] = []
    fig = None
    axes: Any = None
    if out is not None:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(3, 3, figsize=(13, 11))
    for i, (dname, ds) in enumerate(data.items()):
        X, y = np.asarray(ds.X, dtype=np.float64), np.asarray(ds.y)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.4, random_state=42, stratify=y)
        row = []
        for j, cname in enumerate(CLASSIFIERS):
            clf = _classifier(cname, epochs).fit(X_tr, y_tr)
            acc = float(np.mean(clf.predict(X_te) == y_te))
            row.append(acc)
            if axes is not None:
                ax = axes[i, j]
                plot_decision_boundary(
                    _signal_probability(clf),
                    X_te,
                    y_te,
                    ax=ax,
                    threshold=0.5,
                    grid_points=60 if quick else 150,
                )
                ax.set_title(f"{dname}: {cname}", fontsize=10)
                ax.text(
                    0.97,
                    0.03,
                    f"{acc:.2f}",
                    transform=ax.transAxes,
                    ha="right",
                    fontsize=14,
                    weight="bold",
                )
        accuracy.append(row)
    if fig is not None:
        fig.tight_layout()
        save_figure(fig, out, "decision_boundaries", result)
    return accuracy
