"""Lab 5 (lectures) — regression-tuning: tune an MLP regressor by hand, then by grid search.

This is Borsato's exercise 3 on a physics target. The course's version regresses Boston
house prices (Keras' ``boston_housing``): that data set is not shipped with neyman, because
scikit-learn removed it (1.2) over an ethically problematic feature and it says nothing about
physics. The recipe is kept as written: a 64-64 ReLU network trained with RMSprop, judged by
k-fold validation, then "try another loss" (mean absolute instead of mean squared error).

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
5. The lecture's recipe: a 64-64 network, RMSprop (lr 1e-3), 4-fold validation of its mean
   absolute error, trained once with the squared-error loss and once with the absolute-error
   loss; both are then compared on the test events by RMSE and by MAE (with paired errors).

neyman's ``MLPRegressor`` is a scikit-learn estimator, so it goes into a ``Pipeline``
(standardise the inputs on the training folds only) and a ``TransformedTargetRegressor``
(standardise M, so the output layer starts at the right scale) unchanged.

Data: ``--data dielectron.csv`` (CMS open data, or the 1,412-event sample
``../shared/data/cms_dielectron_2010_sample.csv``); without it, generated events
(``neyman.datasets.drell_yan_ee``). ``--rows N`` keeps the first N events (or generates N).
"""

from __future__ import annotations

from dataclasses import dataclass
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

from neyman.data import Dataset
from neyman.datasets import cms_dielectron, drell_yan_ee
from neyman.errors import ConfigError
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
from neyman.models import MLPRegressor
from neyman.plot import plot_predicted_vs_true
from neyman.train import torch_threads

__all__ = [
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "RegressionTuningAnswers",
    "compute",
    "own_metric_sentence",
    "grid",
    "lecture_recipe",
    "load",
    "make_model",
    "render",
    "run",
]

NAME = "regression-tuning"
SUMMARY = (
    "Tune an MLP regressor for the dielectron mass by hand and with GridSearchCV; "
    "search table, best parameters, test RMSE against mean and linear baselines"
)

OPTIONS: tuple[Option, ...] = (
    Option(
        "data",
        Path,
        None,
        "CMS dielectron CSV (e.g. ../shared/data/cms_dielectron_2010_sample.csv); "
        "default: generated Z/γ* -> ee events",
    ),
    Option("rows", int, None, "events to keep (or to generate; default 6,000, quick 1,500)"),
)
SEED = 20261125
#: the lecture's folds
RECIPE_FOLDS = 4

#: parameter prefix of the network inside the target transformer and the pipeline
PREFIX = "regressor__mlp__"


def make_model(*, epochs: int, random_state: int = 0, **mlp: Any) -> TransformedTargetRegressor:
    """Standardised inputs -> MLPRegressor -> prediction in GeV.

    ``mlp`` are MLPRegressor hyperparameters (``hidden``, ``activation``, ``lr``,
    ``weight_decay``, ...). The target is standardised for training and transformed back,
    so predictions and scores are in GeV.
    """
    net = MLPRegressor(
        **{"batch_size": 32, "early_stopping": False, "lr_schedule": None, **mlp},
        epochs=epochs,
        random_state=random_state,
        verbose=0,
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
    opts = resolve_options(NAME, OPTIONS, options)
    rows = opts["rows"]
    if rows is not None and rows < 100:
        msg = f"option 'rows' of lab regression-tuning must be an integer >= 100, got {rows!r}"
        raise ConfigError(msg, key="rows", value=rows)
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


def _paired(y: np.ndarray, a: np.ndarray, b: np.ndarray, kind: str) -> tuple[float, float]:
    """Mean per-event difference of the losses of predictions ``a`` and ``b``, and its error.

    ``kind`` is ``"sq"`` (squared error, GeV²) or ``"abs"`` (absolute error, GeV). Both are
    evaluated on the same events, so the error of the difference is that of the mean of
    per-event differences (their correlation is counted).
    """
    if kind == "sq":
        d = (a - y) ** 2 - (b - y) ** 2
    else:
        d = np.abs(a - y) - np.abs(b - y)
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))


def _which(diff: tuple[float, float], first: str, second: str) -> str:
    """``first`` or ``second`` when the difference is beyond 2 standard errors, else a tie."""
    mean, err = diff
    if mean == 0.0 and err == 0.0:
        return "neither (the same predictions: both chose the same network)"
    if mean < -2 * err:
        return first
    if mean > 2 * err:
        return second
    return "neither (within 2 standard errors on these events)"


