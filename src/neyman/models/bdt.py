"""Boosted decision trees over XGBoost's ``hist`` method: :class:`BDTClassifier`, :class:`BDTRegressor`.

Thin on purpose: neyman adds its conventions (parameter table, NaN and feature checks,
DataFrame feature names, a negative-weight policy, validation data for early stopping,
save/load as XGBoost JSON) and leaves the boosting to XGBoost's native ``xgboost.train``.

Negative event weights are common in Monte Carlo (NLO generators) and sPlot sWeights.
``negative_weights`` chooses what happens: ``"error"`` (default) refuses them with a
message listing the options, ``"drop"`` removes those events, ``"keep"`` trains with them
(XGBoost accepts negative weights; with many of them a leaf's hessian sum can turn
negative and the trees become unstable, so check the result).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, softmax
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split

from neyman._util.fs import atomic_path
from neyman._util.threads import resolve_threads
from neyman._util.weights import check_sample_weight
from neyman.errors import DataError, ModelError
from neyman.models.base import (
    Constraint,
    NeymanEstimator,
    classes_from_json,
    classes_to_json,
    random_seed,
)
from neyman.models.params import PARAM_TABLES

__all__ = ["BDTClassifier", "BDTRegressor"]

_BOOSTER_FILE = "booster.json"

#: XGBoost stores features as float32, so float32 input is passed on without a float64 copy
_XGB_DTYPES = [np.float32, np.float64]


class _BDTBase(NeymanEstimator):
    _is_classifier: ClassVar[bool] = True

    def __init__(
        self,
        n_estimators: int = 600,
        *,
        max_depth: int = 5,
        learning_rate: float = 0.05,
        subsample: float = 0.8,
        colsample_bytree: float = 1.0,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        reg_alpha: float = 0.0,
        gamma: float = 0.0,
        max_bin: int = 256,
        early_stopping_rounds: int | None = None,
        validation_fraction: float = 0.1,
        negative_weights: str = "error",
        device: str = "auto",
        n_jobs: int | None = None,
        n_threads: int | str = "auto",
        random_state: Any = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.gamma = gamma
        self.max_bin = max_bin
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.negative_weights = negative_weights
        self.device = device
        self.n_jobs = n_jobs
        self.n_threads = n_threads
        self.random_state = random_state

    booster_: Any
    best_iteration_: int

    # -- fitting ----------------------------------------------------------------------

    def _objective(self, n_classes: int) -> dict[str, Any]:
        raise NotImplementedError

    def _weights(
        self, sample_weight: Any, X: NDArray[Any], what: str
    ) -> NDArray[np.float64] | None:
        if sample_weight is None:
            return None
        w = check_sample_weight(sample_weight, len(X), what=what)
        n_neg = int((w < 0).sum())
        if n_neg and self.negative_weights == "error":
            msg = (
                f"{what} has {n_neg} negative value(s) (of {len(w)}); "
                f"{type(self).__name__} needs a policy: negative_weights='drop' discards "
                "those events, 'keep' trains with them (XGBoost supports negative weights)"
            )
            raise DataError(msg)
        out: NDArray[np.float64] = np.asarray(w, dtype=np.float64)
        return out

    def _booster_params(self, seed: int, n_classes: int) -> tuple[dict[str, Any], str]:
        """XGBoost's training parameters from the hyperparameters, and the device used.

        One place for ``fit`` and ``fit_stream``, so in-memory and external-memory training
        grow the same trees from the same settings.
        """
        device = self.device
        if device == "auto":
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        params: dict[str, Any] = {
            "tree_method": "hist",
            "device": device,
            "max_depth": self.max_depth,
            "eta": self.learning_rate,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "min_child_weight": self.min_child_weight,
            "lambda": self.reg_lambda,
            "alpha": self.reg_alpha,
            "gamma": self.gamma,
            "max_bin": self.max_bin,
            "seed": seed,
            "nthread": self.n_jobs if self.n_jobs is not None else resolve_threads(self.n_threads),
            "verbosity": 0,
            **self._objective(n_classes),
        }
        return params, device

    def _fit(self, X: Any, y: Any, sample_weight: Any, validation_data: Any) -> Any:
        import xgboost as xgb

        self._check_params()
        Xc, yc = self._check_X(
            X,
            reset=True,
            y=y,
            multi_output=False,
            y_numeric=not self._is_classifier,
            dtype=_XGB_DTYPES,
        )
        target = self._encode(yc, fitting=True)
        w = self._weights(sample_weight, Xc, "sample_weight")
        seed = random_seed(self.random_state)

        Xv = yv = wv = None
        if validation_data is not None:
            if not isinstance(validation_data, tuple | list) or len(validation_data) not in (2, 3):
                msg = "validation_data must be a tuple (X_val, y_val) or (X_val, y_val, w_val)"
                raise DataError(msg)
            Xv = self._check_X(validation_data[0], reset=False, dtype=_XGB_DTYPES)
            yv = self._encode(np.asarray(validation_data[1]), fitting=False)
            if len(yv) != len(Xv):
                msg = f"validation_data has {len(Xv)} events in X but {len(yv)} in y"
                raise DataError(msg)
            if len(validation_data) == 3:
                wv = self._weights(validation_data[2], Xv, "validation sample weight")
        elif self.early_stopping_rounds is not None:
            idx = np.arange(len(Xc))
            strat = target if self._is_classifier else None
            try:
                i_tr, i_va = train_test_split(
                    idx, test_size=self.validation_fraction, random_state=seed, stratify=strat
                )
            except ValueError:  # a class too small to stratify: plain random split
                i_tr, i_va = train_test_split(
                    idx, test_size=self.validation_fraction, random_state=seed
                )
            Xv, yv, wv = Xc[i_va], target[i_va], None if w is None else w[i_va]
            Xc, target, w = Xc[i_tr], target[i_tr], None if w is None else w[i_tr]

        if self.negative_weights == "drop":
            if w is not None:
                keep = w >= 0
                Xc, target, w = Xc[keep], target[keep], w[keep]
            if wv is not None and Xv is not None and yv is not None:
                keep_v = wv >= 0
                Xv, yv, wv = Xv[keep_v], yv[keep_v], wv[keep_v]

        params, device = self._booster_params(seed, len(getattr(self, "classes_", ())))
        negative = (w is not None and bool((w < 0).any())) or (
            wv is not None and bool((wv < 0).any())
        )
        extra: dict[str, Any] = {}
        if negative:
            # XGBoost's DMatrix refuses negative weights, so "keep" carries them in a
            # custom objective (gradient and hessian times the event weight) and metric
            dtrain = xgb.DMatrix(Xc, label=target)
            dval = None if Xv is None else xgb.DMatrix(Xv, label=yv)
            weights = {id(dtrain): w}
            if dval is not None:
                weights[id(dval)] = wv
            extra = _signed_weight_objective(params, weights)
        else:
            dtrain = xgb.DMatrix(Xc, label=target, weight=w)
            dval = None if Xv is None else xgb.DMatrix(Xv, label=yv, weight=wv)
        evals: list[tuple[Any, str]] = [] if dval is None else [(dval, "validation")]
        record: dict[str, Any] = {}
        booster = xgb.train(
            params,
            dtrain,
            num_boost_round=self.n_estimators,
            evals=evals,
            early_stopping_rounds=self.early_stopping_rounds if evals else None,
            evals_result=record,
            verbose_eval=False,
            **extra,
        )
        return self._keep_booster(booster, record, validated=bool(evals), device=device)

    def _keep_booster(
        self, booster: Any, record: dict[str, Any], *, validated: bool, device: str
    ) -> Any:
        """Store a trained booster and its history as the fitted state (``fit`` and Dask).

        ``validated``: whether validation events were watched, so that
        ``early_stopping_rounds`` could act and the booster knows its best iteration.
        """
        self.booster_ = booster
        self.best_iteration_ = (
            int(booster.best_iteration)
            if self.early_stopping_rounds is not None and validated
            else self.n_estimators - 1
        )
        self.evals_result_ = {
            name: {metric: [float(v) for v in values] for metric, values in curves.items()}
            for name, curves in record.items()
        }
        self.device_ = device
        return self

    def _encode(self, y: Any, *, fitting: bool) -> NDArray[Any]:
        if not self._is_classifier:
            return np.asarray(y, dtype=np.float64)
        idx = self._class_index(y, fitting=fitting, what="y" if fitting else "validation y")
        out: NDArray[Any] = idx.astype(np.float64)
        return out

    # -- prediction -------------------------------------------------------------------

    def _margin(self, X: Any) -> NDArray[np.float64]:
        import xgboost as xgb

        Xc = self._check_X(X, reset=False, dtype=_XGB_DTYPES)
        dm = xgb.DMatrix(Xc)
        out = self.booster_.predict(
            dm, output_margin=True, iteration_range=(0, self.best_iteration_ + 1)
        )
        return np.asarray(out, dtype=np.float64)

    @property
    def feature_importances_(self) -> NDArray[np.float64]:
        """Total gain of the splits on each feature, normalised to sum to 1 (0 if unused)."""
        self._require_fitted()
        scores = self.booster_.get_score(importance_type="total_gain")
        out = np.zeros(self.n_features_in_, dtype=np.float64)
        for key, value in scores.items():
            out[int(str(key).lstrip("f"))] = float(value)
        total = out.sum()
        return out / total if total > 0 else out

    # -- export -----------------------------------------------------------------------

    def export_onnx(self, path: str | os.PathLike[str]) -> Path:
        """Export the trees (up to the best round) with the output head to ONNX.

        Same contract as the MLP's ``export_onnx``: the graph takes ``X`` (float32, shape
        ``(n, n_features_in_)``, dynamic ``n``) and returns ``output``: the probability of
        ``classes_[1]`` with shape (n, 1) for two classes, (n, k) class probabilities for
        more, or the regression values (n, 1). Converted with onnxmltools; trees compare
        features in float32, as XGBoost does.

        Parameters
        ----------
        path : path-like
            The ``.onnx`` file to write (atomically).

        Raises
        ------
        ImportError
            If ``onnx``/``onnxmltools`` are missing: ``pip install 'neyman[onnx]'``.
        """
        self._require_fitted()
        try:
            import onnx
            import onnxmltools
            from onnxmltools.convert.common.data_types import FloatTensorType
        except ImportError as exc:
            msg = f"{type(self).__name__}.export_onnx needs onnxmltools: pip install 'neyman[onnx]'"
            raise ImportError(msg) from exc
        booster = self.booster_[: self.best_iteration_ + 1]
        model = onnxmltools.convert_xgboost(
            booster,
            initial_types=[("X", FloatTensorType([None, int(self.n_features_in_)]))],
            target_opset=15,
        )
        _onnx_head(model, binary=self._is_classifier and len(self.classes_) == 2)
        onnx.checker.check_model(model)
        target = Path(path)
        with atomic_path(target) as tmp:
            tmp.write_bytes(model.SerializeToString())
        return target

    # -- persistence ------------------------------------------------------------------

    def _get_state(self) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
        meta: dict[str, Any] = {
            "best_iteration": self.best_iteration_,
            "booster": _BOOSTER_FILE,
            "evals_result": self.evals_result_,
        }
        if self._is_classifier:
            meta["classes"] = classes_to_json(self.classes_)
        return meta, {}

    def _save_extra(self, path: Path) -> None:
        target = path / _BOOSTER_FILE
        with atomic_path(target) as tmp:
            json_tmp = tmp.with_suffix(".json")  # XGBoost picks the format from the suffix
            self.booster_.save_model(str(json_tmp))
            json_tmp.replace(tmp)

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, NDArray[Any]], path: Path) -> None:
        import xgboost as xgb

        booster_path = path / str(meta.get("booster", _BOOSTER_FILE))
        if not booster_path.is_file():
            msg = f"'{path}' has no {booster_path.name}; the model directory is incomplete"
            raise ModelError(msg)
        booster = xgb.Booster()
        try:
            booster.load_model(str(booster_path))
        except xgb.core.XGBoostError as exc:
            msg = f"'{booster_path}' is not a readable XGBoost model ({exc}); save it again"
            raise ModelError(msg) from exc
        self.booster_ = booster
        self.best_iteration_ = int(meta["best_iteration"])
        self.evals_result_ = meta.get("evals_result", {})
        self.device_ = "cpu"
        if self._is_classifier:
            self.classes_ = classes_from_json(meta["classes"])


def _onnx_head(model: Any, *, binary: bool) -> None:
    """Give a converted XGBoost graph one output ``output`` (see ``export_onnx``).

    onnxmltools yields ``label`` + ``probabilities`` (n, k) for a logistic or softmax
    booster, or ``variable`` (n, 1) for a regression booster. A two-class BDT trained with
    signed weights carries a custom objective, so it converts as a regression of the margin
    (its ``base_score`` is 0) and gets a sigmoid here.
    """
    from onnx import TensorProto, helper

    if not any(op.domain in ("", "ai.onnx") for op in model.opset_import):
        model.opset_import.append(helper.make_opsetid("", 15))
    graph = model.graph
    names = [o.name for o in graph.output]
    if "probabilities" in names:
        source = "probabilities"
        if binary:
            graph.initializer.append(helper.make_tensor("_signal", TensorProto.INT64, [1], [1]))
            graph.node.append(helper.make_node("Gather", [source, "_signal"], ["output"], axis=1))
        else:
            graph.node.append(helper.make_node("Identity", [source], ["output"]))
        width = 1 if binary else None
    else:
        op = "Sigmoid" if binary else "Identity"
        graph.node.append(helper.make_node(op, [names[0]], ["output"]))
        width = 1
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info("output", TensorProto.FLOAT, [None, width]))


def _signed_weight_objective(params: dict[str, Any], weights: dict[int, Any]) -> dict[str, Any]:
    """Custom objective and metric applying (possibly negative) event weights.

    Mutates ``params`` (drops the built-in objective and metric, margins start at 0) and
    returns the ``obj``/``custom_metric`` arguments of ``xgboost.train``. Supports the
    binary logistic and squared-error objectives.
    """
    objective = params.pop("objective")
    params.pop("eval_metric", None)
    params["base_score"] = 0.0
    params["disable_default_eval_metric"] = 1
    if objective not in ("binary:logistic", "reg:squarederror"):
        msg = (
            f"negative_weights='keep' supports two-class classification and squared-error "
            f"regression, not {objective!r}; use negative_weights='drop'"
        )
        raise DataError(msg)
    binary = objective == "binary:logistic"

    def _w(dmat: Any, n: int) -> NDArray[np.float64]:
        w = weights.get(id(dmat))
        return np.ones(n) if w is None else np.asarray(w, dtype=np.float64)

    def obj(margin: NDArray[Any], dmat: Any) -> tuple[NDArray[Any], NDArray[Any]]:
        y = dmat.get_label()
        w = _w(dmat, len(y))
        if binary:
            p = expit(margin)
            return w * (p - y), w * np.maximum(p * (1.0 - p), 1e-16)
        return w * (margin - y), w

    def metric(margin: NDArray[Any], dmat: Any) -> tuple[str, float]:
        y = dmat.get_label()
        w = _w(dmat, len(y))
        if binary:
            # log(1 + e^m) - y m, the logistic loss from the margin without overflow
            per = np.logaddexp(0.0, margin) - y * margin
            return "logloss", float((w * per).sum() / w.sum())
        return "rmse", float(np.sqrt(max((w * (margin - y) ** 2).sum() / w.sum(), 0.0)))

    return {"obj": obj, "custom_metric": metric}


_DOC = """
    Parameters
    ----------
    n_estimators : int, default 600
        Boosting rounds (the maximum when early stopping).
    max_depth : int, default 5
        Depth of each tree.
    learning_rate : float in (0, 1], default 0.05
        Shrinkage of each tree's contribution.
    subsample : float in (0, 1], default 0.8
        Share of the events each tree sees (drawn anew per tree, seeded).
    colsample_bytree : float in (0, 1], default 1.0
        Share of the features each tree sees.
    min_child_weight : float
        Minimum hessian sum (~ weighted events) in a leaf.
    reg_lambda, reg_alpha, gamma : float
        L2 and L1 penalty on leaf values; minimum loss reduction to split.
    max_bin : int
        Histogram bins per feature (``hist`` method).
    early_stopping_rounds : int, optional
        Stop when the validation loss has not improved for this many rounds; validation
        data come from ``fit(validation_data=...)`` or a ``validation_fraction`` split.
        Predictions then use the trees up to the best round.
    validation_fraction : float in (0, 1)
        Held-out share (stratified for classifiers) when early stopping without
        ``validation_data``.
    negative_weights : {"error", "drop", "keep"}
        Policy for negative event weights (see :mod:`neyman.models.bdt`).
    device : {"auto", "cpu", "cuda"}
        ``"auto"`` trains on CUDA when present.
    n_jobs : int, optional
        CPU threads; wins over ``n_threads`` when given.
    n_threads : int or "auto"
        CPU threads when ``n_jobs`` is None: ``"auto"`` (or ``NEYMAN_NUM_THREADS``) means
        the CPUs this process may use (affinity mask, cgroup quota, ``OMP_NUM_THREADS``;
        see :mod:`neyman._util.threads`), not every core of the machine.
    random_state : int, RandomState or None
        Seeds subsampling and the validation split.

    Attributes
    ----------
    booster_ : xgboost.Booster
        The trained trees.
    best_iteration_ : int
        Index of the last tree used for prediction.
    evals_result_ : dict
        Validation loss per round when there was validation data.
    feature_importances_ : ndarray of shape (n_features,)
        Normalised total gain per feature.
