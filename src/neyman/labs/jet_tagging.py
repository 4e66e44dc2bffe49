"""Lab — jet-tagging: boosted top jets against QCD jets, from flat features to particle sets.

A hadronically decaying top quark with pT around 600 GeV gives one wide jet with three
prongs and a mass near 172.5 GeV; a QCD jet has one prong and a falling mass. Compare four
ways to tell them apart, from the same jets:

1. a **BDT on substructure features**: jet mass, N-subjettiness tau1..tau3 and the ratios
   tau21, tau32, the energy-correlation ratios C2 and D2, the number of constituents;
2. a **CNN on jet images**: the constituents' pT in a 2-D (eta, phi) grid, centred,
   rotated along the principal axis, flipped and normalised;
3. **Deep Sets** (a Particle Flow Network): a network per particle, summed, then a head;
4. a small **transformer** with attention biased by pairwise features (ln kT, ln z, ln ΔR,
   ln m²), pooled by class attention.

For each: ROC curve, background rejection 1/εB at signal efficiencies 0.3 and 0.5, AUC with a
bootstrap interval, parameter count and training time per epoch. Which representation wins,
and by how much, at this sample size? Compare with the published numbers on the Top Tagging
Reference dataset (1.2M training jets) printed next to yours.

Data: without ``--data``, top and QCD jets are generated with Pythia 8 (``neyman generate
jets``, 14 TeV, anti-kt R = 0.8, 550 < pT < 650 GeV, |η| < 2; needs
``pip install 'neyman[generate]'``). ``--data`` takes the reference dataset's ``test.h5``
(or ``train.h5``) or Parquet files written by ``neyman generate jets``, comma-separated.
``--rows N`` uses N jets per class.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from neyman.data.constituents import jet_images
from neyman.errors import ConfigError, DataError
from neyman.evaluate import auc, rejection_at, roc_curve
from neyman.labs._base import Answers, LabResult, Option, check_options, lab_console, save_figure
from neyman.models import BDTClassifier, CNNClassifier, ParticleSetClassifier
from neyman.train import torch_threads

__all__ = [
    "NAME",
    "NOTEBOOK_CELLS",
    "OPTIONS",
    "PUBLISHED",
    "SUBSTRUCTURE",
    "SUMMARY",
    "JetTaggingAnswers",
    "MethodResult",
    "compute",
    "format_rejection",
    "load_jets",
    "ranking_sentence",
    "rejection_note",
    "render",
    "run",
]

NAME = "jet-tagging"
SUMMARY = (
    "top vs QCD jets: substructure BDT, jet-image CNN, Deep Sets and a particle transformer; "
    "ROC, 1/εB at εS = 0.3 and 0.5, AUC with bootstrap intervals"
)

OPTIONS: tuple[Option, ...] = (
    Option(
        "data",
        str,
        None,
        "Top Tagging Reference .h5 file, or Parquet files from `neyman generate jets` "
        "(comma-separated); default: generate with Pythia 8",
    ),
    Option("rows", int, None, "jets per class (default 100 quick, 2000 otherwise)"),
    Option("epochs", int, None, "training epochs of the networks (default 3 quick, 10 otherwise)"),
)

#: The BDT's inputs: jet mass (GeV), N-subjettiness and energy-correlation ratios, multiplicity.
SUBSTRUCTURE = ("mass", "tau1", "tau2", "tau3", "tau21", "tau32", "c2", "d2", "n_constituents")

#: Published results on the Top Tagging Reference dataset (trained on 1.2M jets, tested on
#: 400k): (method, AUC, 1/εB at εS = 0.3, source). Kasieczka et al., SciPost Phys. 7, 014
#: (2019), arXiv:1902.09914, Table 1; Qu, Li, Qian, arXiv:2202.03772, Table 4.
PUBLISHED: tuple[tuple[str, float, float, str], ...] = (
    ("CNN (jet images)", 0.981, 914.0, "arXiv:1902.09914"),
    ("Particle Flow Network", 0.982, 891.0, "arXiv:1902.09914"),
    ("ParticleNet", 0.985, 1298.0, "arXiv:1902.09914"),
    ("ParT (from scratch)", 0.9858, 1602.0, "arXiv:2202.03772"),
    ("ParT (fine-tuned from JetClass)", 0.9877, 2766.0, "arXiv:2202.03772"),
)

_SEED = 20261201


@dataclass
class MethodResult:
    """One method's numbers on the held-out jets."""

    name: str
    inputs: str
    n_parameters: int | None
    train_seconds: float
    seconds_per_epoch: float | None
    auc: float
    auc_low: float
    auc_high: float
    rejection_30: float
    rejection_50: float