def load(quick: bool = False, **options: Any) -> tuple[Dataset, str]:
    """The events (target: M in GeV) and where they come from."""
    opts = _options(options)
    if opts["data"] is not None:
        ds = cms_dielectron(opts["data"])
        if opts["rows"] is not None:
            ds = ds.subset(np.arange(min(opts["rows"], ds.n_events)))
        return ds, f"CMS open data ({opts['data']})"
    ds = drell_yan_ee(
        (1_500 if quick else 6_000) if opts["rows"] is None else opts["rows"], random_state=SEED
    )
    return ds, "generated Z/γ* -> ee (neyman.datasets.drell_yan_ee)"


HAND_SETTINGS: list[dict[str, Any]] = [
    {"hidden": (32,), "activation": "relu", "lr": 1e-3, "weight_decay": 0.0},
    {"hidden": (32,), "activation": "relu", "lr": 1e-2, "weight_decay": 0.0},
    {"hidden": (64, 64), "activation": "relu", "lr": 1e-2, "weight_decay": 0.0},
    {"hidden": (64, 64), "activation": "tanh", "lr": 1e-2, "weight_decay": 1e-4},
]


def lecture_recipe(
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: str,
    epochs: int,
    folds: int = RECIPE_FOLDS,
    random_state: int = SEED,
) -> dict[str, Any]:
    """The course's network (64-64 ReLU, RMSprop lr 1e-3, batch 16) judged by k-fold MAE.

    Returns the validation MAE and RMSE (GeV) of each fold, their mean and spread, and the
    network refit on all of ``X`` (key ``"model"``).
    """
    maes, rmses = [], []
    for tr, va in KFold(folds, shuffle=True, random_state=random_state).split(X):
        model = _recipe_model(loss, epochs, random_state).fit(X[tr], y[tr])
        pred = np.asarray(model.predict(X[va]), dtype=np.float64)
        maes.append(float(np.mean(np.abs(pred - y[va]))))
        rmses.append(_rmse(y[va], pred))
    return {
        "fold_mae": maes,
        "cv_mae": float(np.mean(maes)),
        "cv_mae_std": float(np.std(maes, ddof=1)),
        "fold_rmse": rmses,
        "cv_rmse": float(np.mean(rmses)),
        "cv_rmse_std": float(np.std(rmses, ddof=1)),
        "model": _recipe_model(loss, epochs, random_state).fit(X, y),
    }


def _recipe_model(loss: str, epochs: int, random_state: int) -> TransformedTargetRegressor:
    return make_model(
        epochs=epochs,
        random_state=random_state,
        hidden=(64, 64),
        activation="relu",
        optimizer="rmsprop",
        lr=1e-3,
        batch_size=16,
        loss=loss,
    )


@dataclass
class RegressionTuningAnswers(Answers):
    """Every number of the lab; RMSE and MAE in GeV, ``_err`` their standard errors.

    ``recipe`` holds, per loss (``"mse"``, ``"mae"``), the lecture network's k-fold scores
    and its test RMSE/MAE; ``recipe_rmse_winner``/``recipe_mae_winner`` say which loss gave
    the smaller test RMSE/MAE beyond 2 standard errors of the paired difference (or neither).
    """

    source: str
    n_train: int
    n_val: int
    n_test: int
    epochs: int
    cv_folds: int
    rmse_mean: float
    rmse_linear: float
    hand: list[dict[str, Any]]
    hand_best: int
    rmse_hand: float
    rmse_hand_err: float
    search: list[dict[str, Any]]
    best_params: dict[str, Any]
    best_cv_rmse: float
    rmse_best: float
    rmse_best_err: float
    tuning_difference: tuple[float, float]
    better_tuning: str
    hand_choice_cv_rank: int | None
    recipe: dict[str, dict[str, Any]]
    recipe_rmse_winner: str
    recipe_mae_winner: str
    y_test: np.ndarray = figure_data(default=None)
    best_prediction: np.ndarray = figure_data(default=None)


def _hand(
    X_tr: np.ndarray, y_tr: np.ndarray, X_val: np.ndarray, y_val: np.ndarray, epochs: int
) -> tuple[list[dict[str, Any]], list[Any]]:
    hand, models = [], []
    for setting in HAND_SETTINGS:
        model = make_model(epochs=epochs, random_state=SEED, **setting).fit(X_tr, y_tr)
        hand.append({"params": setting, "val_rmse": _rmse(y_val, model.predict(X_val))})
        models.append(model)
    return hand, models


