"""The report directory: a self-contained ``index.html``, ``metrics.json`` and ``plots/``.

Figures are embedded in the HTML as base64 PNG so the page reads offline; every name that
came from a config or data file is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neyman.data import Dataset

if TYPE_CHECKING:
    from neyman.study.config import StudyConfig
    from neyman.study.run import StudyResult

__all__ = ["write_report"]

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th { background: #f0f0f0; } td.name { text-align: left; }
tr.optimum { font-weight: bold; background: #f8f8e8; }
img { max-width: 100%; } figure { display: inline-block; margin: 0.5em; width: 47%; }
figcaption { font-size: 0.9em; color: #555; } .small { font-size: 0.85em; color: #555; }
"""


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    Path(tmp).replace(path)


def _save(fig: Any, plots: Path, name: str) -> Path:
    png = plots / f"{name}.png"
    fig.savefig(png, dpi=100, bbox_inches="tight")
    fig.savefig(plots / f"{name}.pdf", bbox_inches="tight")
    return png


def _figures(result: StudyResult, cfg: StudyConfig, ds: Dataset) -> list[tuple[str, Path]]:
    from neyman.plot import (
        plot_correlation,
        plot_rejection,
        plot_roc,
        plot_scores,
        plot_training_history,
    )

    plots = result.out / "plots"
    plots.mkdir(parents=True, exist_ok=True)
    rocs = {m.name: m.roc for m in result.ranked()}
    figs: list[tuple[str, Path]] = []
    figs.append(("ROC curves", _save(plot_roc(rocs, optimum=result.optimum_roc), plots, "roc")))
    reference = cfg.evaluation.reference or (
        "optimum" if result.optimum_roc is not None else result.ranked()[0].name
    )
    fig = plot_rejection(rocs, reference=reference, optimum=result.optimum_roc)
    figs.append((f"Background rejection (ratio to {reference})", _save(fig, plots, "rejection")))
    for m in result.ranked():
        fig = plot_scores(m.overtraining)
        figs.append((f"{m.name}: train vs test scores", _save(fig, plots, f"scores_{m.name}")))
        if m.history:
            fig = plot_training_history(m.history)
            figs.append((f"{m.name}: training history", _save(fig, plots, f"training_{m.name}")))
    if not ds.is_image and ds.n_features <= 30:
        from neyman.evaluate import correlation_matrices

        corr = correlation_matrices(
            ds.X, ds.y, sample_weight=ds.weight, feature_names=ds.feature_names
        )
        fig = plot_correlation(corr)
        figs.append(("Linear correlations per class", _save(fig, plots, "correlation")))
    import matplotlib.pyplot as plt

    plt.close("all")
    return figs


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def write_report(result: StudyResult, cfg: StudyConfig, ds: Dataset) -> Path:
    """Write ``metrics.json``, ``plots/`` and ``index.html`` into ``result.out``."""
    out = result.out
    metrics = {
        "study": result.name,
        "events": ds.n_events,
        "features": ds.feature_names,
        "efficiencies": result.efficiencies,
        "optimum": None
        if result.optimum_auc is None
        else {
            "auc": result.optimum_auc,
            "rejection": {str(k): v for k, v in (result.optimum_rejection or {}).items()},
        },
        "methods": [m.to_dict() for m in result.ranked()],
        "info": result.info,
    }
    _atomic_write(out / "metrics.json", json.dumps(metrics, indent=2))
    figs = _figures(result, cfg, ds)
    e = html.escape
    head = "".join(
        f"<th>1/&epsilon;<sub>B</sub> at &epsilon;<sub>S</sub>={x:g}</th>"
        for x in result.efficiencies
    )
    has_opt = result.optimum_auc is not None
    rows = []
    for i, m in enumerate(result.ranked(), 1):
        ci = (
            ""
            if m.auc_low is None
            else f" <span class=small>[{m.auc_low:.4f}, {m.auc_high:.4f}]</span>"
        )
        cells = [
            f"<td>{i}</td>",
            f'<td class="name">{e(m.name)} <span class=small>({e(m.model)})</span></td>',
        ]
        cells.append(f"<td>{m.auc:.4f}{ci}</td>")
        cells += [f"<td>{m.rejection[x]:.3g}</td>" for x in result.efficiencies]
        if has_opt:
            cells.append(f"<td>{m.auc_gap:.4f}</td>")
        pv = ", ".join(f"{e(k)} {v:.2g}" for k, v in m.overtraining_pvalues.items())
        cells.append(
            f"<td>{'flagged' if m.overtrained else 'ok'} <span class=small>(KS p: {pv})</span></td>"
        )
        cells.append(f"<td>{m.fit_seconds:.1f}</td><td>{m.predict_seconds:.2f}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if has_opt and result.optimum_rejection is not None:
        cells = [
            "<td></td>",
            '<td class="name">optimum (true likelihood ratio)</td>',
            f"<td>{result.optimum_auc:.4f}</td>",
        ]
        cells += [f"<td>{result.optimum_rejection[x]:.3g}</td>" for x in result.efficiencies]
        cells += ["<td>0</td>", "<td></td>", "<td></td><td></td>"]
        rows.append('<tr class="optimum">' + "".join(cells) + "</tr>")
    gap_head = "<th>AUC gap to optimum</th>" if has_opt else ""
    info = result.info
    versions = ", ".join(f"{e(k)} {e(str(v))}" for k, v in info["versions"].items())
    summary = ds.summary()
    class_rows = "".join(
        f'<tr><td class="name">{e(str(c))}</td><td>{int(r["events"])}</td><td>{r["weighted"]:.6g}</td></tr>'
        for c, r in summary.classes.iterrows()
    )
    feat_rows = "".join(
        f'<tr><td class="name">{e(str(f))}</td>'
        + "".join(f"<td>{r[k]:.4g}</td>" for k in ("min", "max", "mean", "std"))
        + f"<td>{int(r['nan'])}</td></tr>"
        for f, r in summary.features.iterrows()
    )
    ranked = result.ranked()
    feats = list(ranked[0].importance or {})
    imp_rows = "".join(
        f'<tr><td class="name">{e(f)}</td>'
        + "".join(f"<td>{(m.importance or {}).get(f, float('nan')):.4f}</td>" for m in ranked)
        + "</tr>"
        for f in sorted(feats, key=lambda f: -(ranked[0].importance or {}).get(f, 0.0))
    )
    imp_head = "".join(f"<th>{e(m.name)}</th>" for m in ranked)
    fig_html = "".join(
        f"<figure>{_img(p)}<figcaption>{e(cap)}</figcaption></figure>" for cap, p in figs
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(result.name)} - neyman report</title>
<style>{_CSS}</style></head>
<body>
<h1>{e(result.name)}</h1>
<p>{ds.n_events} events, {len(ds.feature_names or [])} features: {e(", ".join(ds.feature_names or []))}.
Methods are ranked by the AUC on the test events{" and compared with the Neyman&ndash;Pearson optimum, the ROC of the true likelihood ratio" if has_opt else ""}.</p>
<h2>Ranking</h2>
<table id="ranking"><tr><th>#</th><th>method</th><th>AUC <span class=small>[68% CI]</span></th>{head}{gap_head}<th>overtraining</th><th>fit [s]</th><th>predict [s]</th></tr>
{"".join(rows)}
</table>
<h2>Variable ranking</h2>
<p class="small">Permutation importance: the test AUC lost when one feature is shuffled (mean of 3 shuffles).</p>
<table id="ranking-vars"><tr><th>feature</th>{imp_head}</tr>{imp_rows}</table>
<h2>Figures</h2>
{fig_html}
<h2>Data</h2>
<table><tr><th>class</th><th>events</th><th>weighted</th></tr>{class_rows}</table>
<table><tr><th>feature</th><th>min</th><th>max</th><th>mean</th><th>std</th><th>NaN</th></tr>{feat_rows}</table>
<h2>Run</h2>
<p class="small">Machine: {e(info["machine"])}; Python {e(info["python"])}; {versions}.<br>
Seeds: random_state {info["random_state"]}, split {info["split_random_state"]}. Total time {info["seconds"]:.1f} s; {e(info["date"])}.<br>
Files: <code>metrics.json</code>, <code>models/&lt;name&gt;/</code>, <code>plots/</code> (PNG and PDF).</p>
</body></html>
"""
    _atomic_write(out / "index.html", page)
    return out / "index.html"
