"""Lab — rnn: a recurrent network reads the tracks of an event one by one.

An event holds a variable number of charged-particle tracks. A recurrent network (a GRU,
Cho et al. 2014, arXiv:1406.1078) reads them as a sequence, ordered by transverse momentum as
experiments store them, and classifies the event from its last hidden state. A Deep-Sets
network (Zaheer et al. 2017, arXiv:1703.06114; the "energy flow network" of Komiske,
Metodiev, Thaler 2019, arXiv:1810.05165) treats the tracks as a set: the same small network
φ on each track, a sum over tracks, a second network ρ on the sum.

1. Generate events: signal and background differ in their number of tracks (2 + Poisson 6 vs
   2 + Poisson 5) and in each track's spectrum (pT exponential with mean 1.15 vs 1.0, η
   normal with width 1.2 vs 1.5), tracks independent given the class. The exact
   log-likelihood ratio is then a sum over tracks plus a term in their number: the
   Neyman-Pearson optimum is known event by event.
2. Pad the sequences to one length (an empty slot is NaN) and train the GRU and the Deep-Sets
   network with the same optimiser and epochs.
3. Compare their held-out AUCs, with 95% intervals, to each other (DeLong's paired interval:
   "better" only when the interval excludes zero) and to the exact likelihood ratio's.

The sum in Deep Sets is exactly the structure of this likelihood ratio (a sum of per-track
terms and a function of the count), so it should come close to the optimum; the GRU has to
learn that order does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import nn

from neyman.errors import ConfigError
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
from neyman.plot import plot_roc
from neyman.train import TrainConfig, torch_threads
from neyman.train import fit as train_fit
from neyman.train import predict as train_predict

__all__ = [
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "RnnAnswers",
    "SequenceClassifier",
    "compute",
    "exact_log_likelihood_ratio",
    "generate_events",
    "pad",
    "render",
    "run",
]

NAME = "rnn"
SUMMARY = (
    "A recurrent network on variable-length sequences (the tracks of an event) against "
    "a Deep-Sets baseline"
)

OPTIONS: tuple[Option, ...] = (
    Option("events", int, None, "events per class for training (default 20,000; quick 1,500)"),
    Option("epochs", int, None, "training epochs of both networks (default 20; quick 6)"),
    Option("hidden", int, 32, "hidden units of the GRU and of each Deep-Sets layer"),
    Option("seed", int, 2026, "seed of the events and of the training"),
)

#: the two classes: extra tracks (Poisson mean), pT mean (GeV), η width
SIGNAL = {"tracks": 6.0, "pt": 1.15, "eta": 1.2}
BACKGROUND = {"tracks": 5.0, "pt": 1.0, "eta": 1.5}
MIN_TRACKS = 2
CL = 0.95

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# Events with a known likelihood ratio
# --------------------------------------------------------------------------------------------
def generate_events(
    n_per_class: int, seed: int
) -> tuple[list[NDArray[np.float32]], NDArray[np.int64]]:
    """``n_per_class`` signal and background events, shuffled.

    Returns
    -------
    tracks : list of arrays of shape (k_i, 2)
        Per event, its tracks ``(pT in GeV, η)`` ordered by decreasing pT.
    y : array of shape (2 n_per_class,)
        1 for signal.
    """
    rng = np.random.default_rng(seed)
    events: list[NDArray[np.float32]] = []
    labels: list[int] = []
    for label, spec in ((1, SIGNAL), (0, BACKGROUND)):
        counts = MIN_TRACKS + rng.poisson(spec["tracks"], n_per_class)
        for k in counts:
            pt = rng.exponential(spec["pt"], k)
            eta = rng.normal(0.0, spec["eta"], k)
            order = np.argsort(-pt)
            events.append(np.column_stack([pt[order], eta[order]]).astype(np.float32))
            labels.append(label)
    perm = rng.permutation(len(events))
    return [events[i] for i in perm], np.asarray(labels, dtype=np.int64)[perm]


def exact_log_likelihood_ratio(tracks: list[NDArray[np.float32]]) -> FloatArray:
    """``log p(event | signal) / p(event | background)`` of each event.

    Tracks are independent given the class and their order is a function of the set, so the
    ratio is that of the track counts times the product of the per-track ratios.
    """
    out = np.empty(len(tracks))
    for i, t in enumerate(tracks):
        pt, eta = t[:, 0].astype(np.float64), t[:, 1].astype(np.float64)
        k = len(t) - MIN_TRACKS
        value = stats.poisson.logpmf(k, SIGNAL["tracks"]) - stats.poisson.logpmf(
            k, BACKGROUND["tracks"]
        )
        value += np.sum(
            stats.expon.logpdf(pt, scale=SIGNAL["pt"])
            - stats.expon.logpdf(pt, scale=BACKGROUND["pt"])
        )
        value += np.sum(
            stats.norm.logpdf(eta, 0, SIGNAL["eta"]) - stats.norm.logpdf(eta, 0, BACKGROUND["eta"])
        )
        out[i] = value
    return out


def pad(tracks: list[NDArray[np.float32]], length: int | None = None) -> NDArray[np.float32]:
    """Sequences as one array of shape ``(n, length, 2)``: features ``(log pT, η)``.

    Empty slots after an event's last track are NaN (the networks mask them). ``length``
    defaults to the longest event; longer events are cut to their ``length`` hardest tracks.
    """
    size = length if length is not None else max(len(t) for t in tracks)
    out = np.full((len(tracks), size, 2), np.nan, dtype=np.float32)
    for i, t in enumerate(tracks):
        k = min(len(t), size)
        out[i, :k, 0] = np.log(t[:k, 0])
        out[i, :k, 1] = t[:k, 1]
    return out


# --------------------------------------------------------------------------------------------
# The two networks and one estimator for both
# --------------------------------------------------------------------------------------------
class _Gru(nn.Module):
    """GRU over the tracks; the hidden state after the last real track feeds a linear layer."""

    def __init__(self, n_in: int, hidden: int) -> None:
        super().__init__()
        self.gru = nn.GRU(n_in, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = ~torch.isnan(x[..., 0])
        lengths = mask.sum(dim=1).clamp(min=1)
        out, _ = self.gru(torch.nan_to_num(x))
        last = out[torch.arange(x.shape[0]), lengths - 1]  # padding sits after the tracks
        logit: torch.Tensor = self.head(last)[:, 0]
        return logit


class _DeepSets(nn.Module):
    """ρ(Σ_tracks φ(track)): the same φ on every track, invariant under their order."""

    def __init__(self, n_in: int, hidden: int) -> None:
        super().__init__()
        self.phi = nn.Sequential(
            nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()
        )
        self.rho = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = (~torch.isnan(x[..., 0])).unsqueeze(-1).float()
        pooled = (self.phi(torch.nan_to_num(x)) * mask).sum(dim=1)
        logit: torch.Tensor = self.rho(pooled)[:, 0]
        return logit


def _bce(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return nn.functional.binary_cross_entropy_with_logits(out, target, reduction="none")


class SequenceClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Binary classifier of padded track sequences (NaN = empty slot), trained by neyman.train.

    Parameters
    ----------
    architecture : {"gru", "deepsets"}
        A GRU read in the given order, or a permutation-invariant Deep-Sets network.
    hidden : int
        Hidden units (the GRU state; each layer of φ and ρ).
    epochs, batch_size, lr : int, int, float
        Adam's settings.
    random_state : int
        Seeds the weights and the batches.

    Attributes
    ----------
    classes_ : array ``[0, 1]``
    module_ : torch.nn.Module
    history_ : dict of str to list of float
        Training loss per epoch.
    """

    def __init__(
        self,
        architecture: str = "gru",
        *,
        hidden: int = 32,
        epochs: int = 20,
        batch_size: int = 128,
        lr: float = 3e-3,
        random_state: int = 0,
    ) -> None:
        self.architecture = architecture
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.random_state = random_state

    def fit(self, X: NDArray[np.float32], y: NDArray[Any]) -> SequenceClassifier:
        """Train on ``X`` of shape ``(n, length, features)`` and labels ``y`` in {0, 1}."""
        if self.architecture not in ("gru", "deepsets"):
            msg = (
                "The 'architecture' parameter of SequenceClassifier must be 'gru' or "
                f"'deepsets'. Got {self.architecture!r} instead."
            )
            raise ConfigError(msg, key="architecture", value=self.architecture)
        X = np.asarray(X, dtype=np.float32)
        self.classes_ = np.array([0, 1])
        torch.manual_seed(self.random_state)
        kind = _Gru if self.architecture == "gru" else _DeepSets
        self.module_ = kind(X.shape[2], self.hidden)
        config = TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            optimizer="adam",
            lr=self.lr,
            seed=self.random_state,
        )
        target = np.asarray(y, dtype=np.float32)
        self.history_ = train_fit(self.module_, _bce, X, target, config=config)
        return self

    def decision_function(self, X: NDArray[np.float32]) -> FloatArray:
        """The network's logit per event."""
        out = train_predict(self.module_, torch.as_tensor(np.asarray(X, dtype=np.float32)))
        return np.asarray(out.cpu().numpy(), dtype=np.float64)

    def predict_proba(self, X: NDArray[np.float32]) -> FloatArray:
        """``[P(background), P(signal)]`` per event."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: NDArray[np.float32]) -> NDArray[np.int64]:
        """1 where the signal probability exceeds 0.5."""
        return (self.decision_function(X) > 0).astype(np.int64)


# --------------------------------------------------------------------------------------------
# The answers
# --------------------------------------------------------------------------------------------
@dataclass
class RnnAnswers(Answers):
    """AUCs (with 95% stratified-bootstrap intervals) of the GRU, Deep Sets and the exact
    likelihood ratio on the test events; the paired GRU - Deep Sets difference (DeLong) and
    the verdict that follows from it."""

    n_train: int
    n_test: int
    max_tracks: int
    mean_tracks: dict[str, float]
    auc: dict[str, float]
    auc_interval: dict[str, tuple[float, float]]
    gap_to_optimum: dict[str, float]
    difference: dict[str, float]
    verdict: str
    rocs: dict[str, RocCurve] = figure_data(default_factory=dict)
    losses: dict[str, list[float]] = figure_data(default_factory=dict)


def _resolve(quick: bool, options: dict[str, Any]) -> dict[str, Any]:
    opts = resolve_options(NAME, OPTIONS, options)
    if opts["events"] is None:
        opts["events"] = 1_500 if quick else 20_000
    if opts["epochs"] is None:
        opts["epochs"] = 6 if quick else 20
    for key, least in (("events", 100), ("epochs", 1), ("hidden", 2)):
        if opts[key] < least:
            msg = f"option '{key}' of lab {NAME} must be an integer >= {least}, got {opts[key]}"
            raise ConfigError(msg, key=key, value=opts[key])
    return opts


def _verdict(diff: Any) -> str:
    if diff.low > 0:
        answer = "the GRU is better"
    elif diff.high < 0:
        answer = "Deep Sets is better"
    else:
        answer = "the two are compatible at this sample size"
    return (
        f"AUC(GRU) - AUC(Deep Sets) = {diff.difference:+.4f}, {diff.cl:.0%} interval "
        f"[{diff.low:+.4f}, {diff.high:+.4f}] (DeLong, same test events): {answer}."
    )


def compute(*, quick: bool = False, console: Console | None = None, **options: Any) -> RnnAnswers:
    """Generate the events, train both networks, and compare them and the optimum.

    Parameters
    ----------
    quick : bool
        1,500 training events per class and 6 epochs (default 20,000 and 20).
    console : rich Console, optional
    **options
        ``events``, ``epochs``, ``hidden``, ``seed``: see :data:`OPTIONS`.
    """
    opts = _resolve(quick, options)
    con = lab_console(console)
    n = opts["events"]
    tracks, y = generate_events(n + n // 2, opts["seed"])  # a third held out for the test
    cut = 2 * n
    length = max(len(t) for t in tracks)
    X = pad(tracks, length)
    X_train, y_train, X_test, y_test = X[:cut], y[:cut], X[cut:], y[cut:]
    con.rule(f"{NAME}: GRU against Deep Sets on variable-length track lists")
    con.print(
        f"{cut:,} training and {len(y_test):,} test events, 2 to {length} tracks each",
        markup=False,
    )
    scores = {"exact likelihood ratio": exact_log_likelihood_ratio(tracks[cut:])}
    losses: dict[str, list[float]] = {}
    with torch_threads(1), lab_progress(con, "training the GRU and the Deep-Sets network") as bar:
        task = bar.add_task("training", total=2)
        for label, arch in (("GRU", "gru"), ("Deep Sets", "deepsets")):
            bar.update(task, description=f"{label}, {opts['epochs']} epochs")
            model = SequenceClassifier(
                arch, hidden=opts["hidden"], epochs=opts["epochs"], random_state=opts["seed"]
            ).fit(X_train, y_train)
            scores[label] = model.decision_function(X_test)
            losses[label] = list(model.history_["loss"])
            bar.advance(task)

    aucs, intervals, rocs = {}, {}, {}
    for label, s in scores.items():
        a = auc(y_test, s, ci=CL, n_bootstrap=500, random_state=opts["seed"])
        aucs[label], intervals[label] = a.value, (a.low, a.high)
        rocs[label] = roc_curve(y_test, s)
    diff = paired_auc_difference(y_test, scores["GRU"], scores["Deep Sets"], cl=CL)
    optimum = aucs["exact likelihood ratio"]
    counts = np.array([len(t) for t in tracks])
    return RnnAnswers(
        n_train=cut,
        n_test=len(y_test),
        max_tracks=length,
        mean_tracks={
            "signal": float(counts[y == 1].mean()),
            "background": float(counts[y == 0].mean()),
        },
        auc=aucs,
        auc_interval=intervals,
        gap_to_optimum={k: optimum - aucs[k] for k in ("GRU", "Deep Sets")},
        difference={"value": diff.difference, "low": diff.low, "high": diff.high, "cl": diff.cl},
        verdict=_verdict(diff),
        rocs=rocs,
        losses=losses,
    )


def render(
    answers: RnnAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the AUC table and the verdict; write ``roc.png`` and ``loss.png`` into ``out``."""
    import matplotlib.pyplot as plt

    con = lab_console(console)
    result = LabResult(NAME, answers=answers.as_dict())
    con.print(
        f"mean tracks per event: signal {answers.mean_tracks['signal']:.2f}, background "
        f"{answers.mean_tracks['background']:.2f}",
        markup=False,
    )
    table = Table("method", "AUC", f"{CL:.0%} interval", "gap to the optimum")
    table.title = f"AUC on {answers.n_test:,} test events"
    for label, value in answers.auc.items():
        lo, hi = answers.auc_interval[label]
        gap = answers.gap_to_optimum.get(label)
        table.add_row(
            label, f"{value:.4f}", f"[{lo:.4f}, {hi:.4f}]", "" if gap is None else f"{gap:+.4f}"
        )
    con.print(table)
    con.print(answers.verdict, markup=False)
    figs = Figures(out, result, con)
    fig = plot_roc(answers.rocs)
    fig.axes[0].legend(
        loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small", frameon=False
    )
    figs.save(fig, "roc")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for label, loss in answers.losses.items():
        ax.plot(np.arange(1, len(loss) + 1), loss, marker="o", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (binary cross-entropy)")
    ax.legend()
    figs.save(fig, "loss")
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
        "## 1. Events with a variable number of tracks\nSignal has more tracks, slightly "
        "harder and more central; the exact likelihood ratio is known event by event.",
        "import numpy as np\nfrom neyman.labs import rnn\n\n"
        "tracks, y = rnn.generate_events(1500, seed=1)\n"
        "print(len(tracks), 'events; tracks of the first:', len(tracks[0]))\n"
        "print(tracks[0][:3])  # (pT, eta), hardest first",
    ),
    (
        "## 2. Pad to one length\nAn empty slot is NaN; the networks mask it.",
        "X = rnn.pad(tracks)\nprint(X.shape)\n"
        "cut = 2000\nX_train, y_train, X_test, y_test = X[:cut], y[:cut], X[cut:], y[cut:]",
    ),
    (
        "## 3. Train a GRU and a Deep-Sets network",
        "gru = rnn.SequenceClassifier('gru', epochs=6).fit(X_train, y_train)\n"
        "deepsets = rnn.SequenceClassifier('deepsets', epochs=6).fit(X_train, y_train)",
    ),
    (
        "## 4. AUCs with intervals, and the optimum",
        "from neyman.evaluate import auc\n\n"
        "for name, s in [('GRU', gru.decision_function(X_test)),\n"
        "                ('Deep Sets', deepsets.decision_function(X_test)),\n"
        "                ('exact LR', rnn.exact_log_likelihood_ratio(tracks[cut:]))]:\n"
        "    a = auc(y_test, s, ci=0.95, n_bootstrap=300, random_state=0)\n"
        "    print(f'{name:10s} {a.value:.3f} [{a.low:.3f}, {a.high:.3f}]')",
    ),
    (
        "## The whole lab in one call",
        "from pathlib import Path\n\nresult = rnn.run(quick=True, out=Path('rnn-figures'))",
    ),
)
