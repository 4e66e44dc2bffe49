"""The report directory: a self-contained ``index.html``, ``metrics.json``, ``plots/`` and ``scores/``.

Read in this order: :class:`ReportSettings` (what the config's ``evaluation`` section asks
for), :class:`MethodScores` and :class:`ReportInputs` (the plain arrays a study hands over),
:func:`analyse` (every number of the report, computed apart from its presentation) and
:func:`write_report` (figures, tables, the page).

The page is written for an analysis note: what was run (provenance with file checksums),
the input variables per class, the ranking, score distributions, efficiency and expected
significance against the cut, and the expected result of a binned fit of each method's
score. Figures are embedded as PNG (so the page reads offline) at their natural size, where
1 pt of figure text is 1 pt on the page and no text is smaller than 9 pt; each is also a
PDF under ``plots/``. Every name that came from a config or data file is HTML-escaped.
Files are written with the process umask (``0644`` typically), each to a temporary name and
then renamed.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from neyman._util.fs import atomic_path, atomic_write_text
from neyman.data import Dataset
from neyman.errors import NeymanError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from neyman.evaluate import FeatureDistribution, FitResult, RocCurve, SignificanceScan
    from neyman.study.config import StudyConfig
    from neyman.study.provenance import Provenance
    from neyman.study.run import StudyResult

__all__ = [
    "FIGURES_OF_MERIT",
    "Analysis",
    "FitSettings",
    "MethodScores",
    "ReportInputs",
    "ReportSettings",
    "analyse",
    "input_edges",
    "save_scores",
    "settings_from_config",
    "study_report_inputs",
    "write_report",
    "yield_weights",
]

#: figure-of-merit names accepted in the config -> kind of :func:`neyman.evaluate.significance`
FIGURES_OF_MERIT: dict[str, str] = {
    "s/sqrt(b)": "s_over_sqrt_b",
    "s/sqrt(s+b)": "s_over_sqrt_s_plus_b",
    "asimov": "asimov",
    "s_over_sqrt_b": "s_over_sqrt_b",
    "s_over_sqrt_s_plus_b": "s_over_sqrt_s_plus_b",
}
_FOM_LABEL = {
    "s_over_sqrt_b": "S/&radic;B",
    "s_over_sqrt_s_plus_b": "S/&radic;(S+B)",
    "asimov": "Asimov Z",
}

#: PNG resolution; pages show figures at their natural size (96 CSS px per inch)
DPI = 150
#: width of a figure that sits two to a row of the page (inches)
COLUMN_WIDTH = 5.4
#: the report's figure style: base font 13 pt, so "x-small" legends are 9 pt
REPORT_RC: dict[str, Any] = {"font.size": 13.0, "figure.figsize": (COLUMN_WIDTH, 4.0)}

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1160px; color: #222;
       padding: 0 1em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; vertical-align: top; }
th { background: #f0f0f0; } td.name, th.name { text-align: left; }
tr.optimum { font-weight: bold; background: #f8f8e8; }
code.hash { font-size: 0.8em; word-break: break-all; }
figure { display: inline-block; margin: 0.4em; vertical-align: top; }
img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9em; color: #555; max-width: 560px; }
.small { font-size: 0.85em; color: #555; } pre { background: #f6f6f6; padding: 0.6em; }
"""


# ------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class FitSettings:
    """``evaluation.fit``: the binned fit of each method's score."""

    enabled: bool = True
    background_uncertainty: float = 0.0
    mc_stat: bool = True
    bins: int = 10
    min_background: float = 1.0
    min_background_events: int = 10


@dataclass(frozen=True)
class ReportSettings:
    """What the report computes, from the config's ``evaluation`` section.

    Attributes
    ----------
    log_scores : bool
        Logarithmic y axis for the score distributions.
    luminosity_scale : float
        Factor on the raw event weights for the physics yields (significance, fit).
    figure_of_merit : str
        A key of :data:`FIGURES_OF_MERIT`.
    background_uncertainty : float
        Relative background uncertainty of the Asimov figure of merit.
    min_background : float
        Cuts leaving less background yield than this are not considered.
    fit : FitSettings
    """

    log_scores: bool = False
    luminosity_scale: float = 1.0
    figure_of_merit: str = "asimov"
    background_uncertainty: float = 0.0
    min_background: float = 1.0
    fit: FitSettings = field(default_factory=FitSettings)

    @property
    def kind(self) -> str:
        """The significance kind of :func:`neyman.evaluate.significance`."""
        return FIGURES_OF_MERIT[self.figure_of_merit]


