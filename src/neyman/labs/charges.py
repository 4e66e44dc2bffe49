"""Sheet 1, exercise 1.1 — charges: do two charges attract? An XOR in disguise.

Two point charges q₁, q₂ attract when their signs differ. The problem sheet asks:

(a) the labelling function f(q₁, q₂) = 1 if sign(q₁) ≠ sign(q₂) else 0 on every integer
    pair −5 ≤ qᵢ ≤ 5 (121 pairs; a pair with exactly one zero charge counts as 1, the
    formula taken literally);
(b) a 2-10-10-1 network with tanh hidden units and a sigmoid output, and its number of
    parameters (151), printed with ``summary()``;
(c) training with SGD, batch size 1 and binary cross-entropy for 100 epochs, with the
    sheet's learning rate 1e-4 and with the template code's 0.01 — once as a one-line
    ``MLPClassifier(...).fit`` and once as the explicit per-sample PyTorch loop of the
    template, started from the same weights and visiting the samples in the same order,
    so that both give the same network;
(d) a 3-D plot of (q₁, q₂, ŷ), the same thresholded at 0.5, and the decision boundary
    after 1, 5, 10 and 100 epochs;
(e) three classes (attractive, neutral when a charge is 0, repulsive) with a softmax
    output: accuracy and confusion matrix.

How the two trainings are made identical: ``MLPClassifier(random_state=s)`` builds its
network right after ``torch.manual_seed(s)`` with PyTorch's default initialisation, and in
epoch ``e`` visits the events in the order ``torch.randperm(n, generator)`` with the
generator seeded by ``neyman.train.epoch_seed(s, e)`` (both documented in
``neyman.models``/``neyman.train``). The explicit loop does exactly the same, with plain SGD
(``momentum=0``). The one-line fit runs on neyman's compiled small-network path, whose
float32 arithmetic follows PyTorch's to rounding, not bit for bit: after 12,100 updates the
two networks agree to about 1e-5 in every weight (the lab prints the largest difference).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table
from torch import nn

from neyman.datasets import charges
from neyman.errors import ConfigError
from neyman.evaluate import confusion_matrix
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
from neyman.models import MLPClassifier
from neyman.plot import plot_confusion_matrix, plot_decision_boundary, plot_surface
from neyman.train import epoch_seed, torch_threads

__all__ = [
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "ChargesAnswers",
    "compute",
    "f",
    "render",
    "run",
    "template_loop",
    "template_network",
]

NAME = "charges"
SUMMARY = (
    "Do two charges attract? XOR in disguise: truth table, 2-10-10-1 tanh net (151 params), "
    "SGD at lr 1e-4 and 0.01 (one-line fit = explicit loop), boundaries, 3-class softmax"
)

OPTIONS = (
    Option("epochs", int, None, "training epochs, >= 1 (100; 10 with --quick)"),
    Option("seed", int, 7, "random_state of every network"),
)
#: the two classes of parts (a)-(d), label 1 then label 0, in every table and figure
CLASS_NAMES = ("attract", "do not attract")
#: the three classes of part (e), labels 0, 1, 2
THREE_CLASS_NAMES = ("attract", "neutral", "repel")
#: the epochs after which part (d) draws the decision boundary
SNAPSHOT_EPOCHS = (1, 5, 10, 100)
LEARNING_RATES = (1e-4, 0.01)


def f(q1: Any, q2: Any) -> NDArray[np.int64]:
    """Part (a): 1 if the charges attract (``sign(q1) != sign(q2)``), else 0.

    Parameters
    ----------
    q1, q2 : array-like of the same shape, elementary charges

    Returns
    -------
    ndarray of int, same shape
    """
    attract = np.sign(np.asarray(q1)) != np.sign(np.asarray(q2))
    return np.asarray(attract, dtype=np.int64)


def template_network(seed: int, n_out: int = 1) -> nn.Sequential:
    """The 2-10-10-``n_out`` tanh network, initialised as ``MLPClassifier(random_state=seed)``.

    It outputs the logit z; the sigmoid ŷ = σ(z) is applied by the loss
    (``binary_cross_entropy_with_logits`` is BCE(σ(z), y) computed without overflow).
    """
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(2, 10), nn.Tanh(), nn.Linear(10, 10), nn.Tanh(), nn.Linear(10, n_out)
    )


def template_loop(
    X: NDArray[np.float32],
    y: NDArray[Any],
    *,
    lr: float,
    epochs: int,
    seed: int,
    snapshots: tuple[int, ...] = (),
) -> tuple[nn.Sequential, list[float], dict[int, nn.Sequential]]:
    """Part (c), the template's way: SGD on one sample at a time, written out.

    Returns the trained network, the mean training loss of each epoch and copies of the
    network after each epoch in ``snapshots``.
    """
    net = template_network(seed)
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    Xt = torch.from_numpy(np.asarray(X, dtype=np.float32))
    yt = torch.from_numpy(np.asarray(y, dtype=np.float32)).reshape(-1, 1)
    losses: list[float] = []
    kept: dict[int, nn.Sequential] = {}
    for epoch in range(epochs):
        # the same sample order as MLPClassifier: a permutation seeded by (seed, epoch)
        order = torch.randperm(
            len(Xt), generator=torch.Generator().manual_seed(epoch_seed(seed, epoch))
        )
        total = 0.0
        for i in order.tolist():
            z = net(Xt[i : i + 1])  # forward pass of one sample
            loss = F.binary_cross_entropy_with_logits(z, yt[i : i + 1])
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]  # backpropagation
            opt.step()  # w <- w - lr * dL/dw
            total += loss.detach().item()
        losses.append(total / len(Xt))
        if epoch + 1 in snapshots:
            kept[epoch + 1] = copy.deepcopy(net)
    return net, losses, kept


def _options(options: dict[str, Any], quick: bool) -> tuple[int, int]:
    opts = resolve_options(NAME, OPTIONS, options)
    epochs = opts["epochs"] if opts["epochs"] is not None else (10 if quick else 100)
    seed = opts["seed"]
    for key, value, low in (("epochs", epochs, 1), ("seed", seed, 0)):
        if value < low:
            msg = f"option '{key}' of lab charges must be an int >= {low}, got {value!r}"
            raise ConfigError(msg, key=key, value=value)
    return int(epochs), int(seed)


def _proba(net: nn.Module, X: NDArray[Any]) -> NDArray[np.float64]:
    with torch.inference_mode():
        z = net(torch.as_tensor(np.asarray(X, dtype=np.float32)))
    return torch.sigmoid(z.double())[:, 0].numpy()


def _scorer(net: nn.Module) -> Callable[[Any], NDArray[np.float64]]:
    return lambda P: _proba(net, P)


def _flat(net: nn.Module) -> NDArray[np.float64]:
    return np.concatenate([p.detach().double().numpy().ravel() for p in net.parameters()])


def _mlp(lr: float, epochs: int, seed: int, output: str = "sigmoid") -> MLPClassifier:
    # plain SGD (momentum 0), one sample per step, BCE on a sigmoid output (or softmax + CE)
    return MLPClassifier(
        (10, 10),
        activation="tanh",
        output=output,
        loss="bce" if output == "sigmoid" else "cross_entropy",
        optimizer="sgd",
        momentum=0.0,
        lr=lr,
        batch_size=1,
        epochs=epochs,
        early_stopping=False,
        lr_schedule=None,
        random_state=seed,
        verbose=0,
    )


@dataclass
class ChargesAnswers(Answers):
    """Every number of the lab (the data is the whole grid: no sampling, no error bars)."""

    epochs: int
    seed: int
    truth_table: list[list[int]]
    n_attract: int
    summary: str
    n_parameters: int
    training: dict[str, dict[str, float]]
    boundary_accuracy: dict[int, float]
    three_class: dict[str, Any]
    X: NDArray[np.float32] = figure_data(default=None)
    y: NDArray[np.int64] = figure_data(default=None)
    best: MLPClassifier = figure_data(default=None)
    snapshots: dict[int, nn.Sequential] = figure_data(default_factory=dict)
    confusion: Any = figure_data(default=None)


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> ChargesAnswers:
    """Compute every answer.

    Parameters
    ----------
    quick : bool
        Train 10 epochs instead of 100 (boundaries after 1, 5 and 10 epochs).
    console : rich Console, optional
    **options
        ``epochs`` (100; 10 with ``quick``), ``seed`` (7): the ``random_state`` of every
        network.
    """
    epochs, seed = _options(options, quick)
    con = lab_console(console)
    # (a) the labelling function on the whole grid
    q = np.arange(-5, 6)
    table_ = f(q[:, None], q[None, :])
    ds = charges(kind="binary")
    X = np.asarray(ds.X, dtype=np.float32)
    y = np.asarray(ds.y, dtype=np.int64)
    # the built-in dataset is the same grid, labelled the same way
    if not np.array_equal(f(X[:, 0], X[:, 1]), y):
        msg = "neyman.datasets.charges disagrees with f; report this as a bug"
        raise RuntimeError(msg)
    training: dict[str, dict[str, float]] = {}
    snapshots: dict[int, nn.Sequential] = {}
    fitted: dict[float, MLPClassifier] = {}
    with (
        torch_threads(1),
        lab_progress(con, f"(c) 4 trainings of {epochs} epochs, (e) one more") as bar,
    ):
        task = bar.add_task("trainings", total=2 * len(LEARNING_RATES) + 1)
        for lr in LEARNING_RATES:
            clf = _mlp(lr, epochs, seed).fit(X, y)
            fitted[lr] = clf
            bar.advance(task)
            keep = tuple(e for e in SNAPSHOT_EPOCHS if e <= epochs) if lr == 0.01 else ()
            net, losses, kept = template_loop(X, y, lr=lr, epochs=epochs, seed=seed, snapshots=keep)
            bar.advance(task)
            snapshots.update(kept)
            p_fit = clf.predict_proba(X)[:, 1]
            p_loop = _proba(net, X)
            training[f"{lr:g}"] = {
                "fit_accuracy": float(np.mean(clf.predict(X) == y)),
                "loop_accuracy": float(np.mean((p_loop > 0.5) == y)),
                "fit_loss": float(clf.history_["loss"][-1]),
                "loop_loss": float(losses[-1]),
                "max_weight_diff": float(np.max(np.abs(_flat(clf.module_) - _flat(net)))),
                "max_proba_diff": float(np.max(np.abs(p_fit - p_loop))),
            }
        # (e) three classes: attract (q1 q2 < 0), neutral (q1 q2 = 0), repel (q1 q2 > 0)
        ds3 = charges(kind="three_class")
        X3 = np.asarray(ds3.X, dtype=np.float32)
        y3 = np.asarray(ds3.y, dtype=np.int64)
        clf3 = _mlp(0.01, epochs, seed, output="softmax").fit(X3, y3)
        bar.advance(task)
    cm = confusion_matrix(y3, clf3.predict(X3), labels=[0, 1, 2])
    boundary = {e: float(np.mean((_proba(n, X) > 0.5) == y)) for e, n in sorted(snapshots.items())}
    return ChargesAnswers(
        epochs=epochs,
        seed=seed,
        truth_table=table_.tolist(),
        n_attract=int(table_.sum()),
        summary=fitted[0.01].summary(show=False),
        n_parameters=int(fitted[0.01].n_parameters_),
        training=training,
        boundary_accuracy=boundary,
        three_class={
            "accuracy": float(np.mean(clf3.predict(X3) == y3)),
            "confusion_matrix": cm.matrix.astype(int).tolist(),
            "n_parameters": int(clf3.n_parameters_),
            "class_counts": np.bincount(y3, minlength=3).tolist(),
        },
        X=X,
        y=y,
        best=fitted[0.01],
        snapshots=snapshots,
        confusion=cm,
    )


def render(
    answers: ChargesAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the answers; with ``out``, write the surfaces, the boundaries and the confusion matrix."""
    con = lab_console(console)
    result = LabResult(NAME, answers.as_dict())
    figs = Figures(out, result, con)
    a = answers
    con.rule("charges (a): f(q1, q2) = 1 if sign(q1) != sign(q2) else 0")
    q = np.arange(-5, 6)
    table = Table(title="f(q1, q2): rows q1, columns q2")
    table.add_column("q1 \\ q2", justify="right")
    for v in q:
        table.add_column(str(v), justify="right")
    for i, v in enumerate(q):
        table.add_row(str(v), *(str(int(t)) for t in a.truth_table[i]))
    con.print(table)
    con.print(
        f"{a.n_attract} of 121 pairs attract. Label 1 sits in the 2nd and 4th quadrants (and "
        "on the axes): no single line separates it, as in XOR.",
        markup=False,
    )
    con.rule("charges (b): the 2-10-10-1 network")
    con.print(a.summary, markup=False)
    _render_training(con, a)
    _render_figures(con, figs, a)
    figs.report()
    return result


