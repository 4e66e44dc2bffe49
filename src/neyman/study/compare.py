"""``neyman compare``: one table and one ROC/rejection figure across several study outputs.

A typical use: the same methods on two feature sets, or before and after a change of
selection, each run as its own study. Each output directory contributes its
``metrics.json`` (AUC, rejection, best-cut significance, binned-fit result) and its saved
test scores, from which the ROC curves are redrawn on one figure: ``test_scores.parquet``
(columns ``label``, ``weight`` and ``score:<method>``, as a study writes it) or, failing
that, ``scores/<method>.npz`` (float64 ``score``, ``y``, ``weight``). Nothing in those
files is executed (Parquet is data only; ``np.load`` runs with ``allow_pickle=False``).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from neyman.errors import DataError
from neyman.study._output import COMPARE_ENTRIES, ReportWriter
from neyman.study.report import _Figures, _safe, _table, _write_text

__all__ = ["ComparedMethod", "compare_studies", "read_study_output"]


@dataclass(eq=False)
class ComparedMethod:
    """One method of one study output."""

    study: str
    label: str
    metrics: dict[str, Any]
    significance: dict[str, Any] | None
    fit: dict[str, Any] | None
    score: np.ndarray | None
    y: np.ndarray | None
    weight: np.ndarray | None


def _load_scores(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = tuple(np.asarray(npz[k], dtype=np.float64) for k in ("score", "y", "weight"))
    except (OSError, ValueError, KeyError) as exc:
        msg = f"{path}: not a scores file with arrays score, y, weight ({exc}); re-run the study"
        raise DataError(msg, path=str(path)) from None
    return arrays  # type: ignore[return-value]


def _parquet_scores(folder: Path) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    path = folder / "test_scores.parquet"
    if not path.is_file():
        return {}
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path).to_pandas()
        y = table["label"].to_numpy(np.float64)
        w = table["weight"].to_numpy(np.float64)
    except (OSError, ValueError, KeyError) as exc:
        msg = f"{path}: not a study's test scores (columns label, weight, score:<method>): {exc}"
        raise DataError(msg, path=str(path)) from None
    return {
        str(c).removeprefix("score:"): (table[c].to_numpy(np.float64), y, w)
        for c in table.columns
        if str(c).startswith("score:")
    }


def read_study_output(folder: Path, label: str | None = None) -> list[ComparedMethod]:
    """The methods of one study output directory (``metrics.json`` + ``scores/``)."""
    path = Path(folder) / "metrics.json"
    if not path.is_file():
        msg = f"{folder} has no metrics.json; give the output directory of `neyman study`"
        raise DataError(msg, path=str(folder))
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        methods = doc["methods"]
    except (ValueError, KeyError, TypeError):
        msg = f"{path} is not a neyman metrics.json (no 'methods'); re-run the study"
        raise DataError(msg, path=str(path)) from None
    study = label or str(doc.get("study", Path(folder).name))
    sig = doc.get("significance") or {}
    fit = doc.get("fit") or {}
    saved = _parquet_scores(Path(folder))
    out = []
    for m in methods:
        name = str(m["name"])
        arrays = saved.get(name) or _load_scores(Path(folder) / "scores" / f"{_safe(name)}.npz")
        score, y, w = arrays if arrays is not None else (None, None, None)
        out.append(
            ComparedMethod(
                study=study,
                label=f"{study}: {name}",
                metrics=m,
                significance=sig.get(name),
                fit=fit.get(name),
                score=score,
                y=y,
                weight=w,
            )
        )
    return out


def _row(m: ComparedMethod, effs: Sequence[str]) -> list[str]:
    e = html.escape
    rej = m.metrics.get("rejection") or {}
    sig, fit = m.significance or {}, m.fit or {}

    def num(v: Any, fmt: str) -> str:
        return "" if v is None else format(float(v), fmt)

    return [
        e(m.study),
        e(str(m.metrics.get("name"))),
        num(m.metrics.get("auc"), ".4f"),
        *[num(rej.get(x), ".3g") for x in effs],
        num(m.metrics.get("auc_gap_to_optimum"), ".4f"),
        num(sig.get("best_z"), ".3g"),
        num(fit.get("discovery_z"), ".3g"),
        num(fit.get("upper_limit_mu"), ".3g"),
    ]


def compare_studies(
    outputs: Sequence[Path], out: Path, *, labels: Sequence[str] | None = None
) -> Path:
    """Write ``out/index.html``, ``out/compare.json`` and ``out/plots/`` comparing studies.

    Parameters
    ----------
    outputs : sequence of Path
        Study output directories (at least one; two or more to compare).
    out : Path
        Directory to write: new, empty or an earlier comparison (replaced whole when the
        comparison is complete); never one of ``outputs``, inside one or holding one.
    labels : sequence of str, optional
        One name per output (default: each study's name).

    Returns
    -------
    Path
        ``out / "index.html"``.
    """
    if not outputs:
        msg = "give at least one study output directory to compare"
        raise DataError(msg)
    if labels is not None and len(labels) != len(outputs):
        msg = f"got {len(labels)} labels for {len(outputs)} outputs; give one per output"
        raise DataError(msg, value=list(labels))
    methods: list[ComparedMethod] = []
    for i, folder in enumerate(outputs):
        methods += read_study_output(Path(folder), None if labels is None else labels[i])
    names = [m.label for m in methods]
    if len(set(names)) != len(names):
        msg = "two outputs have the same study name; tell them apart with --label"
        raise DataError(msg, available=names)
    target = Path(out).resolve()
    for folder in outputs:
        given = Path(folder).resolve()
        if target == given or given in target.parents or target in given.parents:
            msg = (
                f"comparison output {out} overlaps the study output {folder} it compares; "
                "write the comparison to a directory of its own"
            )
            raise DataError(msg, key="output", path=str(out), value=str(folder))
    # a lock, a temporary sibling and one swap, as a study's report: a failed comparison
    # leaves nothing, and only an earlier comparison is ever replaced
    with ReportWriter(out, marker="compare.json", entries=COMPARE_ENTRIES) as writer:
        _write_comparison(outputs, methods, writer.tmp)
        writer.commit()
    return writer.out / "index.html"


def _write_comparison(outputs: Sequence[Path], methods: list[ComparedMethod], out: Path) -> None:
    """Write the comparison's page, ``compare.json`` and figures into ``out``."""
    effs = sorted({k for m in methods for k in (m.metrics.get("rejection") or {})}, key=float)
    head = [
        "study",
        "method",
        "AUC",
        *[f"1/&epsilon;<sub>B</sub> at &epsilon;<sub>S</sub>={x}" for x in effs],
    ]
    head += ["AUC gap to optimum", "best-cut significance", "fit: Z [&sigma;]", "fit: &mu; limit"]
    ranked = sorted(methods, key=lambda m: -float(m.metrics.get("auc", 0.0)))
    table = _table(head, [_row(m, effs) for m in ranked], id_="compare", left=2)
    figs = _figures(out, ranked)
    missing = [m.label for m in ranked if m.score is None]
    note = (
        f"<p class=small>No saved test scores for: {html.escape(', '.join(missing))} "
        "(not in the figures).</p>"
        if missing
        else ""
    )
    listing = "".join(
        f"<li><code>{html.escape(str(Path(p).resolve()))}</code></li>" for p in outputs
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>neyman compare</title>
<style>body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1160px; }}
table {{ border-collapse: collapse; }} th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }}
td.name, th.name {{ text-align: left; }} figure {{ display: inline-block; margin: 0.4em; }}
img {{ max-width: 100%; height: auto; }} .small {{ font-size: 0.85em; color: #555; }}</style></head>
<body><h1>Comparison of {len(outputs)} study outputs</h1><ul>{listing}</ul>
<p class=small>Ranked by test AUC. Each study's numbers are its own (its test events, weights and settings).</p>
{table}{note}{figs.html("compare")}</body></html>
"""
    doc = {
        "outputs": [str(Path(p).resolve()) for p in outputs],
        "methods": [
            {
                "study": m.study,
                "label": m.label,
                **m.metrics,
                "significance": m.significance,
                "fit": m.fit,
            }
            for m in ranked
        ],
    }
    _write_text(out / "compare.json", json.dumps(doc, indent=2))
    _write_text(out / "index.html", page)


def _figures(out: Path, methods: Sequence[ComparedMethod]) -> _Figures:
    from neyman.evaluate import roc_curve
    from neyman.plot import plot_rejection, plot_roc

    figs = _Figures(out / "plots")
    rocs = {
        m.label: roc_curve(m.y, m.score, m.weight)
        for m in methods
        if m.score is not None and m.y is not None
    }
    if not rocs:
        return figs
    figs.add("compare", "roc", "ROC curves (test events)", partial(plot_roc, rocs))
    reference = next(iter(rocs))
    figs.add(
        "compare",
        "rejection",
        f"Background rejection (ratio to {reference})",
        partial(plot_rejection, rocs, reference=reference),
        height=2.8,
        nrows=2,
    )
    return figs