@dataclass(frozen=True, eq=False)
class MethodScores:
    """One method's scores, as plain arrays.

    Attributes
    ----------
    test_score, test_y : array of shape (n_test,)
    test_weight : array of shape (n_test,)
        The weights the ranking used (after the weight policy).
    yield_weight : array of shape (n_test,)
        Test-event weights scaled to expected yields (see :func:`yield_weights`).
    """

    test_score: np.ndarray
    test_y: np.ndarray
    test_weight: np.ndarray
    yield_weight: np.ndarray


@dataclass(eq=False)
class ReportInputs:
    """The plain inputs of the analyst's sections of the report.

    Attributes
    ----------
    settings : ReportSettings
    provenance : Provenance, optional
    scores : dict of str to MethodScores
        Per method name.
    X, y, weight : arrays, optional
        The events whose input distributions are drawn (features as in ``feature_names``).
    feature_names : list of str
    edges : list of arrays, optional
        Bin edges per feature (see :func:`input_edges`).
    yield_note : str
        How the yields were scaled, shown on the page.
    """

    settings: ReportSettings = field(default_factory=ReportSettings)
    provenance: Provenance | None = None
    scores: dict[str, MethodScores] = field(default_factory=dict)
    X: np.ndarray | None = None
    y: np.ndarray | None = None
    weight: np.ndarray | None = None
    feature_names: list[str] = field(default_factory=list)
    edges: list[np.ndarray] | None = None
    yield_note: str = ""


def yield_weights(
    y: np.ndarray,
    raw_weight: np.ndarray,
    class_totals: Mapping[int, float],
    luminosity_scale: float = 1.0,
) -> np.ndarray:
    """Test-event weights scaled to the expected yields of the whole sample.

    Each class's test weights are scaled so that they sum to that class's total raw weight
    over all events (``class_totals``), times ``luminosity_scale``: the test events then
    stand for the full sample.
    """
    labels = np.asarray(y)
    raw = np.asarray(raw_weight, dtype=np.float64)
    out = raw * float(luminosity_scale)
    for label, total in class_totals.items():
        m = labels == label
        here = raw[m].sum()
        if here != 0:
            out[m] *= float(total) / here
    return out


def input_edges(
    X: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray | None,
    *,
    bins: int = 20,
    binning: str = "uniform",
) -> list[np.ndarray]:
    """The bin edges the histogram-likelihood method uses for each feature.

    Fits :class:`~neyman.models.HistogramLikelihoodRatio` (``bins``, ``binning``) and
    returns its ``edges_``, so the input plots show the very bins that method sees.
    """
    from neyman.models import HistogramLikelihoodRatio

    model = HistogramLikelihoodRatio(bins=bins, binning=binning).fit(X, y, sample_weight=weight)
    return [np.asarray(e, dtype=np.float64) for e in model.edges_]


def _or(value: np.ndarray | None, default: np.ndarray) -> np.ndarray:
    return default if value is None else value


def settings_from_config(evaluation: Any) -> ReportSettings:
    """:class:`ReportSettings` from a config's ``evaluation`` section (defaults where unset)."""
    fit = getattr(evaluation, "fit", None)
    fit_settings = FitSettings() if fit is None else FitSettings(**fit.model_dump())
    return ReportSettings(
        log_scores=bool(getattr(evaluation, "log_scores", False)),
        luminosity_scale=float(getattr(evaluation, "luminosity_scale", 1.0)),
        figure_of_merit=str(getattr(evaluation, "figure_of_merit", "asimov")),
        background_uncertainty=float(getattr(evaluation, "background_uncertainty", 0.0)),
        min_background=float(getattr(evaluation, "min_background", 1.0)),
        fit=fit_settings,
    )


