"""Regression quality the way physicists quote it: bias and resolution of the residuals.

For an energy or mass regression, the residual ``r = y_pred - y_true`` (or the relative
residual ``r / y_true``) has a *bias* (its mean) and a *resolution* (its width). The width is
quoted both as the standard deviation and as the robust ``IQR / 1.349``, which equals sigma for
a Gaussian (``2 * 0.6745 = 1.349``) and ignores non-Gaussian tails. Both are also given in bins
of a chosen variable (e.g. the true energy), which is how a resolution curve is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from neyman.errors import ConfigError, DataError
from neyman.evaluate._checks import (
    FloatArray,
    as_1d_float,
    check_lengths,
    effective_count,
    weights_or_ones,
)

__all__ = ["BinnedResolution", "Resolution", "residuals", "resolution", "resolution_in_bins"]

_IQR_TO_SIGMA = 1.349  # IQR of a unit Gaussian: 2 * Phi^-1(0.75) = 1.3490


def residuals(y_true: ArrayLike, y_pred: ArrayLike, *, relative: bool = False) -> FloatArray:
    """Residuals ``y_pred - y_true``, or ``(y_pred - y_true) / y_true`` when ``relative``.

    Raises
    ------
    DataError
        On NaN, length mismatch, or ``y_true == 0`` with ``relative=True``.
    """
    yt = as_1d_float("y_true", y_true)
    yp = as_1d_float("y_pred", y_pred)
    check_lengths(y_true=yt, y_pred=yp)
    r = yp - yt
    if relative:
        if np.any(yt == 0):
            msg = "y_true has zeros, so relative residuals are undefined; use relative=False"
            raise DataError(msg)
        r = r / yt
    return r


@dataclass(frozen=True)
class Resolution:
    """Bias and resolution of a set of residuals.

    Attributes
    ----------
    n : int
        Number of events.
    n_eff : float
        Kish effective number of events (``n`` when unweighted).
    bias, bias_err : float
        (Weighted) mean residual and its standard error ``sigma / sqrt(n_eff)``.
    median : float
        Median residual.
    sigma, sigma_err : float
        (Weighted) standard deviation (``ddof=0``) and its error ``sigma / sqrt(2 (n_eff - 1))``.
    sigma_iqr : float
        Interquartile range / 1.349 (linear-interpolated quantiles when unweighted, the
        ``inverted_cdf`` weighted quantiles otherwise).
    rms : float
        Root mean square of the residuals (includes the bias).
    """

    n: int
    n_eff: float
    bias: float
    bias_err: float
    median: float
    sigma: float
    sigma_err: float
    sigma_iqr: float
    rms: float

    def to_dict(self) -> dict[str, float]:
        """Plain floats for JSON."""
        return {k: float(v) for k, v in self.__dict__.items()}


def _summarise(r: FloatArray, w: FloatArray, weighted: bool) -> Resolution:
    n = len(r)
    if n == 0:
        nan = float("nan")
        return Resolution(0, 0.0, nan, nan, nan, nan, nan, nan, nan)
    wsum = float(w.sum())
    n_eff = effective_count(w)
    mean = float(np.sum(w * r) / wsum)
    sigma = float(np.sqrt(np.sum(w * (r - mean) ** 2) / wsum))
    if weighted:
        q25, q50, q75 = np.quantile(r, [0.25, 0.5, 0.75], weights=w, method="inverted_cdf")
    else:
        q25, q50, q75 = np.quantile(r, [0.25, 0.5, 0.75])
    return Resolution(
        n=n,
        n_eff=n_eff,
        bias=mean,
        bias_err=sigma / np.sqrt(n_eff) if n_eff > 0 else float("nan"),
        median=float(q50),
        sigma=sigma,
        sigma_err=sigma / np.sqrt(2.0 * (n_eff - 1.0)) if n_eff > 1 else float("nan"),
        sigma_iqr=float(q75 - q25) / _IQR_TO_SIGMA,
        rms=float(np.sqrt(np.sum(w * r * r) / wsum)),
    )


def resolution(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    sample_weight: ArrayLike | None = None,
    *,
    relative: bool = False,
) -> Resolution:
    """Bias and resolution of ``y_pred`` as an estimate of ``y_true``.

    Parameters
    ----------
    y_true, y_pred : array of shape (n,)
        True and predicted values (same units, e.g. GeV).
    sample_weight : array of shape (n,), optional
    relative : bool, default False
        Use ``(y_pred - y_true) / y_true`` (dimensionless) instead of ``y_pred - y_true``.

    Examples
    --------
    >>> res = resolution([10.0, 20.0, 30.0, 40.0], [11.0, 19.0, 33.0, 41.0])
    >>> res.bias, res.sigma
    (1.0, 1.4142135623730951)
    """
    r = residuals(y_true, y_pred, relative=relative)
    w = weights_or_ones(sample_weight, len(r))
    if len(r) == 0:
        msg = "y_true is empty; resolution needs at least one event"
        raise DataError(msg)
    return _summarise(r, w, sample_weight is not None)


@dataclass(frozen=True, eq=False)
class BinnedResolution:
    """Bias and resolution in bins of a variable.

    Attributes
    ----------
    bin_edges : array of shape (k + 1,)
        Edges in the binning variable (its units).
    centers : array of shape (k,)
        Bin centres.
    n : array of shape (k,)
        Events per bin.
    bias, bias_err, median, sigma, sigma_err, sigma_iqr, rms : array of shape (k,)
        As in :class:`Resolution`, per bin; NaN in bins with fewer than ``min_events``.
    variable : str
        Name of the binning variable (for axis labels).
    relative : bool
        Whether residuals are relative.
    """

    bin_edges: FloatArray
    centers: FloatArray
    n: np.ndarray
    bias: FloatArray
    bias_err: FloatArray
    median: FloatArray
    sigma: FloatArray
    sigma_err: FloatArray
    sigma_iqr: FloatArray
    rms: FloatArray
    variable: str = "x"
    relative: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain lists for JSON."""
        out: dict[str, Any] = {"variable": self.variable, "relative": self.relative}
        for key in (
            "bin_edges",
            "centers",
            "n",
            "bias",
            "bias_err",
            "median",
            "sigma",
            "sigma_err",
            "sigma_iqr",
            "rms",
        ):
            out[key] = np.asarray(getattr(self, key)).tolist()
        return out


