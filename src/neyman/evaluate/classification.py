"""Two-class and multi-class metrics from scores: ROC, AUC, rejection, working points, significance.

Physicists read a classifier through its ROC curve in the "efficiency / rejection" convention:
the signal efficiency ``eps_S`` (true-positive rate) at a cut ``score >= t`` and the background
rejection ``1 / eps_B`` (inverse false-positive rate). Everything here works on NumPy arrays
with optional per-event weights (which may be Monte-Carlo weights normalised to a luminosity)
and agrees with ``sklearn.metrics`` where the two overlap.

Read :class:`RocCurve` first; the other functions build on it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike

from neyman.errors import ConfigError, DataError
from neyman.evaluate._checks import (
    FloatArray,
    as_1d_float,
    binary_inputs,
    check_lengths,
    choose,
    effective_count,
    weights_or_ones,
)

__all__ = [
    "AucInterval",
    "ConfusionMatrix",
    "RocCurve",
    "SignificanceKind",
    "SignificanceScan",
    "WorkingPoint",
    "auc",
    "confusion_matrix",
    "efficiency_at",
    "one_vs_rest_roc",
    "rejection_at",
    "roc_curve",
    "significance",
    "significance_scan",
    "working_points",
]

SignificanceKind = Literal["s_over_sqrt_b", "s_over_sqrt_s_plus_b", "asimov"]
_SIGNIFICANCE_KINDS: tuple[str, ...] = ("s_over_sqrt_b", "s_over_sqrt_s_plus_b", "asimov")


# --------------------------------------------------------------------------------------------
# ROC curve
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class RocCurve:
    """A (weighted) ROC curve, one point per distinct score threshold.

    The cut is ``score >= threshold``. The first point is ``threshold = +inf`` (nothing
    selected), the last selects every event; identical scores share one point, so ties are
    handled exactly as in ``sklearn.metrics.roc_curve(..., drop_intermediate=False)``.

    Attributes
    ----------
    fpr : array of shape (m,)
        Background efficiency ``eps_B`` (false-positive rate), from 0 to 1; non-decreasing
        when all weights are >= 0 (signed weights can make it dip, or leave [0, 1]).
    tpr : array of shape (m,)
        Signal efficiency ``eps_S`` (true-positive rate), from 0 to 1; non-decreasing when
        all weights are >= 0.
    thresholds : array of shape (m,)
        Score cut of each point, decreasing; ``thresholds[0] = inf``.
    n_signal_eff, n_background_eff : float
        Kish effective numbers of signal and background events, ``(sum w)^2 / sum w^2``,
        used for the binomial uncertainties (equal to the raw counts when unweighted).
    """

    fpr: FloatArray
    tpr: FloatArray
    thresholds: FloatArray
    n_signal_eff: float
    n_background_eff: float

    @property
    def auc(self) -> float:
        """Area under the ROC curve (trapezoidal rule over ``(fpr, tpr)``)."""
        return float(np.trapezoid(self.tpr, self.fpr))

    @property
    def signal_efficiency(self) -> FloatArray:
        """Alias of :attr:`tpr`."""
        return self.tpr

    @property
    def background_efficiency(self) -> FloatArray:
        """Alias of :attr:`fpr`."""
        return self.fpr

    @property
    def rejection(self) -> FloatArray:
        """Background rejection ``1 / eps_B`` at each point (``inf`` where ``eps_B = 0``)."""
        return _inverse(self.fpr)

    @property
    def tpr_err(self) -> FloatArray:
        """Binomial uncertainty on :attr:`tpr`, ``sqrt(eps (1 - eps) / N_S,eff)``."""
        return _binomial_err(self.tpr, self.n_signal_eff)

    @property
    def fpr_err(self) -> FloatArray:
        """Binomial uncertainty on :attr:`fpr`, ``sqrt(eps (1 - eps) / N_B,eff)``."""
        return _binomial_err(self.fpr, self.n_background_eff)

    @property
    def rejection_err(self) -> FloatArray:
        """Binomial uncertainty on :attr:`rejection`, ``sigma(eps_B) / eps_B^2`` (NaN at 0)."""
        return _rejection_err(self.fpr, self.n_background_eff)

    def background_efficiency_at(self, efficiency: ArrayLike) -> FloatArray:
        """Background efficiency of the cut that gives signal efficiency ``efficiency``.

        The cut is the tightest (highest) threshold whose signal efficiency reaches the
        target, as in :func:`working_points`; between two such cuts ``eps_B`` is linearly
        interpolated. With signed event weights (e.g. NLO ``genWeight``) the efficiency of a
        threshold is still a weighted fraction, but it need not grow as the cut loosens, so
        a signal efficiency can be reached by several cuts: the tightest one is taken, never
        a looser cut whose ``eps_B`` happens to be smaller. Where the ROC is monotone (all
        weights >= 0) the tightest cut at each signal efficiency is also the one with the
        smallest background efficiency.
        """
        eff = _check_fraction("efficiency", efficiency)
        first = _records(self.tpr)
        return np.asarray(np.interp(eff, self.tpr[first], self.fpr[first]), dtype=np.float64)

    def rejection_at(self, efficiency: ArrayLike) -> FloatArray:
        """Background rejection ``1 / eps_B`` at signal efficiency ``efficiency`` (array)."""
        return _inverse(self.background_efficiency_at(efficiency))

    def rejection_err_at(self, efficiency: ArrayLike) -> FloatArray:
        """Binomial uncertainty of :meth:`rejection_at` (NaN where ``eps_B = 0``)."""
        return _rejection_err(self.background_efficiency_at(efficiency), self.n_background_eff)

    def efficiency_at(self, rejection: ArrayLike) -> FloatArray:
        """Signal efficiency of the cut that gives background rejection ``rejection`` (``>= 1``).

        The cut is the loosest threshold whose background efficiency is at most ``1 /
        rejection``; between two such cuts ``eps_S`` is linearly interpolated. Where the ROC
        is monotone (all weights >= 0) this is the largest signal efficiency at that
        background efficiency; with signed weights see :meth:`background_efficiency_at`.
        """
        rej = np.asarray(rejection, dtype=np.float64)
        if np.any(~np.isfinite(rej)) or np.any(rej < 1):
            msg = f"rejection must be finite and >= 1, got {rej.tolist()}; rejection is 1/eps_B"
            raise ConfigError(msg)
        # walk from the loosest cut to the tightest: each new smallest eps_B is the loosest
        # cut reaching it; -fpr[::-1] turns "smallest so far" into "largest so far"
        loosest = (len(self.fpr) - 1 - _records(-self.fpr[::-1]))[::-1]
        return np.asarray(
            np.interp(1.0 / rej, self.fpr[loosest], self.tpr[loosest]), dtype=np.float64
        )


def _records(values: FloatArray) -> np.ndarray:
    """Indices where ``values`` exceeds every earlier entry (the first point at each new high).

    Along a ROC ordered from the tightest cut to the loosest, these are the tightest cuts
    reaching each new signal efficiency; the values at these indices strictly increase, so
    they can be interpolated. For a non-decreasing array they are the first index of each
    distinct value (``np.unique(values, return_index=True)[1]``).
    """
    best_before = np.maximum.accumulate(np.r_[-np.inf, values[:-1]])
    return np.flatnonzero(values > best_before)


def _inverse(x: FloatArray) -> FloatArray:
    out = np.full(np.shape(x), np.inf, dtype=np.float64)
    np.divide(1.0, x, out=out, where=np.asarray(x) > 0)
    return out


def _binomial_err(eff: FloatArray, n_eff: float) -> FloatArray:
    if n_eff <= 0:
        return np.full(np.shape(eff), np.nan)
    return np.asarray(np.sqrt(np.clip(eff * (1.0 - eff), 0.0, None) / n_eff), dtype=np.float64)


def _rejection_err(fpr: FloatArray, n_eff: float) -> FloatArray:
    sigma = _binomial_err(fpr, n_eff)
    out = np.full(np.shape(fpr), np.nan, dtype=np.float64)
    np.divide(sigma, fpr * fpr, out=out, where=np.asarray(fpr) > 0)
    return out


def _check_fraction(name: str, value: ArrayLike) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    if np.any(~np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1):
        msg = f"{name} must lie in [0, 1], got {arr.tolist()}; efficiencies are fractions"
        raise ConfigError(msg)
    return arr


def _cumulative(
    is_pos: np.ndarray, s: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, np.ndarray, np.ndarray]:
    """Sort by decreasing score; return (tps, fps, thresholds, order, threshold_idx)."""
    order = np.argsort(s, kind="mergesort")[::-1]
    s_sorted = s[order]
    distinct = np.flatnonzero(np.diff(s_sorted))
    idx = np.r_[distinct, len(s_sorted) - 1]
    w_sorted = w[order]
    pos_sorted = is_pos[order]
    tps = np.cumsum(np.where(pos_sorted, w_sorted, 0.0))[idx]
    fps = np.cumsum(np.where(pos_sorted, 0.0, w_sorted))[idx]
    return tps, fps, s_sorted[idx], order, idx


def roc_curve(
    y: ArrayLike,
    score: ArrayLike,
    sample_weight: ArrayLike | None = None,
    *,
    pos_label: Any = 1,
) -> RocCurve:
    """Weighted ROC curve of ``score`` separating ``y == pos_label`` (signal) from the rest.

    Parameters
    ----------
    y : array of shape (n,)
        Labels with exactly two classes; signal is ``y == pos_label``.
    score : array of shape (n,)
        Discriminant, larger is more signal-like. Must be finite.
    sample_weight : array of shape (n,), optional
        Per-event weights. Each class's weights must sum to a positive number.
    pos_label : default 1
        Label of the signal class.

    Returns
    -------
    RocCurve

    Raises
    ------
    DataError
        When ``y`` has a single class, ``score`` has NaN, or the lengths differ.

    Examples
    --------
    >>> roc = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> roc.tpr.tolist(), roc.fpr.tolist()
    ([0.0, 0.5, 0.5, 1.0, 1.0], [0.0, 0.0, 0.5, 0.5, 1.0])
    >>> roc.auc
    0.75
    """
    is_pos, s, w = binary_inputs(y, score, sample_weight, pos_label=pos_label)
    tps, fps, thresholds, _, _ = _cumulative(is_pos, s, w)
    tps = np.r_[0.0, tps]
    fps = np.r_[0.0, fps]
    return RocCurve(
        fpr=fps / fps[-1],
        tpr=tps / tps[-1],
        thresholds=np.r_[np.inf, thresholds],
        n_signal_eff=effective_count(w[is_pos]),
        n_background_eff=effective_count(w[~is_pos]),
    )


# --------------------------------------------------------------------------------------------
# AUC with a bootstrap interval
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AucInterval:
    """AUC with a stratified-bootstrap percentile confidence interval.

    Attributes
    ----------
    value : float
        AUC on the full sample.
    low, high : float
        Lower and upper ends of the central ``cl`` percentile interval.
    cl : float
        Confidence level, e.g. 0.68 or 0.95.
    std : float
        Standard deviation of the bootstrap replicas.
    n_bootstrap : int
        Number of bootstrap replicas.
    """

    value: float
    low: float
    high: float
    cl: float
    std: float
    n_bootstrap: int

    def to_dict(self) -> dict[str, float]:
        """Plain floats for JSON."""
        return {
            "auc": self.value,
            "auc_low": self.low,
            "auc_high": self.high,
            "cl": self.cl,
            "auc_std": self.std,
            "n_bootstrap": float(self.n_bootstrap),
        }


@overload
def auc(
    y: ArrayLike,
    score: ArrayLike,
    sample_weight: ArrayLike | None = ...,
    *,
    ci: None = ...,
    n_bootstrap: int = ...,
    random_state: int | np.random.Generator | None = ...,
    pos_label: Any = ...,
) -> float: ...


@overload
def auc(
    y: ArrayLike,
    score: ArrayLike,
    sample_weight: ArrayLike | None = ...,
    *,
    ci: float,
    n_bootstrap: int = ...,
    random_state: int | np.random.Generator | None = ...,
    pos_label: Any = ...,
) -> AucInterval: ...


def auc(
    y: ArrayLike,
    score: ArrayLike,
    sample_weight: ArrayLike | None = None,
    *,
    ci: float | None = None,
    n_bootstrap: int = 1000,
    random_state: int | np.random.Generator | None = None,
    pos_label: Any = 1,
) -> float | AucInterval:
    """Area under the (weighted) ROC curve, optionally with a bootstrap confidence interval.

    Parameters
    ----------
    y, score, sample_weight, pos_label
        As in :func:`roc_curve`.
    ci : float in (0, 1), optional
        Confidence level of the interval (0.68 or 0.95 are usual). When None (default) the
        AUC is returned as a float; otherwise an :class:`AucInterval`.
    n_bootstrap : int, default 1000
        Number of bootstrap replicas. Signal and background are resampled separately
        (stratified bootstrap), so every replica has both classes; the weights ride along
        with their events. The interval is the percentile interval of the replicas
        (Efron & Tibshirani, *An Introduction to the Bootstrap*, 1993, ch. 13).
    random_state : int or numpy.random.Generator, optional
        Seed of the resampling.

    Returns
    -------
    float or AucInterval

    Examples
    --------
    >>> auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    is_pos, s, w = binary_inputs(y, score, sample_weight, pos_label=pos_label)
    tps, fps, _, order, idx = _cumulative(is_pos, s, w)
    value = float(_trapezoid_auc(tps[None, :], fps[None, :])[0])
    if ci is None:
        return value
    if not 0 < ci < 1:
        msg = f"ci must be a confidence level in (0, 1), got {ci}; use 0.68 or 0.95"
        raise ConfigError(msg)
    if n_bootstrap < 2:
        msg = f"n_bootstrap must be >= 2, got {n_bootstrap}; 1000 is a good default"
        raise ConfigError(msg)
    rng = np.random.default_rng(random_state)
    pos_sorted = is_pos[order]
    w_sorted = w[order]
    where_pos = np.flatnonzero(pos_sorted)
    where_neg = np.flatnonzero(~pos_sorted)
    n = len(s)
    # Resampling with replacement keeps the score order, so each replica is the same sorted
    # sample with multinomial multiplicities: O(n) per replica, no re-sorting.
    block = max(1, min(n_bootstrap, 4_000_000 // max(n, 1)))
    replicas: list[FloatArray] = []
    done = 0
    while done < n_bootstrap:
        m = min(block, n_bootstrap - done)
        counts = np.zeros((m, n), dtype=np.float64)
        counts[:, where_pos] = rng.multinomial(
            len(where_pos), np.full(len(where_pos), 1.0 / len(where_pos)), size=m
        )
        counts[:, where_neg] = rng.multinomial(
            len(where_neg), np.full(len(where_neg), 1.0 / len(where_neg)), size=m
        )
        wb = counts * w_sorted
        tps_b = np.cumsum(np.where(pos_sorted, wb, 0.0), axis=1)[:, idx]
        fps_b = np.cumsum(np.where(pos_sorted, 0.0, wb), axis=1)[:, idx]
        replicas.append(_trapezoid_auc(tps_b, fps_b))
        done += m
    boot = np.concatenate(replicas)
    boot = boot[np.isfinite(boot)]
    alpha = (1.0 - ci) / 2.0
    low, high = np.quantile(boot, [alpha, 1.0 - alpha])
    return AucInterval(
        value=value,
        low=float(low),
        high=float(high),
        cl=float(ci),
        std=float(np.std(boot, ddof=1)),
        n_bootstrap=int(n_bootstrap),
    )


def _trapezoid_auc(tps: FloatArray, fps: FloatArray) -> FloatArray:
    """AUC of each row of cumulative (tps, fps) arrays, with the (0, 0) point prepended."""
    zeros = np.zeros((tps.shape[0], 1))
    tpr = np.hstack([zeros, tps]) / tps[:, -1:]
    fpr = np.hstack([zeros, fps]) / fps[:, -1:]
    return np.asarray(np.trapezoid(tpr, fpr, axis=1), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Rejection, efficiency, working points
# --------------------------------------------------------------------------------------------
def _as_roc(
    roc_or_y: RocCurve | ArrayLike, score: ArrayLike | None, sample_weight: ArrayLike | None
) -> RocCurve:
    if isinstance(roc_or_y, RocCurve):
        if score is not None or sample_weight is not None:
            msg = "pass either a RocCurve or (y, score[, sample_weight]), not both"
            raise ConfigError(msg)
        return roc_or_y
    if score is None:
        msg = "score is missing; pass a RocCurve or both y and score"
        raise ConfigError(msg)
    return roc_curve(roc_or_y, score, sample_weight)


def rejection_at(
    roc_or_y: RocCurve | ArrayLike,
    score: ArrayLike | None = None,
    *,
    efficiency: ArrayLike,
    sample_weight: ArrayLike | None = None,
) -> FloatArray:
    """Background rejection ``1 / eps_B`` at the given signal efficiencies.

    Parameters
    ----------
    roc_or_y : RocCurve or array of shape (n,)
        A ROC curve, or labels (then ``score`` is required).
    score : array of shape (n,), optional
        Scores, when ``roc_or_y`` holds labels.
    efficiency : float or array
        Signal efficiencies in [0, 1]; the background efficiency is that of the tightest cut
        reaching each, linearly interpolated between cuts (see
        :meth:`RocCurve.background_efficiency_at`).
    sample_weight : array of shape (n,), optional
        Event weights, when ``roc_or_y`` holds labels.

    Returns
    -------
    array
        Rejections (``inf`` where no background passes); a 0-d array for a scalar input.
    """
    return _as_roc(roc_or_y, score, sample_weight).rejection_at(efficiency)


def efficiency_at(
    roc_or_y: RocCurve | ArrayLike,
    score: ArrayLike | None = None,
    *,
    rejection: ArrayLike,
    sample_weight: ArrayLike | None = None,
) -> FloatArray:
    """Signal efficiency at the given background rejections ``1 / eps_B`` (each >= 1).

    Arguments as in :func:`rejection_at`.
    """
    return _as_roc(roc_or_y, score, sample_weight).efficiency_at(rejection)


@dataclass(frozen=True)
class WorkingPoint:
    """A cut ``score >= cut`` chosen to keep at least ``target_efficiency`` of the signal.

    Attributes
    ----------
    target_efficiency : float
        Requested signal efficiency.
    cut : float
        The tightest (highest) cut whose signal efficiency reaches the target.
    signal_efficiency, background_efficiency : float
        Efficiencies actually achieved by ``cut`` (no interpolation).
    rejection : float
        ``1 / background_efficiency`` (``inf`` when no background passes).
    """

    target_efficiency: float
    cut: float
    signal_efficiency: float
    background_efficiency: float
    rejection: float

    def to_dict(self) -> dict[str, float]:
        """Plain floats for JSON."""
        return {
            "target_efficiency": self.target_efficiency,
            "cut": self.cut,
            "signal_efficiency": self.signal_efficiency,
            "background_efficiency": self.background_efficiency,
            "rejection": self.rejection,
        }


def working_points(
    roc_or_y: RocCurve | ArrayLike,
    score: ArrayLike | None = None,
    *,
    efficiencies: Sequence[float] = (0.5, 0.7, 0.9),
    sample_weight: ArrayLike | None = None,
) -> list[WorkingPoint]:
    """Score cuts giving the requested signal efficiencies, and their background rejection.

    For each target, the cut is the highest threshold whose signal efficiency is at least the
    target, so the reported efficiencies are those a real analysis would get with that cut.
    Arguments as in :func:`rejection_at`.
    """
    roc = _as_roc(roc_or_y, score, sample_weight)
    targets = _check_fraction("efficiencies", list(efficiencies))
    points = []
    for target in np.atleast_1d(targets):
        # first (tightest) point reaching the target; with signed weights tpr need not be
        # monotone, so search the array in order rather than bisect it
        i = int(np.argmax(roc.tpr >= target - 1e-12))
        i = min(max(i, 1), len(roc.tpr) - 1)
        fpr = float(roc.fpr[i])
        points.append(
            WorkingPoint(
                target_efficiency=float(target),
                cut=float(roc.thresholds[i]),
                signal_efficiency=float(roc.tpr[i]),
                background_efficiency=fpr,
                rejection=1.0 / fpr if fpr > 0 else float("inf"),
            )
        )
    return points


# --------------------------------------------------------------------------------------------
# Significance
# --------------------------------------------------------------------------------------------
def significance(
    s: ArrayLike, b: ArrayLike, kind: str = "asimov", *, background_uncertainty: float = 0.0
) -> FloatArray:
    """Expected discovery significance for ``s`` signal and ``b`` background events.

    ``"s_over_sqrt_b"``: ``s / sqrt(b)``; ``"s_over_sqrt_s_plus_b"``: ``s / sqrt(s + b)``;
    ``"asimov"``: ``sqrt(2 ((s + b) ln(1 + s/b) - s))``, the median significance of a
    counting experiment with known ``b`` (Cowan, Cranmer, Gross, Vitells, Eur. Phys. J. C 71
    (2011) 1554, arXiv:1007.1727). NaN where undefined (``b <= 0``, or ``s + b <= 0``).

    With ``background_uncertainty = r > 0`` (relative, ``sigma_b = r b``; ``"asimov"`` only)
    the background is known only from an auxiliary measurement and is profiled:
    ``Z = sqrt(2 [(s+b) ln((s+b)(b+sigma^2) / (b^2 + (s+b) sigma^2))
    - (b^2/sigma^2) ln(1 + sigma^2 s / (b (b + sigma^2)))])`` (Cowan, "Discovery sensitivity
    for a counting experiment with background uncertainty", 2012; the Asimov ``Z_A`` of the
    on/off problem with ``tau = b / sigma^2``).
    """
    choose("significance kind", kind, _SIGNIFICANCE_KINDS)
    r = float(background_uncertainty)
    if not (math.isfinite(r) and r >= 0.0):
        msg = f"background_uncertainty must be a relative uncertainty >= 0, got {r}"
        raise ConfigError(msg, key="background_uncertainty", value=r)
    if r > 0 and kind != "asimov":
        msg = (
            f"background_uncertainty needs kind='asimov' (got kind='{kind}'); "
            "s/sqrt(b) and s/sqrt(s+b) have no background uncertainty"
        )
        raise ConfigError(msg, key="kind", value=kind)
    s_arr = np.asarray(s, dtype=np.float64)
    b_arr = np.asarray(b, dtype=np.float64)
    out = np.full(np.broadcast(s_arr, b_arr).shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if kind == "s_over_sqrt_b":
            ok = b_arr > 0
            np.divide(s_arr, np.sqrt(np.where(ok, b_arr, 1.0)), out=out, where=ok)
        elif kind == "s_over_sqrt_s_plus_b":
            tot = s_arr + b_arr
            ok = tot > 0
            np.divide(s_arr, np.sqrt(np.where(ok, tot, 1.0)), out=out, where=ok)
        else:
            ok = (b_arr > 0) & (s_arr >= 0)
            bb = np.where(ok, b_arr, 1.0)
            ss = np.where(ok, s_arr, 0.0)
            if r > 0:
                v = (r * bb) ** 2  # sigma_b^2
                q = 2.0 * (
                    (ss + bb) * np.log((ss + bb) * (bb + v) / (bb * bb + (ss + bb) * v))
                    - (bb * bb / v) * np.log1p(v * ss / (bb * (bb + v)))
                )
            else:
                q = 2.0 * ((ss + bb) * np.log1p(ss / bb) - ss)
            # q >= 0 analytically; clip the rounding error for tiny s/b
            out = np.where(ok, np.sqrt(np.clip(q, 0.0, None)), np.nan)
    return np.asarray(out, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class SignificanceScan:
    """Expected significance of the cut ``score >= cut`` for a scan of cuts.

    Attributes
    ----------
    cuts : array of shape (m,)
        Score cuts, increasing.
    s, b : array of shape (m,)
        Weighted signal and background yields passing each cut (events, in the units of the
        weights: normalise the weights to the expected yields for a physical significance).
    z : array of shape (m,)
        Significance at each cut (NaN where undefined, e.g. no background left).
    kind : str
        Which formula: ``"s_over_sqrt_b"``, ``"s_over_sqrt_s_plus_b"`` or ``"asimov"``.
    best_index : int
        Index of the maximum of ``z`` (ignoring NaN).
    background_uncertainty : float
        Relative background uncertainty in the Asimov significance (0: none).
    """

    cuts: FloatArray
    s: FloatArray
    b: FloatArray
    z: FloatArray
    kind: str
    best_index: int
    background_uncertainty: float = 0.0

    @property
    def best_cut(self) -> float:
        """Cut with the highest significance."""
        return float(self.cuts[self.best_index])

    @property
    def best_z(self) -> float:
        """Highest significance."""
        return float(self.z[self.best_index])

    @property
    def best_s(self) -> float:
        """Signal yield at the best cut."""
        return float(self.s[self.best_index])

    @property
    def best_b(self) -> float:
        """Background yield at the best cut."""
        return float(self.b[self.best_index])

    def to_dict(self) -> dict[str, float | str]:
        """The optimum as plain values for JSON."""
        return {
            "kind": self.kind,
            "best_cut": self.best_cut,
            "best_z": self.best_z,
            "best_s": self.best_s,
            "best_b": self.best_b,
            "background_uncertainty": self.background_uncertainty,
        }


def significance_scan(
    y: ArrayLike,
    score: ArrayLike,
    sample_weight: ArrayLike | None = None,
    *,
    kind: str = "s_over_sqrt_b",
    cuts: ArrayLike | None = None,
    min_background: float = 0.0,
    min_background_events: int = 0,
    background_uncertainty: float = 0.0,
    pos_label: Any = 1,
) -> SignificanceScan:
    """Scan the cut ``score >= cut`` and find the one maximising the expected significance.

    Parameters
    ----------
    y, score, sample_weight, pos_label
        As in :func:`roc_curve`; the weights set the yields ``S`` and ``B``.
    kind : {"s_over_sqrt_b", "s_over_sqrt_s_plus_b", "asimov"}
        Formula, see :func:`significance`.
    cuts : array, optional
        Cuts to scan; by default every distinct score value (an exact optimum).
    min_background : float, default 0
        Cuts leaving a background yield ``B <= min_background`` get ``z = NaN``: tiny,
        statistically meaningless background yields otherwise drive ``S/sqrt(B)`` to infinity.
    min_background_events : int, default 0
        Cuts keeping fewer simulated (unweighted) background events than this also get
        ``z = NaN``: with few events the yield itself is a fluctuation, and the best cut
        would pick it.
    background_uncertainty : float, default 0
        Relative background uncertainty of the Asimov significance (``kind="asimov"`` only),
        see :func:`significance`.

    Returns
    -------
    SignificanceScan
    """
    kind = choose("significance kind", kind, _SIGNIFICANCE_KINDS)
    is_pos, s, w = binary_inputs(y, score, sample_weight, pos_label=pos_label)
    cut_arr = np.unique(s) if cuts is None else np.sort(as_1d_float("cuts", cuts))
    if len(cut_arr) == 0:
        msg = "cuts is empty; pass at least one cut or leave it None to scan every score"
        raise ConfigError(msg)
    order = np.argsort(s, kind="mergesort")
    s_sorted = s[order]
    ws = np.r_[0.0, np.cumsum(np.where(is_pos[order], w[order], 0.0))]
    wb = np.r_[0.0, np.cumsum(np.where(is_pos[order], 0.0, w[order]))]
    first = np.searchsorted(s_sorted, cut_arr, side="left")
    sig = ws[-1] - ws[first]
    bkg = wb[-1] - wb[first]
    z = significance(sig, bkg, kind, background_uncertainty=background_uncertainty)
    nb = np.r_[0, np.cumsum(~is_pos[order])]
    n_bkg = nb[-1] - nb[first]
    z = np.where((bkg > min_background) & (n_bkg >= min_background_events), z, np.nan)
    if np.all(np.isnan(z)):
        msg = (
            f"no cut leaves a background yield above min_background={min_background:g} "
            f"with >= {min_background_events} background events; lower them or check the weights"
        )
        raise DataError(msg)
    return SignificanceScan(
        cuts=cut_arr,
        s=sig,
        b=bkg,
        z=z,
        kind=kind,
        best_index=int(np.nanargmax(z)),
        background_uncertainty=float(background_uncertainty),
    )


# --------------------------------------------------------------------------------------------
# Multi-class
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ConfusionMatrix:
    """Confusion matrix: ``matrix[i, j]`` counts events of true class ``labels[i]``
    predicted as ``labels[j]`` (weighted; normalised as requested).

    Attributes
    ----------
    matrix : array of shape (k, k)
    labels : list
        Class labels, in row/column order.
    normalize : {None, "true", "pred", "all"}
        None: (weighted) counts; "true": rows sum to 1 (efficiency of each class);
        "pred": columns sum to 1 (purity); "all": the whole matrix sums to 1.
    """

    matrix: FloatArray
    labels: list[Any]
    normalize: str | None = None

    @property
    def accuracy(self) -> float:
        """Fraction of (weighted) events on the diagonal."""
        total = float(np.sum(self.matrix))
        return (
            float(np.trace(self.matrix)) / total
            if self.normalize in (None, "all")
            else float("nan")
        )


def confusion_matrix(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: Sequence[Any] | None = None,
    sample_weight: ArrayLike | None = None,
    normalize: str | None = None,
) -> ConfusionMatrix:
    """(Weighted) confusion matrix of predicted against true class labels.

    Parameters
    ----------
    y_true, y_pred : array of shape (n,)
        True and predicted class labels.
    labels : sequence, optional
        Class order; by default the sorted union of ``y_true`` and ``y_pred``.
    sample_weight : array of shape (n,), optional
    normalize : {None, "true", "pred", "all"}
        See :class:`ConfusionMatrix`; as in ``sklearn.metrics.confusion_matrix``.
    """
    yt = np.asarray(y_true)
    yp = np.asarray(y_pred)
    if yt.ndim != 1 or yp.ndim != 1:
        msg = f"y_true and y_pred must be 1-D labels, got shapes {yt.shape} and {yp.shape}"
        raise DataError(msg)
    n = check_lengths(y_true=yt, y_pred=yp)
    if n == 0:
        msg = "y_true is empty; pass at least one event"
        raise DataError(msg)
    w = weights_or_ones(sample_weight, n)
    if normalize is not None:
        choose("normalize", normalize, ("true", "pred", "all"))
    lab = np.unique(np.r_[yt, yp]) if labels is None else np.asarray(list(labels))
    k = len(lab)
    index = {v: i for i, v in enumerate(lab.tolist())}
    missing = sorted({v for v in yt.tolist()} - index.keys(), key=str)
    if missing:
        msg = f"y_true has labels {missing[:5]} not in labels; add them to labels"
        raise DataError(msg)
    ti = np.array([index[v] for v in yt.tolist()], dtype=np.intp)
    pi = np.array([index.get(v, -1) for v in yp.tolist()], dtype=np.intp)
    keep = pi >= 0
    mat = np.zeros((k, k), dtype=np.float64)
    np.add.at(mat, (ti[keep], pi[keep]), w[keep])
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalize == "true":
            mat = mat / mat.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            mat = mat / mat.sum(axis=0, keepdims=True)
        elif normalize == "all":
            mat = mat / mat.sum()
    mat = np.nan_to_num(mat)
    return ConfusionMatrix(matrix=mat, labels=lab.tolist(), normalize=normalize)


def one_vs_rest_roc(
    y: ArrayLike,
    scores: ArrayLike,
    *,
    classes: Sequence[Any] | None = None,
    sample_weight: ArrayLike | None = None,
) -> dict[Any, RocCurve]:
    """One ROC curve per class: column ``k`` of ``scores`` separating class ``k`` from the rest.

    Parameters
    ----------
    y : array of shape (n,)
        Class labels.
    scores : array of shape (n, k)
        Per-class scores (e.g. ``predict_proba`` output), columns in the order of ``classes``.
    classes : sequence, optional
        Class of each column; by default the sorted unique values of ``y``.
    sample_weight : array of shape (n,), optional

    Returns
    -------
    dict
        ``{class label: RocCurve}`` in column order.
    """
    y_arr = np.asarray(y)
    sc = np.asarray(scores, dtype=np.float64)
    if sc.ndim != 2:
        msg = f"scores must have shape (n, n_classes), got {sc.shape}; pass predict_proba output"
        raise DataError(msg)
    check_lengths(y=y_arr, scores=sc)
    cls = np.unique(y_arr).tolist() if classes is None else list(classes)
    if sc.shape[1] != len(cls):
        msg = (
            f"scores has {sc.shape[1]} columns but there are {len(cls)} classes {cls[:6]}; "
            "pass classes= in column order"
        )
        raise DataError(msg)
    out: dict[Any, RocCurve] = {}
    for k, label in enumerate(cls):
        out[label] = roc_curve(np.asarray(y_arr == label, dtype=np.int64), sc[:, k], sample_weight)
    return out
