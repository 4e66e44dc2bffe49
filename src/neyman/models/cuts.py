"""Rectangular cut optimisation, as TMVA's "Cuts" method.

For each target signal efficiency ``e`` the optimiser looks for a box
``lower_j <= x_j <= upper_j`` (one interval per feature) that keeps a fraction ``e`` of the
(weighted) signal and as little background as possible. Two steps per efficiency:

1. **Peeling** (the "patient rule induction" of Friedman & Fisher, Statistics and
   Computing 9 (1999) 123, doi:10.1023/A:1008894516817): starting from the box of the
   next looser efficiency, repeatedly move one side of one feature inward to the signal
   quantile that removes a fraction ``peel`` of the signal left in the box, choosing the
   move that removes the most background per unit of signal lost; the last move lands
   exactly on ``e``.
2. **Coordinate descent**: for each feature in turn, with the other cuts fixed, choose the
   best interval among the signal quantiles of that feature (an exhaustive search over all
   pairs of ``n_quantiles`` candidates plus the current bounds), subject to keeping signal
   efficiency ``>= e``; sweep until no feature improves. A last peeling pass then trims
   the box from the quantile grid down to ``e`` exactly.

Boxes are nested (each tighter box lies inside the looser ones), so the score "one minus
the tightest target efficiency whose box the event passes" reproduces every box exactly
when thresholded, and a ROC curve from ``decision_function`` passes through each
optimised working point.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from neyman._util.threads import threaded
from neyman.models._binary import _BinaryClassifier
from neyman.models.base import (
    Constraint,
    FloatTuple,
    Interval,
    Options,
    classes_from_json,
    classes_to_json,
)

__all__ = ["RectangularCuts"]

_DEFAULT_EFFICIENCIES = tuple(round(0.05 * i, 2) for i in range(1, 21))
_TOL = 1e-12


class RectangularCuts(_BinaryClassifier):
    """Box cuts maximising background rejection at each target signal efficiency.

    Parameters
    ----------
    efficiencies : tuple of float in (0, 1], optional
        Target signal efficiencies; default 0.05, 0.10, ..., 1.0.
    working_point : float in (0, 1]
        ``predict`` selects events inside the box of the target efficiency nearest to it.
    n_quantiles : int
        Candidate thresholds per feature in the coordinate-descent step.
    peel : float in (0, 1)
        Fraction of the in-box signal removed by one peeling move.
    max_iter : int
        Maximum coordinate-descent sweeps per efficiency.
    n_threads : int or "auto", default "auto"
        BLAS/OpenMP threads during fit and predict, restored afterwards; ``"auto"`` (or
        ``NEYMAN_NUM_THREADS``) is the CPUs this process may use (:mod:`neyman._util.threads`).

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        ``classes_[1]`` is the signal.
    efficiencies_ : ndarray of shape (m,)
        Target efficiencies, ascending.
    lower_, upper_ : ndarray of shape (m, d)
        The box of each efficiency (``-inf``/``+inf`` where a side is uncut).
    signal_efficiency_, background_efficiency_ : ndarray of shape (m,)
        Weighted fractions of training signal and background inside each box.
    n_iter_ : int
        Most coordinate-descent sweeps used by any efficiency.

    Notes
    -----
    ``decision_function`` is the score ``1 - e_t`` of the tightest box passed (0 for events
    in no box), minus a threshold between the working-point box's level and the next
    looser one; ``predict_proba`` is its logistic transform, a monotone score rather than
    a calibrated probability.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> sig = rng.normal(0, 1, (2000, 2)); bkg = rng.uniform(-4, 4, (2000, 2))
    >>> X = np.r_[sig, bkg]; y = np.r_[np.ones(2000), np.zeros(2000)]
    >>> cuts = RectangularCuts(efficiencies=(0.5, 0.9)).fit(X, y)
    >>> np.round(cuts.signal_efficiency_, 2).tolist()
    [0.5, 0.9]
    """

    _param_table: ClassVar[dict[str, list[Constraint | None]]] = {
        "efficiencies": [None, FloatTuple(0.0, 1.0)],
        "working_point": [Interval("float", 0, 1, "right")],
        "n_quantiles": [Interval("int", 2, None)],
        "peel": [Interval("float", 0, 1, "neither")],
        "max_iter": [Interval("int", 0, None)],
        "n_threads": [Options(("auto",)), Interval("int", 1, None)],
    }

    def __init__(
        self,
        efficiencies: tuple[float, ...] | None = None,
        *,
        working_point: float = 0.9,
        n_quantiles: int = 40,
        peel: float = 0.05,
        max_iter: int = 10,
        n_threads: int | str = "auto",
    ) -> None:
        self.efficiencies = efficiencies
        self.working_point = working_point
        self.n_quantiles = n_quantiles
        self.peel = peel
        self.max_iter = max_iter
        self.n_threads = n_threads

    @threaded
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> RectangularCuts:
        """Optimise one box per target efficiency.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n, d)
        y : array-like of shape (n,), two classes
        sample_weight : array-like of shape (n,), optional
        """
        Xc, signal, w = self._fit_data(X, y, sample_weight)
        effs = np.unique(
            np.asarray(
                _DEFAULT_EFFICIENCIES if self.efficiencies is None else self.efficiencies,
                dtype=np.float64,
            )
        )
        ws = np.where(signal, w, 0.0) / w[signal].sum()
        wb = np.where(~signal, w, 0.0) / w[~signal].sum()
        d = Xc.shape[1]
        lower = np.full(d, -np.inf)
        upper = np.full(d, np.inf)
        boxes: dict[float, tuple[NDArray[np.float64], NDArray[np.float64]]] = {}
        self.n_iter_ = 0
        for e in effs[::-1]:  # loosest first, each box inside the previous one
            parent = (lower.copy(), upper.copy())
            lower, upper = self._peel(Xc, ws, wb, lower, upper, float(e))
            lower, upper = self._descend(Xc, ws, wb, lower, upper, parent, float(e))
            # descent works on a quantile grid and may stop above the target: peel the rest
            lower, upper = self._peel(Xc, ws, wb, lower, upper, float(e))
            boxes[float(e)] = (lower.copy(), upper.copy())
        self.efficiencies_ = effs
        self.lower_ = np.array([boxes[float(e)][0] for e in effs])
        self.upper_ = np.array([boxes[float(e)][1] for e in effs])
        inside = [_inside(Xc, lo, hi) for lo, hi in zip(self.lower_, self.upper_, strict=True)]
        self.signal_efficiency_ = np.array([ws[m].sum() for m in inside])
        self.background_efficiency_ = np.array([wb[m].sum() for m in inside])
        self._set_threshold()
        return self

    # -- optimisation -----------------------------------------------------------------

    def _peel(
        self,
        X: NDArray[np.float64],
        ws: NDArray[np.float64],
        wb: NDArray[np.float64],
        lower: NDArray[np.float64],
        upper: NDArray[np.float64],
        target: float,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lower, upper = lower.copy(), upper.copy()
        for _ in range(100_000):  # bounded: every move removes signal
            box = _inside(X, lower, upper)
            eff = ws[box].sum()
            if eff <= target + _TOL:
                break
            sig = box & (ws > 0)
            fraction = min(float(self.peel), (eff - target) / eff)
            best: tuple[float, int, str, float] | None = None
            for j in range(X.shape[1]):
                xs = X[sig, j]
                for side in ("lower", "upper"):
                    cut = _cut_for(xs, ws[sig], side, eff * fraction)
                    gone = box & ((X[:, j] < cut) if side == "lower" else (X[:, j] > cut))
                    lost = ws[gone].sum()
                    if lost <= 0:
                        continue
                    if lost > eff - target + _TOL:  # overshoot: not allowed
                        continue
                    gain = wb[gone].sum() / lost
                    if best is None or gain > best[0]:
                        best = (gain, j, side, cut)
            if best is None:
                break
            _, j, side, cut = best
            if side == "lower":
                lower[j] = cut
            else:
                upper[j] = cut
        return lower, upper

    def _descend(
        self,
        X: NDArray[np.float64],
        ws: NDArray[np.float64],
        wb: NDArray[np.float64],
        lower: NDArray[np.float64],
        upper: NDArray[np.float64],
        parent: tuple[NDArray[np.float64], NDArray[np.float64]],
        target: float,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lower, upper = lower.copy(), upper.copy()
        d = X.shape[1]
        levels = np.linspace(0.0, 1.0, int(self.n_quantiles) + 1)
        for sweep in range(1, int(self.max_iter) + 1):
            self.n_iter_ = max(self.n_iter_, sweep)
            improved = False
            for j in range(d):
                others = np.ones(len(X), dtype=bool)
                for k in range(d):
                    if k != j:
                        others &= (X[:, k] >= lower[k]) & (X[:, k] <= upper[k])
                others &= (X[:, j] >= parent[0][j]) & (X[:, j] <= parent[1][j])
                x = X[others, j]
                s, b = ws[others], wb[others]
                current_b = b[(x >= lower[j]) & (x <= upper[j])].sum()
                sig = s > 0
                if not sig.any():
                    continue
                cands = np.unique(
                    np.r_[_weighted_quantiles(x[sig], s[sig], levels), lower[j], upper[j]]
                )
                cands = cands[np.isfinite(cands)]
                order = np.argsort(x)
                xo, so, bo = (
                    x[order],
                    np.r_[0.0, np.cumsum(s[order])],
                    np.r_[0.0, np.cumsum(b[order])],
                )
                lo_idx = np.searchsorted(xo, cands, side="left")  # events with x < cand
                hi_idx = np.searchsorted(xo, cands, side="right")  # events with x <= cand
                # bounds: a candidate, or unbounded (index 0 / n) on either side
                lo_pos = np.r_[0, lo_idx]
                hi_pos = np.r_[hi_idx, len(xo)]
                lo_val = np.r_[-np.inf, cands]
                hi_val = np.r_[cands, np.inf]
                sig_in = so[hi_pos][None, :] - so[lo_pos][:, None]
                bkg_in = bo[hi_pos][None, :] - bo[lo_pos][:, None]
                ok = (sig_in >= target - _TOL) & (lo_val[:, None] <= hi_val[None, :])
                if not ok.any():
                    continue
                cost = np.where(ok, bkg_in, np.inf)
                a, c = np.unravel_index(np.argmin(cost), cost.shape)
                if cost[a, c] < current_b - _TOL:
                    lower[j] = max(lo_val[a], parent[0][j])
                    upper[j] = min(hi_val[c], parent[1][j])
                    improved = True
            if not improved:
                break
        return lower, upper

    def _set_threshold(self) -> None:
        levels = 1.0 - self.efficiencies_  # score of events in each box, descending
        t = int(np.argmin(np.abs(self.efficiencies_ - float(self.working_point))))
        below = levels[t + 1] if t + 1 < len(levels) else 0.0
        self.threshold_ = float(0.5 * (levels[t] + below)) if levels[t] > below else -0.5

    # -- scoring ----------------------------------------------------------------------

    def score_samples(self, X: Any) -> NDArray[np.float64]:
        """``1 - e`` of the tightest box each event passes (0 if none), shape (n,)."""
        Xc = np.asarray(self._check_X(X, reset=False), dtype=np.float64)
        out = np.zeros(len(Xc))
        for start in range(0, len(Xc), 65536):
            chunk = Xc[start : start + 65536, None, :]
            passed = np.all((chunk >= self.lower_[None]) & (chunk <= self.upper_[None]), axis=2)
            any_pass = passed.any(axis=1)
            first = np.argmax(passed, axis=1)  # efficiencies ascending: tightest first
            out[start : start + 65536] = np.where(any_pass, 1.0 - self.efficiencies_[first], 0.0)
        return out

    @threaded
    def decision_function(self, X: Any) -> NDArray[np.float64]:
        """Score minus the working-point threshold: positive inside the working-point box."""
        return self.score_samples(X) - self.threshold_

    # -- persistence ------------------------------------------------------------------

    def _get_state(self) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
        meta = {"classes": classes_to_json(self.classes_), "threshold": self.threshold_}
        arrays = {
            "efficiencies": self.efficiencies_,
            "lower": self.lower_,
            "upper": self.upper_,
            "signal_efficiency": self.signal_efficiency_,
            "background_efficiency": self.background_efficiency_,
        }
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, NDArray[Any]], path: Path) -> None:
        self.classes_ = classes_from_json(meta["classes"])
        self.threshold_ = float(meta["threshold"])
        self.efficiencies_ = arrays["efficiencies"]
        self.lower_ = arrays["lower"]
        self.upper_ = arrays["upper"]
        self.signal_efficiency_ = arrays["signal_efficiency"]
        self.background_efficiency_ = arrays["background_efficiency"]


def _inside(
    X: NDArray[np.float64], lower: NDArray[np.float64], upper: NDArray[np.float64]
) -> NDArray[np.bool_]:
    return np.asarray(np.all((X >= lower) & (X <= upper), axis=1))


def _weighted_quantiles(
    x: NDArray[np.float64], w: NDArray[np.float64], levels: NDArray[np.float64]
) -> NDArray[np.float64]:
    order = np.argsort(x)
    xs, cw = x[order], np.cumsum(w[order])
    cw = cw / cw[-1]
    idx = np.clip(np.searchsorted(cw, levels, side="left"), 0, len(xs) - 1)
    return np.asarray(xs[idx], dtype=np.float64)


def _cut_for(x: NDArray[np.float64], w: NDArray[np.float64], side: str, amount: float) -> float:
    """Threshold that removes (at most) weight ``amount`` of ``x`` from one side.

    ``lower``: the smallest value ``c`` with weight of ``x < c`` <= amount, moved as far in
    as possible; ``upper``: symmetric. Exact on ties (never removes more than ``amount``).
    """
    order = np.argsort(x)
    xs, ww = x[order], w[order]
    if side == "upper":
        xs, ww = xs[::-1], ww[::-1]
    cw = np.cumsum(ww)
    # remove the first m events (in peeling order) where cum weight <= amount, but not
    # splitting a run of equal values
    m = int(np.searchsorted(cw, amount * (1 + 1e-12), side="right"))
    if m == 0:
        return float(xs[0])  # removes nothing
    if m >= len(xs):
        m = len(xs) - 1
    boundary = xs[m]  # first kept value
    if side == "lower":
        return float(boundary) if boundary > xs[m - 1] else float(xs[m - 1])
    return float(boundary) if boundary < xs[m - 1] else float(xs[m - 1])
