"""Overtraining check in the TMVA style: does the classifier score look the same on the events
it was trained on as on independent test events?

For each class the train and test score distributions are compared with a two-sample
Kolmogorov-Smirnov test (Hoecker et al., *TMVA Users Guide*, arXiv:physics/0703039, sec. 3.1.4),
and the signal efficiency at fixed background efficiencies is compared between the two samples:
an overtrained model is better on its training events than on new ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from neyman.errors import ConfigError, DataError
from neyman.evaluate._checks import (
    FloatArray,
    binary_inputs,
    effective_count,
)
from neyman.evaluate.classification import _check_fraction, roc_curve

__all__ = ["KsResult", "OvertrainingReport", "ks_2samp_weighted", "overtraining_check"]

_CLASSES = ("signal", "background")


@dataclass(frozen=True)
class KsResult:
    """Two-sample Kolmogorov-Smirnov test: the statistic ``D`` and its p-value."""

    statistic: float
    pvalue: float


def ks_2samp_weighted(
    a: ArrayLike,
    b: ArrayLike,
    weight_a: ArrayLike | None = None,
    weight_b: ArrayLike | None = None,
) -> KsResult:
    """Two-sample KS test, with per-event weights when given.

    Without weights this is ``scipy.stats.ks_2samp`` (exact p-value for small samples).
    With weights, ``D`` is the largest distance between the two weighted empirical CDFs and the
    p-value uses the asymptotic Kolmogorov distribution at the Kish effective sample sizes
    ``n_eff = (sum w)^2 / sum w^2`` (as ``ks_2samp(method="asymp")`` does with raw counts).
    Negative weights are allowed in the CDFs but make the p-value approximate.

    Parameters
    ----------
    a, b : array of shape (n_a,), (n_b,)
        The two samples.
    weight_a, weight_b : array, optional
        Their weights; give both or neither.
    """
    xa = np.asarray(a, dtype=np.float64)
    xb = np.asarray(b, dtype=np.float64)
    if len(xa) == 0 or len(xb) == 0:
        msg = "a KS test needs events in both samples; one of them is empty"
        raise DataError(msg)
    if (weight_a is None) != (weight_b is None):
        msg = "give weights for both samples of the KS test or for neither"
        raise ConfigError(msg)
    if weight_a is None or weight_b is None:
        res = stats.ks_2samp(xa, xb)
        return KsResult(statistic=float(res.statistic), pvalue=float(res.pvalue))
    wa = np.asarray(weight_a, dtype=np.float64)
    wb = np.asarray(weight_b, dtype=np.float64)
    x = np.r_[xa, xb]
    order = np.argsort(x, kind="mergesort")
    x_sorted = x[order]
    wa_all = np.r_[wa / wa.sum(), np.zeros(len(xb))][order]
    wb_all = np.r_[np.zeros(len(xa)), wb / wb.sum()][order]
    # evaluate both CDFs after the last event of each group of equal values
    ends = np.r_[np.flatnonzero(np.diff(x_sorted)), len(x_sorted) - 1]
    d = float(np.max(np.abs(np.cumsum(wa_all)[ends] - np.cumsum(wb_all)[ends])))
    na, nb = sorted((effective_count(wa), effective_count(wb)), reverse=True)
    en = na * nb / (na + nb)
    p = float(np.clip(stats.kstwo.sf(d, max(1.0, np.round(en))), 0.0, 1.0))
    return KsResult(statistic=d, pvalue=p)


@dataclass(frozen=True, eq=False)
class OvertrainingReport:
    """Train-versus-test comparison of a classifier's score.

    Attributes
    ----------
    ks_statistic, ks_pvalue : dict of str to float
        KS statistic and p-value per class (keys ``"signal"``, ``"background"``).
    p_threshold : float
        Family-wise false-alarm rate of the verdict.
    flagged : bool
        True when some class's p-value is below the Sidak-corrected threshold
        ``1 - (1 - p_threshold) ** (1/2)``, so that two identically distributed samples are
        flagged with probability ``p_threshold`` overall.
    background_efficiencies : array of shape (k,)
        Background efficiencies at which signal efficiencies are compared.
    signal_efficiency_train, signal_efficiency_test : array of shape (k,)
        Signal efficiency at those background efficiencies, on train and on test events.
    bin_edges : array of shape (n_bins + 1,)
        Common score binning of the histograms.
    densities, density_errors : dict of str to array of shape (n_bins,)
        Normalised score histograms (and their statistical errors), keys
        ``"signal_train"``, ``"signal_test"``, ``"background_train"``, ``"background_test"``.
    """

    ks_statistic: dict[str, float]
    ks_pvalue: dict[str, float]
    p_threshold: float
    flagged: bool
    background_efficiencies: FloatArray
    signal_efficiency_train: FloatArray
    signal_efficiency_test: FloatArray
    bin_edges: FloatArray
    densities: dict[str, FloatArray]
    density_errors: dict[str, FloatArray]

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON (histograms left out)."""
        return {
            "ks_statistic": dict(self.ks_statistic),
            "ks_pvalue": dict(self.ks_pvalue),
            "p_threshold": self.p_threshold,
            "flagged": self.flagged,
            "background_efficiencies": self.background_efficiencies.tolist(),
            "signal_efficiency_train": self.signal_efficiency_train.tolist(),
            "signal_efficiency_test": self.signal_efficiency_test.tolist(),
        }