def _search(X_tr: np.ndarray, y_tr: np.ndarray, quick: bool, epochs: int, folds: int) -> Any:
    """GridSearchCV over :func:`grid`, scored by RMSE in GeV (sklearn maximises: minus)."""
    search = GridSearchCV(
        make_model(epochs=epochs, random_state=SEED),
        grid(quick),
        scoring="neg_root_mean_squared_error",
        cv=KFold(folds, shuffle=True, random_state=SEED),
        n_jobs=1,
        refit=True,
    )
    return search.fit(X_tr, y_tr)


def _search_rows(search: Any) -> list[dict[str, Any]]:
    cv = search.cv_results_
    rows = [
        {
            "params": _short(params),
            "cv_rmse": float(-cv["mean_test_score"][i]),
            "cv_rmse_std": float(cv["std_test_score"][i]),
            "rank": int(cv["rank_test_score"][i]),
        }
        for i, params in enumerate(cv["params"])
    ]
    return sorted(rows, key=lambda r: r["rank"])


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> RegressionTuningAnswers:
    """Baselines, hand tuning, grid search and the lecture's recipe, all on one split.

    ``quick``: a 4-point grid, 2 folds and few epochs. ``options``: ``data``, ``rows``.
    """
    ds, source = load(quick, **options)
    con = lab_console(console)
    # train (fit and cross-validate), validation (hand tuning), test (the final number only)
    train, val, test = ds.split(val=0.2, test=0.2, random_state=SEED)
    X_tr, X_val, X_te = train.X, val.X, test.X
    y_tr, y_val, y_te = (np.asarray(d.y, dtype=np.float64) for d in (train, val, test))
    epochs, folds = (15, 2) if quick else (40, 3)
    con.rule("regression-tuning: the dielectron mass M from pT, η, φ")
    con.print(
        f"{ds.n_events} events from {source}: {train.n_events} train, {val.n_events} "
        f"validation, {test.n_events} test; M spread (std) {y_tr.std():.2f} GeV",
        markup=False,
    )
    linear = LinearRegression().fit(X_tr, y_tr)
    with torch_threads(1), lab_progress(con, "hand tuning, grid search, lecture recipe") as bar:
        task = bar.add_task("hand tuning (4 networks)", total=4)
        hand, hand_models = _hand(X_tr, y_tr, X_val, y_val, epochs)
        bar.update(task, advance=1, description=f"GridSearchCV ({folds}-fold)")
        search = _search(X_tr, y_tr, quick, epochs, folds)
        recipe: dict[str, dict[str, Any]] = {}
        for loss in ("mse", "mae"):
            bar.update(task, advance=1, description=f"lecture recipe, loss {loss}")
            recipe[loss] = lecture_recipe(X_tr, y_tr, loss=loss, epochs=epochs)
        bar.advance(task)
    best_hand = int(np.argmin([h["val_rmse"] for h in hand]))
    hand_pred = np.asarray(hand_models[best_hand].predict(X_te), dtype=np.float64)
    pred = np.asarray(search.predict(X_te), dtype=np.float64)
    rows = _search_rows(search)
    preds = {}
    for loss, r in recipe.items():
        preds[loss] = np.asarray(r.pop("model").predict(X_te), dtype=np.float64)
        ae = np.abs(preds[loss] - y_te)
        r.update(
            test_rmse=_rmse(y_te, preds[loss]),
            test_rmse_err=_rmse_err(y_te, preds[loss]),
            test_mae=float(ae.mean()),
            test_mae_err=float(ae.std(ddof=1) / np.sqrt(ae.size)),
        )
    tuning = _paired(y_te, pred, hand_pred, "sq")
    return RegressionTuningAnswers(
        source=source,
        n_train=train.n_events,
        n_val=val.n_events,
        n_test=test.n_events,
        epochs=epochs,
        cv_folds=folds,
        rmse_mean=_rmse(y_te, np.full_like(y_te, y_tr.mean())),
        rmse_linear=_rmse(y_te, linear.predict(X_te)),
        hand=hand,
        hand_best=best_hand,
        rmse_hand=_rmse(y_te, hand_pred),
        rmse_hand_err=_rmse_err(y_te, hand_pred),
        search=rows,
        best_params=_short(search.best_params_),
        best_cv_rmse=float(-search.best_score_),
        rmse_best=_rmse(y_te, pred),
        rmse_best_err=_rmse_err(y_te, pred),
        tuning_difference=tuning,
        better_tuning=_which(tuning, "grid search", "hand tuning"),
        hand_choice_cv_rank=next(
            (r["rank"] for r in rows if r["params"] == HAND_SETTINGS[best_hand]), None
        ),
        recipe=recipe,
        recipe_rmse_winner=_which(_paired(y_te, preds["mse"], preds["mae"], "sq"), "mse", "mae"),
        recipe_mae_winner=_which(_paired(y_te, preds["mse"], preds["mae"], "abs"), "mse", "mae"),
        y_test=y_te,
        best_prediction=pred,
    )


