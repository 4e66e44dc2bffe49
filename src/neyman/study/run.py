"""Running a study: data -> methods -> evaluation -> plots -> report directory.

This is the one place that wires neyman's layers together. Every method trains on the same
training events (standardised with a :class:`~neyman.data.Standardizer` fit on them only) and
is judged on the same test events; where the data carry the true likelihood ratio, every
method is compared with the Neyman-Pearson optimum.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import neyman
from neyman.data import Dataset, DatasetSplit, Standardizer
from neyman.data.cache import cached_read_table
from neyman.errors import ConfigError, DataError, ModelError
from neyman.study.config import SourceConfig, StudyConfig, load_config, parse_config

__all__ = ["MethodResult", "Study", "StudyResult", "apply_model", "score_of"]

PREPROCESSING = "preprocessing.json"


@dataclass
class MethodResult:
    """What one method achieved on the test events."""

    name: str
    model: str
    auc: float
    auc_low: float | None
    auc_high: float | None
    rejection: dict[float, float]
    auc_gap: float | None
    rejection_ratio: dict[float, float] | None
    overtraining_pvalues: dict[str, float]
    overtrained: bool
    fit_seconds: float
    predict_seconds: float
    roc: Any = field(repr=False)
    overtraining: Any = field(repr=False)
    history: dict[str, list[float]] | None = field(default=None, repr=False)
    importance: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for ``metrics.json``."""
        return {
            "permutation_importance": self.importance,
            "name": self.name,
            "model": self.model,
            "auc": self.auc,
            "auc_ci": None if self.auc_low is None else [self.auc_low, self.auc_high],
            "rejection": {str(k): v for k, v in self.rejection.items()},
            "auc_gap_to_optimum": self.auc_gap,
            "rejection_ratio_to_optimum": None
            if self.rejection_ratio is None
            else {str(k): v for k, v in self.rejection_ratio.items()},
            "overtraining": self.overtraining.to_dict(),
            "fit_seconds": self.fit_seconds,
            "predict_seconds": self.predict_seconds,
        }


@dataclass
class StudyResult:
    """All methods' results, the optimum (when known) and where the report was written."""

    name: str
    methods: list[MethodResult]
    optimum_auc: float | None
    optimum_rejection: dict[float, float] | None
    optimum_roc: Any
    efficiencies: list[float]
    out: Path
    info: dict[str, Any]

    def ranked(self) -> list[MethodResult]:
        """Methods from best to worst AUC."""
        return sorted(self.methods, key=lambda m: -m.auc)

    def table(self) -> Table:
        """A rich table of the ranking: AUC, rejection at each efficiency, gap to optimum."""
        t = Table(
            title=f"{self.name}\nranked by test AUC; R@ε = background rejection 1/εB at signal efficiency ε",
            title_justify="left",
        )
        t.add_column("method", no_wrap=True)
        t.add_column("AUC", justify="right", no_wrap=True)
        t.add_column("±", justify="right", no_wrap=True)
        for eff in self.efficiencies:
            t.add_column(f"R@{eff:g}", justify="right")
        if self.optimum_auc is not None:
            t.add_column("gap", justify="right")
        t.add_column("KS", justify="center")
        t.add_column("fit s", justify="right", no_wrap=True)
        for m in self.ranked():
            err = (
                ""
                if m.auc_low is None or m.auc_high is None
                else f"{(m.auc_high - m.auc_low) / 2:.3f}"
            )
            row = [m.name, f"{m.auc:.4f}", err]
            row += [f"{m.rejection[e]:.3g}" for e in self.efficiencies]
            if self.optimum_auc is not None:
                row.append(f"{m.auc_gap:.4f}")
            row += ["flag" if m.overtrained else "ok", f"{m.fit_seconds:.1f}"]
            t.add_row(*row)
        if self.optimum_auc is not None and self.optimum_rejection is not None:
            row = ["optimum", f"{self.optimum_auc:.4f}", ""]
            row += [f"{self.optimum_rejection[e]:.3g}" for e in self.efficiencies]
            row += ["0", "", ""]
            t.add_row(*row, style="bold")
        return t


