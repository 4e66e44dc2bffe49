"""One weight policy for every method: negative weights, class normalisation, the summary.

A study applies the policy once (:func:`policy_weights`) and every method then trains,
validates, early-stops and is evaluated (ROC, AUC, KS tests) on the same weights. Physics
yields keep the raw weights; :func:`weight_summary` records both for ``metrics.json``.

- ``negative_weights``: ``keep`` (signed weights), ``drop`` (negative-weight events get
  weight 0, i.e. are removed), ``abs`` (``|w|``).
- ``normalise``: ``classes`` (TMVA's default) scales each class, in each part of the split
  separately, to the same total (half the events of that part for two classes, so the mean
  weight is 1); ``none`` keeps the policy's weights as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neyman.errors import DataError

__all__ = ["WeightPolicy", "policy_weights", "weight_summary"]


@dataclass(frozen=True)
class WeightPolicy:
    """The study's weight policy (``data.weight``, ``negative_weights``, ``normalise``)."""

    column: str | None = None
    negative_weights: str = "keep"
    normalise: str = "classes"

    def to_dict(self) -> dict[str, Any]:
        """Plain values for ``pipeline.json`` and ``metrics.json``."""
        return {
            "column": self.column,
            "negative_weights": self.negative_weights,
            "normalise": self.normalise,
        }


def policy_weights(
    raw: NDArray[np.float64], y: NDArray[Any], policy: WeightPolicy, *, part: str = "events"
) -> NDArray[np.float64]:
    """The weights every method uses for one part of the data (train, val or test).

    Parameters
    ----------
    raw : array of shape (n,)
        Event weights as read (physics units, e.g. events per fb^-1 per event).
    y : array of shape (n,)
        Class labels.
    policy : WeightPolicy
    part : str
        Name of the part, for messages.

    Raises
    ------
    neyman.errors.DataError
        If a class's weights sum to zero or less after the negative-weight policy.
    """
    w = np.asarray(raw, dtype=np.float64)
    if policy.negative_weights == "drop":
        w = np.where(w < 0, 0.0, w)
    elif policy.negative_weights == "abs":
        w = np.abs(w)
    if policy.normalise == "none" or len(w) == 0:
        return w
    out = w.copy()
    classes = np.unique(y)
    target = len(w) / len(classes)
    for c in classes:
        m = y == c
        total = float(w[m].sum())
        if not total > 0:
            msg = (
                f"class {c} of the {part} events has total weight {total:.6g} after "
                f"negative_weights={policy.negative_weights!r}; use 'drop' or 'abs', or check "
                "the weight column"
            )
            raise DataError(msg, key="data.negative_weights", value=total)
        out[m] = w[m] * (target / total)
    return out


def weight_summary(
    raw: NDArray[np.float64], y: NDArray[Any], policy: WeightPolicy, class_names: list[str]
) -> dict[str, Any]:
    """The policy, the fraction of negative weights and the weighted sums per class.

    ``raw_sum`` is the physics yield (raw weights), ``policy_sum`` after the negative-weight
    policy, before class normalisation.
    """
    w = np.asarray(raw, dtype=np.float64)
    after = policy_weights(w, y, WeightPolicy(policy.column, policy.negative_weights, "none"))
    classes: dict[str, Any] = {}
    for c in np.unique(y):
        m = y == c
        name = class_names[int(c)] if 0 <= int(c) < len(class_names) else str(c)
        classes[name] = {
            "events": int(m.sum()),
            "negative_fraction": float((w[m] < 0).mean()) if m.any() else 0.0,
            "raw_sum": float(w[m].sum()),
            "policy_sum": float(after[m].sum()),
        }
    return {
        **policy.to_dict(),
        "negative_fraction": float((w < 0).mean()) if len(w) else 0.0,
        "classes": classes,
    }
