"""Lab — gamma-hadron: a full method comparison on real telescope data.

The MAGIC Cherenkov telescope records the image of each air shower on its camera; ten Hillas
parameters describe the image (length, width, size, asymmetry, alpha, distance, ...). Gamma
showers (the signal, 12,332 simulated events) must be told from hadron showers (the
background, 6,688 events).

1. Train rectangular cuts, a Fisher discriminant, k nearest neighbours, a boosted decision
   tree (XGBoost) and a neural network (neyman's MLP, and scikit-learn's MLPClassifier with
   the same hidden layers and its default settings) on the same training events.
2. Compare them on the held-out events: ROC curves, AUC, and the hadron acceptance
   (background efficiency) at gamma efficiencies of 0.5, 0.7 and 0.9.
3. Check each method for overtraining (train-versus-test score distributions, KS test).
4. Rank the input variables by permutation importance for the best method.
5. Cross-validate: the 5-fold AUC (mean and spread) of every method. Two methods differ
   when the mean of their per-fold AUC differences is beyond 2 standard errors.

Data: ``magic04.data`` from the UCI repository (``--data PATH``; see
``https://archive.ics.uci.edu/dataset/159/magic+gamma+telescope``).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neyman.data import Dataset
from neyman.datasets import magic
from neyman.evaluate import (
    OvertrainingReport,
    RocCurve,
    overtraining_check,
    permutation_importance,
    roc_curve,
)
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
from neyman.models import (
    BDTClassifier,
    FisherDiscriminant,
    KNNClassifier,
    MLPClassifier,
    RectangularCuts,
)
from neyman.plot import plot_rejection, plot_roc, plot_scores
from neyman.train import torch_threads

__all__ = [
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "SUMMARY",
    "GammaHadronAnswers",
    "compare_folds",
    "compute",
    "cross_validate",
    "load",
    "make_methods",
    "render",
    "run",
]

NAME = "gamma-hadron"
SUMMARY = (
    "MAGIC gamma/hadron separation: cuts, Fisher, kNN, BDT, MLP (neyman and scikit-learn); "
    "ROC, hadron acceptance, overtraining, variable ranking, 5-fold CV AUC"
)

OPTIONS: tuple[Option, ...] = (
    Option(
        "data",
        Path,
        None,
        "magic04.data (UCI) or its folder; default: the cache, else a checked download",
    ),
)
#: gamma (signal) efficiencies at which the hadron acceptance is quoted
GAMMA_EFFICIENCIES = (0.5, 0.7, 0.9)
#: hidden layers of both neural networks (the comparison uses the same architecture)
HIDDEN = (64, 64)


def make_methods(*, quick: bool, random_state: int = 0) -> dict[str, Any]:
    """The compared classifiers, fresh (unfitted), by display name.

    Full settings are the tuned ones: XGBoost with 800 trees of depth 7, learning rate 0.05
    and 80 % row subsampling; neyman's MLP with a plateau learning-rate schedule and early
    stopping on 10 % of the training events. Quick settings keep every method but train far
    less (few trees, few epochs).
    """
    n_trees, depth = (40, 3) if quick else (800, 7)
    epochs = 6 if quick else 150
    return {
        "Cuts": RectangularCuts(n_quantiles=10 if quick else 40, max_iter=3 if quick else 10),
        "Fisher": FisherDiscriminant(),
        "kNN": KNNClassifier(n_neighbors=30 if quick else 50),
        "BDT": BDTClassifier(
            n_estimators=n_trees,
            max_depth=depth,
            learning_rate=0.1 if quick else 0.05,
            subsample=0.8,
            random_state=random_state,
            n_jobs=1,
        ),
        # neural networks need standardised inputs: the scaler is fitted on training folds only
        "MLP (neyman)": make_pipeline(
            StandardScaler(),
            MLPClassifier(
                hidden=HIDDEN,
                lr=2e-3,
                batch_size=256 if quick else 128,
                epochs=epochs,
                lr_schedule="plateau",
                lr_patience=5,
                early_stopping=not quick,
                patience=15,
                random_state=random_state,
                verbose=0,
            ),
        ),
        # scikit-learn's defaults (adam, lr 1e-3, batch 200, 200 iterations), same hidden sizes
        "MLP (sklearn)": make_pipeline(
            StandardScaler(),
            SklearnMLPClassifier(
                hidden_layer_sizes=HIDDEN, random_state=random_state, **_sk_quick(quick)
            ),
        ),
    }


def _sk_quick(quick: bool) -> dict[str, Any]:
    # quick mode stops scikit-learn's MLP early enough to fit the lab's time budget; its
    # ConvergenceWarning is then expected, so tolerance is loosened to avoid it
    return {"max_iter": 15, "tol": 1e-2, "n_iter_no_change": 2} if quick else {}


def _score(model: Any, X: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict_proba(X)[:, 1], dtype=np.float64)


def _labels(d: Dataset) -> np.ndarray:
    return np.asarray(d.y)


def load(quick: bool = False, **options: Any) -> Dataset:
    """The MAGIC events (a random 3,000 in quick mode; the file lists all gammas first)."""
    opts = resolve_options(NAME, OPTIONS, options)
    # magic() finds the file (a path or a folder), else the cache, else downloads it and
    # checks its sha256; without network it raises DataError naming the file and its URL
    ds = magic(opts["data"])
    if quick and ds.n_events > 3000:
        ds = ds.subset(np.sort(np.random.default_rng(1).choice(ds.n_events, 3000, replace=False)))
    return ds


def compare_folds(a: list[float], b: list[float]) -> tuple[float, float, str]:
    """Mean per-fold difference ``a - b``, its standard error, and the verdict.

    The folds share their events, so the per-fold differences cancel most of the fold-to-fold
    spread. Verdict: ``"better"``/``"worse"`` beyond 2 standard errors, else ``"compatible"``.
    """
    d = np.asarray(a) - np.asarray(b)
    mean, err = float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))
    verdict = "better" if mean > 2 * err else "worse" if mean < -2 * err else "compatible"
    return mean, err, verdict


@dataclass
class _Fold:
    """What the cross-validation keeps: per-method AUCs, training time, and fold 1's models."""

    cv_auc: dict[str, list[float]]
    seconds: dict[str, float]
    rocs: dict[str, RocCurve]
    reports: dict[str, OvertrainingReport]
    fitted: dict[str, Any]
    first_test: Dataset