def study_report_inputs(
    cfg: StudyConfig,
    ds: Dataset,
    train: Dataset,
    test: Dataset,
    test_scores: Mapping[str, np.ndarray],
    *,
    provenance: Provenance | None = None,
    test_weight: np.ndarray | None = None,
    raw_weight: np.ndarray | None = None,
    raw_test_weight: np.ndarray | None = None,
) -> ReportInputs:
    """Gather a study's plain arrays for the report.

    Parameters
    ----------
    cfg : StudyConfig
    ds : Dataset
        All events, unscaled (input distributions, class totals of the yields).
    train, test : Dataset
        The training events (unscaled: they fix the input binning) and the test events.
    test_scores : mapping of str to array of shape (n_test,)
        Each method's score of the test events.
    provenance : Provenance, optional
    test_weight : array, optional
        Test weights as the ranking used them (default ``test.weight``).
    raw_weight, raw_test_weight : array, optional
        Raw weights of all events and of the test events, for the physics yields (default
        ``ds.weight`` and ``test.weight``).
    """
    settings = settings_from_config(cfg.evaluation)
    assert test.y is not None and ds.y is not None  # a classification study
    ones = np.ones(test.n_events)
    raw_all = _or(raw_weight, _or(ds.weight, np.ones(ds.n_events)))
    raw_test = _or(raw_test_weight, _or(test.weight, ones))
    used_test = _or(test_weight, _or(test.weight, ones))
    totals = {int(c): float(raw_all[ds.y == c].sum()) for c in np.unique(ds.y)}
    yields = yield_weights(test.y, raw_test, totals, settings.luminosity_scale)
    scores = {
        name: MethodScores(np.asarray(sc, dtype=np.float64), test.y, used_test, yields)
        for name, sc in test_scores.items()
    }
    edges = None
    if not ds.is_image and train.y is not None and ds.n_features <= 50:
        lik = next((m for m in cfg.methods if m.class_name == "HistogramLikelihoodRatio"), None)
        params = {} if lik is None else lik.params
        edges = input_edges(
            train.X,
            train.y,
            train.weight,
            bins=int(params.get("bins", 20)),
            binning=str(params.get("binning", "uniform")),
        )
    scale = f" × {settings.luminosity_scale:g}" if settings.luminosity_scale != 1 else ""
    note = (
        "(raw weights of the test events, scaled per class to the whole sample's weighted "
        f"yield{scale})"
    )
    return ReportInputs(
        settings=settings,
        provenance=provenance,
        scores=scores,
        X=None if edges is None else ds.X,
        y=ds.y,
        weight=raw_all,
        feature_names=list(ds.feature_names or []),
        edges=edges,
        yield_note=note,
    )


# ------------------------------------------------------------------------------- numbers
@dataclass(eq=False)
class Analysis:
    """Every number of the analyst's sections, per method (computed by :func:`analyse`)."""

    inputs: list[FeatureDistribution]
    rocs: dict[str, RocCurve]
    scans: dict[str, SignificanceScan]
    fits: dict[str, FitResult]
    fit_errors: dict[str, str]
    fit_missing: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for ``metrics.json``."""
        return {
            "input_separation": {d.name: d.separation for d in self.inputs},
            "significance": {k: v.to_dict() for k, v in self.scans.items()},
            "fit": {k: v.to_dict() for k, v in self.fits.items()},
            "fit_errors": dict(self.fit_errors),
            "fit_unavailable": self.fit_missing,
        }


def analyse(inputs: ReportInputs) -> Analysis:
    """Input distributions, significance scans and binned fits from the plain inputs."""
    from neyman.evaluate import (
        expected_fit,
        feature_distributions,
        pyhf_available,
        roc_curve,
        score_histograms,
        significance_scan,
    )
    from neyman.evaluate.fit import PYHF_HINT

    st = inputs.settings
    dists: list[FeatureDistribution] = []
    if inputs.X is not None and inputs.y is not None and inputs.edges is not None:
        dists = feature_distributions(
            inputs.X, inputs.y, inputs.edges, inputs.weight, feature_names=inputs.feature_names
        )
    rocs, scans, fits = {}, {}, {}
    errors: dict[str, str] = {}
    have_pyhf = pyhf_available()
    for name, ms in inputs.scores.items():
        rocs[name] = roc_curve(ms.test_y, ms.test_score, ms.test_weight)
        try:
            scans[name] = significance_scan(
                ms.test_y,
                ms.test_score,
                ms.yield_weight,
                kind=st.kind,
                min_background=st.min_background,
                min_background_events=st.fit.min_background_events,
                background_uncertainty=st.background_uncertainty,
            )
        except NeymanError as exc:
            errors[name] = f"significance scan: {exc}; "
        if not (st.fit.enabled and have_pyhf):
            continue
        try:
            yields = score_histograms(
                ms.test_y,
                ms.test_score,
                ms.yield_weight,
                n_bins=st.fit.bins,
                min_background=st.fit.min_background,
                min_background_events=st.fit.min_background_events,
            )
            fits[name] = expected_fit(
                yields,
                background_uncertainty=st.fit.background_uncertainty,
                mc_stat=st.fit.mc_stat,
            )
        except NeymanError as exc:
            errors[name] = errors.get(name, "") + f"binned fit: {exc}"
    missing = None if have_pyhf or not st.fit.enabled else PYHF_HINT
    return Analysis(dists, rocs, scans, fits, errors, missing)


# ------------------------------------------------------------------------------- files
def _write_text(path: Path, text: str) -> None:
    """Write via a temporary name and rename; the file gets the process umask's mode."""
    atomic_write_text(path, text)


