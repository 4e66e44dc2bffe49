"""Linear classifiers: :class:`FisherDiscriminant` and :class:`LogisticRegression`.

Both end as ``decision_function(X) = X @ coef_.T + intercept_`` with probabilities from the
logistic function (two classes) or softmax (more), which is all that is saved and loaded.
``FisherDiscriminant`` is computed here (weighted class means and pooled covariance, as
scikit-learn's ``LinearDiscriminantAnalysis(solver="lsqr")``, which takes no event
weights); ``LogisticRegression`` delegates to scikit-learn's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, softmax
from sklearn.base import ClassifierMixin
from sklearn.linear_model import LogisticRegression as _SkLogisticRegression
from sklearn.utils.multiclass import check_classification_targets

from neyman._util.threads import threaded
from neyman._util.weights import check_sample_weight
from neyman.errors import DataError
from neyman.models.base import (
    Boolean,
    Constraint,
    Interval,
    NeymanEstimator,
    Options,
    classes_from_json,
    classes_to_json,
)

__all__ = ["FisherDiscriminant", "LogisticRegression"]


class _LinearClassifier(ClassifierMixin, NeymanEstimator):  # type: ignore[misc]
    coef_: NDArray[np.float64]
    intercept_: NDArray[np.float64]
    classes_: NDArray[Any]

    def _data(self, X: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, NDArray[np.float64]]:
        self._check_params()
        Xc, yc = self._check_X(X, reset=True, y=y)
        check_classification_targets(yc)
        self.classes_ = np.unique(yc)
        if len(self.classes_) < 2:
            msg = f"y has one class ({self.classes_[0]!r}); {type(self).__name__} needs two"
            raise DataError(msg)
        w = check_sample_weight(sample_weight, len(Xc), positive_sum=True)
        return Xc, yc, w

    @threaded
    def decision_function(self, X: Any) -> NDArray[np.float64]:
        """``X @ coef_.T + intercept_``: shape (n,) for two classes (log-odds of
        ``classes_[1]``), (n, k) otherwise."""
        Xc = np.asarray(self._check_X(X, reset=False), dtype=np.float64)
        d = Xc @ self.coef_.T + self.intercept_
        return np.asarray(d[:, 0] if d.shape[1] == 1 else d, dtype=np.float64)

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Logistic (two classes) or softmax (more) of the decision function, (n, k)."""
        d = self.decision_function(X)
        if d.ndim == 1:
            p = expit(d)
            return np.column_stack([1.0 - p, p])
        return np.asarray(softmax(d, axis=1), dtype=np.float64)

    def predict(self, X: Any) -> NDArray[Any]:
        """Most probable class label per event."""
        d = self.decision_function(X)
        idx = (d > 0).astype(int) if d.ndim == 1 else d.argmax(axis=1)
        return np.asarray(self.classes_[idx])

    def _get_state(self) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
        return {"classes": classes_to_json(self.classes_)}, {
            "coef": self.coef_,
            "intercept": self.intercept_,
        }

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, NDArray[Any]], path: Path) -> None:
        self.classes_ = classes_from_json(meta["classes"])
        self.coef_ = arrays["coef"]
        self.intercept_ = arrays["intercept"]