def cross_validate(ds: Dataset, k: int, quick: bool, console: Console | None = None) -> _Fold:
    """Train every method on the same ``k`` folds; fold 1 also gives ROC and overtraining.

    Prints one line per fold (its AUCs) and a progress bar per method on a terminal.
    """
    con = lab_console(console)
    names = list(make_methods(quick=quick))
    got = _Fold({m: [] for m in names}, dict.fromkeys(names, 0.0), {}, {}, {}, ds)
    with lab_progress(con, f"{k} folds x {len(names)} methods") as bar:
        task = bar.add_task("cross-validation", total=k * len(names))
        for fold, (train, test) in enumerate(ds.kfold(k, random_state=0)):
            for name, model in make_methods(quick=quick).items():
                bar.update(task, description=f"fold {fold + 1}/{k}: {name}")
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    # scikit-learn's defaults stop at 200 iterations before its tolerance is
                    # met; that is the setting being compared, so the warning is expected
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    model.fit(train.X, _labels(train))
                got.seconds[name] += time.perf_counter() - t0
                s_test = _score(model, test.X)
                roc = roc_curve(_labels(test), s_test)
                got.cv_auc[name].append(roc.auc)
                if fold == 0:
                    got.rocs[name], got.fitted[name] = roc, model
                    got.reports[name] = overtraining_check(
                        _score(model, train.X), _labels(train), s_test, _labels(test)
                    )
                bar.advance(task)
            if fold == 0:
                got.first_test = test
            aucs = ", ".join(f"{m} {got.cv_auc[m][-1]:.4f}" for m in names)
            con.print(f"fold {fold + 1}/{k} done: AUC {aucs}", markup=False)
    return got