def resolution_in_bins(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    variable: ArrayLike | None = None,
    bins: int | ArrayLike = 10,
    sample_weight: ArrayLike | None = None,
    *,
    relative: bool = False,
    min_events: int = 2,
    variable_name: str | None = None,
) -> BinnedResolution:
    """Bias and resolution in bins of ``variable`` (by default ``y_true``).

    Parameters
    ----------
    y_true, y_pred : array of shape (n,)
    variable : array of shape (n,), optional
        Binning variable, e.g. the true energy or the pseudorapidity; ``y_true`` by default.
    bins : int or array of edges, default 10
        Number of equal-width bins over the variable's range, or explicit increasing edges.
        Events outside the edges are ignored; the last bin includes its right edge.
    sample_weight : array of shape (n,), optional
    relative : bool, default False
    min_events : int, default 2
        Bins with fewer events report NaN.
    variable_name : str, optional
        Label stored with the result (default ``"y_true"`` or ``"x"``).
    """
    r = residuals(y_true, y_pred, relative=relative)
    v = as_1d_float("y_true", y_true) if variable is None else as_1d_float("variable", variable)
    check_lengths(y_true=r, variable=v)
    w = weights_or_ones(sample_weight, len(r))
    if len(r) == 0:
        msg = "y_true is empty; resolution needs at least one event"
        raise DataError(msg)
    if np.ndim(bins) == 0:
        n_bins = int(bins)  # type: ignore[arg-type]
        if n_bins < 1:
            msg = f"bins must be >= 1, got {n_bins}"
            raise ConfigError(msg)
        edges = np.histogram_bin_edges(v, bins=n_bins)
    else:
        edges = as_1d_float("bins", bins)
        if len(edges) < 2 or np.any(np.diff(edges) <= 0):
            msg = "bins must be at least two strictly increasing edges"
            raise ConfigError(msg)
    k = len(edges) - 1
    ids = np.searchsorted(edges, v, side="right") - 1
    ids[v == edges[-1]] = k - 1
    weighted = sample_weight is not None
    rows = []
    for i in range(k):
        m = ids == i
        n_i = int(m.sum())
        if n_i < min_events:
            nan = float("nan")
            rows.append(Resolution(n_i, nan, nan, nan, nan, nan, nan, nan, nan))
        else:
            rows.append(_summarise(r[m], w[m], weighted))

    def col(name: str) -> FloatArray:
        return np.array([getattr(row, name) for row in rows], dtype=np.float64)

    return BinnedResolution(
        bin_edges=edges,
        centers=0.5 * (edges[1:] + edges[:-1]),
        n=np.array([row.n for row in rows], dtype=np.int64),
        bias=col("bias"),
        bias_err=col("bias_err"),
        median=col("median"),
        sigma=col("sigma"),
        sigma_err=col("sigma_err"),
        sigma_iqr=col("sigma_iqr"),
        rms=col("rms"),
        variable=variable_name or ("y_true" if variable is None else "x"),
        relative=relative,
    )
