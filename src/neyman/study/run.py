"""Running a study: data -> methods -> evaluation -> plots -> report directory.

This is the one place that wires neyman's layers together. Every method trains on the same
training events (standardised with a :class:`~neyman.data.Standardizer` fit on them only) and
is judged on the same test events, all with the one weight policy of
:mod:`neyman.study.weights`; where the data carry the true likelihood ratio (built-in
problems, or ``data.truth`` for files), every method is compared with the Neyman-Pearson
optimum. Each method runs through :mod:`neyman.study.methods` (fit -> score -> evaluate ->
save); the output is written through :mod:`neyman.study._output` (lock, temporary
directory, one swap).
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import neyman
from neyman.data import Dataset, Standardizer
from neyman.errors import DataError, MissingColumnError, short
from neyman.models.pipeline import Events, standardise
from neyman.study._output import ReportWriter
from neyman.study.apply import apply_model
from neyman.study.config import SourceConfig, StudyConfig, load_config, parse_config
from neyman.study.engines import LocalEngine
from neyman.study.methods import (
    MethodResult,
    Prepared,
    build_estimator,
    evaluate_method,
    method_pipeline,
    save_method,
    score_of,
)
from neyman.study.weights import WeightPolicy, policy_weights, weight_summary

__all__ = [
    "TEST_SCORES",
    "MethodResult",
    "Study",
    "StudyData",
    "StudyResult",
    "apply_model",
    "score_of",
    "truth_llr",
]

#: the file of a study output holding every method's test-event scores and where they came from
TEST_SCORES = "test_scores.parquet"


@dataclass
class StudyData:
    """The labelled events of a study and where each came from.

    ``ds.weight`` holds the raw weights; ``source`` is 1 (signal file), 0 (background file)
    or -1 (one labelled file or a built-in problem); ``file`` is the event's file where its
    source (the path as configured for a single file; ``None`` for a built-in problem) and
    ``entry`` its position in that file (before selection); ``counts`` records events read and kept
    per source.
    """

    ds: Dataset
    source: NDArray[np.int64]
    entry: NDArray[np.int64]
    counts: dict[str, dict[str, int]]
    file: NDArray[np.object_] | None = None


def truth_llr(values: NDArray[Any], kind: str) -> NDArray[np.float64]:
    """The true log-likelihood ratio (or a monotone equivalent) from a truth column.

    ``llr`` is used as is; ``lr`` becomes ``log(lr)``; ``probability`` (P(signal | x) at
    some prior) becomes its log-odds ``log(p / (1 - p))``, the LLR shifted by a constant.
    A ROC depends only on the order of the scores, so each gives the optimum's ROC exactly.
    Infinite values (``lr = 0``, ``p = 1``) are kept in order at the largest floats.
    """
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "lr":
            v = np.log(v)
        elif kind == "probability":
            v = np.log(v) - np.log1p(-v)
    big = np.finfo(np.float64).max
    return np.nan_to_num(v, nan=np.nan, posinf=big, neginf=-big)


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
        #: reads, fits and scores (see :mod:`neyman.study.engines`); set by :meth:`run`
        self.engine: LocalEngine = LocalEngine()

    @classmethod
    def from_yaml(cls, path: Path) -> Study:
        """Read a YAML config (relative file paths are relative to the config's folder)."""
        return cls(load_config(path))

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Study:
        """Validate a config given as a mapping."""
        return cls(parse_config(doc))

    # ------------------------------------------------------------------ data
    def _read_source(self, src: SourceConfig, role: str, use_cache: bool) -> Events:
        d = self.config.data
        where = " and ".join(f"({s})" for s in (d.selection, src.selection) if s is not None)
        special = {"data.weight": d.weight, "data.truth": d.truth}
        if d.file is not None:
            special["data.label"] = d.label
        extra = [c for c in special.values() if c is not None]
        try:
            ev = self.engine.read(
                src.path,
                d.columns,
                tree=src.tree,
                selection=where or None,
                missing=d.read_missing,
                extra=extra,
                use_cache=use_cache,
            )
        except MissingColumnError as exc:
            for key, col in special.items():
                named = exc.key == col or f"'{col}'" in str(exc)
                if col is not None and named and col not in d.columns:
                    msg = f"{key}: {exc}"
                    raise MissingColumnError(msg, key=key, path=str(src.path), value=col) from None
            raise
        if len(ev.values) == 0:
            sel = f" after selection '{short(where)}'" if where else ""
            msg = f"{src.path}: 0 events{sel}; loosen the selection or check the file"
            raise DataError(msg, path=str(src.path))
        return ev

    def _frame_dataset(self, ev: Events, labels: NDArray[Any] | None, role: str) -> Dataset:
        d = self.config.data
        truth = None
        if d.truth is not None:
            truth = truth_llr(ev.extra[d.truth].to_numpy(), d.truth_kind)
            if np.isnan(truth).any():
                msg = f"data.truth column '{d.truth}' has {int(np.isnan(truth).sum())} NaN values in the {role} events"
                raise DataError(msg, key="data.truth", value=d.truth)
        weight = None if d.weight is None else ev.extra[d.weight].to_numpy(np.float64)
        if weight is not None and not np.isfinite(weight).all():
            n_bad = int((~np.isfinite(weight)).sum())
            msg = f"data.weight column '{d.weight}' has {n_bad} NaN/inf values in the {role} events"
            raise DataError(msg, key="data.weight", value=d.weight)
        return Dataset(
            ev.values.to_numpy(np.float64),
            y=labels,
            weight=weight,
            truth=truth,
            feature_names=d.columns,
            class_names=["background", "signal"],
            name=role,
        )

    def load_events(self, *, use_cache: bool = True) -> StudyData:
        """Read the labelled events the config declares, with their origin."""
        d = self.config.data
        if d.builtin is not None:
            from neyman.datasets import load_dataset

            ds = load_dataset(d.builtin, **d.builtin_options)
            ds = ds if d.features is None else ds.select(d.features)
            n = ds.n_events
            counts = {"builtin": {"read": n, "kept": n}}
            return StudyData(ds, np.full(n, -1, np.int64), np.arange(n, dtype=np.int64), counts)
        if d.file is not None:
            ev = self._read_source(d.file, "file", use_cache)
            labels = _binary_labels(ev.extra[d.label].to_numpy(), d.label, d.file.path)
            ds = self._frame_dataset(ev, labels, "file")
            source = np.full(len(labels), -1, np.int64)
            counts = {"file": {"read": ev.n_read, "kept": len(labels)}}
            file, entry = ev.origin(str(d.file.path))
            return StudyData(ds, source, entry, counts, file)
        assert d.signal is not None and d.background is not None
        parts = []
        counts = {}
        for role, src, label in (("signal", d.signal, 1), ("background", d.background, 0)):
            ev = self._read_source(src, role, use_cache)
            parts.append((ev, self._frame_dataset(ev, np.full(len(ev.values), label), role)))
            counts[role] = {"read": ev.n_read, "kept": len(ev.values)}
        (es, s), (eb, b) = parts
        assert s.weight is not None and b.weight is not None
        ds = Dataset(
            np.concatenate([s.X, b.X]),
            y=np.concatenate([np.ones(s.n_events, np.int64), np.zeros(b.n_events, np.int64)]),
            weight=np.concatenate([s.weight, b.weight]),
            truth=None
            if s.truth is None or b.truth is None
            else np.concatenate([s.truth, b.truth]),
            feature_names=s.feature_names,
            class_names=["background", "signal"],
        )
        source = np.concatenate([np.ones(s.n_events, np.int64), np.zeros(b.n_events, np.int64)])
        (fs, ns), (fb, nb) = es.origin(str(d.signal.path)), eb.origin(str(d.background.path))
        return StudyData(ds, source, np.concatenate([ns, nb]), counts, np.concatenate([fs, fb]))

    def load_data(self, *, use_cache: bool = True) -> Dataset:
        """Build the labelled Dataset the config declares (raw weights)."""
        data = self.load_events(use_cache=use_cache)
        data.ds.name = self.config.name
        data.ds.require_classes(2)
        return data.ds

    # ------------------------------------------------------------------ preparation
    @property
    def policy(self) -> WeightPolicy:
        """The study's weight policy."""
        d = self.config.data
        return WeightPolicy(d.weight, d.negative_weights, d.normalise)

    def _split(self, ds: Dataset) -> list[NDArray[np.intp]]:
        """Positions of the train, validation and test events (stratified, seeded)."""
        cfg = self.config
        if ds.n_events >= 2**24:  # positions travel as float32 features below
            msg = f"{ds.n_events} events: a study holds at most 16,777,215 events in memory"
            raise DataError(msg, value=ds.n_events)
        ds.require_split(cfg.split.val, cfg.split.test, what="study's split")
        # Dataset.split draws the parts from y and the seed only; splitting a column of
        # positions with the same seed gives the positions of the parts of ds.split()
        positions = Dataset(np.arange(ds.n_events, dtype=np.float64)[:, None], y=ds.y).split(
            val=cfg.split.val, test=cfg.split.test, random_state=cfg.split.random_state
        )
        return [p.X[:, 0].astype(np.intp) for p in positions]

    def prepare(self, ds: Dataset) -> tuple[Prepared, list[NDArray[np.intp]]]:
        """Split, standardise (fit on training events) and weight every part."""
        idx = self._split(ds)
        raw_parts = [ds.subset(i) for i in idx]
        scaler = Standardizer().fit(raw_parts[0])
        assert scaler.mean_ is not None and scaler.scale_ is not None
        mean, scale = np.asarray(scaler.mean_), np.asarray(scaler.scale_)
        particles = [] if self.config.data.particles is None else self.config.data.particles.columns
        if particles:
            # constituents stay in GeV and radians: the set network's inputs are relative to
            # the jet axis, computed from them (neyman.data.constituents.particle_inputs)
            unscaled = np.isin(np.asarray(ds.feature_names), particles)
            mean, scale = np.where(unscaled, 0.0, mean), np.where(unscaled, 1.0, scale)
        policy = self.policy
        ready = []
        raw_w = {}
        for name, p in zip(("train", "val", "test"), raw_parts, strict=True):
            assert p.weight is not None and p.y is not None
            raw_w[name] = p.weight
            w = policy_weights(p.weight, p.y, policy, part=name) if p.n_events else p.weight
            ready.append(replace(p, X=standardise(p.X, mean, scale), weight=w, meta=dict(p.meta)))
        train, val, test = ready
        return Prepared(train, val, test, mean, scale, policy, raw_w, particles), idx

    # ------------------------------------------------------------------ run
    def input_paths(self) -> list[Path]:
        """The event files (or globs) the config reads; the output may not hold them."""
        data = self.config.data
        paths = [s.path for s in (data.signal, data.background, data.file) if s is not None]
        opt = data.builtin_options.get("path")
        if isinstance(opt, str | Path):
            paths.append(Path(opt))
        return paths

    def run(
        self,
        out: Path,
        *,
        console: Console | None = None,
        use_cache: bool = True,
        validation_weights: bool = True,
        engine: LocalEngine | None = None,
    ) -> StudyResult:
        """Train and evaluate every method; write the report directory ``out``.

        ``out`` gets ``index.html``, ``metrics.json``, ``models/<name>/`` (each a model
        directory with its input pipeline), ``plots/`` and ``test_scores.parquet`` (every
        method's test-event scores with each event's source and entry). It is written into
        a temporary sibling directory and swapped into place when complete; a second study
        on the same ``out`` meanwhile is refused. ``validation_weights=False`` validates
        without weights (a diagnostic of what unweighted early stopping does).
        ``engine`` reads, fits and scores (:mod:`neyman.study.engines`; one process when
        None); :func:`neyman.scale.study.run_study` picks a Dask or DDP engine from
        ``--scheduler``/``--nproc`` and the config's ``engine``.
        """
        console = console or Console(highlight=False)
        self.engine = engine if engine is not None else LocalEngine()
        with ReportWriter(out, inputs=self.input_paths()) as writer:
            self.engine.scratch = writer.path(".shards")  # removed by close(), before commit
            try:
                result = self._run_into(writer, console, use_cache, validation_weights)
            finally:
                self.engine.close()
                self.engine = LocalEngine()
            writer.commit()
        result.out = writer.out
        console.print(result.table())
        console.print(f"report: {writer.out / 'index.html'}")
        return result

    def _run_into(
        self, writer: ReportWriter, console: Console, use_cache: bool, validation_weights: bool
    ) -> StudyResult:
        from neyman.study.report import write_report

        cfg = self.config
        t_start = time.perf_counter()
        data = self.load_events(use_cache=use_cache)
        data.ds.name = cfg.name
        data.ds.require_classes(2)
        ds = data.ds.check_finite()
        prepared, idx = self.prepare(ds)
        self.engine.bind(data, idx, prepared)
        console.print(
            f"[bold]{cfg.name}[/]: {ds.n_events} events, {ds.n_features} features; train "
            f"{prepared.train.n_events}, val {prepared.val.n_events}, test {prepared.test.n_events}"
        )
        tree = _pipeline_tree(cfg)
        results: list[MethodResult] = []
        test_scores: dict[str, NDArray[np.float64]] = {}
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
                est, fit_s = self.engine.fit(
                    build_estimator(m, cfg), m, prepared, validation_weights=validation_weights
                )
                scores = self.engine.score(est, m, prepared)
                results.append(evaluate_method(est, m, scores, prepared, cfg, fit_s))
                pipe = method_pipeline(est, m, prepared, cfg, tree)
                save_method(pipe, writer.path(Path("models") / m.name))
                test_scores[m.name] = scores.test
                progress.advance(task)
        result = self._result(results, prepared, writer.tmp, time.perf_counter() - t_start)
        result.info["weights"] = weight_summary(
            np.asarray(ds.weight), np.asarray(ds.y), prepared.policy, ["background", "signal"]
        )
        if cfg.data.weight is not None:
            console.print(_weights_line(result.info["weights"]))
        result.info["events"] = data.counts
        result.info["engine"] = self.engine.describe()
        result.info["validation_weights"] = validation_weights
        self._write_test_scores(writer, data, idx[2], prepared, test_scores)
        shown = ds
        if cfg.data.particles is not None:
            # the report's input sections show the features and the leading particle, not
            # every particle slot
            shown = ds.select([*(cfg.data.features or []), *cfg.data.particles.columns[:4]])
        inputs = self._report_inputs(data, shown, idx, prepared, test_scores)
        write_report(result, cfg, shown, inputs, out=writer.tmp)
        return result

    def _report_inputs(
        self,
        data: StudyData,
        ds: Dataset,
        idx: list[NDArray[np.intp]],
        prepared: Prepared,
        test_scores: dict[str, NDArray[np.float64]],
    ) -> Any:
        """The report's analyst inputs: provenance, test scores, raw and policy weights."""
        from neyman.study.provenance import study_provenance
        from neyman.study.report import study_report_inputs

        used = np.empty(ds.n_events)
        for positions, part in zip(idx, (prepared.train, prepared.val, prepared.test), strict=True):
            used[positions] = np.asarray(part.weight)
        counts = None if self.config.data.builtin is not None else data.counts
        provenance = study_provenance(self.config, ds.y, ds.weight, used, events=counts)
        return study_report_inputs(
            self.config,
            ds,
            ds.subset(idx[0]),
            prepared.test,
            test_scores,
            provenance=provenance,
            test_weight=prepared.test.weight,
            raw_weight=ds.weight,
            raw_test_weight=prepared.raw_weight["test"],
        )

    def _result(
        self, results: list[MethodResult], prepared: Prepared, out: Path, seconds: float
    ) -> StudyResult:
        cfg = self.config
        effs = list(cfg.evaluation.efficiencies)
        optimum_auc = optimum_rej = optimum_roc = None
        test = prepared.test
        if test.truth is not None:
            from neyman.evaluate import auc, rejection_at, roc_curve

            assert test.y is not None
            optimum_roc = roc_curve(test.y, test.truth, test.weight)
            optimum_auc = float(auc(test.y, test.truth, test.weight))
            rej = rejection_at(optimum_roc, efficiency=effs)
            optimum_rej = {e: float(r) for e, r in zip(effs, rej, strict=True)}
        info = _run_info(cfg, seconds)
        return StudyResult(
            cfg.name, results, optimum_auc, optimum_rej, optimum_roc, effs, out, info
        )

    def _write_test_scores(
        self,
        writer: ReportWriter,
        data: StudyData,
        test_idx: NDArray[np.intp],
        prepared: Prepared,
        scores: dict[str, NDArray[np.float64]],
    ) -> None:
        from neyman.data import write_table

        table = pd.DataFrame(
            {
                "source": data.source[test_idx],
                "file": (
                    np.full(len(test_idx), "", dtype=object)
                    if data.file is None
                    else data.file[test_idx]
                ),
                "entry": data.entry[test_idx],
                "label": np.asarray(prepared.test.y),
                "weight_raw": prepared.raw_weight["test"],
                "weight": np.asarray(prepared.test.weight),
            }
        )
        for name, s in scores.items():
            table[f"score:{name}"] = s
        write_table(table, writer.path(TEST_SCORES))


def _pipeline_tree(cfg: StudyConfig) -> str | None:
    """The tree a saved model reads by default: the one every source that names a tree names.

    Signal and background may come from trees of different names (``Events`` and
    ``tree``); a model that recorded only the signal's would refuse the study's own
    background file. Then none is recorded: ``apply`` reads a file's only tree, and asks
    for ``--tree`` where a file holds several.
    """
    d = cfg.data
    named = {s.tree for s in (d.signal, d.background, d.file) if s is not None and s.tree}
    return named.pop() if len(named) == 1 else None


def _binary_labels(values: NDArray[Any], column: str, path: Path) -> NDArray[np.int64]:
    """The labels of one labelled file as int64, 1 for signal and 0 for background.

    Every part of a study (the class names, the weight normalisation, the ROC's signal, the
    report's per-class figures, the yields) reads class 1 as signal and class 0 as
    background, so any other value (``-1``/``+1``, ``1``/``2``, ``0.5``, NaN) is refused
    with the expression that makes it 0/1 rather than trained on as a third class or
    with the classes swapped.
    """
    v = np.asarray(values)
    if v.dtype == np.bool_:
        return v.astype(np.int64)
    num = pd.to_numeric(pd.Series(v), errors="coerce").to_numpy(dtype=np.float64)
    bad = ~((num == 0) | (num == 1))
    if bad.any():
        found = pd.unique(pd.Series(v[bad])).tolist()
        shown = ", ".join(
            repr(x) if isinstance(x, str) else f"{x:g}" if isinstance(x, int | float) else str(x)
            for x in found[:5]
        )
        more = ", ..." if len(found) > 5 else ""
        msg = (
            f"data.label column '{short(column)}' of {path} holds {int(bad.sum())} value(s) "
            f"other than 0 (background) and 1 (signal): {shown}{more}; make it 0/1 with an "
            f'expression, e.g. data.label: "{short(column)} > 0"'
        )
        raise DataError(msg, key="data.label", path=str(path), value=column)
    return num.astype(np.int64)


def _weights_line(summary: dict[str, Any]) -> str:
    """One terminal line: the weight policy, the negative fraction and the raw yields."""
    sums = ", ".join(
        f"{name} {c['raw_sum']:.6g} ({c['negative_fraction']:.1%} negative)"
        for name, c in summary["classes"].items()
    )
    norm = (
        "each class normalised to the same total"
        if summary["normalise"] == "classes"
        else "not normalised"
    )
    return (
        f"weights: '{summary['column']}', negative_weights={summary['negative_weights']}, "
        f"{norm}; raw sums: {sums}"
    )


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