@dataclass
class GammaHadronAnswers(Answers):
    """Every number of the lab.

    ``auc``/``hadron_acceptance``/``overtraining_*`` come from fold 1's held-out events;
    ``cv_*`` from all folds; ``versus_best`` holds, per method, the mean per-fold AUC
    difference to the best method, its standard error and ``better/worse/compatible``;
    ``mlp_comparison`` the same for neyman's MLP against scikit-learn's.
    """

    n_events: int
    k: int
    auc: dict[str, float]
    hadron_acceptance: dict[str, dict[float, float]]
    overtraining_pvalue: dict[str, float]
    overtraining_flagged: dict[str, bool]
    cv_auc: dict[str, list[float]]
    cv_mean: dict[str, float]
    cv_std: dict[str, float]
    seconds: dict[str, float]
    best_method: str
    best_cv_auc: float
    versus_best: dict[str, tuple[float, float, str]]
    mlp_comparison: tuple[float, float, str]
    ranking: list[str]
    importance: dict[str, float]
    importance_std: dict[str, float]
    importance_repeats: int = 1  # permutations per feature (one: no spread to quote)
    rocs: dict[str, RocCurve] = figure_data(default_factory=dict)
    reports: dict[str, OvertrainingReport] = figure_data(default_factory=dict)


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> GammaHadronAnswers:
    """Cross-validate the six methods, check overtraining, rank the variables.

    ``quick``: 3,000 events, 2 folds and few trees/epochs. ``options``: ``data``.
    """
    ds = load(quick, **options)
    con = lab_console(console)
    k = 2 if quick else 5
    con.rule(f"{NAME}: MAGIC gammas (signal) vs hadrons, {ds.n_events} events, {k}-fold CV")
    # small networks train several times faster on one CPU thread than on many threads that
    # compete for a few cores; the previous setting is restored at the end
    with torch_threads(1):
        cv = cross_validate(ds, k, quick, con)
        names = list(cv.cv_auc)
        cv_mean = {m: float(np.mean(v)) for m, v in cv.cv_auc.items()}
        best = max(names, key=lambda m: cv_mean[m])
        con.print(f"… permutation importance of {best} on fold 1", markup=False)
        repeats = 1 if quick else 5
        model = cv.fitted[best]
        imp = permutation_importance(
            lambda X: _score(model, X),
            cv.first_test.X,
            _labels(cv.first_test),
            n_repeats=repeats,
            random_state=0,
            feature_names=ds.feature_names,
        )
    features = list(imp.feature_names)
    order = np.argsort(-imp.importances_mean)
    effs = list(GAMMA_EFFICIENCIES)
    return GammaHadronAnswers(
        n_events=ds.n_events,
        k=k,
        auc={m: cv.rocs[m].auc for m in names},
        hadron_acceptance={
            m: dict(zip(effs, map(float, cv.rocs[m].background_efficiency_at(effs)), strict=True))
            for m in names
        },
        overtraining_pvalue={m: min(cv.reports[m].ks_pvalue.values()) for m in names},
        overtraining_flagged={m: bool(cv.reports[m].flagged) for m in names},
        cv_auc=cv.cv_auc,
        cv_mean=cv_mean,
        cv_std={m: float(np.std(v, ddof=1)) for m, v in cv.cv_auc.items()},
        seconds=cv.seconds,
        best_method=best,
        best_cv_auc=cv_mean[best],
        versus_best={m: compare_folds(cv.cv_auc[m], cv.cv_auc[best]) for m in names if m != best},
        mlp_comparison=compare_folds(cv.cv_auc["MLP (neyman)"], cv.cv_auc["MLP (sklearn)"]),
        ranking=[features[i] for i in order],
        importance={features[i]: float(imp.importances_mean[i]) for i in order},
        importance_std={features[i]: float(imp.importances_std[i]) for i in order},
        importance_repeats=repeats,
        rocs=cv.rocs,
        reports=cv.reports,
    )


