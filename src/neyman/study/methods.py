"""One method of a study, in four steps: fit -> score -> evaluate -> save.

Every method gets the same :class:`Prepared` data: standardised features and the study's
policy weights (see :mod:`neyman.study.weights`) for training, validation (loss, history,
early stopping) and test (ROC, AUC, KS tests). Read :mod:`neyman.study.run` for the loop
that calls these steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neyman.data import Dataset
from neyman.errors import ConfigError
from neyman.models.pipeline import Pipeline
from neyman.study.config import MethodConfig, StudyConfig
from neyman.study.weights import WeightPolicy

__all__ = [
    "MethodResult",
    "MethodScores",
    "Prepared",
    "build_estimator",
    "evaluate_method",
    "fit_method",
    "method_pipeline",
    "score_method",
    "score_of",
]


@dataclass
class Prepared:
    """The data every method sees.

    ``train``/``val``/``test`` hold standardised float32 features and the policy weights
    in ``weight``; ``raw_weight`` maps each part name to its raw (physics) weights.
    ``mean``/``scale`` are the standardiser (float64) over ``train.feature_names``.
    ``particles`` names the columns of ``data.particles`` among them (left unscaled: mean 0,
    scale 1), which particle-set methods read instead of the features.
    """

    train: Dataset
    val: Dataset
    test: Dataset
    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    policy: WeightPolicy
    raw_weight: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    particles: list[str] = field(default_factory=list)


@dataclass
class MethodScores:
    """Signal scores of one fitted method on the training and test events."""

    train: NDArray[np.float64]
    test: NDArray[np.float64]
    predict_seconds: float


@dataclass
class MethodResult:
    """What one method achieved on the test events."""

    name: str
    model: str
    auc: float
    auc_low: float | None
    auc_high: float | None
    rejection: dict[float, float]
    auc_gap: float | None
    rejection_ratio: dict[float, float] | None
    overtraining_pvalues: dict[str, float]
    overtrained: bool
    fit_seconds: float
    predict_seconds: float
    roc: Any = field(repr=False)
    overtraining: Any = field(repr=False)
    history: dict[str, list[float]] | None = field(default=None, repr=False)
    importance: dict[str, float] | None = None
    training: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for ``metrics.json``."""
        return {
            "permutation_importance": self.importance,
            "name": self.name,
            "model": self.model,
            "auc": self.auc,
            "auc_ci": None if self.auc_low is None else [self.auc_low, self.auc_high],
            "rejection": {str(k): v for k, v in self.rejection.items()},
            "auc_gap_to_optimum": self.auc_gap,
            "rejection_ratio_to_optimum": None
            if self.rejection_ratio is None
            else {str(k): v for k, v in self.rejection_ratio.items()},
            "overtraining": self.overtraining.to_dict(),
            "fit_seconds": self.fit_seconds,
            "predict_seconds": self.predict_seconds,
            "training": self.training,
        }


def score_of(model: Any, X: NDArray[Any]) -> NDArray[np.float64]:
    """The signal score of a fitted binary classifier: P(signal) or its decision function."""
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(X))
        classes = list(getattr(model, "classes_", [0, 1]))
        col = classes.index(1) if 1 in classes else proba.shape[1] - 1
        return proba[:, col].astype(np.float64)
    return np.asarray(model.decision_function(X), dtype=np.float64)


def build_estimator(m: MethodConfig, cfg: StudyConfig) -> Any:
    """The unfitted estimator of a method (its params were checked by the config)."""
    import neyman.models as models

    cls = getattr(models, m.class_name, None)
    if cls is None:
        msg = f"model class '{m.class_name}' is not in neyman.models"
        raise ConfigError(msg, key=m.class_name)
    params = dict(m.params)
    defaults = cls().get_params()
    if "random_state" in defaults and "random_state" not in params:
        params["random_state"] = cfg.random_state
    if "negative_weights" in defaults:
        # the study applied its policy already; what is left (signed or not) is trained as is
        params["negative_weights"] = "keep"
    if m.reads_particles and cfg.data.particles is not None:
        params.setdefault("max_particles", cfg.data.particles.max_particles)
    return cls(**params)


def _features(m: MethodConfig, data: Prepared) -> list[str]:
    if m.reads_particles:
        return list(data.particles)
    if m.features is not None:
        return list(m.features)
    return [f for f in data.train.feature_names or [] if f not in set(data.particles)]


def _part(ds: Dataset, features: list[str]) -> Dataset:
    return ds if features == ds.feature_names else ds.select(features)


def fit_method(
    estimator: Any, m: MethodConfig, data: Prepared, *, validation_weights: bool = True
) -> tuple[Any, float]:
    """Fit on the training events with the policy weights; validate with the same weights.

    Estimators whose ``fit`` takes ``validation_data`` (MLP, BDT) get ``(X, y, w)`` of the
    validation events, so their loss history and early stopping follow the same weights as
    training. ``validation_weights=False`` drops ``w`` (a diagnostic: it shows what
    unweighted validation does). Returns the fitted estimator and the seconds it took.
    """
    import inspect

    feats = _features(m, data)
    train, val = _part(data.train, feats), _part(data.val, feats)
    kw: dict[str, Any] = {"sample_weight": train.weight}
    fit_params = inspect.signature(estimator.fit).parameters
    if val.n_events and "validation_data" in fit_params:
        kw["validation_data"] = (val.X, val.y, val.weight) if validation_weights else (val.X, val.y)
    t0 = time.perf_counter()
    estimator.fit(train.X, train.y, **kw)
    return estimator, time.perf_counter() - t0


