"""Lab 1 — charges: do two charges attract? An XOR in disguise.

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
``neyman.models``/``neyman.train``). The explicit loop does exactly the same, so with plain
SGD (``momentum=0``) every one of the 12,100 updates is the same floating-point operation,
and the two networks agree bit for bit.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
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
from neyman.labs._base import LabResult, check_options, lab_console, save_figure
from neyman.models import MLPClassifier
from neyman.plot import plot_confusion_matrix, plot_decision_boundary, plot_surface
from neyman.train import epoch_seed, torch_threads

__all__ = ["NAME", "SUMMARY", "f", "run", "template_loop", "template_network"]

NAME = "charges"
SUMMARY = (
    "Do two charges attract? XOR in disguise: truth table, 2-10-10-1 tanh net (151 params), "
    "SGD at lr 1e-4 and 0.01 (one-line fit = explicit loop), boundaries, 3-class softmax"
)

#: options of ``run`` and their defaults (``epochs`` is 10 with ``quick``)
DEFAULTS: dict[str, Any] = {"epochs": 100, "seed": 7}
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


def _options(options: dict[str, Any], quick: bool) -> dict[str, Any]:
    check_options("charges", options, DEFAULTS)
    opts = {**DEFAULTS, "epochs": 10 if quick else DEFAULTS["epochs"], **options}
    for key in ("epochs", "seed"):
        value = opts[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < (key == "epochs"):
            msg = f"option '{key}' of lab charges must be a non-negative int, got {value!r}"
            raise ConfigError(msg)
    return opts


def _proba(net: nn.Module, X: NDArray[Any]) -> NDArray[np.float64]:
    with torch.inference_mode():
        z = net(torch.as_tensor(np.asarray(X, dtype=np.float32)))
    return torch.sigmoid(z.double())[:, 0].numpy()


def _scorer(net: nn.Module) -> Callable[[Any], NDArray[np.float64]]:
    return lambda P: _proba(net, P)


def _flat(net: nn.Module) -> NDArray[np.float64]:
    return np.concatenate([p.detach().double().numpy().ravel() for p in net.parameters()])


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
        Train 10 epochs instead of 100 (boundaries after 1, 5 and 10 epochs).
    out : Path, optional
        Directory for the figures (PNG).
    console : rich Console, optional
    **options
        ``epochs`` (100; 10 with ``quick``), ``seed`` (7): the ``random_state`` of every
        network.

    Returns
    -------
    LabResult
        ``answers``: ``truth_table`` (11×11 list, rows q₁ = −5…5, columns q₂),
        ``n_attract``, ``n_parameters`` (151), ``summary``, ``training`` (per learning rate:
        ``fit_accuracy``, ``loop_accuracy``, ``fit_loss``, ``loop_loss``,
        ``max_weight_diff``, ``max_proba_diff``), ``boundary_accuracy`` (epoch ->
        accuracy), ``three_class`` (``accuracy``, ``confusion_matrix``, ``n_parameters``).
    """
    opts = _options(options, quick)
    epochs, seed = int(opts["epochs"]), int(opts["seed"])
    con = lab_console(console)
    result = LabResult(NAME)
    # a network this small is dominated by per-call overhead: one thread is fastest
    with torch_threads(1):  # small networks train fastest on one thread
        _run(con, result, out, epochs, seed)
    return result