def save_scores(out: Path, scores: Mapping[str, MethodScores]) -> list[Path]:
    """Write ``scores/<method>.npz`` (float64 ``score``, ``y``, ``weight``) per method.

    ``weight`` is the weight the ranking used; ``neyman compare`` reads these files.
    """
    folder = out / "scores"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, ms in scores.items():
        path = folder / f"{_safe(name)}.npz"
        with atomic_path(path) as tmp, tmp.open("wb") as fh:
            np.savez(
                fh,
                score=np.asarray(ms.test_score, dtype=np.float64),
                y=np.asarray(ms.test_y, dtype=np.float64),
                weight=np.asarray(ms.test_weight, dtype=np.float64),
            )
        paths.append(path)
    return paths


@dataclass(frozen=True)
class _Fig:
    caption: str
    png: Path
    section: str


def _png_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as fh:
        head = fh.read(24)
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


class _Figures:
    """Draws figures in the report style at column width and saves PNG + PDF."""

    def __init__(self, plots: Path) -> None:
        self.plots = plots
        self.items: list[_Fig] = []
        plots.mkdir(parents=True, exist_ok=True)

    def add(
        self,
        section: str,
        name: str,
        caption: str,
        draw: Callable[..., Any],
        *,
        height: float = 4.0,
        nrows: int = 1,
        width: float = COLUMN_WIDTH,
        height_ratios: Sequence[float] | None = None,
    ) -> None:
        from matplotlib.figure import Figure

        from neyman.plot import style

        with style(**REPORT_RC):
            fig: Figure = Figure(figsize=(width, height * nrows))
            grid = {"height_ratios": height_ratios, "hspace": 0.08} if height_ratios else None
            axes = fig.subplots(
                nrows, 1, squeeze=False, sharex=bool(height_ratios), gridspec_kw=grid
            )[:, 0]
            draw(ax=axes[0] if nrows == 1 else list(axes))
            png = self.plots / f"{self._stem(name)}.png"
            fig.savefig(png, dpi=DPI, bbox_inches="tight")
            fig.savefig(png.with_suffix(".pdf"), bbox_inches="tight")
        self.items.append(_Fig(caption, png, section))

    def _stem(self, name: str) -> str:
        """A file name of its own for figure ``name``: sanitised, at most 100 bytes.

        Names from a config (feature expressions such as ``a/b`` and ``a*b``) can sanitise
        to one name, or be too long for a file name; either gets a hash of the full name,
        so no figure overwrites another.
        """
        stem = _safe(name)
        taken = {f.png.stem for f in self.items}
        if len(stem.encode()) > _MAX_STEM or stem in taken:
            digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
            head = stem.encode()[: _MAX_STEM - 11].decode("utf-8", "ignore")
            stem = f"{head}-{digest}"
        return stem

    def html(self, section: str) -> str:
        e = html.escape
        parts = []
        for f in self.items:
            if f.section != section:
                continue
            w, h = _png_size(f.png)
            css_w, css_h = round(w * 96 / DPI), round(h * 96 / DPI)
            data = base64.b64encode(f.png.read_bytes()).decode("ascii")
            parts.append(
                f'<figure><img alt="{e(f.png.stem)}" width="{css_w}" height="{css_h}" '
                f'src="data:image/png;base64,{data}"><figcaption>{e(f.caption)} '
                f'<a href="plots/{e(f.png.stem)}.pdf">PDF</a></figcaption></figure>'
            )
        return "".join(parts)


#: longest figure file stem (file systems allow 255 bytes; ".png" and UTF-8 need room)
_MAX_STEM = 100


