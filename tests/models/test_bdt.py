"""BDTClassifier / BDTRegressor over XGBoost: accuracy, weights policy, early stopping."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV

from neyman.errors import DataError
from neyman.models import BDTClassifier, BDTRegressor, LogisticRegression


def _rings(rng: np.random.Generator, n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Signal inside a ring of radius 1, background outside: not linearly separable."""
    X = rng.normal(size=(n, 2)) * 1.2
    y = (np.hypot(X[:, 0], X[:, 1]) < 1.0).astype(int)
    return X, y


def test_bdt_beats_logistic_regression_on_a_nonlinear_toy(rng: np.random.Generator) -> None:
    X, y = _rings(rng)
    Xt, yt = _rings(rng)
    bdt = BDTClassifier(100, max_depth=3, random_state=0, device="cpu").fit(X, y)
    lr = LogisticRegression().fit(X, y)
    auc_bdt = roc_auc_score(yt, bdt.decision_function(Xt))
    auc_lr = roc_auc_score(yt, lr.decision_function(Xt))
    assert auc_bdt > 0.95
    assert auc_bdt > auc_lr + 0.3  # LR sees no ring: AUC ~ 0.5


def test_matches_raw_xgboost(rng: np.random.Generator) -> None:
    X, y = _rings(rng, 300)
    bdt = BDTClassifier(
        20, max_depth=2, learning_rate=0.3, subsample=1.0, random_state=1, n_jobs=1, device="cpu"
    ).fit(X, y)
    raw = xgb.train(
        {
            "tree_method": "hist",
            "max_depth": 2,
            "eta": 0.3,
            "objective": "binary:logistic",
            "seed": 1,
            "nthread": 1,
            "device": "cpu",
        },
        xgb.DMatrix(X, label=y),
        num_boost_round=20,
    )
    np.testing.assert_allclose(bdt.predict_proba(X)[:, 1], raw.predict(xgb.DMatrix(X)), rtol=1e-6)


def test_negative_weights_policy(rng: np.random.Generator) -> None:
    X, y = _rings(rng, 200)
    w = np.ones(len(y))
    w[:7] = -0.5
    with pytest.raises(DataError, match="7 negative value.*negative_weights='drop'.*'keep'"):
        BDTClassifier(5, device="cpu").fit(X, y, sample_weight=w)
    dropped = BDTClassifier(5, negative_weights="drop", random_state=0, device="cpu").fit(
        X, y, sample_weight=w
    )
    manual = BDTClassifier(5, random_state=0, device="cpu").fit(X[7:], y[7:], sample_weight=w[7:])
    np.testing.assert_array_equal(dropped.decision_function(X), manual.decision_function(X))
    kept = BDTClassifier(5, negative_weights="keep", random_state=0, device="cpu").fit(
        X, y, sample_weight=w
    )
    assert np.all(np.isfinite(kept.decision_function(X)))
    assert not np.array_equal(kept.decision_function(X), dropped.decision_function(X))


def test_early_stopping_on_validation_data(rng: np.random.Generator) -> None:
    X, y = _rings(rng, 600)
    y = np.where(rng.uniform(size=len(y)) < 0.3, 1 - y, y)  # label noise: overtraining happens
    Xv, yv = _rings(rng, 300)
    bdt = BDTClassifier(
        400, max_depth=6, learning_rate=0.3, early_stopping_rounds=5, random_state=0, device="cpu"
    ).fit(X, y, validation_data=(Xv, yv))
    curve = bdt.evals_result_["validation"]["logloss"]
    assert len(curve) < 400
    assert bdt.best_iteration_ == int(np.argmin(curve))
    # predictions use the trees up to the best round
    full = bdt.booster_.predict(xgb.DMatrix(Xv), output_margin=True)
    best = bdt.booster_.predict(
        xgb.DMatrix(Xv), output_margin=True, iteration_range=(0, bdt.best_iteration_ + 1)
    )
    np.testing.assert_allclose(bdt.decision_function(Xv), best, rtol=1e-6)
    assert not np.allclose(full, best)
    # without validation data, early stopping splits validation_fraction off
    auto = BDTClassifier(
        400,
        max_depth=6,
        learning_rate=0.3,
        early_stopping_rounds=5,
        validation_fraction=0.2,
        random_state=0,
        device="cpu",
    ).fit(X, y)
    assert len(auto.evals_result_["validation"]["logloss"]) < 400