def _print_hand_and_search(a: RegressionTuningAnswers, con: Console) -> None:
    con.rule("1. By hand (validation RMSE)")
    table = Table("#", "hidden", "activation", "lr", "weight_decay", "val RMSE [GeV]")
    for i, h in enumerate(a.hand):
        s = h["params"]
        table.add_row(
            str(i),
            str(s["hidden"]),
            s["activation"],
            f"{s['lr']:g}",
            f"{s['weight_decay']:g}",
            f"{h['val_rmse']:.3f}",
        )
    con.print(table)
    con.print(f"best by hand: #{a.hand_best} {a.hand[a.hand_best]['params']}", markup=False)
    con.rule(f"2. GridSearchCV ({a.cv_folds}-fold)")
    table = Table("rank", "hidden", "activation", "lr", "weight_decay", "CV RMSE [GeV]")
    for r in a.search:
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
    con.print(f"best parameters: {a.best_params}", markup=False)


def _print_test(a: RegressionTuningAnswers, con: Console) -> None:
    con.rule(f"3. Test RMSE on {a.n_test} untouched events")
    table = Table("model", "test RMSE [GeV]")
    table.add_row("predict the training mean", f"{a.rmse_mean:.3f}")
    table.add_row("linear regression", f"{a.rmse_linear:.3f}")
    table.add_row("MLP tuned by hand", f"{a.rmse_hand:.3f} ± {a.rmse_hand_err:.3f}")
    table.add_row("MLP tuned by GridSearchCV", f"{a.rmse_best:.3f} ± {a.rmse_best_err:.3f}")
    con.print(table)
    where = (
        f"cross-validation ranked the hand-picked setting {a.hand_choice_cv_rank} of "
        f"{len(a.search)}"
        if a.hand_choice_cv_rank is not None
        else "the hand-picked setting is not in the grid"
    )
    d, err = a.tuning_difference
    con.print(
        f"Which tuning did better on the test events? {a.better_tuning} (mean squared error, "
        f"grid minus hand: {d:+.2f} ± {err:.2f} GeV², paired on the same events). Hand tuning "
        f"chose on one validation set (its winner may be lucky); the grid chose by "
        f"{a.cv_folds}-fold cross-validation, each fold training on only "
        f"{a.cv_folds - 1}/{a.cv_folds} of the training events; {where}. The ± is each "
        f"RMSE's statistical error on these {a.n_test} test events.",
        markup=False,
    )
    con.print(
        f"The grid-searched network has {a.rmse_best / a.rmse_mean:.0%} of the mean "
        f"baseline's RMSE and {a.rmse_best / a.rmse_linear:.0%} of the linear one's: "
        "the mass is a non-linear function of the inputs (a square root of products and "
        "cosh/cos of differences), which no straight line captures.",
        markup=False,
    )


def own_metric_sentence(rmse_winner: str, mae_winner: str) -> str:
    """Which half of "each loss wins on its own metric" the test events show.

    Parameters
    ----------
    rmse_winner, mae_winner : str
        ``recipe_rmse_winner`` and ``recipe_mae_winner``: ``"mse"`` or ``"mae"`` when that
        loss is better beyond 2 standard errors, anything else for a tie.
    """
    names = {"mse": "the squared-error loss", "mae": "the absolute-error loss"}
    held: list[str] = []
    other: list[str] = []
    for metric, winner, own in (("RMSE", rmse_winner, "mse"), ("MAE", mae_winner, "mae")):
        if winner == own:
            held.append(f"{names[own]} wins on {metric}")
        elif winner in names:
            other.append(f"{names[winner]} wins on {metric}, against the expectation")
        else:
            other.append(f"neither wins on {metric} (within 2 standard errors)")
    if len(held) == 2:
        return "here it does."
    if len(held) == 1:
        return f"here half of it holds: {held[0]}, but {other[0]}."
    if all(p.startswith("neither") for p in other):
        return "on these test events, after this much training, that does not show."
    return f"here it does not hold: {other[0]}; {other[1]}."


