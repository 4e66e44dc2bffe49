"""scikit-learn's estimator checks over MLPs that train on the compiled backend.

``backend="fast"`` (:mod:`neyman.train.fast`) is a second implementation of training, so it
joins ``parametrize_with_checks`` on its own (the torch-backend MLPs are in
``test_sklearn_checks.py``). Tiny budgets keep the checks quick.
"""

from __future__ import annotations

from typing import Any

from sklearn.utils.estimator_checks import parametrize_with_checks

from neyman.models import MLPClassifier, MLPRegressor

_KW: dict[str, Any] = {
    "backend": "fast",
    "epochs": 8,
    "lr": 0.03,
    "batch_size": 16,
    "random_state": 0,
    "verbose": 0,
    "device": "cpu",
}
ESTIMATORS = [MLPClassifier((16,), **_KW), MLPRegressor((16,), **_KW)]

_FLOAT32 = (
    "the compiled loop trains in float32: weighted and repeated events give the same network "
    "only to float32 rounding (and repeated events change the batches), above the check's "
    "rtol=1e-7"
)
_BATCH = (
    "predictions run through torch: float32 matrix products can differ in the last bit "
    "(~2e-7) with the batch size and the row position (BLAS blocking and remainder kernels "
    "differ by CPU), above the check's 1e-7 / 1e-9 tolerance"
)
#: predictions of the same events in other batches or another order: as in
#: ``test_sklearn_checks.py``, both checks are expected (not strictly) to fail alike
_BATCH_CHECKS = dict.fromkeys(
    ("check_methods_subset_invariance", "check_methods_sample_order_invariance"), _BATCH
)
EXPECTED: dict[str, dict[str, str]] = {
    "MLPClassifier": {
        "check_sample_weight_equivalence_on_dense_data": _FLOAT32,
        **_BATCH_CHECKS,
    },
    "MLPRegressor": {
        "check_sample_weight_equivalence_on_dense_data": _FLOAT32,
        **_BATCH_CHECKS,
    },
}


def expected_failures(estimator: Any) -> dict[str, str]:
    return EXPECTED.get(type(estimator).__name__, {})


# not strict: the float32 last-bit differences above show up for some data and not others
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures, xfail_strict=False)
def test_fast_backend_is_sklearn_compatible(estimator: Any, check: Any) -> None:
    check(estimator)  # backend="fast" trains on the compiled loop or raises ConfigError