def test_feature_importances(rng: np.random.Generator) -> None:
    X = rng.normal(size=(500, 3))
    y = (X[:, 1] > 0).astype(int)  # only feature 1 matters
    imp = BDTClassifier(20, random_state=0, device="cpu").fit(X, y).feature_importances_
    assert imp.shape == (3,)
    assert imp.sum() == pytest.approx(1.0)
    assert imp.argmax() == 1 and imp[1] > 0.9


def test_sample_weight_changes_the_model(rng: np.random.Generator) -> None:
    X, y = _rings(rng, 300)
    w = np.where(y == 1, 10.0, 1.0)
    a = BDTClassifier(10, random_state=0, device="cpu").fit(X, y, sample_weight=w)
    b = BDTClassifier(10, random_state=0, device="cpu").fit(X, y)
    assert a.predict_proba(X)[:, 1].mean() > b.predict_proba(X)[:, 1].mean()


def test_multiclass_and_regressor(rng: np.random.Generator) -> None:
    X = rng.normal(size=(300, 2))
    y = np.digitize(X[:, 0], [-0.5, 0.5])
    clf = BDTClassifier(20, random_state=0, device="cpu").fit(X, y)
    assert clf.predict_proba(X).shape == (300, 3)
    assert clf.decision_function(X).shape == (300, 3)
    assert (clf.predict(X) == y).mean() > 0.95
    target = np.sin(X[:, 0]) + 0.1 * X[:, 1]
    reg = BDTRegressor(100, objective="absolute_error", random_state=0, device="cpu").fit(X, target)
    assert reg.score(X, target) > 0.9


def test_grid_search_over_max_depth(rng: np.random.Generator) -> None:
    X, y = _rings(rng, 300)
    grid = GridSearchCV(
        BDTClassifier(20, random_state=0, device="cpu"),
        {"max_depth": [1, 4]},
        cv=3,
        scoring="roc_auc",
    ).fit(X, y)
    assert grid.best_params_ == {"max_depth": 4}  # depth-1 stumps cannot draw a ring


def test_keep_negative_weights_cancel_exactly(rng: np.random.Generator) -> None:
    """Events repeated with weight -1 cancel their originals: the trees equal XGBoost's on
    the remaining events (few unique values, so histogram bins are the same)."""
    X = np.round(rng.normal(size=(150, 2)), 1)
    y = (np.hypot(X[:, 0], X[:, 1]) < 1.0).astype(int)
    Xa = np.r_[X, X[:20]]
    ya = np.r_[y, y[:20]]
    wa = np.r_[np.ones(150), -np.ones(20)]
    kept = BDTClassifier(
        10,
        max_depth=3,
        learning_rate=0.1,
        subsample=1.0,
        negative_weights="keep",
        n_jobs=1,
        device="cpu",
        random_state=0,
    )
    kept.fit(Xa, ya, sample_weight=wa)
    raw = xgb.train(
        {
            "tree_method": "hist",
            "max_depth": 3,
            "eta": 0.1,
            "objective": "binary:logistic",
            "base_score": 0.5,
            "nthread": 1,
            "device": "cpu",
            "seed": 0,
            "min_child_weight": 1.0,
        },
        xgb.DMatrix(X[20:], label=y[20:]),
        num_boost_round=10,
    )
    np.testing.assert_allclose(
        kept.decision_function(X), raw.predict(xgb.DMatrix(X), output_margin=True), atol=1e-5
    )