def _safe(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return keep.strip(".") or "figure"


# ------------------------------------------------------------------------------- figures
def _summary_figures(figs: _Figures, result: StudyResult, cfg: StudyConfig) -> None:
    from neyman.plot import plot_rejection, plot_roc

    rocs = {m.name: m.roc for m in result.ranked()}
    figs.add("summary", "roc", "ROC curves", partial(plot_roc, rocs, optimum=result.optimum_roc))
    reference = cfg.evaluation.reference or (
        "optimum" if result.optimum_roc is not None else result.ranked()[0].name
    )
    figs.add(
        "summary",
        "rejection",
        f"Background rejection (ratio to {reference})",
        partial(plot_rejection, rocs, reference=reference, optimum=result.optimum_roc),
        height=2.6,
        nrows=2,
        height_ratios=(3, 1),
    )


def _method_figures(
    figs: _Figures, result: StudyResult, analysis: Analysis, settings: ReportSettings
) -> None:
    from neyman.plot import (
        plot_efficiency_vs_cut,
        plot_scores,
        plot_significance,
        plot_training_history,
    )

    for m in result.ranked():
        n = m.name
        figs.add(
            "scores",
            f"scores_{n}",
            f"{n}: class-normalised scores, train (points) vs test (filled)",
            partial(plot_scores, m.overtraining, log=settings.log_scores),
        )
        roc = analysis.rocs.get(n)
        if roc is not None:
            figs.add(
                "cuts",
                f"efficiency_{n}",
                f"{n}: efficiency of the cut score >= x (test events)",
                partial(plot_efficiency_vs_cut, roc),
            )
        scan = analysis.scans.get(n)
        if scan is not None:
            figs.add(
                "cuts",
                f"significance_{n}",
                f"{n}: expected significance of the cut score >= x",
                partial(plot_significance, scan),
            )
        if m.history:
            keys = {k.removeprefix("val_") for k in m.history}
            figs.add(
                "training",
                f"training_{n}",
                f"{n}: training history",
                partial(plot_training_history, m.history),
                height=2.8,
                nrows=len(keys),
            )


def _fit_and_input_figures(figs: _Figures, analysis: Analysis) -> None:
    from neyman.plot import plot_feature_distribution, plot_fit_yields

    for name, fit in analysis.fits.items():
        figs.add(
            "fit",
            f"fit_{name}",
            f"{name}: expected yields per score bin",
            partial(plot_fit_yields, fit),
        )
    for dist in analysis.inputs:
        figs.add(
            "inputs",
            f"input_{dist.name}",
            f"{dist.name}: signal vs background (each normalised to 1)",
            partial(plot_feature_distribution, dist),
        )


def _correlation_figures(figs: _Figures, ds: Dataset) -> None:
    from neyman.evaluate import correlation_matrices
    from neyman.plot import plot_correlation

    if ds.is_image or ds.n_features > 30 or ds.y is None:
        return
    corr = correlation_matrices(ds.X, ds.y, sample_weight=ds.weight, feature_names=ds.feature_names)
    d = ds.n_features
    side = max(COLUMN_WIDTH, 0.45 * d + 2.5)
    for label, title in ((1, "signal"), (0, "background")):
        if label not in corr.matrices:
            continue
        figs.add(
            "correlation",
            f"correlation_{title}",
            f"Linear correlations, {title} (in %)" if d <= 10 else f"Linear correlations, {title}",
            partial(plot_correlation, corr, label, annotate=d <= 10),
            height=side - 0.8,
            width=side,
        )


# ------------------------------------------------------------------------------- html
_e = html.escape


def _table(
    head: Sequence[str], rows: Sequence[Sequence[str]], *, id_: str = "", left: int = 1
) -> str:
    """An HTML table; cells are HTML already (escape names before); ``left`` columns of
    names are left-aligned, numbers right-aligned."""
    ident = f' id="{id_}"' if id_ else ""
    th = "".join(
        f'<th class="name">{h}</th>' if i < left else f"<th>{h}</th>" for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="name">{c}</td>' if i < left else f"<td>{c}</td>" for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table{ident}><tr>{th}</tr>{body}</table>"


def _provenance_html(prov: Provenance | None) -> str:
    if prov is None:
        return "<p class=small>No provenance was recorded for this report.</p>"
    files = _table(
        ["role", "file", "tree", "selection", "size [bytes]", "modified (UTC)", "sha256"],
        [
            [
                _e(f.role),
                f"<code>{_e(f.path)}</code>",
                _e(f.tree or ""),
                f"<code>{_e(f.selection or '')}</code>",
                f"{f.size:,}",
                _e(f.modified),
                f'<code class="hash">{_e(f.sha256)}</code>',
            ]
            for f in prov.files
        ],
        id_="provenance-files",
        left=4,
    )
    if not prov.files:
        data = yaml.safe_load(prov.config_yaml).get("data") or {}
        options = ", ".join(f"{k}={v}" for k, v in (data.get("builtin_options") or {}).items())
        files = (
            f"<p>Data: the built-in problem <code>{_e(str(data.get('builtin')))}</code>"
            f"{f' ({_e(options)})' if options else ''}; no input files.</p>"
        )
    w = prov.weights
    policy = ", ".join(
        f"{_e(str(k))}: <code>{_e(str(v))}</code>" for k, v in w.items() if not isinstance(v, dict)
    )
    per_class = next((v for v in w.values() if isinstance(v, dict) and v), {})
    keys = list(dict.fromkeys(k for v in per_class.values() for k in v))
    effect_rows = [[_e(str(c))] + [_number(v.get(k)) for k in keys] for c, v in per_class.items()]
    head = ["class", *(_EFFECT_HEAD.get(k, _e(k.replace("_", " "))) for k in keys)]
    effect = _table(head, effect_rows, id_="weights") if effect_rows else ""
    events = (
        _table(
            ["class", "events before selection", "events after selection"],
            [
                [
                    _e(str(c)),
                    "" if v.get("before") is None else str(v["before"]),
                    str(v.get("after", "")),
                ]
                for c, v in prov.events.items()
            ],
            id_="events",
        )
        if prov.events
        else ""
    )
    seeds = ", ".join(f"{_e(k)} {v}" for k, v in prov.seeds.items())
    versions = ", ".join(f"{_e(k)} {_e(v)}" for k, v in prov.versions.items())
    return f"""
{files}
<p>Selection: <code id="selection">{_e(prov.selection or "none")}</code></p>
<p>Weight policy: <span id="weight-policy">{policy or "unweighted events"}</span></p>
{effect}{events}
<p class=small>Seeds: {seeds}.<br>Command: <code>{_e(prov.command)}</code><br>
Python {_e(prov.python)} on {_e(prov.machine)}; {versions}; {_e(prov.date)}.</p>
<details><summary>Config as run (YAML)</summary><pre>{_e(prov.config_yaml)}</pre></details>
"""


_EFFECT_HEAD = {
    "negative_fraction": "negative-weight fraction",
    "sum_raw": "&Sigma; w (raw)",
    "raw_sum": "&Sigma; w (raw)",
    "sum_abs_raw": "&Sigma; |w| (raw)",
    "sum_used": "&Sigma; w (used)",
    "policy_sum": "&Sigma; w (after negative-weight policy)",
}


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _e(str(value))
    return f"{value:.6g}"


def _ranking_html(result: StudyResult, analysis: Analysis, settings: ReportSettings) -> str:
    has_opt = result.optimum_auc is not None
    fom = _FOM_LABEL[settings.kind]
    head = ["#", "method", "AUC <span class=small>[68% CI]</span>"]
    head += [f"1/&epsilon;<sub>B</sub> at &epsilon;<sub>S</sub>={x:g}" for x in result.efficiencies]
    head += ["AUC gap to optimum"] if has_opt else []
    head += [
        f"best cut: {fom}",
        "fit: Z [&sigma;]",
        "fit: &mu; upper limit",
        "overtraining",
        "fit [s]",
        "predict [s]",
    ]
    rows = []
    for i, m in enumerate(result.ranked(), 1):
        ci = (
            ""
            if m.auc_low is None
            else f" <span class=small>[{m.auc_low:.4f}, {m.auc_high:.4f}]</span>"
        )
        row = [str(i), f"{_e(m.name)} <span class=small>({_e(m.model)})</span>", f"{m.auc:.4f}{ci}"]
        row += [f"{m.rejection[x]:.3g}" for x in result.efficiencies]
        row += [f"{m.auc_gap:.4f}"] if has_opt else []
        scan, fit = analysis.scans.get(m.name), analysis.fits.get(m.name)
        row.append(
            ""
            if scan is None
            else f"{scan.best_z:.3g} <span class=small>(cut {scan.best_cut:.3g})</span>"
        )
        row += ["", ""] if fit is None else [f"{fit.discovery_z:.3g}", f"{fit.upper_limit:.3g}"]
        pv = ", ".join(f"{_e(k)} {v:.2g}" for k, v in m.overtraining_pvalues.items())
        row.append(f"{'flagged' if m.overtrained else 'ok'} <span class=small>(KS p: {pv})</span>")
        row += [f"{m.fit_seconds:.1f}", f"{m.predict_seconds:.2f}"]
        rows.append(row)
    table = _table(head, rows, id_="ranking", left=2)
    if has_opt and result.optimum_rejection is not None:
        cells = ["", "optimum (true likelihood ratio)", f"{result.optimum_auc:.4f}"]
        cells += [f"{result.optimum_rejection[x]:.3g}" for x in result.efficiencies]
        cells += ["0"] + [""] * 6
        opt = "".join(
            f'<td class="name">{c}</td>' if i < 2 else f"<td>{c}</td>" for i, c in enumerate(cells)
        )
        table = table.replace("</table>", f'<tr class="optimum">{opt}</tr></table>')
    return table


def _variables_html(result: StudyResult, analysis: Analysis) -> str:
    ranked = result.ranked()
    sep = {d.name: d.separation for d in analysis.inputs}
    imp0 = ranked[0].importance or {}
    feats = list(imp0) or list(sep)
    order = (
        sorted(feats, key=lambda f: -sep.get(f, 0.0))
        if sep
        else sorted(feats, key=lambda f: -imp0.get(f, 0.0))
    )
    head = ["feature", "separation &lang;S&sup2;&rang;"] + [
        f"importance: {_e(m.name)}" for m in ranked
    ]
    rows = [
        [_e(f), f"{sep[f]:.4f}" if f in sep else ""]
        + [f"{(m.importance or {}).get(f, float('nan')):.4f}" for m in ranked]
        for f in order
    ]
    return _table(head, rows, id_="ranking-vars")


def _fit_html(analysis: Analysis, settings: ReportSettings, figs: _Figures) -> str:
    fs = settings.fit
    if not fs.enabled:
        return "<p>The binned fit is switched off (<code>evaluation.fit.enabled: false</code>).</p>"
    if analysis.fit_missing:
        return f'<p id="fit-missing">Not computed: {_e(analysis.fit_missing)}</p>'
    unc = (
        f"a {100 * fs.background_uncertainty:g} % background normalisation uncertainty"
        if fs.background_uncertainty
        else "no background normalisation uncertainty"
    )
    text = (
        f"<p>Each method's test-event score is histogrammed (starting from {fs.bins} bins of equal "
        f"signal population, merged from the highest score down until every bin keeps a background "
        f"yield &ge; {fs.min_background:g} and &ge; {fs.min_background_events} simulated background "
        f"events) into a HistFactory model: signal scaled by the signal strength &mu;, background, "
        f"{'MC statistical uncertainties per bin (staterror)' if fs.mc_stat else 'no MC statistical uncertainties'} "
        f"and {unc}. pyhf gives, on Asimov data, the median expected discovery significance (for &mu; = 1) "
        f"and the median expected 95 % CL upper limit on &mu; (CLs, asymptotic formulae).</p>"
    )
    rows = [
        [
            _e(n),
            str(f.yields.n_bins),
            f"{f.yields.signal.sum():.4g}",
            f"{f.yields.background.sum():.4g}",
            f"{f.discovery_z:.3f}",
            f"{f.discovery_p:.3g}",
            f"{f.upper_limit:.4g}",
        ]
        for n, f in analysis.fits.items()
    ]
    table = _table(
        [
            "method",
            "bins",
            "signal yield",
            "background yield",
            "expected Z [&sigma;]",
            "p-value",
            "expected &mu; limit (95 % CL)",
        ],
        rows,
        id_="fit",
    )
    errs = "".join(f"<p class=small>{_e(n)}: {_e(m)}</p>" for n, m in analysis.fit_errors.items())
    return text + table + errs + figs.html("fit")


def _data_html(ds: Dataset) -> str:
    summary = ds.summary()
    classes = _table(
        ["class", "events", "weighted"],
        [
            [_e(str(c)), str(int(r["events"])), f"{r['weighted']:.6g}"]
            for c, r in summary.classes.iterrows()
        ],
    )
    feats = _table(
        ["feature", "min", "max", "mean", "std", "NaN"],
        [
            [_e(str(f))]
            + [f"{r[k]:.4g}" for k in ("min", "max", "mean", "std")]
            + [str(int(r["nan"]))]
            for f, r in summary.features.iterrows()
        ],
    )
    return classes + feats


def _metrics(
    result: StudyResult, ds: Dataset, analysis: Analysis, inputs: ReportInputs
) -> dict[str, Any]:
    st = inputs.settings
    return {
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
        "provenance": None if inputs.provenance is None else inputs.provenance.to_dict(),
        "settings": {
            "log_scores": st.log_scores,
            "luminosity_scale": st.luminosity_scale,
            "figure_of_merit": st.figure_of_merit,
            "background_uncertainty": st.background_uncertainty,
            "min_background": st.min_background,
            "fit": vars(st.fit),
            "yields": inputs.yield_note,
        },
        **analysis.to_dict(),
    }


def write_report(
    result: StudyResult,
    cfg: StudyConfig,
    ds: Dataset,
    inputs: ReportInputs | None = None,
    *,
    out: Path | None = None,
) -> Path:
    """Write ``metrics.json``, ``plots/``, ``scores/`` and ``index.html``.

    Parameters
    ----------
    result : StudyResult
        The ranking and per-method results.
    cfg : StudyConfig
        The config as run.
    ds : Dataset
        All events (for the data summary and correlations).
    inputs : ReportInputs, optional
        Plain arrays and settings of the analyst's sections (provenance, input variables,
        significance, binned fit); without them those sections say so.
    out : Path, optional
        Directory to write into (default ``result.out``); the caller owns its atomic swap.

    Returns
    -------
    Path
        ``out / "index.html"``.
    """
    import matplotlib

    inputs = inputs or ReportInputs()
    out = out or result.out
    out.mkdir(parents=True, exist_ok=True)
    analysis = analyse(inputs)
    if inputs.scores and not (out / "test_scores.parquet").is_file():
        save_scores(out, inputs.scores)  # a study writes its own test_scores.parquet
    _write_text(out / "metrics.json", json.dumps(_metrics(result, ds, analysis, inputs), indent=2))
    figs = _Figures(out / "plots")
    with matplotlib.rc_context():
        _summary_figures(figs, result, cfg)
        _method_figures(figs, result, analysis, inputs.settings)
        _fit_and_input_figures(figs, analysis)
        _correlation_figures(figs, ds)
    _write_text(out / "index.html", _page(result, ds, analysis, inputs, figs))
    return out / "index.html"


def _page(
    result: StudyResult, ds: Dataset, analysis: Analysis, inputs: ReportInputs, figs: _Figures
) -> str:
    st = inputs.settings
    has_opt = result.optimum_auc is not None
    names = ", ".join(ds.feature_names or [])
    info = result.info
    fom = _FOM_LABEL[st.kind]
    unc = (
        f" with a {100 * st.background_uncertainty:g} % background uncertainty"
        if st.background_uncertainty
        else ""
    )
    no_inputs = (
        ""
        if analysis.inputs
        else "<p class=small>No input distributions were given to the report.</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(result.name)} - neyman report</title>
<style>{_CSS}</style></head>
<body>
<h1>{_e(result.name)}</h1>
<p>{ds.n_events} events, {len(ds.feature_names or [])} features: {_e(names)}.
Methods are ranked by the AUC on the test events{" and compared with the Neyman&ndash;Pearson optimum, the ROC of the true likelihood ratio" if has_opt else ""}.
Sections: <a href="#s-provenance">what was run</a>, <a href="#s-ranking">ranking</a>,
<a href="#s-inputs">input variables</a>, <a href="#s-scores">scores</a>, <a href="#s-cuts">cuts and significance</a>,
<a href="#s-fit">binned fit</a>, <a href="#s-training">training</a>, <a href="#s-data">data</a>.</p>
<section id="s-provenance"><h2>What was run</h2>
{_provenance_html(inputs.provenance)}
</section>
<section id="s-ranking"><h2>Ranking</h2>
<p class=small>Best cut: the highest {fom}{_e(unc)} of a cut on the score, on test-event yields {_e(inputs.yield_note or "(raw weights)")}; fit: the expected binned-fit result (see below).</p>
{_ranking_html(result, analysis, st)}
{figs.html("summary")}
</section>
<section id="s-inputs"><h2>Input variables</h2>
<p class=small>Separation &lang;S&sup2;&rang; = &frac12; &Sigma; (s<sub>i</sub> &minus; b<sub>i</sub>)&sup2; / (s<sub>i</sub> + b<sub>i</sub>) of the class-normalised histograms (TMVA), in the bins of the histogram-likelihood method, under- and overflow included; permutation importance: the test AUC lost when one feature is shuffled (mean of 3 shuffles).</p>
{_variables_html(result, analysis)}
{no_inputs}{figs.html("inputs")}
</section>
<section id="s-scores"><h2>Scores</h2>
<p class=small>Each class normalised to unit area; a Kolmogorov&ndash;Smirnov test compares training and test events.</p>
{figs.html("scores")}
</section>
<section id="s-cuts"><h2>Cuts and significance</h2>
<p class=small>Efficiencies of the cut score &ge; x and its expected significance ({fom}{_e(unc)}), cuts keeping a background yield below {st.min_background:g} or fewer than {st.fit.min_background_events} simulated background events excluded.</p>
{figs.html("cuts")}
</section>
<section id="s-fit"><h2>Expected result of a binned fit</h2>
{_fit_html(analysis, st, figs)}
</section>
<section id="s-training"><h2>Training and correlations</h2>
{figs.html("training")}{figs.html("correlation")}
</section>
<section id="s-data"><h2>Data</h2>
{_data_html(ds)}
<p class="small">Machine: {_e(info["machine"])}; Python {_e(info["python"])}.
Seeds: random_state {info["random_state"]}, split {info["split_random_state"]}. Total time {info["seconds"]:.1f} s; {_e(info["date"])}.<br>
Files: <code>metrics.json</code>, <code>models/&lt;name&gt;/</code>, <code>plots/</code> (PNG and PDF), <code>scores/&lt;name&gt;.npz</code> (test scores).</p>
</section>
</body></html>
"""
