"""The Asimov significance with a background uncertainty, against a profiled likelihood."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from neyman.errors import ConfigError
from neyman.evaluate import significance, significance_scan


def _profiled_z(s: float, b: float, sigma: float) -> float:
    """sqrt(q0) of the on/off problem on Asimov data (n = s + b, m = tau b), by profiling."""
    tau = b / sigma**2
    n, m = s + b, tau * b

    def nll(mu: float, bb: float) -> float:
        lam = mu * s + bb
        return -(n * math.log(lam) - lam + m * math.log(tau * bb) - tau * bb)

    free = nll(1.0, b)  # the Asimov data are fitted exactly at mu = 1, b
    prof = minimize_scalar(
        lambda bb: nll(0.0, bb),
        bounds=(1e-6 * b, 10 * b),
        method="bounded",
        options={"xatol": 1e-10 * b},
    )
    return math.sqrt(2.0 * (prof.fun - free))


@pytest.mark.parametrize(("s", "b", "r"), [(10.0, 100.0, 0.1), (5.0, 20.0, 0.3), (50, 1e4, 0.01)])
def test_formula_equals_the_profiled_likelihood(s: float, b: float, r: float) -> None:
    z = float(significance(s, b, "asimov", background_uncertainty=r))
    assert z == pytest.approx(_profiled_z(s, b, r * b), rel=1e-4)


def test_small_uncertainty_recovers_known_background() -> None:
    s, b = np.array([5.0, 20.0]), np.array([50.0, 400.0])
    np.testing.assert_allclose(
        significance(s, b, "asimov", background_uncertainty=1e-6),
        significance(s, b, "asimov"),
        rtol=1e-5,
    )


def test_scan_with_uncertainty_is_lower_and_recorded() -> None:
    rng = np.random.default_rng(3)
    y = np.r_[np.ones(500), np.zeros(5000)]
    score = np.r_[rng.normal(1, 1, 500), rng.normal(-1, 1, 5000)]
    plain = significance_scan(y, score, kind="asimov", min_background=5)
    syst = significance_scan(y, score, kind="asimov", min_background=5, background_uncertainty=0.2)
    assert syst.best_z < plain.best_z
    assert syst.to_dict()["background_uncertainty"] == 0.2


def test_uncertainty_needs_asimov() -> None:
    with pytest.raises(ConfigError) as err:
        significance(1.0, 4.0, "s_over_sqrt_b", background_uncertainty=0.1)
    assert err.value.key == "kind"


def test_scan_ignores_cuts_with_too_few_background_events() -> None:
    y = np.r_[np.ones(50), np.zeros(200)]
    score = np.r_[np.linspace(0.5, 1.0, 50), np.linspace(0.0, 0.9, 200)]
    w = np.ones(250)
    scan = significance_scan(y, score, w, kind="asimov", min_background_events=30)
    counted = np.array([np.sum(score[y == 0] >= c) for c in scan.cuts])
    assert np.all(np.isnan(scan.z[counted < 30]))
    assert np.all(np.isfinite(scan.z[counted >= 30]))