def overtraining_check(
    score_train: ArrayLike,
    y_train: ArrayLike,
    score_test: ArrayLike,
    y_test: ArrayLike,
    *,
    weight_train: ArrayLike | None = None,
    weight_test: ArrayLike | None = None,
    p_threshold: float = 0.05,
    background_efficiencies: Sequence[float] = (0.01, 0.1, 0.3),
    n_bins: int = 40,
    pos_label: Any = 1,
) -> OvertrainingReport:
    """Compare a classifier's scores on training and test events (TMVA-style).

    Parameters
    ----------
    score_train, y_train : array of shape (n_train,)
        Scores and labels of the training events.
    score_test, y_test : array of shape (n_test,)
        Scores and labels of independent test events.
    weight_train, weight_test : array, optional
        Event weights; give both or neither (a weighted KS test is used with weights).
    p_threshold : float, default 0.05
        False-alarm rate of the ``flagged`` verdict (see :class:`OvertrainingReport`).
    background_efficiencies : sequence of float
        Where to compare the signal efficiency on train and test.
    n_bins : int, default 40
        Number of bins of the stored histograms (for plotting only; the KS test is unbinned).

    Returns
    -------
    OvertrainingReport
    """
    if not 0 < p_threshold < 1:
        msg = f"p_threshold must be in (0, 1), got {p_threshold}; 0.05 is usual"
        raise ConfigError(msg)
    if (weight_train is None) != (weight_test is None):
        msg = "give weight_train and weight_test together, or neither"
        raise ConfigError(msg)
    if n_bins < 1:
        msg = f"n_bins must be >= 1, got {n_bins}"
        raise ConfigError(msg)
    eff_b = np.atleast_1d(_check_fraction("background_efficiencies", list(background_efficiencies)))
    if np.any(eff_b <= 0):
        msg = "background_efficiencies must be > 0; use e.g. (0.01, 0.1, 0.3)"
        raise ConfigError(msg)
    pos_tr, s_tr, w_tr = binary_inputs(y_train, score_train, weight_train, pos_label=pos_label)
    pos_te, s_te, w_te = binary_inputs(y_test, score_test, weight_test, pos_label=pos_label)
    weighted = weight_train is not None

    ks_stat: dict[str, float] = {}
    ks_p: dict[str, float] = {}
    for name, m_tr, m_te in (("signal", pos_tr, pos_te), ("background", ~pos_tr, ~pos_te)):
        res = ks_2samp_weighted(
            s_tr[m_tr],
            s_te[m_te],
            w_tr[m_tr] if weighted else None,
            w_te[m_te] if weighted else None,
        )
        ks_stat[name] = res.statistic
        ks_p[name] = res.pvalue
    per_test = 1.0 - (1.0 - p_threshold) ** (1.0 / len(_CLASSES))
    flagged = bool(min(ks_p.values()) < per_test)

    rej = 1.0 / eff_b
    eff_tr = roc_curve(pos_tr, s_tr, w_tr, pos_label=True).efficiency_at(rej)
    eff_te = roc_curve(pos_te, s_te, w_te, pos_label=True).efficiency_at(rej)

    lo = min(s_tr.min(), s_te.min())
    hi = max(s_tr.max(), s_te.max())
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, n_bins + 1)
    dens: dict[str, FloatArray] = {}
    errs: dict[str, FloatArray] = {}
    for name, mask_tr, mask_te in (("signal", pos_tr, pos_te), ("background", ~pos_tr, ~pos_te)):
        for part, sc, ww in (
            ("train", s_tr[mask_tr], w_tr[mask_tr]),
            ("test", s_te[mask_te], w_te[mask_te]),
        ):
            h, _ = np.histogram(sc, bins=edges, weights=ww)
            h2, _ = np.histogram(sc, bins=edges, weights=ww * ww)
            norm = ww.sum() * np.diff(edges)
            dens[f"{name}_{part}"] = h / norm
            errs[f"{name}_{part}"] = np.sqrt(h2) / norm

    return OvertrainingReport(
        ks_statistic=ks_stat,
        ks_pvalue=ks_p,
        p_threshold=float(p_threshold),
        flagged=flagged,
        background_efficiencies=eff_b,
        signal_efficiency_train=eff_tr,
        signal_efficiency_test=eff_te,
        bin_edges=edges,
        densities=dens,
        density_errors=errs,
    )