"""


class BDTClassifier(ClassifierMixin, _BDTBase):  # type: ignore[misc]
    __doc__ = (
        """Gradient-boosted decision trees (XGBoost ``hist``) for classification.

    Two classes use the logistic loss; ``decision_function`` is the boosted margin (the
    log-odds of ``classes_[1]``). More classes use softmax.

    The defaults (600 trees of depth 5, ``learning_rate`` 0.05, ``subsample`` 0.8) come
    within 0.008 and 0.014 of the Neyman-Pearson AUC on the built-in 5-D and 10-D Gaussian
    mixtures at 10^5 events (``benchmarks/bench_optimality.py``; the former 200 trees of
    depth 3: 0.018 and 0.035), in about 20-30 s on one core. Deeper trees, more rounds with
    early stopping or stronger regularisation do not close the rest: the classes differ
    along correlated, oblique directions that axis-aligned cuts approximate only in steps.
    """
        + _DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)); y = (X[:, 0] * X[:, 1] > 0).astype(int)
    >>> bdt = BDTClassifier(50, random_state=0).fit(X, y)
    >>> bool((bdt.predict(X) == y).mean() > 0.9)
    True
    """
    )

    _is_classifier: ClassVar[bool] = True
    _param_table: ClassVar[dict[str, list[Constraint | None]]] = PARAM_TABLES["BDTClassifier"]

    def _objective(self, n_classes: int) -> dict[str, Any]:
        if n_classes == 2:
            return {"objective": "binary:logistic", "eval_metric": "logloss"}
        return {"objective": "multi:softprob", "num_class": n_classes, "eval_metric": "mlogloss"}

    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        validation_data: tuple[Any, ...] | None = None,
    ) -> BDTClassifier:
        """Boost trees on ``X`` (n, d) and labels ``y``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n, d)
        y : array-like of shape (n,)
        sample_weight : array-like of shape (n,), optional
            Event weights, subject to ``negative_weights``.
        validation_data : tuple (X_val, y_val[, w_val]), optional
            Monitored every round; used by early stopping.
        """
        self._fit(X, y, sample_weight, validation_data)
        return self

    def fit_stream(self, source: Any, *, cache_dir: str | os.PathLike[str]) -> BDTClassifier:
        """Boost trees from a :class:`neyman.data.stream.StreamSource` with external memory.

        The source's blocks feed an ``xgboost.DataIter``; ``xgboost.ExtMemQuantileDMatrix``
        builds the quantile sketch and keeps the binned pages in ``cache_dir`` (the
        directory the caller names, created if needed), so the events are never all in
        memory. Non-negative weights only; no early stopping (validate afterwards).

        Parameters
        ----------
        source : StreamSource
            Events with class labels and weights (standardisation does not matter here).
        cache_dir : path
            Directory for XGBoost's page cache (``cache_pages_`` counts the pages written).
        """
        import xgboost as xgb

        self._check_params()
        if self.early_stopping_rounds is not None:
            msg = "fit_stream does not support early_stopping_rounds; set it to None"
            raise DataError(msg, key="early_stopping_rounds")
        cache = Path(cache_dir)
        cache.mkdir(parents=True, exist_ok=True)
        blocks_of = source.blocks
        labels = np.asarray(source.classes)

        class _Iter(xgb.DataIter):
            def __init__(self) -> None:
                self._it: Any = None
                self.n_neg = 0
                super().__init__(cache_prefix=str(cache / "xgb"))

            def next(self, input_data: Any) -> bool:
                if self._it is None:
                    self._it = iter(blocks_of(0))
                block = next(self._it, None)
                if block is None:
                    return False
                self.n_neg += int((block.w < 0).sum())
                input_data(
                    data=block.X,
                    label=np.searchsorted(labels, block.y).astype(np.float32),
                    weight=block.w,
                )
                return True

            def reset(self) -> None:
                self._it = None

        it = _Iter()
        maker = getattr(xgb, "ExtMemQuantileDMatrix", xgb.QuantileDMatrix)
        dtrain = maker(it, max_bin=self.max_bin)
        #: pages XGBoost wrote to cache_dir (removed when the matrix is freed)
        self.cache_pages_ = len(list(cache.glob("xgb*")))
        if it.n_neg:
            msg = f"fit_stream got {it.n_neg} negative weight(s); use fit with negative_weights"
            raise DataError(msg, value=it.n_neg)
        self.classes_ = np.asarray(source.classes)
        self.n_features_in_ = int(dtrain.num_col())
        params, device = self._booster_params(random_seed(self.random_state), len(self.classes_))
        self.booster_ = xgb.train(params, dtrain, num_boost_round=self.n_estimators)
        self.best_iteration_ = self.n_estimators - 1
        self.evals_result_ = {}
        self.device_ = device
        return self

    def decision_function(self, X: Any) -> NDArray[np.float64]:
        """Boosted margin: log-odds of ``classes_[1]`` (n,), or per-class margins (n, k)."""
        return self._margin(X)

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Class probabilities, shape (n, n_classes)."""
        m = self._margin(X)
        if m.ndim == 1:
            p = expit(m)
            return np.column_stack([1.0 - p, p])
        return np.asarray(softmax(m, axis=1), dtype=np.float64)

    def predict(self, X: Any) -> NDArray[Any]:
        """Most probable class label per event."""
        m = self._margin(X)
        idx = (m > 0).astype(int) if m.ndim == 1 else m.argmax(axis=1)
        return np.asarray(self.classes_[idx])


class BDTRegressor(RegressorMixin, _BDTBase):  # type: ignore[misc]
    __doc__ = (
        """Gradient-boosted decision trees (XGBoost ``hist``) for regression.

    ``objective`` picks the loss: ``"squared_error"`` (default), ``"absolute_error"`` or
    ``"pseudohuber"``.
    """
        + _DOC
    )

    _is_classifier: ClassVar[bool] = False
    _param_table: ClassVar[dict[str, list[Constraint | None]]] = PARAM_TABLES["BDTRegressor"]

    def __init__(
        self,
        n_estimators: int = 600,
        *,
        objective: str = "squared_error",
        max_depth: int = 5,
        learning_rate: float = 0.05,
        subsample: float = 0.8,
        colsample_bytree: float = 1.0,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        reg_alpha: float = 0.0,
        gamma: float = 0.0,
        max_bin: int = 256,
        early_stopping_rounds: int | None = None,
        validation_fraction: float = 0.1,
        negative_weights: str = "error",
        device: str = "auto",
        n_jobs: int | None = None,
        n_threads: int | str = "auto",
        random_state: Any = None,
    ) -> None:
        super().__init__(
            n_estimators,
            max_depth=max_depth,
            learning_rate=learning_rate,
            subsample=subsample,
            colsample_bytree=colsample_bytree,
            min_child_weight=min_child_weight,
            reg_lambda=reg_lambda,
            reg_alpha=reg_alpha,
            gamma=gamma,
            max_bin=max_bin,
            early_stopping_rounds=early_stopping_rounds,
            validation_fraction=validation_fraction,
            negative_weights=negative_weights,
            device=device,
            n_jobs=n_jobs,
            n_threads=n_threads,
            random_state=random_state,
        )
        self.objective = objective

    def _objective(self, n_classes: int) -> dict[str, Any]:
        name = {
            "squared_error": "reg:squarederror",
            "absolute_error": "reg:absoluteerror",
            "pseudohuber": "reg:pseudohubererror",
        }[self.objective]
        return {"objective": name}

    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        validation_data: tuple[Any, ...] | None = None,
    ) -> BDTRegressor:
        """Boost trees on ``X`` (n, d) and targets ``y`` (n,); see :meth:`BDTClassifier.fit`."""
        self._fit(X, y, sample_weight, validation_data)
        return self

    def predict(self, X: Any) -> NDArray[np.float64]:
        """Predicted targets, shape (n,)."""
        return self._margin(X)
