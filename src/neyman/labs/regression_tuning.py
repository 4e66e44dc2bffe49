"""Lab 5 (lectures) — regression-tuning: tune an MLP regressor by hand, then by grid search.

The target is the invariant mass M (GeV) of electron pairs, the inputs the two electrons'
pT (GeV), η and φ (rad): real CMS events (``--data``), or generated Z/γ* → ee events.

1. Baselines: predict the training mean; a linear regression on the six inputs.
2. Tune by hand: train a few networks on the training events and compare them on a
   validation set, changing one thing at a time.
3. Tune with scikit-learn's ``GridSearchCV`` over the number of hidden layers, the neurons per
   layer, the activation, the learning rate and the L2 regularisation (``weight_decay``), by
   k-fold cross-validation on the training events.
4. Report the search table, the best parameters and the test RMSE of the best network
   against the baselines, on events used neither for training nor for choosing.

neyman's ``MLPRegressor`` is a scikit-learn estimator, so it goes into a ``Pipeline``
(standardise the inputs on the training folds only) and a ``TransformedTargetRegressor``
(standardise M, so the output layer starts at the right scale) unchanged.

Data: ``--data dielectron.csv`` (CMS open data, or the 1,412-event sample
``../shared/data/cms_dielectron_2010_sample.csv``); without it, generated events
(``neyman.datasets.drell_yan_ee``). ``--rows N`` keeps the first N events (or generates N).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from neyman.datasets import cms_dielectron, drell_yan_ee
from neyman.errors import ConfigError
from neyman.labs import LabResult, check_options, lab_console, save_figure
from neyman.models import MLPRegressor
from neyman.plot import plot_predicted_vs_true
from neyman.train import torch_threads

__all__ = ["NAME", "SUMMARY", "grid", "make_model", "run"]

NAME = "regression-tuning"
SUMMARY = (
    "Tune an MLP regressor for the dielectron mass by hand and with GridSearchCV; "
    "search table, best parameters, test RMSE against mean and linear baselines"
)

#: options of ``run`` and their defaults
DEFAULTS: dict[str, Any] = {"data": None, "rows": None}

#: parameter prefix of the network inside the target transformer and the pipeline
PREFIX = "regressor__mlp__"


def make_model(*, epochs: int, random_state: int = 0, **mlp: Any) -> TransformedTargetRegressor:
    """Standardised inputs -> MLPRegressor -> prediction in GeV.

    ``mlp`` are MLPRegressor hyperparameters (``hidden``, ``activation``, ``lr``,
    ``weight_decay``, ...). The target is standardised for training and transformed back,
    so predictions and scores are in GeV.
    """
    net = MLPRegressor(
        **{"batch_size": 32, **mlp}, epochs=epochs, random_state=random_state, verbose=0
    )
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", net)])
    return TransformedTargetRegressor(regressor=pipe, transformer=StandardScaler())


def grid(quick: bool) -> dict[str, list[Any]]:
    """The search space: layers x neurons (``hidden``), activation, lr, weight_decay."""
    if quick:
        return {
            f"{PREFIX}hidden": [(32,), (32, 32)],
            f"{PREFIX}activation": ["relu", "tanh"],
            f"{PREFIX}lr": [1e-2],
            f"{PREFIX}weight_decay": [1e-4],
        }
    return {
        f"{PREFIX}hidden": [(32,), (64, 64), (64, 64, 64)],
        f"{PREFIX}activation": ["relu", "tanh"],
        f"{PREFIX}lr": [1e-3, 1e-2],
        f"{PREFIX}weight_decay": [0.0, 1e-3],
    }


def _options(options: dict[str, Any]) -> dict[str, Any]:
    check_options("regression-tuning", options, DEFAULTS)
    opts = {**DEFAULTS, **options}
    rows = opts["rows"]
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 100):
        msg = f"option 'rows' of lab regression-tuning must be an integer >= 100, got {rows!r}"
        raise ConfigError(msg)
    return opts


def _rmse(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(pred, dtype=np.float64) - y) ** 2)))


def _rmse_err(y: np.ndarray, pred: np.ndarray) -> float:
    """Standard error of the RMSE on these events (delta method on the mean squared error)."""
    sq = (np.asarray(pred, dtype=np.float64) - y) ** 2
    mse = float(sq.mean())
    return float(np.std(sq, ddof=1) / np.sqrt(sq.size) / (2.0 * np.sqrt(mse)))


def _short(params: dict[str, Any]) -> dict[str, Any]:
    return {k.removeprefix(PREFIX): v for k, v in params.items()}


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
        A 4-point grid, 2 folds and few epochs.
    out : Path, optional
        Directory for the figure ``predicted_vs_true.png``.
    console : rich Console, optional
        Where to print; a plain console on stdout by default.
    **options
        ``data`` (CMS dielectron CSV; generated events when None), ``rows``.

    Returns
    -------
    LabResult
        ``answers``: ``"source"``, ``"n_train"``, ``"n_val"``, ``"n_test"``, ``"epochs"``,
        ``"cv_folds"``, ``"hand"`` (list of {params, val_rmse}), ``"hand_best"`` (index),
        ``"search"`` (list of {params, cv_rmse, cv_rmse_std, rank}), ``"best_params"``,
        ``"best_cv_rmse"``, and test RMSEs in GeV: ``"rmse_mean"``, ``"rmse_linear"``,
        ``"rmse_hand"``, ``"rmse_best"`` (and their standard errors ``"rmse_hand_err"``,
        ``"rmse_best_err"``); ``"better_tuning"``, ``"hand_choice_cv_rank"`` (None
        when the hand-picked setting is not in the grid).
    """
    opts = _options(options)
    con = lab_console(console)
    result = LabResult(NAME)
    answers = result.answers
    seed = 20261125

    if opts["data"] is not None:
        ds = cms_dielectron(opts["data"])
        if opts["rows"] is not None:
            ds = ds.subset(np.arange(min(opts["rows"], ds.n_events)))
        source = f"CMS open data ({opts['data']})"
    else:
        ds = drell_yan_ee(opts["rows"] or (1_500 if quick else 6_000), random_state=seed)
        source = "generated Z/γ* -> ee (neyman.datasets.drell_yan_ee)"
    answers["source"] = source
    # train (fit and cross-validate), validation (hand tuning), test (the final number only)
    train, val, test = ds.split(val=0.2, test=0.2, random_state=seed)
    X_tr, X_val, X_te = train.X, val.X, test.X
    y_tr, y_val, y_te = (np.asarray(d.y, dtype=np.float64) for d in (train, val, test))
    epochs = 15 if quick else 40
    folds = 2 if quick else 3
    answers.update(
        n_train=train.n_events,
        n_val=val.n_events,
        n_test=test.n_events,
        epochs=epochs,
        cv_folds=folds,
    )
    con.rule("regression-tuning: the dielectron mass M from pT, η, φ")
    con.print(
        f"{ds.n_events} events from {source}: {train.n_events} train, {val.n_events} "
        f"validation, {test.n_events} test; M spread (std) {y_tr.std():.2f} GeV",
        markup=False,
    )

    # 1. Baselines: the number to beat.
    rmse_mean = _rmse(y_te, np.full_like(y_te, y_tr.mean()))
    linear = LinearRegression().fit(X_tr, y_tr)
    rmse_linear = _rmse(y_te, linear.predict(X_te))
    answers["rmse_mean"], answers["rmse_linear"] = rmse_mean, rmse_linear

    with torch_threads(1):  # small networks train fastest on one thread
        # 2. By hand: start from a reasonable network, then change one thing at a time and
        # keep what helps on the validation events.
        con.rule("1. By hand (validation RMSE)")
        hand_settings: list[dict[str, Any]] = [
            {"hidden": (32,), "activation": "relu", "lr": 1e-3, "weight_decay": 0.0},
            {"hidden": (32,), "activation": "relu", "lr": 1e-2, "weight_decay": 0.0},
            {"hidden": (64, 64), "activation": "relu", "lr": 1e-2, "weight_decay": 0.0},
            {"hidden": (64, 64), "activation": "tanh", "lr": 1e-2, "weight_decay": 1e-4},
        ]
        hand: list[dict[str, Any]] = []
        hand_models = []
        table = Table("#", "hidden", "activation", "lr", "weight_decay", "val RMSE [GeV]")
        for i, setting in enumerate(hand_settings):
            model = make_model(epochs=epochs, random_state=seed, **setting).fit(X_tr, y_tr)
            score = _rmse(y_val, model.predict(X_val))
            hand_models.append(model)
            hand.append({"params": setting, "val_rmse": score})
            table.add_row(
                str(i),
                str(setting["hidden"]),
                setting["activation"],
                f"{setting['lr']:g}",
                f"{setting['weight_decay']:g}",
                f"{score:.3f}",
            )
        con.print(table)
        best_hand = int(np.argmin([h["val_rmse"] for h in hand]))
        answers["hand"], answers["hand_best"] = hand, best_hand
        hand_pred = np.asarray(hand_models[best_hand].predict(X_te), dtype=np.float64)
        answers["rmse_hand"] = _rmse(y_te, hand_pred)
        answers["rmse_hand_err"] = _rmse_err(y_te, hand_pred)
        con.print(f"best by hand: #{best_hand} {hand_settings[best_hand]}", markup=False)

        # 3. GridSearchCV: every combination, k-fold cross-validated on the training events,
        # scored by RMSE in GeV (sklearn maximises, hence the negative sign); the best is
        # refit on all training events.
        con.rule(f"2. GridSearchCV ({folds}-fold)")
        space = grid(quick)
        search = GridSearchCV(
            make_model(epochs=epochs, random_state=seed),
            space,
            scoring="neg_root_mean_squared_error",
            cv=KFold(folds, shuffle=True, random_state=seed),
            n_jobs=1,
            refit=True,
        )
        search.fit(X_tr, y_tr)
    cv = search.cv_results_
    rows: list[dict[str, Any]] = []
    for i, params in enumerate(cv["params"]):
        rows.append(
            {
                "params": _short(params),
                "cv_rmse": float(-cv["mean_test_score"][i]),
                "cv_rmse_std": float(cv["std_test_score"][i]),
                "rank": int(cv["rank_test_score"][i]),
            }
        )
    rows.sort(key=lambda r: r["rank"])
    answers["search"] = rows
    table = Table("rank", "hidden", "activation", "lr", "weight_decay", "CV RMSE [GeV]")
    for r in rows:
        p = r["params"]
        table.add_row(
            str(r["rank"]),
            str(p["hidden"]),
            p["activation"],
            f"{p['lr']:g}",
            f"{p['weight_decay']:g}",
            f"{r['cv_rmse']:.3f} ± {r['cv_rmse_std']:.3f}",
        )
    con.print(table)
    answers["best_params"] = _short(search.best_params_)
    answers["best_cv_rmse"] = float(-search.best_score_)
    con.print(f"best parameters: {answers['best_params']}", markup=False)

    # 4. The test events, used once.
    pred = np.asarray(search.predict(X_te), dtype=np.float64)
    answers["rmse_best"] = _rmse(y_te, pred)
    answers["rmse_best_err"] = _rmse_err(y_te, pred)
    con.rule(f"3. Test RMSE on {test.n_events} untouched events")
    table = Table("model", "test RMSE [GeV]")
    for label, key in (
        ("predict the training mean", "rmse_mean"),
        ("linear regression", "rmse_linear"),
        ("MLP tuned by hand", "rmse_hand"),
        ("MLP tuned by GridSearchCV", "rmse_best"),
    ):
        err = answers.get(f"{key}_err")
        table.add_row(label, f"{answers[key]:.3f}" + ("" if err is None else f" ± {err:.3f}"))
    con.print(table)
    better = "grid search" if answers["rmse_best"] < answers["rmse_hand"] else "hand tuning"
    answers["better_tuning"] = better
    # Where did cross-validation rank the hand-picked network, if the grid has it?
    hand_rank = next((r["rank"] for r in rows if r["params"] == hand_settings[best_hand]), None)
    answers["hand_choice_cv_rank"] = hand_rank
    where = (
        f"cross-validation ranked the hand-picked setting {hand_rank} of {len(rows)}"
        if hand_rank is not None
        else "the hand-picked setting is not in the grid"
    )
    con.print(
        f"On the test events {better} did better. Hand tuning chose on one validation set "
        f"(its winner may be lucky); the grid chose by {folds}-fold cross-validation, each fold "
        f"training on only {folds - 1}/{folds} of the training events; {where}. The ± is "
        f"each RMSE's statistical error on these {test.n_events} test events.",
        markup=False,
    )
    con.print(
        f"The grid-searched network has {answers['rmse_best'] / rmse_mean:.0%} of the mean "
        f"baseline's RMSE and {answers['rmse_best'] / rmse_linear:.0%} of the linear one's: "
        "the mass is a non-linear function of the inputs (a square root of products and "
        "cosh/cos of differences), which no straight line captures.",
        markup=False,
    )
    fig, ax = plt.subplots(figsize=(6, 5))
    plot_predicted_vs_true(y_te, pred, ax=ax, bins=40, label="M", unit="GeV")
    ax.set_title("GridSearchCV's best network, test events")
    save_figure(fig, out, "predicted_vs_true", result)
    return result
