"""Sheet 1, exercise 1.2 — zmass: predict the Z boson mass from the two electrons' pT, η and φ.

A Z boson decays to an electron pair. From each electron we measure its transverse momentum
pT (GeV), pseudorapidity η and azimuth φ (rad); the electrons are so light that they can be
taken as massless.

(a) Write M² = 2 pT₁ pT₂ (cosh(η₁ − η₂) − cos(φ₁ − φ₂)) as a function and check it on real
    CMS events against the mass the experiment recorded.
(b) Build a 6-100-100-1 network (10,901 parameters). Which output activation, which hidden
    activations, and why?
(c) Train it with stochastic gradient descent (as the sheet does: plain SGD, learning rate
    0.01, Keras' default) and the mean squared error on the raw inputs (GeV and radians).
    How large is the error? Plot predicted against true mass. What did the network learn?
(d) The same with pT and M in units of 100 GeV. Why should the inputs have a mean near 0,
    and why should they not take large values?
(e) Feature engineering: train on the three inputs pT₁·pT₂, Δη, Δφ instead.

On raw GeV inputs plain SGD at 0.01 diverges at once (the first gradients are of order
pT² ~ 10³ times those of unit inputs): the lab reports that, then trains the raw network
with the largest of 1e-3, 1e-4, 1e-5 that does not diverge, so that (c) can still be answered.

Finally compare (c), (d) and (e) on held-out events (MSE, relative resolution, bias): which
step mattered more, the units or the features?

Data: ``--data dielectron.csv`` reads the CMS open-data file (or the 1,412-event sample in its
schema, ``../shared/data/cms_dielectron_2010_sample.csv``); without it the lab generates
Z/γ* → ee events (``neyman.datasets.drell_yan_ee``), whose mass is exactly the massless
formula of the generated electrons. ``--rows N`` keeps the first N events (or generates N).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.linear_model import LinearRegression

from neyman.data import Dataset, Standardizer
from neyman.data.physics import delta_phi, invariant_mass
from neyman.datasets import cms_dielectron, drell_yan_ee
from neyman.errors import ConfigError, DataError, ModelError
from neyman.evaluate import resolution
from neyman.labs._base import (
    Answers,
    Figures,
    LabResult,
    Option,
    cli_hint,
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
    "ZmassAnswers",
    "build_network",
    "compute",
    "mean_verdict",
    "engineered_features",
    "input_scales",
    "render",
    "run",
    "z_mass",
]

NAME = "zmass"
SUMMARY = (
    "Z -> ee mass regression: the massless formula checked on CMS data, a 6-100-100-1 MLP "
    "trained with SGD on raw inputs, in units of 100 GeV, and on engineered features"
)

OPTIONS = (
    Option("data", Path, None, "the CMS dielectron CSV (generated Z/γ* -> ee events without it)"),
    Option("rows", int, None, "events to keep (or to generate), >= 100"),
    Option(
        "epochs",
        int,
        None,
        "training epochs (10 with --quick, else 40; 200 below 5,000 events)",
        minimum=1,
    ),
)
#: learning rates tried, in order, for the raw-input network when SGD at 0.01 diverges
RAW_FALLBACK_LR = (1e-3, 1e-4, 1e-5)

#: GeV; (d) and (e) measure pT and M in this unit
UNIT = 100.0


# (a) ------------------------------------------------------------------------------------
def z_mass(
    pt1: np.ndarray,
    eta1: np.ndarray,
    phi1: np.ndarray,
    pt2: np.ndarray,
    eta2: np.ndarray,
    phi2: np.ndarray,
) -> np.ndarray:
    """Massless pair mass M = sqrt(2 pT₁ pT₂ (cosh Δη − cos Δφ)).

    Parameters
    ----------
    pt1, pt2 : array of shape (n,), GeV
    eta1, eta2 : array of shape (n,)
    phi1, phi2 : array of shape (n,), rad

    Returns
    -------
    array of shape (n,), GeV
        The same as ``neyman.data.physics.invariant_mass`` with zero masses.
    """
    m2 = 2.0 * pt1 * pt2 * (np.cosh(eta1 - eta2) - np.cos(phi1 - phi2))
    return np.asarray(np.sqrt(np.clip(m2, 0.0, None)), dtype=np.float64)


# (b) ------------------------------------------------------------------------------------
def build_network(
    n_inputs: int = 6, *, epochs: int = 50, random_state: int = 0, lr: float = 0.01
) -> MLPRegressor:
    """The 6-100-100-1 regressor of the sheet (``n_inputs``-100-100-1 for part (e)).

    Output: linear (the identity). The mass is an unbounded real number, so the last layer
    must be able to produce any value; a sigmoid or tanh would cap it, a ReLU would be
    fine for M > 0 but kills the gradient whenever a prediction goes negative.
    Hidden: ReLU. It does not saturate for large inputs (tanh and sigmoid do, which matters
    on raw GeV inputs), trains fast, and a sum of ReLUs approximates the smooth sqrt and
    cosh of the formula piece by piece. Loss: mean squared error (learns E[M | inputs]).
    Optimiser: plain stochastic gradient descent (no momentum), batches of 64, learning
    rate 0.01 (Keras' ``SGD()`` default, which the sheet uses).
    """
    return MLPRegressor(
        (100, 100),
        activation="relu",
        output="linear",
        loss="mse",
        optimizer="sgd",
        momentum=0.0,
        lr=lr,
        batch_size=64,
        epochs=epochs,
        early_stopping=False,
        lr_schedule=None,
        random_state=random_state,
        verbose=0,
    )


# (e) ------------------------------------------------------------------------------------
def engineered_features(ds: Dataset) -> Dataset:
    """pT₁·pT₂ (in (100 GeV)²), Δη and Δφ (wrapped into [−π, π)) from a 6-feature Dataset.

    With these three inputs M² = 2 (pT₁pT₂) (cosh Δη − cos Δφ) exactly, so the network has
    no symmetry (φ → φ + c, η → η + c) left to discover.
    """
    X = ds.X.astype(np.float64)
    names = list(ds.feature_names or [])
    col = {name: X[:, names.index(name)] for name in ("pt1", "eta1", "phi1", "pt2", "eta2", "phi2")}
    feats = np.column_stack(
        [
            col["pt1"] * col["pt2"] / UNIT**2,
            col["eta1"] - col["eta2"],
            delta_phi(col["phi1"], col["phi2"]),
        ]
    )
    return Dataset(
        feats,
        y=ds.y,
        feature_names=["pt1*pt2", "delta_eta", "delta_phi"],
        target_name="M",
        name=f"{ds.name} (engineered)",
    )


def _mass(ds: Dataset) -> np.ndarray:
    """The regression target M (GeV) of a Dataset, as float64."""
    return np.asarray(ds.y, dtype=np.float64)


def _metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    abs_res = resolution(y_true, y_pred)
    rel_res = resolution(y_true, y_pred, relative=True)
    sq = (y_pred - y_true) ** 2
    return {
        "mse": float(np.mean(sq)),
        "mse_error": float(np.std(sq, ddof=1) / np.sqrt(len(sq))),
        "rmse": float(abs_res.rms),
        "bias": float(abs_res.bias),
        "rel_resolution": float(rel_res.sigma),
        "rel_resolution_iqr": float(rel_res.sigma_iqr),
        "rel_bias": float(rel_res.bias),
    }


def input_scales(X: np.ndarray, seed: int) -> dict[str, float]:
    """Part (d)'s numbers: input scale and how PyTorch's initial first layer meets the inputs.

    Returns the largest and smallest RMS over the input columns and the share of the 100
    first-layer ReLUs (PyTorch's default initialisation after ``torch.manual_seed(seed)``,
    as the network is built) that are on for every event or off for every event: such a
    unit bends nowhere on the data, so it adds nothing but a linear term.
    """
    import torch

    torch.manual_seed(seed)
    layer = torch.nn.Linear(X.shape[1], 100)
    W = layer.weight.detach().double().numpy()
    b = layer.bias.detach().double().numpy()
    on = (X @ W.T + b) > 0
    rms = np.sqrt(np.mean(X**2, axis=0))
    return {
        "rms_max": float(rms.max()),
        "rms_min": float(rms.min()),
        "mean_abs_max": float(np.max(np.abs(X.mean(axis=0)))),
        "units_without_kink": float(np.mean(on.all(axis=0) | (~on).all(axis=0))),
    }


@dataclass
class ZmassAnswers(Answers):
    """Every number of the lab; MSEs carry their standard error (``mse_error``)."""

    source: str
    n_events: int
    n_train: int
    n_test: int
    epochs: int
    formula_max_rel_diff: float
    formula_median_rel_diff: float
    formula_vs_library_max_rel: float
    n_parameters: int
    n_parameters_engineered: int
    lr: float
    raw_lr: float  # the learning rate the raw network finally trained with
    raw_diverged: list[float]  # learning rates at which the raw network diverged
    models: dict[str, dict[str, float]]
    baseline_mse: float
    #: the raw network's MSE against predicting the training mean, paired on the test events:
    #: "worse" or "better" beyond 2 standard errors, else "compatible"
    raw_vs_mean: str
    raw_linear_mse: float
    raw_corr_true: float
    raw_corr_pt_sum: float
    scales_raw: dict[str, float]
    scales_units: dict[str, float]
    gain_units: float
    gain_features: float
    units_helped: bool  # MSE lower by more than 2 standard errors (paired)
    features_helped: bool
    units_hurt: bool  # MSE higher by more than 2 standard errors (paired)
    features_hurt: bool
    mattered_more: str  # "units", "features", or "neither"
    formula_rel: np.ndarray = figure_data(default=None)
    y_test: np.ndarray = figure_data(default=None)
    preds: dict[str, np.ndarray] = figure_data(default_factory=dict)


def _load(opts: dict[str, Any], quick: bool, seed: int) -> tuple[Dataset, str]:
    if opts["data"] is not None:
        try:
            ds = cms_dielectron(opts["data"])
        except DataError as exc:
            raise cli_hint(exc, NAME, OPTIONS[0], opts["data"]) from exc
        if opts["rows"] is not None:
            ds = ds.subset(np.arange(min(opts["rows"], ds.n_events)))
        return ds, f"CMS open data ({opts['data']})"
    n = (3_000 if quick else 20_000) if opts["rows"] is None else opts["rows"]
    return drell_yan_ee(n, random_state=seed), "generated Z/γ* -> ee (neyman.datasets.drell_yan_ee)"


def _fit_raw(
    train: Dataset, y: np.ndarray, epochs: int, seed: int
) -> tuple[MLPRegressor, float, list[float]]:
    diverged: list[float] = []
    for lr in (0.01, *RAW_FALLBACK_LR):
        try:
            return (
                build_network(6, epochs=epochs, random_state=seed, lr=lr).fit(train.X, y),
                lr,
                diverged,
            )
        except ModelError as exc:
            if "diverged" not in str(exc):
                raise
            diverged.append(lr)
    msg = f"the raw-input network diverged at every learning rate {diverged}"
    raise ModelError(msg)


def _paired_better(y: np.ndarray, worse: np.ndarray, better: np.ndarray) -> bool:
    """True when ``better`` has a lower MSE than ``worse`` by more than 2 standard errors."""
    d = (worse - y) ** 2 - (better - y) ** 2
    return bool(d.mean() > 2 * d.std(ddof=1) / np.sqrt(len(d)))


def _step_text(gain: float, lowered: bool, raised: bool, further: bool) -> str:
    """What one step did to the MSE, in words that follow from its ratio and significance.

    ``gain`` is MSE before / MSE after; ``lowered``/``raised``: the paired difference is
    beyond 2 standard errors in that direction (else "not significant").
    """
    if gain >= 1.0:
        text = f"divided {'it' if further else 'the MSE'} by {'a further ' if further else ''}"
        text += f"{gain:.1f}"
    else:
        text = f"raised {'it' if further else 'the MSE'} by a factor {1.0 / gain:.1f}"
    return text + ("" if lowered or raised else " (not significant)")


def compute(*, quick: bool = False, console: Console | None = None, **options: Any) -> ZmassAnswers:
    """Compute every answer.

    Parameters
    ----------
    quick : bool
        10 epochs on at most 2,000 training events (seconds instead of minutes).
    console : rich Console, optional
    **options
        ``data`` (path of the CMS dielectron CSV; generated events when None), ``rows``
        (events to keep or generate), ``epochs``.
    """
    opts = resolve_options(NAME, OPTIONS, options)
    if opts["rows"] is not None and opts["rows"] < 100:
        msg = f"option 'rows' of lab zmass must be an integer >= 100, got {opts['rows']}"
        raise ConfigError(msg, key="rows", value=opts["rows"])
    con = lab_console(console)
    seed = 20261125
    ds, source = _load(opts, quick, seed)

    # (a) the formula on every event against the recorded mass (the CMS file stores six
    # significant digits, so ~1e-4 is the floor)
    X = ds.X.astype(np.float64)
    cols = [X[:, i] for i in range(6)]
    m_formula = z_mass(*cols)
    rel = m_formula / _mass(ds) - 1.0
    m_lib = np.asarray(invariant_mass(*cols), dtype=np.float64)

    # held-out events: a quarter of the sample, never seen in training
    train, _, test = ds.split(test=0.25, random_state=seed)
    epochs = opts["epochs"]
    if epochs is None:
        epochs = 10 if quick else (200 if ds.n_events < 5_000 else 40)
    if quick:
        train = train.subset(np.arange(min(train.n_events, 2_000)))
    y_train, y_test = _mass(train), _mass(test)
    units = Standardizer(units={"pt1": UNIT, "pt2": UNIT}, standardize=False).fit(train)
    f_train, f_test = engineered_features(train), engineered_features(test)
    preds: dict[str, np.ndarray] = {}
    with (
        torch_threads(1),
        lab_progress(con, f"training three 100-100 networks, {epochs} epochs each") as bar,
    ):
        task = bar.add_task("networks", total=3)
        # (c) raw inputs: pT in GeV (tens), angles in radians (ones), target ~ 90 GeV
        net, raw_lr, diverged = _fit_raw(train, y_train, epochs, seed)
        preds["raw"] = net.predict(test.X).astype(np.float64)
        bar.advance(task)
        # (d) units of 100 GeV for pT and M: inputs and target of order one
        net_units = build_network(6, epochs=epochs, random_state=seed)
        net_units.fit(units.transform(train).X, y_train / UNIT)
        preds["units"] = UNIT * net_units.predict(units.transform(test).X).astype(np.float64)
        bar.advance(task)
        # (e) engineered features pT1·pT2, Δη, Δφ (and M in units of 100 GeV)
        net_feat = build_network(3, epochs=epochs, random_state=seed).fit(f_train.X, y_train / UNIT)
        preds["features"] = UNIT * net_feat.predict(f_test.X).astype(np.float64)
        bar.advance(task)
    models = {k: _metrics(y_test, p) for k, p in preds.items()}
    linear = LinearRegression().fit(train.X, y_train)
    pt_sum = test.X[:, 0].astype(np.float64) + test.X[:, 3]
    mean_pred = np.full_like(y_test, y_train.mean(), dtype=np.float64)
    if _paired_better(y_test, preds["raw"], mean_pred):
        raw_vs_mean = "worse"
    elif _paired_better(y_test, mean_pred, preds["raw"]):
        raw_vs_mean = "better"
    else:
        raw_vs_mean = "compatible"
    units_helped = _paired_better(y_test, preds["raw"], preds["units"])
    features_helped = _paired_better(y_test, preds["units"], preds["features"])
    units_hurt = _paired_better(y_test, preds["units"], preds["raw"])
    features_hurt = _paired_better(y_test, preds["features"], preds["units"])
    gain_units = models["raw"]["mse"] / models["units"]["mse"]
    gain_features = models["units"]["mse"] / models["features"]["mse"]
    helped = {"units": (units_helped, gain_units), "features": (features_helped, gain_features)}
    best = max(
        (k for k, (ok, _) in helped.items() if ok), key=lambda k: helped[k][1], default="neither"
    )
    return ZmassAnswers(
        source=source,
        n_events=ds.n_events,
        n_train=train.n_events,
        n_test=test.n_events,
        epochs=epochs,
        formula_max_rel_diff=float(np.abs(rel).max()),
        formula_median_rel_diff=float(np.median(np.abs(rel))),
        formula_vs_library_max_rel=float(np.max(np.abs(m_formula / m_lib - 1.0))),
        n_parameters=int(net.n_parameters_),
        n_parameters_engineered=int(net_feat.n_parameters_),
        lr=0.01,
        raw_lr=raw_lr,
        raw_diverged=diverged,
        models=models,
        baseline_mse=float(np.mean((y_test - mean_pred) ** 2)),
        raw_vs_mean=raw_vs_mean,
        raw_linear_mse=float(np.mean((linear.predict(test.X) - y_test) ** 2)),
        raw_corr_true=float(np.corrcoef(preds["raw"], y_test)[0, 1]),
        raw_corr_pt_sum=float(np.corrcoef(preds["raw"], pt_sum)[0, 1]),
        scales_raw=input_scales(train.X.astype(np.float64), seed),
        scales_units=input_scales(units.transform(train).X.astype(np.float64), seed),
        gain_units=float(gain_units),
        gain_features=float(gain_features),
        units_helped=units_helped,
        features_helped=features_helped,
        units_hurt=units_hurt,
        features_hurt=features_hurt,
        mattered_more=best,
        formula_rel=rel,
        y_test=y_test,
        preds=preds,
    )


LABELS = {
    "raw": ("(c) raw", "pT [GeV], η, φ"),
    "units": ("(d) units", "pT [100 GeV], η, φ"),
    "features": ("(e) features", "pT1·pT2, Δη, Δφ"),
}


def render(
    answers: ZmassAnswers, out: Path | None = None, console: Console | None = None
) -> LabResult:
    """Print the answers; with ``out``, write ``formula_check.png`` and ``predicted_vs_true.png``."""
    con = lab_console(console)
    result = LabResult(NAME, answers.as_dict())
    figs = Figures(out, result, con)
    a = answers
    con.rule("zmass: the Z boson mass from two electrons")
    con.print(f"{a.n_events} events from {a.source}", markup=False)
    con.rule("(a) M² = 2 pT1 pT2 (cosh Δη − cos Δφ)")
    con.print(
        f"|M_formula / M_recorded − 1|: median {a.formula_median_rel_diff:.2e}, largest "
        f"{a.formula_max_rel_diff:.2e} over all {a.n_events} events "
        f"({100 * a.formula_max_rel_diff:.2g}%): the electrons are massless for all purposes, "
        "and the formula is the mass.",
        markup=False,
    )
    con.rule("(b) a 6-100-100-1 network")
    con.print(
        f"{a.n_parameters:,} parameters (6·100 + 100 + 100·100 + 100 + 100 + 1). Linear output: "
        "the mass is any real number, not a probability. ReLU hidden units: they do not "
        "saturate on inputs of tens of GeV and build the smooth sqrt/cosh from linear pieces.",
        markup=False,
    )
    _render_raw(con, a)
    _render_units(con, a)
    _render_table(con, a)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist(100 * a.formula_rel, bins=60, histtype="step", color="k")
    ax.set_xlabel("M_formula / M_recorded − 1 [%]")
    ax.set_ylabel("events")
    ax.set_title("(a) massless formula vs recorded mass")
    figs.save(fig, "formula_check")
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8), layout="constrained")
    for ax, (key, (label, _)) in zip(axes, LABELS.items(), strict=True):
        plot_predicted_vs_true(a.y_test, a.preds[key], ax=ax, bins=40, label="M", unit="GeV")
        ax.set_title(label)
    figs.save(fig, "predicted_vs_true")
    figs.report()
    return result


def _render_raw(con: Console, a: ZmassAnswers) -> None:
    con.rule(f"(c) SGD on raw inputs, {a.epochs} epochs: what was learned")
    if a.raw_diverged:
        con.print(
            "Plain SGD diverged on the raw inputs at learning rate "
            + ", ".join(f"{lr:g}" for lr in a.raw_diverged)
            + f" (the loss became NaN in the first epoch); trained at {a.raw_lr:g} instead.",
            markup=False,
        )
    m = a.models["raw"]
    if a.raw_corr_pt_sum > a.raw_corr_true:
        learned = "mostly the mass scale from the electrons' momenta, not the angular part"
    else:
        learned = "beyond the momentum scale, part of the angular dependence"
    con.print(
        f"raw-input network: test MSE {m['mse']:.1f} ± {m['mse_error']:.1f} GeV² (RMS "
        f"{m['rmse']:.2f} GeV); predicting the training mean gives {a.baseline_mse:.1f} GeV², "
        f"a linear fit on the six raw inputs {a.raw_linear_mse:.1f} GeV². Its prediction "
        f"correlates with the true mass by {a.raw_corr_true:.2f} and with pT1 + pT2 by "
        f"{a.raw_corr_pt_sum:.2f}: it learned {learned}. {mean_verdict(a.raw_vs_mean)}",
        markup=False,
    )


def mean_verdict(raw_vs_mean: str) -> str:
    """The sentence comparing the raw network with predicting the training mean.

    ``raw_vs_mean`` is ``ZmassAnswers.raw_vs_mean`` (a paired comparison on the test events).
    """
    if raw_vs_mean == "worse":
        return (
            "Its MSE is worse than predicting the training mean (by more than 2 standard "
            "errors, paired on the test events): on raw inputs the network has not even "
            "learned the mean mass."
        )
    if raw_vs_mean == "compatible":
        return (
            "Its MSE is no better than predicting the training mean (within 2 standard "
            "errors, paired on the test events)."
        )
    return "Its MSE is below that of predicting the training mean (by more than 2 standard errors, paired)."


def _render_units(con: Console, a: ZmassAnswers) -> None:
    con.rule("(d) pT and M in units of 100 GeV: why a mean near 0, why no large values")
    r, u = a.scales_raw, a.scales_units
    con.print(
        f"Raw inputs range in RMS from {r['rms_min']:.2f} (angles) to {r['rms_max']:.1f} (pT "
        f"in GeV); in units of 100 GeV from {u['rms_min']:.2f} to {u['rms_max']:.2f}. "
        "Not large values: the gradient of a first-layer weight is proportional to its "
        "input, so with pT of tens of GeV next to angles of order one, one learning rate is too large for the "
        "pT weights (SGD diverges: "
        + ("it did at 0.01 here" if a.raw_diverged else "not here, but barely")
        + ") and far too small for the angle weights; a target of ~90 GeV also makes the "
        "first errors, and so the first steps, huge. A mean near 0: PyTorch initialises "
        "weights for inputs of order one around zero, so that each ReLU switches somewhere "
        "in the data; with inputs far from zero the term w·mean dominates and a unit is on "
        "(or off) for every event, bending nowhere. At initialisation "
        f"{100 * r['units_without_kink']:.0f}% of the first layer's 100 ReLUs are on or off "
        f"for every training event on raw inputs, {100 * u['units_without_kink']:.0f}% in units "
        "of 100 GeV.",
        markup=False,
    )


def _render_table(con: Console, a: ZmassAnswers) -> None:
    con.rule(f"(c) vs (d) vs (e) on {a.n_test} held-out events")
    table = Table("model", "inputs", "MSE [GeV²]", "σ(ΔM/M)", "σ_IQR(ΔM/M)", "bias [GeV]")
    for key, (label, inputs) in LABELS.items():
        m = a.models[key]
        table.add_row(
            label,
            inputs,
            f"{m['mse']:.2f} ± {m['mse_error']:.2f}",
            f"{100 * m['rel_resolution']:.2f}%",
            f"{100 * m['rel_resolution_iqr']:.2f}%",
            f"{m['bias']:+.2f}",
        )
    con.print(table)
    if a.mattered_more == "neither":
        verdict = (
            "neither step lowered the MSE by more than 2 standard errors: cannot tell at this "
            "sample size and number of epochs"
        )
    else:
        verdict = f"the step that mattered more here: {a.mattered_more}"
    units = _step_text(a.gain_units, a.units_helped, a.units_hurt, further=False)
    features = _step_text(
        a.gain_features, a.features_helped, a.features_hurt, further=a.gain_units >= 1.0
    )
    con.print(
        f"Units of 100 GeV {units}; the engineered features {features}; {verdict}.",
        markup=False,
    )


def run(
    *,
    quick: bool = False,
    out: Path | None = None,
    console: Console | None = None,
    **options: Any,
) -> LabResult:
    """Run the lab: ``render(compute(...))``; see :func:`compute` for the options."""
    return render(compute(quick=quick, console=console, **options), out, console)


NOTEBOOK_CELLS: tuple[tuple[str, str], ...] = (
    (
        "**(a)** M² = 2 pT₁ pT₂ (cosh(η₁ − η₂) − cos(φ₁ − φ₂)) as a function, checked on "
        "events (generated here; `cms_dielectron('dielectron.csv')` reads the CMS file).",
        "import numpy as np\n\nfrom neyman.datasets import drell_yan_ee\n"
        "from neyman.labs.zmass import z_mass\n\n"
        "ds = drell_yan_ee(3000, random_state=1)\nX = ds.X.astype(np.float64)\n"
        "m = z_mass(*(X[:, i] for i in range(6)))\nnp.max(np.abs(m / ds.y - 1))",
    ),
    (
        "**(b)** The 6-100-100-1 network, trained with plain SGD (lr 0.01) and the MSE.",
        "from neyman.labs.zmass import build_network\n\nnet = build_network(6, epochs=10)\nnet",
    ),
    (
        "**(c)–(e)** Raw inputs, units of 100 GeV, engineered features; and (d): why a mean "
        "near 0 and no large values.",
        "from neyman.labs.zmass import compute, render\n\n"
        "answers = compute(quick=True)\nrender(answers);",
    ),
)
