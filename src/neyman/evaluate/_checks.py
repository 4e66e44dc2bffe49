"""Input checks shared by the evaluation modules.

Every public metric funnels its arrays through these helpers so that NaN scores, length
mismatches and single-class inputs fail the same way, with a message naming the fix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neyman._util.weights import check_sample_weight
from neyman.errors import ConfigError, DataError, did_you_mean

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def as_1d_float(name: str, values: ArrayLike) -> FloatArray:
    """Return ``values`` as a 1-D float64 array, or raise a ``DataError`` naming ``name``."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        msg = f"{name} must be 1-D, got shape {arr.shape}; pass one value per event"
        raise DataError(msg)
    try:
        out = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{name} must be numeric, got dtype {arr.dtype}; convert it to float first"
        raise DataError(msg) from exc
    n_bad = int(np.count_nonzero(~np.isfinite(out)))
    if n_bad:
        msg = (
            f"{name} has {n_bad} NaN or infinite value(s) out of {out.size}; "
            "drop or fix those events before evaluating"
        )
        raise DataError(msg)
    return out


def check_lengths(**arrays: Any) -> int:
    """Raise a ``DataError`` unless every non-None array has the same length."""
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k}={n}" for k, n in lengths.items())
        msg = f"length mismatch ({shown}); pass one entry per event in each array"
        raise DataError(msg)
    return next(iter(lengths.values())) if lengths else 0


def weights_or_ones(sample_weight: ArrayLike | None, n: int) -> FloatArray:
    """Return the sample weights as float64, or ones when ``sample_weight`` is None.

    Checked by :func:`neyman._util.weights.check_sample_weight` (numbers, one per event,
    finite, a finite sum, not all zero).
    """
    return check_sample_weight(sample_weight, n)


def binary_labels(y: ArrayLike, *, pos_label: Any = 1, name: str = "y") -> BoolArray:
    """Return a boolean signal mask from labels ``y`` (signal is ``y == pos_label``).

    Raises ``DataError`` when ``y`` holds more than two classes or only one.
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        msg = f"{name} must be 1-D, got shape {arr.shape}; pass one label per event"
        raise DataError(msg)
    classes = np.unique(arr)
    if len(classes) > 2:
        msg = (
            f"{name} has {len(classes)} classes {classes.tolist()[:6]}; this metric needs two "
            "(use one_vs_rest_roc for multi-class labels)"
        )
        raise DataError(msg)
    is_pos = np.asarray(arr == pos_label, dtype=bool)
    n_pos = int(is_pos.sum())
    if n_pos == 0 and len(classes) == 2:
        msg = (
            f"{name} has no events labelled pos_label={pos_label!r} (classes: {classes.tolist()}); "
            "pass pos_label= the signal label"
        )
        raise DataError(msg)
    if n_pos == 0 or n_pos == len(arr):
        which = "background" if n_pos == len(arr) else "signal"
        msg = (
            f"{name} has a single class ({classes.tolist()}), no {which} events; this metric "
            f"needs both signal ({name} == {pos_label!r}) and background events: check the "
            "selection and the label column"
        )
        raise DataError(msg)
    return is_pos


def binary_inputs(
    y: ArrayLike,
    score: ArrayLike,
    sample_weight: ArrayLike | None = None,
    *,
    pos_label: Any = 1,
) -> tuple[BoolArray, FloatArray, FloatArray]:
    """Validate ``(y, score, sample_weight)`` for a two-class metric.

    Returns the signal mask, the scores and the weights (ones when not given).
    """
    s = as_1d_float("score", score)
    y_arr = np.asarray(y)
    check_lengths(
        y=y_arr, score=s, sample_weight=None if sample_weight is None else np.asarray(sample_weight)
    )
    is_pos = binary_labels(y_arr, pos_label=pos_label)
    w = weights_or_ones(sample_weight, len(s))
    for label, mask in (("signal", is_pos), ("background", ~is_pos)):
        if not np.sum(w[mask]) > 0:
            msg = f"the {label} weights sum to {np.sum(w[mask]):g}; they must sum to a positive number"
            raise DataError(msg)
    return is_pos, s, w


def choose(name: str, value: str, options: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``options``, else raise a ``ConfigError``."""
    if value not in options:
        msg = f"unknown {name} {value!r}{did_you_mean(str(value), options)}"
        raise ConfigError(msg)
    return value


def effective_count(w: FloatArray) -> float:
    """Kish effective number of events, ``(sum w)^2 / sum w^2``."""
    sw2 = float(np.sum(w * w))
    return float(np.sum(w)) ** 2 / sw2 if sw2 > 0 else 0.0
