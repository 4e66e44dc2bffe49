"""Lab 7 — susy: the lecture notebook's network on the SUSY benchmark.

The UCI SUSY data set (Baldi, Sadowski, Whiteson 2014, arXiv:1402.4735) has one label
(1 = chargino pairs decaying via W bosons to two leptons, neutrinos and neutralinos; 0 = WW
background) and 18 features per event: 8 low-level (the two leptons' pT, η, φ and the
missing transverse energy's magnitude and φ) and 10 high-level ones physicists built from them
(MET_rel, axial MET, razor variables M_R, M_TR_2, R, MT2, S_R, M_Δ^R, Δφ_R^β, cos θ_R1).

Train an MLP 18-200-100-2 with a softmax output and the cross-entropy loss, with stochastic
gradient descent:

1. on all 18 features,
2. on the 8 low-level features only,
3. on the 10 high-level features only,

and report the AUC and the accuracy of each on held-out events. Do the high-level features
carry information the network cannot find in the low-level ones by itself?

Data: ``--data SUSY.csv.gz`` (the UCI file, 5,000,000 events, 2.4 GB unzipped;
``--rows N`` reads the first N). Without it, a small SUSY-like sample is generated with
Pythia 8 (``neyman.generate.generate_susy``, needs ``pip install 'neyman[generate]'``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from neyman.data import Dataset, Standardizer
from neyman.datasets import susy
from neyman.errors import ConfigError, DataError
from neyman.evaluate import RocCurve, auc, roc_curve
from neyman.labs._base import (
    Answers,
    Figures,
    LabResult,
    Option,
    cli_hint,
    figure_data,
    lab_console,
    lab_progress,
    resolve_options,
)
from neyman.models import MLPClassifier
from neyman.plot import plot_roc
from neyman.train import torch_threads

__all__ = [
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "SUSY_URL",
    "SusyAnswers",
    "auc_difference",
    "build_network",
    "compute",
    "render",
    "run",
]

NAME = "susy"
SUMMARY = (
    "SUSY benchmark: an 18-200-100-2 softmax MLP trained with SGD on all, low-level and "
    "high-level features; AUC and accuracy of each"
)

#: where the UCI file lives
SUSY_URL = "https://archive.ics.uci.edu/ml/machine-learning-databases/00279/SUSY.csv.gz"

OPTIONS = (
    Option("data", Path, None, "the UCI SUSY.csv.gz (a Pythia 8 sample is generated without it)"),
    Option("rows", int, None, "events to read, or to generate, >= 100"),
    Option("epochs", int, None, "training epochs (5 with --quick, else 10)", minimum=1),
)


def build_network(
    *, epochs: int = 10, batch_size: int = 128, random_state: int = 0
) -> MLPClassifier:
    """The lecture's network: n-200-100-2, ReLU hidden layers, softmax output, cross-entropy.

    Two softmax outputs for two classes are redundant (one sigmoid would do), but they are
    what the notebook uses and they generalise to more classes unchanged. Plain SGD with
    momentum 0.9, learning rate 0.05, on standardised inputs.
    """
    return MLPClassifier(
        (200, 100),
        activation="relu",
        output="softmax",
        loss="cross_entropy",
        optimizer="sgd",
        lr=0.05,
        momentum=0.9,
        batch_size=batch_size,
        epochs=epochs,
        early_stopping=False,
        lr_schedule=None,
        random_state=random_state,
        verbose=0,
    )


def _generated(n: int, seed: int) -> Dataset:
    """A SUSY-like sample from Pythia 8, or DataError saying where to get the UCI file."""
    try:
        from neyman.generate import generate_susy
    except ImportError as err:
        msg = (
            "lab susy needs SUSY.csv.gz: download it from "
            f"{SUSY_URL} and pass it (command line: neyman lab susy --data SUSY.csv.gz, add "
            "--rows N to read part of it; Python: data='SUSY.csv.gz', rows=N), or install the "
            "generator (pip install 'neyman[generate]') to make a SUSY-like sample"
        )
        raise DataError(msg, key="data") from err
    frame = generate_susy(n, seed=seed, hadronization=False, progress=False)
    low, high = list(frame.columns[:8]), list(frame.columns[8:18])
    return Dataset(
        frame[low + high].to_numpy(dtype=np.float64),
        y=frame["label"].to_numpy(dtype=np.int64),
        feature_names=low + high,
        feature_groups={"low": low, "high": high},
        class_names=["background", "signal"],
        name="susy (generated)",
    )


def auc_difference(
    y: np.ndarray, a: np.ndarray, b: np.ndarray, n_bootstrap: int = 300, seed: int = 0
) -> tuple[float, float]:
    """AUC(a) − AUC(b) on the same events, with its paired stratified-bootstrap std.

    Both scores are resampled with the same events (signal and background separately), so
    the correlation between two classifiers scored on one test sample is kept.
    """
    rng = np.random.default_rng(seed)
    sig, bkg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    diffs = []
    for _ in range(n_bootstrap):
        idx = np.concatenate([rng.choice(sig, len(sig)), rng.choice(bkg, len(bkg))])
        diffs.append(auc(y[idx], a[idx]) - auc(y[idx], b[idx]))
    return float(auc(y, a) - auc(y, b)), float(np.std(diffs, ddof=1))


@dataclass
class SusyAnswers(Answers):
    """AUCs and accuracies of the three networks with their errors, and the verdict."""

    source: str
    n_train: int
    n_test: int
    epochs: int
    auc: dict[str, float]
    auc_error: dict[str, float]  # stratified-bootstrap std
    accuracy: dict[str, float]
    accuracy_error: dict[str, float]  # binomial
    n_parameters: dict[str, int]
    n_features: dict[str, int]
    summary: str
    high_level_gain: float  # AUC(all) - AUC(low)
    high_level_gain_error: float  # paired bootstrap
    verdict: str  # "adds", "nothing", or "cannot tell"
    rocs: dict[str, RocCurve] = figure_data(default_factory=dict)


def _load(opts: dict[str, Any], quick: bool, seed: int) -> tuple[Dataset, str]:
    if opts["data"] is not None:
        rows = (6_000 if quick else 200_000) if opts["rows"] is None else opts["rows"]
        try:
            ds = susy(opts["data"], rows=rows)
        except DataError as exc:
            raise cli_hint(exc, NAME, OPTIONS[0], opts["data"]) from exc
        return ds, f"UCI SUSY ({opts['data']}, first {ds.n_events} events)"
    ds = _generated((600 if quick else 10_000) if opts["rows"] is None else opts["rows"], seed)
    return ds, "generated with Pythia 8 (neyman.generate.generate_susy, parton level)"


def compute(*, quick: bool = False, console: Console | None = None, **options: Any) -> SusyAnswers:
    """Train the three networks and measure them on a held-out quarter.

    Parameters
    ----------
    quick : bool
        A few thousand events and 5 epochs.
    console : rich Console, optional
    **options
        ``data`` (path of ``SUSY.csv.gz``), ``rows`` (events to read, or to generate),
        ``epochs``.

    Raises
    ------
    DataError
        When the file is missing, or no file is given and ``neyman.generate`` is not installed.
    """
    opts = resolve_options(NAME, OPTIONS, options)
    if opts["rows"] is not None and opts["rows"] < 100:
        msg = f"option 'rows' of lab susy must be an integer >= 100, got {opts['rows']}"
        raise ConfigError(msg, key="rows", value=opts["rows"])
    con = lab_console(console)
    seed = 20261125
    ds, source = _load(opts, quick, seed)
    # held-out quarter for the AUC and accuracy; standardise on the training part only
    train, _, test = ds.split(test=0.25, random_state=seed)
    scaler = Standardizer().fit(train)
    train, test = scaler.transform(train), scaler.transform(test)
    y_test = np.asarray(test.y)
    epochs = (5 if quick else 10) if opts["epochs"] is None else opts["epochs"]
    groups = {
        "all": list(ds.feature_names or []),
        "low": ds.feature_groups["low"],
        "high": ds.feature_groups["high"],
    }
    scores: dict[str, np.ndarray] = {}
    accs: dict[str, float] = {}
    n_params: dict[str, int] = {}
    summary = ""
    with (
        torch_threads(1),
        lab_progress(con, f"training three 200-100 networks, {epochs} epochs each") as bar,
    ):
        task = bar.add_task("networks", total=3)
        for key in groups:
            # "low" and "high" are the Dataset's feature groups; "all" keeps every column
            tr = train if key == "all" else train.select(key)
            te = test if key == "all" else test.select(key)
            net = build_network(epochs=epochs, random_state=seed).fit(tr.X, tr.y)
            summary = summary or net.summary(show=False)
            scores[key] = net.predict_proba(te.X)[:, list(net.classes_).index(1)]
            accs[key] = float(np.mean(net.predict(te.X) == y_test))
            n_params[key] = int(net.n_parameters_)
            bar.advance(task)
    n = len(y_test)
    aucs = {
        k: auc(y_test, p, ci=0.68, n_bootstrap=300, random_state=seed) for k, p in scores.items()
    }
    gain, gain_err = auc_difference(y_test, scores["all"], scores["low"], seed=seed)
    verdict = (
        "adds" if gain > 2 * gain_err else ("nothing" if abs(gain) <= 2 * gain_err else "less")
    )
    if verdict == "nothing" and gain_err > 0.01:
        verdict = "cannot tell"  # consistent with zero, but the error hides any gain below it
    return SusyAnswers(
        source=source,
        n_train=train.n_events,
        n_test=n,
        epochs=epochs,
        auc={k: a.value for k, a in aucs.items()},
        auc_error={k: a.std for k, a in aucs.items()},
        accuracy=accs,
        accuracy_error={k: float(np.sqrt(a * (1 - a) / n)) for k, a in accs.items()},
        n_parameters=n_params,
        n_features={k: len(v) for k, v in groups.items()},
        summary=summary,
        high_level_gain=gain,
        high_level_gain_error=gain_err,
        verdict=verdict,
        rocs={f"{k} ({len(groups[k])} features)": roc_curve(y_test, p) for k, p in scores.items()},
    )


def render(
    answers: SusyAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the table and the verdict; with ``out``, write ``roc.png``."""
    con = lab_console(console)
    result = LabResult(NAME, answers.as_dict())
    figs = Figures(out, result, con)
    a = answers
    con.rule("susy: an 18-200-100-2 network on the SUSY benchmark")
    con.print(f"{a.n_train + a.n_test} events, {a.source}", markup=False)
    con.print(a.summary, markup=False, highlight=False)
    table = Table("features", "inputs", "parameters", "AUC", "accuracy")
    for key in a.auc:
        table.add_row(
            key,
            str(a.n_features[key]),
            f"{a.n_parameters[key]:,}",
            f"{a.auc[key]:.4f} ± {a.auc_error[key]:.4f}",
            f"{a.accuracy[key]:.4f} ± {a.accuracy_error[key]:.4f}",
        )
    con.rule(f"held-out events: {a.n_test} (± bootstrap / binomial standard errors)")
    con.print(table)
    text = {
        "adds": "more than twice its error: this network, trained this briefly on these events, did not find all of it in the low-level features by itself",
        "nothing": "consistent with zero: here the low-level features alone do as well",
        "less": "negative beyond twice its error: the extra inputs hurt this short training",
        "cannot tell": "consistent with zero, but the error is too large to tell at this sample size",
    }[a.verdict]
    con.print(
        f"Adding the high-level features to the low-level ones changes the AUC by "
        f"{a.high_level_gain:+.4f} ± {a.high_level_gain_error:.4f} (paired bootstrap): {text}. "
        "On the full UCI data Baldi et al. find that deep networks on the low-level features "
        "alone recover most of what the high-level ones add.",
        markup=False,
    )
    figs.save(plot_roc(a.rocs), "roc")
    figs.report()
    return result


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
        "**The network**: 18-200-100-2, ReLU hidden layers, softmax output, cross-entropy, SGD.",
        "from neyman.labs.susy import build_network\n\nbuild_network(epochs=5)",
    ),
    (
        "**1–3.** Train it on all 18 features, on the 8 low-level and on the 10 high-level "
        "ones (a small generated sample here; `compute(data='SUSY.csv.gz', rows=200_000)` "
        "reads the UCI file), with AUC and accuracy on held-out events.",
        "from neyman.labs.susy import compute, render\n\n"
        "answers = compute(quick=True)\nrender(answers);",
    ),
)
