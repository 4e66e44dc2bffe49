"""Lab — decision-boundaries: how a tree, a network and boosted trees carve up the plane.

As in scikit-learn's "classifier comparison": three toy problems (two half moons, two
circles, two linearly separable Gaussian classes with noise; all from
:mod:`neyman.datasets`, with exact truth) and three classifiers (a decision tree of depth 5,
an MLP, XGBoost boosted trees via :class:`neyman.models.BDTClassifier`). Each is trained on
60% of the events and scored on the other 40%; the 3×3 grid shows each classifier's
P(signal) over the plane with the test accuracy in the corner. Trees cut parallel to the
axes (staircase boundaries); the network's boundary is smooth.

The black line is the decision boundary, where P(signal) crosses 0.5. A tree leaf can hold
as many signal as background events, so P is exactly 0.5 over a whole rectangle: a tie, not
a decision. A contour of P at 0.5 would outline such plateaus as if they were a class region;
here they are left out of the line and hatched ("undecided") instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

from neyman.datasets import circles, linearly_separable, moons
from neyman.labs._base import (
    Answers,
    Figures,
    LabResult,
    Option,
    figure_data,
    lab_console,
    resolve_options,
)
from neyman.labs.higgs import wilson_interval
from neyman.models import BDTClassifier, MLPClassifier

__all__ = [
    "CLASSIFIERS",
    "DATASETS",
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "DecisionBoundariesAnswers",
    "compute",
    "undecided",
    "draw_boundary",
    "make_data",
    "render",
    "run",
]

NAME = "decision-boundaries"
SUMMARY = (
    "Decision tree, MLP and XGBoost on moons, circles and linearly separable data: a 3x3 grid "
    "of decision boundaries with test accuracies"
)
DATASETS = ("moons", "circles", "linearly separable")
CLASSIFIERS = ("decision tree", "MLP", "XGBoost")
OPTIONS: tuple[Option, ...] = (
    Option(
        "events",
        int,
        150,
        "events per class in each data set (40 percent of them are test events), >= 10",
        minimum=10,
    ),
    Option("epochs", int, None, "MLP training epochs (default 200; quick 60)", minimum=1),
)


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
            early_stopping=False,
            lr_schedule=None,
            random_state=0,
            verbose=0,
        )
    return BDTClassifier(
        100, max_depth=3, learning_rate=0.1, subsample=1.0, n_jobs=1, random_state=0
    )


def _signal_probability(clf: Any) -> Callable[[Any], Any]:
    def score(P: Any) -> Any:
        return clf.predict_proba(P)[:, 1]

    return score


def make_data(events: int = 150) -> dict[str, Any]:
    """The three data sets, ``events`` per class each."""
    return {
        "moons": moons(events, noise=0.3, random_state=0),
        "circles": circles(events, noise=0.2, factor=0.5, random_state=1),
        "linearly separable": linearly_separable(events, separation=3.0, random_state=2),
    }


def undecided(p: Any) -> Any:
    """True where P is exactly 0.5: a tree leaf with as much signal as background."""
    return np.asarray(p) == 0.5


def draw_boundary(ax: Any, xx: Any, yy: Any, p: Any) -> Any:
    """Draw the decision boundary, where P crosses 0.5, and return the line set.

    Plateaus where P is exactly 0.5 are masked out of the contour (a contour of P would
    outline them, as if a tie were a decision) and hatched instead, as "undecided".
    """
    tie = undecided(p)
    lines = ax.contour(
        xx, yy, np.ma.masked_where(tie, p), levels=[0.5], colors="black", linewidths=2
    )
    if tie.any():
        ax.contourf(xx, yy, tie.astype(float), levels=[0.5, 1.5], colors="none", hatches=["///"])
    return lines


@dataclass
class DecisionBoundariesAnswers(Answers):
    """``accuracy[i][j]``: data set i, classifier j, on ``n_test`` test events, with 68%
    Wilson intervals in ``accuracy_interval``; ``accuracy_stat_error``: the binomial error of
    an accuracy of 0.85 on that many events; ``largest_difference``: the largest accuracy
    difference of two classifiers on one data set, with its paired standard error."""

    datasets: list[str]
    classifiers: list[str]
    n_test: int
    accuracy: list[list[float]]
    accuracy_interval: list[list[tuple[float, float]]]
    accuracy_stat_error: float
    #: the largest accuracy difference between two classifiers on one data set, with the
    #: standard error of the paired per-event difference (same test events)
    largest_difference: dict[str, Any] = field(default_factory=dict)
    panels: list[list[dict[str, Any]]] = figure_data(default_factory=list)


def _panel(clf: Any, X: Any, X_te: Any, y_te: Any, points: int) -> dict[str, Any]:
    pad = 0.05 * (X.max(axis=0) - X.min(axis=0))
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], points), np.linspace(lo[1], hi[1], points))
    p = _signal_probability(clf)(np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    return {"xx": xx, "yy": yy, "p": p, "X_test": X_te, "y_test": y_te}


def _differences(dataset: str, hits: dict[str, NDArray[np.float64]]) -> list[dict[str, Any]]:
    """Accuracy difference of every pair of classifiers on the same test events.

    The error is that of the mean per-event difference of the 0/1 hits (paired: an event
    both get right or both get wrong adds nothing), not the two binomial errors combined.
    """
    names = list(hits)
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            d = hits[a] - hits[b]
            out.append(
                {
                    "dataset": dataset,
                    "first": a,
                    "second": b,
                    "difference": float(d.mean()),
                    "error": float(d.std(ddof=1) / np.sqrt(d.size)),
                }
            )
    return out


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> DecisionBoundariesAnswers:
    """Train the three classifiers on the three data sets; test accuracies and maps.

    ``quick``: 60 MLP epochs instead of 200 and a coarser map. ``options``: ``events``,
    ``epochs``.
    """
    opts = resolve_options(NAME, OPTIONS, options)
    con = lab_console(console)
    epochs = (60 if quick else 200) if opts["epochs"] is None else opts["epochs"]
    con.rule(f"{NAME}: 3 classifiers x 3 data sets")
    accuracy, intervals, panels = [], [], []
    differences: list[dict[str, Any]] = []
    # tiny networks train fastest on one thread (thread hand-offs dominate otherwise)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for dname, ds in make_data(opts["events"]).items():
            X, y = np.asarray(ds.X, dtype=np.float64), np.asarray(ds.y)
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.4, random_state=42, stratify=y
            )
            row, row_ci, row_panels = [], [], []
            hits: dict[str, NDArray[np.float64]] = {}
            for cname in CLASSIFIERS:
                clf = _classifier(cname, epochs).fit(X_tr, y_tr)
                hits[cname] = (clf.predict(X_te) == y_te).astype(np.float64)
                correct = int(hits[cname].sum())
                row.append(correct / len(y_te))
                row_ci.append(wilson_interval(correct, len(y_te), cl=0.6827))
                row_panels.append(_panel(clf, X, X_te, y_te, 60 if quick else 150))
            accuracy.append(row)
            differences.extend(_differences(dname, hits))
            intervals.append(row_ci)
            panels.append(row_panels)
    finally:
        torch.set_num_threads(threads)
    n_test = len(panels[0][0]["y_test"])
    return DecisionBoundariesAnswers(
        datasets=list(DATASETS),
        classifiers=list(CLASSIFIERS),
        n_test=n_test,
        accuracy=accuracy,
        accuracy_interval=intervals,
        accuracy_stat_error=float(np.sqrt(0.85 * 0.15 / n_test)),
        largest_difference={
            **max(differences, key=lambda d: abs(d["difference"])),
            "comparisons": len(differences),
        },
        panels=panels,
    )


def _figure(a: DecisionBoundariesAnswers) -> Any:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 3, figsize=(13, 11), layout="constrained")
    for i, dname in enumerate(a.datasets):
        for j, cname in enumerate(a.classifiers):
            ax, panel = axes[i, j], a.panels[i][j]
            filled = ax.contourf(
                panel["xx"], panel["yy"], panel["p"], levels=np.linspace(0, 1, 21), cmap="RdBu_r"
            )
            draw_boundary(ax, panel["xx"], panel["yy"], panel["p"])
            X_te, y_te = panel["X_test"], panel["y_test"]
            for label, color, name in ((1, "C3", "signal"), (0, "C0", "background")):
                sel = y_te == label
                ax.scatter(X_te[sel, 0], X_te[sel, 1], s=12, c=color, edgecolors="k", label=name)
            ax.set_title(f"{dname}: {cname}", fontsize=10)
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
            ax.text(
                0.97, 0.03, f"{a.accuracy[i][j]:.2f}", transform=ax.transAxes, ha="right",
                fontsize=14, weight="bold",
            )  # fmt: skip
    fig.colorbar(filled, ax=axes, label="P(signal)", shrink=0.6)
    from matplotlib.patches import Patch

    handles, _ = axes[0, 0].get_legend_handles_labels()
    handles.append(Patch(facecolor="none", edgecolor="k", hatch="///", label="P = 0.5 (tie)"))
    axes[0, 0].legend(handles=handles, loc="upper left", fontsize="x-small")
    return fig


def _difference_text(a: DecisionBoundariesAnswers) -> str:
    """The largest difference between two classifiers and whether it is significant."""
    d = a.largest_difference
    if not d:
        return ""
    if d["difference"] < 0:
        first, second, diff = d["second"], d["first"], -d["difference"]
    else:
        first, second, diff = d["first"], d["second"], d["difference"]
    if diff == 0:
        return "On every data set the three classifiers have the same accuracy."
    ratio = diff / d["error"] if d["error"] > 0 else np.inf
    verdict = (
        f"more than 2: significant, though it is the largest of {d['comparisons']} comparisons"
        if ratio > 2
        else "not more than 2: not significant at this sample size, nor are the smaller ones"
    )
    return (
        f"The largest of the {d['comparisons']} differences between two classifiers on one "
        f"data set, {first} over {second} on {d['dataset']} by {diff:.3f}, is {ratio:.1f} "
        f"standard errors of the paired per-event difference ({verdict})."
    )


def render(
    answers: DecisionBoundariesAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the accuracy table; write ``decision_boundaries.png`` into ``out``."""
    con = lab_console(console)
    a = answers
    result = LabResult(NAME, answers=a.as_dict())
    table = Table(title=f"test accuracy on {a.n_test} events (68% Wilson interval)")
    table.add_column("data set")
    for cname in a.classifiers:
        table.add_column(cname, justify="right")
    for dname, row, row_ci in zip(a.datasets, a.accuracy, a.accuracy_interval, strict=True):
        cells = (f"{v:.3f} [{lo:.3f}, {hi:.3f}]" for v, (lo, hi) in zip(row, row_ci, strict=True))
        table.add_row(dname, *cells)
    con.print(table)
    con.print(
        "The tree's boundaries are axis-parallel staircases, XGBoost's a finer staircase, the "
        f"MLP's smooth curves. With {a.n_test} test events each accuracy carries a statistical "
        f"error of about ±{a.accuracy_stat_error:.2f} (binomial). {_difference_text(a)}",
        markup=False,
    )
    figs = Figures(out, result, con)
    figs.save(_figure(a), "decision_boundaries")
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
        "## Three toy problems\nHalf moons, circles, and two linearly separable classes.",
        "from neyman.labs import decision_boundaries as db\n\n"
        "data = db.make_data(150)\nfor name, ds in data.items():\n    print(name, ds.X.shape)",
    ),
    (
        "## A decision tree on the circles: where the predicted class changes\nLeaves with as "
        "many signal as background events have P = 0.5 exactly: a plateau, not a boundary.",
        "import numpy as np\nimport matplotlib.pyplot as plt\n"
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.tree import DecisionTreeClassifier\n\n"
        "ds = data['circles']\n"
        "X_tr, X_te, y_tr, y_te = train_test_split(ds.X, ds.y, test_size=0.4, random_state=42, "
        "stratify=ds.y)\n"
        "tree = DecisionTreeClassifier(max_depth=5, random_state=0).fit(X_tr, y_tr)\n"
        "xx, yy = np.meshgrid(np.linspace(-1.5, 1.5, 200), np.linspace(-1.5, 1.5, 200))\n"
        "p = tree.predict_proba(np.column_stack([xx.ravel(), yy.ravel()]))[:, 1].reshape(xx.shape)\n"
        "print('grid points with P exactly 0.5:', int(np.sum(p == 0.5)))\n"
        "fig, ax = plt.subplots()\nax.contourf(xx, yy, p, levels=20, cmap='RdBu_r')\n"
        "db.draw_boundary(ax, xx, yy, p)\nax.scatter(X_te[:, 0], X_te[:, 1], c=y_te, s=8, cmap='coolwarm')",
    ),
    (
        "## The 3 x 3 grid with test accuracies",
        "from pathlib import Path\n\n"
        "result = db.run(quick=True, out=Path('decision-boundaries-figures'))",
    ),
)