class FisherDiscriminant(_LinearClassifier):
    """Fisher's linear discriminant (linear discriminant analysis) with event weights.

    With weighted class means ``mu_c``, class priors ``pi_c`` (weight fractions) and the
    pooled covariance ``Sigma = sum_c pi_c Sigma_c``, the discriminant of class ``c`` is
    ``x . Sigma^-1 mu_c - mu_c . Sigma^-1 mu_c / 2 + log pi_c``; for two classes the
    decision function is their difference, the log posterior odds under Gaussian classes
    with a shared covariance. Fisher, Annals of Eugenics 7 (1936) 179,
    doi:10.1111/j.1469-1809.1936.tb02137.x.

    Parameters
    ----------
    shrinkage : float in [0, 1], optional
        Shrink each class covariance ``C`` to ``(1 - s) C + s (tr C / d) I``, as
        scikit-learn's ``LinearDiscriminantAnalysis(solver="lsqr", shrinkage=s)``.
    n_threads : int or "auto", default "auto"
        BLAS/OpenMP threads during fit and predict, restored afterwards; ``"auto"`` (or
        ``NEYMAN_NUM_THREADS``) is the CPUs this process may use (:mod:`neyman._util.threads`).

    Attributes
    ----------
    coef_ : ndarray of shape (1, d) for two classes, else (k, d)
    intercept_ : ndarray of shape (1,) or (k,)
    means_ : ndarray of shape (k, d)
        Weighted class means.
    covariance_ : ndarray of shape (d, d)
        Pooled within-class covariance.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [1.0, 0.5], [3.0, 3.0], [4.0, 3.2]])
    >>> FisherDiscriminant().fit(X, [0, 0, 1, 1]).predict([[0.5, 0.2], [3.5, 3.1]]).tolist()
    [0, 1]
    """

    _param_table: ClassVar[dict[str, list[Constraint | None]]] = {
        "shrinkage": [None, Interval("float", 0, 1)],
        "n_threads": [Options(("auto",)), Interval("int", 1, None)],
    }

    def __init__(self, shrinkage: float | None = None, *, n_threads: int | str = "auto") -> None:
        self.shrinkage = shrinkage
        self.n_threads = n_threads

    @threaded
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> FisherDiscriminant:
        """Compute the discriminant from weighted class means and covariances.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n, d)
        y : array-like of shape (n,)
        sample_weight : array-like of shape (n,), optional
            Event weights; each class needs a positive total.
        """
        Xc, yc, w = self._data(X, y, sample_weight)
        Xc = np.asarray(Xc, dtype=np.float64)
        k, d = len(self.classes_), Xc.shape[1]
        means = np.zeros((k, d))
        priors = np.zeros(k)
        cov = np.zeros((d, d))
        for i, c in enumerate(self.classes_):
            mask = yc == c
            wc = w[mask]
            total = wc.sum()
            if not total > 0:
                msg = f"class {c!r} has no positive total weight; FisherDiscriminant needs one"
                raise DataError(msg)
            means[i] = wc @ Xc[mask] / total
            priors[i] = total
            cov += total * _weighted_cov(Xc[mask], wc, self.shrinkage)
        cov /= priors.sum()
        priors /= priors.sum()
        coef = np.linalg.lstsq(cov, means.T, rcond=None)[0].T
        intercept = -0.5 * np.einsum("kd,kd->k", means, coef) + np.log(priors)
        if k == 2:
            coef = coef[1:] - coef[:1]
            intercept = intercept[1:] - intercept[:1]
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        self.means_ = means
        self.covariance_ = cov
        return self


def _weighted_cov(
    X: NDArray[np.float64], w: NDArray[np.float64], shrinkage: float | None
) -> NDArray[np.float64]:
    """Biased weighted covariance, optionally shrunk towards ``trace / d`` times identity."""
    mu = w @ X / w.sum()
    Z = X - mu
    cov = (Z * w[:, None]).T @ Z / w.sum()
    if shrinkage is not None:
        d = len(cov)
        cov = (1.0 - shrinkage) * cov + shrinkage * (np.trace(cov) / d) * np.eye(d)
    out: NDArray[np.float64] = np.asarray(cov, dtype=np.float64)
    return out


class LogisticRegression(_LinearClassifier):
    """L2-regularised logistic regression (scikit-learn's, lbfgs) with neyman conventions.

    Parameters
    ----------
    C : float > 0
        Inverse regularisation strength.
    fit_intercept : bool
        Fit a constant term.
    max_iter : int
        Iterations of lbfgs.
    tol : float > 0
        Stopping tolerance.
    n_threads : int or "auto", default "auto"
        BLAS/OpenMP threads during fit and predict, restored afterwards; ``"auto"`` (or
        ``NEYMAN_NUM_THREADS``) is the CPUs this process may use (:mod:`neyman._util.threads`).

    Attributes
    ----------
    coef_ : ndarray of shape (1, d) or (k, d)
    intercept_ : ndarray of shape (1,) or (k,)
    n_iter_ : int
        Iterations run.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [3.0], [4.0]])
    >>> LogisticRegression().fit(X, [0, 0, 1, 1]).predict([[0.2], [3.8]]).tolist()
    [0, 1]
    """

    _param_table: ClassVar[dict[str, list[Constraint | None]]] = {
        "C": [Interval("float", 0, None, "neither")],
        "fit_intercept": [Boolean()],
        "max_iter": [Interval("int", 1, None)],
        "tol": [Interval("float", 0, None, "neither")],
        "n_threads": [Options(("auto",)), Interval("int", 1, None)],
    }

    def __init__(
        self,
        C: float = 1.0,
        *,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-4,
        n_threads: int | str = "auto",
    ) -> None:
        self.C = C
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.n_threads = n_threads

    @threaded
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegression:
        """Fit by maximum (penalised, weighted) likelihood.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n, d)
        y : array-like of shape (n,)
        sample_weight : array-like of shape (n,), optional
        """
        Xc, yc, w = self._data(X, y, sample_weight)
        model = _SkLogisticRegression(
            C=self.C, fit_intercept=self.fit_intercept, max_iter=self.max_iter, tol=self.tol
        )
        model.fit(Xc, yc, sample_weight=w)
        self.coef_ = np.asarray(model.coef_, dtype=np.float64)
        self.intercept_ = np.atleast_1d(np.asarray(model.intercept_, dtype=np.float64))
        self.n_iter_ = int(np.max(model.n_iter_))
        return self
