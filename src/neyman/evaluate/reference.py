"""How far a method is from the best achievable discriminant.

By the Neyman-Pearson lemma, the likelihood ratio ``p(x|S) / p(x|B)`` (or any monotone function
of it, such as its logarithm) gives the highest signal efficiency at every background
efficiency: its ROC curve is the optimum. When a dataset is generated with a known density, the
true log-likelihood ratio per event is available, and every method can be judged by its gap to
that optimum on the same events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from neyman.evaluate._checks import FloatArray, as_1d_float, check_lengths
from neyman.evaluate.classification import RocCurve, _check_fraction, roc_curve

__all__ = ["OptimalityGap", "optimality_gap"]


@dataclass(frozen=True, eq=False)
class OptimalityGap:
    """A method's ROC compared with the Neyman-Pearson optimum on the same events.

    Attributes
    ----------
    auc, auc_optimal : float
        AUC of the method and of the true likelihood ratio.
    auc_gap : float
        ``auc_optimal - auc``; 0 for an optimal method. It can be slightly negative on a
        finite sample (statistical fluctuation), never by more than the AUC uncertainty.
    efficiencies : array of shape (k,)
        Signal efficiencies at which rejections are compared.
    rejection, rejection_optimal : array of shape (k,)
        Background rejection ``1/eps_B`` of the method and of the optimum there.
    rejection_ratio : array of shape (k,)
        ``rejection / rejection_optimal``; 1 for an optimal method, below 1 for a worse one.
    roc, roc_optimal : RocCurve
        The two curves, for plotting.
    """

    auc: float
    auc_optimal: float
    auc_gap: float
    efficiencies: FloatArray
    rejection: FloatArray
    rejection_optimal: FloatArray
    rejection_ratio: FloatArray
    roc: RocCurve
    roc_optimal: RocCurve

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON (lists for the per-efficiency arrays)."""
        return {
            "auc": self.auc,
            "auc_optimal": self.auc_optimal,
            "auc_gap": self.auc_gap,
            "efficiencies": self.efficiencies.tolist(),
            "rejection": self.rejection.tolist(),
            "rejection_optimal": self.rejection_optimal.tolist(),
            "rejection_ratio": self.rejection_ratio.tolist(),
        }


def optimality_gap(
    y: ArrayLike,
    score: ArrayLike,
    true_llr: ArrayLike,
    sample_weight: ArrayLike | None = None,
    *,
    efficiencies: Sequence[float] = (0.1, 0.3, 0.5, 0.7, 0.9),
    pos_label: Any = 1,
) -> OptimalityGap:
    """Compare ``score`` with the true log-likelihood ratio on the same events.

    Parameters
    ----------
    y : array of shape (n,)
        Labels; signal is ``y == pos_label``.
    score : array of shape (n,)
        The method's discriminant (larger is more signal-like).
    true_llr : array of shape (n,)
        Exact ``log p(x|S) / p(x|B)`` per event (any monotone increasing function of it gives
        the same result).
    sample_weight : array of shape (n,), optional
    efficiencies : sequence of float
        Signal efficiencies at which to compare rejections.

    Returns
    -------
    OptimalityGap

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 2000)
    >>> x = rng.normal(y, 1.0)
    >>> gap = optimality_gap(y, 1 / (1 + np.exp(-x)), x - 0.5)  # monotone in the true LLR
    >>> gap.auc_gap
    0.0
    """
    llr = as_1d_float("true_llr", true_llr)
    check_lengths(score=np.asarray(score), true_llr=llr)
    eff = np.atleast_1d(_check_fraction("efficiencies", list(efficiencies)))
    roc = roc_curve(y, score, sample_weight, pos_label=pos_label)
    opt = roc_curve(y, llr, sample_weight, pos_label=pos_label)
    rej = roc.rejection_at(eff)
    rej_opt = opt.rejection_at(eff)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.asarray(rej / rej_opt, dtype=np.float64)
    return OptimalityGap(
        auc=roc.auc,
        auc_optimal=opt.auc,
        auc_gap=opt.auc - roc.auc,
        efficiencies=eff,
        rejection=rej,
        rejection_optimal=rej_opt,
        rejection_ratio=ratio,
        roc=roc,
        roc_optimal=opt,
    )
