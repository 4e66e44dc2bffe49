"""k-nearest-neighbour likelihood ratio, as TMVA's kNN method.

Among the ``k`` training events nearest to ``x`` (Euclidean distance after scaling each
feature by its training standard deviation), let ``s`` and ``b`` be the summed weights of
signal and background events. With ``S`` and ``B`` the total class weights,

    LR(x) = [(s + a) / S] / [(b + a) / B]

estimates the density ratio p_s(x) / p_b(x) (``a`` is a small pseudocount so that a
neighbourhood without one class gives a finite ratio). ``decision_function`` returns
``log LR``; it is monotone in the likelihood ratio as ``k`` grows and ``k / n`` shrinks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from sklearn.neighbors import KDTree

from neyman._util.threads import threaded
from neyman.errors import ConfigError
from neyman.models._binary import _BinaryClassifier
from neyman.models.base import (
    Boolean,
    Constraint,
    Interval,
    Options,
    classes_from_json,
    classes_to_json,
)

__all__ = ["KNNClassifier"]


class KNNClassifier(_BinaryClassifier):
    """Likelihood ratio from weighted neighbour counts (two classes).

    Parameters
    ----------
    n_neighbors : int, default 50
        Neighbours per query; at most the number of training events (more is a
        :class:`~neyman.errors.ConfigError`: the neighbourhood would be the whole sample).
    scale : bool, default True
        Divide each feature by its training standard deviation before measuring distance.
    pseudocount : float, default 0.5
        Added to each class's neighbour weight (weights are first scaled to average 1),
        so empty neighbourhoods give a finite log ratio.
    n_threads : int or "auto", default "auto"
        BLAS/OpenMP threads during fit and predict, restored afterwards; ``"auto"`` (or
        ``NEYMAN_NUM_THREADS``) is the CPUs this process may use (:mod:`neyman._util.threads`).

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        ``classes_[1]`` is the signal.
    n_neighbors_ : int
        Neighbours used per query (``n_neighbors``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> X = np.r_[rng.normal(1, 1, (500, 1)), rng.normal(-1, 1, (500, 1))]
    >>> y = np.r_[np.ones(500), np.zeros(500)]
    >>> knn = KNNClassifier(100).fit(X, y)
    >>> bool(knn.decision_function([[2.0]])[0] > knn.decision_function([[0.0]])[0])
    True
    """

    _param_table: ClassVar[dict[str, list[Constraint | None]]] = {
        "n_neighbors": [Interval("int", 1, None)],
        "scale": [Boolean()],
        "pseudocount": [Interval("float", 0, None, "neither")],
        "n_threads": [Options(("auto",)), Interval("int", 1, None)],
    }

    def __init__(
        self,
        n_neighbors: int = 50,
        *,
        scale: bool = True,
        pseudocount: float = 0.5,
        n_threads: int | str = "auto",
    ):
        self.n_neighbors = n_neighbors
        self.scale = scale
        self.pseudocount = pseudocount
        self.n_threads = n_threads

    @threaded
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> KNNClassifier:
        """Store the (scaled) training events and their weights.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n, d)
        y : array-like of shape (n,), two classes
        sample_weight : array-like of shape (n,), optional
        """
        Xc, signal, w = self._fit_data(X, y, sample_weight)
        self.mean_ = Xc.mean(axis=0)
        std = Xc.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0) if self.scale else np.ones(Xc.shape[1])
        self._setup((Xc - self.mean_) / self.scale_, signal, w / w.mean())
        return self

    def _setup(
        self, Xs: NDArray[np.float64], signal: NDArray[np.bool_], w: NDArray[np.float64]
    ) -> None:
        if self.n_neighbors > len(Xs):
            msg = (
                f"The 'n_neighbors' parameter of KNNClassifier ({self.n_neighbors}) is larger "
                f"than the {len(Xs)} training events; use n_neighbors <= {len(Xs)} (a few percent "
                "of the events is typical)"
            )
            raise ConfigError(msg, key="n_neighbors", value=self.n_neighbors)
        self.train_X_ = Xs
        self.train_signal_ = signal
        self.train_weight_ = w
        self.n_neighbors_ = int(self.n_neighbors)
        self._tree = KDTree(Xs)
        self._log_prior = float(np.log(w[~signal].sum()) - np.log(w[signal].sum()))

    @threaded
    def decision_function(self, X: Any) -> NDArray[np.float64]:
        """``log LR`` from the weighted neighbour counts, shape (n,)."""
        Xc = np.asarray(self._check_X(X, reset=False), dtype=np.float64)
        _, idx = self._tree.query((Xc - self.mean_) / self.scale_, k=self.n_neighbors_)
        ws = np.where(self.train_signal_[idx], self.train_weight_[idx], 0.0).sum(axis=1)
        wb = np.where(~self.train_signal_[idx], self.train_weight_[idx], 0.0).sum(axis=1)
        a = float(self.pseudocount)
        # negative event weights can make a local sum negative; floor it at zero
        ws, wb = np.maximum(ws, 0.0), np.maximum(wb, 0.0)
        return np.asarray(np.log(ws + a) - np.log(wb + a) + self._log_prior, dtype=np.float64)

    def _get_state(self) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
        meta = {"classes": classes_to_json(self.classes_)}
        arrays = {
            "mean": self.mean_,
            "scale": self.scale_,
            "X": self.train_X_,
            "signal": self.train_signal_.astype(np.uint8),
            "weight": self.train_weight_,
        }
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, NDArray[Any]], path: Path) -> None:
        self.classes_ = classes_from_json(meta["classes"])
        self.mean_ = arrays["mean"]
        self.scale_ = arrays["scale"]
        self._setup(arrays["X"], arrays["signal"].astype(bool), arrays["weight"])