def _print_recipe(a: RegressionTuningAnswers, con: Console) -> None:
    con.rule(f"4. The lecture's recipe: 64-64 ReLU, RMSprop, {RECIPE_FOLDS}-fold validation")
    table = Table(
        "loss", f"{RECIPE_FOLDS}-fold val MAE [GeV]", f"{RECIPE_FOLDS}-fold val RMSE [GeV]",
        "test MAE [GeV]", "test RMSE [GeV]",
    )  # fmt: skip
    names = {"mse": "squared error (mse)", "mae": "absolute error (mae)"}
    for loss, r in a.recipe.items():
        table.add_row(
            names[loss],
            f"{r['cv_mae']:.3f} ± {r['cv_mae_std']:.3f}",
            f"{r['cv_rmse']:.3f} ± {r['cv_rmse_std']:.3f}",
            f"{r['test_mae']:.3f} ± {r['test_mae_err']:.3f}",
            f"{r['test_rmse']:.3f} ± {r['test_rmse_err']:.3f}",
        )
    con.print(table)

    def who(winner: str, metric: str) -> str:
        # _which names a loss only beyond 2 standard errors; otherwise it is a tie
        if winner in ("mse", "mae"):
            return f"the smaller test {metric} comes from {winner} (beyond 2 standard errors)"
        return f"neither loss gives a smaller test {metric} (within 2 standard errors)"

    con.print(
        f"Another loss: {who(a.recipe_rmse_winner, 'RMSE')}; "
        f"{who(a.recipe_mae_winner, 'MAE')}. "
        "The squared error is minimised by the conditional mean, the absolute error by the "
        "conditional median (lab loss-functions), so with enough training each loss should "
        "win on its own metric; "
        + own_metric_sentence(a.recipe_rmse_winner, a.recipe_mae_winner)
        + " (± on k-fold numbers: spread over the folds.)",
        markup=False,
    )


def render(
    answers: RegressionTuningAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the tables and verdicts; write ``predicted_vs_true.png`` into ``out``."""
    con = lab_console(console)
    result = LabResult(NAME, answers=answers.as_dict())
    _print_hand_and_search(answers, con)
    _print_test(answers, con)
    _print_recipe(answers, con)
    figs = Figures(out, result, con)
    fig, ax = plt.subplots(figsize=(6, 5))
    plot_predicted_vs_true(
        answers.y_test, answers.best_prediction, ax=ax, bins=40, label="M", unit="GeV"
    )
    ax.set_title("GridSearchCV's best network, test events")
    figs.save(fig, "predicted_vs_true")
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
        "## The events\nThe CMS dielectron sample if you give it, else generated Z/γ* → ee. "
        "Target: the pair mass M (GeV); inputs: pT, η, φ of both electrons.",
        "import numpy as np\nfrom neyman.labs import regression_tuning as rt\n\n"
        "ds, source = rt.load(quick=True)\nprint(ds.n_events, 'events from', source)\n"
        "train, val, test = ds.split(val=0.2, test=0.2, random_state=rt.SEED)",
    ),
    (
        "## 1. Tune by hand on a validation set",
        "for setting in rt.HAND_SETTINGS:\n"
        "    model = rt.make_model(epochs=15, random_state=rt.SEED, **setting).fit(train.X, train.y)\n"
        "    rmse = np.sqrt(np.mean((model.predict(val.X) - val.y) ** 2))\n"
        "    print(setting, f'validation RMSE {rmse:.2f} GeV')",
    ),
    (
        "## 2. GridSearchCV: the same question, by k-fold cross-validation",
        "from sklearn.model_selection import GridSearchCV, KFold\n\n"
        "search = GridSearchCV(rt.make_model(epochs=15, random_state=rt.SEED), rt.grid(quick=True),\n"
        "                      scoring='neg_root_mean_squared_error', cv=KFold(2, shuffle=True, random_state=0))\n"
        "search.fit(train.X, train.y)\nprint(search.best_params_, -search.best_score_)",
    ),
    (
        "## 3. The lecture's recipe and another loss\n64-64 ReLU, RMSprop, 4-fold validation "
        "MAE; once with the squared error, once with the absolute error.",
        "for loss in ('mse', 'mae'):\n"
        "    r = rt.lecture_recipe(train.X, np.asarray(train.y, float), loss=loss, epochs=15)\n"
        "    print(loss, f\"4-fold MAE {r['cv_mae']:.2f} ± {r['cv_mae_std']:.2f} GeV\")",
    ),
    (
        "## The whole lab in one call",
        "from pathlib import Path\n\n"
        "result = rt.run(quick=True, out=Path('regression-tuning-figures'))",
    ),
)