def _run(con: Console, result: LabResult, out: Path | None, epochs: int, seed: int) -> None:
    answers = result.answers

    # (a) the labelling function on the whole grid
    con.rule("charges (a): f(q1, q2) = 1 if sign(q1) != sign(q2) else 0")
    q = np.arange(-5, 6)
    table_ = f(q[:, None], q[None, :])
    ds = charges(kind="binary")
    X = np.asarray(ds.X, dtype=np.float32)
    y = np.asarray(ds.y, dtype=np.int64)
    # the built-in dataset is the same grid, labelled the same way
    if not np.array_equal(f(X[:, 0], X[:, 1]), y):
        msg = "neyman.datasets.charges disagrees with f; report this as a bug"
        raise RuntimeError(msg)
    table = Table(title="f(q1, q2): rows q1, columns q2")
    table.add_column("q1 \\ q2", justify="right")
    for v in q:
        table.add_column(str(v), justify="right")
    for i, v in enumerate(q):
        table.add_row(str(v), *(str(int(t)) for t in table_[i]))
    con.print(table)
    answers["truth_table"] = table_.tolist()
    answers["n_attract"] = int(table_.sum())
    con.print(
        f"{int(table_.sum())} of {table_.size} pairs attract. Label 1 sits in the 2nd and 4th "
        "quadrants (and on the axes): no single line separates it, as in XOR.",
        markup=False,
    )

    # (b) the network: 2*10+10 + 10*10+10 + 10*1+1 = 151 parameters
    con.rule("charges (b): the 2-10-10-1 network")

    def mlp(lr: float, n_epochs: int) -> MLPClassifier:
        # plain SGD (momentum 0), one sample per step, BCE on a sigmoid output
        return MLPClassifier(
            (10, 10),
            activation="tanh",
            output="sigmoid",
            loss="bce",
            optimizer="sgd",
            momentum=0.0,
            lr=lr,
            batch_size=1,
            epochs=n_epochs,
            random_state=seed,
            verbose=0,
        )

    # (c) the one-line fit and the explicit loop, for both learning rates
    training: dict[str, dict[str, float]] = {}
    snapshots: dict[int, nn.Sequential] = {}
    fitted: dict[float, MLPClassifier] = {}
    for lr in LEARNING_RATES:
        clf = mlp(lr, epochs).fit(X, y)
        fitted[lr] = clf
        keep = tuple(e for e in SNAPSHOT_EPOCHS if e <= epochs) if lr == 0.01 else ()
        net, losses, kept = template_loop(X, y, lr=lr, epochs=epochs, seed=seed, snapshots=keep)
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
    summary = fitted[0.01].summary(show=False)
    con.print(summary, markup=False)
    answers["summary"] = summary
    answers["n_parameters"] = int(fitted[0.01].n_parameters_)
    answers["training"] = training

    con.rule(f"charges (c): SGD, batch size 1, BCE, {epochs} epochs ({121 * epochs:,} steps)")
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
    for lr_text, row in training.items():
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
    slow, fast = training["0.0001"], training["0.01"]
    con.print(
        f"With lr = 1e-4 the {121 * epochs:,} small steps barely move the weights: the loss "
        f"ends at {slow['fit_loss']:.3f} (ln 2 = 0.693 is a coin toss) and the accuracy at "
        f"{slow['fit_accuracy']:.1%}, no better than always answering 'attract' "
        f"({answers['n_attract'] / 121:.1%}). With the template's lr = 0.01 the network "
        f"reaches {fast['fit_accuracy']:.1%}. Both ways of training agree to "
        f"{max(slow['max_weight_diff'], fast['max_weight_diff']):.1e} in every weight: same "
        "initial weights (torch.manual_seed(seed) before building), same per-epoch order "
        "(randperm seeded by epoch_seed(seed, epoch)), same update.",
        markup=False,
    )

    # (d) the learned function in 3-D, thresholded, and the boundary as training goes on
    con.rule("charges (d): what the network learned")
    best = fitted[0.01]

    def score(P: Any) -> NDArray[np.float64]:
        return np.asarray(best.predict_proba(P)[:, 1], dtype=np.float64)

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
        ax.set_title(f"lr = 0.01, {epochs} epochs (dots: f)")
        save_figure(fig, out, name, result)

    boundary: dict[int, float] = {}
    fig, axes = plt.subplots(1, len(snapshots), figsize=(4.2 * len(snapshots), 4.0), squeeze=False)
    for ax, (epoch, net) in zip(axes[0], sorted(snapshots.items()), strict=True):
        boundary[epoch] = float(np.mean((_proba(net, X) > 0.5) == y))
        plot_decision_boundary(
            _scorer(net),
            X,
            y,
            ax=ax,
            threshold=0.5,
            feature_names=("$q_1$", "$q_2$"),
            class_names=("attract", "no attraction"),
        )
        ax.set_title(f"after {epoch} epoch{'s' if epoch > 1 else ''}: acc {boundary[epoch]:.2f}")
    save_figure(fig, out, "boundaries", result)
    answers["boundary_accuracy"] = boundary
    con.print(
        "Accuracy of the lr = 0.01 network after "
        + ", ".join(f"{e} epoch(s): {a:.3f}" for e, a in boundary.items())
        + ". The boundary starts as a near-straight line and bends into the two axes as "
        "the hidden tanh units learn the sign of each charge.",
        markup=False,
    )

    # (e) three classes: attractive (q1 q2 < 0), neutral (q1 q2 = 0), repulsive (q1 q2 > 0)
    con.rule("charges (e): three classes with a softmax output")
    ds3 = charges(kind="three_class")
    X3 = np.asarray(ds3.X, dtype=np.float32)
    y3 = np.asarray(ds3.y, dtype=np.int64)
    clf3 = MLPClassifier(
        (10, 10),
        activation="tanh",
        output="softmax",
        loss="cross_entropy",
        optimizer="sgd",
        momentum=0.0,
        lr=0.01,
        batch_size=1,
        epochs=epochs,
        random_state=seed,
        verbose=0,
    ).fit(X3, y3)
    cm = confusion_matrix(y3, clf3.predict(X3), labels=[0, 1, 2])
    names = ["attractive", "neutral", "repulsive"]
    cm_table = Table(title="confusion matrix (rows true, columns predicted)")
    cm_table.add_column("true \\ predicted")
    for n in names:
        cm_table.add_column(n, justify="right")
    for n, row_ in zip(names, cm.matrix, strict=True):
        cm_table.add_row(n, *(str(int(v)) for v in row_))
    con.print(cm_table)
    acc3 = float(np.mean(clf3.predict(X3) == y3))
    answers["three_class"] = {
        "accuracy": acc3,
        "confusion_matrix": cm.matrix.astype(int).tolist(),
        "n_parameters": int(clf3.n_parameters_),
        "class_counts": np.bincount(y3, minlength=3).tolist(),
    }
    con.print(
        f"2-10-10-3 softmax network ({clf3.n_parameters_} parameters): accuracy {acc3:.3f}. "
        "The neutral class is two thin lines (q1 = 0 or q2 = 0) between the other two, the "
        "hardest class for a smooth tanh network to carve out.",
        markup=False,
    )
    fig = plot_confusion_matrix(cm, class_names=names)
    save_figure(fig, out, "confusion_matrix", result)