@dataclass
class JetTaggingAnswers(Answers):
    """Everything ``render`` shows: per-method metrics, ROC curves, and the verdicts."""

    source: str
    n_train: int
    n_test: int
    epochs: int
    #: QCD jets among the test jets: the resolution of 1/εB (none passing: 1/εB > this)
    n_test_background: int
    methods: list[MethodResult]
    ranking: list[str]
    ordering_holds: bool
    rocs: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    mass: dict[str, list[float]] = field(default_factory=dict)
    tau32: dict[str, list[float]] = field(default_factory=dict)


# ------------------------------------------------------------------------------------- data


def load_jets(data: str | None, rows: int, *, seed: int = _SEED) -> tuple[pd.DataFrame, str]:
    """Up to ``rows`` top and ``rows`` QCD jets with constituents and substructure columns.

    Parameters
    ----------
    data : str, optional
        A Top Tagging Reference ``.h5`` file, or comma-separated Parquet files from
        ``neyman generate jets``; None generates the jets with Pythia 8.
    rows : int
        Jets per class.
    seed : int
        Generator seed.

    Returns
    -------
    jets : DataFrame
        A jets table (``label`` 1 for top, 0 for QCD).
    source : str
        Where the jets came from, for the printout.
    """
    if data is None:
        try:
            from neyman.generate.jets import generate_jets
        except ImportError as err:
            msg = (
                "lab jet-tagging needs jets: install the generator (pip install "
                "'neyman[generate]') or pass --data test.h5 (the Top Tagging Reference file)"
            )
            raise DataError(msg, key="data") from err
        chunk = min(rows, 500)
        frames = [
            generate_jets(p, rows, seed=seed, chunk_size=chunk, progress=False)
            for p in ("top", "qcd")
        ]
        return pd.concat(
            frames, ignore_index=True
        ), "generated with Pythia 8 (neyman generate jets)"
    paths = [Path(p.strip()) for p in str(data).split(",") if p.strip()]
    if len(paths) == 1 and paths[0].suffix in (".h5", ".hdf5"):
        from neyman.datasets.top_tagging import top_tagging_jets
        from neyman.generate.jets import add_substructure

        # the reference files interleave the classes: read enough rows for both
        frame = top_tagging_jets(paths[0], rows=4 * rows)
        frame = _per_class(frame, rows)
        return add_substructure(frame), f"Top Tagging Reference format ({paths[0]})"
    frames = []
    for path in paths:
        if not path.is_file():
            msg = f"jets file {path} does not exist; write it with `neyman generate jets`"
            raise DataError(msg, path=str(path), key="data")
        frames.append(pd.read_parquet(path))
    frame = pd.concat(frames, ignore_index=True)
    missing = [c for c in (*SUBSTRUCTURE, "part_pt", "label") if c not in frame.columns]
    if missing:
        msg = (
            f"{paths[0]} lacks the jets column '{missing[0]}'; write it with `neyman generate jets`"
        )
        raise DataError(msg, path=str(paths[0]), key=missing[0], available=list(frame.columns))
    return _per_class(frame, rows), "Parquet from neyman generate jets: " + ", ".join(
        map(str, paths)
    )


