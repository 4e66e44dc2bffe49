"""Sample-weight checks (neyman._util.weights), the one copy estimators share."""

from __future__ import annotations

import numpy as np
import pytest

from neyman._util.weights import check_class_totals, check_sample_weight
from neyman.errors import DataError


def test_none_scalar_and_arrays() -> None:
    np.testing.assert_array_equal(check_sample_weight(None, 3), np.ones(3))
    np.testing.assert_array_equal(check_sample_weight(2, 3), np.full(3, 2.0))
    w = check_sample_weight([1, -0.5, 1e-9], 3)  # negative and tiny MC weights are valid
    assert w.dtype == np.float64
    np.testing.assert_array_equal(w, [1.0, -0.5, 1e-9])


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ([1.0, np.nan, 1.0], "1 NaN or inf value"),
        ([1.0, np.inf, -np.inf], "2 NaN or inf value"),
        ([1e308, 1e308, 1.0], "too large to sum"),
        ([0.0, 0.0, 0.0], "zero for every event"),
        ([1.0, 1.0], r"shape \(2,\) but there are 3 events"),
        (np.ones((3, 2)), r"shape \(3, 2\)"),
        (["a", "b", "c"], "must be numbers"),
    ],
)
def test_bad_weights_name_the_problem(weights: object, match: str) -> None:
    with pytest.raises(DataError, match=match) as info:
        check_sample_weight(weights, 3, what="weight column 'w'")
    assert info.value.key == "weight column 'w'"


def test_positive_sum_and_class_totals() -> None:
    with pytest.raises(DataError, match="positive sum"):
        check_sample_weight([1.0, -2.0], 2, positive_sum=True)
    w = np.array([1.0, 1.0, -1.0, 1.5])
    check_class_totals(w, np.array([True, True, False, False]), "KNN")  # 2 and 0.5: fine
    with pytest.raises(DataError, match="background class has -1") as info:
        check_class_totals(w, np.array([True, True, False, True]), "KNN")
    assert info.value.key == "sample_weight"
