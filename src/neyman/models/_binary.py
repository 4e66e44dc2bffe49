"""Shared code of the two-class score estimators (kNN, histogram likelihood ratio, cuts).

They learn a score ``decision_function(X)`` for the second class (``classes_[1]``, the
"signal") against the first ("background"); ``predict`` is ``decision > 0`` and
``predict_proba`` is a monotone map of the score, so ROC curves from either agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from neyman._util.weights import check_class_totals, check_sample_weight
from neyman.errors import DataError
from neyman.models.base import NeymanEstimator

__all__: list[str] = []


class _BinaryClassifier(ClassifierMixin, NeymanEstimator):  # type: ignore[misc]
    """Validates two-class data and turns a score into labels and probabilities."""

    classes_: NDArray[Any]

    def _fit_data(
        self, X: Any, y: Any, sample_weight: Any
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
        """Checked ``X``, a signal mask (``y == classes_[1]``) and weights (ones if None)."""
        self._check_params()
        Xc, yc = self._check_X(X, reset=True, y=y)
        check_classification_targets(yc)
        self.classes_ = np.unique(yc)
        name = type(self).__name__
        if len(self.classes_) < 2:
            msg = f"y has one class ({self.classes_[0]!r}); {name} needs two classes"
            raise DataError(msg)
        if len(self.classes_) > 2 or type_of_target(yc) == "multiclass":
            msg = (
                "Only binary classification is supported. The type of the target is "
                f"multiclass ({len(self.classes_)} classes): {name} separates background "
                "from signal; use MLPClassifier or BDTClassifier for more classes"
            )
            raise DataError(msg)
        w = check_sample_weight(sample_weight, len(Xc))
        signal = yc == self.classes_[1]
        check_class_totals(w, signal, name)
        return np.asarray(Xc, dtype=np.float64), signal, w

    def decision_function(self, X: Any) -> NDArray[np.float64]:
        """Score of ``classes_[1]``, shape (n,); larger is more signal-like."""
        raise NotImplementedError

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """``[1 - p, p]`` with ``p = 1 / (1 + exp(-decision_function(X)))``, shape (n, 2).

        For likelihood-ratio scores this is the signal probability under equal priors.
        """
        d = self.decision_function(X)
        p = 0.5 * (1.0 + np.tanh(0.5 * d))  # the logistic function, without overflow
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> NDArray[Any]:
        """``classes_[1]`` where ``decision_function(X) > 0``, else ``classes_[0]``."""
        positive = self.decision_function(X) > 0
        return np.asarray(self.classes_[positive.astype(int)])

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
