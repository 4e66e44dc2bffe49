"""From classifier scores to likelihood ratios.

A classifier trained with class priors ``pi_S, pi_B`` that outputs the posterior
``s = P(S | x)`` determines the likelihood ratio ``p(x|S)/p(x|B) = s/(1-s) * pi_B/pi_S``.
Real classifiers are rarely that well calibrated, but any score that is a monotone function of
the likelihood ratio can still be turned into it by estimating ``p(s|S)/p(s|B)`` from
histograms of the score, or by isotonic regression (Cranmer, Pavez, Louppe, *Approximating
likelihood ratios with calibrated discriminative classifiers*, arXiv:1506.02169; the ``carl``
package).

Read :func:`reliability_curve` (is the score a probability?) first, then
:func:`score_to_likelihood_ratio` and :class:`LikelihoodRatioCalibrator`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.isotonic import IsotonicRegression

from neyman.errors import ConfigError, DataError, ModelError
from neyman.evaluate._checks import (
    FloatArray,
    as_1d_float,
    binary_inputs,
    choose,
)

__all__ = [
    "LikelihoodRatioCalibrator",
    "ReliabilityCurve",
    "reliability_curve",
    "score_to_likelihood_ratio",
]


@dataclass(frozen=True, eq=False)
class ReliabilityCurve:
    """Observed signal fraction against the mean predicted probability, per score bin.

    Only non-empty bins are kept (as in ``sklearn.calibration.calibration_curve``).

    Attributes
    ----------
    bin_edges : array of shape (n_bins + 1,)
        All bin edges in score.
    bin_index : array of shape (m,)
        Which bin each kept entry belongs to.
    mean_predicted : array of shape (m,)
        (Weighted) mean score in the bin.
    fraction_positive : array of shape (m,)
        (Weighted) fraction of signal events in the bin.
    fraction_err : array of shape (m,)
        Binomial uncertainty of ``fraction_positive`` with the bin's effective event count.
    weight : array of shape (m,)
        Sum of weights in the bin.
    """

    bin_edges: FloatArray
    bin_index: np.ndarray
    mean_predicted: FloatArray
    fraction_positive: FloatArray
    fraction_err: FloatArray
    weight: FloatArray

    @property
    def max_deviation(self) -> float:
        """Largest ``|fraction_positive - mean_predicted|`` over the bins."""
        return float(np.max(np.abs(self.fraction_positive - self.mean_predicted)))


def reliability_curve(
    y: ArrayLike,
    score: ArrayLike,
    sample_weight: ArrayLike | None = None,
    *,
    n_bins: int = 10,
    strategy: str = "uniform",
    pos_label: Any = 1,
) -> ReliabilityCurve:
    """Reliability (calibration) curve of a probability-valued score.

    Parameters
    ----------
    y, score, sample_weight, pos_label
        As in :func:`neyman.evaluate.roc_curve`; ``score`` must lie in [0, 1].
    n_bins : int, default 10
    strategy : {"uniform", "quantile"}
        Equal-width bins on [0, 1], or bins with equal numbers of events.

    Returns
    -------
    ReliabilityCurve
        Unweighted, identical to ``sklearn.calibration.calibration_curve``.
    """
    choose("strategy", strategy, ("uniform", "quantile"))
    if n_bins < 1:
        msg = f"n_bins must be >= 1, got {n_bins}"
        raise ConfigError(msg)
    is_pos, s, w = binary_inputs(y, score, sample_weight, pos_label=pos_label)
    if s.min() < 0 or s.max() > 1:
        msg = (
            f"score has values outside [0, 1] (min {s.min():g}, max {s.max():g}); a reliability "
            "curve needs probabilities, e.g. predict_proba(X)[:, 1]"
        )
        raise DataError(msg)
    if strategy == "quantile":
        edges = np.percentile(s, np.linspace(0, 100, n_bins + 1))
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(edges[1:-1], s)
    wsum = np.asarray(np.bincount(ids, weights=w, minlength=n_bins), dtype=np.float64)
    w2sum = np.bincount(ids, weights=w * w, minlength=n_bins)
    ssum = np.bincount(ids, weights=w * s, minlength=n_bins)
    psum = np.bincount(ids, weights=w * is_pos, minlength=n_bins)
    keep = np.flatnonzero(np.bincount(ids, minlength=n_bins) > 0)
    frac = psum[keep] / wsum[keep]
    n_eff = wsum[keep] ** 2 / w2sum[keep]
    return ReliabilityCurve(
        bin_edges=np.asarray(edges, dtype=np.float64),
        bin_index=keep,
        mean_predicted=ssum[keep] / wsum[keep],
        fraction_positive=frac,
        fraction_err=np.sqrt(np.clip(frac * (1 - frac), 0, None) / n_eff),
        weight=wsum[keep],
    )


def score_to_likelihood_ratio(score: ArrayLike, prior_ratio: float = 1.0) -> FloatArray:
    """Likelihood ratio ``p(x|S)/p(x|B)`` from a calibrated posterior ``s = P(S|x)``.

    ``r = s / (1 - s) / prior_ratio``, where ``prior_ratio = pi_S / pi_B`` is the ratio of
    signal to background (weighted) events in the sample the classifier was trained on.

    Parameters
    ----------
    score : array of shape (n,)
        Calibrated probabilities in [0, 1]; ``s = 1`` gives ``inf``, ``s = 0`` gives 0.
    prior_ratio : float, default 1
        ``N_S / N_B`` of the training sample (1 for balanced training).

    Examples
    --------
    >>> score_to_likelihood_ratio([0.5, 0.75], prior_ratio=3.0).tolist()
    [0.3333333333333333, 1.0]
    """
    s = as_1d_float("score", np.atleast_1d(np.asarray(score, dtype=np.float64)))
    if not (np.isfinite(prior_ratio) and prior_ratio > 0):
        msg = f"prior_ratio must be a positive number N_S/N_B, got {prior_ratio}"
        raise ConfigError(msg)
    if s.min() < 0 or s.max() > 1:
        msg = (
            f"score has values outside [0, 1] (min {s.min():g}, max {s.max():g}); use "
            "LikelihoodRatioCalibrator for scores that are not probabilities"
        )
        raise DataError(msg)
    out = np.full(s.shape, np.inf)
    np.divide(s, (1.0 - s) * prior_ratio, out=out, where=s < 1)
    return out


class LikelihoodRatioCalibrator(BaseEstimator):  # type: ignore[misc]
    """Learn the map from a classifier score ``s`` to the likelihood ratio ``p(s|S)/p(s|B)``.

    If ``s`` is a monotone function of the true likelihood ratio ``p(x|S)/p(x|B)``, the ratio
    of the score densities equals it (arXiv:1506.02169, sec. 3), so a badly calibrated but
    well-ranking classifier still yields the true likelihood ratio.

    Parameters
    ----------
    method : {"histogram", "isotonic"}, default "histogram"
        ``"histogram"``: histogram the score of each class in ``bins`` quantile bins of the
        combined sample, take the ratio of the normalised histograms and interpolate the log
        ratio linearly between bin centres (constant beyond the outer centres).
        ``"isotonic"``: fit ``P(S|s)`` by isotonic regression and convert it with the class
        prior of the calibration sample (monotone by construction).
    bins : int, default 50
        Number of score bins (histogram method).
    pseudocount : float, default 0.5
        Added to every bin of each class histogram, in units of that class's mean weight, so
        that a bin without background gives a large but finite ratio (histogram method).
        The isotonic posterior is clipped to ``[1/(2N), 1 - 1/(2N)]`` for the same reason.

    Attributes
    ----------
    bin_edges_ : array of shape (bins + 1,)
        Score bin edges (histogram method).
    log_ratio_ : array of shape (bins,)
        Log likelihood ratio in each bin (histogram method).
    isotonic_ : sklearn.isotonic.IsotonicRegression
        Fitted posterior (isotonic method).
    prior_ratio_ : float
        Weighted ``N_S / N_B`` of the calibration sample.
    """

    def __init__(self, method: str = "histogram", *, bins: int = 50, pseudocount: float = 0.5):
        self.method = method
        self.bins = bins
        self.pseudocount = pseudocount

    def fit(
        self,
        score: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
    ) -> LikelihoodRatioCalibrator:
        """Learn the score-to-ratio map from scores and labels of calibration events.

        Use events the classifier was not trained on.
        """
        choose("calibration method", self.method, ("histogram", "isotonic"))
        if not isinstance(self.bins, int | np.integer) or self.bins < 1:
            msg = f"The 'bins' parameter of LikelihoodRatioCalibrator must be an int >= 1. Got {self.bins!r} instead."
            raise ConfigError(msg)
        if not self.pseudocount > 0:
            msg = f"The 'pseudocount' parameter of LikelihoodRatioCalibrator must be a float > 0. Got {self.pseudocount!r} instead."
            raise ConfigError(msg)
        is_pos, s, w = binary_inputs(y, score, sample_weight)
        w_s, w_b = float(w[is_pos].sum()), float(w[~is_pos].sum())
        self.prior_ratio_ = w_s / w_b
        if self.method == "histogram":
            edges = np.unique(np.quantile(s, np.linspace(0.0, 1.0, int(self.bins) + 1)))
            if len(edges) < 2:
                edges = np.array([s[0] - 0.5, s[0] + 0.5])
            ids = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, len(edges) - 2)
            k = len(edges) - 1
            h_s = np.bincount(ids[is_pos], weights=w[is_pos], minlength=k)
            h_b = np.bincount(ids[~is_pos], weights=w[~is_pos], minlength=k)
            # pseudocount in units of each class's mean event weight
            c_s = self.pseudocount * w_s / max(int(is_pos.sum()), 1)
            c_b = self.pseudocount * w_b / max(int((~is_pos).sum()), 1)
            dens_s = np.clip(h_s + c_s, 1e-300, None) / (w_s + k * c_s)
            dens_b = np.clip(h_b + c_b, 1e-300, None) / (w_b + k * c_b)
            self.bin_edges_ = edges
            self.log_ratio_ = np.log(dens_s) - np.log(dens_b)
        else:
            iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
            iso.fit(s, is_pos.astype(np.float64), sample_weight=w)
            self.isotonic_ = iso
            self.n_calibration_ = len(s)
        return self

    def predict_log_ratio(self, score: ArrayLike) -> FloatArray:
        """Estimated ``log p(s|S)/p(s|B)`` for each score."""
        if not hasattr(self, "prior_ratio_"):
            msg = "this LikelihoodRatioCalibrator is not fitted yet; call fit(score, y) first"
            raise ModelError(msg)
        s = as_1d_float("score", np.atleast_1d(np.asarray(score, dtype=np.float64)))
        if self.method == "histogram":
            centres = 0.5 * (self.bin_edges_[1:] + self.bin_edges_[:-1])
            return np.asarray(np.interp(s, centres, self.log_ratio_), dtype=np.float64)
        eps = 0.5 / self.n_calibration_
        p = np.clip(self.isotonic_.predict(s), eps, 1.0 - eps)
        return np.asarray(np.log(p) - np.log1p(-p) - np.log(self.prior_ratio_), dtype=np.float64)

    def predict(self, score: ArrayLike) -> FloatArray:
        """Estimated likelihood ratio ``p(s|S)/p(s|B)`` for each score."""
        return np.exp(self.predict_log_ratio(score))
