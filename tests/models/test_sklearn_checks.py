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
_SUBSET = (
    "float32 matrix products can differ in the last bit (~2e-7) with the batch size "
    "(BLAS blocking), above the check's 1e-7 tolerance; whether it shows depends on the data"
)
_PSEUDOCOUNT = (
    "the pseudocount is in units of the mean event weight (so that tiny MC weights work), "
    "so integer weights and repeated events differ where the pseudocount matters"
)

EXPECTED: dict[str, dict[str, str]] = {
    "MLPClassifier": {
        "check_sample_weight_equivalence_on_dense_data": _FLOAT32,
        "check_methods_subset_invariance": _SUBSET,
    },
    "MLPRegressor": {"check_sample_weight_equivalence_on_dense_data": _FLOAT32},
    "CNNClassifier": {
        "check_sample_weight_equivalence_on_dense_data": _FLOAT32,
        "check_methods_subset_invariance": _SUBSET,
    },
    "BDTClassifier": {
        "check_sample_weight_equivalence_on_dense_data": (
            "XGBoost's weighted quantile sketch places histogram bins from weights, not from "
            "repeated rows, so split candidates differ"
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
    return EXPECTED.get(type(estimator).__name__, {})


# not strict: the float32 last-bit differences above show up for some data and not others
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures, xfail_strict=False)
def test_sklearn_compatible(estimator: Any, check: Any) -> None:
    check(estimator)
