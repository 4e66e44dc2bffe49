"""Sample-weight checks: the one implementation every estimator and the training loop use.

Event weights in physics are cross-section x luminosity / generated events, so they can be
tiny (1e-9), huge (1e6) or negative (NLO generators). What is never valid: a weight that is
NaN or inf, a weight so large that the sum overflows, a wrong length, or a class whose total
weight is not positive (nothing to learn from). Each of those is a one-line
:class:`~neyman.errors.DataError` naming the problem and the fix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from neyman.errors import DataError

__all__ = ["check_class_totals", "check_sample_weight"]


def check_sample_weight(
    sample_weight: Any,
    n: int,
    *,
    what: str = "sample_weight",
    positive_sum: bool = False,
) -> NDArray[np.float64]:
    """Checked event weights as float64 of shape ``(n,)`` (ones when ``sample_weight`` is None).

    Parameters
    ----------
    sample_weight : None, scalar or array-like of shape (n,)
        Event weights (a scalar weights every event the same).
    n : int
        Number of events.
    what : str
        Name of the weights in messages (``"sample_weight"``, ``"validation sample_weight"``).
    positive_sum : bool
        Also require a positive total weight.

    Raises
    ------
    neyman.errors.DataError
        Non-numeric values, wrong shape or length, NaN or inf, a sum that overflows
        float64, all weights zero, or (with ``positive_sum``) a total weight that is not positive.

    Examples
    --------
    >>> check_sample_weight(None, 3)
    array([1., 1., 1.])
    >>> check_sample_weight([1.0, float("nan")], 2)
    Traceback (most recent call last):
    ...
    neyman.errors.DataError: sample_weight has 1 NaN or inf value(s) (of 2); fix or drop those events
    """
    if sample_weight is None:
        return np.ones(n, dtype=np.float64)
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{what} must be numbers, one per event ({str(exc).splitlines()[0][:120]})"
        raise DataError(msg, key=what) from None
    if w.ndim == 0:
        w = np.full(n, float(w), dtype=np.float64)
    if w.ndim != 1 or len(w) != n:
        msg = f"{what} has shape {w.shape} but there are {n} events; pass one weight per event"
        raise DataError(msg, key=what, value=w.shape)
    bad = ~np.isfinite(w)
    if bad.any():
        msg = f"{what} has {int(bad.sum())} NaN or inf value(s) (of {n}); fix or drop those events"
        raise DataError(msg, key=what)
    with np.errstate(over="ignore"):
        total = float(np.abs(w).sum())
    if not np.isfinite(total):
        msg = (
            f"{what} is too large to sum in float64 (largest {np.abs(w).max():.3g}); "
            "rescale the weights (e.g. divide by their mean)"
        )
        raise DataError(msg, key=what)
    if n and not w.any():
        msg = f"{what} is zero for every event ({n}); pass non-zero weights or none"
        raise DataError(msg, key=what)
    if positive_sum and not w.sum() > 0:
        msg = f"{what} must have a positive sum (got {w.sum():.3g}); check the event weights"
        raise DataError(msg, key=what)
    return w


def check_class_totals(
    w: NDArray[np.float64], signal: NDArray[np.bool_], owner: str, *, what: str = "sample_weight"
) -> None:
    """Raise DataError unless both classes (``signal`` and ``~signal``) have positive total weight."""
    for mask, label in ((signal, "signal"), (~signal, "background")):
        total = float(w[mask].sum())
        if not total > 0:
            msg = (
                f"{owner} needs a positive total weight in each class; the {label} class has "
                f"{total:.3g}; check {what}"
            )
            raise DataError(msg, key=what)
