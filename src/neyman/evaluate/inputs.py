"""Signal and background distributions of the input variables, and their separation.

The first thing an analyst looks at: how each feature is distributed in each class, with the
events outside the binning (under- and overflow) counted rather than dropped, and TMVA's
separation

    <S^2> = 1/2 sum_i (s_i - b_i)^2 / (s_i + b_i)

of the class-normalised histograms (0 for identical shapes, 1 for disjoint ones; Hoecker et
al., *TMVA Users Guide*, arXiv:physics/0703039, eq. 4). The binning is given by the caller
(a study uses the edges of its histogram-likelihood method, so the plots show what that
method sees).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from neyman.errors import ConfigError
from neyman.evaluate._checks import FloatArray, binary_inputs

__all__ = ["FeatureDistribution", "feature_distributions", "separation"]


def separation(signal: ArrayLike, background: ArrayLike) -> float:
    """TMVA's separation ``<S^2>`` of two histograms with the same bins.

    Parameters
    ----------
    signal, background : array of shape (k,)
        Bin contents (any normalisation: each is normalised to unit sum here). Negative
        contents (from negative weights) are set to 0 first.

    Returns
    -------
    float
        In [0, 1]: 0 when the normalised shapes are equal, 1 when no bin holds both.

    Examples
    --------
    >>> separation([1, 0], [0, 1])
    1.0
    >>> separation([2, 2], [1, 1])
    0.0
    """
    s = np.clip(np.asarray(signal, dtype=np.float64), 0.0, None)
    b = np.clip(np.asarray(background, dtype=np.float64), 0.0, None)
    if s.shape != b.shape or s.ndim != 1:
        msg = f"signal and background need the same 1-D bins, got shapes {s.shape} and {b.shape}"
        raise ConfigError(msg)
    if s.sum() <= 0 or b.sum() <= 0:
        return float("nan")
    s, b = s / s.sum(), b / b.sum()
    tot = s + b
    used = tot > 0
    return float(0.5 * np.sum((s[used] - b[used]) ** 2 / tot[used]))


@dataclass(frozen=True, eq=False)
class FeatureDistribution:
    """One feature's class-normalised histograms.

    Attributes
    ----------
    name : str
        Feature name (or expression).
    edges : array of shape (k + 1,)
        Bin edges of the inner bins.
    signal, background : array of shape (k + 2,)
        Fraction of the class's total weight in ``[underflow, bin 1, ..., bin k, overflow]``.
    signal_err, background_err : array of shape (k + 2,)
        Statistical uncertainty of each fraction (``sqrt(sum w^2) / sum w``).
    separation : float
        ``<S^2>`` of the two histograms, flow bins included.
    """

    name: str
    edges: FloatArray
    signal: FloatArray
    background: FloatArray
    signal_err: FloatArray
    background_err: FloatArray
    separation: float

    @property
    def underflow(self) -> tuple[float, float]:
        """(signal, background) fraction below the first edge."""
        return float(self.signal[0]), float(self.background[0])

    @property
    def overflow(self) -> tuple[float, float]:
        """(signal, background) fraction above the last edge."""
        return float(self.signal[-1]), float(self.background[-1])

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "name": self.name,
            "edges": self.edges.tolist(),
            "signal": self.signal.tolist(),
            "background": self.background.tolist(),
            "separation": self.separation,
        }


def _flow_hist(x: FloatArray, w: FloatArray, edges: FloatArray) -> tuple[FloatArray, FloatArray]:
    # bin 0 is x < edges[0], bin k + 1 is x > edges[-1]; the last inner bin is closed
    idx = np.searchsorted(edges, x, side="right")
    idx[x == edges[-1]] = len(edges) - 1
    n = len(edges) + 1
    return (
        np.asarray(np.bincount(idx, w, minlength=n), dtype=np.float64),
        np.asarray(np.bincount(idx, w * w, minlength=n), dtype=np.float64),
    )


def feature_distributions(
    X: ArrayLike,
    y: ArrayLike,
    edges: Sequence[ArrayLike],
    sample_weight: ArrayLike | None = None,
    *,
    feature_names: Sequence[str] | None = None,
    pos_label: Any = 1,
) -> list[FeatureDistribution]:
    """Weighted, class-normalised histograms of every feature, with under- and overflow.

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,)
        Labels; ``pos_label`` is the signal.
    edges : sequence of d arrays
        Bin edges per feature (increasing).
    sample_weight : array of shape (n,), optional
        Event weights (each class is normalised to unit total, so only their shape matters).
    feature_names : sequence of str, optional
        Default ``x0, x1, ...``.

    Returns
    -------
    list of FeatureDistribution
        In feature order.
    """
    Xa = np.asarray(X, dtype=np.float64)
    if Xa.ndim != 2:
        msg = f"X must have shape (n, d), got {Xa.shape}"
        raise ConfigError(msg)
    d = Xa.shape[1]
    if len(edges) != d:
        msg = f"got {len(edges)} edge arrays for {d} features; give one per feature"
        raise ConfigError(msg)
    names = list(feature_names) if feature_names is not None else [f"x{j}" for j in range(d)]
    if len(names) != d:
        msg = f"got {len(names)} feature names for {d} features"
        raise ConfigError(msg)
    is_sig, _, w = binary_inputs(
        y, Xa[:, 0] if d else np.zeros(len(Xa)), sample_weight, pos_label=pos_label
    )
    out: list[FeatureDistribution] = []
    for j in range(d):
        e = np.asarray(edges[j], dtype=np.float64)
        if e.ndim != 1 or len(e) < 2 or np.any(np.diff(e) <= 0):
            msg = f"edges of feature '{names[j]}' must increase strictly, with >= 2 values"
            raise ConfigError(msg, key=names[j])
        parts = []
        for mask in (is_sig, ~is_sig):
            h, h2 = _flow_hist(Xa[mask, j], w[mask], e)
            total = h.sum()
            norm = total if total != 0 else 1.0
            parts.append((h / norm, np.sqrt(h2) / abs(norm)))
        (s, s_err), (b, b_err) = parts
        out.append(
            FeatureDistribution(
                name=str(names[j]),
                edges=e,
                signal=s,
                background=b,
                signal_err=s_err,
                background_err=b_err,
                separation=separation(s, b),
            )
        )
    return out