def score_of(model: Any, X: np.ndarray) -> np.ndarray:
    """The signal score of a fitted binary classifier: P(signal) or its decision function."""
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(X))
        classes = list(getattr(model, "classes_", [0, 1]))
        col = classes.index(1) if 1 in classes else proba.shape[1] - 1
        return proba[:, col].astype(np.float64)
    return np.asarray(model.decision_function(X), dtype=np.float64)


def _model_class(name: str) -> Any:
    import neyman.models as models

    cls = getattr(models, name, None)
    if cls is None:
        msg = f"model class '{name}' is not in neyman.models"
        raise ConfigError(msg)
    return cls


class Study:
    """A declared comparison of methods (see :mod:`neyman.study.config`).

    Examples
    --------
    >>> study = Study.from_dict({
    ...     "data": {"builtin": "gaussian_mixture", "builtin_options": {"d": 2, "n": 500}},
    ...     "methods": [{"name": "fisher", "model": "fisher"}],
    ... })
    >>> study.config.methods[0].class_name
    'FisherDiscriminant'
    """

    def __init__(self, config: StudyConfig) -> None:
        self.config = config

    @classmethod
    def from_yaml(cls, path: Path) -> Study:
        """Read a YAML config (relative file paths are relative to the config's folder)."""
        return cls(load_config(path))

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Study:
        """Validate a config given as a mapping."""
        return cls(parse_config(doc))

    # ------------------------------------------------------------------ data
    def _read_source(self, src: SourceConfig, columns: list[str], use_cache: bool) -> pd.DataFrame:
        where = " and ".join(
            f"({s})" for s in (self.config.data.selection, src.selection) if s is not None
        )
        df = cached_read_table(
            src.path, columns, tree=src.tree, where=where or None, use_cache=use_cache
        )
        if len(df) == 0:
            sel = f" after selection '{where}'" if where else ""
            msg = f"{src.path}: 0 events{sel}; loosen the selection or check the file"
            raise DataError(msg)
        return df

    def load_data(self, *, use_cache: bool = True) -> Dataset:
        """Build the labelled Dataset the config declares."""
        d = self.config.data
        if d.builtin is not None:
            from neyman.datasets import load_dataset

            ds = load_dataset(d.builtin, **d.builtin_options)
            return ds if d.features is None else ds.select(d.features)
        assert d.features is not None  # checked by the config
        columns = list(d.features) + ([d.weight] if d.weight else [])
        if d.file is not None:
            df = self._read_source(d.file, [*columns, d.label], use_cache)
            ds = Dataset.from_frame(df, features=d.features, target=d.label, weight=d.weight)
        else:
            assert d.signal is not None and d.background is not None
            sig = self._read_source(d.signal, columns, use_cache)
            bkg = self._read_source(d.background, columns, use_cache)
            ds = Dataset.from_sources(
                signal=sig, background=bkg, features=d.features, weight=d.weight
            )
        ds.name = self.config.name
        ds.require_classes(2)
        return ds

    # ------------------------------------------------------------------ run
    def run(
        self, out: Path, *, console: Console | None = None, use_cache: bool = True
    ) -> StudyResult:
        """Train and evaluate every method; write ``out/index.html``, ``metrics.json``,
        ``models/<name>/`` and ``plots/``. Returns the results."""
        from neyman.study.report import write_report

        cfg = self.config
        console = console or Console(highlight=False)
        t_start = time.perf_counter()
        ds = self.load_data(use_cache=use_cache)
        ds = ds.check_finite()
        parts = ds.split(
            val=cfg.split.val, test=cfg.split.test, random_state=cfg.split.random_state
        )
        scaler = Standardizer().fit(parts.train)
        scaled = DatasetSplit(*(scaler.transform(p) for p in parts))
        console.print(
            f"[bold]{cfg.name}[/]: {ds.n_events} events, {ds.n_features} features; "
            f"train {parts.train.n_events}, val {parts.val.n_events}, test {parts.test.n_events}"
        )
        out.mkdir(parents=True, exist_ok=True)
        results: list[MethodResult] = []
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} methods"),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        with progress:
            task = progress.add_task("training", total=len(cfg.methods))
            for m in cfg.methods:
                progress.update(task, description=f"training {m.name}")
                results.append(self._run_method(m, scaled, scaler, out, console))
                progress.advance(task)
        optimum_auc = optimum_rej = optimum_roc = None
        effs = list(cfg.evaluation.efficiencies)
        test = scaled.test
        if test.truth is not None:
            from neyman.evaluate import auc, rejection_at, roc_curve

            assert test.y is not None
            optimum_roc = roc_curve(test.y, test.truth, test.weight)
            optimum_auc = float(auc(test.y, test.truth, test.weight))
            rej = rejection_at(optimum_roc, efficiency=effs)
            optimum_rej = {e: float(r) for e, r in zip(effs, rej, strict=True)}
        info = _run_info(cfg, time.perf_counter() - t_start)
        result = StudyResult(
            cfg.name, results, optimum_auc, optimum_rej, optimum_roc, effs, out, info
        )
        write_report(result, cfg, ds)
        console.print(result.table())
        console.print(f"report: {out / 'index.html'}")
        return result

    def _run_method(
        self,
        m: Any,
        parts: DatasetSplit,
        scaler: Standardizer,
        out: Path,
        console: Console,
    ) -> MethodResult:
        from neyman.evaluate import (
            auc,
            optimality_gap,
            overtraining_check,
            permutation_importance,
            rejection_at,
            roc_curve,
        )

        cfg = self.config
        train, val, test = parts
        if m.features is not None:
            train, val, test = (p.select(m.features) for p in (train, val, test))
        cls = _model_class(m.class_name)
        params = dict(m.params)
        if "random_state" in cls().get_params() and "random_state" not in params:
            params["random_state"] = cfg.random_state
        try:
            model = cls(**params)
        except TypeError as exc:
            msg = f"method '{m.name}': {exc}"
            raise ConfigError(msg) from None
        fit_kw: dict[str, Any] = {"sample_weight": train.weight}
        if val.n_events and _accepts(model.fit, "validation_data"):
            fit_kw["validation_data"] = (val.X, val.y)
        t0 = time.perf_counter()
        try:
            model.fit(train.X, train.y, **fit_kw)
        except TypeError:
            fit_kw.pop("sample_weight")
            model.fit(train.X, train.y, **fit_kw)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        s_test = score_of(model, test.X)
        pred_s = time.perf_counter() - t0
        s_train = score_of(model, train.X)
        assert test.y is not None and train.y is not None
        effs = list(cfg.evaluation.efficiencies)
        roc = roc_curve(test.y, s_test, test.weight)
        if cfg.evaluation.bootstrap:
            ci = auc(
                test.y,
                s_test,
                test.weight,
                ci=0.68,
                n_bootstrap=cfg.evaluation.bootstrap,
                random_state=cfg.random_state,
            )
            value, lo, hi = float(ci.value), float(ci.low), float(ci.high)
        else:
            value, lo, hi = float(auc(test.y, s_test, test.weight)), None, None
        rej = rejection_at(roc, efficiency=effs)
        gap = ratio = None
        if test.truth is not None:
            g = optimality_gap(test.y, s_test, test.truth, test.weight, efficiencies=effs)
            gap = float(g.auc_gap)
            ratio = {e: float(r) for e, r in zip(effs, g.rejection_ratio, strict=True)}
        ot = overtraining_check(
            s_train,
            train.y,
            s_test,
            test.y,
            weight_train=train.weight,
            weight_test=test.weight,
            p_threshold=cfg.evaluation.overtraining_p,
        )
        mdir = out / "models" / m.name
        model.save(mdir)
        assert scaler.mean_ is not None and scaler.scale_ is not None
        assert train.feature_names is not None and parts.train.feature_names is not None
        idx = [parts.train.feature_names.index(f) for f in train.feature_names]
        (mdir / PREPROCESSING).write_text(
            json.dumps(
                {
                    "features": train.feature_names,
                    "mean": [float(scaler.mean_[i]) for i in idx],
                    "scale": [float(scaler.scale_[i]) for i in idx],
                },
                indent=2,
            )
        )
        history = getattr(model, "history_", None)
        # variable ranking: the AUC lost when one feature is shuffled on the test events
        imp = permutation_importance(
            lambda X: score_of(model, X),
            test.X,
            test.y,
            sample_weight=test.weight,
            n_repeats=3,
            random_state=cfg.random_state,
            feature_names=test.feature_names,
        )
        importance = {
            str(f): float(v) for f, v in zip(imp.feature_names, imp.importances_mean, strict=True)
        }
        return MethodResult(
            importance=importance,
            name=m.name,
            model=m.class_name,
            auc=value,
            auc_low=lo,
            auc_high=hi,
            rejection={e: float(r) for e, r in zip(effs, rej, strict=True)},
            auc_gap=gap,
            rejection_ratio=ratio,
            overtraining_pvalues=dict(ot.ks_pvalue),
            overtrained=bool(ot.flagged),
            fit_seconds=fit_s,
            predict_seconds=pred_s,
            roc=roc,
            overtraining=ot,
            history=history if isinstance(history, dict) and history else None,
        )


