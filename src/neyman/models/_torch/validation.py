"""Event weights and the validation split of a torch estimator's fit.

The split is stratified by class for classifiers (a plain random split when a class is too
small to stratify) and seeded by the estimator's seed, so the same seed holds out the same
events.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import train_test_split

from neyman._util.weights import check_sample_weight
from neyman.errors import DataError

__all__ = ["check_weights", "split_validation"]


def check_weights(
    sample_weight: Any, X: NDArray[Any], what: str = "sample_weight"
) -> NDArray[np.float32] | None:
    """``sample_weight`` as float32 of shape (n,), checked finite with a positive sum.

    The checks are :func:`neyman._util.weights.check_sample_weight`'s; None stays None.
    """
    if sample_weight is None:
        return None
    w = check_sample_weight(sample_weight, len(X), what=what, positive_sum=True)
    out: NDArray[np.float32] = np.asarray(w, dtype=np.float32)
    return out


Arrays = tuple[NDArray[Any], NDArray[Any], NDArray[np.float32] | None]


def split_validation(
    X: NDArray[Any],
    targets: NDArray[Any],
    sw: NDArray[np.float32] | None,
    *,
    fraction: float,
    seed: int,
    stratify: bool,
) -> tuple[Arrays, Arrays]:
    """``(train, validation)`` parts of ``(X, targets, weights)``; ``fraction`` held out.

    Raises
    ------
    neyman.errors.DataError
        When either part would be empty.
    """
    strat = targets.reshape(len(targets), -1)[:, 0] if stratify else None
    idx = np.arange(len(X))
    try:
        i_tr, i_va = train_test_split(idx, test_size=fraction, random_state=seed, stratify=strat)
    except ValueError:  # a class too small to stratify: plain random split
        i_tr, i_va = train_test_split(idx, test_size=fraction, random_state=seed)
    if len(i_tr) == 0 or len(i_va) == 0:
        msg = (
            f"early stopping needs a validation split but {len(X)} event(s) are "
            "too few; pass validation_data or more events"
        )
        raise DataError(msg, key="validation_fraction", value=fraction)

    def part(i: NDArray[Any]) -> Arrays:
        return X[i], targets[i], None if sw is None else sw[i]

    return part(i_tr), part(i_va)
