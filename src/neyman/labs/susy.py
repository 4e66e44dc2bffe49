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

from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from neyman.data import Dataset, Standardizer
from neyman.datasets import susy
from neyman.errors import ConfigError, DataError
from neyman.evaluate import auc, roc_curve
from neyman.labs import LabResult, check_options, lab_console, save_figure
from neyman.models import MLPClassifier
from neyman.plot import plot_roc
from neyman.train import torch_threads

__all__ = ["NAME", "SUMMARY", "SUSY_URL", "build_network", "run"]

NAME = "susy"
SUMMARY = (
    "SUSY benchmark: an 18-200-100-2 softmax MLP trained with SGD on all, low-level and "
    "high-level features; AUC and accuracy of each"
)

#: where the UCI file lives
SUSY_URL = "https://archive.ics.uci.edu/ml/machine-learning-databases/00279/SUSY.csv.gz"

#: options of ``run`` and their defaults
DEFAULTS: dict[str, Any] = {"data": None, "rows": None}


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
        random_state=random_state,
        verbose=0,
    )


def _options(options: dict[str, Any]) -> dict[str, Any]:
    check_options("susy", options, DEFAULTS)
    opts = {**DEFAULTS, **options}
    rows = opts["rows"]
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 100):
        msg = f"option 'rows' of lab susy must be an integer >= 100, got {rows!r}"
        raise ConfigError(msg)
    return opts


def _generated(n: int, seed: int) -> Dataset:
    """A SUSY-like sample from Pythia 8, or DataError saying where to get the UCI file."""
    try:
        from neyman.generate import generate_susy
    except ImportError as err:
        msg = (
            "lab susy needs SUSY.csv.gz: download it from "
            f"{SUSY_URL} and pass --data SUSY.csv.gz (add --rows N to read part of it), or "
            "install the generator (pip install 'neyman[generate]') to make a SUSY-like sample"
        )
        raise DataError(msg) from err
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
        A few thousand events and a few epochs.
    out : Path, optional
        Directory for the figure ``roc.png``.
    console : rich Console, optional
        Where to print; a plain console on stdout by default.
    **options
        ``data`` (path of ``SUSY.csv.gz``), ``rows`` (events to read, or to generate).

    Returns
    -------
    LabResult
        ``answers``: ``"source"``, ``"n_train"``, ``"n_test"``, ``"epochs"``, ``"auc"`` and
        ``"accuracy"`` (each a dict ``"all"``, ``"low"``, ``"high"`` -> float),
        ``"n_features"`` and ``"n_parameters"`` (same keys), ``"high_level_gain"`` (AUC of all
        minus AUC of low-level only).

    Raises
    ------
    DataError
        When the file is missing, or no file is given and ``neyman.generate`` is not installed.
    """
    opts = _options(options)
    con = lab_console(console)
    result = LabResult(NAME)
    answers = result.answers
    seed = 20261125

    if opts["data"] is not None:
        rows = opts["rows"] or (6_000 if quick else 200_000)
        ds = susy(opts["data"], rows=rows)
        source = f"UCI SUSY ({opts['data']}, first {ds.n_events} events)"
    else:
        ds = _generated(opts["rows"] or (600 if quick else 10_000), seed)
        source = "generated with Pythia 8 (neyman.generate.generate_susy, parton level)"
    answers["source"] = source
    con.rule("susy: an 18-200-100-2 network on the SUSY benchmark")
    con.print(f"{ds.n_events} events, {source}", markup=False)

    # Held-out quarter for the AUC and accuracy; standardise on the training part only.
    train, _, test = ds.split(test=0.25, random_state=seed)
    scaler = Standardizer().fit(train)
    train, test = scaler.transform(train), scaler.transform(test)
    y_test = np.asarray(test.y)
    epochs = 5 if quick else 10
    answers.update(n_train=train.n_events, n_test=test.n_events, epochs=epochs)

    groups = {
        "all": list(ds.feature_names or []),
        "low": ds.feature_groups["low"],
        "high": ds.feature_groups["high"],
    }
    aucs: dict[str, float] = {}
    accs: dict[str, float] = {}
    n_params: dict[str, int] = {}
    rocs = {}
    with torch_threads(1):  # small networks train fastest on one thread
        for key, names in groups.items():
            # "low" and "high" are the Dataset's feature groups; "all" keeps every column
            tr = train if key == "all" else train.select(key)
            te = test if key == "all" else test.select(key)
            net = build_network(epochs=epochs, random_state=seed).fit(tr.X, tr.y)
            if key == "all":
                con.print(net.summary(show=False), markup=False, highlight=False)
            p_signal = net.predict_proba(te.X)[:, list(net.classes_).index(1)]
            aucs[key] = float(auc(y_test, p_signal))
            accs[key] = float(np.mean(net.predict(te.X) == y_test))
            n_params[key] = int(net.n_parameters_)
            rocs[f"{key} ({len(names)} features)"] = roc_curve(y_test, p_signal)
    answers["auc"], answers["accuracy"] = aucs, accs
    answers["n_parameters"] = n_params
    answers["n_features"] = {k: len(v) for k, v in groups.items()}

    table = Table("features", "inputs", "parameters", "AUC", "accuracy")
    for key in groups:
        table.add_row(
            key,
            str(len(groups[key])),
            f"{n_params[key]:,}",
            f"{aucs[key]:.4f}",
            f"{accs[key]:.4f}",
        )
    con.rule(f"held-out events: {test.n_events}")
    con.print(table)
    gain = aucs["all"] - aucs["low"]
    answers["high_level_gain"] = float(gain)
    if gain > 0:
        verdict = (
            "a positive gain here means this two-layer network, trained this briefly on these "
            "events, did not find all of it by itself"
        )
    else:
        verdict = "here too the low-level features alone do as well"
    con.print(
        f"Adding the high-level features to the low-level ones changes the AUC by {gain:+.4f}. "
        "On the full UCI data Baldi et al. find that deep networks on the low-level features "
        f"alone recover most of what the high-level ones add; {verdict}.",
        markup=False,
    )
    save_figure(plot_roc(rocs), out, "roc", result)
    return result