def _accepts(fn: Any, name: str) -> bool:
    import inspect

    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _run_info(cfg: StudyConfig, seconds: float) -> dict[str, Any]:
    import sklearn
    import torch
    import xgboost

    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": {
            "neyman": neyman.__version__,
            "numpy": np.__version__,
            "torch": torch.__version__,
            "xgboost": xgboost.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "random_state": cfg.random_state,
        "split_random_state": cfg.split.random_state,
        "seconds": seconds,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def apply_model(
    model_dir: Path,
    events: Path,
    output: Path,
    *,
    tree: str | None = None,
    column: str = "score",
) -> Path:
    """Add a saved model's signal score as a column to every event of a file.

    The model directory is one a study wrote (``models/<name>/`` with ``preprocessing.json``)
    or any saved neyman model. Files lacking the model's features are refused, naming them.
    """
    from neyman.data.io import read_table, write_table
    from neyman.models import load

    if not model_dir.is_dir():
        msg = f"model directory not found: {model_dir}; give a folder such as out/models/bdt"
        raise ModelError(msg)
    model = load(model_dir)
    pre_path = model_dir / PREPROCESSING
    if pre_path.is_file():
        pre = json.loads(pre_path.read_text())
        features = [str(f) for f in pre["features"]]
        mean, scale = np.asarray(pre["mean"]), np.asarray(pre["scale"])
    else:
        names = getattr(model, "feature_names_in_", None)
        if names is None:
            msg = f"{model_dir} does not record its feature names; save it from a study or fit on a DataFrame"
            raise ModelError(msg)
        features = [str(f) for f in names]
        mean, scale = np.zeros(len(features)), np.ones(len(features))
    df = read_table(events, tree=tree)
    missing = [f for f in features if f not in df.columns]
    if missing:
        msg = (
            f"{events} lacks the model's features {', '.join(missing)} "
            f"(model {model_dir} needs: {', '.join(features)})"
        )
        raise DataError(msg)
    X = ((df[features].to_numpy(np.float64) - mean) / scale).astype(np.float32)
    bad = ~np.isfinite(X).all(axis=1)
    if bad.any():
        msg = f"{events}: {int(bad.sum())} events have NaN/inf in the model's features; clean them first"
        raise DataError(msg)
    out = df.copy()
    if column in out.columns:
        msg = f"{events} already has a column '{column}'; choose another with --column"
        raise DataError(msg)
    out[column] = score_of(model, X)
    return write_table(out, output)