def score_method(estimator: Any, m: MethodConfig, data: Prepared) -> MethodScores:
    """Signal scores on the training and test events."""
    feats = _features(m, data)
    t0 = time.perf_counter()
    s_test = score_of(estimator, _part(data.test, feats).X)
    seconds = time.perf_counter() - t0
    s_train = score_of(estimator, _part(data.train, feats).X)
    return MethodScores(s_train, s_test, seconds)


def evaluate_method(
    estimator: Any,
    m: MethodConfig,
    scores: MethodScores,
    data: Prepared,
    cfg: StudyConfig,
    fit_seconds: float,
) -> MethodResult:
    """ROC, AUC (with bootstrap interval), rejection, optimality gap, KS tests, importance.

    All with the policy weights of the test (and training) events.
    """
    from neyman.evaluate import (
        auc,
        optimality_gap,
        overtraining_check,
        rejection_at,
        roc_curve,
    )

    train, test = data.train, data.test
    assert test.y is not None and train.y is not None  # the study builds labelled data
    effs = list(cfg.evaluation.efficiencies)
    roc = roc_curve(test.y, scores.test, test.weight)
    lo = hi = None
    if cfg.evaluation.bootstrap:
        ci = auc(
            test.y,
            scores.test,
            test.weight,
            ci=0.68,
            n_bootstrap=cfg.evaluation.bootstrap,
            random_state=cfg.random_state,
        )
        value, lo, hi = float(ci.value), float(ci.low), float(ci.high)
    else:
        value = float(auc(test.y, scores.test, test.weight))
    rej = rejection_at(roc, efficiency=effs)
    gap = ratio = None
    if test.truth is not None:
        g = optimality_gap(test.y, scores.test, test.truth, test.weight, efficiencies=effs)
        gap = float(g.auc_gap)
        ratio = {e: float(r) for e, r in zip(effs, g.rejection_ratio, strict=True)}
    ot = overtraining_check(
        scores.train,
        train.y,
        scores.test,
        test.y,
        weight_train=train.weight,
        weight_test=test.weight,
        p_threshold=cfg.evaluation.overtraining_p,
    )
    importance = None
    if not m.reads_particles:  # one particle slot's coordinate is no variable to rank
        importance = _importance(estimator, _features(m, data), test, cfg)
    history = getattr(estimator, "history_", None)
    return MethodResult(
        name=m.name,
        model=m.class_name,
        auc=value,
        auc_low=lo,
        auc_high=hi,
        rejection={e: float(r) for e, r in zip(effs, rej, strict=True)},
        auc_gap=gap,
        rejection_ratio=ratio,
        overtraining_pvalues=dict(ot.ks_pvalue),
        overtrained=bool(ot.flagged),
        fit_seconds=fit_seconds,
        predict_seconds=scores.predict_seconds,
        roc=roc,
        overtraining=ot,
        history=history if isinstance(history, dict) and history else None,
        importance=importance,
        training=_training_facts(estimator),
    )


def _importance(
    estimator: Any, feats: list[str], test: Dataset, cfg: StudyConfig
) -> dict[str, float]:
    """Variable ranking: the test AUC lost when one feature is shuffled."""
    from neyman.evaluate import permutation_importance

    assert test.y is not None  # the study builds labelled data
    imp = permutation_importance(
        lambda X: score_of(estimator, X),
        _part(test, feats).X,
        test.y,
        sample_weight=test.weight,
        n_repeats=3,
        random_state=cfg.random_state,
        feature_names=feats,
    )
    return {str(f): float(v) for f, v in zip(imp.feature_names, imp.importances_mean, strict=True)}


def _training_facts(estimator: Any) -> dict[str, Any]:
    """Where early stopping stopped, for metrics.json."""
    out: dict[str, Any] = {}
    best = getattr(estimator, "best_iteration_", None)
    if best is not None:
        out["best_iteration"] = int(best)
    history = getattr(estimator, "history_", None)
    if isinstance(history, dict) and history:
        out["epochs"] = max(len(v) for v in history.values() if isinstance(v, list))
    return out


def method_pipeline(
    estimator: Any, m: MethodConfig, data: Prepared, cfg: StudyConfig, tree: str | None
) -> Pipeline:
    """The fitted method with its input pipeline (features, selection, missing, standardiser)."""
    all_feats = list(data.train.feature_names or [])
    feats = _features(m, data)
    idx = [all_feats.index(f) for f in feats]
    missing = cfg.data.read_missing
    if isinstance(missing, dict):
        missing = {k: v for k, v in missing.items() if k in feats}
        if not missing and cfg.data.missing is None:
            missing = None  # the particles' fills were all this policy held
    return Pipeline(
        features=feats,
        estimator=estimator,
        mean=data.mean[idx],
        scale=data.scale[idx],
        selection=cfg.data.selection,
        missing=missing,
        class_names=list(data.train.class_names or ["background", "signal"]),
        weights=data.policy.to_dict(),
        tree=tree,
    )


def save_method(pipeline: Pipeline, target: Path) -> Path:
    """Write the method's model directory (estimator files + ``pipeline.json``)."""
    return pipeline.save(target)