def _render_training(con: Console, a: ChargesAnswers) -> None:
    con.rule(f"charges (c): SGD, batch size 1, BCE, {a.epochs} epochs ({121 * a.epochs:,} steps)")
    tab = Table(title="one-line fit vs the explicit per-sample loop (same seed, same order)")
    for col in (
        "lr",
        "accuracy (fit)",
        "accuracy (loop)",
        "final loss (fit)",
        "final loss (loop)",
        "max |Δw|",
        "max |Δŷ|",
    ):
        tab.add_column(col, justify="right")
    for lr_text, row in a.training.items():
        tab.add_row(
            lr_text,
            f"{row['fit_accuracy']:.3f}",
            f"{row['loop_accuracy']:.3f}",
            f"{row['fit_loss']:.4f}",
            f"{row['loop_loss']:.4f}",
            f"{row['max_weight_diff']:.1e}",
            f"{row['max_proba_diff']:.1e}",
        )
    con.print(tab)
    slow, fast = a.training["0.0001"], a.training["0.01"]
    con.print(
        f"With lr = 1e-4 the {121 * a.epochs:,} small steps barely move the weights: the loss "
        f"ends at {slow['fit_loss']:.3f} (ln 2 = 0.693 is a coin toss) and the accuracy at "
        f"{slow['fit_accuracy']:.1%}, against {a.n_attract / 121:.1%} for always answering "
        f"'attract'. With the template's lr = 0.01 the network reaches {fast['fit_accuracy']:.1%}. "
        "The two ways of training agree to "
        f"{max(slow['max_weight_diff'], fast['max_weight_diff']):.1e} in every weight (same "
        "initial weights, same per-epoch order, same update; the one-line fit's compiled "
        "float32 arithmetic differs from PyTorch's by rounding, so not bit for bit).",
        markup=False,
    )