def _per_class(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    parts = [frame[frame["label"] == k].head(rows) for k in (1, 0)]
    if any(len(p) == 0 for p in parts):
        msg = "the jets hold only one class; give top (label 1) and QCD (label 0) jets"
        raise DataError(msg, key="label")
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------------- methods


def _methods(quick: bool, epochs: int) -> dict[str, tuple[str, Any]]:
    common: dict[str, Any] = {
        "epochs": epochs,
        "random_state": _SEED,
        "verbose": 0,
        "device": "cpu",
    }
    if quick:
        return {
            "BDT": (
                "substructure",
                BDTClassifier(
                    50,
                    max_depth=3,
                    learning_rate=0.1,
                    subsample=1.0,
                    random_state=_SEED,
                    n_jobs=1,
                    device="cpu",
                ),
            ),
            "CNN": ("image 16x16", CNNClassifier(("conv4x3", "pool2", "dense16"), **common)),
            "Deep Sets": (
                "particles",
                ParticleSetClassifier(
                    "deepsets", max_particles=40, phi_sizes=(32, 32), f_sizes=(32,), **common
                ),
            ),
            "transformer": (
                "particles + pairs",
                ParticleSetClassifier(
                    "transformer", max_particles=40, dim=16, heads=2, n_blocks=1, **common
                ),
            ),
        }
    return {
        "BDT": (
            "substructure",
            BDTClassifier(
                300,
                max_depth=3,
                learning_rate=0.1,
                subsample=1.0,
                random_state=_SEED,
                n_jobs=2,
                device="cpu",
            ),
        ),
        "CNN": (
            "image 32x32",
            CNNClassifier(("conv8x3", "pool2", "conv16x3", "pool2", "dense64"), **common),
        ),
        "Deep Sets": (
            "particles",
            ParticleSetClassifier("deepsets", max_particles=64, lr=2e-3, **common),
        ),
        "transformer": (
            "particles + pairs",
            ParticleSetClassifier(
                "transformer", max_particles=64, dim=32, heads=4, n_blocks=2, **common
            ),
        ),
    }


def _inputs(kind: str, jets: pd.DataFrame, bins: int) -> Any:
    if kind == "substructure":
        return jets[list(SUBSTRUCTURE)].to_numpy(dtype=np.float64)
    if kind.startswith("image"):
        # pixels are pT fractions (sum 1); in percent they are of order one, the scale the
        # CNN's default initialisation expects
        return 100.0 * jet_images(jets, bins=bins)
    return jets[["part_pt", "part_eta", "part_phi", "part_e"]]


def _score(model: Any, X: Any) -> np.ndarray:
    return np.asarray(model.predict_proba(X)[:, list(model.classes_).index(1)])


def compute(
    *, quick: bool = False, console: Console | None = None, **options: Any
) -> JetTaggingAnswers:
    """Train and evaluate the four taggers; return every number ``render`` shows.

    Parameters
    ----------
    quick : bool
        100 jets per class (generated in seconds), small networks, 3 epochs.
    console : rich Console, optional
        Progress lines go here.
    **options
        ``data``, ``rows``, ``epochs`` (see :data:`OPTIONS`).

    Raises
    ------
    ConfigError
        An unknown option or a bad value.
    DataError
        No jets: neither a file nor the generator.
    """
    check_options(NAME, options, [o.name for o in OPTIONS])
    rows = options.get("rows")
    rows = (100 if quick else 2000) if rows is None else rows
    epochs = options.get("epochs")
    epochs = (3 if quick else 10) if epochs is None else epochs
    for key, value, low in (("rows", rows, 10), ("epochs", epochs, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            msg = f"option '{key}' of lab {NAME} must be an integer >= {low}, got {value!r}"
            raise ConfigError(msg, key=key, value=value)
    con = lab_console(console)
    jets, source = load_jets(options.get("data"), rows)
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(jets))
    i_train, i_test = train_test_split(
        idx, test_size=0.3, random_state=_SEED, stratify=jets["label"]
    )
    train, test = jets.iloc[i_train], jets.iloc[i_test]
    y_train, y_test = train["label"].to_numpy(), test["label"].to_numpy()
    con.print(f"{len(train)} training and {len(test)} test jets; {source}", markup=False)
    bins = 16 if quick else 32
    results: list[MethodResult] = []
    rocs: dict[str, tuple[list[float], list[float]]] = {}
    with torch_threads(1 if quick else 2):
        for name, (kind, model) in _methods(quick, epochs).items():
            start = time.perf_counter()
            model.fit(_inputs(kind, train, bins), y_train)
            seconds = time.perf_counter() - start
            score = _score(model, _inputs(kind, test, bins))
            interval = auc(
                y_test, score, ci=0.68, n_bootstrap=200 if quick else 500, random_state=_SEED
            )
            rej = rejection_at(y_test, score, efficiency=[0.3, 0.5])
            roc = roc_curve(y_test, score)
            rocs[name] = (roc.tpr.tolist(), roc.fpr.tolist())
            is_net = not isinstance(model, BDTClassifier)
            results.append(
                MethodResult(
                    name=name,
                    inputs=kind,
                    n_parameters=int(model.n_parameters_) if is_net else None,
                    train_seconds=seconds,
                    seconds_per_epoch=seconds / epochs if is_net else None,
                    auc=interval.value,
                    auc_low=interval.low,
                    auc_high=interval.high,
                    rejection_30=float(rej[0]),
                    rejection_50=float(rej[1]),
                )
            )
            con.print(f"{name}: AUC {interval.value:.4f} ({seconds:.1f} s)", markup=False)
    by_name = {r.name: r.auc for r in results}
    ranking = sorted(by_name, key=lambda k: -by_name[k])
    holds = by_name["transformer"] >= by_name["Deep Sets"] > by_name["CNN"] > by_name["BDT"]
    return JetTaggingAnswers(
        source=source,
        n_train=len(train),
        n_test=len(test),
        epochs=epochs,
        n_test_background=int(np.sum(y_test == 0)),
        methods=results,
        ranking=ranking,
        ordering_holds=bool(holds),
        rocs=rocs,
        mass={
            k: jets.loc[jets["label"] == v, "mass"].tolist() for k, v in (("top", 1), ("QCD", 0))
        },
        tau32={
            k: jets.loc[jets["label"] == v, "tau32"].tolist() for k, v in (("top", 1), ("QCD", 0))
        },
    )


# ----------------------------------------------------------------------------------- render


def format_rejection(x: float, n_background: int) -> str:
    """1/εB as printed in the table; where no test background jet passes, the bound.

    ``rejection_at`` returns ``inf`` when the background efficiency is 0: with
    ``n_background`` test background jets that only says 1/εB > ``n_background``. The cell
    is then marked ``*`` and :func:`rejection_note` explains it under the table.
    """
    if np.isfinite(x):
        return f"{x:,.1f}"
    return f"> {n_background:,} *"


def rejection_note(n_background: int) -> str:
    """The footnote of a ``*`` rejection cell: the counts behind the bound."""
    return (
        f"* 0 of {n_background:,} background jets pass: 1/εB > {n_background:,} "
        f"(the {n_background:,} test QCD jets cannot measure more)."
    )


def ranking_sentence(methods: list[MethodResult]) -> str:
    """Methods by decreasing AUC, '>' only where the 68% intervals do not overlap.

    Neighbours whose intervals overlap are joined by '≈' and called compatible: the test
    sample does not order them.
    """
    ranked = sorted(methods, key=lambda r: -r.auc)
    text = ranked[0].name
    close = False
    for hi, lo in zip(ranked, ranked[1:], strict=False):
        overlap = hi.auc_low <= lo.auc_high
        close |= overlap
        text += f" {'≈' if overlap else '>'} {lo.name}"
    if close:
        text += " (≈: compatible, their 68% AUC intervals overlap)"
    return f"Ranking by AUC: {text}."


def _figures(answers: JetTaggingAnswers, out: Path | None, result: LabResult) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for name, (tpr, fpr) in answers.rocs.items():
        t, f = np.asarray(tpr), np.asarray(fpr)
        keep = f > 0
        ax.plot(t[keep], 1.0 / f[keep], label=name)
    ax.set_yscale("log")
    ax.set_xlabel("signal efficiency εS (top)")
    ax.set_ylabel("background rejection 1/εB (QCD)")
    ax.set_xlim(0.1, 1.0)
    ax.legend()
    save_figure(fig, out, "rejection", result)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, values, label, bins in (
        (axes[0], answers.mass, "jet mass [GeV]", np.linspace(0, 300, 31)),
        (axes[1], answers.tau32, "τ32", np.linspace(0, 1, 26)),
    ):
        for name, v in values.items():
            ax.hist(v, bins=bins, histtype="step", density=True, label=name)
        ax.set_xlabel(label)
        ax.set_ylabel("density")
        ax.legend()
    save_figure(fig, out, "substructure", result)


def render(
    answers: JetTaggingAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the comparison table and the published numbers; write figures to ``out``."""
    con = lab_console(console)
    result = LabResult(NAME, answers=answers.as_dict())
    con.rule("jet-tagging: top vs QCD jets")
    con.print(
        f"{answers.n_train} training / {answers.n_test} test jets, {answers.epochs} epochs; "
        f"{answers.source}",
        markup=False,
    )
    table = Table(
        "method", "inputs", "parameters", "s/epoch", "AUC (68% CL)", "1/εB @ 0.3", "1/εB @ 0.5"
    )
    for r in answers.methods:
        table.add_row(
            r.name,
            r.inputs,
            "-" if r.n_parameters is None else f"{r.n_parameters:,}",
            "-" if r.seconds_per_epoch is None else f"{r.seconds_per_epoch:.2f}",
            f"{r.auc:.4f} [{r.auc_low:.4f}, {r.auc_high:.4f}]",
            format_rejection(r.rejection_30, answers.n_test_background),
            format_rejection(r.rejection_50, answers.n_test_background),
        )
    con.print(table)
    if not all(np.isfinite([r.rejection_30, r.rejection_50]).all() for r in answers.methods):
        con.print(rejection_note(answers.n_test_background), markup=False)
    ref = Table(
        "published (1.2M training jets)", "AUC", "1/εB @ 0.3", "source", title_justify="left"
    )
    for name, a, rej, src in PUBLISHED:
        ref.add_row(name, f"{a:.4f}", f"{rej:,.0f}", src)
    con.print(ref)
    verdict = "holds" if answers.ordering_holds else "does not hold"
    con.print(
        f"{ranking_sentence(answers.methods)} The expected order transformer >= "
        f"Deep Sets > CNN > BDT {verdict} here, with {answers.n_train} training jets, "
        "against 1.2M in the published results: rejections this far from the reference "
        "sample size are not comparable with the published ones.",
        markup=False,
    )
    _figures(answers, out, result)
    if out is None:
        con.print("no figures written (give an output folder to write them)", markup=False)
    return result


def run(
    *, quick: bool = False, out: Path | None = None, console: Console | None = None, **options: Any
) -> LabResult:
    """``render(compute(...))``."""
    return render(compute(quick=quick, console=console, **options), out, console)


NOTEBOOK_CELLS: tuple[tuple[str, str], ...] = (
    (
        "## 1. Jets\nTop and QCD jets with their constituents and substructure.",
        "from neyman.labs import jet_tagging as lab\n\n"
        "jets, source = lab.load_jets(None, 100)\n"
        "print(source)\njets[['mass', 'tau32', 'n_constituents', 'label']].groupby('label').median()",
    ),
    (
        "## 2. The four taggers\nBDT, CNN, Deep Sets and transformer on the same jets.",
        "answers = lab.compute(quick=True)\n[(m.name, round(m.auc, 4)) for m in answers.methods]",
    ),
    (
        "## 3. Table and figures",
        "from pathlib import Path\nresult = lab.render(answers, out=Path('jet-tagging-work'))",
    ),
)