def _print_tables(a: GammaHadronAnswers, con: Console) -> None:
    names = list(a.auc)
    table = Table(title="Held-out events (fold 1): AUC and hadron acceptance eps_B")
    table.add_column("method")
    table.add_column("AUC", justify="right")
    for eff in GAMMA_EFFICIENCIES:
        table.add_column(f"eps_B @ eps_gamma={eff}", justify="right")
    for m in names:
        acc = a.hadron_acceptance[m]
        table.add_row(m, f"{a.auc[m]:.4f}", *(f"{acc[e]:.4f}" for e in GAMMA_EFFICIENCIES))
    con.print(table)
    # a method whose training scores differ from its test scores has learned features of
    # the training sample (KS p-value below the Sidak-corrected 5 %)
    table = Table(title="Overtraining check (train vs test score, KS test)")
    for col in ("method", "KS p (gamma)", "KS p (hadron)", "flagged"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for m in names:
        p = a.reports[m].ks_pvalue if a.reports else {"signal": np.nan, "background": np.nan}
        table.add_row(
            m, f"{p['signal']:.3g}", f"{p['background']:.3g}", str(a.overtraining_flagged[m])
        )
    con.print(table)
    table = Table(title=f"{a.k}-fold cross-validated AUC")
    for col in ("method", "mean AUC", "std", f"vs {a.best_method}", "train time / s"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for m in sorted(names, key=lambda m: -a.cv_mean[m]):
        vs = a.versus_best.get(m)
        cell = "best" if vs is None else f"{vs[0]:+.4f} ± {vs[1]:.4f} ({vs[2]})"
        table.add_row(m, f"{a.cv_mean[m]:.4f}", f"{a.cv_std[m]:.4f}", cell, f"{a.seconds[m]:.1f}")
    con.print(table)
    table = Table(title=f"Variable ranking ({a.best_method}, permutation importance on fold 1)")
    table.add_column("rank", justify="right")
    table.add_column("feature")
    if a.importance_repeats > 1:
        table.add_column(f"AUC drop (± spread of {a.importance_repeats})", justify="right")
    else:  # one permutation has no spread: a "± 0.0000" would claim an exact number
        table.add_column("AUC drop (1 permutation)", justify="right")
    for r, f in enumerate(a.ranking, 1):
        drop = f"{a.importance[f]:.4f}"
        if a.importance_repeats > 1:
            drop += f" ± {a.importance_std[f]:.4f}"
        table.add_row(str(r), f, drop)
    con.print(table)


#: the methods that cannot combine the inputs non-linearly
SIMPLE_METHODS = ("Cuts", "Fisher")


def _simple_methods_text(a: GammaHadronAnswers) -> str:
    """Whether cuts and Fisher leave the most hadrons, read off the eps_B table."""
    worst = {
        eff: sorted(a.hadron_acceptance, key=lambda m: -a.hadron_acceptance[m][eff])[:2]
        for eff in GAMMA_EFFICIENCIES
    }
    where = [e for e, w in worst.items() if set(w) == set(SIMPLE_METHODS)]
    if len(where) == len(worst):
        return (
            "Rectangular cuts and the linear Fisher discriminant leave the most hadrons at "
            "every gamma efficiency: the classes are separated by non-linear combinations of "
            "the image shape (fAlpha, fLength, fWidth), which the tree ensemble and the "
            "networks learn."
        )
    others = "; ".join(
        f"at eps_gamma = {e:g} the two highest eps_B are {' and '.join(w)}"
        for e, w in worst.items()
        if e not in where
    )
    lead = (
        f"Rectangular cuts and the linear Fisher discriminant leave the most hadrons at "
        f"eps_gamma = {', '.join(f'{e:g}' for e in where)} but not everywhere: "
        if where
        else "Rectangular cuts and the linear Fisher discriminant are not the two worst here: "
    )
    return lead + others + "."


def render(
    answers: GammaHadronAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the tables and the conclusion; write ROC, rejection and score figures to ``out``."""
    con = lab_console(console)
    result = LabResult(NAME, answers=answers.as_dict())
    _print_tables(answers, con)
    a = answers
    close = [m for m, v in a.versus_best.items() if v[2] == "compatible"]
    d, err, verdict = a.mlp_comparison
    con.print(
        f"Best: {a.best_method} with {a.k}-fold AUC {a.best_cv_auc:.4f}"
        + (f"; compatible with it within 2 standard errors: {', '.join(close)}" if close else "")
        + f". neyman's MLP is {verdict} "
        f"{'than' if verdict != 'compatible' else 'with'} scikit-learn's with the same hidden "
        f"layers {HIDDEN} (per-fold AUC difference {d:+.4f} ± {err:.4f}). "
        + _simple_methods_text(a),
        markup=False,
    )
    figs = Figures(out, result, con)
    for name, fig in (
        ("roc", plot_roc(a.rocs)),
        ("rejection", plot_rejection(a.rocs, reference="Fisher")),
    ):
        # six methods: the legend beside the axes, never over a curve
        for ax in fig.axes:
            if ax.get_legend() is not None:
                ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small")
        figs.save(fig, name)
    for m in ("BDT", "MLP (neyman)"):
        fig = plot_scores(a.reports[m], class_names=("gamma", "hadron"), xlabel=f"{m} score")
        figs.save(fig, "scores_" + m.split()[0].lower())
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
        "## The MAGIC events\nTen Hillas parameters per shower; gammas are the signal. Give "
        "`data='magic04.data'` if it is not in the cache.",
        "from pathlib import Path\nimport neyman\nfrom neyman.labs import gamma_hadron as gh\n\n"
        "# the course's copy beside the project (../shared/data), else the cache or a download\n"
        "shared = Path(neyman.__file__).resolve().parents[3] / 'shared' / 'data' / 'magic04.data'\n"
        "data = shared if shared.is_file() else None\n"
        "ds = gh.load(quick=True, data=data)\n"
        "print(ds.n_events, 'events;', ds.feature_names)",
    ),
    (
        "## 1. The methods\nCuts, Fisher, kNN, BDT and two MLPs with the same hidden layers.",
        "methods = gh.make_methods(quick=True)\nfor name, m in methods.items():\n"
        "    print(name, type(m).__name__)",
    ),
    (
        "## 2, 3, 5. Train on the same folds: AUC, overtraining, cross-validated AUC",
        "cv = gh.cross_validate(ds, k=2, quick=True)\n"
        "for m, aucs in cv.cv_auc.items():\n    print(f'{m:14s}', [round(a, 4) for a in aucs])",
    ),
    (
        "## Is the difference real?\nPer-fold differences and their standard error.",
        "d, err, verdict = gh.compare_folds(cv.cv_auc['MLP (neyman)'], cv.cv_auc['MLP (sklearn)'])\n"
        "print(f'neyman - sklearn: {d:+.4f} ± {err:.4f}: {verdict}')",
    ),
    (
        "## 4 and the figures: the whole lab in one call",
        "result = gh.run(quick=True, data=data, out=Path('gamma-hadron-figures'))",
    ),
)