def _render_figures(con: Console, figs: Figures, a: ChargesAnswers) -> None:
    con.rule("charges (d): what the network learned")
    X, y = a.X, a.y

    def score(P: Any) -> NDArray[np.float64]:
        return np.asarray(a.best.predict_proba(P)[:, 1], dtype=np.float64)

    def step(P: Any) -> NDArray[np.float64]:
        return (score(P) > 0.5).astype(np.float64)

    for name, fn, zlabel in (("surface", score, "ŷ"), ("surface_thresholded", step, "ŷ > 0.5")):
        fig = plt.figure(figsize=(7.0, 6.0))
        ax = fig.add_subplot(projection="3d")
        plot_surface(
            fn,
            (-5.5, 5.5),
            (-5.5, 5.5),
            ax=ax,
            grid_points=45,
            feature_names=("$q_1$", "$q_2$"),
            zlabel=zlabel,
        )
        ax.scatter(X[:, 0], X[:, 1], y, c=y, cmap="coolwarm", s=12, depthshade=False)
        ax.set_title(f"lr = 0.01, {a.epochs} epochs (dots: f = 1 {CLASS_NAMES[0]})")
        figs.save(fig, name)
    snaps = a.snapshots
    # constrained layout gives each panel's colorbar its own room (no label over the next panel)
    fig, axes = plt.subplots(
        1, len(snaps), figsize=(5.2 * len(snaps), 4.3), squeeze=False, layout="constrained"
    )
    for ax, (epoch, net) in zip(axes[0], sorted(snaps.items()), strict=True):
        plot_decision_boundary(
            _scorer(net),
            X,
            y,
            ax=ax,
            threshold=0.5,
            feature_names=("$q_1$", "$q_2$"),
            class_names=CLASS_NAMES,
        )
        acc = a.boundary_accuracy[epoch]
        ax.set_title(f"after {epoch} epoch{'s' if epoch > 1 else ''}: acc {acc:.2f}")
    figs.save(fig, "boundaries")
    con.print(
        "Accuracy of the lr = 0.01 network after "
        + ", ".join(f"{e} epoch(s): {acc:.3f}" for e, acc in a.boundary_accuracy.items())
        + ". The boundary starts as a near-straight line and bends into the two axes as "
        "the hidden tanh units learn the sign of each charge.",
        markup=False,
    )
    con.rule("charges (e): three classes with a softmax output")
    tc = a.three_class
    cm_table = Table(title="confusion matrix (rows true, columns predicted)")
    cm_table.add_column("true \\ predicted")
    for n in THREE_CLASS_NAMES:
        cm_table.add_column(n, justify="right")
    for n, row_ in zip(THREE_CLASS_NAMES, tc["confusion_matrix"], strict=True):
        cm_table.add_row(n, *(str(int(v)) for v in row_))
    con.print(cm_table)
    con.print(
        f"2-10-10-3 softmax network ({tc['n_parameters']} parameters): accuracy "
        f"{tc['accuracy']:.3f}. The neutral class is two thin lines (q1 = 0 or q2 = 0) between "
        "the other two, the hardest class for a smooth tanh network to carve out.",
        markup=False,
    )
    figs.save(
        plot_confusion_matrix(a.confusion, class_names=list(THREE_CLASS_NAMES)), "confusion_matrix"
    )


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
        "**(a)** The labelling function f(q₁, q₂) = 1 if sign(q₁) ≠ sign(q₂) else 0 on every "
        "integer pair −5 ≤ qᵢ ≤ 5.",
        "import numpy as np\n\nfrom neyman.labs.charges import f\n\n"
        "q = np.arange(-5, 6)\ntable = f(q[:, None], q[None, :])\ntable, table.sum()",
    ),
    (
        "**(b)** A 2-10-10-1 network, tanh hidden units, sigmoid output: how many parameters?",
        "from neyman.datasets import charges\nfrom neyman.models import MLPClassifier\n\n"
        "ds = charges(kind='binary')\n"
        "clf = MLPClassifier((10, 10), activation='tanh', optimizer='sgd', momentum=0.0, "
        "lr=0.01, batch_size=1, epochs=10, random_state=7, verbose=0).fit(ds.X, ds.y)\n"
        "print(clf.summary(show=False))",
    ),
    (
        "**(c)** The template's explicit per-sample loop, from the same weights in the same "
        "order: does it give the same network?",
        "from neyman.labs.charges import template_loop\n\n"
        "net, losses, _ = template_loop(ds.X, ds.y, lr=0.01, epochs=10, seed=7)\n"
        "losses[-1], clf.history_['loss'][-1]",
    ),
    (
        "**(c)–(e)** Both learning rates, the surfaces and boundaries after 1, 5 and 10 "
        "epochs, and three classes with a softmax output (quick: 10 epochs).",
        "from neyman.labs.charges import compute, render\n\n"
        "answers = compute(quick=True)\nrender(answers);",
    ),
)
