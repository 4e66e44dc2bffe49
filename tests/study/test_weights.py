"""The one weight policy: negative weights, class normalisation, the summary."""

from __future__ import annotations

import numpy as np
import pytest

from neyman.errors import DataError
from neyman.study.weights import WeightPolicy, policy_weights, weight_summary


@pytest.fixture
def sample(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = np.repeat([1, 0], [30, 70])
    w = rng.uniform(0.5, 2.0, 100) * np.where(y == 1, 0.01, 1.0)
    w[rng.random(100) < 0.2] *= -1
    return w, y


@pytest.mark.parametrize(
    ("negative", "expected"),
    [
        ("keep", lambda w: w),
        ("drop", lambda w: np.where(w < 0, 0.0, w)),
        ("abs", np.abs),
    ],
)
def test_policy_then_class_normalisation(
    sample: tuple[np.ndarray, np.ndarray], negative: str, expected: object
) -> None:
    w, y = sample
    want = expected(w)  # type: ignore[operator]
    raw = policy_weights(w, y, WeightPolicy("w", negative, "none"))
    np.testing.assert_array_equal(raw, want)
    norm = policy_weights(w, y, WeightPolicy("w", negative, "classes"))
    for c in (0, 1):
        m = y == c
        assert norm[m].sum() == pytest.approx(50.0)  # half of the 100 events per class
        np.testing.assert_allclose(norm[m], want[m] * 50.0 / want[m].sum(), rtol=1e-12)


def test_class_without_positive_total_is_refused() -> None:
    y = np.array([1, 1, 0, 0])
    w = np.array([1.0, -2.0, 1.0, 1.0])
    with pytest.raises(DataError, match="class 1 of the train events has total weight -1") as info:
        policy_weights(w, y, WeightPolicy("w", "keep", "classes"), part="train")
    assert info.value.key == "data.negative_weights"
    assert policy_weights(w, y, WeightPolicy("w", "abs", "classes")).sum() == pytest.approx(4.0)


def test_summary_counts(sample: tuple[np.ndarray, np.ndarray]) -> None:
    w, y = sample
    s = weight_summary(w, y, WeightPolicy("w", "drop", "classes"), ["background", "signal"])
    assert s["negative_fraction"] == pytest.approx(float(np.mean(w < 0)))
    sig = s["classes"]["signal"]
    assert sig["events"] == 30
    assert sig["raw_sum"] == pytest.approx(w[y == 1].sum())
    assert sig["policy_sum"] == pytest.approx(w[(y == 1) & (w > 0)].sum())
