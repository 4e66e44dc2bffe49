"""scikit-learn's estimator checks over every neyman estimator (tiny training budgets)."""

from __future__ import annotations

from typing import Any

from sklearn.utils.estimator_checks import parametrize_with_checks

from neyman.models import (
    BDTClassifier,
    BDTRegressor,
    CNNClassifier,
    FisherDiscriminant,
    HistogramLikelihoodRatio,
    KNNClassifier,
    LogisticRegression,
    MLPClassifier,
    MLPRegressor,
    RectangularCuts,
)
from neyman.models._torch import _TorchEstimator

ESTIMATORS = [
    MLPClassifier(
        (16,), epochs=8, lr=0.03, batch_size=128, random_state=0, verbose=0, device="cpu"
    ),
    MLPRegressor((16,), epochs=8, lr=0.03, batch_size=128, random_state=0, verbose=0, device="cpu"),
    CNNClassifier(
        ("conv4x3", "dense8"),
        epochs=8,
        lr=0.03,
        batch_size=128,
        random_state=0,
        verbose=0,
        device="cpu",
    ),
    BDTClassifier(20, random_state=0, n_jobs=1, device="cpu"),
    BDTRegressor(20, random_state=0, n_jobs=1, device="cpu"),
    KNNClassifier(10),
    HistogramLikelihoodRatio(bins=10),
    FisherDiscriminant(),
    LogisticRegression(),
    RectangularCuts(efficiencies=(0.5, 0.9), n_quantiles=10),
]

_FLOAT32 = (
    "torch trains in float32: weighted and repeated events give the same network to ~3e-7 "
    "relative, just above the check's rtol=1e-7"
)
_BATCH = (
    "float32 matrix products can differ in the last bit (~2e-7) with the batch size and the "
    "row position (BLAS blocking and remainder kernels differ by CPU), above the check's "
    "1e-7 / 1e-9 tolerance; whether it shows depends on the CPU and the data, so the "
    "expectation is not strict"
)
#: checks that compare predictions of the same events in different batches or orders: they
#: are expected (not strictly) to fail for every float32 torch estimator alike
_BATCH_CHECKS = ("check_methods_subset_invariance", "check_methods_sample_order_invariance")
_PSEUDOCOUNT = (
    "the pseudocount is in units of the mean event weight (so that tiny MC weights work), "
    "so integer weights and repeated events differ where the pseudocount matters"
)

EXPECTED: dict[str, dict[str, str]] = {
    "MLPClassifier": {"check_sample_weight_equivalence_on_dense_data": _FLOAT32},
    "MLPRegressor": {"check_sample_weight_equivalence_on_dense_data": _FLOAT32},
    "CNNClassifier": {"check_sample_weight_equivalence_on_dense_data": _FLOAT32},
    "BDTClassifier": {
        "check_sample_weight_equivalence_on_dense_data": (
            "XGBoost's weighted quantile sketch places histogram bins from weights, not from "
            "repeated rows, so split candidates differ"
        ),
    },
    "BDTRegressor": {
        "check_sample_weight_equivalence_on_dense_data": (
            "subsample=0.8 (the default) draws events per tree: an event of weight 2 is drawn "
            "or not as one, its two copies independently"
        ),
    },
    "KNNClassifier": {
        "check_sample_weight_equivalence_on_dense_data": (
            "repeated events occupy several of the k neighbour slots, a weighted event one"
        ),
    },
    "HistogramLikelihoodRatio": {"check_sample_weight_equivalence_on_dense_data": _PSEUDOCOUNT},
}


def expected_failures(estimator: Any) -> dict[str, str]:
    out = dict(EXPECTED.get(type(estimator).__name__, {}))
    if isinstance(estimator, _TorchEstimator):  # every float32 torch estimator, alike
        out.update(dict.fromkeys(_BATCH_CHECKS, _BATCH))
    return out


def test_every_float32_estimator_expects_the_batch_checks_alike() -> None:
    torch_estimators = [e for e in ESTIMATORS if isinstance(e, _TorchEstimator)]
    assert {type(e).__name__ for e in torch_estimators} >= {
        "MLPClassifier",
        "MLPRegressor",
        "CNNClassifier",
    }
    for est in torch_estimators:
        assert set(_BATCH_CHECKS) <= set(expected_failures(est)), type(est).__name__
    for est in ESTIMATORS:  # float64 estimators must pass them strictly
        if not isinstance(est, _TorchEstimator):
            assert not set(_BATCH_CHECKS) & set(expected_failures(est)), type(est).__name__


# not strict: the float32 last-bit differences above show up for some CPUs and data only
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures, xfail_strict=False)
def test_sklearn_compatible(estimator: Any, check: Any) -> None:
    check(estimator)
