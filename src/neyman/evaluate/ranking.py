"""Which input variables matter: permutation importance and linear correlations per class.

Permutation importance (Breiman, *Random Forests*, Mach. Learn. 45 (2001) 5) is the drop of a
metric when one feature's values are shuffled across events, breaking its link to the label
while keeping its distribution. It needs only a ``predict``-like callable, so it ranks inputs of
any method, unlike a BDT's split counts. Linear correlation matrices per class show which
inputs carry the same information (TMVA prints the same tables).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from neyman.errors import ConfigError, DataError
from neyman.evaluate._checks import FloatArray, check_lengths, weights_or_ones
from neyman.evaluate.classification import auc

__all__ = [
    "CorrelationMatrices",
    "PermutationImportance",
    "correlation_matrices",
    "permutation_importance",
]

Metric = Callable[[np.ndarray, np.ndarray, np.ndarray | None], float]


def _as_2d(X: ArrayLike) -> FloatArray:
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2:
        msg = f"X must have shape (n_events, n_features), got {arr.shape}"
        raise DataError(msg)
    n_bad = int(np.count_nonzero(~np.isfinite(arr)))
    if n_bad:
        msg = f"X has {n_bad} NaN or infinite value(s); drop or impute them first"
        raise DataError(msg)
    return arr


def _names(feature_names: Sequence[str] | None, d: int) -> list[str]:
    if feature_names is None:
        return [f"x{i}" for i in range(d)]
    names = [str(n) for n in feature_names]
    if len(names) != d:
        msg = f"feature_names has {len(names)} names but X has {d} columns; pass one per column"
        raise DataError(msg)
    return names


def _default_metric(y: np.ndarray, score: np.ndarray, w: np.ndarray | None) -> float:
    return auc(y, score, w)


@dataclass(frozen=True, eq=False)
class PermutationImportance:
    """Drop of a metric when each feature is shuffled.

    Attributes
    ----------
    feature_names : list of str
    baseline : float
        Metric on the unshuffled data.
    importances : array of shape (d, n_repeats)
        ``baseline - metric(shuffled)`` for each feature and repeat.
    importances_mean, importances_std : array of shape (d,)
        Mean and standard deviation over repeats.
    """

    feature_names: list[str]
    baseline: float
    importances: FloatArray

    @property
    def importances_mean(self) -> FloatArray:
        return np.asarray(self.importances.mean(axis=1), dtype=np.float64)

    @property
    def importances_std(self) -> FloatArray:
        return np.asarray(self.importances.std(axis=1), dtype=np.float64)

    @property
    def ranking(self) -> list[str]:
        """Feature names, most important first (stable for ties)."""
        order = np.argsort(-self.importances_mean, kind="mergesort")
        return [self.feature_names[i] for i in order]

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "baseline": self.baseline,
            "importance_mean": dict(
                zip(self.feature_names, self.importances_mean.tolist(), strict=True)
            ),
            "importance_std": dict(
                zip(self.feature_names, self.importances_std.tolist(), strict=True)
            ),
            "ranking": self.ranking,
        }


def permutation_importance(
    predict: Callable[[np.ndarray], ArrayLike],
    X: ArrayLike,
    y: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    metric: Metric | None = None,
    n_repeats: int = 5,
    random_state: int | np.random.Generator | None = None,
    feature_names: Sequence[str] | None = None,
) -> PermutationImportance:
    """Permutation importance of each column of ``X`` for a scoring callable.

    Parameters
    ----------
    predict : callable
        ``predict(X) -> score`` of shape (n,), e.g. ``lambda X: model.predict_proba(X)[:, 1]``.
        It is called with float64 arrays of the same shape as ``X``.
    X : array of shape (n, d)
    y : array of shape (n,)
    sample_weight : array of shape (n,), optional
    metric : callable, optional
        ``metric(y, score, sample_weight) -> float``, higher is better; by default the AUC.
    n_repeats : int, default 5
        Shuffles per feature. For feature ``j`` and repeat ``r`` (features outer, repeats
        inner) the permutation is ``rng.permutation(n)`` from ``numpy.random.default_rng``.
    random_state : int or Generator, optional
    feature_names : sequence of str, optional

    Returns
    -------
    PermutationImportance
    """
    Xa = _as_2d(X).copy()  # shuffled column by column; never touch the caller's array
    y_arr = np.asarray(y)
    check_lengths(X=Xa, y=y_arr)
    if n_repeats < 1:
        msg = f"n_repeats must be >= 1, got {n_repeats}"
        raise ConfigError(msg)
    names = _names(feature_names, Xa.shape[1])
    w = None if sample_weight is None else weights_or_ones(sample_weight, len(Xa))
    score_fn = _default_metric if metric is None else metric
    rng = np.random.default_rng(random_state)

    def evaluate(data: FloatArray) -> float:
        score = np.asarray(predict(data), dtype=np.float64).reshape(-1)
        if score.shape != (len(data),):
            msg = f"predict returned {score.shape[0]} scores for {len(data)} events; it must return one per row"
            raise DataError(msg)
        return float(score_fn(y_arr, score, w))

    baseline = evaluate(Xa)
    imp = np.empty((Xa.shape[1], n_repeats))
    for j in range(Xa.shape[1]):
        original = Xa[:, j].copy()
        for r in range(n_repeats):
            Xa[:, j] = original[rng.permutation(len(Xa))]
            imp[j, r] = baseline - evaluate(Xa)
        Xa[:, j] = original
    return PermutationImportance(feature_names=names, baseline=baseline, importances=imp)


@dataclass(frozen=True, eq=False)
class CorrelationMatrices:
    """Linear (Pearson) correlation matrices of the input features, per class.

    Attributes
    ----------
    feature_names : list of str
    matrices : dict
        ``{label: array of shape (d, d)}``; the key ``"all"`` holds all events together.
        Entries involving a constant feature are NaN.
    """

    feature_names: list[str]
    matrices: dict[Any, FloatArray]


def _weighted_corr(X: FloatArray, w: FloatArray) -> FloatArray:
    mean = np.sum(w[:, None] * X, axis=0) / w.sum()
    dx = X - mean
    cov = (w[:, None] * dx).T @ dx / w.sum()
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    corr[:, sd == 0] = np.nan
    corr[sd == 0, :] = np.nan
    return np.asarray(np.clip(corr, -1.0, 1.0), dtype=np.float64)


def correlation_matrices(
    X: ArrayLike,
    y: ArrayLike | None = None,
    *,
    sample_weight: ArrayLike | None = None,
    feature_names: Sequence[str] | None = None,
) -> CorrelationMatrices:
    """(Weighted) Pearson correlation matrix of ``X`` for each class of ``y`` and for all.

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,), optional
        Class labels; one matrix per distinct label (keys are the labels), plus ``"all"``.
    sample_weight : array of shape (n,), optional
        Event weights (non-negative for a meaningful correlation).
    feature_names : sequence of str, optional
    """
    Xa = _as_2d(X)
    w = weights_or_ones(sample_weight, len(Xa))
    names = _names(feature_names, Xa.shape[1])
    if len(Xa) < 2:
        msg = f"correlations need at least 2 events, got {len(Xa)}"
        raise DataError(msg)
    mats: dict[Any, FloatArray] = {}
    if y is not None:
        y_arr = np.asarray(y)
        check_lengths(X=Xa, y=y_arr)
        for label in np.unique(y_arr).tolist():
            m = y_arr == label
            mats[label] = _weighted_corr(Xa[m], w[m])
    mats["all"] = _weighted_corr(Xa, w)
    return CorrelationMatrices(feature_names=names, matrices=mats)
