"""Feature kernels against oracles: MT2 against scipy minimisation, the neutrino solution
against its W-mass constraint, razor variables against their defining formulas, boosts
against the ``vector`` package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import vector
from scipy import optimize

from neyman.generate.features import (
    HIGGS_COLUMNS,
    SUSY_COLUMNS,
    W_MASS,
    ZEE_COLUMNS,
    _boost,
    mt2,
    neutrino_pz,
    razor,
    super_razor,
)


def _massless(rng: np.random.Generator, n: int, pt_scale: float = 50.0) -> np.ndarray:
    pt = rng.exponential(pt_scale, n) + 10.0
    eta = rng.uniform(-2.5, 2.5, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return np.column_stack([np.sqrt(px**2 + py**2 + pz**2), px, py, pz])


def test_column_schemas_are_the_uci_and_cms_ones() -> None:
    assert len(HIGGS_COLUMNS) == 28 and len(set(HIGGS_COLUMNS)) == 28
    assert HIGGS_COLUMNS[:9] == (
        "lepton_pT",
        "lepton_eta",
        "lepton_phi",
        "missing_energy_magnitude",
        "missing_energy_phi",
        "jet1pt",
        "jet1eta",
        "jet1phi",
        "jet1b-tag",
    )
    assert HIGGS_COLUMNS[-7:] == ("m_jj", "m_jjj", "m_lv", "m_jlv", "m_bb", "m_wbb", "m_wwbb")
    assert HIGGS_COLUMNS[20] == "jet4b-tag"
    assert len(SUSY_COLUMNS) == 18 and SUSY_COLUMNS[-1] == "cos(theta_r1)"
    assert ZEE_COLUMNS == (
        "Run", "Event", "E1", "px1", "py1", "pz1", "pt1", "eta1", "phi1", "Q1",
        "E2", "px2", "py2", "pz2", "pt2", "eta2", "phi2", "Q2", "M",
    )  # fmt: skip


def test_mt2_matches_scipy_minimisation(rng: np.random.Generator) -> None:
    n = 25
    p1, p2 = _massless(rng, n), _massless(rng, n)
    met = rng.normal(0.0, 60.0, (n, 2))
    got = mt2(p1[:, 1], p1[:, 2], p2[:, 1], p2[:, 2], met[:, 0], met[:, 1])

    def mt_sq(px: float, py: float, qx: float, qy: float) -> float:
        return 2.0 * (np.hypot(px, py) * np.hypot(qx, qy) - px * qx - py * qy)

    for i in range(n):

        def f(q: np.ndarray, i: int = i) -> float:
            return max(
                mt_sq(p1[i, 1], p1[i, 2], q[0], q[1]),
                mt_sq(p2[i, 1], p2[i, 2], met[i, 0] - q[0], met[i, 1] - q[1]),
            )

        best = min(
            optimize.minimize(
                f,
                x0,
                method="Nelder-Mead",
                options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 20_000},
            ).fun
            for x0 in (0.5 * met[i], met[i], np.zeros(2), p1[i, 1:3], -p2[i, 1:3])
        )
        # never above the best of five Nelder-Mead starts by more than 1e-4 GeV
        assert got[i] == pytest.approx(np.sqrt(max(best, 0.0)), abs=1e-4)


def test_mt2_is_zero_without_missing_momentum_and_bounded_by_mt(rng: np.random.Generator) -> None:
    p1, p2 = _massless(rng, 50), _massless(rng, 50)
    zero = np.zeros(50)
    # MET between the two visible momenta: both mT vanish at once
    inside = 0.3 * p1[:, 1:3] + 0.6 * p2[:, 1:3]
    np.testing.assert_allclose(
        mt2(p1[:, 1], p1[:, 2], p2[:, 1], p2[:, 2], inside[:, 0], inside[:, 1]), 0.0, atol=1e-4
    )
    np.testing.assert_allclose(
        mt2(p1[:, 1], p1[:, 2], p2[:, 1], p2[:, 2], zero, zero), 0.0, atol=1e-6
    )
    # with all MET given to one side, max(mT) is an upper bound of MT2
    met = rng.normal(0.0, 50.0, (50, 2))
    got = mt2(p1[:, 1], p1[:, 2], p2[:, 1], p2[:, 2], met[:, 0], met[:, 1])
    bound = np.sqrt(
        2.0
        * (
            np.hypot(p1[:, 1], p1[:, 2]) * np.hypot(met[:, 0], met[:, 1])
            - (p1[:, 1:3] * met).sum(1)
        )
    )
    assert (got <= bound + 1e-6).all()


def test_neutrino_pz_satisfies_the_w_mass_constraint(rng: np.random.Generator) -> None:
    lep = _massless(rng, 500)
    met = rng.normal(0.0, 30.0, (500, 2))
    pz = neutrino_pz(lep, met[:, 0], met[:, 1])
    nu = np.column_stack([np.sqrt((met**2).sum(1) + pz**2), met, pz])
    s = lep + nu
    m = np.sqrt(np.maximum(s[:, 0] ** 2 - (s[:, 1:] ** 2).sum(1), 0.0))
    # real solutions give m(l nu) = m_W exactly; complex ones (clipped) give m_T > m_W
    mu = 0.5 * W_MASS**2 + (lep[:, 1:3] * met).sum(1)
    real = mu**2 - (lep[:, 1:3] ** 2).sum(1) * (met**2).sum(1) >= 0
    assert real.sum() > 100
    np.testing.assert_allclose(m[real], W_MASS, rtol=1e-9)
    assert (m[~real] >= W_MASS - 1e-9).all()


def test_razor_matches_its_definition(rng: np.random.Generator) -> None:
    l1, l2 = _massless(rng, 100), _massless(rng, 100)
    met = rng.normal(0.0, 40.0, (100, 2))
    m_r, m_tr, r = razor(l1, l2, met[:, 0], met[:, 1])
    v1 = vector.array({"px": l1[:, 1], "py": l1[:, 2], "pz": l1[:, 3], "E": l1[:, 0]})
    v2 = vector.array({"px": l2[:, 1], "py": l2[:, 2], "pz": l2[:, 3], "E": l2[:, 0]})
    np.testing.assert_allclose(m_r**2, (v1.E + v2.E) ** 2 - (v1.pz + v2.pz) ** 2, rtol=1e-10)
    expected = 0.5 * (
        np.hypot(*met.T) * (v1.pt + v2.pt)
        - met[:, 0] * (v1.px + v2.px)
        - met[:, 1] * (v1.py + v2.py)
    )
    np.testing.assert_allclose(m_tr**2, expected, rtol=1e-10)
    np.testing.assert_allclose(r, m_tr / m_r, rtol=1e-12)


def test_boost_matches_vector(rng: np.random.Generator) -> None:
    p = _massless(rng, 50)
    beta = rng.uniform(-0.5, 0.5, (50, 3))
    got = _boost(p, beta)
    v = vector.array({"px": p[:, 1], "py": p[:, 2], "pz": p[:, 3], "E": p[:, 0]})
    b = vector.array({"x": -beta[:, 0], "y": -beta[:, 1], "z": -beta[:, 2]})
    w = v.boost_beta3(b)
    np.testing.assert_allclose(got, np.column_stack([w.E, w.px, w.py, w.pz]), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(_boost(p, np.zeros((50, 3))), p, rtol=1e-15)


def _vec(p: np.ndarray) -> vector.MomentumNumpy4D:
    return vector.array({"px": p[:, 1], "py": p[:, 2], "pz": p[:, 3], "E": p[:, 0]})


def test_super_razor_matches_a_step_by_step_vector_computation(rng: np.random.Generator) -> None:
    l1, l2 = _massless(rng, 200), _massless(rng, 200)
    met = rng.normal(0.0, 40.0, (200, 2))
    s_r, m_delta, dphi, cos1 = super_razor(l1, l2, met[:, 0], met[:, 1])

    # the same recipe with the `vector` package's boosts (arXiv:1310.4827)
    v1, v2 = _vec(l1), _vec(l2)
    bz = vector.array({"x": 0 * v1.pz, "y": 0 * v1.pz, "z": -(v1.pz + v2.pz) / (v1.E + v2.E)})
    v1, v2 = v1.boost_beta3(bz), v2.boost_beta3(bz)
    ll = v1 + v2
    e_inv = np.sqrt((met**2).sum(1) + ll.mass**2)
    tx, ty = ll.px + met[:, 0], ll.py + met[:, 1]
    s_hat = (ll.E + e_inv) ** 2 - tx**2 - ty**2
    np.testing.assert_allclose(s_r, np.sqrt(s_hat), rtol=1e-9)
    norm = np.sqrt(tx**2 + ty**2 + s_hat)
    br = vector.array({"x": -tx / norm, "y": -ty / norm, "z": 0 * tx})
    np.testing.assert_allclose(
        dphi, np.abs(ll.deltaphi(vector.array({"px": tx, "py": ty}))), atol=1e-9
    )
    v1, v2 = v1.boost_beta3(br), v2.boost_beta3(br)
    b1 = (v1.to_Vector3D() - v2.to_Vector3D()) / (v1.E + v2.E)
    w1, w2 = v1.boost_beta3(-b1), v2.boost_beta3(b1)
    np.testing.assert_allclose(m_delta, w1.E + w2.E, rtol=1e-9)
    np.testing.assert_allclose(m_delta, (v1.E + v2.E) * np.sqrt(1 - b1.mag2), rtol=1e-9)
    np.testing.assert_allclose(cos1, np.abs(w1.to_Vector3D().unit().dot(b1.unit())), atol=1e-9)
    assert ((cos1 >= 0) & (cos1 <= 1 + 1e-12)).all()
    assert ((dphi >= 0) & (dphi <= np.pi)).all()


def test_generated_higgs_file_reads_with_the_dataset_loader(tmp_path: Path) -> None:
    """Generated files use the loader's column names, so neyman.datasets.higgs reads them."""
    from neyman.data import write_table
    from neyman.datasets import higgs
    from neyman.datasets.real import HIGGS_FEATURES

    assert list(HIGGS_COLUMNS) == list(HIGGS_FEATURES)
    frame = pd.DataFrame(np.ones((4, 28)), columns=list(HIGGS_COLUMNS)).assign(label=[0, 1, 0, 1])
    ds = higgs(write_table(frame, tmp_path / "gen.parquet"))
    assert ds.n_events == 4
    assert ds.feature_groups["high"] == list(HIGGS_FEATURES[21:])
